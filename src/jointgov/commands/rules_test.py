"""``jointgov rules test [DIR]``: run the inline examples of rule files.

Every rule must fire exactly where its failing examples say, and nowhere in its passing ones.
"""

from __future__ import annotations

import datetime as _dt
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from jointgov.config import split_keys
from jointgov.model import EXIT_CLEAN, EXIT_FINDINGS, FileResult, Finding, Limits, Options
from jointgov.pipeline.catalogue import Catalogue, Rule, load_catalogue
from jointgov.pipeline.checker import Checker, read_agreement

DEFAULT_AS_OF = _dt.date(2026, 1, 1)
"""The as-of date of an example that does not give one, so examples never age."""


@dataclass(frozen=True)
class ExampleResult:
    """The outcome of one example of one rule."""

    rule_id: str
    label: str
    ok: bool
    detail: str = ""


def run_examples(catalogue: Catalogue, rules: list[Rule]) -> list[ExampleResult]:
    """Check every example of *rules*; a rule with no failing or no passing example fails too."""
    checkers: dict[_dt.date, Checker] = {}
    results: list[ExampleResult] = []
    form_rules = {r.id for r in catalogue.rules if r.locked and not r.match}  # JG001-JG006: the form is broken
    for rule in rules:
        for kind in ("fail", "pass"):
            examples = rule.examples.get(kind, [])
            if not examples:
                results.append(ExampleResult(rule.id, f"({kind})", False, f"the rule has no '{kind}' example"))
            for n, example in enumerate(examples, 1):
                as_of = _dt.date.fromisoformat(example.get("as_of", DEFAULT_AS_OF.isoformat()))
                checker = checkers.get(as_of) or checkers.setdefault(as_of, Checker(catalogue, Options(as_of=as_of)))
                label = f"{kind} #{n}" + (f" ({example['name']})" if example.get("name") else "")
                mine: tuple[tuple[Any, ...], ...]
                expected: tuple[tuple[Any, ...], ...]
                if "agreements" in example:  # a repository rule: several files and a register
                    found = _repository_findings(catalogue, rule, example, as_of)
                    mine = tuple(sorted({(f.path, f.line, f.column) for f in found if f.rule_id == rule.id}))
                    expected = tuple(sorted((str(a), int(b), int(c)) for a, b, c in example.get("expect", [])))
                    judged = not any(f.rule_id in form_rules for f in found)
                else:
                    display = f"{rule.id}:{kind}#{n}"
                    result = (_scenario_result(checker, rule, example, display) if rule.level == "scenario"
                              else checker.check_bytes(example["agreement"].encode("utf-8"), display))
                    found, judged = result.findings, result.rules_run
                    mine = tuple(sorted({(f.line, f.column) for f in found if f.rule_id == rule.id}))
                    expected = tuple(sorted((int(a), int(b)) for a, b in example.get("expect", [])))
                # the example must be an agreement the rules judge (a reference to nothing does not stop them)
                broken = [] if judged else [f for f in found if f.rule_id in form_rules and f.rule_id != rule.id]
                if broken and rule.id not in form_rules:
                    first = broken[0]
                    detail = f"the example is not a valid agreement: {first.line}:{first.column} {first.rule_id} " \
                             f"{first.message}"
                    results.append(ExampleResult(rule.id, label, False, detail))
                elif kind == "fail" and (mine != expected or not expected):
                    detail = f"expected the rule at {list(expected)}, it fired at {list(mine)}"
                    results.append(ExampleResult(rule.id, label, False, detail))
                elif kind == "pass" and mine:
                    results.append(ExampleResult(rule.id, label, False, f"the rule fired at {list(mine)}"))
                else:
                    results.append(ExampleResult(rule.id, label, True))
    return results


def _scenario_result(checker: Checker, rule: Rule, example: dict[str, Any], display: str) -> FileResult:
    """Check an agreement with its stress scenarios, as ``check --simulate`` does."""
    from jointgov.pipeline.checker import read_agreement
    from jointgov.simulation.findings import scenario_findings
    from jointgov.simulation.machine import Simulator
    from jointgov.simulation.scenarios import load_scenarios

    doc = read_agreement(example["agreement"].encode("utf-8"), display, checker.options.limits)
    simulation = Simulator(load_scenarios(), checker.options.as_of, checker.options.limits).simulate_document(doc)
    extra = scenario_findings(simulation, [rule], checker.severity)
    return checker.check_document(doc, extra, [rule.id])


def _repository_findings(catalogue: Catalogue, rule: Rule, example: dict[str, Any], as_of: _dt.date) -> list[Finding]:
    """Check the files of a repository example: each agreement on its own (read once), then the repository rules."""
    from jointgov.repository.checker import RepositoryChecker, registry_findings
    from jointgov.repository.facts import Entry, entry
    from jointgov.repository.register import parse

    checker = Checker(catalogue, Options(as_of=as_of))
    repository = RepositoryChecker(catalogue, [r for r in catalogue.rules if r.level == "repository"])
    register = parse(example["registry"].encode("utf-8"), "registry.yaml") if example.get("registry") else None
    found: list[Finding] = []
    entries: list[Entry] = []
    for name, text in sorted(example["agreements"].items()):
        doc = read_agreement(text.encode("utf-8"), name, Limits())
        found.extend(checker.check_document(doc).findings)
        if doc.sound:
            entries.append(entry(doc, as_of, repository.suffixes()))
    if register is not None:
        found.extend(registry_findings(register, catalogue))
    return found + repository.check(entries, register, as_of)[0]


def run(directory: str | None = None, select: Iterable[str] = (), out: TextIO | None = None) -> int:
    """Run the inline examples of the rules (of *directory*, or the built-in ones)."""
    out = out or sys.stdout
    catalogue = load_catalogue([directory] if directory else [])
    keys = split_keys(select)
    wanted = [r for r in catalogue.rules if (directory is None or Path(r.path).parent == Path(directory))
              and (not keys or r.id in keys or r.name in keys)]
    results = run_examples(catalogue, wanted)
    failed = [r for r in results if not r.ok]
    for result in results:
        out.write(f"{'ok  ' if result.ok else 'FAIL'} {result.rule_id} {result.label}"
                  f"{'' if result.ok else ': ' + result.detail}\n")
    out.write(f"{len(results) - len(failed)} passed, {len(failed)} failed\n")
    return EXIT_FINDINGS if failed else EXIT_CLEAN
