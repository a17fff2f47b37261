"""The JSON lines reporter: one JSON object a line, written as the run goes.

Each line is an object whose ``type`` says what it is:

- ``finding``: a finding, with the keys of the JSON format's findings (``rule_id``, ``rule_name``,
  ``severity``, ``path``, ``line``, ``column``, ``message``, ``pointer``, ``fingerprint``);
- ``waived``: a waived finding, the same keys and its ``waiver``;
- ``skipped``: a file not checked (``path``, ``reason``, ``detail``);
- ``simulation`` (``check --simulate``): one file's stress scenarios, as in the JSON format's ``simulations``;
- ``summary``, always the last line: ``jointgov`` (the version), ``as_of``, ``catalogue_digest``, ``summary``
  (the findings by severity), ``files`` (how many were checked), ``waived``, ``skipped`` (how many), ``baseline``
  (``hidden``, ``stale``), and after ``check --simulate`` ``simulations`` (the verdicts counted).

The lines come in the text format's order: file by file, in the order of the paths, each file's findings then its
waived ones, as soon as the file is checked; then the findings of the rules across agreements and of the
organisations register; then the files skipped, the simulations and the summary. A reader that stops before the
summary line has read a run that did not finish.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from jointgov import __version__
from jointgov.model import Finding, Waived
from jointgov.reporters.json_ import waived_object
from jointgov.reporters.report import Report


def write(report: Report, out: TextIO, colour: bool = False) -> None:
    """Write *report* as JSON lines (``Stream``: the same lines whether the run streams them or not)."""
    stream = Stream(out, colour)
    for findings, waived in report.by_file():
        stream.file(report, findings, waived)
    stream.end(report)


class Stream:
    """JSON lines written as the run goes (``jointgov.reporters.report.Stream``)."""

    def __init__(self, out: TextIO, colour: bool = False) -> None:
        """Write to *out* (*colour* is ignored: JSON has none)."""
        self.out = out

    def _line(self, kind: str, item: dict[str, Any]) -> None:
        self.out.write(json.dumps({"type": kind, **item}, ensure_ascii=False) + "\n")

    def _finding(self, report: Report, finding: Finding) -> None:
        self._line("finding", dict(finding.as_dict(), fingerprint=report.fingerprint(finding)))

    def file(self, report: Report, findings: Sequence[Finding], waived: Sequence[Waived]) -> None:
        """One file's findings, then its waived findings."""
        for finding in findings:
            self._finding(report, finding)
        for item in waived:
            self._line("waived", waived_object(report, item))

    def end(self, report: Report) -> None:
        """The findings across agreements, the files skipped, the simulations, then the summary line."""
        for finding in report.across():
            self._finding(report, finding)
        for skipped in report.skipped:
            self._line("skipped", {"path": skipped.path, "reason": skipped.reason, "detail": skipped.detail})
        summary: dict[str, Any] = {
            "jointgov": __version__, "as_of": report.as_of, "catalogue_digest": report.catalogue_digest,
            "summary": report.summary(), "files": report.file_count(), "waived": report.waived_count(),
            "skipped": len(report.skipped), "baseline": {"hidden": report.baseline_hidden,
                                                         "stale": report.baseline_stale},
        }
        if report.simulations:
            from jointgov.reporters.simulation import summary as counted
            from jointgov.reporters.simulation import to_json

            for simulation in to_json(report.simulations):
                self._line("simulation", simulation)
            summary["simulations"] = counted(report.simulations)
        self._line("summary", summary)
