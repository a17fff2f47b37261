"""Reading YAML scalars the way people write agreements (used by the loader).

Plain scalars resolve as in the YAML 1.2 core schema, plus the YAML 1.1 words
``yes``/``no``/``on``/``off`` as booleans (what other YAML tools do, and why a
bare ``no`` where text is expected is reported with a hint to quote it) and
``_`` digit separators. Dates stay text. Only the standard tags are accepted,
and nothing is ever constructed from a tag.
"""

from __future__ import annotations

import re
from typing import Any

CORE_TAG = "tag:yaml.org,2002:"
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {
    "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
    "yes": True, "Yes": True, "YES": True, "no": False, "No": False, "NO": False,
    "on": True, "On": True, "ON": True, "off": False, "Off": False, "OFF": False,
}
_INT = re.compile(r"^[-+]?[0-9][0-9_]*$")
_HEX = re.compile(r"^0x[0-9a-fA-F_]+$")
_OCT = re.compile(r"^0o[0-7_]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$")
BARE_WORDS = frozenset(k for k in _BOOL if k.lower() in {"yes", "no", "on", "off"})
"""Plain scalars that YAML 1.1 reads as booleans although people mean words."""


MAX_DIGITS = 4300
"""The most digits of a whole number read (Python's own limit on converting between text and numbers, which
guards against quadratic time): a longer one is a ValueError, which the loader reports (JG001)."""


def _whole(digits: str, base: int) -> int:
    """A whole number, or ValueError when it would have more than ``MAX_DIGITS`` decimal digits (which no
    report could print)."""
    if len(digits) > MAX_DIGITS:
        raise ValueError(f"more than {MAX_DIGITS} digits")
    value = int(digits, base)
    if base != 10 and value >= _TOO_LARGE:  # a hex or octal number whose decimal form is too long to print
        raise ValueError(f"more than {MAX_DIGITS} digits")
    return value


_TOO_LARGE = 10**MAX_DIGITS


def resolve_plain(text: str) -> Any:
    """The value of an untagged plain scalar: null, bool, int, float or text.

    Dates stay text (``2001-04-01``): the schema checks them, and quoted and
    unquoted dates mean the same. A whole number of more than ``MAX_DIGITS`` digits is a ValueError.
    """
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        return _whole(text.replace("_", ""), 10)
    if _HEX.match(text):
        return _whole(text[2:].replace("_", ""), 16)
    if _OCT.match(text):
        return _whole(text[2:].replace("_", ""), 8)
    if _FLOAT.match(text) and any(ch.isdigit() for ch in text):
        return float(text.replace("_", ""))
    return text  # .inf and .nan stay text: no amount, share or count of an agreement is infinite or NaN


def tag_message(tag: str) -> str:
    """What a finding says of a tag other than the standard ones (JG003)."""
    shown = "!!" + tag[len(CORE_TAG):] if tag.startswith(CORE_TAG) else tag
    return f"the tag {shown} is not allowed: jointgov reads plain YAML and never constructs tagged values; remove it"


def tagged(tag: str, text: str) -> tuple[Any, str | None]:
    """The value of a scalar with an explicit standard tag, or an error message."""
    kind = tag[len(CORE_TAG):]
    if kind in ("str", "timestamp"):
        return text, None
    value = resolve_plain(text)
    expected: Any = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}.get(kind)
    if expected is None:
        return text, tag_message(tag)
    if (isinstance(value, bool) and kind != "bool") or not isinstance(value, expected):
        return text, f"!!{kind} does not fit the value {text!r}"
    return (float(value) if kind == "float" else value), None
