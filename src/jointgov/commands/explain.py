"""``jointgov explain RULE``: one rule's rationale, evidence, remediation, parameters and examples."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from jointgov.model import EXIT_CLEAN, ConfigError


def run(key: str, rules_dirs: Sequence[str] = (), out: TextIO | None = None) -> int:
    """Print one rule: rationale, evidence, remediation and its examples."""
    from jointgov.pipeline.catalogue import load_catalogue

    out = out or sys.stdout
    catalogue = load_catalogue(rules_dirs)
    rule = catalogue.by_key(key) or catalogue.by_key(key.upper())
    if rule is None:
        raise ConfigError(f"unknown rule '{key}' (see 'jointgov rules')")
    out.write(f"{rule.id} {rule.name} ({rule.severity}, {rule.area})\n{rule.title}\n\n")
    if rule.checks:
        out.write(f"Checks:\n  {rule.checks}\n\n")
    out.write(f"Why:\n  {rule.rationale}\n\n")
    if rule.evidence:
        out.write("Evidence:\n")
        from jointgov.reporters.sources import evidence_text

        for item in rule.evidence:
            out.write(f"  - {evidence_text(item)}\n")
        out.write("\n")
    out.write(f"Fix:\n  {rule.remediation}\n")
    if rule.parameters:
        out.write("\nParameters: " + ", ".join(f"{k} = {v}" for k, v in rule.parameters.items()) + "\n")
    from jointgov.reporters.catalogue import example_files, example_heading

    for kind, label in (("fail", "Fails"), ("pass", "Passes")):
        for example in rule.examples.get(kind, []):
            out.write(f"\n{example_heading(label, example)}\n")
            for name, text in example_files(example):
                if name:
                    out.write(f"  {name}:\n")
                for n, line in enumerate(text.rstrip("\n").split("\n"), 1):
                    out.write(f"  {n:>3} | {line}\n")
    return EXIT_CLEAN
