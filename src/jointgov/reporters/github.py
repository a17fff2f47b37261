"""The GitHub Actions reporter: the findings as annotations, within what GitHub shows.

``::error file=PATH,line=L,col=C,title=JGnnn name::MESSAGE`` (``::warning`` for warnings, ``::notice`` for
info), PATH relative to the repository root. GitHub shows at most 10 error, 10 warning and 10 notice
annotations of a step (``PER_STEP``) and drops the rest, first come first shown; so the annotations are
the most severe findings first, taken from each file in turn (``Report.worst_first``), at most 10 errors,
10 warnings and 9 notices (info findings, then waived ones: a waived finding is a notice titled "waived
JGnnn name" naming its waiver). When findings are left out, every finding is listed in the step's log, in a
collapsed group (``::group::``), as the text format prints them. A closing ``::notice::`` gives the counts,
how many findings were not annotated and where they all are, and the provenance (jointgov version,
catalogue digest, as-of date).
"""

from __future__ import annotations

from typing import TextIO

from jointgov import __version__
from jointgov.model import Finding
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


def shown_annotations(report: Report) -> tuple[list[str], int]:
    """The annotations GitHub will show, most severe first, and how many findings (waived ones too) are left out."""
    shown: list[str] = []
    room = {"error": PER_STEP, "warning": PER_STEP, "notice": PER_STEP - 1}  # the closing notice is a notice
    left_out = 0
    for finding in report.worst_first():
        command = COMMANDS[finding.severity]
        if room[command]:
            room[command] -= 1
            shown.append(annotation(report, finding))
        else:
            left_out += 1
    for item in report.waived:
        if room["notice"]:
            room["notice"] -= 1
            waiver = item.waiver
            note = f" [waived: approved by {waiver.approved_by}, expires {waiver.expires_on}, line {waiver.line}]"
            shown.append(annotation(report, item.finding, "notice", "waived ", note))
        else:
            left_out += 1
    return shown, left_out


def summary(report: Report, left_out: int = 0) -> str:
    """The closing notice: findings by severity, files checked, how many were waived, and how many findings were
    not annotated (and where they are)."""
    line = f"jointgov: {summary_line(report)}"
    if not report.waived:
        line += "; 0 waived"
    if left_out:
        where = " and ".join([f"in this step's log (the group '{GROUP}')", *report.written[:3]])
        line += (f". {plural(left_out, 'finding')} not annotated: GitHub shows {PER_STEP} errors, {PER_STEP} warnings "
                 f"and {PER_STEP} notices per step, so these are the most severe, from as many files as possible; "
                 f"every finding is listed {where}")
    line += f" (jointgov {__version__}, rule catalogue {report.catalogue_digest[:12]}, as of {report.as_of})"
    return f"::notice::{escape_data(line)}"


def write(report: Report, out: TextIO, colour: bool = False) -> None:
    """Write the annotations GitHub shows (most severe first), every finding in a log group when some are left out,
    then the closing notice."""
    shown, left_out = shown_annotations(report)
    for line in shown:
        out.write(line + "\n")
    if left_out:
        out.write(f"::group::{GROUP} ({len(report.findings) + len(report.waived)})\n")
        for line in [*map(finding_line, report.findings), *map(waived_line, report.waived)]:
            out.write(" ".join(line.splitlines()) + "\n")  # one log line each: none can start a command
        out.write("::endgroup::\n")
    out.write(summary(report, left_out) + "\n")
