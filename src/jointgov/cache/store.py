"""The results database: values stored under keys, bounded, shared safely by concurrent runs (see the package)."""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import time
import weakref
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jointgov.pipeline.catalogue import cache_dir

if TYPE_CHECKING:
    import sqlite3

DEFAULT_MAX_BYTES = 128 * 1024 * 1024
"""The most the stored results may take (compressed): about 100,000 agreements' results."""
DB_NAME = "results.sqlite"
TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
       "# This file is a cache directory tag created by jointgov.\n"
       "# For information about cache directory tags, see https://bford.info/cachedir/\n")
ALLOWED: frozenset[tuple[str, str]] = frozenset({
    ("jointgov.model", "Finding"), ("jointgov.model", "FileResult"), ("jointgov.model", "Waived"),
    ("jointgov.model", "WaiverInfo"),
    ("jointgov.repository.facts", "Entry"), ("jointgov.repository.facts", "Party"),
    ("jointgov.repository.facts", "Post"), ("jointgov.repository.facts", "Lead"),
    ("jointgov.simulation.results", "Cause"), ("jointgov.simulation.results", "Step"),
    ("jointgov.simulation.results", "Run"), ("jointgov.simulation.results", "ScenarioResult"),
    ("jointgov.simulation.results", "FileSimulation"),
    ("jointgov.reporters.report", "FileSummary"),
    ("datetime", "date"), ("datetime", "datetime"), ("datetime", "time"), ("datetime", "timedelta"),
    ("datetime", "timezone"),
})
"""The only classes a stored value may hold (besides plain values): the results of a check."""
BUSY_SECONDS = 5.0
"""How long a write waits for another run's lock before it gives up (the results are then not stored)."""


class _Unpickler(pickle.Unpickler):
    """An unpickler that builds only the types in ``ALLOWED``: loading a hostile file cannot call anything else."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not a result type")
        return super().find_class(module, name)


def encode(value: Any) -> bytes:
    """A value as stored: pickled, then compressed."""
    return zlib.compress(pickle.dumps(value, protocol=5), 1)


def decode(blob: bytes) -> Any:
    """A stored value (``encode``); any problem with it is a ``ValueError``."""
    try:
        return _Unpickler(io.BytesIO(zlib.decompress(blob))).load()
    except Exception as exc:  # truncated, corrupt, hostile or from other code: a miss
        raise ValueError(f"not a stored result: {exc}") from exc


MISS = object()
"""What ``value_of`` returns for a stored value that cannot be used."""


def value_of(key: bytes, blob: bytes) -> Any:
    """The value *blob* holds (``get_stored``), or ``MISS`` when it cannot be read or names another key than *key*
    (each value names its key: a torn or misplaced row is a miss)."""
    try:
        own, value = decode(blob)
    except (ValueError, TypeError):
        return MISS
    return value if own == key else MISS


def max_bytes() -> int:
    """The bound of the results cache: ``$JOINTGOV_CACHE_MAX_BYTES``, else ``DEFAULT_MAX_BYTES``."""
    try:
        return max(0, int(os.environ.get("JOINTGOV_CACHE_MAX_BYTES", "")))
    except ValueError:
        return DEFAULT_MAX_BYTES


class ResultsCache:
    """The results database of one run (``open``); every method is silent about failure (a miss, nothing stored)."""

    def __init__(self, connection: sqlite3.Connection, bound: int) -> None:
        """Use the open database *connection*, keeping at most *bound* bytes of results."""
        self.connection: sqlite3.Connection | None = connection
        self.bound = bound
        weakref.finalize(self, connection.close)  # closed also when a run ends with an error

    @classmethod
    def open(cls, directory: Path | None = None) -> ResultsCache | None:
        """The results cache under *directory* (default: the cache directory's ``results``), made when missing;
        None when there is none (``JOINTGOV_NO_CACHE``, or ``JOINTGOV_NO_RESULTS_CACHE`` for this cache alone) or
        it cannot be opened."""
        import sqlite3

        if os.environ.get("JOINTGOV_NO_RESULTS_CACHE"):
            return None
        if directory is None:
            root = cache_dir()
            if root is None:
                return None
            directory = root / "results"
        base = directory
        try:
            base.mkdir(parents=True, exist_ok=True, mode=0o700)
            tag = base / "CACHEDIR.TAG"
            if not tag.exists():
                from jointgov.files import write_atomic

                write_atomic(tag, TAG)
            connection = sqlite3.connect(base / DB_NAME, timeout=BUSY_SECONDS, isolation_level=None)
        except (OSError, sqlite3.Error):
            return None  # a read-only home, a file where the directory should be: no cache, no harm
        try:
            connection.execute("PRAGMA auto_vacuum = INCREMENTAL")  # before the table: the file shrinks when pruned
            # no waiting for the disk at each commit: a write torn by a crash of the machine is detected when read
            # (every value is compressed with a checksum and names its own key), and is a miss
            connection.execute("PRAGMA synchronous = OFF")
            connection.execute("CREATE TABLE IF NOT EXISTS results (key BLOB PRIMARY KEY, value BLOB NOT NULL, "
                               "size INTEGER NOT NULL, used INTEGER NOT NULL)")
        except sqlite3.Error:
            connection.close()
            _discard_if_corrupt(base / DB_NAME)
            return None
        return cls(connection, max_bytes())

    def get_many(self, keys: Iterable[bytes]) -> dict[bytes, Any]:
        """The stored values of those *keys* that have one that can be read."""
        found = {}
        for key, blob in self.get_stored(keys).items():
            value = value_of(key, blob)
            if value is not MISS:
                found[key] = value
        return found

    def get_stored(self, keys: Iterable[bytes]) -> dict[bytes, bytes]:
        """The values stored under those *keys* that have one, as stored (``value_of`` reads one): a run can hold
        thousands of them, and read each only when its turn comes."""
        import sqlite3

        wanted = list(dict.fromkeys(keys))
        found: dict[bytes, bytes] = {}
        if self.connection is None or not wanted:
            return found
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                rows = self.connection.execute(
                    f"SELECT key, value FROM results WHERE key IN ({','.join('?' * len(chunk))})", chunk).fetchall()
                found.update((bytes(key), bytes(blob)) for key, blob in rows)
            self._touch(list(found))
        except sqlite3.Error:
            return found
        return found

    def _touch(self, keys: list[bytes]) -> None:
        """Mark *keys* as used now (at most once an hour each: a run that changes nothing seldom writes)."""
        import sqlite3

        now = int(time.time())
        try:
            with _transaction(self.connection):
                for start in range(0, len(keys), 500):
                    chunk = keys[start:start + 500]
                    self.connection.execute(  # type: ignore[union-attr]
                        f"UPDATE results SET used = ? WHERE used < ? AND key IN ({','.join('?' * len(chunk))})",
                        [now, now - 3600, *chunk])
        except sqlite3.Error:
            pass  # another run holds the lock: the order of eviction is a little less exact

    def put_many(self, items: Iterable[tuple[bytes, Any]]) -> None:
        """Store each (key, value), then keep the database within its bound."""
        import sqlite3

        if self.connection is None:
            return
        now = int(time.time())
        rows = []
        for key, value in items:
            blob = encode((key, value))
            rows.append((key, blob, len(blob), now))
        if not rows:
            return
        try:
            with _transaction(self.connection):
                self.connection.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)", rows)
            self._prune()
        except sqlite3.Error:
            pass  # locked for too long, read-only, full disk: the results are not kept

    def _prune(self) -> None:
        """Drop the least recently used results until the rest take at most nine tenths of the bound."""
        assert self.connection is not None
        with _transaction(self.connection):
            [(total,)] = self.connection.execute("SELECT COALESCE(SUM(size), 0) FROM results").fetchall()
            if total <= self.bound:
                return
            goal = total - self.bound * 9 // 10
            rows = self.connection.execute("SELECT key, size FROM results ORDER BY used, key").fetchall()
            dropped, doomed = 0, []
            for key, size in rows:
                if dropped >= goal:
                    break
                doomed.append((key,))
                dropped += size
            self.connection.executemany("DELETE FROM results WHERE key = ?", doomed)
        self.connection.execute("PRAGMA incremental_vacuum")

    def close(self) -> None:
        """Close the database."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@contextlib.contextmanager
def _transaction(connection: sqlite3.Connection | None) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on an error)."""
    import sqlite3

    assert connection is not None
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        try:
            connection.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        raise
    connection.execute("COMMIT")


def _discard_if_corrupt(path: Path) -> None:
    """Delete a database file that SQLite cannot read as one (the next run makes a new one)."""
    import sqlite3

    try:
        probe = sqlite3.connect(path, timeout=BUSY_SECONDS)
        try:
            probe.execute("PRAGMA schema_version").fetchall()
        finally:
            probe.close()
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return
        for suffix in ("", "-journal", "-wal", "-shm"):
            try:
                os.unlink(f"{path}{suffix}")
            except OSError:
                pass
