"""Generate docs/rules.md from the rule files (``jointgov rules --format markdown``)."""

from __future__ import annotations

from jointgov.catalogue import Catalogue
from jointgov.sources import evidence_text

_AREAS = {
    "document": "Reading the document", "joint-posts": "Joint posts", "disputes": "Disputes",
    "parties": "Parties, successors, approvals", "money": "Money", "staff": "Staff",
    "governance": "Governance and outcomes", "statutory": "Statutory content",
}


def rules_markdown(catalogue: Catalogue) -> str:
    """The whole catalogue as Markdown: an index, then each rule with evidence and examples."""
    lines = ["# Rule catalogue", "",
             "Generated from the rule files in `rules/` by `jointgov rules --format markdown`;",
             "do not edit by hand (a test fails when this file is stale). Evidence is cited in full;",
             "the sources are listed in [sources.md](sources.md).", "",
             "| id | name | severity | title |", "| --- | --- | --- | --- |"]
    for r in catalogue.rules:
        lines.append(f"| [{r.id}](#{r.id.lower()}-{r.name}) | `{r.name}` | {r.severity} | {r.title} |")
    area = None
    for r in catalogue.rules:
        if r.area != area:
            area = r.area
            lines += ["", f"## {_AREAS.get(area, area)}"]
        lines += ["", f"### {r.id} {r.name}", "", f"**{r.severity}** · {r.title}", "", r.rationale, ""]
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
                where = ", ".join(":".join(map(str, spot)) for spot in example.get("expect", []))
                title = example.get("name", "")
                head = f"{label}" + (f": {title}" if title else "") + (f" (fires at {where})" if where else "")
                files = [("", example["agreement"])] if "agreement" in example else [
                    *([("registry.yaml", example["registry"])] if example.get("registry") else []),
                    *sorted(example["agreements"].items())]
                lines += [f"<details><summary>{head}</summary>", ""]
                for name, text in files:
                    lines += [f"`{name}`:", ""] if name else []
                    lines += ["```yaml", text.rstrip("\n"), "```", ""]
                lines += ["</details>", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
