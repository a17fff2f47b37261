"""A stress scenario's verdict as a finding (``check --simulate``): JG951-JG954, one rule per verdict.

A scenario whose verdict is not ``resolved-jointly`` (nor not-applicable) is reported at each of its causes,
with the severity of the rule for that verdict, which the configuration can change like any rule's, and a
waiver can cover like any finding. Without ``--simulate`` none of this runs and nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterable

from jointgov.model import Finding
from jointgov.pipeline.catalogue import Rule
from jointgov.simulation.results import FileSimulation, ScenarioResult


def scenario_findings(sim: FileSimulation, rules: Iterable[Rule], severity: dict[str, str] | None = None
                      ) -> list[Finding]:
    """The findings of *sim* for the scenario rules *rules* (those of level ``scenario`` in the run): one per
    scenario, at its first cause, saying every cause; scenarios whose first cause is at the same place share
    one finding."""
    by_verdict = {rule.verdict: rule for rule in rules}
    places: dict[tuple[str, int, int], tuple[Rule, str, dict[str, list[ScenarioResult]]]] = {}
    for result in sim.results:
        rule, worst = by_verdict.get(result.verdict), result.worst
        if rule is None or worst is None or not worst.causes:
            continue
        first = worst.causes[0]  # one finding per scenario, at its first cause; the others are in its words
        reasons = "; ".join(dict.fromkeys(c.message for c in worst.causes))
        place = places.setdefault((rule.id, first.line, first.column), (rule, first.pointer.split("#", 1)[0], {}))
        place[2].setdefault(reasons, []).append(result)
    out = []
    for (_, line, column), (rule, pointer, by_reasons) in places.items():
        text = "; ".join(_said(results, reasons) for reasons, results in by_reasons.items())
        out.append(Finding(sim.path, line, column, rule.id, text, rule.name,
                           (severity or {}).get(rule.id, rule.severity), pointer))
    return sorted(out)


def _said(results: list[ScenarioResult], reasons: str) -> str:
    """``stress scenario overspend (A pooled budget overspends) is undefined: ...``, the reasons said once for
    every scenario that has them."""
    if len(results) == 1:
        return f"stress scenario {results[0].name} ({results[0].title}) is {results[0].verdict}: {reasons}"
    names = [r.name for r in results]
    return f"stress scenarios {', '.join(names[:-1])} and {names[-1]} are {results[0].verdict}: {reasons}"
