"""The GitHub Actions reporter: the findings as annotations, within what GitHub shows.

``::error file=PATH,line=L,col=C,title=JGnnn name::MESSAGE`` (``::warning`` for warnings, ``::notice`` for
info), PATH relative to the repository root. GitHub shows at most 10 error, 10 warning and 10 notice
annotations of a step (``PER_STEP``) and drops the rest, first come first shown; so the annotations are
the most severe findings first, taken from each file in turn (``Report.worst_first``), at most 10 errors,
10 warnings and 9 notices (info findings, then waived ones: a waived finding is a notice titled "waived
JGnnn name" naming its waiver). When findings are left out, every finding is listed in the step's log first, in a
collapsed group (``::group::``), as the text format prints them and in its order (file by file, then the findings
across agreements), written as the run goes; the annotations follow. A closing ``::notice::`` gives the counts,
how many findings were not annotated and where they all are, and the provenance (jointgov version,
catalogue digest, as-of date).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from jointgov import __version__
from jointgov.model import SEVERITIES, Finding, Waived
from jointgov.reporters.report import Report, plural
from jointgov.reporters.text import finding_line, summary_line, waived_line

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
"""jointgov severity → workflow command."""
PER_STEP = 10
"""Annotations GitHub shows per step and kind (error, warning, notice); the closing notice is one of the notices."""
GROUP = "jointgov: every finding"


def escape_data(text: str) -> str:
    """Escape a command's message as GitHub's toolkit does: ``%``, ``\\r`` and ``\\n``."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property's value: as a message, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(report: Report, finding: Finding, command: str = "", prefix: str = "", suffix: str = "") -> str:
    """The workflow command that annotates *finding* (by default, at its own severity)."""
    props = {
        "file": report.relative(finding.path),
        "line": str(finding.line),
        "col": str(finding.column),
        "title": f"{prefix}{finding.rule_id} {finding.rule_name}",
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in props.items())
    return f"::{command or COMMANDS[finding.severity]} {joined}::{escape_data(finding.message + suffix)}"


def summary(report: Report, left_out: int = 0) -> str:
    """The closing notice: findings by severity, files checked, how many were waived, and how many findings were
    not annotated (and where they are)."""
    line = f"jointgov: {summary_line(report)}"
    if not report.waived_count():
        line += "; 0 waived"
    if left_out:
        where = " and ".join([f"in this step's log (the group '{GROUP}')", *report.written[:3]])
        line += (f". {plural(left_out, 'finding')} not annotated: GitHub shows {PER_STEP} errors, {PER_STEP} warnings "
                 f"and {PER_STEP} notices per step, so these are the most severe, from as many files as possible; "
                 f"every finding is listed {where}")
    line += f" (jointgov {__version__}, rule catalogue {report.catalogue_digest[:12]}, as of {report.as_of})"
    return f"::notice::{escape_data(line)}"


def write(report: Report, out: TextIO, colour: bool = False) -> None:
    """Write every finding in a log group when some are not annotated, the annotations GitHub shows (most severe
    first), then the closing notice (``Stream``: the same lines whether the run streams them or not)."""
    stream = Stream(out, colour)
    for findings, waived in report.by_file():
        stream.file(report, findings, waived)
    stream.end(report)


class Stream:
    """The GitHub format written as the run goes (``jointgov.reporters.report.Stream``). The log group of every
    finding is opened as soon as more findings have come than GitHub annotates (the few before are held till then)
    and each file's lines are written into it as the file is checked; the run keeps only what may still be
    annotated: for each severity the first findings of the first files that have one (as many as GitHub shows),
    and the first waived findings. At the end come the findings across agreements, the annotations and the
    closing notice."""

    def __init__(self, out: TextIO, colour: bool = False) -> None:
        """Write to *out* (*colour* is ignored)."""
        self.out = out
        self.room = {"error": PER_STEP, "warning": PER_STEP, "notice": PER_STEP - 1}  # the closing notice is one
        self.count = {"error": 0, "warning": 0, "notice": 0}
        self.queues: dict[str, dict[str, list[Finding]]] = {severity: {} for severity in SEVERITIES}
        self.waived: list[Waived] = []
        self.held: list[str] | None = []
        """The log lines held until the group is known to be needed (None once it is open)."""

    def file(self, report: Report, findings: Sequence[Finding], waived: Sequence[Waived]) -> None:
        """One file's findings and waived findings: kept if they may be annotated, in the log group."""
        for finding in findings:
            self.count[COMMANDS[finding.severity]] += 1
            self._keep(finding)
        for item in waived:
            self.count["notice"] += 1
            if len(self.waived) < self.room["notice"]:
                self.waived.append(item)
        lines = [*map(finding_line, findings), *map(waived_line, waived)]
        lines = [" ".join(line.splitlines()) + "\n" for line in lines]  # one log line each: none can start a command
        if self.held is not None:
            self.held += lines
            if any(self.count[kind] > self.room[kind] for kind in self.count):  # not every one can be annotated
                self.out.write(f"::group::{GROUP}\n")
                lines, self.held = self.held, None
        if self.held is None:
            self.out.writelines(lines)

    def _keep(self, finding: Finding) -> None:
        """Keep *finding* if it may be annotated: among the first findings of its severity in one of the first files
        with one (the annotations are taken from each file in turn, ``Report.worst_first``)."""
        limit = self.room[COMMANDS[finding.severity]]
        queues = self.queues[finding.severity]
        queue = queues.get(finding.path)
        if queue is None:
            if len(queues) >= limit:
                return
            queue = queues[finding.path] = []
        if len(queue) < limit:
            queue.append(finding)

    def end(self, report: Report) -> None:
        """The findings across agreements (into the log group), the annotations, then the closing notice."""
        self.file(report, report.across(), [])
        if self.held is None:
            self.out.write("::endgroup::\n")
        room = dict(self.room)
        shown: list[str] = []
        for severity in SEVERITIES:
            command, queues = COMMANDS[severity], list(self.queues[severity].values())
            for depth in range(max(map(len, queues), default=0)):
                for queue in queues:
                    if depth < len(queue) and room[command]:
                        room[command] -= 1
                        shown.append(annotation(report, queue[depth]))
        for item in self.waived:
            if room["notice"]:
                room["notice"] -= 1
                waiver = item.waiver
                note = f" [waived: approved by {waiver.approved_by}, expires {waiver.expires_on}, line {waiver.line}]"
                shown.append(annotation(report, item.finding, "notice", "waived ", note))
        self.out.writelines(line + "\n" for line in shown)
        self.out.write(summary(report, sum(self.count.values()) - len(shown)) + "\n")
