"""The GitHub Actions reporter: one workflow command per finding, shown as an annotation.

``::error file=PATH,line=L,col=C,title=JGnnn name::MESSAGE`` (``::warning`` for
warnings, ``::notice`` for info), PATH relative to the repository root. A waived
finding is a ``::notice`` titled "waived JGnnn name" naming its waiver (it does not
fail the run, but stays visible); a closing ``::notice::`` gives the counts and the
provenance (jointgov version, catalogue digest, as-of date).
"""

from __future__ import annotations

from typing import TextIO

from jointgov import __version__
from jointgov.model import Finding
from jointgov.reporters.report import Report
from jointgov.reporters.text import summary_line

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
"""jointgov severity → workflow command."""


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


def summary(report: Report) -> str:
    """The closing notice: findings by severity, files checked, and how many were waived."""
    line = f"jointgov: {summary_line(report)}"
    if not report.waived:
        line += "; 0 waived"
    line += f" (jointgov {__version__}, rule catalogue {report.catalogue_digest[:12]}, as of {report.as_of})"
    return f"::notice::{escape_data(line)}"


def write(report: Report, out: TextIO, colour: bool = False) -> None:
    """Write one annotation per finding (sorted), then the summary notice."""
    for finding in report.findings:
        out.write(annotation(report, finding) + "\n")
    for item in report.waived:
        waiver = item.waiver
        note = f" [waived: approved by {waiver.approved_by}, expires {waiver.expires_on}, line {waiver.line}]"
        out.write(annotation(report, item.finding, "notice", "waived ", note) + "\n")
    out.write(summary(report) + "\n")
