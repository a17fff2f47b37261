"""The report of a check run, fed to every reporter: findings, waived findings, rules, provenance.

A reporter module (``jointgov.reporters.<format>``) has ``write(report, out, colour=False)``.
The report carries everything an auditor needs to reproduce it (``Report.provenance``): the
jointgov version, the rule catalogue's digest, each input's SHA-256, the as-of date and the
waivers applied.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO, TypeVar

from jointgov import __version__
from jointgov.model import SEVERITIES, SEVERITY_RANK, SKIP_REASONS, Finding, Skipped, Waived, WaiverInfo

if TYPE_CHECKING:
    from jointgov.simulation.results import FileSimulation

@dataclass(frozen=True)
class RuleInfo:
    """What reports say about a rule (its effective severity in this run)."""

    id: str
    name: str
    severity: str
    area: str
    title: str
    rationale: str
    remediation: str
    evidence: tuple[dict[str, str], ...] = ()
    checks: str = ""
    """One plain sentence: what the rule checks."""
    level: str = "agreement"
    """``repository`` for the rules across agreements (JG9xx), which run after every file is checked."""


@dataclass
class FileSummary:
    """What a report says of one input file."""

    path: str
    sha256: str
    rules_run: bool
    applicable: frozenset[str] = frozenset()
    """Ids of the rules that apply to this agreement (a rule's scope holds); the others are skipped."""
    waivers: list[WaiverInfo] = field(default_factory=list)
    title: str = ""
    agreement_id: str = ""
    parties: tuple[str, ...] = ()
    """The agreement's title, id and party names, as read during the check (empty when unreadable)."""


@dataclass
class Streamed:
    """What a streaming reporter has written and let go: counted, for the summary at the end."""

    files: int = 0
    unchecked: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    """By severity."""
    waived: int = 0


@dataclass
class Report:
    """Everything a reporter needs: the findings of a run and its provenance."""

    as_of: str
    files: list[FileSummary] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    waived: list[Waived] = field(default_factory=list)
    rules: list[RuleInfo] = field(default_factory=list)
    catalogue_digest: str = ""
    root: str = field(default_factory=os.getcwd)
    """The repository root: SARIF and fingerprints use paths relative to it."""
    baseline_hidden: int = 0
    baseline_stale: int = 0
    simulations: list[FileSimulation] = field(default_factory=list)
    """``check --simulate``: one simulation per file (empty otherwise)."""
    skipped: list[Skipped] = field(default_factory=list)
    """Files not checked: not agreements, or excluded by the configuration."""
    fail_on: str = "warning"
    """The run's ``--fail-on``: an agreement with a finding at or above it does not pass, in every report."""
    written: list[str] = field(default_factory=list)
    """The files the run writes its reports to (``--output``, ``--report``): where a shortened report (GitHub
    annotations, a pull-request summary) says the full one is."""
    register: str = ""
    """The organisations register the run read (its findings come with those across agreements)."""
    streamed: Streamed = field(default_factory=lambda: Streamed())
    """What a streaming reporter has already written and the report no longer holds (``jointgov.reporters.stream``)."""

    def summary(self) -> dict[str, int]:
        """Findings counted by severity, every severity present (waived findings not counted), those already
        streamed included."""
        counts = {sev: self.streamed.findings.get(sev, 0) for sev in SEVERITIES}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    def let_go(self, findings: Sequence[Finding], waived: Sequence[Waived], rules_run: bool) -> None:
        """Count one file whose findings a ``Stream`` has written (the report does not hold them)."""
        self.streamed.files += 1
        self.streamed.unchecked += not rules_run
        self.streamed.waived += len(waived)
        for finding in findings:
            self.streamed.findings[finding.severity] = self.streamed.findings.get(finding.severity, 0) + 1

    def file_count(self) -> int:
        """The files checked (those already streamed included)."""
        return len(self.files) + self.streamed.files

    def unchecked_count(self) -> int:
        """The files not checked against the rules (their form is broken), those already streamed included."""
        return sum(1 for f in self.files if not f.rules_run) + self.streamed.unchecked

    def waived_count(self) -> int:
        """The waived findings (those already streamed included)."""
        return len(self.waived) + self.streamed.waived

    def across(self) -> list[Finding]:
        """The findings of the pass across agreements (the repository rules', and the register's): the streaming
        formats write them after every file's own."""
        repository = self._repository_rules()
        return [f for f in self.findings if f.rule_id in repository or (self.register and f.path == self.register)]

    def _repository_rules(self) -> frozenset[str]:
        return frozenset(r.id for r in self.rules if r.level == "repository")

    def by_file(self) -> list[tuple[list[Finding], list[Waived]]]:
        """Each file's own findings and waived findings, in the order of the paths (the order a streaming format
        writes them in), without those ``across`` agreements."""
        groups: dict[str, tuple[list[Finding], list[Waived]]] = {}
        repository = self._repository_rules()
        for finding in self.findings:
            if finding.rule_id not in repository and not (self.register and finding.path == self.register):
                groups.setdefault(finding.path, ([], []))[0].append(finding)
        for waived in self.waived:
            groups.setdefault(waived.finding.path, ([], []))[1].append(waived)
        return [groups[path] for path in sorted(groups)]

    def relative(self, path: str) -> str:
        """*path* relative to the repository root, with forward slashes."""
        try:
            return Path(os.path.relpath(os.path.abspath(path), self.root)).as_posix()
        except ValueError:  # another drive
            return Path(path).as_posix()

    def fingerprint(self, finding: Finding) -> str:
        """A stable id for a finding that does not change when lines move.

        Built from the rule, the file's path relative to the root and the JSON
        pointer of the clause (and the message when there is no pointer).
        """
        anchor = finding.pointer if finding.pointer else finding.message
        text = f"{finding.rule_id}\0{self.relative(finding.path)}\0{anchor}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def worst_first(self) -> list[Finding]:
        """The findings, most severe first, and within a severity taken from each file in turn (the first of every
        file, then the second of every file ...), so that a shortened report shows as many files as it can."""
        out: list[Finding] = []
        for severity in SEVERITIES:
            by_file: dict[str, list[Finding]] = {}
            for finding in self.findings:
                if finding.severity == severity:
                    by_file.setdefault(finding.path, []).append(finding)
            queues = list(by_file.values())
            for depth in range(max(map(len, queues), default=0)):
                out.extend(queue[depth] for queue in queues if depth < len(queue))
        return out

    def failing(self, finding: Finding) -> bool:
        """Whether *finding* is at or above the run's ``--fail-on`` (what makes the run exit 1)."""
        return SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[self.fail_on]

    def rule(self, rule_id: str) -> RuleInfo | None:
        """The rule with this id, if it is in the run."""
        for info in self.rules:
            if info.id == rule_id:
                return info
        return None

    def provenance(self) -> dict[str, Any]:
        """What an auditor needs to reproduce the report."""
        return {
            "jointgov": __version__,
            "catalogue_digest": self.catalogue_digest,
            "as_of": self.as_of,
            "files": [{"path": self.relative(f.path), "sha256": f.sha256} for f in self.files],
            "waivers_applied": [
                {"path": self.relative(w.path), "line": w.line, "rule": w.rule, "target": w.target,
                 "approved_by": w.approved_by, "expires_on": w.expires_on}
                for f in self.files for w in f.waivers if w.valid
            ],
        }


def plural(count: int, word: str) -> str:
    """``1 file``, ``2 files``, ``1,139 findings``."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def skipped_text(skipped: list[Skipped]) -> str:
    """``2 files skipped (1 not an agreement, 1 excluded by the configuration)``; empty when none was."""
    if not skipped:
        return ""
    reasons = [f"{sum(s.reason == r for s in skipped)} {words}" for r, words in SKIP_REASONS.items()
               if any(s.reason == r for s in skipped)]
    return f"{plural(len(skipped), 'file')} skipped ({', '.join(reasons)})"


def skipped_line(item: Skipped) -> str:
    """``path: skipped: not an agreement (why)``."""
    return f"{item.path}: skipped: {SKIP_REASONS[item.reason]}" + (f" ({item.detail})" if item.detail else "")


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""What a terminal would act on rather than show: control characters (escape sequences, line breaks), the
Unicode line and paragraph separators, the bidirectional overrides, and lone surrogates."""
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """*text* safe on one line of a terminal: each character it would act on shown as an escape (``\\x1b``,
    ``\\n``, ``\\u202e``), so an agreement's text or a file's name can neither move the cursor, erase what
    was printed, nor start a line that looks like a finding."""
    return _UNPRINTABLE.sub(lambda m: _NAMED.get(m.group()) or (
        f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"), text)


T = TypeVar("T")


def printable_copy(value: T) -> T:
    """*value* (a report, a simulation, a finding...) with every text in it made ``printable``: what the terminal
    formats print."""
    item: Any = value
    if isinstance(item, str):
        item = printable(item)
    elif dataclasses.is_dataclass(item) and not isinstance(item, type):
        item = dataclasses.replace(item, **{f.name: printable_copy(getattr(item, f.name))
                                            for f in dataclasses.fields(item) if f.init})
    elif type(item) in (list, tuple, set, frozenset):
        item = type(item)(printable_copy(v) for v in item)
    elif type(item) is dict:
        item = {k: printable_copy(v) for k, v in item.items()}
    result: T = item
    return result


class Writer(Protocol):
    """The signature every reporter module's ``write`` has."""

    def __call__(self, report: Report, out: TextIO, colour: bool = False) -> None:
        """Write *report* to *out* (*colour*: terminal colours, where the format has them)."""


class Stream(Protocol):
    """A format written as the run goes (text, GitHub, JSON lines): each file's findings as soon as that file and
    every file before it are checked, so that a run holds none of them; then, at the end, what only the end knows
    (the findings across agreements, the summary)."""

    def file(self, report: Report, findings: Sequence[Finding], waived: Sequence[Waived]) -> None:
        """Write one file's own findings (sorted) and waived findings; *report* is the run's so far."""

    def end(self, report: Report) -> None:
        """Write the rest: the findings across agreements (``Report.across``; when the run streams, the only ones
        *report* holds, ``streamed`` counting the others), then the summary."""


class StreamFactory(Protocol):
    """How a format's ``Stream`` is made: ``Stream(out, colour)``."""

    def __call__(self, out: TextIO, colour: bool = False) -> Stream:
        """A stream writing to *out*."""


def _module(fmt: str) -> Any:
    return importlib.import_module(f"jointgov.reporters.{'json_' if fmt == 'json' else fmt}")


def writer(fmt: str) -> Writer:
    """The ``write`` function of the reporter for *fmt*, imported only when used."""
    return _module(fmt).write  # type: ignore[no-any-return]


def streamer(fmt: str) -> StreamFactory | None:
    """The ``Stream`` of the reporter for *fmt*, if the format can be written as the run goes (else None: the
    report is built whole, then written)."""
    return getattr(_module(fmt), "Stream", None)
