"""Small helpers for building facts: dates as day numbers, optional fields, lists, items, assent coverage."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator
from typing import Any

Fact = dict[str, Any]


def day(value: Any) -> int | None:
    """A ``YYYY-MM-DD`` text as a day number, or None for anything else (absent, unknown, invalid)."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return _dt.date.fromisoformat(value).toordinal()
        except ValueError:
            return None
    return None


def known(value: Any) -> bool:
    """Whether *value* is given: present, not ``unknown``, not empty."""
    return value is not None and value != "unknown" and value != [] and value != ""


def put(fact: Fact, **fields: Any) -> Fact:
    """*fact* with the given fields added, leaving out absent values (None) and empty lists."""
    for name, value in fields.items():
        if value is not None and value != []:
            fact[name] = value
    return fact


def as_list(value: Any) -> list[Any]:
    """A list as it is; one value as a list of one; nothing as an empty list."""
    if isinstance(value, list):
        return value
    return [value] if value is not None else []


def items(data: dict[str, Any], key: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(pointer, item) for each mapping of the list *key* of *data*."""
    for i, item in enumerate(as_list(data.get(key))):
        if isinstance(item, dict):
            yield f"/{key}/{i}", item


def covers_all(names: Iterable[Any], active: set[str]) -> bool:
    """Whether *names* hold every active party (and there is one)."""
    return bool(active) and active <= set(n for n in names if isinstance(n, str))

