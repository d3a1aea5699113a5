"""SQLite (WAL) persistence: every SQL statement of the host lives here, behind typed methods.

Reads are `Store` methods; changes happen inside `with store.tx() as tx:` through `Tx` methods, one short
transaction each (consume a message, append history, queue work), so a crash never leaves half an episode.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from devhost.rows import ActivityItem, Instance, InstanceQuery, Message, ParentRef, RuntimeStatus, TimerItem

SCHEMA_VERSION = "2"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS instances (
  instance_id TEXT PRIMARY KEY, name TEXT NOT NULL, runtime_status TEXT NOT NULL, execution_id TEXT NOT NULL,
  input TEXT, output TEXT, custom_status TEXT, created_time TEXT NOT NULL, last_updated_time TEXT NOT NULL,
  parent_instance_id TEXT, parent_execution_id TEXT, parent_task_id INTEGER, parent_name TEXT);
CREATE TABLE IF NOT EXISTS history (
  instance_id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (instance_id, seq));
CREATE TABLE IF NOT EXISTS inbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, execution_id TEXT, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS inbox_instance ON inbox (instance_id, id);
CREATE TABLE IF NOT EXISTS activities (
  id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, execution_id TEXT NOT NULL,
  task_id INTEGER NOT NULL, name TEXT NOT NULL, input TEXT);
CREATE TABLE IF NOT EXISTS timers (
  id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, execution_id TEXT NOT NULL,
  timer_id INTEGER NOT NULL, fire_at REAL NOT NULL, fire_at_text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS timers_fire ON timers (fire_at);
CREATE INDEX IF NOT EXISTS timers_instance ON timers (instance_id);
"""
_INSTANCE_COLUMNS = ("instance_id", "name", "runtime_status", "execution_id", "input", "output", "custom_status",
                     "created_time", "last_updated_time", "parent_instance_id", "parent_execution_id",
                     "parent_task_id", "parent_name")
_PUT_INSTANCE = (f"INSERT OR REPLACE INTO instances ({', '.join(_INSTANCE_COLUMNS)}) "  # noqa: S608 (fixed columns)
                 f"VALUES ({', '.join('?' * len(_INSTANCE_COLUMNS))})")


class StoreVersionError(RuntimeError):
    """The database was written by an older host whose schema this one cannot read."""


class Store:
    """One SQLite connection guarded by a lock."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._check_version(path)
            self._conn.executescript(SCHEMA)
            self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))

    def _check_version(self, path: Path) -> None:
        tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "instances" not in tables:
            return
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() \
            if "meta" in tables else None
        if row is None or row[0] != SCHEMA_VERSION:
            raise StoreVersionError(f"{path} was written by an older local host (schema {row[0] if row else 1}); "
                                    "delete it (make run RESET=1) to start clean")

    @contextmanager
    def tx(self) -> Iterator[Tx]:
        """A write transaction (BEGIN IMMEDIATE ... COMMIT, rolled back on error)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- reads ------------------------------------------------------------------------------------------
    def meta(self, prefix: str) -> dict[str, str]:
        rows = self._rows("SELECT key, value FROM meta WHERE key LIKE ?", (prefix + "%",))
        return {r["key"][len(prefix):]: r["value"] for r in rows}

    def set_meta(self, prefix: str, values: dict[str, str]) -> None:
        with self.tx() as tx:
            tx.set_meta(prefix, values)

    def instance(self, instance_id: str) -> Instance | None:
        rows = self._rows("SELECT * FROM instances WHERE instance_id = ?", (instance_id,))
        return _instance(rows[0]) if rows else None

    def history(self, instance_id: str) -> list[dict[str, Any]]:
        rows = self._rows("SELECT body FROM history WHERE instance_id = ? ORDER BY seq", (instance_id,))
        return [json.loads(r["body"]) for r in rows]

    def first_message(self, instance_id: str) -> Message | None:
        rows = self._rows("SELECT * FROM inbox WHERE instance_id = ? ORDER BY id LIMIT 1", (instance_id,))
        return _message(rows[0]) if rows else None

    def messages(self) -> list[Message]:
        """Every queued message, oldest first."""
        return [_message(r) for r in self._rows("SELECT * FROM inbox ORDER BY id")]

    def ready_instances(self, exclude: set[str], limit: int) -> list[str]:
        rows = self._rows("SELECT instance_id, MIN(id) AS first FROM inbox GROUP BY instance_id ORDER BY first "
                          "LIMIT ?", (limit + len(exclude),))
        return [r["instance_id"] for r in rows if r["instance_id"] not in exclude][:limit]

    def pending_activities(self, exclude: set[int] | None = None, limit: int = 1000) -> list[ActivityItem]:
        skip = exclude or set()
        rows = self._rows("SELECT * FROM activities ORDER BY id LIMIT ?", (limit + len(skip),))
        return [_activity(r) for r in rows if r["id"] not in skip][:limit]

    def timers(self) -> list[TimerItem]:
        """Every pending durable timer, soonest first."""
        return [_timer(r) for r in self._rows("SELECT * FROM timers ORDER BY fire_at, id")]

    def due_timers(self, now: float, limit: int = 500) -> list[TimerItem]:
        rows = self._rows("SELECT * FROM timers WHERE fire_at <= ? ORDER BY fire_at, id LIMIT ?", (now, limit))
        return [_timer(r) for r in rows]

    def next_timer_at(self) -> float | None:
        rows = self._rows("SELECT MIN(fire_at) AS next FROM timers")
        return rows[0]["next"] if rows and rows[0]["next"] is not None else None

    def list_instances(self, query: InstanceQuery, top: int, after: str | None) -> tuple[list[Instance], str | None]:
        """One page of instances in instance-ID order, and the last ID of the page when more rows follow.

        Azure Storage answers instance queries from its Instances table, whose rows come back in partition-key
        (instance ID) order, `top` at a time (DurableTask.AzureStorage `AzureTableTrackingStore.cs`).
        """
        clauses, args = _filter(query)
        if after is not None:
            clauses.append("instance_id > ?")
            args.append(after)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        # `where` is built from fixed clauses with ? placeholders; every value stays a parameter.
        sql = f"SELECT * FROM instances{where} ORDER BY instance_id LIMIT ?"  # noqa: S608
        rows = [_instance(r) for r in self._rows(sql, (*args, top + 1))]
        more = len(rows) > top
        page = rows[:top]
        return page, (page[-1].instance_id if more and page else None)

    def matching_instances(self, query: InstanceQuery) -> list[str]:
        clauses, args = _filter(query)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"SELECT instance_id FROM instances{where} ORDER BY instance_id"  # noqa: S608 (placeholders only)
        return [r["instance_id"] for r in self._rows(sql, tuple(args))]


class Tx:
    """The writes of one transaction."""

    def __init__(self, conn: sqlite3.Connection):
        self._db = conn

    def set_meta(self, prefix: str, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (prefix + key, value))

    def instance(self, instance_id: str) -> Instance | None:
        row = self._db.execute("SELECT * FROM instances WHERE instance_id = ?", (instance_id,)).fetchone()
        return _instance(row) if row else None

    def put_instance(self, inst: Instance) -> None:
        parent = inst.parent
        self._db.execute(_PUT_INSTANCE, (
            inst.instance_id, inst.name, inst.status.value, inst.execution_id, inst.input, inst.output,
            inst.custom_status, inst.created_time, inst.last_updated_time,
            parent.instance_id if parent else None, parent.execution_id if parent else None,
            parent.task_id if parent else None, parent.name if parent else None))

    def delete_instance(self, instance_id: str) -> None:
        self._db.execute("DELETE FROM instances WHERE instance_id = ?", (instance_id,))

    def append_history(self, instance_id: str, events: list[dict[str, Any]]) -> None:
        row = self._db.execute("SELECT COALESCE(MAX(seq), -1) FROM history WHERE instance_id = ?",
                               (instance_id,)).fetchone()
        start = int(row[0]) + 1
        self._db.executemany("INSERT INTO history (instance_id, seq, body) VALUES (?, ?, ?)",
                             [(instance_id, start + i, json.dumps(e)) for i, e in enumerate(events)])

    def clear_history(self, instance_id: str) -> None:
        self._db.execute("DELETE FROM history WHERE instance_id = ?", (instance_id,))

    def post(self, instance_id: str, execution_id: str | None, event: dict[str, Any]) -> None:
        self._db.execute("INSERT INTO inbox (instance_id, execution_id, body) VALUES (?, ?, ?)",
                         (instance_id, execution_id, json.dumps(event)))

    def delete_message(self, message_id: int) -> None:
        self._db.execute("DELETE FROM inbox WHERE id = ?", (message_id,))

    def delete_messages(self, instance_id: str) -> None:
        self._db.execute("DELETE FROM inbox WHERE instance_id = ?", (instance_id,))

    def add_activity(self, instance_id: str, execution_id: str, task_id: int, name: str,
                     input_json: str | None) -> None:
        self._db.execute("INSERT INTO activities (instance_id, execution_id, task_id, name, input) "
                         "VALUES (?, ?, ?, ?, ?)", (instance_id, execution_id, task_id, name, input_json))

    def take_activity(self, item_id: int) -> bool:
        """Remove a work item; False when it was already gone (its result must then be dropped)."""
        return self._db.execute("DELETE FROM activities WHERE id = ?", (item_id,)).rowcount > 0

    def add_timer(self, instance_id: str, execution_id: str, timer_id: int, fire_at: float, fire_at_text: str) -> None:
        self._db.execute("INSERT INTO timers (instance_id, execution_id, timer_id, fire_at, fire_at_text) "
                         "VALUES (?, ?, ?, ?, ?)", (instance_id, execution_id, timer_id, fire_at, fire_at_text))

    def take_timer(self, item_id: int) -> bool:
        return self._db.execute("DELETE FROM timers WHERE id = ?", (item_id,)).rowcount > 0

    def delete_timers(self, instance_id: str) -> None:
        self._db.execute("DELETE FROM timers WHERE instance_id = ?", (instance_id,))


def _filter(query: InstanceQuery) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    if query.created_from:
        clauses.append("created_time >= ?")
        args.append(query.created_from)
    if query.created_to:
        clauses.append("created_time <= ?")
        args.append(query.created_to)
    if query.statuses:
        clauses.append(f"runtime_status IN ({', '.join('?' * len(query.statuses))})")
        args.extend(query.statuses)
    if query.id_prefix:
        clauses.append("instance_id LIKE ? ESCAPE '\\'")
        args.append(query.id_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    return clauses, args


def _instance(row: sqlite3.Row) -> Instance:
    parent = None
    if row["parent_instance_id"] is not None:
        parent = ParentRef(instance_id=row["parent_instance_id"], execution_id=row["parent_execution_id"],
                           task_id=int(row["parent_task_id"]), name=row["parent_name"] or "")
    return Instance(instance_id=row["instance_id"], name=row["name"], status=RuntimeStatus(row["runtime_status"]),
                    execution_id=row["execution_id"], created_time=row["created_time"],
                    last_updated_time=row["last_updated_time"], input=row["input"], output=row["output"],
                    custom_status=row["custom_status"], parent=parent)


def _message(row: sqlite3.Row) -> Message:
    return Message(id=row["id"], instance_id=row["instance_id"], execution_id=row["execution_id"],
                   event=json.loads(row["body"]))


def _activity(row: sqlite3.Row) -> ActivityItem:
    return ActivityItem(id=row["id"], instance_id=row["instance_id"], execution_id=row["execution_id"],
                        task_id=row["task_id"], name=row["name"], input=row["input"])


def _timer(row: sqlite3.Row) -> TimerItem:
    return TimerItem(id=row["id"], instance_id=row["instance_id"], execution_id=row["execution_id"],
                     timer_id=row["timer_id"], fire_at=row["fire_at"], fire_at_text=row["fire_at_text"])


def encode_token(after: str) -> str:
    """An opaque continuation token (Azure Storage's is base64 too: Azure/durabletask pull request #372)."""
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode()


def decode_token(token: str) -> str | None:
    """The last instance ID of the previous page, or None for a token this host did not issue."""
    try:
        value = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, json.JSONDecodeError):
        return None
    after = value.get("after") if isinstance(value, dict) else None
    return after if isinstance(after, str) else None
