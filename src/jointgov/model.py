"""The types every layer shares, and the tables the commands and their options are built from.

A located ``Finding`` is what each stage of the pipeline produces; ``Options`` and ``Limits`` are
what a run applies to every file; ``WaiverInfo``, ``Waived`` and ``FileResult`` are the outcome of
checking one file. The tables (severities, fail-on levels, formats, rule areas, verdicts) exist
here once: the command line's choices, the configuration's checks and the reports use them.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
"""Exit statuses: clean, findings at or above the threshold, usage or configuration error, internal error."""

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
"""Severities from most to least serious."""
FAIL_ON: tuple[str, ...] = (*SEVERITIES, "never")
"""``check --fail-on`` (and ``fail_on`` in the configuration)."""
SEVERITY_RANK: dict[str, int] = {"error": 3, "warning": 2, "info": 1, "never": 4}
"""Rank used by ``--fail-on``: a finding fails the run when its rank is >= the threshold's."""

REPORT_FORMATS: tuple[str, ...] = ("text", "json", "jsonl", "sarif", "junit", "github", "markdown", "summary", "html")
"""``check --format`` and ``--report`` (one module each in ``jointgov.reporters``)."""
SIMULATE_FORMATS: tuple[str, ...] = ("text", "json")
"""``simulate --format``."""
DIFF_FORMATS: tuple[str, ...] = ("text", "json", "markdown")
"""``diff --format``."""
CATALOGUE_FORMATS: tuple[str, ...] = ("table", "markdown")
"""``rules --format``: a table, or the Markdown reference (docs/rules.md)."""

AREAS: dict[str, str] = {
    "document": "Reading the document", "joint-posts": "Joint posts", "disputes": "Disputes",
    "parties": "Parties, successors, approvals", "money": "Money", "staff": "Staff",
    "governance": "Governance and outcomes", "statutory": "Statutory content", "waivers": "Waivers",
    "scenarios": "Stress scenarios",
}
"""Rule areas and their headings, in the order reports and docs/rules.md show them."""

VERDICTS: tuple[str, ...] = ("resolved-jointly", "undefined", "unbounded", "deadlock", "unilateral")
"""A stress scenario's verdicts, in order of severity: a scenario's verdict is the worst of its runs."""
NOT_APPLICABLE = "not-applicable"
"""The verdict of a scenario that cannot happen to an agreement (a post scenario where there is no joint post, a
pooled-budget scenario where there is no pooled budget): it neither passes nor fails."""
VERDICT_FAIL_ON: tuple[str, ...] = (*VERDICTS[1:], "never")
"""``simulate --fail-on``: exit 1 when a scenario's verdict is this bad or worse (default: undefined)."""


class ConfigError(Exception):
    """A usage or configuration problem: the run stops with exit status 2."""


class SetupError(ConfigError):
    """The installation is incomplete or broken (the rule engine cannot be loaded): exit status 2."""


Problem = tuple[str, int, int, str, str]
"""A reading or form problem: (rule id, line, column, message, JSON pointer)."""


@dataclass(frozen=True, order=True, slots=True)
class Finding:
    """One problem in one file, at a 1-based line and column.

    Findings sort by (path, line, column, rule_id, message), the order every
    reporter prints them in.
    """

    path: str
    line: int
    column: int
    rule_id: str
    message: str
    rule_name: str = field(compare=False)
    severity: str = field(compare=False)
    pointer: str = field(default="", compare=False)

    def as_dict(self) -> dict[str, object]:
        """The finding as the JSON reporter's stable object."""
        return {
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "pointer": self.pointer,
        }


@dataclass(frozen=True)
class Limits:
    """Bounds that turn a hostile file into a finding instead of a hang."""

    max_bytes: int = 5 * 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 100_000
    """Values in the document once every alias is expanded (an alias bomb's measure)."""
    max_items: int = 10_000
    """Items in one list (no agreement has ten thousand parties or posts)."""
    max_pairs: int = 10_000
    """Pairs of a joint post and a dispute route the rules compare (one fact each: joint posts × routes)."""


LIMIT_CEILINGS: dict[str, int] = {"max_bytes": 1 << 30, "max_depth": 1_000, "max_nodes": 10_000_000,
                                  "max_items": 1_000_000, "max_pairs": 100_000}
"""The most each limit may be raised to in the configuration: beyond, a file could cost more time or memory than
any check should (a ``max_pairs`` of 100,000 is about a gigabyte), or Python could not hold it."""


@dataclass(frozen=True)
class Options:
    """What a run applies to every file (``jointgov.config.settings`` makes them from the command line
    and the configuration)."""

    as_of: _dt.date
    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    limits: Limits = field(default_factory=Limits)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    """Severity overrides by rule id (never for JG0xx and JG8xx)."""


@dataclass(frozen=True)
class WaiverInfo:
    """A waiver recorded in an agreement (waivers[] in the format)."""

    path: str
    line: int
    column: int
    pointer: str
    rule: str
    target: str = ""
    reason: str = ""
    approved_by: str = ""
    approved_on: str = ""
    expires_on: str = ""
    valid: bool = False
    """Approved by a joint body, with a reason, and not expired: it suppresses findings."""


@dataclass(frozen=True)
class Waived:
    """A finding a valid waiver covers: shown by every reporter, never counted as failing."""

    finding: Finding
    waiver: WaiverInfo


@dataclass(frozen=True)
class Skipped:
    """A file a run was given or found but did not check, and why (every report says so)."""

    path: str
    reason: str
    """``not-an-agreement`` or ``excluded`` (``SKIP_REASONS``)."""
    detail: str = ""
    """The reason in words, e.g. the configuration file whose ``exclude`` matched."""
    named: bool = True
    """Whether the file was named on the command line (a file found in a directory is listed only in counts)."""


SKIP_REASONS: dict[str, str] = {
    "not-an-agreement": "not an agreement",
    "excluded": "excluded by the configuration",
}
"""Why a file is skipped, and the words reports use for it."""


@dataclass
class FileResult:
    """The outcome of checking one file."""

    path: str
    findings: list[Finding]
    sha256: str
    rules_run: bool
    waived: list[Waived] = field(default_factory=list)
    waivers: list[WaiverInfo] = field(default_factory=list)
    applicable: frozenset[str] = frozenset()
    identity: tuple[str, str, tuple[str, ...]] = ("", "", ())
    """The agreement's title, id and party names, for reports."""
