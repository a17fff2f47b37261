"""The text reporter: ``path:line:col: severity JGnnn name: message`` lines and a summary.

After ``check --simulate`` a short block follows: one line per agreement and stress scenario,
``path: scenario: verdict (days) at line:col field``, then the verdicts counted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from jointgov.model import NOT_APPLICABLE
from jointgov.reporters.report import Report, printable_copy

if TYPE_CHECKING:
    from jointgov.simulation.results import FileSimulation, ScenarioResult

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
    """Write every finding, sorted, then the summary line (agreement text and file names ``printable``)."""
    report = printable_copy(report)
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
    if report.simulations:
        write_simulations(report.simulations, out, style, report.as_of)


def scenario_line(sim: FileSimulation, result: ScenarioResult, paint: Callable[[str], str] = str) -> str:
    """``path: scenario: verdict (days) at line:col field``, located at the worst run's first cause.

    A scenario that does not apply gives its note instead. *paint* styles the verdict (colour).
    """
    from jointgov.reporters.simulation import days_text

    head = f"{sim.path}: {result.name}: "
    if result.verdict == NOT_APPLICABLE:
        return head + f"not applicable ({result.note})"
    line = head + f"{paint(result.verdict)} ({days_text(result)})"
    worst = result.worst
    if result.verdict == "resolved-jointly" or worst is None:
        return line
    if worst.causes:
        cause, more = worst.causes[0], len(worst.causes) - 1
        return (line + f" at {cause.line}:{cause.column}" + (f" {cause.field}" if cause.field else "")
                + (f" (and {more} more)" if more else ""))
    step = next((s for s in worst.steps if s.verdict == result.verdict), None)
    return line + (f" at {step.line}:{step.column}" if step else "")


def write_simulations(sims: list[FileSimulation], out: TextIO, style: Callable[[str, str], str], as_of: str) -> None:
    """The ``check --simulate`` block: a line per agreement and scenario, then the verdicts counted."""
    from jointgov.reporters.simulation import COLOURS, headline

    out.write("\n")
    for sim in sims:
        if sim.error:
            out.write(f"{sim.path}: {style('cannot simulate', 'red')}: {sim.error}\n")
            continue
        for result in sim.results:
            out.write(scenario_line(sim, result, lambda verdict: style(verdict, COLOURS[verdict])) + "\n")
    count = sum(len(s.results) for s in sims)
    out.write(f"{count} stress scenario result{'s' * (count != 1)} in {len(sims)} file{'s' * (len(sims) != 1)}, "
              f"as of {as_of}: {headline(sims)}\n")


def _styler(colour: bool):  # type: ignore[no-untyped-def]
    if not colour:
        return lambda text, _fg: text
    import click

    return lambda text, fg: click.style(text, fg=fg, bold=fg != "bright_black")
