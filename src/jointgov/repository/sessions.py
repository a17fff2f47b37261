"""Running a repository rule over groups of related agreements instead of one session holding every fact.

The engine joins facts by scanning: a session of *n* facts costs it about *n*² for a rule that joins two
patterns (8 ms for 200 facts, 3.6 s for 4,000), and even a rule of one pattern slows as a session grows.
So the repository rules are run in many small sessions, each holding only facts that can meet in one
match. Which facts can meet is read from the compiled condition itself (``Compiled.patterns`` and
``joins``): two patterns meet on the fields their equality tests join (``key: $xparty.key``).

``sessions`` splits the facts of a plan (the patterns and joins shared by a group of compiled conditions):

* the first two positive patterns joined by equalities *seed* the sessions: their facts grouped by the
  joined values (one group for each value, e.g. each party key); with one positive pattern, each of its
  facts is a group;
* every other positive pattern takes the facts that join those already in the group (followed along the
  joins, pattern by pattern): each match of the whole repository is then inside the group of its seed's
  value;
* groups are packed into sessions of a few dozen facts (a few hundred for a rule of one pattern), and each
  negated pattern (``none:``) then takes every fact of its type that joins any fact of the session of the
  type it is joined to, so that a ``none:`` sees, in the session, everything that could match it in the
  whole repository.

So every match found in the whole repository is found in some session, and a match found in a session
(its facts all real, its ``none:`` complete) is one of the whole repository: the findings are the same,
and the engine's work grows with the number of related agreements, not with the square of the corpus. A
match found in two sessions is one firing (``Firing.key``). Equality in the engine compares text exactly
and is loose across types (``1`` equals ``"1"``): a fact whose joined value is not text (or null) is put
in every group. A plan whose patterns are not all joined (a pattern on any fact of a type) runs in one
session over all its facts, as before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from jointgov.pipeline.compiler import Join

Plan = tuple[tuple[tuple[str, bool], ...], tuple[Join, ...]]
"""The patterns (fact type, negated) and joins of a compiled condition: what decides which facts can meet."""
GLOBAL = frozenset({"run", "org"})
"""Fact types that belong to no agreement (the run, the register's organisations): few, so a pattern on them
needs no join; their facts are in every session."""
JOIN_BUDGET = 64
"""Facts of a session for a plan that joins patterns (the engine's scan is quadratic in them)."""
SINGLE_BUDGET = 256
"""Facts of a session for a plan of one positive pattern."""
_NIL = object()


@dataclass(slots=True)
class Item:
    """One fact of a plan: its engine form (JSON text) and the values of the fields the plan joins on."""

    text: str
    type: str
    values: dict[str, Any] = field(default_factory=dict)


def _key(value: Any) -> Any:
    """The group a joined value puts a fact in: text as it is, null as one group, None for anything else (a
    number, true or false: the engine's loose equality could match it with text, so it is in every group)."""
    if isinstance(value, str):
        return value
    return _NIL if value is None else None


class _Index:
    """The items of a plan by fact type, and by the value of each joined field."""

    def __init__(self, items: Sequence[Item], fields: dict[str, set[str]]) -> None:
        self.items = items
        self.by_type: dict[str, list[int]] = defaultdict(list)
        self.by_value: dict[tuple[str, str], dict[Any, list[int]]] = defaultdict(lambda: defaultdict(list))
        self.wild: dict[tuple[str, str], list[int]] = defaultdict(list)
        for n, item in enumerate(items):
            self.by_type[item.type].append(n)
            for name in fields.get(item.type, ()):
                if name not in item.values:
                    continue  # an absent field joins nothing
                key = _key(item.values[name])
                if key is None:
                    self.wild[(item.type, name)].append(n)
                else:
                    self.by_value[(item.type, name)][key].append(n)

    def joining(self, kind: str, name: str, values: set[Any]) -> set[int]:
        """The items of type *kind* whose field *name* may equal one of *values* (keys of ``_key``)."""
        out = set(self.wild.get((kind, name), ()))
        index = self.by_value.get((kind, name), {})
        if None in values:  # a value that is not text may equal anything
            for found in index.values():
                out.update(found)
            return out
        for value in values:
            out.update(index.get(value, ()))
        return out

    def values(self, members: set[int], kind: str, name: str) -> set[Any]:
        """The keys of field *name* over the *members* of type *kind*."""
        return {_key(self.items[n].values[name]) for n in members
                if self.items[n].type == kind and name in self.items[n].values}


def fields_of(plan: Plan) -> dict[str, set[str]]:
    """The joined fields of each fact type of *plan*."""
    patterns, joins = plan
    out: dict[str, set[str]] = defaultdict(set)
    for k, name_k, m, name_m in joins:
        out[patterns[k][0]].add(name_k)
        out[patterns[m][0]].add(name_m)
    return out


def sessions(plan: Plan, items: Sequence[Item]) -> Iterator[list[int]]:
    """The sessions of *plan* over *items* (indexes into *items*), as the module's docstring says."""
    patterns, joins = plan
    index = _Index(items, fields_of(plan))
    shared = {n for kind in GLOBAL for n in index.by_type.get(kind, ())}
    positives = [k for k, (kind, negated) in enumerate(patterns) if not negated and kind not in GLOBAL]
    linked = [(k, m) for k, _, m, _ in joins]
    reach = _reachable(positives[0], positives, linked) if positives else set()
    loose = [k for k in positives if k not in reach]
    loose += [k for k, (kind, negated) in enumerate(patterns)
              if negated and kind not in GLOBAL and not any(a == k for a, _ in linked)]
    if loose or not positives:  # a pattern on any fact of a type: one session, as the engine would see it all
        yield list(range(len(items)))
        return
    multi = len(positives) > 1
    budget, batch, size = (JOIN_BUDGET if multi else SINGLE_BUDGET), set[int](), 0
    for group in _groups(patterns, joins, positives, index):
        batch |= group
        size += len(group)
        if size >= budget:
            yield sorted(_with_negated(patterns, joins, index, batch | shared))
            batch, size = set(), 0
    if batch:
        yield sorted(_with_negated(patterns, joins, index, batch | shared))


def _reachable(start: int, positives: list[int], linked: list[tuple[int, int]]) -> set[int]:
    """The positive patterns joined, directly or not, to *start*."""
    seen, todo = {start}, [start]
    while todo:
        here = todo.pop()
        for a, b in linked:
            for other in ((b,) if a == here else (a,) if b == here else ()):
                if other in positives and other not in seen:
                    seen.add(other)
                    todo.append(other)
    return seen


def _groups(patterns: tuple[tuple[str, bool], ...], joins: tuple[Join, ...], positives: list[int],
            index: _Index) -> Iterator[set[int]]:
    """The seed groups, each with the facts of the other positive patterns that join them (*positives*: the
    positive patterns, those on the run and the register left out)."""
    pair = next(((k, m) for k, _, m, _ in joins if k in positives and m in positives and k != m), None)
    if pair is None:  # one positive pattern (and any negated ones): each of its facts is a group
        for n in index.by_type.get(patterns[positives[0]][0], ()):
            yield {n}
        return
    k, m = pair
    edges = [(name_k, name_m) for a, name_k, b, name_m in joins if (a, b) == (k, m)]
    seeds: dict[tuple[Any, ...], dict[int, set[int]]] = defaultdict(lambda: {k: set(), m: set()})
    wild: dict[int, set[int]] = {k: set(), m: set()}
    for pattern, side in ((k, 0), (m, 1)):
        kind = patterns[pattern][0]
        names = [edge[side] for edge in edges]
        for n in index.by_type.get(kind, ()):
            values = index.items[n].values
            if not all(name in values for name in names):
                continue  # an absent field joins nothing
            key = tuple(_key(values[name]) for name in names)
            if None in key:
                wild[pattern].add(n)
            else:
                seeds[key][pattern].add(n)
    if not seeds and (wild[k] or wild[m]):
        seeds[()] = {k: set(), m: set()}
    for members in seeds.values():
        included = {k: members[k] | wild[k], m: members[m] | wild[m]}
        yield _closed(patterns, joins, positives, index, included)


def _closed(patterns: tuple[tuple[str, bool], ...], joins: tuple[Join, ...], positives: list[int], index: _Index,
            included: dict[int, set[int]]) -> set[int]:
    """*included* (facts by pattern) with the facts of every other positive pattern that join them, pattern by
    pattern along the joins."""
    while True:
        step = next(((a, name_a, b, name_b) for k, name_k, m, name_m in joins
                     for a, name_a, b, name_b in ((k, name_k, m, name_m), (m, name_m, k, name_k))
                     if a in positives and a not in included and b in included), None)
        if step is None:
            break
        a, name_a, b, name_b = step
        values = index.values(included[b], patterns[b][0], name_b)
        included[a] = index.joining(patterns[a][0], name_a, values)
    return set().union(*included.values())


def _with_negated(patterns: tuple[tuple[str, bool], ...], joins: tuple[Join, ...], index: _Index,
                  members: set[int]) -> set[int]:
    """*members* with every fact a negated pattern could match given any fact of the session (repeated while a
    fact added could itself fill a positive pattern)."""
    negated = [(k, name_k, m, name_m) for k, name_k, m, name_m in joins if patterns[k][1]]
    chosen = {k: (name_k, m, name_m) for k, name_k, m, name_m in reversed(negated)}  # the first join of each
    while True:
        added: set[int] = set()
        for k, (name_k, m, name_m) in chosen.items():
            values = index.values(members, patterns[m][0], name_m)
            added |= index.joining(patterns[k][0], name_k, values) - members
        members |= added
        positive_types = {kind for kind, negated_ in patterns if not negated_}
        if not added or not any(index.items[n].type in positive_types for n in added):
            return members
