"""Blanks left to fill: text still reading TODO, and empty lists of the parties that decide or agree.

``jointgov init`` writes "TODO: ..." texts and empty ``decided_by``/``agreed_by`` lists for the authors
to replace; each one left becomes a ``placeholder`` fact (rule JG007), located at the value, with the
place named in words (``trigger 'reorganisation': decided_by``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from jointgov.pipeline.locate import escape

Fact = dict[str, Any]

PLACEHOLDER_WORDS = re.compile(r"\b(TODO|TBC|TBD|FIXME)\b")
"""Words that mark text still to be written (``jointgov init`` writes "TODO: ..." texts)."""
DECIDERS = frozenset({"decided_by", "agreed_by"})
"""Lists of parties that decide or agree: an empty one is a blank left to fill, never "nobody"."""
_SECTION_NOUN = {
    "agreement": "the agreement", "parties": "party", "approvals": "approval", "consultations": "consultation",
    "joint_posts": "joint post", "protocols": "protocol", "dispute_routes": "dispute route",
    "secondments": "secondment", "pooled_budgets": "pooled budget", "governance_bodies": "governance body",
    "lead_providers": "lead provider", "outcomes": "outcome", "triggers": "trigger", "waivers": "waiver",
    "variations": "variation",
}
_ITEM_NAME = ("id", "event", "indicator", "service", "by", "with", "rule", "clause")


def placeholders(data: dict[str, Any]) -> Iterator[Fact]:
    """One ``placeholder`` fact per text still reading TODO (TBC, TBD, FIXME) and per empty list of parties
    that decide or agree; ``x-`` keys are the authors' own and are not read."""
    stack: list[tuple[str, Any, str, str]] = [("", data, "", "")]
    while stack:
        ptr, value, key, item = stack.pop()
        if isinstance(value, dict):
            if ptr.count("/") == 2 and ptr.split("/")[1] in _SECTION_NOUN:
                item = ptr
            stack.extend((f"{ptr}/{escape(str(k))}", v, str(k), item) for k, v in reversed(list(value.items()))
                         if not str(k).startswith("x-"))
        elif isinstance(value, list):
            if not value and key in DECIDERS:
                yield {"type": "placeholder", "ptr": f"{ptr}#placeholder", "kind": "empty-list", "field": key,
                       "item": item, "where": _where(data, ptr)}
            stack.extend((f"{ptr}/{i}", v, key, item) for i, v in reversed(list(enumerate(value))))
        elif isinstance(value, str) and PLACEHOLDER_WORDS.search(value):
            yield {"type": "placeholder", "ptr": f"{ptr}#placeholder", "kind": "text", "field": key, "item": item,
                   "where": _where(data, ptr), "text": value if len(value) <= 80 else value[:77] + "..."}


def _where(data: dict[str, Any], ptr: str) -> str:
    """Where a value is, in words: ``trigger 'reorganisation': decided_by``, ``the agreement: aims``."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in ptr.split("/")[1:]]
    section = parts[0] if parts else ""
    if section in _SECTION_NOUN and len(parts) > 1 and parts[1].isdigit():
        item = _as_list(data.get(section))[int(parts[1])]
        name = next((str(item[k]) for k in _ITEM_NAME if isinstance(item, dict) and isinstance(item.get(k), str)
                     and not PLACEHOLDER_WORDS.search(item[k])), str(int(parts[1]) + 1))
        head, rest = f"{_SECTION_NOUN[section]} '{name}'", parts[2:]
    elif section in _SECTION_NOUN:
        head, rest = _SECTION_NOUN[section], parts[1:]
    else:
        head, rest = section.replace("_", " "), parts[1:]
    words = ".".join(p if not p.isdigit() else f"[{int(p) + 1}]" for p in rest).replace(".[", "[")
    return f"{head}: {words}" if words else head


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
