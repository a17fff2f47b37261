"""Pipeline stage 1: read a YAML document into plain data plus the location of every key and value.

The document is built from the parser's event stream (libyaml's C parser when
present) rather than with ``yaml.load``: nothing is ever constructed from a tag,
keys always stay text (``on``, ``yes`` and ``1`` are not turned into booleans or
numbers), a repeated key is reported rather than silently overwritten, and the
limits on size, nesting depth and alias expansion are enforced while reading, so
a hostile file costs bounded time and memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from jointgov.model import Limits, Problem
from jointgov.pipeline.locate import Locations, byte_position, escape, line_col, positions
from jointgov.pipeline.scalars import CORE_TAG, MAX_DIGITS, resolve_plain, tag_message, tagged

try:  # the libyaml C parser when it was built; the pure-Python one otherwise
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import Loader as _Parser  # type: ignore[assignment]

DEFAULT_LIMITS = Limits()
"""The reader's bounds when a caller gives none (those of the README)."""

@dataclass
class Loaded:
    """The result of reading one file."""

    data: Any
    locations: Locations
    problems: list[Problem]
    text: str = ""


def _decode(raw: bytes) -> tuple[str | None, Problem | None]:
    """Decode UTF-8 (with or without a byte-order mark); anything else is a problem."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, ("JG001", 1, 1, "the file is UTF-16 or UTF-32 text: save it as UTF-8", "")
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, col = byte_position(raw, nul)
        return None, ("JG001", line, col, "this is a binary file, not YAML text (NUL byte)", "")
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw  # the mark is no character of the text
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line, col = byte_position(body, exc.start)
        return None, (
            "JG001", line, col,
            f"the file is not UTF-8 text (byte 0x{body[exc.start]:02x}): save it as UTF-8",
            "",
        )


def parse_bytes(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Decode and parse a document given as bytes."""
    if len(raw) > limits.max_bytes:
        msg = f"the file is over the limit of {limits.max_bytes:,} bytes"
        return Loaded(None, Locations(), [("JG001", 1, 1, msg, "")])
    text, problem = _decode(raw)
    if text is None:
        assert problem is not None
        return Loaded(None, Locations(), [problem])
    return parse_text(text, limits)


class _Stop(Exception):
    """Reading stops at a limit or a syntax error (already recorded)."""


class _Frame:
    """A mapping or list being built."""

    __slots__ = ("anchor", "is_map", "key", "key_node", "merge_key", "merges", "ptr", "seen", "size", "skip", "value")

    def __init__(self, value: Any, ptr: str, is_map: bool, anchor: str | None) -> None:
        self.value = value
        self.ptr = ptr
        self.is_map = is_map
        self.key: str | None = None
        self.anchor = anchor
        self.size = 1
        self.seen: dict[str, tuple[int, int]] = {}
        self.merges: list[Any] = []
        self.skip = False  # the current entry's key was unusable: drop its value
        self.merge_key = False  # the current entry's key is a << merge key
        self.key_node = False  # a list or mapping is being read as the current entry's key (reported, dropped)


class _Builder:
    """Turns parser events into plain data, locations and problems."""

    def __init__(self, limits: Limits, pos: Callable[[Any], tuple[int, int]]) -> None:
        self.limits = limits
        self.pos = pos
        self.locs = Locations()
        self.problems: list[Problem] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.stack: list[_Frame] = []
        self.marks: list[Any] = []
        self.root: Any = None
        self.total = 0
        self.dup = 0

    def problem(self, rule: str, mark: Any, message: str, ptr: str = "") -> None:
        self.problems.append((rule, *self.pos(mark), message, ptr))

    def child_ptr(self) -> str | None:
        """Pointer of the value about to be added to the top frame (None: it is a key)."""
        if not self.stack:
            return ""
        top = self.stack[-1]
        if top.is_map:
            if top.key_node:  # inside a list or mapping used as a key: built (its anchors count), then dropped
                self.dup += 1
                return f"{top.ptr}/\x00{self.dup}"
            if top.key is None:
                return None
            if top.skip:  # the value of a repeated or unusable key: built, then dropped
                self.dup += 1
                return f"{top.ptr}/\x00{self.dup}"
            return f"{top.ptr}/{escape(top.key)}"
        return f"{top.ptr}/{len(top.value)}"

    def count(self, values: int, mark: Any, ptr: str) -> None:
        """Count values of the expanded document; past the limit, reading stops (an alias bomb)."""
        self.total += values
        if self.total > self.limits.max_nodes:
            self.problem("JG001", mark, f"the document expands to more than {self.limits.max_nodes:,} "
                         "values (through aliases?): reading stopped", ptr)
            raise _Stop

    def add(self, value: Any, size: int, mark: Any, ptr: str, is_container: bool) -> None:
        """Attach a finished value of *size* expanded values to its parent (or make it the root)."""
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        top.size += size
        if top.is_map and top.key_node:  # the key was a list or mapping: drop it, and the value that follows
            top.key_node, top.key, top.skip = False, "", True
            return
        if top.is_map:
            assert top.key is not None
            if not top.skip:
                if top.merge_key:
                    top.merges.append(value)
                else:
                    top.value[top.key] = value
            top.key, top.skip, top.merge_key = None, False, False
        else:
            if len(top.value) >= self.limits.max_items:
                self.problem("JG001", mark, f"a list holds more than {self.limits.max_items:,} items: "
                             "reading stopped", ptr)
                raise _Stop
            top.value.append(value)
        if "\x00" not in ptr:
            self.locs.value[ptr] = self.pos(mark)
            if is_container:
                self.locs.containers.add(ptr)

    def key_event(self, event: Any) -> None:
        """A scalar (or something else) in key position of the top mapping.

        A list, mapping or alias as a key is reported; the key and its value are read (so that the anchors
        in them are defined, and the limits apply) and dropped. An anchor on a text key is defined.
        """
        top = self.stack[-1]
        mark = event.start_mark
        if not isinstance(event, yaml.ScalarEvent):
            self.problem("JG003", mark, "a key must be plain text, not a list, mapping or alias", top.ptr)
            if isinstance(event, yaml.AliasEvent):  # its value follows: read and dropped
                top.key, top.skip = "", True
            else:  # the list or mapping itself is read next, then dropped (``add``), then its value
                top.key_node = True
            return
        if event.anchor:
            value, error = _value(event)
            if error is None:
                self.count(1, mark, top.ptr)
                self.anchors[event.anchor] = (value, 1)
        key = event.value
        merge = key == "<<" and event.style in (None, "") and event.tag is None
        if key in top.seen and not merge:
            self.problem("JG002", mark, f"the key '{key}' is repeated (first at line {top.seen[key][0]}): "
                         "a YAML reader would keep only one of them; this check reads the first",
                         f"{top.ptr}/{escape(key)}")
            top.key, top.skip = key, True
            return
        where = self.pos(mark)
        top.seen.setdefault(key, where)
        top.key, top.merge_key = key, merge
        if not merge:
            self.locs.key[f"{top.ptr}/{escape(key)}"] = where

    def scalar(self, event: Any, ptr: str) -> None:
        value, error = _value(event)
        if error is not None:
            rule = "JG001" if error.startswith(_TOO_LONG) else "JG003"
            self.problem(rule, event.start_mark, error, ptr)
        self.count(1, event.start_mark, ptr)
        if event.anchor:
            self.anchors[event.anchor] = (value, 1)
        self.add(value, 1, event.start_mark, ptr, False)

    def start(self, event: Any, ptr: str, is_map: bool) -> None:
        tag = event.tag
        if tag not in (None, "!", CORE_TAG + ("map" if is_map else "seq")):
            self.problem("JG003", event.start_mark, tag_message(tag), ptr)
        if len(self.stack) >= self.limits.max_depth:
            self.problem("JG001", event.start_mark,
                         f"the document is nested more than {self.limits.max_depth} levels deep", ptr)
            raise _Stop
        self.stack.append(_Frame({} if is_map else [], ptr, is_map, event.anchor))
        self.marks.append(event.start_mark)

    def end(self) -> None:
        frame, mark = self.stack.pop(), self.marks.pop()
        self.count(1, mark, frame.ptr)
        if frame.merges:
            self._merge(frame, mark)
        if frame.anchor:
            self.anchors[frame.anchor] = (frame.value, frame.size)
        self.add(frame.value, frame.size, mark, frame.ptr, True)

    def _merge(self, frame: _Frame, mark: Any) -> None:
        """Apply ``<<`` merge keys: explicit keys win, earlier merges win over later ones.

        Merged keys have no location of their own: findings about them point at
        the mapping that merged them.
        """
        sources: list[Any] = []
        for value in frame.merges:
            sources.extend(value if isinstance(value, list) else [value])
        for value in sources:
            if not isinstance(value, dict):
                self.problem("JG003", mark, "a merge key (<<) takes a mapping or a list of mappings", frame.ptr)
                continue
            for key, item in value.items():
                frame.value.setdefault(key, item)

    def alias(self, event: Any, ptr: str) -> None:
        name = event.anchor
        if name not in self.anchors:
            self.problem("JG001", event.start_mark, f"the alias *{name} names no anchor defined before it", ptr)
            raise _Stop
        value, size = self.anchors[name]
        self.count(size, event.start_mark, ptr)
        self.add(value, size, event.start_mark, ptr, isinstance(value, (dict, list)))


_TOO_LONG = "a number of more than"


def _value(event: Any) -> tuple[Any, str | None]:
    """The value of a scalar event, and what is wrong with its tag or its number (None: nothing)."""
    tag, text = event.tag, event.value
    try:
        if tag is None or tag == "!":
            return (resolve_plain(text) if (event.style in (None, "") and tag is None) else text), None
        if tag.startswith(CORE_TAG):
            return tagged(tag, text)
    except ValueError:  # a whole number past Python's limit on digits (a hostile file, or a careless one)
        return text, f"{_TOO_LONG} {MAX_DIGITS:,} digits cannot be read: write it as text (quoted) if it is one"
    return text, tag_message(tag)


_SYNTAX = (  # (context starts with, problem starts with, plain words); "" matches anything
    ("while scanning a quoted scalar", "found unexpected end of stream", "this quoted text is never closed"),
    ("while scanning a simple key", "could not find expected ':'", "this key has no colon ':' after it"),
    ("while parsing a flow sequence", "", "this [ list is not closed properly: expected ',' or ']'"),
    ("while parsing a flow mapping", "", "this { mapping is not closed properly: expected ',' or '}'"),
    ("while parsing a block mapping", "did not find expected key",
     "the indentation is wrong below this mapping: a line is not aligned with its keys"),
    ("while parsing a block collection", "did not find expected '-'",
     "the indentation is wrong below this list: a line is not aligned with its items"),
    ("", "mapping values are not allowed", "a ': ' cannot start a mapping here: check this line's indentation "
     "and that the line above ends its key with ':', or quote the text"),
    ("", "found character '\\t' that cannot start any token", "a tab character: indent with spaces only"),
    ("", "found a tab character", "a tab character: indent with spaces only"),
    ("", "found character '@' that cannot start any token", "a value cannot start with '@': quote it"),
    ("", "found character '`' that cannot start any token", "a value cannot start with '`': quote it"),
)


def syntax_error(exc: yaml.MarkedYAMLError, pos: Callable[[Any], tuple[int, int]] | None = None
                 ) -> tuple[int, int, str]:
    """Where a YAML syntax error is, in plain words: at the construct that is broken when known."""
    pos = pos or positions("")
    context, problem = exc.context or "", exc.problem or ""
    tab = "tab" in problem
    at = exc.context_mark if context and exc.context_mark and not tab else exc.problem_mark
    line, col = pos(at) if at else (1, 1)
    found = exc.problem_mark
    where = pos(found) if found else (0, 0)
    detail = f" (found at line {where[0]}, column {where[1]})" if found and found is not at else ""
    for ctx, prob, words in _SYNTAX:
        if context.startswith(ctx) and problem.startswith(prob):
            return line, col, f"YAML syntax error: {words}{detail}"
    what = ", ".join(x for x in (context, problem) if x) or "invalid YAML"
    return line, col, f"YAML syntax error: {what}{detail}"


_LIBYAML_DEPTH = "maximum nesting depth"
"""How libyaml (0.2.5 and later) words its own nesting limit, met while it scans ahead of the events."""


def parse_text(text: str, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Parse one YAML document held in *text*."""
    pos = positions(text)
    builder = _Builder(limits, pos)
    error = _read_events(_Parser(text), builder, text, pos)
    if error is not None and error.problem_mark is not None and _LIBYAML_DEPTH in (error.problem or ""):
        # libyaml stops at 1,000 levels while scanning ahead, before this reader's own depth limit is
        # reached in the events: read the text up to that point with PyYAML's own parser, which scans the
        # same way without a limit, so the limit gives the same finding whichever libyaml is installed
        mark = error.problem_mark
        lines = text.splitlines(keepends=True)
        prefix = "".join(lines[:mark.line]) + (lines[mark.line][:mark.column] if mark.line < len(lines) else "")
        builder = _Builder(limits, pos)
        _read_events(yaml.Loader(prefix), builder, prefix, pos)
        if not any(p[0] == "JG001" for p in builder.problems):  # pragma: no cover - depends on libyaml
            builder.problems.append(("JG001", *syntax_error(error, pos)[:2],
                                     f"the document is nested more than {limits.max_depth} levels deep", ""))
        builder.root = None
    return Loaded(builder.root, builder.locs, builder.problems, text)


def _read_events(parser: Any, builder: _Builder, text: str, pos: Callable[[Any], tuple[int, int]]
                 ) -> yaml.MarkedYAMLError | None:
    """Build the document from *parser*'s events into *builder*; return a syntax error that stopped it."""
    documents = 0
    try:
        while True:
            event: Any = parser.get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent or kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent \
                    or kind is yaml.AliasEvent:
                ptr = builder.child_ptr()
                if ptr is None:
                    builder.key_event(event)
                    if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                        builder.start(event, builder.child_ptr() or "", kind is yaml.MappingStartEvent)
                    continue
                if kind is yaml.ScalarEvent:
                    builder.scalar(event, ptr)
                elif kind is yaml.AliasEvent:
                    builder.alias(event, ptr)
                else:
                    builder.start(event, ptr, kind is yaml.MappingStartEvent)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                builder.end()
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    builder.problem("JG003", event.start_mark,
                                    "the file holds several YAML documents: one agreement per file; "
                                    "only the first was read")
                    break
            elif kind is yaml.StreamEndEvent:
                break
    except yaml.MarkedYAMLError as exc:
        builder.problems.append(("JG001", *syntax_error(exc, pos), ""))
        builder.root = None
        return exc
    except yaml.YAMLError as exc:  # reader errors (control characters) carry a position only
        offset = getattr(exc, "position", 0) or 0  # libyaml counts bytes of the UTF-8 text
        index = len(text.encode("utf-8")[:offset].decode("utf-8", "ignore"))
        line, col = line_col(text)(index)
        reason = getattr(exc, "reason", None) or str(exc)
        builder.problems.append(("JG001", line, col, f"the file cannot be read as YAML: {reason}", ""))
        builder.root = None
    except _Stop:
        builder.root = None
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose:
            dispose()
    return None
