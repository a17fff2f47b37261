"""Where things are: JSON pointers mapped to 1-based lines and columns as an editor shows them.

The loader records the position of every key and value by its JSON pointer; findings, traces and
diffs look positions up here. Lines break at CRLF, CR and LF only (not at the YAML 1.1 breaks
U+0085, U+2028 and U+2029, which libyaml also counts), and columns count characters.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Locations:
    """Where each key and value of a document stands, by JSON pointer (1-based)."""

    value: dict[str, tuple[int, int]] = field(default_factory=dict)
    key: dict[str, tuple[int, int]] = field(default_factory=dict)
    containers: set[str] = field(default_factory=set)

    def top(self) -> tuple[int, int]:
        """The position of the ``jointgov:`` key, where whole-document findings point."""
        return self.key.get("/jointgov", (1, 1))

    def at(self, pointer: str) -> tuple[int, int]:
        """Position of the thing at *pointer*, or of the mapping that should hold it.

        A present scalar points at its value; a present mapping or list at its
        key (``removal:``) or, as a list item, at its first key (``- id:``). A
        missing thing points at the nearest enclosing mapping that exists.
        """
        while True:
            if pointer == "":
                return self.top()
            if pointer in self.value:
                if pointer in self.containers and pointer in self.key:
                    return self.key[pointer]
                return self.value[pointer]
            pointer = pointer.rpartition("/")[0]


def escape(key: str) -> str:
    """Escape one JSON pointer segment."""
    return key.replace("~", "~0").replace("/", "~1")


def byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    """(line, column) of a byte offset, as an editor shows it: characters, lines broken at CRLF, CR, LF."""
    prefix = raw[:offset].decode("utf-8", "replace")
    return line_col(prefix)(len(prefix))


_YAML11_BREAKS = ("\x85", "\u2028", "\u2029")
_EDITOR_BREAK = re.compile(r"\r\n|\r|\n")


def positions(text: str) -> Callable[[Any], tuple[int, int]]:
    """Turn a libyaml mark into a 1-based (line, column) as an editor shows it.

    libyaml also breaks lines at U+0085, U+2028 and U+2029 (YAML 1.1); editors
    and YAML 1.2 do not. When the text holds one, positions are computed from
    the mark's character index and the real line breaks instead.
    """
    if not any(sep in text for sep in _YAML11_BREAKS):
        return lambda mark: (mark.line + 1, mark.column + 1)
    at = line_col(text)
    return lambda mark: at(mark.index)


def line_col(text: str) -> Callable[[int], tuple[int, int]]:
    """Map a character index of *text* to a 1-based (line, column), lines broken at CRLF, CR or LF."""
    starts = [0] + [m.end() for m in _EDITOR_BREAK.finditer(text)]

    def at(index: int) -> tuple[int, int]:
        line = bisect.bisect_right(starts, index)
        return line, index - starts[line - 1] + 1

    return at


