"""Check an open file as ``jointgov check`` would: the same configuration, rules, as-of date and findings.

The configuration is the one ``jointgov check`` would use run from the file's folder (the nearest
``jointgov.toml`` or ``[tool.jointgov]`` upward from it), unless the server was given one; the
server's ``--rules`` directories and as-of date are added as the command line's would be. Each
configuration is prepared once (catalogue, checker, and the stress scenarios when it says
``simulate = true``) and prepared again when its file changes. Every call of this module that
runs the engine must come from one thread: the engine keeps one session per process
(``jointgov.pipeline.engine``), and ``jointgov.lsp.server`` runs them all on one worker thread.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jointgov.config import Settings, find, settings
from jointgov.files import excluded
from jointgov.model import ConfigError, FileResult, Finding

if TYPE_CHECKING:
    from jointgov.pipeline.catalogue import Catalogue
    from jointgov.pipeline.checker import Checker, Document
    from jointgov.simulation.machine import Simulator

AGREEMENT = re.compile(r"^jointgov[ \t]*:", re.MULTILINE)
"""A file is an agreement when a line starts with the format version key; other YAML is left alone."""


@dataclass(frozen=True)
class ServerOptions:
    """What the server was started with (``jointgov lsp`` options, then the client's initializationOptions)."""

    as_of: str | None = None
    rules_dirs: tuple[str, ...] = ()
    config: str | None = None
    debounce_ms: int = 50
    """How long the file must stay unchanged before it is checked."""

    def merged(self, init: Any, base: Path) -> ServerOptions:
        """These options with the client's ``initializationOptions`` over them (``asOf``, ``rules``, ``config``,
        ``debounceMs``); relative paths are relative to *base* (the workspace's root)."""
        if not isinstance(init, dict):
            return self
        rules = init.get("rules")
        rules_dirs = self.rules_dirs
        if isinstance(rules, list):
            rules_dirs = (*rules_dirs, *(str(base / str(r)) for r in rules))
        config = init.get("config")
        debounce = init.get("debounceMs")
        as_of = init.get("asOf")
        return ServerOptions(
            as_of=str(as_of) if as_of else self.as_of, rules_dirs=rules_dirs,
            config=str(base / str(config)) if config else self.config,
            debounce_ms=debounce if isinstance(debounce, int) and not isinstance(debounce, bool) and debounce >= 0
            else self.debounce_ms)


@dataclass
class Prepared:
    """One configuration's run, ready to check files with."""

    settings: Settings
    catalogue: Catalogue
    checker: Checker
    simulator: Simulator | None = None
    scenario_rules: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """The result of checking one open file: what ``jointgov check`` would report for it, or why it could not."""

    result: FileResult | None = None
    document: Document | None = None
    prepared: Prepared | None = None
    problem: str = ""
    """Why no result: an invalid configuration, an engine that cannot be loaded or failed."""
    excluded: bool = False
    """The configuration's ``exclude`` leaves the file out: nothing to report."""


class Project:
    """The server's configurations, found from each file's folder, each prepared once."""

    def __init__(self, options: ServerOptions) -> None:
        """Check with *options* over each file's configuration."""
        self.options = options
        self._prepared: dict[tuple[str, int], Prepared] = {}

    def settings_for(self, folder: Path) -> tuple[Settings, tuple[str, int]]:
        """The settings ``jointgov check`` would use in *folder*, and the key they are kept under."""
        path = Path(self.options.config) if self.options.config else None
        if path is None:
            found = find(folder)
            path = found[0] if found else None
        try:
            stamp = path.stat().st_mtime_ns if path is not None else 0
        except OSError:
            stamp = -1
        run = settings(str(path) if path is not None else None, as_of=self.options.as_of,
                       rules_dirs=self.options.rules_dirs, start=folder)
        return run, (str(path), stamp)

    def prepared(self, folder: Path) -> Prepared:
        """The prepared run for files in *folder* (ConfigError, SetupError: the configuration or set-up is broken)."""
        from jointgov.pipeline.checker import Checker, prepare

        run, key = self.settings_for(folder)
        ready = self._prepared.get(key)
        if ready is None or ready.settings != run:
            catalogue = prepare(run)
            checker = Checker(catalogue, run.options)
            ready = Prepared(run, catalogue, checker)
            if run.simulate:  # as check does: the stress scenarios' verdicts are findings too
                from jointgov.simulation.machine import Simulator
                from jointgov.simulation.scenarios import load_scenarios

                ready.simulator = Simulator(load_scenarios(()), run.options.as_of, run.options.limits)
                ready.scenario_rules = [r.id for r in checker.active if r.level == "scenario"]
            self._prepared[key] = ready
        return ready

    def check(self, path: Path, text: str) -> Outcome:
        """Check the open file at *path* whose text is *text*; never raises."""
        try:
            ready = self.prepared(path.parent)
        except ConfigError as exc:
            return Outcome(problem=str(exc))
        except Exception as exc:  # a broken set-up must not stop the server
            return Outcome(problem=f"internal error: {exc.__class__.__name__}: {exc}")
        config = ready.settings.config
        if excluded(str(path), config.exclude, config.base):
            return Outcome(prepared=ready, excluded=True)
        try:
            return self._check(ready, path, text)
        except Exception as exc:  # an engine failure is a diagnostic; the server carries on
            return Outcome(prepared=ready, problem=f"internal error: {exc.__class__.__name__}: {exc}")

    @staticmethod
    def _check(ready: Prepared, path: Path, text: str) -> Outcome:
        from jointgov.pipeline.checker import read_agreement

        doc = read_agreement(text.encode("utf-8"), str(path), ready.settings.options.limits)
        extra: Sequence[Finding] = ()
        if ready.simulator is not None:
            from jointgov.simulation.findings import scenario_findings

            simulation = ready.simulator.simulate_document(doc)
            rules = [r for r in ready.checker.active if r.level == "scenario"]
            extra = scenario_findings(simulation, rules, ready.checker.severity)
        result = ready.checker.check_document(doc, extra, ready.scenario_rules)
        return Outcome(result, doc, ready)
