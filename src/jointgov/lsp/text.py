"""The YAML text around a cursor, read line by line, so that it works on a broken or half-typed file.

An editor asks about a position while the file is being typed: often it does not parse. The path to
the cursor is read from the indentation instead (``joint_posts > * > removal > decided_by > *``, a
list item being ``*``), which is all that completion, hover and go-to-definition need. Positions
here are 0-based lines and columns counted in characters (code points), as the checker counts them;
``server`` converts them to the client's units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_KEY = re.compile(r"""(?P<key>"[^"]*"|'[^']*'|[^\s#'"\[\]{},:\-][^#:]*?|-[^\s#:][^#:]*?)[ \t]*:(?=[ \t]|$)""")
_WORD = re.compile(r"[\w.\-]+")
_BLOCK = re.compile(r"[|>][0-9+\-]*$")
_PLAIN_END = re.compile(r"[ \t]+#|,|\]|\}|:[ \t]|:$")


@dataclass(frozen=True)
class Frame:
    """A node that starts on a line: a key, or a list item (``*``), at a column."""

    column: int
    name: str


@dataclass(frozen=True)
class Line:
    """One line of YAML: the nodes that start on it, and where its value starts (-1: none)."""

    frames: tuple[Frame, ...]
    value_start: int
    value: str


@dataclass(frozen=True)
class Cursor:
    """What is at a position: the path to it, whether it is on a key, and the word under it."""

    path: tuple[str, ...]
    on_key: bool
    word: str
    prefix: str
    """The part of the word before the cursor (what completion replaces)."""
    start: int
    end: int
    """Columns of the word on its line (start inclusive, end exclusive)."""
    line: int


def split_lines(text: str) -> list[str]:
    """The lines of *text*, broken at CRLF, CR and LF as an editor breaks them."""
    return re.split(r"\r\n|\r|\n", text)


def code_part(line: str) -> str:
    """*line* without its comment (a ``#`` at the start or after a blank, outside quotes)."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'" and (i == 0 or line[i - 1] in " \t[{,:-"):
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def parse_line(line: str) -> Line | None:
    """The nodes that start on *line* (``- id: x``: an item and a key), or None for a blank or comment line."""
    code = code_part(line).rstrip()
    i = len(code) - len(code.lstrip(" "))
    if i == len(code) or code.startswith(("---", "...", "%")):
        return None
    frames: list[Frame] = []
    while code.startswith("-", i) and (i + 1 == len(code) or code[i + 1] in " \t"):
        frames.append(Frame(i, "*"))
        i += 1
        while i < len(code) and code[i] in " \t":
            i += 1
    match = _KEY.match(code, i)
    if match:
        frames.append(Frame(i, match.group("key").strip("\"'")))
        i = match.end()
        while i < len(code) and code[i] in " \t":
            i += 1
    value_start = i if i < len(code) else (i if (frames and frames[-1].name == "*") or match else -1)
    return Line(tuple(frames), value_start, code[i:])


def _push(stack: list[Frame], line: Line) -> None:
    if not line.frames:
        return
    first = line.frames[0]
    while stack and (stack[-1].column > first.column or (
            stack[-1].column == first.column and not (first.name == "*" and stack[-1].name != "*"))):
        stack.pop()
    stack.extend(line.frames)


def ancestors(lines: list[str], upto: int) -> tuple[list[Frame], int | None]:
    """The open nodes before line *upto* (the path of keys and items that contain it), and the column of the
    key whose block scalar (``|``, ``>``) is open there, if any: its lines are text, not keys."""
    stack: list[Frame] = []
    block: int | None = None
    for text in lines[:upto]:
        stripped = text.lstrip(" ")
        if not stripped.strip():
            continue
        indent = len(text) - len(stripped)
        if block is not None:
            if indent > block:
                continue
            block = None
        line = parse_line(text)
        if line is None or not line.frames:
            continue
        _push(stack, line)
        if _BLOCK.match(line.value):
            block = line.frames[-1].column
    return stack, block


def word_at(text: str, column: int) -> tuple[str, int, int]:
    """The word (letters, digits, ``_``, ``-``, ``.``) at or just before *column*, and its columns."""
    for match in _WORD.finditer(text):
        if match.start() <= column <= match.end():
            return match.group(), match.start(), match.end()
    return "", column, column


def cursor(lines: list[str], line: int, column: int) -> Cursor:
    """What is at (*line*, *column*): the path to it, on a key or in a value, and the word there."""
    text = lines[line] if 0 <= line < len(lines) else ""
    stack, block = ancestors(lines, line)
    word, start, end = word_at(text, column)
    if block is not None and text.strip() and len(text) - len(text.lstrip(" ")) > block:
        return Cursor(tuple(f.name for f in stack), False, word, text[start:column], start, end, line)
    parsed = parse_line(text)
    if parsed is None or (not parsed.frames and parsed.value_start < 0):
        virtual = Line((Frame(min(column, len(text) - len(text.lstrip(" "))), "?"),), -1, "")
        _push(stack, virtual)
        return Cursor(tuple(f.name for f in stack[:-1]), True, word, text[start:column], start, end, line)
    _push(stack, parsed)
    names = [f.name for f in stack]
    base = len(stack) - len(parsed.frames)
    for n, frame in enumerate(parsed.frames):
        if frame.name != "*" and frame.column <= column <= frame.column + len(frame.name) and (
                parsed.value_start < 0 or column < parsed.value_start):
            return Cursor(tuple(names[:base + n + 1]), True, word, text[start:column], start, end, line)
    path = names
    if parsed.value_start >= 0 and column >= parsed.value_start and parsed.value.startswith("["):
        path = [*names, "*"]
    elif parsed.value_start < 0 or column < parsed.value_start:
        return Cursor(tuple(names), True, word, text[start:column], start, end, line)
    return Cursor(tuple(path), False, word, text[start:column], start, end, line)


def token_end(text: str, column: int) -> int:
    """Where the key or scalar that starts at *column* of the line *text* ends (at least one character)."""
    if column >= len(text):
        return column + 1 if not text else max(column, len(text))
    if text[column] in "\"'":
        close = text.find(text[column], column + 1)
        return close + 1 if close > 0 else len(text)
    rest = code_part(text)[column:]
    match = _PLAIN_END.search(rest)
    end = column + (match.start() if match else len(rest.rstrip()))
    return max(end, column + 1)


def top_keys(lines: list[str]) -> list[tuple[int, str]]:
    """The top-level keys of the text and their lines, in order (``[(50, 'jointgov'), ...]``)."""
    out = []
    for n, text in enumerate(lines):
        if text[:1] not in ("", " ", "\t", "#", "-"):
            parsed = parse_line(text)
            if parsed is not None and parsed.frames and parsed.frames[0].name != "*":
                out.append((n, parsed.frames[0].name))
    return out


def lead_in(lines: list[str], line: int) -> int:
    """The first line of the comment block (and blank lines) just above *line*: where a section starts."""
    start = line
    while start > 0 and (lines[start - 1].startswith("#") or not lines[start - 1].strip()):
        start -= 1
    while start < line and not lines[start].strip():
        start += 1
    return start


def section_end(lines: list[str], keys: list[tuple[int, str]], index: int) -> int:
    """The line after the last line of the top-level section ``keys[index]`` (its trailing comments and blank
    lines excluded: they introduce the next section)."""
    end = keys[index + 1][0] if index + 1 < len(keys) else len(lines)
    while end > keys[index][0] + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    return end
