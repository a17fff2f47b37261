"""Compile a rule's declarative conditions into durable-rules ruleset definitions.

A condition is a list of patterns, each matching one fact by its type and
field tests, optionally correlated with facts matched earlier (``$post.id``),
or a ``none:`` pattern that must match no fact. The compiler applies the
engine's workarounds so that rule authors never meet them (each has a test in
tests/test_engine_workarounds.py; see docs/engine.md):

* every rule with a ``none:`` pattern starts with the end-of-document marker,
  which the engine asserts last (issue #402: ``none()`` is order-sensitive);
* no correlated term (``$alias.field``) is ever inside an ``$or`` (there, an
  equality with an absent field fails with error 311, aborts or segfaults, and
  misses matches when present): an ``any_of`` or ``in:`` holding one becomes one
  variant per alternative, or several ``none`` patterns (``none(A or B)`` is
  ``none(A) and none(B)``);
* a correlated comparison (``ne``, ``lt``, ``le``, ``gt``, ``ge``, or ``not_in``
  with a reference) is evaluated only where both fields are present (else error
  311 or a corrupt heap): the condition is split by field presence into
  variants, giving every test its documented meaning there;
* a value the engine would refuse (a list or mapping, infinity, more than 64
  bits, ``in: []``, a ``$`` field) is a ConditionError, located in ``when``;
* an ``$and`` holding a correlated comparison ends with an always-true
  correlated term (issue #381: heap over-read), and the terms of a pattern are
  emitted in a fixed order: type, joins, comparisons, literal tests, ``$or``
  groups, guard;
* aliases are renamed ``a0``, ``a1``... so none can shadow an attribute of the
  action context (``s``, ``m``, ``post``, ``host``...);
* a fact type test comes first in every pattern, so no pattern is a bare
  ``$nex`` (which hangs the engine);
* the engine uses a fact's ``id`` property as its identity, so the field a
  rule calls ``id`` is stored and matched as ``id_`` (``ENGINE_FIELDS``).

Absent fields: ``ne``, ``not_in`` and ``lacks`` count an absent field (on
either side) as different, not containing; every other test fails on one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from jointgov.pipeline.facts import END_MARKER, ENGINE_FIELDS

FACT_TYPES = frozenset({
    "run", "document", "party", "succession", "protocol", "route", "step", "outcome", "trigger", "assent",
    "post", "role", "post_route", "secondment", "budget", "contribution", "body", "member", "lead_provider",
    "approval", "consultation", "successors", "review", "exit", "communication", "clauses", "waiver",
    "variation", "body_party", "placeholder", "sim", "affected", "agreement", "org", "xparty", "xsuccession",
    "xpost", "xlead",
})
OPS = frozenset({"eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "exists", "has", "lacks", "matches",
                 "imatches"})
MAX_VARIANTS = 64
_COMPARE = {"ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}
_ABSENT_TRUTH = {"ne": True, "lt": False, "le": False, "gt": False, "ge": False}
"""What a correlated comparison means when either of its fields is absent."""


def engine_field(name: str) -> str:
    """The name a fact field has inside the engine."""
    return ENGINE_FIELDS.get(name, name)


class ConditionError(ValueError):
    """A condition that cannot be compiled: the message says what is wrong, *path* where in the ``when`` list
    (keys and indexes, as far as known; ``$scope`` first: in the rule's scope)."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        """*message* and *path*, relative to the condition's ``when`` list."""
        super().__init__(message)
        self.path = path

    def within(self, *prefix: str | int) -> ConditionError:
        """The same error, located under *prefix* (an outer key or index)."""
        return ConditionError(str(self), (*prefix, *self.path))


MAX_INTEGER = 2**63 - 1
"""The engine holds whole numbers in 64 bits: a larger one would silently equal its neighbours."""


def _literal(value: Any, where: tuple[str | int, ...]) -> Any:
    """*value* if the engine can compare with it exactly: text, a whole number of 64 bits, a finite number,
    true, false or null; a ConditionError otherwise (a list or mapping, infinity, a date...)."""
    import math

    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int) and abs(value) > MAX_INTEGER:
        raise ConditionError(f"the number {value} is too large for the rule engine (at most {MAX_INTEGER})", where)
    if isinstance(value, float) and not math.isfinite(value):
        raise ConditionError(f"{value} is not a number the rule engine can compare with", where)
    if isinstance(value, (int, float)):
        return value
    kind = "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else type(value).__name__
    hint = " (one of several values: in: [...])" if isinstance(value, list) else ""
    raise ConditionError(f"a test compares with one value (text, a number, true, false or null), not {kind}: "
                         f"{value!r}{hint}", where)


Join = tuple[int, str, int, str]
"""An equality between two patterns of a compiled condition: (pattern, its field, an earlier positive pattern, its
field), patterns counted in ``Compiled.patterns``, fields as facts name them (``id``, not the engine's ``id_``)."""


@dataclass
class Compiled:
    """One durable-rules rule compiled from one condition (or one variant of it)."""

    definition: dict[str, Any]
    aliases: dict[str, str] = field(default_factory=dict)
    """User alias -> internal alias, for the positive patterns (those an action receives)."""
    patterns: tuple[tuple[str, bool], ...] = ()
    """The fact type of each pattern, and whether it is negated (``none:``), in order (the end marker left out)."""
    joins: tuple[Join, ...] = ()
    """The equalities between patterns (``key: $xparty.key``): which facts can meet in one match."""


@dataclass(frozen=True)
class Test:
    """One field test; ``ref`` is (alias, field) for a correlated value."""

    field: str
    op: str
    value: Any = None
    ref: tuple[str, str] | None = None
    safe: bool = False  # a correlated comparison whose two fields are known to be present


Group = tuple[Test, ...]


@dataclass(frozen=True)
class Pattern:
    """One pattern in normal form: tests that must all hold, and any_of clauses (lists of groups)."""

    kind: str
    alias: str
    negated: bool
    tests: tuple[Test, ...]
    alternatives: tuple[tuple[Group, ...], ...] = ()


def _parse_value(value: Any, params: dict[str, Any], where: tuple[str | int, ...] = ()
                 ) -> tuple[Any, tuple[str, str] | None]:
    if isinstance(value, str) and value.startswith("$"):
        head, _, rest = value[1:].partition(".")
        if head == "param":
            if rest not in params:
                raise ConditionError(f"{value}: the rule has no parameter '{rest}'", where)
            return _literal(params[rest], where), None
        if not rest:
            raise ConditionError(f"{value}: a reference is $alias.field", where)
        return None, (head, rest)
    return _literal(value, where), None


_TAKES = {"matches": str, "imatches": str, "exists": bool}
"""The tests that take one kind of value only."""


def _parse_tests(where: Any, params: dict[str, Any]) -> tuple[list[Test], list[tuple[Group, ...]]]:
    if where is None:
        return [], []
    if not isinstance(where, dict):
        raise ConditionError("field tests must be a mapping of field names to values or tests")
    tests: list[Test] = []
    alternatives: list[tuple[Group, ...]] = []
    for name, spec in where.items():
        if name in ("any_of", "all_of"):
            if not isinstance(spec, list) or not spec:
                raise ConditionError(f"{name} takes a non-empty list of field-test mappings", (name,))
            parsed = []
            for k, item in enumerate(spec):
                try:
                    parsed.append(_parse_tests(item, params))
                except ConditionError as exc:
                    raise exc.within(name, k) from None
            if any(alts for _, alts in parsed):
                raise ConditionError(f"{name} cannot contain another any_of", (name,))
            if name == "all_of":
                tests.extend(t for group, _ in parsed for t in group)
            else:
                alternatives.append(tuple(tuple(group) for group, _ in parsed))
            continue
        if not isinstance(name, str) or not name or name.startswith("$"):
            raise ConditionError(f"{name!r}: not a field name (a fact's fields are words such as appointed_day; "
                                 "'$' starts a reference, not a field)", (str(name),))
        for op, raw in (spec.items() if isinstance(spec, dict) else [("eq", spec)]):
            at: tuple[str | int, ...] = (name,) if not isinstance(spec, dict) else (name, op)
            if op not in OPS:
                raise ConditionError(f"{name}: unknown test '{op}' (tests: {', '.join(sorted(OPS))})", at)
            listed = op in ("in", "not_in", "has", "lacks")
            if listed and isinstance(raw, list) and not raw:
                raise ConditionError(f"{name}: '{op}' takes a list of one value or more, not an empty list", at)
            values = raw if isinstance(raw, list) and listed else [raw]
            if op == "not_in":  # each reference becomes an `ne` test, the literals stay together
                literals = [v for v in values if _parse_value(v, params, at)[1] is None]
                refs = [_parse_value(v, params, at)[1] for v in values if _parse_value(v, params, at)[1] is not None]
                if literals:
                    tests.append(Test(name, "not_in", [_parse_value(v, params, at)[0] for v in literals]))
                tests.extend(Test(name, "ne", None, ref) for ref in refs)
                continue
            parsed_values = [_parse_value(v, params, at) for v in values]
            if op in ("has", "lacks", "matches", "imatches", "exists") and any(r for _, r in parsed_values):
                raise ConditionError(f"{name}: '{op}' takes values, not references", at)
            kind = _TAKES.get(op)
            if kind is not None and not all(isinstance(v, kind) for v, _ in parsed_values):
                words = "text (a regular expression)" if kind is str else "true or false"
                raise ConditionError(f"{name}: '{op}' takes {words}", at)
            if op in ("in", "has", "lacks"):
                if any(r for _, r in parsed_values) and op == "in":
                    alternatives.append(tuple((Test(name, "eq", v, r),) for v, r in parsed_values))
                else:
                    tests.append(Test(name, op, [v for v, _ in parsed_values]))
                continue
            value, ref = parsed_values[0]
            tests.append(Test(name, op, value, ref))
    return tests, alternatives


def parse_pattern(item: Any, params: dict[str, Any]) -> Pattern:
    """One ``when`` item in normal form."""
    if not isinstance(item, dict) or not item:
        raise ConditionError("each item of 'when' is a mapping such as {post: {...}} or {none: {...}}")
    negated = False
    prefix: tuple[str, ...] = ()
    if set(item) == {"none"}:
        negated, item, prefix = True, item["none"], ("none",)
        if not isinstance(item, dict):
            raise ConditionError("'none' takes one pattern, e.g. none: {protocol: {id: $post.protocol}}", prefix)
    if "fact" in item:
        kind, alias, where = item["fact"], item.get("as", item["fact"]), item.get("where")
        inner = (*prefix, "where")
    elif len(item) == 1:
        kind, where = next(iter(item.items()))
        alias, inner = kind, (*prefix, str(kind))
    else:
        raise ConditionError(f"a pattern names one fact type, got {', '.join(map(str, item))}", prefix)
    if kind not in FACT_TYPES:
        raise ConditionError(f"unknown fact type '{kind}' (types: {', '.join(sorted(FACT_TYPES))})", prefix)
    try:
        tests, alternatives = _parse_tests(where, params)
    except ConditionError as exc:
        raise exc.within(*inner) from None
    return Pattern(str(kind), str(alias), negated, tuple(tests), tuple(alternatives))


def _risky(test: Test) -> bool:
    return test.ref is not None and test.op in _COMPARE and not test.safe


def _exists(name: str, present: bool) -> Test:
    return Test(name, "exists", present)


def _expand_alternatives(patterns: list[Pattern]) -> list[list[Pattern]] | None:
    """Move any_of groups that hold a correlated comparison out of the engine's $or."""
    for i, pattern in enumerate(patterns):
        for k, clause in enumerate(pattern.alternatives):
            if any(t.ref is not None for group in clause for t in group):
                rest = pattern.alternatives[:k] + pattern.alternatives[k + 1:]
                options = [replace(pattern, tests=pattern.tests + group, alternatives=rest) for group in clause]
                if pattern.negated:  # none(A or B) = none(A) and none(B)
                    return [patterns[:i] + options + patterns[i + 1:]]
                return [patterns[:i] + [option] + patterns[i + 1:] for option in options]
    return None


def _split_presence(patterns: list[Pattern]) -> list[list[Pattern]] | None:
    """Split on the presence of both fields of the first unsafe correlated comparison."""
    for i, pattern in enumerate(patterns):
        for j, test in enumerate(pattern.tests):
            if not _risky(test):
                continue
            assert test.ref is not None
            alias, ref_field = test.ref
            owner = next((k for k, p in enumerate(patterns[:i]) if p.alias == alias and not p.negated), None)
            if owner is None:
                raise ConditionError(f"${alias}.{ref_field}: '{alias}' is not a pattern before this one")
            others = pattern.tests[:j] + pattern.tests[j + 1:]
            truth = _ABSENT_TRUTH[test.op]
            out: list[list[Pattern]] = []
            for ref_present in (True, False):
                base = list(patterns)
                base[owner] = replace(base[owner], tests=base[owner].tests + (_exists(ref_field, ref_present),))
                current = base[i]
                if ref_present:
                    kept = replace(test, safe=True)
                    present = replace(current, tests=others + (_exists(test.field, True), kept))
                    absent = replace(current, tests=others + (_exists(test.field, False),))
                    if current.negated:
                        options = [present] + ([absent] if truth else [])
                        out.append(base[:i] + options + base[i + 1:])
                    else:
                        out.append(base[:i] + [present] + base[i + 1:])
                        if truth:
                            out.append(base[:i] + [absent] + base[i + 1:])
                elif truth:
                    out.append(base[:i] + [replace(current, tests=others)] + base[i + 1:])
                elif current.negated:
                    out.append(base[:i] + base[i + 1:])  # the pattern matches nothing: none() holds
                # a positive pattern that can match nothing: no variant
            return out
    return None


def normalise(patterns: list[Pattern]) -> list[list[Pattern]]:
    """All variants of a condition in which every correlated comparison is safe."""
    done: list[list[Pattern]] = []
    queue = [patterns]
    while queue:
        current = queue.pop(0)
        expanded = _expand_alternatives(current)
        if expanded is None:
            expanded = _split_presence(current)
        if expanded is None:
            done.append(current)
        else:
            queue[:0] = expanded
        if len(done) + len(queue) > MAX_VARIANTS:
            raise ConditionError(f"the condition expands to more than {MAX_VARIANTS} variants: simplify it")
    return done


class _Emitter:
    """Turns one normalised variant into durable-rules terms."""

    def __init__(self) -> None:
        self.known: dict[str, str] = {}
        self.first = ""

    def value(self, test: Test) -> Any:
        if test.ref is None:
            return test.value
        alias, name = test.ref
        if alias not in self.known:
            raise ConditionError(f"${alias}.{name}: '{alias}' is not a pattern before this one")
        return {self.known[alias]: engine_field(name)}

    def term(self, test: Test) -> dict[str, Any]:
        name, op, value = engine_field(test.field), test.op, self.value(test)
        if op == "exists":
            return {"$ex" if value else "$nex": {name: 1}}
        if op == "eq":
            return {name: value}
        if op in _COMPARE and test.ref is not None:
            return {_COMPARE[op]: {name: value}}  # safe: both fields present, never inside $or
        if op == "ne":
            return {"$or": [{"$nex": {name: 1}}, {"$neq": {name: value}}]}
        if op in _COMPARE:
            return {_COMPARE[op]: {name: value}}
        if op == "in":
            return {"$or": [{name: v} for v in value]} if len(value) > 1 else {name: value[0]}
        if op == "not_in":
            return {"$or": [{"$nex": {name: 1}}, {"$and": [{"$neq": {name: v}} for v in value]}]}
        if op == "has":
            items = [{"$iany": {name: {"$i": v}}} for v in value]
            return {"$or": items} if len(items) > 1 else items[0]
        if op == "lacks":
            return {"$and": [{"$or": [{"$nex": {name: 1}}, {"$iall": {name: {"$neq": {"$i": v}}}}]} for v in value]}
        return {"$mt" if op == "matches" else "$imt": {name: value}}

    def pattern(self, pattern: Pattern) -> dict[str, Any]:
        order = sorted(pattern.tests, key=lambda t: (t.ref is None, t.op != "eq", t.op == "exists"))
        terms: list[dict[str, Any]] = [{"type": pattern.kind}]
        terms += [self.term(t) for t in order]
        for clause in pattern.alternatives:
            groups = [[self.term(t) for t in group] for group in clause]
            terms.append({"$or": [{"$and": g} if len(g) > 1 else g[0] for g in groups]})
        if any(t.ref is not None and t.op in _COMPARE for t in pattern.tests):
            terms.append({"_": {self.first: "_"}})
        return {"$and": terms} if len(terms) > 1 else terms[0]


def compile_condition(when: list[Any], params: dict[str, Any], scope: dict[str, Any] | None,
                      scope_fact: str = "document") -> list[Compiled]:
    """Compile one ``when`` list into durable-rules rule definitions (one per variant, actions not set); the
    *scope* tests are merged into the condition's own *scope_fact* pattern, or added as one."""
    if not isinstance(when, list) or not when:
        raise ConditionError("'when' is a non-empty list of patterns")
    patterns = []
    for index, item in enumerate(when):
        try:
            patterns.append(parse_pattern(item, params))
        except ConditionError as exc:
            raise exc.within(index) from None
    aliases = [p.alias for p in patterns if not p.negated]
    if len(aliases) != len(set(aliases)):
        raise ConditionError("an alias is used twice: name one of the patterns with 'as'")
    if scope:  # one fact never fills two patterns: join the condition's own document pattern if it has one
        try:
            extra = parse_pattern({"fact": scope_fact, "as": "_scope", "where": scope}, params)
        except ConditionError as exc:  # located in the rule's scope ("$scope"), not in its conditions
            raise ConditionError(str(exc), ("$scope", *exc.path[1:])) from None
        own = next((k for k, p in enumerate(patterns) if p.kind == scope_fact and not p.negated), None)
        if own is None:
            patterns.insert(0, extra)
        else:
            patterns[own] = replace(patterns[own], tests=patterns[own].tests + extra.tests,
                                    alternatives=patterns[own].alternatives + extra.alternatives)
    if patterns[0].negated:
        patterns.insert(0, Pattern("run", "_run", False, ()))  # a negation needs something positive before it
    out = []
    for variant in normalise(patterns):
        emitter = _Emitter()
        all_: list[dict[str, Any]] = []
        if any(p.negated for p in variant):
            all_.append({"eod": {"type": END_MARKER}})
            emitter.first = "eod"
        compiled = Compiled(definition={}, patterns=tuple((p.kind, p.negated) for p in variant),
                            joins=_joins(variant))
        for index, pattern in enumerate(variant):
            internal = f"a{index}"
            expr = emitter.pattern(pattern)
            all_.append({f"{internal}$not" if pattern.negated else internal: expr})
            if not pattern.negated:
                emitter.known[pattern.alias] = internal
                compiled.aliases[pattern.alias] = internal
                emitter.first = emitter.first or internal
        if len(all_) > 16:
            raise ConditionError("a condition may have at most 16 patterns")
        compiled.definition = {"all": all_}
        out.append(compiled)
    return out



def _joins(variant: list[Pattern]) -> tuple[Join, ...]:
    """The equalities between the patterns of a variant (a test ``eq`` whose value is another pattern's field)."""
    owner = {p.alias: k for k, p in enumerate(variant) if not p.negated}
    return tuple((k, t.field, owner[t.ref[0]], t.ref[1]) for k, p in enumerate(variant) for t in p.tests
                 if t.op == "eq" and t.ref is not None and t.ref[0] in owner)
