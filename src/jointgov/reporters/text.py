"""The text reporter: ``path:line:col: severity: JGnnn name: message`` lines and a summary.

The lines are those of a compiler (``file:line:col: error: message``), so the problem matchers of editors and CI
read them as they are (VS Code's ``$gcc``; ``problem-matchers/`` has jointgov's own, info included). The findings come
file by file, in the order of the paths (each file's own findings, then its waived ones), then those of the rules
across agreements (JG9xx) and of the organisations register, known only once every file is checked: so the run
writes each file's lines as soon as it is checked, holding none of them (``Stream``). A file named
on the command line that is skipped (not an agreement, or excluded by the configuration) gets a line saying so.

After ``check --simulate`` a short block follows: one line per agreement and stress scenario,
``path: scenario: verdict (days) at line:col field``, then the verdicts counted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from jointgov.model import NOT_APPLICABLE, Finding, Waived
from jointgov.reporters.report import Report, plural, printable_copy, skipped_line, skipped_text

if TYPE_CHECKING:
    from jointgov.simulation.results import FileSimulation, ScenarioResult

_COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}


def summary_line(report: Report) -> str:
    """One line that counts the findings by severity and the files checked (and skipped)."""
    counts = report.summary()
    files = report.file_count()
    parts = [f"{n} {sev}{'s' if n != 1 and sev != 'info' else ''}" for sev, n in counts.items() if n]
    head = ", ".join(parts) if parts else "no findings"
    line = f"{head} in {plural(files, 'file')}" if files or report.findings else "no agreement checked"
    if report.skipped:
        line += f"; {skipped_text(report.skipped)}"
    if report.waived_count():
        line += f"; {report.waived_count()} waived"
    if report.baseline_hidden or report.baseline_stale:
        entries = "entry" if report.baseline_stale == 1 else "entries"
        line += (f"; {report.baseline_hidden} known from the baseline not shown, "
                 f"{report.baseline_stale} baseline {entries} no longer occur")
    unchecked = report.unchecked_count()
    if unchecked:
        their = "its" if unchecked == 1 else "their"
        line += f" ({unchecked} not checked against the rules until {their} form is fixed)"
    return line


def finding_line(f: Finding, style: Callable[[str, str], str] = lambda text, _fg: text) -> str:
    """``path:line:col: severity: JGnnn name: message`` (*style* colours the severity and the rule id)."""
    return (f"{f.path}:{f.line}:{f.column}: {style(f.severity, _COLOURS[f.severity])}: "
            f"{style(f.rule_id, 'bright_black')} {f.rule_name}: {f.message}")


def waived_line(w: Waived, style: Callable[[str, str], str] = lambda text, _fg: text) -> str:
    """``path:line:col: waived: JGnnn name: message [waiver at line N, approved by BODY, expires DATE]``."""
    f = w.finding
    return (f"{f.path}:{f.line}:{f.column}: {style('waived', 'green')}: {style(f.rule_id, 'bright_black')} "
            f"{f.rule_name}: {f.message} [waiver at line {w.waiver.line}, approved by {w.waiver.approved_by}, "
            f"expires {w.waiver.expires_on}]")


def write(report: Report, out: TextIO, colour: bool = False) -> None:
    """Write each file's findings (sorted) and waived findings, file by file in the order of the paths, then the
    findings across agreements, the named files skipped, the summary line and the scenarios (``Stream``: the
    same text whether the run streams it or not)."""
    stream = Stream(out, colour)
    for findings, waived in report.by_file():
        stream.file(report, findings, waived)
    stream.end(report)


class Stream:
    """The text format written as the run goes (``jointgov.reporters.report.Stream``): a file's lines as soon as
    it and every file before it are checked, then, at the end, the findings of the rules across agreements (and
    the register's), which are known only then, the named files skipped and the summary line. Agreement text and
    file names are made ``printable``."""

    def __init__(self, out: TextIO, colour: bool = False) -> None:
        """Write to *out* (*colour*: terminal colours)."""
        self.out = out
        self.style = _styler(colour)

    def file(self, report: Report, findings: Sequence[Finding], waived: Sequence[Waived]) -> None:
        """One file's findings, then its waived findings."""
        for f in printable_copy(list(findings)):
            self.out.write(finding_line(f, self.style) + "\n")
        for w in printable_copy(list(waived)):
            self.out.write(waived_line(w, self.style) + "\n")

    def end(self, report: Report) -> None:
        """The findings across agreements in *report*, the named files skipped, the summary, the scenarios."""
        for f in printable_copy(report.across()):
            self.out.write(finding_line(f, self.style) + "\n")
        for item in printable_copy(report.skipped):
            if item.named:
                self.out.write(skipped_line(item) + "\n")
        self.out.write(summary_line(report) + "\n")
        if report.simulations:
            write_simulations(printable_copy(report.simulations), self.out, self.style, report.as_of)


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


def _styler(colour: bool) -> Callable[[str, str], str]:
    if not colour:
        return lambda text, _fg: text
    import click

    return lambda text, fg: click.style(text, fg=fg, bold=fg != "bright_black")
