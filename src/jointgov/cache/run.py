"""One ``check`` run's use of the results cache (see the package): the results found, those to store."""

from __future__ import annotations

from typing import Any

from jointgov.cache.keys import content_digest, file_key, repository_key, run_key
from jointgov.cache.store import MISS, ResultsCache, value_of

BATCH = 256
"""Results the run made are stored this many at a time: the run need not hold them all till the end."""


class RunCache:
    """One ``check`` run's use of the results cache: the files' results found (``hits``), those made by the run
    (``add``, stored a few hundred at a time by ``store``), and the repository pass's outcome."""

    def __init__(self, store: ResultsCache, run: str, file_pass: Any, files: list[str]) -> None:
        """The results of *files* found in *store* under the run's key *run*, for the per-file pass *file_pass*."""
        self.db = store
        self.run = run
        self.file_pass = file_pass
        self.files = files
        self.pending: list[tuple[bytes, Any]] = []
        """The results the run made and has not yet stored (``add``, ``store``): a few hundred at most."""
        self.unkeyed: set[str] = set()
        """The files the run checked that were read only part-way (over the size limit): never stored."""
        self.digests: dict[str, str] = {}
        """Each file's digest, from the parent's read (a hit) or the worker's (a fresh result)."""
        keys: dict[bytes, tuple[str, str]] = {}
        limit = file_pass.checker.options.limits.max_bytes
        for path in files:
            content = content_digest(path, limit)
            if content is not None:
                keys[file_key(run, path, content, self._agreement(path))] = (path, content)
        self.hits: dict[str, tuple[bytes, bytes]] = {}
        """Path → (key, stored value) of the files whose results were found, each read only when its turn comes
        (``take``): a run holds one result at a time, not every one."""
        for key, blob in store.get_stored(keys).items():
            path, content = keys[key]
            self.hits[path] = (key, blob)
            self.digests[path] = content
        self.served: set[str] = set()
        """The files whose results were taken from the cache (``take``)."""

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

    def take(self, path: str) -> tuple[Any, str, Any, Any, str] | None:
        """The fields of the cached ``Checked`` of the file at *path* (one of ``hits``, let go of here), or None
        when the stored value cannot be used after all (damaged, or not a result of that file): the file is then
        to be checked."""
        key, blob = self.hits.pop(path)
        value = value_of(key, blob)
        if value is MISS or not _file_value(value, path, self.digests[path]):
            del self.digests[path]
            return None
        self.served.add(path)
        return value  # type: ignore[no-any-return]

    def _agreement(self, path: str) -> bool:
        """Whether the configuration's ``agreements`` globs make the file at *path* an agreement."""
        from jointgov.files import excluded

        globs = self.file_pass.agreements
        return globs is not None and excluded(path, *globs)

    def add(self, path: str, checked: Any) -> None:
        """Keep the ``Checked`` the run made for the file at *path*, to be stored with the next few hundred (only a
        file read whole: never a file whose check was lost, which has no ``Checked``)."""
        if not checked.digest:
            self.unkeyed.add(path)
            return
        self.digests[path] = checked.digest
        self.pending.append((file_key(self.run, path, checked.digest, self._agreement(path)),
                             (checked.result, checked.skipped, checked.entry, checked.simulation, checked.digest)))
        if len(self.pending) >= BATCH:
            self.store()

    def store(self) -> None:
        """Store the results kept by ``add`` (the run holds none of them after)."""
        if self.pending:
            self.db.put_many(self.pending)
            self.pending = []

    def _repository_key(self, registry: str | None, content: str | None) -> bytes | None:
        agreements = []
        for path in self.files:
            if path in self.digests:
                agreements.append((path, self.digests[path]))
            elif path in self.unkeyed:  # a file read part-way: its entry cannot be keyed
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

    if not (isinstance(value, tuple) and len(value) == 5):
        return False
    result, skipped, entry, simulation, digest_ = value
    if entry is not None:  # the types of a repository entry and a simulation are imported only when there is one
        from jointgov.repository.facts import Entry

        if not isinstance(entry, Entry):
            return False
    if simulation is not None:
        from jointgov.simulation.results import FileSimulation

        if not isinstance(simulation, FileSimulation):
            return False
    return (isinstance(result, FileResult | None) and isinstance(skipped, str)
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
