"""Compile a rule's declarative conditions into durable-rules ruleset definitions.

A condition is a list of patterns, each matching one fact by its type and
field tests, optionally correlated with facts matched earlier (``$post.id``),
or a ``none:`` pattern that must match no fact. The compiler applies the
engine's workarounds (docs: ../shared/notes/durable-rules.md) so that rule
authors never meet them:

* every rule with a ``none:`` pattern starts with the end-of-document marker,
  which the engine asserts last (durable-rules issue #402: ``none()`` is
  order-sensitive);
* an ``$and`` holding a correlated ``<``/``<=``/``>``/``>=``/``!=`` test ends with
  an always-true correlated term, and such an ``$or`` with an always-false one
  (issue #381: heap over-read, segfault);
* aliases are renamed ``a0``, ``a1``... so none can shadow an attribute of the
  action context (``s``, ``m``, ``post``, ``host``...);
* a fact type test comes first in every pattern, so no pattern is a bare
  ``$nex`` (which hangs the engine).

Absent fields: ``ne``, ``not_in`` and ``lacks`` count an absent field as
different, not containing; every other test fails on an absent field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FACT_TYPES = frozenset({
    "run", "document", "party", "succession", "protocol", "route", "step", "outcome", "trigger", "assent",
    "post", "role", "post_route", "secondment", "budget", "contribution", "body", "member", "lead_provider",
    "approval", "consultation", "successors", "review", "exit", "communication", "clauses", "waiver",
})
OPS = frozenset({"eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "exists", "has", "lacks", "matches",
                 "imatches"})
END_MARKER = "$end"
_COMPARE = {"lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}


class ConditionError(ValueError):
    """A condition that cannot be compiled; the message names the offending part."""


@dataclass
class Compiled:
    """One durable-rules rule compiled from one condition of a rule file."""

    definition: dict[str, Any]
    aliases: dict[str, str] = field(default_factory=dict)
    """User alias -> internal alias, for the positive patterns (those an action receives)."""


@dataclass
class _Context:
    params: dict[str, Any]
    known: dict[str, str]  # user alias -> internal alias, patterns so far
    first: str = ""        # internal alias of the first pattern, for guard terms
    correlated_compare: bool = False


def _value(ctx: _Context, value: Any) -> tuple[Any, bool]:
    """A literal, a ``$param.x`` (substituted) or a ``$alias.field`` reference (correlated)."""
    if isinstance(value, str) and value.startswith("$"):
        head, _, rest = value[1:].partition(".")
        if head == "param":
            if rest not in ctx.params:
                raise ConditionError(f"{value}: the rule has no parameter '{rest}'")
            return ctx.params[rest], False
        if head not in ctx.known or not rest:
            raise ConditionError(f"{value}: '{head}' is not a pattern before this one")
        return {ctx.known[head]: rest}, True
    return value, False


def _guard_and(ctx: _Context) -> dict[str, Any]:
    return {"_": {ctx.first: "_"}}


def _guard_or(ctx: _Context) -> dict[str, Any]:
    return {"$neq": {"_": {ctx.first: "_"}}}


def _or(ctx: _Context, terms: list[Any], correlated: bool) -> dict[str, Any]:
    if correlated:
        terms = terms + [_guard_or(ctx)]
    return {"$or": terms}


def _test(ctx: _Context, name: str, op: str, raw: Any) -> dict[str, Any]:
    """One field test as a durable-rules expression."""
    if op == "exists":
        return {"$ex" if raw else "$nex": {name: 1}}
    if op in ("in", "not_in", "has", "lacks") and not isinstance(raw, list):
        raw = [raw]
    if op in ("in", "not_in"):
        values = [_value(ctx, v) for v in raw]
        correlated = any(c for _, c in values)
        if op == "in":
            return _or(ctx, [{name: v} for v, _ in values], correlated) if len(values) > 1 else {name: values[0][0]}
        ctx.correlated_compare |= correlated
        return _or(ctx, [{"$nex": {name: 1}}, {"$and": [{"$neq": {name: v}} for v, _ in values]}], correlated)
    if op == "has":
        return _or(ctx, [{"$iany": {name: {"$i": _value(ctx, v)[0]}}} for v in raw], False) \
            if len(raw) > 1 else {"$iany": {name: {"$i": _value(ctx, raw[0])[0]}}}
    if op == "lacks":
        return {"$and": [{"$or": [{"$nex": {name: 1}}, {"$iall": {name: {"$neq": {"$i": _value(ctx, v)[0]}}}}]}
                         for v in raw]}
    value, correlated = _value(ctx, raw)
    if op == "eq":
        return {name: value}
    if op == "ne":
        ctx.correlated_compare |= correlated
        return _or(ctx, [{"$nex": {name: 1}}, {"$neq": {name: value}}], correlated)
    if op in _COMPARE:
        ctx.correlated_compare |= correlated
        return {_COMPARE[op]: {name: value}}
    if op in ("matches", "imatches"):
        return {"$mt" if op == "matches" else "$imt": {name: value}}
    raise ConditionError(f"{name}: unknown test '{op}' (tests: {', '.join(sorted(OPS))})")


def _tests(ctx: _Context, where: Any) -> list[dict[str, Any]]:
    if where is None:
        return []
    if not isinstance(where, dict):
        raise ConditionError("field tests must be a mapping of field names to values or tests")
    terms: list[dict[str, Any]] = []
    for name, spec in where.items():
        if name in ("any_of", "all_of"):
            if not isinstance(spec, list) or not spec:
                raise ConditionError(f"{name} takes a list of field-test mappings")
            groups = [_tests(ctx, item) for item in spec]
            parts = [{"$and": g} if len(g) > 1 else g[0] for g in groups if g]
            terms.append({"$or": parts + ([_guard_or(ctx)] if ctx.correlated_compare else [])}
                         if name == "any_of" else {"$and": parts})
        elif isinstance(spec, dict):
            for op, raw in spec.items():
                terms.append(_test(ctx, name, op, raw))
        else:
            terms.append(_test(ctx, name, "eq", spec))
    return terms


def parse_pattern(item: Any) -> tuple[str, str, Any, bool]:
    """(fact type, user alias, field tests, negated) of one ``when`` item."""
    if not isinstance(item, dict) or not item:
        raise ConditionError("each item of 'when' is a mapping such as {post: {...}} or {none: {...}}")
    negated = False
    if set(item) == {"none"}:
        negated, item = True, item["none"]
        if not isinstance(item, dict):
            raise ConditionError("'none' takes one pattern, e.g. none: {protocol: {id: $post.protocol}}")
    if "fact" in item:
        kind, alias, where = item["fact"], item.get("as", item["fact"]), item.get("where")
    elif len(item) == 1:
        kind, where = next(iter(item.items()))
        alias = kind
    else:
        raise ConditionError(f"a pattern names one fact type, got {', '.join(map(str, item))}")
    if kind not in FACT_TYPES:
        raise ConditionError(f"unknown fact type '{kind}' (types: {', '.join(sorted(FACT_TYPES))})")
    return str(kind), str(alias), where, negated


def compile_condition(when: list[Any], params: dict[str, Any], scope: dict[str, Any] | None) -> Compiled:
    """Compile one ``when`` list into a durable-rules rule definition (without its action)."""
    if not isinstance(when, list) or not when:
        raise ConditionError("'when' is a non-empty list of patterns")
    patterns = [parse_pattern(item) for item in when]
    if scope:
        patterns.insert(0, ("document", "_scope", scope, False))
    if patterns[0][3]:
        patterns.insert(0, ("run", "_run", None, False))  # a negation needs something positive before it
    ctx = _Context(params=params, known={})
    all_: list[dict[str, Any]] = []
    if any(p[3] for p in patterns):
        all_.append({"eod": {"type": END_MARKER}})
        ctx.first = "eod"
    compiled = Compiled(definition={})
    for index, (kind, alias, where, negated) in enumerate(patterns):
        internal = f"a{index}"
        ctx.correlated_compare = False
        terms = [{"type": kind}] + _tests(ctx, where)
        if ctx.correlated_compare:
            terms.append(_guard_and(ctx))
        expr = {"$and": terms} if len(terms) > 1 else terms[0]
        all_.append({f"{internal}$not" if negated else internal: expr})
        if not negated:
            if alias in ctx.known:
                raise ConditionError(f"the alias '{alias}' is used twice: name one with 'as'")
            ctx.known[alias] = internal
            compiled.aliases[alias] = internal
            if not ctx.first:
                ctx.first = internal
    if len(all_) > 16:
        raise ConditionError("a condition may have at most 16 patterns")
    compiled.definition = {"all": all_}
    return compiled
