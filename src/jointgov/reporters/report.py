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

    def summary(self) -> dict[str, int]:
        """Findings counted by severity, every severity present (waived findings not counted)."""
        counts = {sev: 0 for sev in SEVERITIES}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

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


def writer(fmt: str) -> Writer:
    """The ``write`` function of the reporter for *fmt*, imported only when used."""
    module = importlib.import_module(f"jointgov.reporters.{'json_' if fmt == 'json' else fmt}")
    return module.write  # type: ignore[no-any-return]
