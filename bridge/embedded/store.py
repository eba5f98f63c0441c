"""Where the embedded API keeps objects: SQLite behind one lock, plus a ring of recent changes.

One implementation serves both modes (``:memory:`` or ``<data-dir>/state.db``) so the
in-memory server used by tests is the same code that persists. Every write is one SQLite
transaction that also moves the cluster-wide resourceVersion counter, so a failed request
leaves nothing behind and the counter survives restarts. Watchers never touch the database:
they read the ring under the lock and write to their socket after releasing it.
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from bridge.embedded.errors import ApiError, expired

NAMESPACES = "v1/namespaces"
# Changes kept for watches and continue tokens; each holds the object before and after.
DEFAULT_HISTORY = 2000


@dataclass(frozen=True)
class Deleted:
    """What a change returns to delete an object that it also changed (an update that removes
    the last finalizer of an object being deleted): ``last`` is the object's final state."""

    last: dict


# Change(current object or None) -> the new object; None or Deleted to delete it; the current
# object itself (unchanged, same identity) to write nothing. May raise ApiError.
Change = Callable[[dict | None], "dict | Deleted | None"]


@dataclass(frozen=True)
class WatchEvent:
    resource_version: int
    storage_key: str
    namespace: str
    type: str  # ADDED, MODIFIED, DELETED
    object: dict
    previous: dict | None = None  # what a MODIFIED or DELETED object was before


class TooOldResourceVersion(Exception):
    """The ring no longer holds the changes after this resourceVersion."""

    def __init__(self, requested: int, oldest: int):
        super().__init__(f"too old resource version: {requested} ({oldest})")
        self.requested = requested
        self.oldest = oldest

    def api_error(self) -> ApiError:
        return expired(str(self))


def _claim(lock_path: str) -> IO[bytes]:
    """An exclusive lock on ``lock_path`` for this process, or OSError saying who has it."""
    handle = open(lock_path, "a+b")  # noqa: SIM115 - held until the store closes
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise OSError(f"{lock_path} is held by another embedded API server") from None
    return handle


_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    storage_key TEXT NOT NULL,
    namespace   TEXT NOT NULL,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (storage_key, namespace, name)
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counters (name, value) VALUES ('resourceVersion', 0);
"""


class Store:
    """Objects by (storage key, namespace, name); ``namespace`` is "" for cluster-scoped ones."""

    def __init__(self, path: str = ":memory:", history: int = DEFAULT_HISTORY):
        # Two servers on one database would each count resourceVersions on their own.
        self._owner = _claim(path + ".lock") if path != ":memory:" else None
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._ring: deque[WatchEvent] = deque()
        self._history = history
        self._closed = False
        self._rv = self._db.execute("SELECT value FROM counters WHERE name = 'resourceVersion'").fetchone()[0]
        # Changes before this point (older ring entries, or everything before a restart) are gone.
        self._compacted = self._rv

    # -- reads ---------------------------------------------------------------------------

    @property
    def resource_version(self) -> int:
        with self._lock:
            return self._rv

    @property
    def compacted(self) -> int:
        """Oldest resourceVersion a watch or a continue token may still start from."""
        with self._lock:
            return self._compacted

    def get(self, storage_key: str, namespace: str, name: str) -> dict | None:
        with self._lock:
            self._check_open()
            return self._get(storage_key, namespace, name)

    def list(self, storage_key: str, namespace: str | None = None) -> tuple[list[dict], int]:
        """All objects of a kind (in one namespace, or everywhere), ordered by namespace and
        name, with the resourceVersion they were read at."""
        with self._lock:
            self._check_open()
            return self._list(storage_key, namespace), self._rv

    # -- writes --------------------------------------------------------------------------

    def write(
        self, storage_key: str, namespace: str, name: str, change: Change, *, dry_run: bool = False
    ) -> tuple[dict | None, dict | None]:
        """Apply ``change`` to one object atomically; returns (old, new).

        ``change`` runs under the lock with the stored object, so read-modify-write
        (conflict checks, status preservation, patches) cannot interleave with other writers.
        The new object gets the next resourceVersion; deleting a namespace deletes its objects.
        A dry run returns what would be stored and stores nothing.
        """
        with self._lock:
            self._check_open()
            current = self._get(storage_key, namespace, name)
            new = change(current)
            if dry_run:
                return current, new.last if isinstance(new, Deleted) else new
            if new is current:
                return current, current
            with self._transaction() as events:
                if isinstance(new, Deleted):
                    self._delete(events, storage_key, namespace, name, new.last)
                elif new is None:
                    assert current is not None
                    self._delete(events, storage_key, namespace, name, current)
                else:
                    self._put(events, storage_key, namespace, name, new, current)
            return current, (None if new is None else events[-1].object)

    def delete_many(
        self,
        storage_key: str,
        namespace: str | None,
        selected: Callable[[dict], bool],
        pending: Callable[[dict], dict | None],
        *,
        dry_run: bool = False,
    ) -> list[dict]:
        """Delete the objects ``selected`` accepts, in one transaction; returns them.

        ``pending(obj)`` returns the object marked for deletion instead when something
        (finalizers) must happen first, or None to delete it now.
        """
        with self._lock:
            self._check_open()
            victims = [obj for obj in self._list(storage_key, namespace) if selected(obj)]
            if dry_run or not victims:
                return [pending(obj) or obj for obj in victims]
            results: list[dict] = []
            with self._transaction() as events:
                for obj in victims:
                    meta = obj["metadata"]
                    where = (storage_key, meta.get("namespace", ""), meta["name"])
                    marked = pending(obj)
                    if marked is None:
                        self._delete(events, *where, obj)
                        results.append(obj)
                    elif marked is obj:
                        results.append(obj)
                    else:
                        self._put(events, *where, marked, obj)
                        results.append(events[-1].object)
            return results

    # -- internals for writers (called with the lock held) --------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[list[WatchEvent]]:
        """One SQLite transaction; the events collected in it are published after COMMIT."""
        events: list[WatchEvent] = []
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield events
            if events:
                self._db.execute(
                    "UPDATE counters SET value = ? WHERE name = 'resourceVersion'",
                    (events[-1].resource_version,),
                )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._publish(events)

    def _next_rv(self, events: list[WatchEvent]) -> int:
        return (events[-1].resource_version if events else self._rv) + 1

    def _put(
        self,
        events: list[WatchEvent],
        storage_key: str,
        namespace: str,
        name: str,
        obj: dict,
        previous: dict | None,
    ) -> None:
        rv = self._next_rv(events)
        obj = {**obj, "metadata": {**obj["metadata"], "resourceVersion": str(rv)}}
        self._db.execute(
            "INSERT OR REPLACE INTO objects (storage_key, namespace, name, body) VALUES (?, ?, ?, ?)",
            (storage_key, namespace, name, json.dumps(obj, separators=(",", ":"))),
        )
        events.append(
            WatchEvent(rv, storage_key, namespace, "ADDED" if previous is None else "MODIFIED", obj, previous)
        )

    def _delete(
        self, events: list[WatchEvent], storage_key: str, namespace: str, name: str, obj: dict
    ) -> None:
        if storage_key == NAMESPACES:
            # No finalizers here: a namespace's objects go with it, in the same transaction.
            for key, body in self._db.execute(
                "SELECT storage_key, body FROM objects WHERE namespace = ? ORDER BY storage_key, name",
                (name,),
            ).fetchall():
                inner = json.loads(body)
                self._delete(events, key, name, inner["metadata"]["name"], inner)
        self._db.execute(
            "DELETE FROM objects WHERE storage_key = ? AND namespace = ? AND name = ?",
            (storage_key, namespace, name),
        )
        rv = self._next_rv(events)
        gone = {**obj, "metadata": {**obj["metadata"], "resourceVersion": str(rv)}}
        events.append(WatchEvent(rv, storage_key, namespace, "DELETED", gone, obj))

    def _publish(self, events: list[WatchEvent]) -> None:
        self._ring.extend(events)
        if events:
            self._rv = events[-1].resource_version
        while len(self._ring) > self._history:
            self._compacted = self._ring.popleft().resource_version
        self._changed.notify_all()

    # -- watch ---------------------------------------------------------------------------

    def changes_after(self, resource_version: int, wait: float) -> list[WatchEvent] | None:
        """Changes with a resourceVersion above the given one, waiting up to ``wait`` seconds
        for the first. Returns None once the store is closed; raises TooOldResourceVersion
        when the ring has already dropped some of them."""
        with self._lock:
            if resource_version < self._compacted:
                raise TooOldResourceVersion(resource_version, self._compacted + 1)
            if self._rv <= resource_version and not self._closed:
                self._changed.wait(wait)
            if self._closed:
                return None
            if resource_version < self._compacted:
                raise TooOldResourceVersion(resource_version, self._compacted + 1)
            newer: list[WatchEvent] = []
            for event in reversed(self._ring):
                if event.resource_version <= resource_version:
                    break
                newer.append(event)
            newer.reverse()
            return newer

    def close(self) -> None:
        """Wake every watcher so it ends, then close the database."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._changed.notify_all()
            self._db.close()
            if self._owner is not None:
                self._owner.close()  # releases the lock

    # -- internals (called with the lock held) ---------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise ApiError(503, "ServiceUnavailable", "the embedded API server is shutting down")

    def _get(self, storage_key: str, namespace: str, name: str) -> dict | None:
        row = self._db.execute(
            "SELECT body FROM objects WHERE storage_key = ? AND namespace = ? AND name = ?",
            (storage_key, namespace, name),
        ).fetchone()
        return json.loads(row[0]) if row else None

    def _list(self, storage_key: str, namespace: str | None) -> list[dict]:
        if namespace is None:
            rows: Iterable = self._db.execute(
                "SELECT body FROM objects WHERE storage_key = ? ORDER BY namespace, name", (storage_key,)
            )
        else:
            rows = self._db.execute(
                "SELECT body FROM objects WHERE storage_key = ? AND namespace = ? ORDER BY name",
                (storage_key, namespace),
            )
        return [json.loads(row[0]) for row in rows]
