"""The result type shared by every pipeline stage: a located finding."""

from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
"""Severities from most to least serious."""

SEVERITY_RANK: dict[str, int] = {"error": 3, "warning": 2, "info": 1, "never": 4}
"""Rank used by ``--fail-on``: a finding fails the run when its rank is >= the threshold's."""


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


class ConfigError(Exception):
    """A usage or configuration problem: the run stops with exit status 2."""
