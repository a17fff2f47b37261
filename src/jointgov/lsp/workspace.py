"""The repository rules (JG901-JG905) over a workspace folder, run when a file is saved, not as it is typed.

As ``jointgov check FOLDER`` does: every agreement under the folder (the configuration's exclude
globs applied), the organisations register (``registry.yaml`` in the folder or at the repository
root) and the repository rules of the folder's configuration. Open files are read from the editor;
the others from disk, each file's entry kept until the file changes, so a save in a large repository
does not read every agreement again. Like every check, it runs on the server's one engine thread.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from jointgov.files import discover, find_registry, repository_root
from jointgov.lsp.checking import Prepared, Project
from jointgov.model import Finding

if TYPE_CHECKING:
    from jointgov.repository.checker import RepositoryChecker
    from jointgov.repository.facts import Entry


class RepositoryPass:
    """Runs the repository rules over folders, keeping each agreement's entry while its file is unchanged."""

    def __init__(self, project: Project) -> None:
        """Use *project*'s configurations."""
        self.project = project
        self._entries: dict[str, tuple[object, Entry | None]] = {}
        self._checkers: dict[int, tuple[Prepared, RepositoryChecker | None]] = {}

    def _checker(self, ready: Prepared) -> RepositoryChecker | None:
        kept = self._checkers.get(id(ready))
        if kept is None or kept[0] is not ready:
            rules = [r for r in ready.checker.active if r.level == "repository"]
            checker = None
            if rules:
                from jointgov.repository.checker import RepositoryChecker

                checker = RepositoryChecker(ready.catalogue, rules, ready.settings.options.params,
                                            ready.checker.severity)
            kept = (ready, checker)
            self._checkers[id(ready)] = kept
        return kept[1]

    def _entry(self, path: str, text: str | None, ready: Prepared, suffixes: frozenset[str]) -> Entry | None:
        from jointgov.pipeline.checker import open_agreement, read_agreement
        from jointgov.repository.facts import entry

        options = ready.settings.options
        if text is not None:
            stamp: object = ("text", hashlib.sha256(text.encode("utf-8")).hexdigest(), options.as_of, id(ready))
        else:
            try:
                info = os.stat(path)
            except OSError:
                return None
            stamp = ("disk", info.st_mtime_ns, info.st_size, options.as_of, id(ready))
        kept = self._entries.get(path)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        doc = (read_agreement(text.encode("utf-8"), path, options.limits) if text is not None
               else open_agreement(path, options.limits))
        made = entry(doc, options.as_of, suffixes) if doc.sound else None
        self._entries[path] = (stamp, made)
        return made

    def run(self, folder: Path, open_texts: dict[str, str]) -> dict[str, list[Finding]]:
        """The repository rules' findings (and the register's problems) under *folder*, by absolute file path;
        *open_texts* are the open files' texts by absolute path. Raises ConfigError on a broken configuration."""
        from jointgov.repository.checker import registry_findings
        from jointgov.repository.register import read

        ready = self.project.prepared(folder)
        config = ready.settings.config
        checker = self._checker(ready)
        files, _ = discover([str(folder)], config.exclude, config.base)
        registry = find_registry([str(folder)], repository_root(folder))
        found: dict[str, list[Finding]] = defaultdict(list)
        register = read(registry, ready.settings.options.limits) if registry else None
        if register is not None:
            for finding in registry_findings(register, ready.catalogue):
                found[os.path.abspath(finding.path)].append(finding)
        if checker is None:
            return dict(found)
        suffixes = checker.suffixes()
        entries = []
        for name in files:
            path = os.path.abspath(name)
            if registry and path == os.path.abspath(registry):
                continue
            made = self._entry(path, open_texts.get(path), ready, suffixes)
            if made is not None:
                entries.append(made)
        findings, _ = checker.check(entries, register, ready.settings.options.as_of)
        for finding in findings:
            found[finding.path].append(finding)
        return dict(found)
