"""The engine's limits, checked on compiled rules before they are registered (docs/engine.md, "Hard limits").

durable-rules turns each pattern into a chain of test nodes (its alpha network): a pattern's terms in
order, identical prefixes shared between rules, a fresh node after every ``$or``. Its C code has fixed
tables for that network, and past them it does not fail cleanly: a ruleset that is too large for them
is created, and the process is later killed by a segmentation fault or a heap corruption in the middle
of a document, or creating it hangs for ever. This module models the network from the compiled
definitions and says which definition would break a limit, so that the rule (or scenario) is refused
when it is loaded, with its location, instead.

The limits (durable-rules 2.0.28, ``src/rules/rete.c``, ``rules.h`` and ``events.c``):

* a fact is matched by a walk over the network with a stack of 64 nodes (``MAX_STACK_SIZE``): each
  node the fact passes pushes every child it may pass too. Past 64 the engine corrupts memory
  (measured: the 65th pending node kills the process). The model counts, for each fact type, the
  deepest the stack can get when every test that could hold does hold (of the equality tests of one
  field with different values, one); it over-counts by one or two, never under;
* one node has at most 512 children testing fields (``NEXT_BUCKET_LENGTH``; a full table makes
  creating the ruleset hang), 128 absence tests and ``$or`` joins (``NEXT_LIST_LENGTH``, error 107) and
  256 patterns ending on it (``BETA_LIST_LENGTH``, error 108);
* one pattern holds at most 32 expressions: two for each ``$and`` and ``$or`` and one for each
  correlated term (``MAX_SEQUENCE_EXPRESSIONS``, error 113);
* one rule has at most 16 patterns (``MAX_MESSAGE_FRAMES``; checked by the compiler).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

STACK = 60
"""Pending nodes a fact may need, at most (the engine's stack holds 64; the model may be one or two low)."""
CHILDREN = 500
"""Field tests under one node, at most (the engine's table holds 512, and hangs when it is full)."""
LISTED = 120
"""Absence tests and ``$or`` joins under one node, at most (the engine's list holds 128)."""
ENDING = 250
"""Patterns ending on one node, at most (the engine's list holds 256)."""
EXPRESSIONS = 30
"""Expressions in one pattern, at most (the engine's sequence holds 32, counting the one that overflows)."""

_OPERATORS = frozenset({"$neq", "$lt", "$lte", "$gt", "$gte", "$ex", "$mt", "$imt"})


@dataclass(eq=False)
class _Node:
    """One test node: its children testing fields (shared by key), its list (absence tests, ``$or`` joins)."""

    key: tuple[Any, ...]
    children: dict[tuple[Any, ...], _Node] = field(default_factory=dict)
    listed: list[_Node] = field(default_factory=list)
    ending: int = 0


class Network:
    """The alpha network of a ruleset, built one definition at a time."""

    def __init__(self) -> None:
        """An empty network (the engine's root node)."""
        self.root = _Node(("root",))
        self._peaks: dict[int, int] = {}

    def add(self, definition: dict[str, Any]) -> str | None:
        """Add one compiled rule definition (``{"all": [{alias: expression}, ...]}``); return what limit its
        patterns break on their own (None: none), leaving the network-wide limits to ``problem``."""
        self._peaks.clear()
        for pattern in definition.get("all", []) + definition.get("any", []):
            for expression in pattern.values():
                count = _expressions(expression)
                if count > EXPRESSIONS:
                    return (f"a pattern of {count} expressions (each any_of, in, not_in, has, lacks, ne and join "
                            f"counts): the rule engine holds {EXPRESSIONS}")
                self._walk(expression, self.root).ending += 1
        return None

    def problem(self) -> str | None:
        """Which network-wide limit the definitions added so far break, in words (None: none)."""
        for node in self._nodes(self.root):
            if len(node.children) > CHILDREN:
                return (f"{len(node.children)} different tests follow the same tests (the rule engine holds "
                        f"{CHILDREN}): fewer alternatives (one 'matches' instead of a long 'in' list) or fewer rules")
            if len(node.listed) > LISTED:
                return (f"{len(node.listed)} absence tests and alternatives follow the same tests (the rule engine "
                        f"holds {LISTED})")
            if node.ending > ENDING:
                return f"{node.ending} identical patterns (the rule engine holds {ENDING})"
        worst = max(((self.peak(kind), kind) for kind in self.fact_types()), default=(0, ""))
        if worst[0] > STACK:
            return (f"a {worst[1]} fact would pass up to {worst[0]} pattern tests at once (the rule engine holds "
                    f"{STACK}): fewer or simpler rules on {worst[1]} facts")
        return None

    def fact_types(self) -> list[str]:
        """The fact types the patterns test."""
        return sorted({json.loads(k[2]) for k in self.root.children if k[:2] == ("type", "eq")
                       and isinstance(json.loads(k[2]), str)})

    def peak(self, fact_type: str) -> int:
        """How many nodes a fact of *fact_type* may have pending at once (an upper bound)."""
        return self._peak(self.root, fact_type)

    def _walk(self, term: dict[str, Any], parent: _Node) -> _Node:
        """The node that ends *term* below *parent*, made as the engine makes it (and shares it)."""
        [(op, body)] = term.items()
        if op == "$and":
            node = parent
            for item in body:
                node = self._walk(item, node)
            return node
        if op == "$or":  # every alternative joins a fresh node, never shared
            join = _Node(("$or",))
            for item in body:
                self._walk(item, parent).listed.append(join)
            return join
        if op == "$nex":
            key: tuple[Any, ...] = (next(iter(body)), "$nex")
            found = next((n for n in parent.listed if n.key == key), None)
            if found is None:
                found = _Node(key)
                parent.listed.append(found)
            return found
        if op in ("$iany", "$iall"):  # never shared
            node = _Node((next(iter(body)), op, id(body)))
            parent.children[node.key] = node
            return node
        if op in _OPERATORS:
            [(name, value)] = body.items()
            key = (name, op, json.dumps(value, sort_keys=True))
        else:
            key = (op, "eq", json.dumps(body, sort_keys=True))
        return parent.children.setdefault(key, _Node(key))

    def _peak(self, node: _Node, fact_type: str | None) -> int:
        if fact_type is None and id(node) in self._peaks:
            return self._peaks[id(node)]
        pushed = list(node.listed)
        groups: dict[str, dict[Any, list[_Node]]] = {}
        for key, child in node.children.items():
            if key[1] == "eq" and not key[2].startswith("{"):  # a field equal to a value
                if key[0] == "type" and fact_type is not None:
                    if json.loads(key[2]) == fact_type:
                        pushed.append(child)
                    continue
                groups.setdefault(key[0], {}).setdefault(_loose(key[2]), []).append(child)
            else:
                pushed.append(child)
        count = len(pushed) + sum(max(len(v) for v in by_value.values()) for by_value in groups.values())
        others = [c for by_value in groups.values() for v in by_value.values() for c in v]
        deepest = max((self._peak(child, None) for child in pushed + others), default=0)
        result = 0 if count == 0 else count - 1 + max(1, deepest)
        if fact_type is None:
            self._peaks[id(node)] = result
        return result

    def _nodes(self, node: _Node) -> Iterator[_Node]:
        stack, seen = [node], set()
        while stack:
            current = stack.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            yield current
            stack.extend(current.children.values())
            stack.extend(current.listed)


def _loose(text: str) -> Any:
    """A literal as the engine's loose equality sees it: 1, 1.0, true and "1" are one value; texts are
    otherwise distinct."""
    value = json.loads(text)
    if isinstance(value, (bool, int, float)):
        return float(value)
    if isinstance(value, str):
        if value.lower() in ("true", "false"):
            return float(value.lower() == "true")
        try:
            return float(value)
        except ValueError:
            return ("text", value)
    return ("other", text)


def _expressions(term: Any) -> int:
    """The engine's expression count of one pattern: two per ``$and``/``$or``, one per correlated term."""
    if not isinstance(term, dict) or len(term) != 1:
        return 0
    [(op, body)] = term.items()
    if op in ("$and", "$or"):
        return 2 + sum(_expressions(item) for item in body)
    if op in ("$iany", "$iall", "$nex"):
        return 0
    inner = body if op in _OPERATORS else term
    if isinstance(inner, dict) and any(isinstance(v, dict) and not any(str(k).startswith("$") for k in v)
                                       for v in inner.values()):
        return 1  # a value that is {alias: field}: a correlated term
    return 0


def first_problem(definitions: list[dict[str, Any]]) -> tuple[int, str] | None:
    """The first definition (index) that makes the ruleset break a limit of the engine, and why; None when
    it fits. Definitions are added in order, so the one blamed is the one that crosses a limit."""
    network = Network()
    for index, definition in enumerate(definitions):
        own = network.add(definition)
        if own is not None:
            return index, own
    if network.problem() is None:
        return None
    network = Network()
    for index, definition in enumerate(definitions):
        network.add(definition)
        why = network.problem()
        if why is not None:
            return index, why
    return None  # pragma: no cover - the whole breaks a limit, so some prefix does
