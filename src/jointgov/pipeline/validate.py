"""Pipeline stage 2: check the document's form (JG003-JG006) and say what is wrong in plain words.

Schema errors from jsonschema are mapped back to the YAML marks kept by the
loader: a wrong value points at the value, a missing key at the mapping that
should hold it, an unknown key at the key itself (with a "did you mean").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from jointgov.model import Problem
from jointgov.pipeline.load import Loaded
from jointgov.pipeline.locate import escape
from jointgov.pipeline.scalars import BARE_WORDS

FORMAT_VERSION = 1


@cache
def agreement_schema() -> dict[str, Any]:
    """The JSON Schema of agreement format version 1, as shipped in the package (read only to say what is wrong)."""
    from importlib import resources

    text = resources.files("jointgov").joinpath("schemas/agreement-1.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(agreement_schema(), format_checker=FormatChecker(formats=["date"]))


@cache
def _fast_valid() -> Any:
    from jointgov.pipeline.fastschema import fast_validator

    return fast_validator("agreement-1.json")


def _close(word: str, options: list[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    """``difflib.get_close_matches``, imported only when there is something to suggest."""
    import difflib

    return difflib.get_close_matches(word, options, n=n, cutoff=cutoff)


def dotted(path: Any) -> str:
    """``joint_posts[0].removal.decided_by`` for the path (joint_posts, 0, removal, decided_by)."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the document"


def pointer(path: Any) -> str:
    """The JSON pointer of a path."""
    return "".join(f"/{escape(str(part))}" for part in path)


def describe(value: Any, raw: str | None = None) -> str:
    """Say what a value is, for "got ..." in messages."""
    if isinstance(value, bool):
        word = raw if raw in BARE_WORDS else str(value).lower()
        return f"{word} (a yes/no value)"
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, (int, float)):
        return f"the number {value:g}" if isinstance(value, float) else f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f'text "{shown}"'
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return "a mapping"


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    root = agreement_schema()
    while "$ref" in schema and isinstance(schema["$ref"], str) and schema["$ref"].startswith("#/$defs/"):
        schema = root["$defs"][schema["$ref"][len("#/$defs/"):]]
    return schema


def schema_at(path: Any) -> dict[str, Any]:
    """The (unresolved) schema that describes the value at *path*, or {}."""
    schema: dict[str, Any] = agreement_schema()
    for part in path:
        node = _resolve(schema)
        if isinstance(part, int):
            nxt = node.get("items")
        else:
            nxt = node.get("properties", {}).get(part)
        if nxt is None:
            for alt in node.get("anyOf", []):
                alt = _resolve(alt)
                nxt = alt.get("items") if isinstance(part, int) else alt.get("properties", {}).get(part)
                if nxt is not None:
                    break
        if not isinstance(nxt, dict):
            return {}
        schema = nxt
    return schema


def expected(path: Any) -> str:
    """The plain-words description of what the format expects at *path*."""
    schema = schema_at(path)
    text = schema.get("x-expected") or _resolve(schema).get("x-expected")
    return str(text) if text else "something else"


def _allowed_keys(path: Any) -> list[str]:
    return list(_resolve(schema_at(path)).get("properties", {}))


def _raw(loaded: Loaded, ptr: str) -> str | None:
    """The source text of a scalar, to tell ``no`` from ``false`` in messages."""
    where = loaded.locations.value.get(ptr)
    if where is None or not loaded.text:
        return None
    lines = loaded.text.splitlines()
    if where[0] - 1 >= len(lines):
        return None
    match = re.match(r"[^\s,\]\}#]+", lines[where[0] - 1][where[1] - 1:])
    return match.group(0) if match else None


def _schema_problems(loaded: Loaded) -> Iterator[Problem]:
    locs = loaded.locations
    for error in _validator().iter_errors(loaded.data):
        path = list(error.absolute_path)
        ptr = pointer(path)
        where = dotted(path)
        kind = error.validator
        if path[:1] == ["jointgov"]:
            continue  # the version is JG006's business
        if kind == "required":
            instance = error.instance if isinstance(error.instance, dict) else {}
            for name in error.validator_value:
                if name not in instance:
                    if not path and name == "jointgov":
                        continue
                    yield ("JG003", *locs.at(ptr), f"{where}: the required key '{name}' is missing",
                           f"{ptr}/{escape(name)}")
        elif kind == "additionalProperties":
            allowed = _allowed_keys(path)
            for name in error.instance:
                if name in allowed or name.startswith("x-"):
                    continue
                hint = _close(name, allowed, n=1, cutoff=0.6)
                tip = f"; did you mean '{hint[0]}'?" if hint else f"; the keys allowed here are: {', '.join(allowed)}"
                child = f"{ptr}/{escape(name)}"
                yield ("JG003", *locs.key.get(child, locs.at(ptr)),
                       f"{where}: unknown key '{name}'{tip} (keys starting x- are free for local use)", child)
        else:
            yield ("JG003", *locs.at(ptr), _value_message(loaded, error, path, ptr), ptr)


def _value_message(loaded: Loaded, error: Any, path: list[Any], ptr: str) -> str:
    """Plain words for an error about one value."""
    where, value, kind = dotted(path), error.instance, error.validator
    want = expected(path)
    raw = _raw(loaded, ptr) if isinstance(value, bool) else None
    if isinstance(value, bool) and raw in BARE_WORDS and "yes or no" not in want:
        return (f'{where}: expected {want}, got a bare {raw}, which YAML reads as {str(value).lower()}: '
                f'write "{raw}" in quotes if you mean the word')
    got = describe(value, raw)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) and "date" in want:
        return f"{where}: {value} is not a real calendar date (expected {want})"
    if kind == "not" and isinstance(value, str):
        return f"{where}: '{value}' is a reserved word in this format and cannot be used as an id"
    if kind == "enum" and isinstance(value, str):
        options = [str(x) for x in error.validator_value]
        hint = _close(value, options, n=1, cutoff=0.6)
        tip = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"{where}: expected {want}, got {got}{tip}"
    if kind == "format":
        return f"{where}: expected a real calendar date (YYYY-MM-DD), got {got}"
    if kind == "uniqueItems":
        return f"{where}: the list repeats an item"
    if kind in ("minItems", "maxItems"):
        return f"{where}: expected {want}, got {got}"
    return f"{where}: expected {want}, got {got}"


_KINDS = {
    "parties": "party", "joint_posts": "joint post", "protocols": "protocol", "dispute_routes": "dispute route",
    "secondments": "secondment", "pooled_budgets": "pooled budget", "governance_bodies": "governance body",
}
_FIXED_WORDS = frozenset({"any", "joint", "unknown", "mediator", "arbitrator", "expert", "court", "ministers",
                          "proportional", "host", "by-agreement"})

WORDS: dict[str, frozenset[str]] = {
    "joint_posts/*/employer": frozenset({"joint", "unknown"}),
    "joint_posts/*/roles/*/reports_to": frozenset({"unknown"}),
    "dispute_routes/*/steps/*/body": frozenset({"mediator", "arbitrator", "expert", "court", "ministers"}),
    "pooled_budgets/*/risk_share/overspend": frozenset({"proportional", "host", "by-agreement"}),
    "pooled_budgets/*/risk_share/underspend": frozenset({"proportional", "host", "by-agreement"}),
}
"""The reserved words a reference field may hold instead of an id; anywhere else a reserved word names nothing
(``employer: unknown`` on a secondment is not an employer: JG004)."""

# (path pattern, kinds of id it may name); "*" is any list index
REFERENCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("parties/*/superseded_by", ("parties",)),
    ("parties/*/superseded_by/*", ("parties",)),
    ("joint_posts/*/roles/*/party", ("parties",)),
    ("joint_posts/*/roles/*/reports_to", ("governance_bodies",)),
    ("joint_posts/*/employer", ("parties",)),
    ("joint_posts/*/protocol", ("protocols",)),
    ("joint_posts/*/removal/decided_by/*", ("parties",)),
    ("joint_posts/*/concerns_route", ("dispute_routes",)),
    ("protocols/*/agreed_by/*", ("parties",)),
    ("dispute_routes/*/agreed_by/*", ("parties",)),
    ("dispute_routes/*/steps/*/body", ("governance_bodies",)),
    ("dispute_routes/*/escalates_to", ("dispute_routes",)),
    ("secondments/*/employer", ("parties",)),
    ("secondments/*/host", ("parties",)),
    ("secondments/*/day_to_day_manager", ("parties",)),
    ("secondments/*/professional_line", ("parties",)),
    ("pooled_budgets/*/host", ("parties",)),
    ("pooled_budgets/*/contributions/*/party", ("parties",)),
    ("pooled_budgets/*/risk_share/overspend", ("parties",)),
    ("pooled_budgets/*/risk_share/underspend", ("parties",)),
    ("governance_bodies/*/parent", ("governance_bodies",)),
    ("governance_bodies/*/members/*/party", ("parties",)),
    ("governance_bodies/*/chair/party", ("parties",)),
    ("lead_providers/*/provider", ("parties",)),
    ("approvals/*/for", ("parties",)),
    ("lead_providers/*/commissioned_by", ("governance_bodies",)),
    ("outcomes/*/agreed_by/*", ("parties",)),
    ("triggers/*/decided_by/*", ("parties",)),
    ("triggers/*/route", ("dispute_routes",)),
    ("communication/owner", ("parties", "governance_bodies")),
    ("communication/crisis_protocol", ("protocols",)),
    ("waivers/*/approved_by", ("governance_bodies",)),
    ("waivers/*/target", tuple(_KINDS)),
    ("variations/*/agreed_by", ("governance_bodies",)),
)


def _walk(data: Any, parts: list[str], path: list[Any]) -> Iterator[tuple[list[Any], Any]]:
    if not parts:
        yield path, data
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(data, list):
            for i, item in enumerate(data):
                yield from _walk(item, rest, path + [i])
    elif isinstance(data, dict) and head in data:
        yield from _walk(data[head], rest, path + [head])


def _ids(data: dict[str, Any]) -> dict[str, list[tuple[str, list[Any]]]]:
    found: dict[str, list[tuple[str, list[Any]]]] = {}
    for section in _KINDS:
        items = data.get(section)
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                found.setdefault(section, []).append((item["id"], [section, i, "id"]))
    return found


def _reference_problems(loaded: Loaded) -> Iterator[Problem]:
    data, locs = loaded.data, loaded.locations
    ids = _ids(data)
    everything = {name: section for section, items in ids.items() for name, _ in items}
    seen: dict[str, list[Any]] = {}
    for section in _KINDS:
        for name, path in ids.get(section, []):
            if name in seen:
                first = seen[name]
                line = locs.at(pointer(first))[0]
                yield ("JG005", *locs.at(pointer(path)),
                       f"{dotted(path)}: the id '{name}' is already used by {dotted(first[:-1])} (line {line})",
                       pointer(path))
            else:
                seen[name] = path
    for pattern, kinds in REFERENCES:
        allowed = WORDS.get(pattern, frozenset())
        for path, value in _walk(data, pattern.split("/"), []):
            if not isinstance(value, str) or value in allowed:
                continue
            if value in _FIXED_WORDS:
                yield ("JG004", *locs.at(pointer(path)), f"{dotted(path)}: '{value}' is a reserved word with no "
                       f"meaning here: name {_what(kinds)} of this file" + (
                           ", or leave the field out if it is not known" if value == "unknown" else ""),
                       pointer(path))
                continue
            if any(value in {n for n, _ in ids.get(kind, [])} for kind in kinds):
                continue
            names = [n for kind in kinds for n, _ in ids.get(kind, [])]
            hint = _close(value, names, n=1, cutoff=0.6)
            what = _what(kinds, article=False)
            tip = f"; did you mean '{hint[0]}'?" if hint else ""
            if value in everything and not hint:
                tip = f" ('{value}' is a {_KINDS[everything[value]]})"
            yield ("JG004", *locs.at(pointer(path)),
                   f"{dotted(path)}: '{value}' names no {what} in this file{tip}", pointer(path))


def _what(kinds: tuple[str, ...], article: bool = True) -> str:
    """'a party or governance body' (or without the article: 'party or governance body'); 'item' for many."""
    what = " or ".join(_KINDS[k] for k in kinds) if len(kinds) < 3 else "item"
    return (("an " if what[0] in "aeiou" else "a ") + what) if article else what


def check_form(loaded: Loaded) -> tuple[list[Problem], bool]:
    """Check the version, schema, references and ids of a loaded document.

    Returns the problems and whether the document is sound enough for the
    rules to run on it (it reads as format version 1 and matches the schema).
    """
    data, locs = loaded.data, loaded.locations
    if data is None:
        if loaded.problems:
            return [], False
        return [("JG006", 1, 1, "the file is empty: an agreement starts with 'jointgov: 1'", "/jointgov")], False
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else describe(data)
        return [("JG003", 1, 1, f"the top level must be a mapping of sections (jointgov, agreement, parties, ...), "
                 f"got {kind}", "")], False
    if "jointgov" not in data:
        return [("JG006", 1, 1, "'jointgov: 1' is missing: the first key of an agreement gives the format version",
                 "/jointgov")], False
    version = data["jointgov"]
    if isinstance(version, bool) or not isinstance(version, (int, float)) or version != FORMAT_VERSION:
        return [("JG006", *locs.at("/jointgov"), f"jointgov: expected format version 1, got {describe(version)}: "
                 "this release reads version 1 only", "/jointgov")], False
    problems: list[Problem] = []
    if next(iter(data)) != "jointgov":
        problems.append(("JG006", *locs.key.get("/jointgov", (1, 1)),
                         "'jointgov: 1' must be the first key of the agreement", "/jointgov"))
    if not _fast_valid()(data):  # jsonschema only when something is wrong: it says what, in plain words
        problems.extend(_schema_problems(loaded))
    if any(p[0] == "JG003" for p in problems):
        return problems, False
    problems.extend(_reference_problems(loaded))
    return problems, True
