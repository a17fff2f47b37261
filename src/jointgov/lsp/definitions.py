"""Ids: where each is defined, where it is referred to (go to definition, find references), and which ids a
field may name (completion). The fields that refer to ids are the format's own table,
``jointgov.pipeline.validate.REFERENCES``, which the checker's JG004 uses: the editor and the checker
agree on what is a reference."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jointgov.pipeline.locate import Locations, escape
from jointgov.pipeline.validate import REFERENCES
from jointgov.pipeline.waivers import ID_SECTIONS

NOUNS = {"parties": "party", "joint_posts": "joint post", "protocols": "protocol", "dispute_routes": "dispute route",
         "secondments": "secondment", "pooled_budgets": "pooled budget", "governance_bodies": "governance body"}
"""What an item of each section with ids is called."""


def items(data: Any) -> dict[str, tuple[str, int, dict[str, Any]]]:
    """Every item with an id: id → (section, index, item) (the first, when an id is repeated)."""
    found: dict[str, tuple[str, int, dict[str, Any]]] = {}
    for section in ID_SECTIONS:
        values = data.get(section) if isinstance(data, dict) else None
        for i, item in enumerate(values if isinstance(values, list) else []):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                found.setdefault(item["id"], (section, i, item))
    return found


def label(item: dict[str, Any]) -> str:
    """An item's name or title, for people."""
    for key in ("name", "title", "staff", "service"):
        if isinstance(item.get(key), str):
            return str(item[key])
    return ""


def reference_kinds(path: tuple[str, ...]) -> tuple[str, ...]:
    """The sections whose ids the field at *path* (list items as ``*``) may name; () for a field that names none."""
    joined = "/".join(path)
    for pattern, kinds in REFERENCES:
        if pattern == joined:
            return kinds
    return ()


def list_kinds(path: tuple[str, ...]) -> tuple[str, ...]:
    """The sections whose ids the items of the list at *path* may name (``decided_by``: parties)."""
    return reference_kinds((*path, "*"))


def defined_at(path: tuple[str, ...]) -> str:
    """The section of an item's ``id`` at *path* (``parties/*/id``), or ''."""
    return path[0] if len(path) == 3 and path[0] in ID_SECTIONS and path[1:] == ("*", "id") else ""


def _walk(data: Any, parts: list[str], ptr: str) -> Iterator[tuple[str, Any]]:
    if not parts:
        yield ptr, data
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        for i, item in enumerate(data if isinstance(data, list) else []):
            yield from _walk(item, rest, f"{ptr}/{i}")
    elif isinstance(data, dict) and head in data:
        yield from _walk(data[head], rest, f"{ptr}/{escape(head)}")


def definition(data: Any, name: str) -> str:
    """The JSON pointer of the ``id`` that defines *name*, or ''."""
    found = items(data).get(name)
    return f"/{found[0]}/{found[1]}/id" if found else ""


def references(data: Any, name: str) -> list[str]:
    """The JSON pointers of every field that names the id *name* as the kind of item it is."""
    found = items(data).get(name)
    if found is None:
        return []
    section = found[0]
    out = []
    for pattern, kinds in REFERENCES:
        if section in kinds:
            out += [ptr for ptr, value in _walk(data, pattern.split("/"), "") if value == name]
    return list(dict.fromkeys(out))


def position(locations: Locations, pointer: str) -> tuple[int, int] | None:
    """The 1-based position of the value at *pointer*, or None."""
    return locations.value.get(pointer)
