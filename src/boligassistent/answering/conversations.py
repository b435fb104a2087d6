"""SQLite state: conversations and turns (multi-turn context), answers and feedback.

Everything stored is redacted first (fødselsnummer, D-nummer, phone, e-mail). Conversations older
than the retention limit are purged.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from pathlib import Path

from boligassistent.text.redact import redact

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, created REAL, updated REAL, channel TEXT);
CREATE TABLE IF NOT EXISTS turns (conversation_id TEXT, idx INTEGER, message TEXT, resolved_query TEXT,
    answer_id TEXT, created REAL, PRIMARY KEY (conversation_id, idx));
CREATE TABLE IF NOT EXISTS answers (id TEXT PRIMARY KEY, conversation_id TEXT, question TEXT, answer TEXT,
    citations TEXT, abstained INTEGER, created REAL);
CREATE TABLE IF NOT EXISTS feedback (id TEXT PRIMARY KEY, answer_id TEXT, rating TEXT, reason TEXT, comment TEXT,
    channel TEXT, created REAL);
"""


class StateStore:
    def __init__(self, path: Path, retention_days: int = 30) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.retention_days = retention_days
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def _exec(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # conversations -------------------------------------------------------------------------------
    def new_conversation(self, channel: str = "api", conversation_id: str | None = None) -> str:
        cid = conversation_id or uuid.uuid4().hex
        now = time.time()
        self._exec("INSERT OR IGNORE INTO conversations VALUES (?,?,?,?)", (cid, now, now, channel))
        return cid

    def conversation_exists(self, cid: str) -> bool:
        return bool(self._exec("SELECT 1 FROM conversations WHERE id=?", (cid,)))

    def previous_messages(self, cid: str, limit: int) -> list[str]:
        """The user's last `limit` messages in the conversation, as asked (redacted), oldest first."""
        rows = self._exec("SELECT message FROM turns WHERE conversation_id=? ORDER BY idx DESC LIMIT ?", (cid, limit))
        return [r[0] for r in reversed(rows)]

    def add_turn(self, cid: str, message: str, resolved_query: str, answer_id: str) -> None:
        with self._lock:
            (n,) = self._db.execute("SELECT COUNT(*) FROM turns WHERE conversation_id=?", (cid,)).fetchone()
            self._db.execute("INSERT INTO turns VALUES (?,?,?,?,?,?)",
                             (cid, n, redact(message), redact(resolved_query), answer_id, time.time()))
            self._db.execute("UPDATE conversations SET updated=? WHERE id=?", (time.time(), cid))

    def turns(self, cid: str) -> list[dict]:
        rows = self._exec("SELECT idx, message, resolved_query, answer_id, created FROM turns "
                          "WHERE conversation_id=? ORDER BY idx", (cid,))
        return [dict(zip(("idx", "message", "resolved_query", "answer_id", "created"), r)) for r in rows]

    def delete_conversation(self, cid: str) -> bool:
        with self._lock:
            found = self._db.execute("DELETE FROM conversations WHERE id=?", (cid,)).rowcount
            self._db.execute("DELETE FROM turns WHERE conversation_id=?", (cid,))
            self._db.execute("DELETE FROM answers WHERE conversation_id=?", (cid,))
        return bool(found)

    def purge_expired(self) -> int:
        cutoff = time.time() - self.retention_days * 86400
        with self._lock:
            old = [r[0] for r in self._db.execute("SELECT id FROM conversations WHERE updated < ?", (cutoff,))]
            for cid in old:
                self._db.execute("DELETE FROM turns WHERE conversation_id=?", (cid,))
                self._db.execute("DELETE FROM answers WHERE conversation_id=?", (cid,))
                self._db.execute("DELETE FROM conversations WHERE id=?", (cid,))
            self._db.execute("DELETE FROM answers WHERE conversation_id IS NULL AND created < ?", (cutoff,))
        return len(old)

    # answers and feedback ---------------------------------------------------------------------------
    def record_answer(self, answer_id: str, conversation_id: str | None, question: str, answer: str, citations: list[dict],
                      abstained: bool) -> None:
        self._exec("INSERT OR REPLACE INTO answers VALUES (?,?,?,?,?,?,?)",
                   (answer_id, conversation_id, redact(question), redact(answer), json.dumps(citations, ensure_ascii=False),
                    int(abstained), time.time()))

    def answer_exists(self, answer_id: str) -> bool:
        return bool(self._exec("SELECT 1 FROM answers WHERE id=?", (answer_id,)))

    def add_feedback(self, answer_id: str, rating: str, reason: str | None, comment: str | None, channel: str = "api") -> str:
        fid = uuid.uuid4().hex
        self._exec("INSERT INTO feedback VALUES (?,?,?,?,?,?,?)",
                   (fid, answer_id, rating, redact(reason or "") or None, redact(comment or "") or None, channel, time.time()))
        return fid

    def export_feedback(self) -> list[dict]:
        rows = self._exec(
            "SELECT f.id, f.answer_id, f.rating, f.reason, f.comment, f.channel, f.created, a.question, a.answer, a.abstained "
            "FROM feedback f LEFT JOIN answers a ON a.id = f.answer_id ORDER BY f.created")
        keys = ("id", "answer_id", "rating", "reason", "comment", "channel", "created", "question", "answer", "abstained")
        return [dict(zip(keys, r)) for r in rows]

    def close(self) -> None:
        self._db.close()
