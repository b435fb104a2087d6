"""SQLite state: conversations and turns (multi-turn context), answers and feedback.

Everything stored is redacted first (fødselsnummer, D-nummer, phone, e-mail). A conversation belongs to its
owner (an API key, `api:<key id>`, or a channel identity such as `slack:<team>:<user>`); conversation ids are
issued by the server and unguessable. Retention is by row age: each turn and answer older than the
conversation retention is deleted (a long-lived conversation loses its old rows), feedback after its own
retention. Deleted rows are overwritten on disk (`PRAGMA secure_delete`).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from boligassistent.text.redact import redact

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, created REAL, updated REAL, channel TEXT, owner TEXT);
CREATE TABLE IF NOT EXISTS turns (conversation_id TEXT, idx INTEGER, message TEXT, resolved_query TEXT,
    answer_id TEXT, created REAL, PRIMARY KEY (conversation_id, idx));
CREATE TABLE IF NOT EXISTS answers (id TEXT PRIMARY KEY, conversation_id TEXT, question TEXT, answer TEXT,
    citations TEXT, abstained INTEGER, created REAL);
CREATE TABLE IF NOT EXISTS feedback (id TEXT PRIMARY KEY, answer_id TEXT, rating TEXT, reason TEXT, comment TEXT,
    channel TEXT, created REAL);
"""
# after the owner column exists (state databases from before it are migrated first)
_INDEXES = """
CREATE INDEX IF NOT EXISTS answers_conversation ON answers (conversation_id);
CREATE INDEX IF NOT EXISTS answers_created ON answers (created);
CREATE INDEX IF NOT EXISTS turns_created ON turns (created);
CREATE INDEX IF NOT EXISTS conversations_updated ON conversations (updated);
CREATE INDEX IF NOT EXISTS feedback_created ON feedback (created);
"""
_DAY_S = 86400.0
CHANNEL_NAMESPACES = ("slack:", "teams:")  # conversation ids of the bots: never usable from the HTTP API


@dataclass(frozen=True)
class RetentionConfig:
    conversation_days: float = 30.0  # turns and answers (questions, answers) older than this are deleted
    feedback_days: float = 365.0  # feedback (rating, reason, comment) older than this is deleted
    purge_interval_s: float = 3600.0  # how often the server runs the purge (0 = never; `boligassistent purge` still works)


@dataclass(frozen=True)
class Purged:
    """Rows deleted by one purge, per table."""

    turns: int = 0
    answers: int = 0
    conversations: int = 0
    feedback: int = 0

    @property
    def total(self) -> int:
        return self.turns + self.answers + self.conversations + self.feedback


def new_conversation_id() -> str:
    """An opaque, unguessable conversation id (192 random bits, URL-safe)."""
    return secrets.token_urlsafe(24)


class StateStore:
    def __init__(self, path: Path, retention: RetentionConfig = RetentionConfig()) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.retention = retention
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA secure_delete=ON")  # deleted questions are overwritten, not left in free pages
        self._db.executescript(_SCHEMA)
        self._migrate()
        self._db.executescript(_INDEXES)
        self._lock = threading.Lock()

    def _migrate(self) -> None:
        """State databases from before conversation ownership: add the column; their rows keep owner NULL, which
        no caller owns (nobody can read or continue a legacy conversation)."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(conversations)")}
        if "owner" not in columns:
            self._db.execute("ALTER TABLE conversations ADD COLUMN owner TEXT")

    def _exec(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # conversations -------------------------------------------------------------------------------
    def new_conversation(self, channel: str = "api", owner: str | None = None, conversation_id: str | None = None) -> str:
        """Open a conversation for `owner` under a new server-issued id (or `conversation_id`, if still free)."""
        cid = conversation_id or new_conversation_id()
        now = time.time()
        self._exec("INSERT OR IGNORE INTO conversations (id, created, updated, channel, owner) VALUES (?,?,?,?,?)",
                   (cid, now, now, channel, owner))
        return cid

    def conversation_exists(self, cid: str) -> bool:
        return bool(self._exec("SELECT 1 FROM conversations WHERE id=?", (cid,)))

    def owns(self, cid: str, owner: str) -> bool:
        """Whether `owner` owns conversation `cid` (a conversation without an owner belongs to nobody)."""
        return bool(self._exec("SELECT 1 FROM conversations WHERE id=? AND owner=?", (cid, owner)))

    def claim(self, cid: str, owner: str, channel: str) -> bool:
        """Open conversation `cid` for `owner` unless it exists; whether `owner` owns it. For channel identities,
        whose conversation ids are derived from the identity itself (never from an HTTP caller)."""
        self.new_conversation(channel, owner, cid)
        return self.owns(cid, owner)

    def previous_messages(self, cid: str, limit: int) -> list[str]:
        """The user's last `limit` messages in the conversation, as asked (redacted), oldest first."""
        rows = self._exec("SELECT message FROM turns WHERE conversation_id=? ORDER BY idx DESC LIMIT ?", (cid, limit))
        return [r[0] for r in reversed(rows)]

    def add_turn(self, cid: str, message: str, resolved_query: str, answer_id: str) -> None:
        with self._lock:
            (n,) = self._db.execute("SELECT COALESCE(MAX(idx) + 1, 0) FROM turns WHERE conversation_id=?", (cid,)).fetchone()
            self._db.execute("INSERT INTO turns VALUES (?,?,?,?,?,?)",
                             (cid, n, redact(message), redact(resolved_query), answer_id, time.time()))
            self._db.execute("UPDATE conversations SET updated=? WHERE id=?", (time.time(), cid))

    def turns(self, cid: str) -> list[dict]:
        rows = self._exec("SELECT idx, message, resolved_query, answer_id, created FROM turns "
                          "WHERE conversation_id=? ORDER BY idx", (cid,))
        return [dict(zip(("idx", "message", "resolved_query", "answer_id", "created"), r)) for r in rows]

    def delete_conversation(self, cid: str, owner: str) -> bool:
        """Delete `owner`'s conversation `cid` with its turns and answers; False if `owner` does not own it."""
        with self._lock:
            found = self._db.execute("DELETE FROM conversations WHERE id=? AND owner=?", (cid, owner)).rowcount
            if found:
                self._db.execute("DELETE FROM turns WHERE conversation_id=?", (cid,))
                self._db.execute("DELETE FROM answers WHERE conversation_id=?", (cid,))
        return bool(found)

    def purge_expired(self, now: float | None = None) -> Purged:
        """Delete every row older than its retention: turns and answers by their own age (so a conversation that
        lives on loses its old rows), conversations idle for the whole retention, feedback by its own setting."""
        now = time.time() if now is None else now
        cutoff = now - self.retention.conversation_days * _DAY_S
        feedback_cutoff = now - self.retention.feedback_days * _DAY_S
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                purged = Purged(
                    turns=self._db.execute("DELETE FROM turns WHERE created < ?", (cutoff,)).rowcount,
                    answers=self._db.execute("DELETE FROM answers WHERE created < ?", (cutoff,)).rowcount,
                    conversations=self._db.execute("DELETE FROM conversations WHERE updated < ?", (cutoff,)).rowcount,
                    feedback=self._db.execute("DELETE FROM feedback WHERE created < ?", (feedback_cutoff,)).rowcount)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return purged

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
