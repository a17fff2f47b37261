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
from collections.abc import Sequence
from dataclasses import replace
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
        said: dict[tuple[str, str, int, int], list[str]] = {}
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
            said.setdefault(key, []).append(message(rule, firing, self.params))
            if key not in merged:
                merged[key] = Finding(agreement.path, line, col, rule.id, "", rule.name,
                                      self.severity.get(rule.id, rule.severity), ptr)
        found = [replace(finding, message=_joined(said[key])) for key, finding in merged.items()]
        return sorted(found), {path: frozenset(ids) for path, ids in applicable.items()}

    def _firings(self, repository: Repository) -> list[Firing]:
        """Every firing of every plan's ruleset, each once (a match found in two sessions is one), in the order
        of the plans and sessions."""
        out: list[Firing] = []
        fields: dict[str, set[str]] = {}
        for plan, _ in self.engines:
            for kind, names in fields_of(plan).items():
                fields.setdefault(kind, set()).update(names)
        wanted = [{kind for kind, _ in plan[0]} for plan, _ in self.engines]
        by_type: dict[str, list[Item]] = {kind: [] for kinds in wanted for kind in kinds}
        for fact in repository.facts(by_type):  # each fact made and encoded once
            kind = fact["type"]
            by_type[kind].append(Item(encode(fact), kind, {f: fact[f] for f in fields.get(kind, ()) if f in fact}))
        for n, (plan, engine) in enumerate(self.engines):
            items = [item for kind in sorted(wanted[n]) for item in by_type[kind]]
            for kind in wanted[n] - set().union(*wanted[n + 1:]):
                del by_type[kind]  # no later plan needs them
            seen: set[tuple[Any, ...]] = set()
            for members in sessions(plan, items):
                for firing in engine.evaluate_encoded([items[n].text for n in members]):
                    key = (firing.rule, firing.condition,
                           *(fact.get("uid") or fact.get("ptr") for fact in firing.facts.values()))
                    if key not in seen:
                        seen.add(key)
                        out.append(firing)
        return out


def _joined(messages: list[str]) -> str:
    """One finding per rule and place, as for the agreement rules: the messages of its firings, each part said
    once, sorted (a message alone as it is)."""
    if len(set(messages)) == 1:
        return messages[0]
    return "; ".join(sorted({part for text in messages for part in text.split("; ")}))


def registry_findings(registry: Registry, catalogue: Catalogue) -> list[Finding]:
    """The register's own problems as findings on the register file."""
    out = []
    for rule_id, line, col, text, ptr in registry.problems:
        rule = catalogue.by_key(rule_id)
        out.append(Finding(registry.path, line, col, rule_id, f"register: {text}", rule.name if rule else rule_id,
                           rule.severity if rule else "error", ptr))
    return sorted(out)
