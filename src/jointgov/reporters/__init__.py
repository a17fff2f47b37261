"""Reporters: one small module per output format, all fed the same ``Report``."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from jointgov.finding import SEVERITIES, Finding

FORMATS = ("text", "json")


@dataclass
class FileSummary:
    """What a report says of one input file."""

    path: str
    sha256: str
    rules_run: bool


@dataclass
class Report:
    """Everything a reporter needs: the findings of a run and its provenance."""

    as_of: str
    files: list[FileSummary] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        """Findings counted by severity, every severity present."""
        counts = {sev: 0 for sev in SEVERITIES}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts


class Writer(Protocol):
    """The signature every reporter module's ``write`` has."""

    def __call__(self, report: Report, out: TextIO, colour: bool = False) -> None: ...


def writer(fmt: str) -> Writer:
    """The ``write`` function of the reporter for *fmt*, imported only when used."""
    module = importlib.import_module(f"jointgov.reporters.{fmt}")
    return module.write  # type: ignore[no-any-return]
