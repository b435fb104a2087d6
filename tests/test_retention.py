"""Retention: every row goes when it is older than its retention (not whole conversations), feedback has its own
setting, deleted text is overwritten on disk, the purge runs as its own job in the server and as a CLI command."""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from pathlib import Path

from typer.testing import CliRunner

from boligassistent.answering.conversations import RetentionConfig, StateStore
from boligassistent.cli import app as cli
from boligassistent.runtime import create_service, service_config
from boligassistent.service.app import create_app
from tests.conftest import LiveServer

DAY = 86400.0
RETENTION = RetentionConfig(conversation_days=30, feedback_days=90)


def _age(db: Path, sql: str, days: float, *args) -> None:
    """Backdate rows: `sql` is an UPDATE with `?` for the new timestamp first."""
    with sqlite3.connect(db) as conn:
        conn.execute(sql, (time.time() - days * DAY, *args))


def _turn(store: StateStore, cid: str, question: str) -> str:
    answer_id = f"a-{question}"
    store.record_answer(answer_id, cid, question, f"svar på {question}", [], False)
    store.add_turn(cid, question, question, answer_id)
    return answer_id


def _seed(db: Path) -> StateStore:
    """A live conversation with one old and one new turn; a conversation idle beyond retention; feedback of three ages."""
    store = StateStore(db, RETENTION)
    live = store.new_conversation("slack", "slack:T1:U1", "slack:T1:U1:C1:cmd")
    old_answer = _turn(store, live, "gammelt spørsmål")
    new_answer = _turn(store, live, "nytt spørsmål")
    idle = store.new_conversation("api", "api:k1")
    _turn(store, idle, "glemt spørsmål")
    _age(db, "UPDATE turns SET created=? WHERE message=?", 40, "gammelt spørsmål")
    _age(db, "UPDATE answers SET created=? WHERE id=?", 40, old_answer)
    _age(db, "UPDATE turns SET created=? WHERE conversation_id=?", 31, idle)
    _age(db, "UPDATE answers SET created=? WHERE conversation_id=?", 31, idle)
    _age(db, "UPDATE conversations SET updated=? WHERE id=?", 31, idle)
    for days, comment in ((100, "eldgammel"), (60, "middels"), (1, "fersk")):
        store.add_feedback(new_answer, "up", None, comment)
        _age(db, "UPDATE feedback SET created=? WHERE comment=?", days, comment)
    return store


def _rows(db: Path, sql: str) -> list:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute(sql)]


def test_rows_go_by_their_own_age_and_feedback_by_its_own_setting(tmp_path):
    db = tmp_path / "state.sqlite3"
    store = _seed(db)
    purged = store.purge_expired()
    assert (purged.turns, purged.answers, purged.conversations, purged.feedback) == (2, 2, 1, 1)
    # the long-lived conversation lost its old row only, and goes on (no clash with the purged turn's position)
    assert [t["message"] for t in store.turns("slack:T1:U1:C1:cmd")] == ["nytt spørsmål"]
    assert _rows(db, "SELECT question FROM answers") == ["nytt spørsmål"]
    _turn(store, "slack:T1:U1:C1:cmd", "enda et spørsmål")
    assert store.previous_messages("slack:T1:U1:C1:cmd", 3) == ["nytt spørsmål", "enda et spørsmål"]
    assert _rows(db, "SELECT owner FROM conversations") == ["slack:T1:U1"]
    assert sorted(_rows(db, "SELECT comment FROM feedback")) == ["fersk", "middels"]  # 60 days: past 30, within 90
    assert store.purge_expired().total == 0


def test_deleted_questions_are_overwritten_on_disk(tmp_path):
    db = tmp_path / "state.sqlite3"
    store = StateStore(db, RETENTION)
    marker = "Hemmeligmarkør Kari Nordmann sin husleiesak"
    cid = store.new_conversation("api", "api:k1")
    _turn(store, cid, marker)
    _turn(store, cid, "et annet spørsmål som blir stående")
    _age(db, "UPDATE turns SET created=? WHERE message=?", 40, marker)
    _age(db, "UPDATE answers SET created=? WHERE question=?", 40, marker)
    store._exec("PRAGMA wal_checkpoint(TRUNCATE)")
    assert marker.encode() in db.read_bytes()
    assert store.purge_expired().turns == 1
    store._exec("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("state.sqlite3"))
    assert marker.encode() not in on_disk and "blir stående".encode() in on_disk


def test_purge_and_conversation_lookups_use_indexes(tmp_path):
    db = tmp_path / "state.sqlite3"
    StateStore(db, RETENTION).close()
    with sqlite3.connect(db) as conn:
        def plan(sql: str) -> str:
            return " ".join(str(row[-1]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql, (0,)))

        assert "USING INDEX" in plan("SELECT id FROM answers WHERE conversation_id = ?")
        for table, column in (("answers", "created"), ("turns", "created"), ("feedback", "created"),
                              ("conversations", "updated")):
            assert "USING" in plan(f"SELECT 1 FROM {table} WHERE {column} < ?") and "INDEX" in plan(
                f"SELECT 1 FROM {table} WHERE {column} < ?"), table


def test_purge_command(tmp_path, monkeypatch):
    db = tmp_path / "state.sqlite3"
    _seed(db).close()
    monkeypatch.setenv("BOLIG_STATE_DB", str(db))
    monkeypatch.setenv("BOLIG_CONVERSATION_RETENTION_DAYS", "30")
    monkeypatch.setenv("BOLIG_FEEDBACK_RETENTION_DAYS", "50")
    result = CliRunner().invoke(cli, ["purge"])
    assert result.exit_code == 0, result.output
    assert "deleted 2 turns, 2 answers, 1 conversations and 2 feedback rows" in " ".join(result.output.split())
    assert _rows(db, "SELECT comment FROM feedback") == ["fersk"]


def test_the_server_purges_on_its_own_schedule(tmp_path, unit_settings, unit_runtime):
    """Independent of the index watcher (off here): a periodic job in the server process."""
    db = tmp_path / "state.sqlite3"
    _seed(db).close()
    settings = unit_settings.model_copy(update={"state_db": db, "index_watch_s": 0, "retention_purge_interval_s": 0.2,
                                                "conversation_retention_days": 30, "feedback_retention_days": 90})
    service = create_service(settings, dataclasses.replace(unit_runtime, settings=settings))
    with LiveServer(create_app(service_config(settings), service)):
        deadline = time.time() + 10
        while time.time() < deadline and len(_rows(db, "SELECT 1 FROM turns")) > 1:
            time.sleep(0.1)
        _age(db, "UPDATE feedback SET created=? WHERE comment=?", 95, "middels")  # ages while the server runs
        while time.time() < deadline and len(_rows(db, "SELECT 1 FROM feedback")) > 1:
            time.sleep(0.1)
    assert _rows(db, "SELECT message FROM turns") == ["nytt spørsmål"]
    assert _rows(db, "SELECT comment FROM feedback") == ["fersk"]
