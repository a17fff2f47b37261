"""Completion of values: the ids the file defines where a field names one (parties for ``employer``,
``decided_by``, ``agreed_by`` and members; protocols; routes; bodies; budgets ...), the values a field
allows (its enumeration in the format), and rule ids in a waiver's ``rule``. Keys are left to
yaml-language-server, which completes them from the schema."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from jointgov.lsp.definitions import NOUNS, items, label, list_kinds, reference_kinds
from jointgov.lsp.diagnostics import Convert
from jointgov.lsp.hover import schema_path
from jointgov.lsp.text import Cursor
from jointgov.pipeline.catalogue import Catalogue
from jointgov.pipeline.validate import agreement_schema, schema_at


def enum_values(schema: dict[str, Any], depth: int = 0) -> list[str]:
    """The values a schema allows by enumeration (through ``$ref`` and ``anyOf``), in the schema's order."""
    if depth > 8 or not isinstance(schema, dict):
        return []
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return enum_values(agreement_schema()["$defs"][ref[len("#/$defs/"):]], depth + 1)
    out = [str(v).lower() if isinstance(v, bool) else str(v) for v in schema.get("enum", [])]
    if "const" in schema:
        out.append(str(schema["const"]))
    for alternative in (*schema.get("anyOf", []), *schema.get("oneOf", [])):
        out += enum_values(alternative, depth + 1)
    return list(dict.fromkeys(out))


def _items_schema(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        schema = agreement_schema()["$defs"][ref[len("#/$defs/"):]]
    found = schema.get("items")
    return found if isinstance(found, dict) else {}


def completions(where: Cursor, line_text: str, data: Any, catalogue: Catalogue | None, convert: Convert
                ) -> list[types.CompletionItem]:
    """What may be written at the cursor: ids, enumerated values, rule ids; [] on a key or in free text."""
    if where.on_key or not where.path:
        return []
    kinds = reference_kinds(where.path)
    schema = schema_at(schema_path(where.path))
    wrap = False
    if not kinds and not enum_values(schema):  # on a list's own line: complete its items as a flow list
        kinds = list_kinds(where.path)
        schema = _items_schema(schema) if schema else {}
        wrap = bool(kinds or enum_values(schema)) and line_text[where.start - 1:where.start] != "["
    choices: list[tuple[str, types.CompletionItemKind, str, str]] = []
    for name, (section, _, item) in items(data).items():
        if section in kinds:
            choices.append((name, types.CompletionItemKind.Reference, NOUNS[section], label(item)))
    for value in enum_values(schema):
        choices.append((value, types.CompletionItemKind.EnumMember, "value", ""))
    if where.path[0] == "waivers" and where.path[-1] == "rule" and catalogue is not None:
        choices += [(r.id, types.CompletionItemKind.Constant, r.name, r.title) for r in catalogue.rules
                    if not r.locked]
    space = " " if line_text[where.start - 1:where.start] == ":" else ""
    edit_range = types.Range(convert(where.line, where.start), convert(where.line, where.end))
    out = []
    for n, (value, kind, detail, documentation) in enumerate(choices):
        text = f"{space}[{value}]" if wrap else f"{space}{value}"
        out.append(types.CompletionItem(
            label=value, kind=kind, detail=f"{detail}: {documentation}" if documentation else detail,
            sort_text=f"{n:04d}", filter_text=value, text_edit=types.TextEdit(range=edit_range, new_text=text)))
    return out
