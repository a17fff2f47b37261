"""Generate docs/rules.md from the rule files (``jointgov rules --format markdown``).

Rules are grouped by area, in the order of the area table reports use (``jointgov.model.AREAS``;
an area it does not know comes after, under its own name), and by id within an area: each area has
one heading.
"""

from __future__ import annotations

from typing import Any

from jointgov.model import AREAS
from jointgov.pipeline.catalogue import Catalogue, Rule
from jointgov.reporters.sources import evidence_text


def by_area(rules: list[Rule]) -> list[tuple[str, list[Rule]]]:
    """(heading, rules) per area: the known areas in their order, then the others as they first appear."""
    order = [*AREAS, *dict.fromkeys(r.area for r in rules if r.area not in AREAS)]
    return [(AREAS.get(area, area), [r for r in rules if r.area == area]) for area in order
            if any(r.area == area for r in rules)]


def rules_markdown(catalogue: Catalogue) -> str:
    """The whole catalogue as Markdown: an index, then each rule with evidence and examples."""
    lines = ["# Rule catalogue", "",
             "Generated from the rule files in `rules/` by `jointgov rules --format markdown`;",
             "do not edit by hand (a test fails when this file is stale).", "",
             "| id | name | severity | title |", "| --- | --- | --- | --- |"]
    for r in catalogue.rules:
        lines.append(f"| [{r.id}](#{r.id.lower()}-{r.name}) | `{r.name}` | {r.severity} | {r.title} |")
    for heading, rules in by_area(catalogue.rules):
        lines += ["", f"## {heading}"]
        for r in rules:
            lines += _rule(r)
    return "\n".join(lines).rstrip("\n") + "\n"


def example_heading(label: str, example: dict[str, Any]) -> str:
    """'Fails: its name (fires at 14:5, a.yaml:7:5)': an example's label, name and expected spots."""
    where = ", ".join(":".join(map(str, spot)) for spot in example.get("expect", []))
    title = example.get("name", "")
    return label + (f": {title}" if title else "") + (f" (fires at {where})" if where else "")


def example_files(example: dict[str, Any]) -> list[tuple[str, str]]:
    """An example's files as (name, text): one unnamed agreement, or the register and the named agreements of a
    repository rule's example."""
    if "agreement" in example:
        return [("", example["agreement"])]
    return [*([("registry.yaml", example["registry"])] if example.get("registry") else []),
            *sorted(example.get("agreements", {}).items())]


def _rule(r: Rule) -> list[str]:
    """One rule's section: rationale, evidence, fix, parameters, scope and examples."""
    lines: list[str] = []
    lines += ["", f"### {r.id} {r.name}", "", f"**{r.severity}** · {r.title}", ""]
    lines += [f"**Checks:** {r.checks}", ""] if r.checks else []
    lines += [r.rationale, ""]
    for item in r.evidence:
        lines.append(f"- Evidence: {evidence_text(item, '“', '”')}")
    if r.evidence:
        lines.append("")
    lines += [f"**Fix:** {r.remediation}", ""]
    if r.parameters:
        lines += ["**Parameters:** " + ", ".join(f"`{k}` = {v}" for k, v in r.parameters.items()), ""]
    if r.level == "repository":
        lines += ["**Runs across agreements**: when a check covers a directory or a register is present.", ""]
    if r.scope:
        lines += ["**Applies when:** " + ", ".join(f"`{k}: {v}`" for k, v in r.scope.items()), ""]
    for kind, label in (("fail", "Fails"), ("pass", "Passes")):
        for example in r.examples.get(kind, []):
            lines += [f"<details><summary>{example_heading(label, example)}</summary>", ""]
            for name, text in example_files(example):
                lines += [f"`{name}`:", ""] if name else []
                lines += ["```yaml", text.rstrip("\n"), "```", ""]
            lines += ["</details>", ""]
    return lines
