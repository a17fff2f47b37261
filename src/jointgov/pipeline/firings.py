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


def render(template: str, bound: Bound, params: dict[str, Any]) -> str:
    """A message template with ``{alias.field}`` and ``{param.name}`` filled in (absent: "(not given)")."""
    def sub(match: re.Match[str]) -> str:
        alias, name = match.groups()
        fact = bound.get(alias, {})
        # a bound successor standing in for the party the agreement names is said as such (``*_as``)
        value = params.get(name) if alias == "param" else fact.get(f"{name}_as") or fact.get(name)
        if value is None:
            return "(not given)"
        if isinstance(value, list):
            return ", ".join(map(str, value))
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)
    return _PLACEHOLDER.sub(sub, template)


def at_expression(rule: Rule, firing: Firing) -> str:
    """What a firing points at: its condition's ``at``, else the rule's, else its first alias."""
    return str(rule.match[firing.condition].get("at") or rule.at
               or next((a for a in firing.facts if not a.startswith("_")), ""))


def message(rule: Rule, firing: Firing, params: dict[str, dict[str, Any]]) -> str:
    """A firing's message: its condition's template, else the rule's, else its title, filled in with the
    bound facts and the rule's parameters (the run's overrides win)."""
    template = rule.match[firing.condition].get("message") or rule.message or rule.title
    return render(template, firing.facts, rule.parameters | params.get(rule.id, {}))

