"""The text reporter: ``path:line:col: severity JGnnn name: message`` lines and a summary."""

from __future__ import annotations

from typing import TextIO

from jointgov.reporters import Report

_COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}


def summary_line(report: Report) -> str:
    """One line that counts the findings by severity and the files checked."""
    counts = report.summary()
    files = len(report.files)
    noun = "file" if files == 1 else "files"
    parts = [f"{n} {sev}{'s' if n != 1 and sev != 'info' else ''}" for sev, n in counts.items() if n]
    head = ", ".join(parts) if parts else "no findings"
    line = f"{head} in {files} {noun}"
    if report.waived:
        line += f"; {len(report.waived)} waived"
    if report.baseline_hidden or report.baseline_stale:
        entries = "entry" if report.baseline_stale == 1 else "entries"
        line += (f"; {report.baseline_hidden} known from the baseline not shown, "
                 f"{report.baseline_stale} baseline {entries} no longer occur")
    unchecked = sum(1 for f in report.files if not f.rules_run)
    if unchecked:
        their = "its" if unchecked == 1 else "their"
        line += f" ({unchecked} not checked against the rules until {their} form is fixed)"
    return line


def write(report: Report, out: TextIO, colour: bool = False) -> None:
    """Write every finding, sorted, then the summary line."""
    style = _styler(colour)
    for f in report.findings:
        out.write(f"{f.path}:{f.line}:{f.column}: {style(f.severity, _COLOURS[f.severity])} "
                  f"{style(f.rule_id, 'bright_black')} {f.rule_name}: {f.message}\n")
    for w in report.waived:
        f = w.finding
        out.write(f"{f.path}:{f.line}:{f.column}: {style('waived', 'green')} {style(f.rule_id, 'bright_black')} "
                  f"{f.rule_name}: {f.message} [waiver at line {w.waiver.line}, approved by {w.waiver.approved_by}, "
                  f"expires {w.waiver.expires_on}]\n")
    out.write(summary_line(report) + "\n")


def _styler(colour: bool):  # type: ignore[no-untyped-def]
    if not colour:
        return lambda text, _fg: text
    import click

    return lambda text, fg: click.style(text, fg=fg, bold=fg != "bright_black")
