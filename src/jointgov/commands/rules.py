"""``jointgov rules``: the rule catalogue as a table, or as the Markdown reference (docs/rules.md)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from jointgov.model import EXIT_CLEAN


def run(rules_dirs: Sequence[str] = (), out: TextIO | None = None, markdown: bool = False) -> int:
    """Print the catalogue as a table (id, name, severity, area, title), or as the Markdown reference."""
    from jointgov.pipeline.catalogue import load_catalogue

    out = out or sys.stdout
    catalogue = load_catalogue(rules_dirs)
    if markdown:
        from jointgov.reporters.catalogue import rules_markdown

        out.write(rules_markdown(catalogue))
        return EXIT_CLEAN
    rules = catalogue.rules
    width = max(len(r.name) for r in rules)
    out.write(f"{'ID':<7} {'NAME':<{width}} {'SEVERITY':<8} {'AREA':<12} TITLE\n")
    for r in rules:
        out.write(f"{r.id:<7} {r.name:<{width}} {r.severity:<8} {r.area:<12} {r.title}\n")
    return EXIT_CLEAN
