"""Hover: on a finding, the rule's rationale, evidence and remediation as ``jointgov explain`` gives them; on a
field, its meaning from the format (the JSON Schema's descriptions); on an id, what it names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jointgov.lsp.definitions import NOUNS, items, label
from jointgov.lsp.diagnostics import span
from jointgov.lsp.text import Cursor
from jointgov.model import Finding
from jointgov.pipeline.catalogue import Catalogue, Rule
from jointgov.pipeline.validate import agreement_schema, schema_at


def explanation(rule: Rule, severity: str | None = None) -> str:
    """A rule as ``jointgov explain`` says it, without the examples, in Markdown."""
    from jointgov.reporters.sources import evidence_text

    parts = [f"**{rule.id} {rule.name}** ({severity or rule.severity}, {rule.area}): {rule.title}",
             *([f"**Checks.** {rule.checks}"] if rule.checks else []), f"**Why.** {rule.rationale}"]
    if rule.evidence:
        parts.append("**Evidence.**\n" + "\n".join(f"- {evidence_text(item)}" for item in rule.evidence))
    parts.append(f"**Fix.** {rule.remediation}")
    if rule.parameters:
        parts.append("**Parameters.** " + ", ".join(f"{k} = {v}" for k, v in rule.parameters.items()))
    return "\n\n".join(parts)


def findings_at(findings: Iterable[Finding], lines: list[str], line: int, column: int) -> list[Finding]:
    """The findings whose span holds the 0-based (*line*, *column*)."""
    out = []
    for finding in findings:
        row, start, end = span(lines, finding.line, finding.column)
        if row == line and start <= column <= end:
            out.append(finding)
    return out


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    defs = agreement_schema()["$defs"]
    while isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#/$defs/"):
        schema = defs[schema["$ref"][len("#/$defs/"):]]
    return schema


def schema_path(path: Iterable[str]) -> list[Any]:
    """A cursor's path as the schema's: a list item (``*``) as index 0."""
    return [0 if part == "*" else part for part in path]


def field_text(path: tuple[str, ...]) -> str:
    """What the format says of the field at *path*: its description, what it expects, its values."""
    if not path or path[-1].startswith("x-"):
        return "A local extension (`x-`): free for the authors' own use, read by no rule." if path else ""
    schema = schema_at(schema_path(path))
    if not schema:
        return ""
    resolved = _resolve(schema)
    description = schema.get("description") or resolved.get("description") or ""
    expected = schema.get("x-expected") or resolved.get("x-expected") or ""
    name = ".".join(p for p in path if p != "*")
    text = f"**{name}**: {description}" if description else f"**{name}**"
    if expected:
        text += f"\n\nExpected: {expected}."
    return text


def id_text(word: str, data: Any) -> str:
    """What the id *word* names in the file, if anything: ``party lbbd: London Borough of ... (local-authority)``."""
    found = items(data).get(word)
    if found is None:
        return ""
    section, _, item = found
    text = f"{NOUNS[section]} `{word}`"
    name = label(item)
    if name:
        text += f": {name}"
    if isinstance(item.get("kind"), str):
        text += f" ({item['kind']})"
    return text


def hover_text(where: Cursor, line_findings: list[Finding], catalogue: Catalogue | None, data: Any) -> str:
    """The hover at a cursor: the rules of the findings there, then the field's meaning, then the id's."""
    parts: list[str] = []
    for finding in line_findings:
        rule = catalogue.by_key(finding.rule_id) if catalogue is not None else None
        head = f"{finding.message}"
        parts.append(f"{head}\n\n{explanation(rule, finding.severity)}" if rule else head)
    if where.on_key or where.path:
        described = field_text(where.path)
        if described:
            parts.append(described)
    if not where.on_key and where.word:
        named = id_text(where.word, data)
        if named:
            parts.append(named)
    return "\n\n---\n\n".join(parts)
