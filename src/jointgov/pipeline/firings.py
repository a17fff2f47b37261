"""Reading what fired: the clause a rule's ``at`` names, and its message with the bound facts filled in.

Rules (per agreement and repository-wide) and scenario transitions say where they point with an
``at`` expression and what they say with a message template, both over the facts a condition
bound to its aliases. Every user of the engine reads them through these functions.
"""

from __future__ import annotations

import re
from typing import Any

from jointgov.pipeline.catalogue import Rule
from jointgov.pipeline.engine import Firing

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\.([a-z0-9_]+)\}")
_IDS = re.compile(r"\{([a-z0-9][a-z0-9-]*)\}")
Bound = dict[str, dict[str, Any]]
"""The facts a condition bound, by alias."""


def target(at: str, bound: Bound) -> str:
    """The JSON pointer an ``at`` expression names: ``alias``, ``alias.field.sub`` or ``alias@ptr_field.sub``."""
    head, *path = at.split(".")
    alias, _, ptr_field = head.partition("@")
    fact = bound.get(alias, {})
    base = str(fact.get(ptr_field) if ptr_field else fact.get("ptr", ""))
    base = base.split("#", 1)[0]
    return base + "".join(f"/{p}" for p in path)


NAMED = {"parties": "name", "governance_bodies": "name", "joint_posts": "title", "protocols": "title"}
"""The lists whose items have a name for people, and the field that holds it."""


REFERRING = frozenset({
    "id", "party", "parties", "member_parties", "implied_parties", "decided_by", "removal_decided_by", "agreed_by",
    "approved_by", "employer", "host", "provider", "owner", "for", "target", "day_to_day_manager",
    "professional_line", "overspend", "underspend", "successor", "predecessor", "returns", "acting", "consent",
    "route", "escalates_to", "concerns_route", "body", "reports_to", "parent", "commissioned_by", "protocol",
    "crisis_protocol", "post", "budget",
})
"""The fields of facts whose values are ids of the file's items, said by their names in messages; any other
value (a kind, a status, a title) is said as it is, even when it happens to equal an id."""


def display_names(data: Any) -> dict[str, str]:
    """Each id of a party, governance body, joint post or protocol → what messages call it: its name (or title),
    with the id in brackets only when another item has the same name (ids are unique across a file)."""
    found: dict[str, str] = {}
    for section, field in NAMED.items():
        items = data.get(section) if isinstance(data, dict) else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get(field), str):
                found.setdefault(item["id"], " ".join(item[field].split()))
    shared = {name for name in found.values() if list(found.values()).count(name) > 1}
    return {ident: f"{name} ({ident})" if name in shared else name for ident, name in found.items()}


def render(template: str, bound: Bound, params: dict[str, Any], names: dict[str, str] | None = None) -> str:
    """A message template with ``{alias.field}`` and ``{param.name}`` filled in (absent: "(not given)"); a value
    that is the id of something *names* (``display_names``) names it, so do the items of a list."""
    names = names or {}

    def show(value: Any) -> str:
        text = str(value)
        return names.get(text, text)

    def sub(match: re.Match[str]) -> str:
        alias, name = match.groups()
        fact = bound.get(alias, {})
        # a bound successor standing in for the party the agreement names is said as such (``*_as``: a phrase
        # whose ids are in braces, each said by its name)
        said = None if alias == "param" else fact.get(f"{name}_as")
        if isinstance(said, str):
            return _IDS.sub(lambda m: show(m.group(1)), said)
        value = params.get(name) if alias == "param" else fact.get(name)
        if value is None:
            return "(not given)"
        if isinstance(value, bool):
            return "yes" if value else "no"
        said_by_name = show if alias != "param" and name in REFERRING else str  # a kind is never an item's name
        if isinstance(value, list):
            return ", ".join(map(said_by_name, value))
        if isinstance(value, str) and ", " in value and value not in names:  # ids joined (sim.returns)
            return ", ".join(map(said_by_name, value.split(", ")))
        return said_by_name(value)
    return _PLACEHOLDER.sub(sub, template)


def at_expression(rule: Rule, firing: Firing) -> str:
    """What a firing points at: its condition's ``at``, else the rule's, else its first alias."""
    return str(rule.match[firing.condition].get("at") or rule.at
               or next((a for a in firing.facts if not a.startswith("_")), ""))


def message(rule: Rule, firing: Firing, params: dict[str, dict[str, Any]], names: dict[str, str] | None = None
            ) -> str:
    """A firing's message: its condition's template, else the rule's, else its title, filled in with the
    bound facts and the rule's parameters (the run's overrides win); ids named by *names*."""
    template = rule.match[firing.condition].get("message") or rule.message or rule.title
    return render(template, firing.facts, rule.parameters | params.get(rule.id, {}), names)

