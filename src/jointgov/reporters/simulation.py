"""``jointgov simulate`` output: the trace and verdict of each scenario, as text or JSON.

The JSON form (``to_json``) is also what ``check --simulate`` puts in the JSON
report under ``simulations``; its keys are stable like the rest of that report.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from jointgov import __version__
from jointgov.model import NOT_APPLICABLE, VERDICTS, Skipped
from jointgov.reporters.report import printable_copy, skipped_line, skipped_text
from jointgov.simulation.results import FileSimulation, Run, ScenarioResult

COLOURS = {"resolved-jointly": "green", "undefined": "yellow", "unbounded": "yellow", "deadlock": "red",
           "unilateral": "red"}


def days_text(result: ScenarioResult) -> str:
    """The days to a decision in words: "at most 126 days", "no time limit", "no joint decision"."""
    days = result.days
    if result.verdict == NOT_APPLICABLE:
        return "not applicable"
    if result.verdict == "resolved-jointly":
        return f"at most {days} days"
    after = f" (after {days} days on the path)" if days else ""
    if result.verdict == "unbounded":
        return "no time limit" + after
    return "no joint decision" + after


def summary(sims: Sequence[FileSimulation]) -> dict[str, int]:
    """How many scenario results have each verdict (and how many did not apply, or could not run)."""
    counts = Counter(r.verdict for s in sims for r in s.results)
    out = {v: counts.get(v, 0) for v in VERDICTS}
    out[NOT_APPLICABLE] = counts.get(NOT_APPLICABLE, 0)
    out["not-simulated"] = sum(1 for s in sims if s.error)
    return out


def headline(sims: Sequence[FileSimulation]) -> str:
    """``2 unilateral, 5 deadlock, 10 resolved jointly, 3 not applicable``: the verdicts counted, worst first."""
    counts = summary(sims)
    parts = [f"{counts[v]} {v.replace('-', ' ')}" for v in (*reversed(VERDICTS), "not-applicable") if counts[v]]
    if counts["not-simulated"]:
        n = counts["not-simulated"]
        parts.append(f"{n} file{'s' * (n != 1)} not simulated")
    return ", ".join(parts) or "no scenario applies"


def write_text(sims: Sequence[FileSimulation], out: TextIO, colour: bool = False, as_of: str = "",
               skipped: Sequence[Skipped] = ()) -> None:
    """Each file's scenarios: verdict, the worst run's trace, its causes as file:line:col, other runs; then the
    files skipped (not agreements, or excluded by the configuration) and the verdicts counted."""
    sims, skipped = printable_copy(list(sims)), printable_copy(list(skipped))
    style: Callable[..., str] = _styler(colour)
    for n, sim in enumerate(sims):
        if n:
            out.write("\n")
        out.write(style(sim.path, bold=True) + (f": {sim.title}" if sim.title else "") + "\n")
        if sim.error:
            out.write(f"  {style('cannot simulate', fg='red')}: {sim.error}\n")
            continue
        for result in sim.results:
            _write_result(sim, result, out, style)
    if skipped:
        out.write("\n" if sims else "")
        out.write("".join(skipped_line(s) + "\n" for s in skipped if s.named))
    total = sum(len(s.results) for s in sims)
    when = f", as of {as_of}" if as_of else ""
    tail = f"; {skipped_text(list(skipped))}" if skipped else ""
    out.write(f"\n{total} scenario results in {len(sims)} file{'s' * (len(sims) != 1)}{when}: {headline(sims)}"
              f"{tail}\n")


def _write_result(sim: FileSimulation, result: ScenarioResult, out: TextIO, style: Callable[..., str]) -> None:
    out.write("\n  " + style(result.name, bold=True) + ": ")
    if result.verdict == NOT_APPLICABLE:
        out.write(f"not applicable ({result.note})\n")
        return
    out.write(style(result.verdict, fg=COLOURS[result.verdict], bold=True) + f" · {days_text(result)}\n")
    out.write(f"    event: {result.event}\n")
    worst = result.worst
    assert worst is not None
    out.write(f"    trace ({worst.label}):\n")
    for step in worst.steps:
        where = f"{step.line}:{step.column}"
        day = f"day {step.elapsed}" if step.days is not None else ""
        out.write(f"      {step.number:>2}. {where:<8} {step.says}\n")
        details = [f"acts: {step.acting}" if step.acting else "", f"consent: {step.consent}" if step.consent else "",
                   f"+{step.days} days, {day}" if step.days is not None else "",
                   style("no time limit", fg="yellow") if step.untimed else "",
                   style(step.verdict, fg=COLOURS.get(step.verdict, "")) if step.verdict and step.verdict != "gap"
                   else ""]
        if any(details):
            out.write(" " * 19 + " · ".join(d for d in details if d) + "\n")
    if worst.causes:
        out.write("    caused by:\n")
        for cause in worst.causes:
            out.write(f"      {sim.path}:{cause.line}:{cause.column}: {cause.field or '(document)'}: {cause.message}\n")
    others = [r for r in result.runs if r is not worst]
    if others:
        out.write("    other runs: " + "; ".join(_run_line(r) for r in others) + "\n")


def _run_line(run: Run) -> str:
    days = f", {run.days} days" if run.verdict == "resolved-jointly" else ""
    return f"{run.label}: {run.verdict}{days}"


def _styler(colour: bool) -> Callable[..., str]:
    if not colour:
        return lambda text, **_: text
    import click

    return lambda text, **kw: click.style(text, **{k: v for k, v in kw.items() if v})


def to_json(sims: Sequence[FileSimulation]) -> list[dict[str, Any]]:
    """The simulations as JSON-ready data (one entry per file)."""
    return [{
        "path": s.path, "title": s.title, "sha256": s.sha256, "error": s.error or None,
        "scenarios": [{
            "name": r.name, "title": r.title, "event": r.event, "verdict": r.verdict,
            "days": r.days, "days_text": days_text(r), "note": r.note or None,
            "runs": [{
                "subject": run.subject, "label": run.label, "event": run.event, "verdict": run.verdict,
                "days": run.days,
                "steps": [{"number": st.number, "stage": st.stage, "says": st.says, "pointer": st.pointer,
                           "line": st.line, "column": st.column, "acting": st.acting or None,
                           "consent": st.consent or None, "days": st.days, "elapsed": st.elapsed,
                           "verdict": st.verdict or None, "untimed": st.untimed} for st in run.steps],
                "causes": [{"verdict": c.verdict, "pointer": c.pointer, "line": c.line, "column": c.column,
                            "field": c.field, "message": c.message} for c in run.causes],
            } for run in r.runs],
        } for r in s.results],
    } for s in sims]


def skipped_json(skipped: Sequence[Skipped]) -> list[dict[str, str]]:
    """The files skipped, as the JSON reports list them."""
    return [{"path": s.path, "reason": s.reason, "detail": s.detail} for s in skipped]


def write_json(sims: Sequence[FileSimulation], out: TextIO, as_of: str = "", skipped: Sequence[Skipped] = ()) -> None:
    """The ``simulate --format json`` document: its top-level keys are those of ``check``'s (``jointgov``, the
    version; ``as_of``; ``summary``; ``files``; ``skipped``)."""
    doc = {"jointgov": __version__, "as_of": as_of, "summary": summary(sims), "files": to_json(sims),
           "skipped": skipped_json(skipped)}
    json.dump(doc, out, indent=2, ensure_ascii=False)
    out.write("\n")
