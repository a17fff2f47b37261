"""Repository-wide checks: rules across agreements and the organisations register (JG9xx).

Rules with ``level: repository`` run over the facts of every agreement of a check and of the register
(``jointgov.repository.facts``), on the same engine and rule language as the per-agreement rules, in
sessions of related agreements (``jointgov.repository.sessions``): the compiled conditions that share a
plan (patterns and joins) share a ruleset and its sessions. Their facts carry the file they come from,
and a finding is located in that file, at the clause its rule points to.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from jointgov.model import Finding
from jointgov.pipeline.catalogue import Catalogue, Rule, user_last
from jointgov.pipeline.compiler import Compiled
from jointgov.pipeline.engine import Engine, EngineLimitError, Firing, encode
from jointgov.pipeline.firings import at_expression, message, target
from jointgov.repository.facts import Entry, Repository
from jointgov.repository.register import Registry
from jointgov.repository.sessions import Item, Plan, fields_of, sessions


class RepositoryChecker:
    """Runs the repository rules of a catalogue over the entries of a run's agreements and the register."""

    def __init__(self, catalogue: Catalogue, rules: list[Rule], params: dict[str, dict[str, Any]] | None = None,
                 severity: dict[str, str] | None = None) -> None:
        """Compile *rules* (those with ``level: repository``) into engine rulesets, one for each plan."""
        self.catalogue = catalogue
        self.rules = rules
        self.params = params or {}
        self.severity = severity or {}
        ordered = user_last(rules)
        compiled = catalogue.compiled(ordered, params)
        compiled += catalogue.compiled_scopes([r for r in ordered if r.scope], params)
        plans: dict[Plan, list[tuple[int, int, Compiled]]] = {}
        for condition in compiled:
            plans.setdefault((condition[2].patterns, condition[2].joins), []).append(condition)
        name = hashlib.sha256(f"repo:{catalogue.digest}:{[r.id for r in rules]}:{self.params}".encode()).hexdigest()
        self.engines: list[tuple[Plan, Engine]] = []
        for n, (plan, conditions) in enumerate(plans.items()):
            try:
                self.engines.append((plan, Engine(f"repository-{name[:16]}-{n}", conditions)))
            except EngineLimitError as exc:
                raise catalogue.refusal(conditions, exc.index, exc.reason) from exc

    def suffixes(self) -> frozenset[str]:
        """The paths the rules' ``at`` add to a fact's clause (``xparty.name``: ``/name``): an entry keeps the
        positions of these under each of its clauses."""
        found = {""}
        for rule in self.rules:
            for condition in rule.match:
                expression = str(condition.get("at") or rule.at)
                found.add("".join(f"/{part}" for part in expression.split(".")[1:]))
        return frozenset(found)

    def check(self, entries: Sequence[Entry], registry: Registry | None, as_of: _dt.date
              ) -> tuple[list[Finding], dict[str, frozenset[str]]]:
        """The findings of the repository rules, located in the agreements they concern, and for each agreement
        the ids of the repository rules that apply to it (no scope, or a scope that holds for it)."""
        merged: dict[tuple[str, str, int, int], Finding] = {}
        said: dict[tuple[str, str, int, int], set[str]] = {}
        applicable = {e.path: {r.id for r in self.rules if not r.scope} for e in entries}
        if not self.engines or not entries:
            return [], {path: frozenset(ids) for path, ids in applicable.items()}
        where = {e.path: e for e in entries}
        repository = Repository(entries, registry, as_of)
        for firing in self._firings(repository):
            rule = self.catalogue.rules[firing.rule]
            if firing.condition < 0:  # the rule's scope holds for this agreement
                applicable[str(firing.facts["agreement"].get("file", ""))].add(rule.id)
                continue
            at = at_expression(rule, firing)
            fact = firing.facts.get(re.split(r"[.@]", at)[0], {})
            agreement = where.get(str(fact.get("file", "")))
            if agreement is None:
                continue
            ptr = target(at, firing.facts)
            line, col = agreement.at(ptr)
            key = (rule.id, agreement.path, line, col)
            said.setdefault(key, set()).add(message(rule, firing, self.params))
            if key not in merged:
                merged[key] = Finding(agreement.path, line, col, rule.id, "", rule.name,
                                      self.severity.get(rule.id, rule.severity), ptr)
        found = [replace(finding, message=_joined(said[key])) for key, finding in merged.items()]
        return sorted(found), {path: frozenset(ids) for path, ids in applicable.items()}

    def _firings(self, repository: Repository) -> Iterator[Firing]:
        """Every firing of every plan's ruleset, each once (a match found in two sessions is one), plan by plan
        (those on the same types of facts one after the other: each type's facts are made and encoded when a plan
        first needs them, and let go after the last that does)."""
        fields: dict[str, set[str]] = {}
        for plan, _ in self.engines:
            for kind, names in fields_of(plan).items():
                fields.setdefault(kind, set()).update(names)
        engines = _by_shared_types(self.engines)
        wanted = [{kind for kind, _ in plan[0]} for plan, _ in engines]
        made: dict[str, list[Item]] = {}
        for n, (plan, engine) in enumerate(engines):
            for kind in sorted(wanted[n] - made.keys()):
                names = fields.get(kind, set())
                made[kind] = [Item(encode(fact), kind, {f: fact[f] for f in names if f in fact})
                              for fact in repository.facts({kind})]
            items = [item for kind in sorted(wanted[n]) for item in made[kind]]
            for kind in wanted[n] - set().union(*wanted[n + 1:]):
                del made[kind]  # no later plan needs them
            seen: set[tuple[Any, ...]] = set()
            for members in sessions(plan, items):
                for firing in engine.evaluate_encoded([items[k].text for k in members]):
                    key = (firing.rule, firing.condition, *(fact.get("uid") or fact.get("ptr")
                                                            for fact in firing.facts.values()))
                    if key not in seen:
                        seen.add(key)
                        yield firing


def _by_shared_types(engines: list[tuple[Plan, Engine]]) -> list[tuple[Plan, Engine]]:
    """The plans in an order that holds few types of facts at once: next, the plan that needs the most of the
    types made for earlier plans and still needed by later ones, then the fewest new ones (the first of equals)."""
    left, out = list(engines), list[tuple[Plan, Engine]]()
    while left:
        needed = {kind for plan, _ in left for kind, _ in plan[0]}
        held = {kind for plan, _ in out for kind, _ in plan[0]} & needed
        best = max(left, key=partial(_score, held=held))
        left.remove(best)
        out.append(best)
    return out


def _score(pair: tuple[Plan, Engine], held: set[str]) -> tuple[int, int]:
    kinds = {kind for kind, _ in pair[0][0]}
    return len(kinds & held), -len(kinds - held)


def _joined(messages: set[str]) -> str:
    """One finding per rule and place, as for the agreement rules: the messages of its firings, each part said
    once, sorted (a message alone as it is)."""
    if len(messages) == 1:
        return next(iter(messages))
    return "; ".join(sorted({part for text in messages for part in text.split("; ")}))


def registry_findings(registry: Registry, catalogue: Catalogue) -> list[Finding]:
    """The register's own problems as findings on the register file."""
    out = []
    for rule_id, line, col, text, ptr in registry.problems:
        rule = catalogue.by_key(rule_id)
        out.append(Finding(registry.path, line, col, rule_id, f"register: {text}", rule.name if rule else rule_id,
                           rule.severity if rule else "error", ptr))
    return sorted(out)
