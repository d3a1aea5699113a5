"""SQLite (WAL) persistence: instances, history, inbox messages, activity work items and timers."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS instances (
  instance_id TEXT PRIMARY KEY, name TEXT NOT NULL, runtime_status TEXT NOT NULL,
  input TEXT, output TEXT, custom_status TEXT, created_time TEXT NOT NULL, last_updated_time TEXT NOT NULL,
  execution_id INTEGER NOT NULL DEFAULT 0, parent_instance_id TEXT, parent_event_id INTEGER,
  parent_execution_id INTEGER, engine TEXT NOT NULL DEFAULT '{}');
CREATE INDEX IF NOT EXISTS instances_created ON instances (created_time);
CREATE TABLE IF NOT EXISTS history (
  instance_id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (instance_id, seq));
CREATE TABLE IF NOT EXISTS inbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, execution_id INTEGER NOT NULL,
  body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS inbox_instance ON inbox (instance_id, id);
CREATE TABLE IF NOT EXISTS activities (
  id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, execution_id INTEGER NOT NULL,
  event_id INTEGER NOT NULL, name TEXT NOT NULL, input TEXT);
CREATE INDEX IF NOT EXISTS activities_instance ON activities (instance_id);
CREATE TABLE IF NOT EXISTS timers (
  id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, execution_id INTEGER NOT NULL,
  timer_id INTEGER NOT NULL, fire_at REAL NOT NULL, fire_at_text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS timers_fire ON timers (fire_at);
CREATE INDEX IF NOT EXISTS timers_instance ON timers (instance_id);
"""

_INSERT_INSTANCE = ("INSERT OR REPLACE INTO instances (instance_id, name, runtime_status, input, output, "
                    "custom_status, created_time, last_updated_time, execution_id, parent_instance_id, "
                    "parent_event_id, parent_execution_id, engine) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
INSTANCE_COLUMNS = ("instance_id", "name", "runtime_status", "input", "output", "custom_status", "created_time",
                    "last_updated_time", "execution_id", "parent_instance_id", "parent_event_id",
                    "parent_execution_id", "engine")


class Store:
    """One SQLite connection guarded by a lock; every change is one short transaction."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(SCHEMA)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE ... COMMIT, rolled back on error)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- meta -------------------------------------------------------------------------------------------
    def meta(self, prefix: str) -> dict[str, str]:
        rows = self.query("SELECT key, value FROM meta WHERE key LIKE ?", (prefix + "%",))
        return {r["key"][len(prefix):]: r["value"] for r in rows}

    def set_meta(self, prefix: str, values: dict[str, str]) -> None:
        with self.tx() as db:
            for key, value in values.items():
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (prefix + key, value))

    # -- reads ------------------------------------------------------------------------------------------
    def instance(self, instance_id: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM instances WHERE instance_id = ?", (instance_id,))
        return dict(rows[0]) if rows else None

    def history(self, instance_id: str) -> list[dict[str, Any]]:
        rows = self.query("SELECT body FROM history WHERE instance_id = ? ORDER BY seq", (instance_id,))
        return [json.loads(r["body"]) for r in rows]

    def ready_instances(self, exclude: set[str], limit: int) -> list[str]:
        rows = self.query("SELECT instance_id, MIN(id) AS first FROM inbox GROUP BY instance_id ORDER BY first "
                          "LIMIT ?", (limit + len(exclude),))
        return [r["instance_id"] for r in rows if r["instance_id"] not in exclude][:limit]

    def first_message(self, instance_id: str) -> sqlite3.Row | None:
        rows = self.query("SELECT * FROM inbox WHERE instance_id = ? ORDER BY id LIMIT 1", (instance_id,))
        return rows[0] if rows else None

    def pending_activities(self, exclude: set[int], limit: int) -> list[sqlite3.Row]:
        rows = self.query("SELECT * FROM activities ORDER BY id LIMIT ?", (limit + len(exclude),))
        return [r for r in rows if r["id"] not in exclude][:limit]

    def due_timers(self, now: float, limit: int = 500) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM timers WHERE fire_at <= ? ORDER BY fire_at LIMIT ?", (now, limit))

    def next_timer_at(self) -> float | None:
        rows = self.query("SELECT MIN(fire_at) AS next FROM timers")
        return rows[0]["next"] if rows and rows[0]["next"] is not None else None

    def list_instances(self, where: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
        # `where` is built from fixed clauses with ? placeholders (management.py); values stay parameters.
        sql = "SELECT * FROM instances" + (f" WHERE {where}" if where else "") + " ORDER BY created_time"  # noqa: S608
        return [dict(r) for r in self.query(sql, args)]


# -- write helpers used inside a transaction ----------------------------------------------------------------
def put_instance(db: sqlite3.Connection, row: dict[str, Any]) -> None:
    values = tuple(row.get(c) for c in INSTANCE_COLUMNS)
    db.execute(_INSERT_INSTANCE, values)


def append_history(db: sqlite3.Connection, instance_id: str, events: list[dict[str, Any]]) -> None:
    row = db.execute("SELECT COALESCE(MAX(seq), -1) FROM history WHERE instance_id = ?", (instance_id,)).fetchone()
    start = int(row[0]) + 1
    db.executemany("INSERT INTO history (instance_id, seq, body) VALUES (?, ?, ?)",
                   [(instance_id, start + i, json.dumps(e)) for i, e in enumerate(events)])


def post(db: sqlite3.Connection, instance_id: str, execution_id: int, message: dict[str, Any]) -> None:
    db.execute("INSERT INTO inbox (instance_id, execution_id, body) VALUES (?, ?, ?)",
               (instance_id, execution_id, json.dumps(message)))


def clear_instance_work(db: sqlite3.Connection, instance_id: str, history_too: bool) -> None:
    """Drop pending messages, activity items and timers (and optionally the history) of one instance."""
    for table in ("inbox", "activities", "timers") + (("history",) if history_too else ()):
        db.execute(f"DELETE FROM {table} WHERE instance_id = ?", (instance_id,))  # noqa: S608
