"""The results cache of ``check``: what the per-file pass found in a file, kept for the next run over the same
bytes with the same rules, options and jointgov.

A result is found again only under a key that covers everything it depends on (``run_key``): the jointgov
version and a fingerprint of its code, the Python, PyYAML and rule-engine builds, the rule catalogue's digest
(every rule file, built in or ``--rules``), every option of the run that reaches a file's result (the date,
the rules chosen, severities, parameters, limits), the stress scenarios when they run, and what the
repository rules take from each agreement; then, per file, its path as reported and the SHA-256 of its bytes
(``file_key``). The repository pass is kept under the run's key, the register's digest and the keys of every
agreement it saw (``repository_key``). A result is stored under the digest of the bytes it was made from (the
worker's own read), never the digest of an earlier read, so an edit between the two can only cause a miss.
Nothing is stored from a check that did not finish.

Storage: one SQLite database, ``results/results.sqlite`` in the catalogue's cache directory
(``jointgov.pipeline.catalogue.cache_dir``), so concurrent runs are serialised by SQLite's own locking; a
write that cannot take the lock in time is skipped, never waited for without end. The values are pickles of
jointgov's own result types, compressed, read back by an unpickler that can build only those types and a few
plain ones (``ALLOWED``): a hostile cache cannot run code. Anything unreadable, truncated, from another
version or of the wrong shape is a miss; a database that cannot be opened or written means no cache for the
run, silently. The database is bounded (``max_bytes``, default ``DEFAULT_MAX_BYTES``, or
``$JOINTGOV_CACHE_MAX_BYTES``): past the bound, the least recently used results go. The directory may be
deleted at any time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import hashlib
import io
import json
import os
import pickle
import sys
import time
import weakref
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jointgov.pipeline.catalogue import cache_dir

if TYPE_CHECKING:
    import sqlite3

FORMAT = 1
"""The layout of the stored values: raised when it changes (old entries are then misses)."""
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


def _canonical(value: Any) -> Any:
    """*value* as plain JSON values, the same for equal values in every process (sets sorted, types named)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"~": type(value).__qualname__,
                **{f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, Mapping):
        return ["~map", sorted(([_canonical(k), _canonical(v)] for k, v in value.items()), key=json.dumps)]
    if isinstance(value, (set, frozenset)):
        return ["~set", sorted((_canonical(v) for v in value), key=json.dumps)]
    if isinstance(value, (list, tuple)):
        return ["~list", [_canonical(v) for v in value]]
    if isinstance(value, (_dt.date, _dt.time)):
        return ["~" + type(value).__name__, value.isoformat()]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return ["~" + type(value).__qualname__, repr(value)]


def digest(value: Any) -> str:
    """The SHA-256 of *value*'s canonical form (``_canonical``)."""
    return hashlib.sha256(json.dumps(_canonical(value), sort_keys=True).encode()).hexdigest()


def code_fingerprint() -> str:
    """The jointgov code and the rule engine's build this process runs: the name, size and time of change of each
    module file (a changed module, a reinstall or another engine gives another key)."""
    import importlib.util

    import jointgov

    found: list[tuple[str, int, int]] = []
    root = Path(jointgov.__file__).parent
    for directory, folders, names in os.walk(root):
        folders.sort()
        for name in sorted(names):
            if name.endswith((".py", ".json")):
                path = os.path.join(directory, name)
                info = os.stat(path)
                found.append((os.path.relpath(path, root), info.st_size, info.st_mtime_ns))
    spec = importlib.util.find_spec("durable_rules_engine")
    if spec is not None and spec.origin:
        info = os.stat(spec.origin)
        found.append((spec.origin, info.st_size, info.st_mtime_ns))
    return digest(found)


def run_key(catalogue_digest: str, options: Any, **extra: Any) -> str:
    """The key of everything a file's result depends on besides the file: the jointgov version and code, the
    Python and PyYAML builds, the catalogue, the run's *options* (every field of them) and *extra* (the
    scenarios of ``--simulate``, what the repository rules take from each agreement)."""
    import yaml

    import jointgov

    return digest({"format": FORMAT, "version": jointgov.__version__, "code": code_fingerprint(),
                   "python": sys.version, "yaml": [yaml.__version__, bool(getattr(yaml, "__with_libyaml__", False))],
                   "catalogue": catalogue_digest, "options": options, "extra": extra})


def file_key(run: str, path: str, content: str, agreement: bool) -> bytes:
    """The key of one file's result: the run's key, the path it is reported under, the SHA-256 of its bytes, and
    whether the configuration makes it an agreement whatever it holds."""
    return hashlib.sha256(f"file\0{run}\0{path}\0{content}\0{agreement}".encode("utf-8", "surrogateescape")).digest()


def repository_key(run: str, register: tuple[str, str] | None, agreements: Iterable[tuple[str, str]]) -> bytes:
    """The key of the repository pass: the run's key, the register (path, digest), and every agreement's
    (path, digest) in the order the pass sees them."""
    h = hashlib.sha256(f"repository\0{run}\0{register!r}".encode("utf-8", "surrogateescape"))
    for path, content in agreements:
        h.update(f"\0{path}\0{content}".encode("utf-8", "surrogateescape"))
    return h.digest()


def content_digest(path: str, max_bytes: int) -> str | None:
    """The SHA-256 of the file's bytes, read as the checker reads them (None when it cannot be read or is over
    the limit: such a file is always checked)."""
    from jointgov.files import read_bounded

    try:
        raw = read_bounded(path, max_bytes=max_bytes)
    except OSError:
        return None
    return hashlib.sha256(raw).hexdigest() if len(raw) <= max_bytes else None


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
        self.hits = 0
        self.stored = 0
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
            connection.execute("CREATE TABLE IF NOT EXISTS results (key BLOB PRIMARY KEY, value BLOB NOT NULL, "
                               "size INTEGER NOT NULL, used INTEGER NOT NULL)")
        except sqlite3.Error:
            connection.close()
            _discard_if_corrupt(base / DB_NAME)
            return None
        return cls(connection, max_bytes())

    def get_many(self, keys: Iterable[bytes]) -> dict[bytes, Any]:
        """The stored values of those *keys* that have one that can be read."""
        import sqlite3

        wanted = list(dict.fromkeys(keys))
        found: dict[bytes, Any] = {}
        if self.connection is None or not wanted:
            return found
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                rows = self.connection.execute(
                    f"SELECT key, value FROM results WHERE key IN ({','.join('?' * len(chunk))})", chunk).fetchall()
                for key, blob in rows:
                    try:
                        found[bytes(key)] = decode(bytes(blob))
                    except ValueError:
                        continue
            self._touch(list(found))
        except sqlite3.Error:
            return found
        self.hits += len(found)
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
            blob = encode(value)
            rows.append((key, blob, len(blob), now))
        if not rows:
            return
        try:
            with _transaction(self.connection):
                self.connection.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)", rows)
            self.stored += len(rows)
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


class RunCache:
    """One ``check`` run's use of the results cache: the files' results found (``hits``), those made by the run
    (``fresh``, stored by ``store``), and the repository pass's outcome."""

    def __init__(self, store: ResultsCache, run: str, file_pass: Any, files: list[str]) -> None:
        """The results of *files* found in *store* under the run's key *run*, for the per-file pass *file_pass*."""
        self.db = store
        self.run = run
        self.file_pass = file_pass
        self.files = files
        self.fresh: list[tuple[str, Any]] = []
        """(path, ``Checked``) of each file the run checked (stored by ``store``)."""
        self.digests: dict[str, str] = {}
        """Each file's digest, from the parent's read (a hit) or the worker's (a fresh result)."""
        keys: dict[bytes, tuple[str, str]] = {}
        limit = file_pass.checker.options.limits.max_bytes
        for path in files:
            content = content_digest(path, limit)
            if content is not None:
                keys[file_key(run, path, content, self._agreement(path))] = (path, content)
        self.hits: dict[str, tuple[Any, str, Any, Any, str]] = {}
        """Path → the fields of its ``Checked``, for the files whose results were found."""
        for key, value in store.get_many(keys).items():
            path, content = keys[key]
            if _file_value(value, path, content):
                self.hits[path] = value
                self.digests[path] = content

    @classmethod
    def open(cls, file_pass: Any, catalogue_digest: str, files: list[str]) -> RunCache | None:
        """The results cache for a run of *file_pass* (``jointgov.commands.check.FilePass``) over *files* with the
        catalogue whose digest is *catalogue_digest*; None when there is no cache."""
        store = ResultsCache.open()
        if store is None:
            return None
        simulator = file_pass.simulator
        run = run_key(catalogue_digest, file_pass.checker.options, repository=file_pass.suffixes,
                      scenarios=simulator.scenarios if simulator is not None else None)
        return cls(store, run, file_pass, files)

    def _agreement(self, path: str) -> bool:
        """Whether the configuration's ``agreements`` globs make the file at *path* an agreement."""
        from jointgov.files import excluded

        globs = self.file_pass.agreements
        return globs is not None and excluded(path, *globs)

    def store(self) -> None:
        """Store the results the run made (only those of a file read whole; never a file whose check was lost)."""
        items = []
        for path, checked in self.fresh:
            if checked.digest:
                self.digests[path] = checked.digest
                items.append((file_key(self.run, path, checked.digest, self._agreement(path)),
                              (checked.result, checked.skipped, checked.entry, checked.simulation, checked.digest)))
        self.db.put_many(items)

    def _repository_key(self, registry: str | None, content: str | None) -> bytes | None:
        agreements = []
        for path in self.files:
            if path in self.digests:
                agreements.append((path, self.digests[path]))
            elif any(p == path for p, _ in self.fresh):  # a file read part-way: its entry cannot be keyed
                return None
        if registry and not content:
            return None
        return repository_key(self.run, (registry, content or "") if registry else None, agreements)

    def repository(self, registry: str | None, limit: int) -> tuple[Any, list[Any], dict[str, frozenset[str]]] | None:
        """The outcome of the repository pass of an earlier run with the same register and agreements, if stored."""
        content = content_digest(registry, limit) if registry else None
        key = self._repository_key(registry, content)
        if key is None:
            return None
        value = self.db.get_many([key]).get(key)
        return value if _repository_value(value) else None

    def close(self) -> None:
        """Close the database (the run is done with it)."""
        self.db.close()

    def store_repository(self, registry: str | None, outcome: tuple[Any, list[Any], dict[str, frozenset[str]]]
                         ) -> None:
        """Store the outcome of the repository pass, under the digest of the register it read."""
        summary = outcome[0]
        key = self._repository_key(registry, summary.sha256 if summary is not None else None)
        if key is not None:
            self.db.put_many([(key, outcome)])


def _file_value(value: Any, path: str, content: str) -> bool:
    """Whether a stored value is the fields of a ``Checked`` for the file at *path* with the digest *content*."""
    from jointgov.model import FileResult
    from jointgov.repository.facts import Entry
    from jointgov.simulation.results import FileSimulation

    if not (isinstance(value, tuple) and len(value) == 5):
        return False
    result, skipped, entry, simulation, digest_ = value
    return (isinstance(result, FileResult | None) and isinstance(skipped, str)
            and isinstance(entry, Entry | None) and isinstance(simulation, FileSimulation | None)
            and digest_ == content and (result is None or result.path == shown_path(path)))


def _repository_value(value: Any) -> bool:
    """Whether a stored value is an outcome of the repository pass."""
    from jointgov.model import Finding
    from jointgov.reporters.report import FileSummary

    return (isinstance(value, tuple) and len(value) == 3 and isinstance(value[0], FileSummary | None)
            and isinstance(value[1], list) and all(isinstance(f, Finding) for f in value[1])
            and isinstance(value[2], dict))


def shown_path(path: str) -> str:
    """*path* as findings show it (``jointgov.files.shown``)."""
    from jointgov.files import shown

    return shown(path)
