"""The machine of ``jointgov simulate``: follow an agreement through a stress scenario.

Each scenario (``jointgov.scenarios``, loaded by ``jointgov.simulation.scenarios``) is a state machine run on the rule
engine. The engine holds the agreement's facts (the same facts the checker
uses) for the whole file; each run adds ``affected`` facts (the parties the
event concerns) and then the machine's state, a ``sim`` fact. The transitions
whose conditions the new state completes fire; the first in the scenario's
order is taken, its step is recorded, and the next state replaces the old one,
until a transition leads to ``end``. This is what durable-rules' own
statecharts compile to (a state-label fact plus conditions); driving one
transition per assertion keeps every step observable, never consumes an event
twice and never runs the engine's timer threads.

Verdicts, worst first: unilateral, deadlock, unbounded, undefined; then
resolved-jointly. A run's verdict is the worst a transition settled; with none,
resolved-jointly if a transition reached a joint or binding decision, else
undefined (nothing the scenario follows exists). A scenario's verdict is the
worst of its runs (one per party, post or budget).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from jointgov.model import NOT_APPLICABLE, ConfigError, Limits
from jointgov.pipeline.checker import Document, open_agreement, read_agreement
from jointgov.pipeline.engine import Engine, EngineLimitError, Firing
from jointgov.pipeline.firings import render, target
from jointgov.pipeline.locate import Locations
from jointgov.simulation.results import RANK, Cause, FileSimulation, Run, ScenarioResult, Step
from jointgov.simulation.scenarios import END, Scenario, Transition, compile_transitions, digest

MAX_TRANSITIONS = 200
"""A run that takes more transitions than this is stopped as unbounded (scenario data that loops)."""


class Simulator:
    """Runs scenarios over agreements on one engine ruleset."""

    def __init__(self, scenarios: list[Scenario], as_of: _dt.date, limits: Limits | None = None) -> None:
        """Compile *scenarios* into one ruleset (registered once per process)."""
        self.scenarios = scenarios
        self.as_of = as_of
        self.limits = limits or Limits()
        self.table, conditions = compile_transitions(scenarios)
        try:
            self.engine = Engine(f"scenarios-{digest(scenarios)}", conditions)
        except EngineLimitError as exc:  # located at the transition the engine cannot hold
            t = self.table[conditions[exc.index][0]][1]
            raise ConfigError(f"{t.path}:{t.line}:{t.column}: {exc.reason}") from exc

    def simulate_file(self, path: str, display: str | None = None, **choose: Any) -> FileSimulation:
        """Simulate the file at *path*; see ``simulate_document`` for *choose*."""
        return self.simulate_document(open_agreement(path, self.limits, display), **choose)

    def simulate_bytes(self, raw: bytes, display: str, **choose: Any) -> FileSimulation:
        """Simulate a document given as bytes; see ``simulate_document`` for *choose*."""
        return self.simulate_document(read_agreement(raw, display, self.limits), **choose)

    def simulate_document(self, doc: Document, names: tuple[str, ...] = (), party: str | None = None,
                          post: str | None = None) -> FileSimulation:
        """Run the scenarios *names* (default: all) for one agreement read with ``read_agreement`` (it is
        refused when unsound, as ``check`` refuses it); *party*/*post* pick one subject."""
        if doc.unreadable:
            return FileSimulation(doc.path, error=doc.problems[0][3])
        sim = FileSimulation(doc.path, sha256=doc.sha256)
        if not doc.sound:
            sim.error = f"not a valid agreement, so it cannot be simulated: {doc.refusal()} (run jointgov check)"
            return sim
        head = doc.data.get("agreement")
        sim.title = str(head.get("title") or "") if isinstance(head, dict) else ""
        facts = doc.facts(self.as_of)
        _check_choice(facts, doc.path, party, post)
        chosen = [s for s in self.scenarios if not names or s.name in names]
        self.engine.open(facts)
        try:
            for scenario in chosen:
                sim.results.append(self._scenario(scenario, facts, doc.locations, party, post, doc.names))
        finally:
            self.engine.close()
        return sim

    def _scenario(self, scenario: Scenario, facts: list[dict[str, Any]], locations: Locations,
                  party: str | None, post: str | None, names: dict[str, str]) -> ScenarioResult:
        subjects, note = _subjects(scenario, facts, party, post)
        runs = tuple(_Machine(self, scenario, subject, facts, locations, names).run() for subject in subjects)
        verdict = max((r.verdict for r in runs), key=RANK.__getitem__, default=NOT_APPLICABLE)
        result = ScenarioResult(scenario.name, scenario.title, _event(scenario.event, {}), verdict, runs, note)
        worst = result.worst
        return replace(result, event=worst.event) if worst else result


def _check_choice(facts: list[dict[str, Any]], display: str, party: str | None, post: str | None) -> None:
    for kind, wanted in (("party", party), ("post", post)):
        if wanted is None:
            continue
        ids = [f["id"] for f in facts if f["type"] == kind and "id" in f]
        if wanted not in ids:
            raise ConfigError(f"{display}: --{kind} {wanted}: no {kind} with that id (ids: {', '.join(ids) or 'none'})")


def _subjects(scenario: Scenario, facts: list[dict[str, Any]], party: str | None, post: str | None
              ) -> tuple[list[dict[str, Any]], str]:
    """The subjects a scenario runs for, each a dict of the subject facts by type; or why there are none."""
    parties = [f for f in facts if f["type"] == "party"]
    posts = [f for f in facts if f["type"] == "post" and (post is None or f.get("id") == post)]
    budgets = [f for f in facts if f["type"] == "budget"]

    def default_parties(pool: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if party is not None:
            return [p for p in pool if p.get("id") == party]
        wanted = [p for p in pool if all(p.get(k) == v for k, v in scenario.parties.items())]
        return wanted or pool  # no party of the wanted kind: every party in turn

    if scenario.subject == "agreement":
        return [{}], ""
    if scenario.subject == "party":
        chosen = default_parties([p for p in parties if p.get("active")])
        return [{"party": p} for p in chosen], "" if chosen else "no active party"
    if scenario.subject == "budget":
        return [{"budget": b} for b in budgets], "" if budgets else "the agreement has no pooled budget"
    out: list[dict[str, Any]] = []
    for p in posts:
        if scenario.subject == "post":
            out.append({"post": p})
            continue
        pool = [q for q in parties if q.get("id") in p.get("parties", [])]
        out.extend({"post": p, "party": q} for q in default_parties(pool))
    if out:
        return out, ""
    return out, "the agreement has no joint post" if not posts else "no party of the post matches --party"


def _event(template: str, subject: dict[str, Any]) -> str:
    names = {"party": subject.get("party", {}).get("name", "a party"),
             "post": subject.get("post", {}).get("title", "the joint post"),
             "budget": subject.get("budget", {}).get("id", "the pooled budget")}
    return re.sub(r"\{(party|post|budget)\}", lambda m: str(names[m.group(1)]), template)


def _quoted(kind: str, name: str) -> str:
    """A subject's name in a run's label: a post's title in quotes (it reads as a phrase), others as they are."""
    return f"'{name}'" if kind == "post" else name


def _natural(ptr: str) -> tuple[Any, ...]:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[/#]", ptr))


class _Machine:
    """One run of one scenario for one subject."""

    def __init__(self, sim: Simulator, scenario: Scenario, subject: dict[str, Any], facts: list[dict[str, Any]],
                 locations: Locations, names: dict[str, str]) -> None:
        self.sim, self.scenario, self.subject, self.locations = sim, scenario, subject, locations
        self.names = names
        """What messages call each party, body, post and protocol (``firings.display_names``)."""
        self.state: dict[str, Any] = {"type": "sim", "scenario": scenario.name}
        for kind, fact in subject.items():
            self.state[kind] = fact.get("id")
        self.steps: list[Step] = []
        self.causes: list[Cause] = []
        self.verdicts: set[str] = set()
        self.elapsed = 0
        self.walked: set[str] = set()
        self.affected = self._affected(facts)

    def _affected(self, facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if "post" in self.subject:
            ids = list(self.subject["post"].get("parties", []))
        else:
            ids = [f["id"] for f in facts if f["type"] == "party" and f.get("active") and "id" in f]
        mine = self.subject.get("party", {}).get("id")
        return [{"type": "affected", "ptr": f"#affected/{p}", "party": p,
                 "disputing": self.scenario.disputing == "all" or p == mine} for p in ids]

    def run(self) -> Run:
        engine = self.sim.engine
        for fact in self.affected:
            engine.add(fact)
        try:
            stage, count = self.scenario.start, 0
            while stage != END:
                count += 1
                if count > MAX_TRANSITIONS:
                    self._cause("unbounded", "", f"the scenario took more than {MAX_TRANSITIONS} steps: it loops")
                    break
                state = dict(self.state, stage=stage, ptr=f"#sim/{count}")
                firings = engine.add(state)
                engine.remove(state)
                transition, bound = self._choose(stage, firings)
                bound.setdefault("sim", state)
                for kind, fact in self.subject.items():
                    bound.setdefault(kind, fact)
                stage = self._take(transition, bound)
        finally:
            for fact in self.affected:
                engine.remove(fact)
        return self._result()

    def _choose(self, stage: str, firings: list[Firing]) -> tuple[Transition, dict[str, dict[str, Any]]]:
        best: tuple[int, tuple[Any, ...]] | None = None
        chosen: Firing | None = None
        for firing in firings:
            names, transition = self.sim.table[firing.rule]
            if self.scenario.name not in names or transition.stage != stage:
                continue
            key = (firing.rule, tuple(_natural(str(f.get("ptr", ""))) for f in firing.facts.values()))
            if best is None or key < best:
                best, chosen = key, firing
        if chosen is None:  # the last transition of a stage has no condition: it always fires
            raise RuntimeError(f"scenario {self.scenario.name}: stage {stage}: no transition fired")
        return self.sim.table[chosen.rule][1], dict(chosen.facts)

    def _take(self, t: Transition, bound: dict[str, dict[str, Any]]) -> str:
        days: int | None = None
        if t.days:
            alias, _, name = t.days.partition(".")
            value = bound.get(alias, {}).get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                days = value
                self.elapsed += value
            else:
                ptr = target(t.days, bound)
                self._cause("unbounded", ptr, f"{_noun(alias, bound)} sets no time limit{_LIMIT_FOR.get(t.days, '')}: "
                            "this step may never end")
        if self.state.get("route") and bound.get("step", {}).get("route") == self.state["route"]:
            self.walked.add(str(self.state["route"]))  # a step of the current route was taken
        says = render(t.says, bound, {}, self.names)
        clause = t.clause or next((a for a in bound if a not in ("sim",)), "sim")
        ptr = target(clause, bound)
        line, col = self.locations.at(ptr)
        if t.verdict == "resolved-jointly":
            self.verdicts.add("resolved-jointly")
        elif t.verdict:
            for expr in t.cause or (clause,):
                self._cause(t.verdict, target(expr, bound), says)
        if says:
            self.steps.append(Step(len(self.steps) + 1, t.stage, says, ptr, line, col,
                                   render(t.acting, bound, {}, self.names), render(t.consent, bound, {}, self.names),
                                   days, self.elapsed, t.verdict,
                                   bool(t.days) and days is None))
        return self._apply(t, bound)

    def _apply(self, t: Transition, bound: dict[str, dict[str, Any]]) -> str:
        if t.set.get("joint"):
            self.state["joint"] = True
        if "returns" in t.set:  # a procedure before one side acts: if it ends undecided, that side acts alone
            alias, _, name = str(t.set["returns"]).partition(".")
            who = bound.get(alias, {}).get(name)
            self.state["returns"] = ", ".join(map(str, who)) if isinstance(who, list) else str(who or "")
        if t.set.get("step") == "next":
            self.state["step"] = int(self.state.get("step", 0)) + 1
        if "route" in t.set:
            alias, _, name = str(t.set["route"]).partition(".")
            route = bound.get(alias, {}).get(name)
            if isinstance(route, str):
                ref = target(t.set["route"], bound)
                if route in self.walked:
                    self._cause("unbounded", ref, f"{_noun(alias, bound)} sends the dispute back to dispute route "
                                f"'{route}', which it has already been through: it can go round without end")
                    return END
                self.state.update(route=route, route_ref=ref, step=1)
        return t.to

    def _cause(self, verdict: str, ptr: str, message: str) -> None:
        line, col = self.locations.at(ptr)
        self.verdicts.add(verdict)
        self.causes.append(Cause(verdict, ptr, line, col, _dotted(ptr), message))

    def _result(self) -> Run:
        worse = [v for v in self.verdicts if v not in ("gap", "resolved-jointly")]
        if worse:
            verdict = max(worse, key=RANK.__getitem__)
        elif "resolved-jointly" in self.verdicts:
            verdict = "resolved-jointly"
        else:
            verdict = "undefined"
        causes = [c for c in self.causes if c.verdict == verdict or (verdict == "undefined" and c.verdict == "gap")]
        causes = [Cause("undefined", c.pointer, c.line, c.column, c.field, c.message) if c.verdict == "gap" else c
                  for c in causes]
        if verdict == "undefined" and not causes:  # a run that reached no verdict still says where and why
            ptr = next((str(f["ptr"]) for f in self.subject.values() if f.get("ptr")), "")
            line, col = self.locations.at(ptr)
            causes = [Cause("undefined", ptr, line, col, _dotted(ptr),
                            "the scenario reaches no decision: no clause of the agreement says what happens next")]
        subject = {k: str(v.get("id", "")) for k, v in self.subject.items()}
        label = ", ".join(f"{k} {_quoted(k, self.names.get(v, v))}" for k, v in subject.items()) or "the agreement"
        event = _event(self.scenario.event, self.subject)
        return Run(subject, label, event, verdict, self.elapsed, tuple(self.steps), tuple(causes))


_LIMIT_FOR = {
    "trigger.within_days": " for the response",
    "successors.reaffirm_within_days": " for a successor to reaffirm the agreement",
    "exit.notice_days": " on the notice a party must give",
}
"""What a time limit a scenario step reads is for, in words (a route's step needs none: the step is the thing)."""


def _noun(alias: str, bound: dict[str, dict[str, Any]]) -> str:
    """The clause a fact stands for, in words: ``the external-rating trigger``, ``step 2 of dispute route 'main'``."""
    fact = bound.get(alias, {})
    named: dict[str, Callable[[], str]] = {
        "trigger": lambda: f"the {fact.get('event')} trigger",
        "step": lambda: f"step {fact.get('number')} of dispute route '{fact.get('route')}'",
        "route": lambda: f"dispute route '{fact.get('id')}'",
        "post": lambda: f"joint post '{fact.get('title')}'",
        "successors": lambda: "the successors section",
        "exit": lambda: "the exit section",
    }
    return named[alias]() if alias in named and fact else f"the {alias.replace('_', ' ')}"


def _dotted(ptr: str) -> str:
    """``/joint_posts/0/removal`` as ``joint_posts[0].removal`` (empty for the document)."""
    out = ""
    for part in ptr.split("#", 1)[0].split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out
