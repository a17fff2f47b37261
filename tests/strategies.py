"""Hypothesis strategies for the fuzz tests: valid agreements (format version 1) and hostile mutants of them.

``agreements()`` builds an agreement as plain data following ``docs/agreement-format.md`` and the
JSON Schema (2-5 parties with unique slug ids, optional sections whose references all resolve, dates
and ``unknown`` where the format marks *(u)*, texts with unicode and YAML-special characters) and
dumps it with PyYAML's safe dumper, ``jointgov: 1`` first. ``mutants()`` damages such a document the
ways people and attackers do: dropped, repeated, retyped and reordered fields, broken indentation,
tags, anchors and aliases (a small alias bomb), merge keys, control characters, 100k-character
strings, deep nesting, random bytes, other encodings and truncation.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Callable
from typing import Any

import yaml
from hypothesis import strategies as st

from jointgov.pipeline.scalars import resolve_plain

__all__ = [
    "MARKER",
    "MUTATIONS",
    "agreement_data",
    "agreements",
    "dump",
    "mutants",
    "mutate",
]

Data = dict[str, Any]
Draw = st.DrawFn

MARKER = f"/tmp/jointgov-fuzz-marker-{os.getpid()}"
"""A file that an injected ``!!python/object/apply:os.system`` tag would create if a tag were ever constructed."""

RESERVED = frozenset({"any", "joint", "unknown", "mediator", "arbitrator", "expert", "court", "proportional",
                      "host", "by-agreement"})

PARTY_KINDS = ("local-authority", "health-authority", "strategic-health-authority", "primary-care-trust",
               "care-trust", "nhs-trust", "nhs-foundation-trust", "clinical-commissioning-group",
               "integrated-care-board", "health-board", "voluntary-sector", "private-provider", "other")
JURISDICTIONS = ("england", "wales", "scotland", "northern-ireland", "other")
STATUTORY = ("nhs-act-2006-s75", "nhs-wales-act-2006-s33", "health-act-1999-s31", "lga-1972-s113",
             "public-bodies-scotland-2014", "other")
ARRANGEMENTS = ("joint-post", "pooled-budget", "lead-commissioning", "integrated-provision", "secondment")
STATUSES = ("draft", "signed", "in-force", "ended")
APPROVAL_KINDS = ("statutory-consent", "board-resolution", "notification")
CONSULTEES = ("staff", "trade-unions", "service-users", "public", "post-holder", "other")
INSTRUMENTS = ("s113", "secondment", "joint-contract", "honorary-contract", "unknown")
REMOVAL_REQUIRES = ("joint-review", "notice", "consultation", "dispute-route")
APPRAISALS = ("joint", "employer-only", "unknown")
PROTOCOL_KINDS = ("joint-post", "arbitration", "withdrawal", "communication", "information-sharing",
                  "performance-review", "secondment", "exit", "other")
COVERS = ("any", "joint-post", "pooled-budget", "secondment", "governance", "exit")
STEP_BODIES = ("mediator", "arbitrator", "expert", "court")
STEP_OUTCOMES = ("advisory", "agreement", "binding")
TERMS = ("retain", "adopt", "choice", "unknown")
RISK_WORDS = ("proportional", "host", "by-agreement")
REPORTING = ("monthly", "quarterly", "six-monthly", "annually")
BODY_KINDS = ("joint-board", "joint-committee", "partnership-board", "joint-agency-group", "commissioning-board",
              "management-board", "other")
DECIDES_BY = ("consensus", "majority", "unanimous")
EVENTS = ("external-rating", "reorganisation", "scope-change", "key-person-departure", "overspend",
          "party-withdrawal", "funding-shortfall")
EXIT_REQUIRES = ("joint-review", "dispute-route", "consultation")
CLAUSES = ("information_sharing", "confidentiality", "complaints", "liabilities", "insurance", "audit",
           "change_in_law", "conflicts_of_interest", "freedom_of_information")
RULE_KEYS = ("JG101", "JG104", "JG107", "JG201", "JG401", "JG609", "protocol-before-appointment",
             "no-unilateral-removal", "role-continuity", "JG1", "JG999")

# ---------------------------------------------------------------------------------------------- valid agreements

YAML_SPECIAL_TEXTS = (
    "yes", "no", "on", "off", "Yes", "NO", "true", "null", "~", "", "0o17", "0x1F", "1_000", "1e5", ".inf", "-.5",
    ".nan", "2001-04-01", "12:30", "- item", "key: value", "a #comment", "#hash", "&anchor", "*alias", "!tag",
    "!!python/object/apply:os.system", "%YAML 1.1", "@at", "`tick", "|", ">", "---", "...", "{a: 1}", "[1, 2]",
    "'single'", '"double"', "back\\slash", "tab\there", "multi\nline\ntext", " leading space", "trailing space ",
    "<<", "=", "?", "unknown", "Müller & Söhne", "Ysbyty Gwynedd — Bwrdd Iechyd", "Comhairle nan Eilean Siar",
    "東京", "🏥 NHS", "Ω≈ç√∫", "\u00a0nbsp", "zero\u200bwidth", "rtl \u202eevil",
)

_TEXT_CHARS = st.characters(codec="utf-8")  # any code point UTF-8 can hold (no surrogates)
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DATE = st.one_of(st.dates(min_value=_dt.date(1990, 1, 1), max_value=_dt.date(2040, 12, 31)),
                  st.dates(), st.sampled_from([_dt.date(1, 1, 1), _dt.date(9999, 12, 31), _dt.date(2024, 2, 29)]))
_SLUG = st.builds(str.__add__, st.sampled_from(_LOWER + "0123456789"),
                  st.text(_LOWER + "0123456789-", max_size=14)).filter(lambda s: s not in RESERVED)
_WORDS = st.builds(lambda head, rest: (head + " ".join(rest)).strip(), st.sampled_from(_LOWER.upper()),
                   st.lists(st.text(_LOWER, min_size=1, max_size=10), min_size=1, max_size=5))
TEXT = st.one_of(_WORDS, st.sampled_from(YAML_SPECIAL_TEXTS).filter(bool),
                 st.text(_TEXT_CHARS, min_size=1, max_size=40))
"""Non-empty free text: plain words, YAML-special strings and arbitrary unicode."""
DATE = st.one_of(_DATE, _DATE.map(lambda d: d.isoformat()))
"""A date, unquoted (a YAML date) or quoted (a string): both mean the same."""
DATE_U = st.one_of(DATE, st.just("unknown"))
"""A date, or ``unknown`` (fields marked *(u)*)."""
_HUGE = st.sampled_from([2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**30, 10**400])
"""Integers past the engine's int64 (it saturates them) and past a double."""
COUNT = st.one_of(st.integers(0, 10**6), _HUGE)
CURRENCY = st.text(_LOWER.upper(), min_size=3, max_size=3)
MONEY = st.one_of(st.integers(0, 10**9), st.floats(0, 10**9, allow_nan=False, allow_infinity=False), _HUGE,
                  st.floats(0, allow_nan=False, allow_infinity=False))
PERCENT_U = st.one_of(st.integers(0, 100), st.floats(0, 100, allow_nan=False, allow_infinity=False),
                      st.just("unknown"))
_ANYTHING = st.recursive(st.none() | st.booleans() | st.integers() | TEXT,
                         lambda kids: st.lists(kids, max_size=3)
                         | st.dictionaries(st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=6), kids,
                                           max_size=3),
                         max_leaves=6)
_X_KEY = st.text(_TEXT_CHARS, max_size=8).map(lambda s: "x-" + s)


def subset(items: list[str] | tuple[str, ...], min_size: int = 0) -> st.SearchStrategy[list[str]]:
    """A list of distinct items drawn from *items*."""
    return st.lists(st.sampled_from(list(items)), min_size=min_size, max_size=len(items), unique=True) \
        if items else st.just([])


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, but a string is quoted whenever jointgov's reader would not read it back as text.

    PyYAML quotes by the YAML 1.1 rules; jointgov reads plain scalars by the YAML 1.2 core schema (plus the
    1.1 words yes/no/on/off), so ``0o17`` or ``1e5`` would otherwise come back as numbers.
    """


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    node = dumper.represent_str(value)
    if isinstance(node, yaml.ScalarNode) and node.style is None and resolve_plain(value) != value:
        node.style = "'"
    return node


_Dumper.add_representer(str, _represent_str)


def dump(data: Data) -> str:
    """The agreement as YAML text (``yaml.safe_dump(sort_keys=False, allow_unicode=True)``, stricter quoting)."""
    assert next(iter(data)) == "jointgov", "the reader requires jointgov first"
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return text


def _opt(draw: Draw, item: Data, key: str, strategy: st.SearchStrategy[Any]) -> None:
    """Add *key* to *item* half the time."""
    if draw(st.booleans()):
        item[key] = draw(strategy)


def _pick(names: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(names)


def _extensions(draw: Draw, item: Data) -> None:
    """Sometimes add an ``x-`` key (free for local extensions) holding anything."""
    if draw(st.integers(0, 5)) == 0:
        item[draw(_X_KEY)] = draw(_ANYTHING)


@st.composite
def agreement_data(draw: Draw) -> Data:
    """A valid agreement as plain data: no JG0xx finding (every reference resolves, every id is unique)."""
    sizes = {
        "parties": draw(st.integers(2, 5)),
        "joint_posts": draw(st.integers(0, 2)),
        "protocols": draw(st.integers(0, 3)),
        "dispute_routes": draw(st.integers(0, 2)),
        "secondments": draw(st.integers(0, 2)),
        "pooled_budgets": draw(st.integers(0, 2)),
        "governance_bodies": draw(st.integers(0, 3)),
    }
    pool: list[str] = draw(st.lists(_SLUG, min_size=sum(sizes.values()) + 1, max_size=sum(sizes.values()) + 1,
                                    unique=True))
    ids: dict[str, list[str]] = {}
    at = 1
    for section, n in sizes.items():
        ids[section] = pool[at:at + n]
        at += n
    party_ids, bodies, protocol_ids, routes = (ids["parties"], ids["governance_bodies"], ids["protocols"],
                                               ids["dispute_routes"])
    party = _pick(party_ids)
    party_refs = subset(party_ids)

    agreement: Data = {"id": pool[0], "title": draw(TEXT)}
    agreement["jurisdiction"] = draw(st.sampled_from(JURISDICTIONS))
    _opt(draw, agreement, "statutory_basis", subset(STATUTORY))
    _opt(draw, agreement, "arrangements", subset(ARRANGEMENTS))
    _opt(draw, agreement, "status", st.sampled_from(STATUSES))
    for key in ("signed_on", "commences_on", "expires_on"):
        _opt(draw, agreement, key, DATE_U)
    for key in ("aims", "functions", "services", "client_groups", "excluded"):
        _opt(draw, agreement, key, st.lists(TEXT, max_size=3))
    _extensions(draw, agreement)

    parties: list[Data] = []
    for i, pid in enumerate(party_ids):
        item: Data = {"id": pid, "name": draw(TEXT), "kind": draw(st.sampled_from(PARTY_KINDS))}
        if draw(st.integers(0, 2)) == 0:  # mostly by later parties; cycles and itself are valid too
            later = party_ids[i + 1:] if i < len(party_ids) - 1 and draw(st.integers(0, 3)) else party_ids
            item["superseded_by"] = draw(st.one_of(_pick(later), subset(later, min_size=1)))
            _opt(draw, item, "superseded_on", DATE_U)
        if i > 0:
            _opt(draw, item, "reaffirmed_on", DATE_U)
        _extensions(draw, item)
        parties.append(item)

    sections: Data = {}
    if draw(st.booleans()):
        sections["approvals"] = draw(st.lists(st.fixed_dictionaries(
            {"by": TEXT}, optional={"kind": st.sampled_from(APPROVAL_KINDS), "date": DATE_U}), max_size=3))
    if draw(st.booleans()):
        sections["consultations"] = draw(st.lists(st.fixed_dictionaries(
            {"with": st.sampled_from(CONSULTEES)}, optional={"date": DATE_U, "about": TEXT}), max_size=3))
    if draw(st.booleans()):
        sections["successors"] = draw(st.fixed_dictionaries(
            {}, optional={"binding": st.booleans(), "reaffirm_within_days": COUNT}))

    body_or_unknown = st.one_of(_pick(bodies), st.just("unknown")) if bodies else st.just("unknown")
    if ids["joint_posts"]:
        posts: list[Data] = []
        for pid in ids["joint_posts"]:
            post: Data = {"id": pid, "title": draw(TEXT)}
            _opt(draw, post, "roles", st.lists(st.fixed_dictionaries(
                {"party": party},
                optional={"role": TEXT, "time_share": PERCENT_U,
                          "reports_to": body_or_unknown}), max_size=3))
            _opt(draw, post, "employer", st.one_of(party, st.sampled_from(["joint", "unknown"])))
            _opt(draw, post, "instrument", st.sampled_from(INSTRUMENTS))
            if protocol_ids:
                _opt(draw, post, "protocol", _pick(protocol_ids))
            _opt(draw, post, "appointed_on", DATE_U)
            _opt(draw, post, "holder", TEXT)
            _opt(draw, post, "removal", st.fixed_dictionaries({}, optional={
                "decided_by": party_refs, "requires": subset(REMOVAL_REQUIRES), "notice_days": COUNT}))
            if routes:
                _opt(draw, post, "concerns_route", _pick(routes))
            _opt(draw, post, "appraisal", st.sampled_from(APPRAISALS))
            _opt(draw, post, "continuity", TEXT)
            _extensions(draw, post)
            posts.append(post)
        sections["joint_posts"] = posts
    if protocol_ids:
        sections["protocols"] = [
            draw(st.fixed_dictionaries({"id": st.just(pid)}, optional={
                "title": TEXT, "kind": st.sampled_from(PROTOCOL_KINDS), "agreed_on": DATE_U,
                "agreed_by": party_refs, "review_on": DATE}))
            for pid in protocol_ids]
    if routes:
        step_body = st.one_of(_pick(bodies), st.sampled_from(STEP_BODIES)) if bodies else st.sampled_from(STEP_BODIES)
        sections["dispute_routes"] = [
            draw(st.fixed_dictionaries({"id": st.just(rid)}, optional={
                "covers": subset(COVERS), "agreed_on": DATE_U, "agreed_by": party_refs,
                "steps": st.lists(st.fixed_dictionaries({}, optional={
                    "body": step_body, "within_days": COUNT, "outcome": st.sampled_from(STEP_OUTCOMES)}),
                    max_size=4),
                "arbitration": st.fixed_dictionaries({}, optional={
                    "appointed_by": TEXT, "rules": TEXT, "costs": TEXT})}))
            for rid in routes]
    if ids["secondments"]:
        sections["secondments"] = [
            draw(st.fixed_dictionaries({"id": st.just(sid)}, optional={
                "staff": TEXT, "headcount": COUNT, "employer": party, "host": party,
                "terms": st.sampled_from(TERMS), "day_to_day_manager": party, "professional_line": party,
                "consulted_on": DATE_U, "on_return": TEXT}))
            for sid in ids["secondments"]]
    if ids["pooled_budgets"]:
        risk = st.one_of(st.sampled_from(RISK_WORDS), party)
        sections["pooled_budgets"] = [
            draw(st.fixed_dictionaries({"id": st.just(bid)}, optional={
                "host": party, "manager": TEXT, "currency": CURRENCY,
                "total": st.one_of(MONEY, st.just("unknown")),
                "contributions": st.lists(st.fixed_dictionaries({"party": party, "amount": MONEY}),
                                          max_size=4),
                "variation": TEXT,
                "risk_share": st.fixed_dictionaries({}, optional={"overspend": risk, "underspend": risk}),
                "reporting": st.sampled_from(REPORTING)}))
            for bid in ids["pooled_budgets"]]
    if bodies:
        gov: list[Data] = []
        for i, gid in enumerate(bodies):
            body = draw(st.fixed_dictionaries({"id": st.just(gid)}, optional={
                "name": TEXT, "kind": st.sampled_from(BODY_KINDS),
                "members": st.lists(st.fixed_dictionaries({"party": party}, optional={
                    "role": TEXT, "count": COUNT, "elected": st.booleans()}), max_size=4),
                "chair": st.fixed_dictionaries({}, optional={"party": party, "role": TEXT}),
                "quorum": st.fixed_dictionaries({}, optional={"min": COUNT, "per_party": COUNT}),
                "decides_by": st.sampled_from(DECIDES_BY), "powers": st.lists(TEXT, max_size=3)}))
            if i > 0 or draw(st.integers(0, 4)) == 0:  # mostly earlier bodies; cycles and itself are valid too
                _opt(draw, body, "parent", _pick(bodies[:i] if i and draw(st.integers(0, 4)) else bodies))
            gov.append(body)
        sections["governance_bodies"] = gov
    if draw(st.booleans()):
        optional: dict[str, st.SearchStrategy[Any]] = {"commissioned_by": _pick(bodies)} if bodies else {}
        sections["lead_providers"] = draw(st.lists(st.fixed_dictionaries(
            {"service": TEXT, "provider": party}, optional=optional), max_size=2))
    if draw(st.booleans()):
        measure = st.one_of(TEXT, MONEY)
        sections["outcomes"] = draw(st.lists(st.fixed_dictionaries({"indicator": TEXT}, optional={
            "baseline": measure, "target": measure, "by": DATE, "agreed_by": party_refs}), max_size=3))
    if draw(st.booleans()):
        sections["review"] = draw(st.fixed_dictionaries({}, optional={
            "every_months": COUNT,
            "evaluation": st.fixed_dictionaries({}, optional={"by": TEXT, "method": TEXT, "due_on": DATE})}))
    if draw(st.booleans()):
        optional = {"response": TEXT, "decided_by": party_refs, "within_days": COUNT}
        if routes:
            optional["route"] = _pick(routes)
        sections["triggers"] = draw(st.lists(st.fixed_dictionaries(
            {"event": st.sampled_from(EVENTS)}, optional=optional), max_size=3))
    if draw(st.booleans()):
        sections["exit"] = draw(st.fixed_dictionaries({}, optional={
            "notice_days": COUNT, "requires": subset(EXIT_REQUIRES), "staff_plan": TEXT,
            "assets_liabilities": TEXT}))
    if draw(st.booleans()):
        optional = {"owner": _pick(party_ids + bodies), "joint_statements": st.booleans()}
        if protocol_ids:
            optional["crisis_protocol"] = _pick(protocol_ids)
        sections["communication"] = draw(st.fixed_dictionaries({}, optional=optional))
    if draw(st.booleans()):
        sections["clauses"] = draw(st.fixed_dictionaries({}, optional=dict.fromkeys(CLAUSES, TEXT)))
    if draw(st.booleans()):
        targets = [i for section in ("parties", "joint_posts", "protocols", "dispute_routes", "secondments",
                                     "pooled_budgets", "governance_bodies") for i in ids[section]]
        optional = {"target": _pick(targets), "reason": TEXT, "approved_on": DATE, "expires_on": DATE}
        if bodies:
            optional["approved_by"] = _pick(bodies)
        sections["waivers"] = draw(st.lists(st.fixed_dictionaries(
            {"rule": st.one_of(st.sampled_from(RULE_KEYS), TEXT)}, optional=optional), max_size=3))

    data: Data = {"jointgov": 1, "agreement": agreement, "parties": parties}
    for key in draw(st.permutations(list(sections))):  # any order after jointgov
        data[key] = sections[key]
    _extensions(draw, data)
    return data


def agreements() -> st.SearchStrategy[str]:
    """Valid agreements as YAML text."""
    return agreement_data().map(dump)


# ----------------------------------------------------------------------------------------------------- mutations

_KEY_LINE = re.compile(r"^( *)(- )?([^\s#'\"\-?:][^:#]*|'[^']*'|\"[^\"]*\"):( |$)")
RETYPES = ("'text'", '"text"', "[a, b]", "[]", "{}", "{a: 1}", "42", "-5", "3.5", "1e309", "0x1F", "0o17", "1_000",
           "true", "false", "yes", "no", "on", "off", "null", "~", "", ".nan", "-.inf", "unknown", "2026-02-30",
           "2026-13-01", "99999-01-01", "- a", "|\n  block", ">-\n  folded", "'it''s'", "\"\\u00e9\\x00\"")
TAGS = (
    f'!!python/object/apply:os.system ["touch {MARKER}"]',
    f"!!python/object/new:os.system ['touch {MARKER}']",
    f'!<tag:yaml.org,2002:python/object/apply:os.system> ["touch {MARKER}"]',
    "!!python/name:os.system", "!!python/module:os", f"!!python/object:os.system {{cmd: touch {MARKER}}}",
    "!custom value", "!custom", "!custom [1, 2]", "!custom {a: 1}", "!!binary aGVsbG8=", "!!binary ???",
    "!!str 2001", "!!int abc", "!!int 7", "!!float x", "!!bool maybe", "!!null x", "!!timestamp 2001-01-01",
    "!!set {a, b}", "!!omap [a: 1]", "!!map {a: 1}", "!!seq [1]", "!!map [1]", "!!seq {a: 1}", "! plain",
    "!e!tag x", "!<!> x", "!!merge x", "!!value x", "!!yaml x",
)
BAD_UTF8 = (b"\xff", b"\xfe", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82",
            b"\x80", b"\xf8\x88\x80\x80\x80")
CONTROL = tuple(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127, *range(0x80, 0xA0)]) + (
    "\ufeff", "\ufffe", "\uffff", "\u2028", "\u2029", "\r", "\r\n", "\t", "\x85", "\U0010ffff", "\ud7ff")


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _block_end(lines: list[str], i: int) -> int:
    """The index after line *i*'s block: the following lines indented deeper than it (or than its ``- ``
    item), and the ``- `` items of a list that PyYAML writes at its key's own indentation."""
    line = lines[i]
    indent = len(line) - len(line.lstrip(" "))
    item = line.lstrip(" ").startswith("- ")
    opens = not item and line.rstrip().endswith(":")
    if item:
        indent += 1  # an item's own keys sit at indent + 2
    j = i + 1
    while j < len(lines):
        following = lines[j]
        depth = len(following) - len(following.lstrip(" "))
        if following.strip() and depth <= indent and not (
                opens and depth == indent and following.lstrip(" ").startswith("- ")):
            break
        j += 1
    return j


def _key_lines(lines: list[str]) -> list[int]:
    """Lines holding a key, except ``jointgov: 1`` (damaging the version stops the check before the schema;
    the ``structure`` mutations do that)."""
    return [i for i, line in enumerate(lines) if _KEY_LINE.match(line) and not line.startswith("jointgov:")]


def _drop(draw: Draw, text: str) -> str:
    lines = _lines(text)
    keys = _key_lines(lines)
    if not keys:
        return text
    i = draw(st.sampled_from(keys))
    whole = draw(st.booleans())
    end = _block_end(lines, i) if whole else i + 1
    return "\n".join(lines[:i] + lines[end:])


def _duplicate(draw: Draw, text: str) -> str:
    """Repeat a key textually (JG002): the copy goes right after the key's block, at the key's column."""
    lines = _lines(text)
    keys = _key_lines(lines)
    if not keys:
        return text
    i = draw(st.sampled_from(keys))
    end = _block_end(lines, i)
    block = lines[i:end] if draw(st.booleans()) else [lines[i]]
    if block[0].lstrip(" ").startswith("- "):
        block = [block[0].replace("- ", "  ", 1), *block[1:]]
    where = draw(st.sampled_from([end, i + 1]))
    return "\n".join(lines[:where] + block + lines[where:])


def _retype(draw: Draw, text: str) -> str:
    """Replace a value (scalar or a whole block) by another type, or turn a list item's value into a mapping."""
    lines = _lines(text)
    keys = _key_lines(lines)
    if not keys:
        return text
    i = draw(st.sampled_from(keys))
    match = _KEY_LINE.match(lines[i])
    assert match is not None
    head = lines[i][:match.end(3) + 1]
    new = draw(st.sampled_from(RETYPES))
    pad = " " * (len(match.group(1)) + (2 if match.group(2) else 0) + 2)
    new = new.replace("\n", "\n" + pad)
    return "\n".join([*lines[:i], f"{head} {new}".rstrip(), *lines[_block_end(lines, i):]])


def _reorder(draw: Draw, text: str) -> str:
    """Swap a key's block with its next sibling's (moving ``jointgov: 1`` down is one case)."""
    lines = _lines(text)
    keys = _key_lines(lines)
    candidates = []
    for i in keys:
        end = _block_end(lines, i)
        indent = len(lines[i]) - len(lines[i].lstrip(" "))
        if lines[i].lstrip(" ").startswith("- "):
            continue
        if end < len(lines) and end in keys and len(lines[end]) - len(lines[end].lstrip(" ")) == indent \
                and not lines[end].lstrip(" ").startswith("- "):
            candidates.append((i, end, _block_end(lines, end)))
    if not candidates:
        return text
    i, mid, end = draw(st.sampled_from(candidates))
    return "\n".join(lines[:i] + lines[mid:end] + lines[i:mid] + lines[end:])


def _indent(draw: Draw, text: str) -> str:
    """Insert or remove spaces at the start of a line, or put a tab in one."""
    lines = _lines(text)
    i = draw(st.integers(0, len(lines) - 1))
    line = lines[i]
    how = draw(st.sampled_from(["add", "remove", "tab-start", "tab-anywhere", "tab-indent"]))
    n = draw(st.integers(1, 4))
    if how == "add":
        line = " " * n + line
    elif how == "remove":
        line = line[min(n, len(line) - len(line.lstrip(" "))):]
    elif how == "tab-start":
        line = "\t" + line
    elif how == "tab-indent":
        line = line.replace("  ", "\t", 1)
    else:
        at = draw(st.integers(0, len(line)))
        line = line[:at] + "\t" + line[at:]
    lines[i] = line
    return "\n".join(lines)


def _tag(draw: Draw, text: str) -> str:
    """Put a tag on a value (or a key, or a whole section), among them one that would run a command."""
    tag = draw(st.sampled_from(TAGS))
    lines = _lines(text)
    keys = _key_lines(lines)
    where = draw(st.sampled_from(["value", "section", "top", "key", "document"]))
    if where == "top" or not keys:
        return text.rstrip("\n") + f"\nx-evil: {tag}\n"
    if where == "document":
        return f"--- {tag}\n" + text if draw(st.booleans()) else text.replace("jointgov: 1", f"jointgov: {tag}", 1)
    i = draw(st.sampled_from(keys))
    match = _KEY_LINE.match(lines[i])
    assert match is not None
    if where == "key":
        start = match.start(3)
        lines[i] = lines[i][:start] + tag.split(" ")[0] + " " + lines[i][start:]
        return "\n".join(lines)
    head, rest = lines[i][:match.end(3) + 1], lines[i][match.end(3) + 1:]
    if where == "section":  # tag before the value, keeping the value (or the block below)
        tag_word = tag.split(" ")[0]
        lines[i] = f"{head} {tag_word}{rest}"
        return "\n".join(lines)
    return "\n".join([*lines[:i], f"{head} {tag}", *lines[_block_end(lines, i):]])


def _alias(draw: Draw, text: str) -> str:
    """Anchors and aliases: a good pair, an undefined alias, an alias as a key, a recursive one, or a bomb."""
    lines = _lines(text)
    keys = _key_lines(lines)
    how = draw(st.sampled_from(["pair", "undefined", "key", "recursive", "bomb", "deep-bomb", "anchor-only"]))
    if how in ("bomb", "deep-bomb"):
        width, depth = (10, draw(st.integers(4, 9))) if how == "bomb" else (2, draw(st.integers(10, 25)))
        bomb = [f"x-l0: &l0 [{', '.join(['lol'] * width)}]"]
        bomb += [f"x-l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * width)}]" for k in range(1, depth)]
        at = draw(st.sampled_from(["end", "start"]))
        if at == "start":
            return "jointgov: 1\n" + "\n".join(bomb) + "\n" + text.replace("jointgov: 1\n", "", 1)
        return text.rstrip("\n") + "\n" + "\n".join(bomb) + "\n"
    if how == "recursive":
        return text.rstrip("\n") + "\nx-loop: &loop [*loop]\n"
    if not keys:
        return text
    i = draw(st.sampled_from(keys))
    match = _KEY_LINE.match(lines[i])
    assert match is not None
    head, rest = lines[i][:match.end(3) + 1], lines[i][match.end(3) + 1:]
    name = draw(st.sampled_from(["a", "x", "é", "a1", "anchor-name"]))
    if how == "undefined":
        lines[i] = f"{head} *{name}"
        del lines[i + 1:_block_end(lines, i)]
    elif how == "anchor-only":
        lines[i] = f"{head} &{name}{rest}"
    elif how == "key":
        lines[i] = lines[i][:match.start(3)] + f"*{name} " + lines[i][match.end(3):]
    else:
        lines[i] = f"{head} &{name}{rest}"
        later = [k for k in keys if k >= _block_end(lines, i)] or keys  # an alias after its anchor, mostly
        j = draw(st.sampled_from(later))
        m2 = _KEY_LINE.match(lines[j])
        assert m2 is not None
        end = _block_end(lines, j)
        lines[j:end] = [f"{lines[j][:m2.end(3) + 1]} *{name}"]
    return "\n".join(lines)


def _merge(draw: Draw, text: str) -> str:
    """Merge keys (``<<: *x``): into a mapping, of a list, of a scalar, or of nothing."""
    source = draw(st.sampled_from([
        "x-base: &x {id: merged, name: Merged, kind: other}",
        "x-base: &x {title: Merged title, jurisdiction: wales}",
        "x-base: &x\n  id: council\n  name: Duplicate",
        "x-base: &x 42",
        "x-base: &x [a, b]",
        "x-base: &x {}",
    ]))
    merge = draw(st.sampled_from(["<<: *x", "<<: [*x, *x]", "<<: *y", "<<: {a: 1}", "<<: 5", "'<<': *x",
                                  "<<: [*x, 5]", "<<: !!merge *x"]))
    lines = _lines(text)
    keys = _key_lines(lines)
    if not keys:
        return text
    i = draw(st.sampled_from(keys))
    line = lines[i]
    item = line.lstrip(" ").startswith("- ")
    indent = len(line) - len(line.lstrip(" ")) + (2 if item else 0)
    lines.insert(i + 1 if item else _block_end(lines, i), " " * indent + merge)  # a sibling of the key
    head = "jointgov: 1\n" + source + "\n"
    body = "\n".join(lines)
    if draw(st.integers(0, 3)) < 3 and body.startswith("jointgov: 1\n"):  # the anchor first, mostly
        return head + body[len("jointgov: 1\n"):]
    return body.rstrip("\n") + "\n" + source + "\n"


def _control(draw: Draw, text: str) -> str:
    ch = draw(st.sampled_from(CONTROL))
    at = draw(st.integers(0, len(text)))
    if draw(st.booleans()):  # inside a quoted value, where some are allowed
        return text.rstrip("\n") + f'\nx-ctl: "a{ch}b"\n'
    return text[:at] + ch + text[at:]


def _long(draw: Draw, text: str) -> str:
    n = draw(st.sampled_from([100_000, 100_001, 65_536]))
    char = draw(st.sampled_from(["a", "é", "🏥", " ", "'"]))
    how = draw(st.sampled_from(["plain", "quoted", "key", "title", "comment"]))
    if how == "key":
        return text.rstrip("\n") + "\nx-" + "k" * n + ": 1\n"
    if how == "comment":
        return text.rstrip("\n") + "\n# " + char * n + "\n"
    lines = _lines(text)
    i = next((k for k, line in enumerate(lines) if line.startswith("  title: ")), None)
    if how == "title" and i is not None:  # "  title: " can also stand mid-line in a mutant: look for a line
        lines[i] = "  title: " + "b" * n
        return "\n".join(lines)
    value = "x" + "b" * n if how == "plain" else '"' + char.replace("'", "\\'") * n + '"'
    return text.rstrip("\n") + f"\nx-long: {value}\n"


def _deep(draw: Draw, text: str) -> str:
    n = draw(st.integers(200, 5000))
    how = draw(st.sampled_from(["flow-list", "flow-map", "unclosed", "block", "mixed"]))
    if how == "flow-list":
        value = "[" * n + "]" * n
    elif how == "flow-map":
        value = "{a: " * n + "1" + "}" * n
    elif how == "unclosed":
        value = "[" * n
    elif how == "mixed":
        value = "[{a: " * (n // 2) + "1" + "}]" * (n // 2)
    else:
        value = "".join("\n" + "  " * (k + 1) + "k:" for k in range(min(n, 400))) + " 1"
    where = draw(st.sampled_from(["extension", "agreement"]))
    if where == "agreement" and "\nagreement:\n" in text:
        return text.replace("\nagreement:\n", f"\nx-deep: {value}\nagreement:\n", 1)
    return text.rstrip("\n") + f"\nx-deep: {value}\n"


def _structure(draw: Draw, text: str) -> str:
    """Document-level damage: several documents, directives, flow style, CRLF, an empty or odd root."""
    how = draw(st.sampled_from(["two-docs", "end-marker", "directive", "tag-directive", "crlf", "cr", "comment",
                                "root-list", "root-scalar", "empty", "only-version", "version-last"]))
    if how == "two-docs":
        return text + "---\n" + text
    if how == "end-marker":
        return text + "...\n"
    if how == "directive":
        return draw(st.sampled_from(["%YAML 1.1\n---\n", "%YAML 1.2\n---\n", "%YAML 2.0\n---\n", "%FOO bar\n---\n",
                                     "%YAML 1.1\n%YAML 1.1\n---\n"])) + text
    if how == "tag-directive":
        return f"%TAG !e! tag:yaml.org,2002:python/object/apply:\n--- !e!os.system ['touch {MARKER}']\n"
    if how == "crlf":
        return text.replace("\n", "\r\n")
    if how == "cr":
        return text.replace("\n", "\r")
    if how == "comment":
        return "# a comment\n" + text
    if how == "root-list":
        return "- " + text.replace("\n", "\n  ")
    if how == "root-scalar":
        return draw(st.sampled_from(["1\n", "jointgov\n", "'jointgov: 1'\n", "null\n", "[]\n", "{}\n", "---\n"]))
    if how == "empty":
        return draw(st.sampled_from(["", "\n", " ", "#", "---", "...", "\n\n\n"]))
    if how == "only-version":
        return draw(st.sampled_from(["jointgov: 1\n", "jointgov: 1.0\n", "jointgov: '1'\n", "jointgov: true\n",
                                     "jointgov:\n", "jointgov: [1]\n", "jointgov: .nan\n"]))
    return text.replace("jointgov: 1\n", "", 1) + "jointgov: 1\n"


MUTATIONS: dict[str, Callable[[Draw, str], str]] = {
    "drop": _drop,
    "duplicate": _duplicate,
    "retype": _retype,
    "reorder": _reorder,
    "indent": _indent,
    "tag": _tag,
    "alias": _alias,
    "merge": _merge,
    "control": _control,
    "long": _long,
    "deep": _deep,
    "structure": _structure,
}


def _to_bytes(draw: Draw, text: str) -> bytes:
    """Encode the text, sometimes badly: BOMs, UTF-16/32, invalid UTF-8, random bytes, truncation."""
    how = draw(st.sampled_from(["utf8"] * 12 + ["bom", "utf16", "utf16-nobom", "utf32", "latin1", "bad-utf8",
                                                "random-bytes", "random-only", "truncate", "nul"]))
    raw = text.encode("utf-8", "surrogatepass")
    if how == "bom":
        return b"\xef\xbb\xbf" + raw
    if how == "utf16":
        return text.encode("utf-16", "surrogatepass")
    if how == "utf16-nobom":
        return text.encode(draw(st.sampled_from(["utf-16-le", "utf-16-be"])), "surrogatepass")
    if how == "utf32":
        return text.encode("utf-32", "surrogatepass")
    if how == "latin1":
        return text.encode("latin-1", "replace")
    if how == "bad-utf8":
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(st.sampled_from(BAD_UTF8)) + raw[at:]
    if how == "random-bytes":
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(st.binary(min_size=1, max_size=16)) + raw[at:]
    if how == "random-only":
        return bytes(draw(st.binary(max_size=200)))
    if how == "truncate":
        return raw[:draw(st.integers(0, len(raw)))]
    if how == "nul":
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + b"\x00" + raw[at:]
    return raw


@st.composite
def mutate(draw: Draw, text: str, steps: int = 3) -> bytes:
    """Apply 1 to *steps* mutations to *text*, then encode it (perhaps badly)."""
    for _ in range(draw(st.integers(1, steps))):
        name = draw(st.sampled_from(list(MUTATIONS)))
        text = MUTATIONS[name](draw, text)
    return _to_bytes(draw, text)


@st.composite
def mutants(draw: Draw, steps: int = 3) -> bytes:
    """A valid agreement damaged by 1 to *steps* mutations, as the bytes of a file."""
    text: str = draw(agreements())
    raw: bytes = draw(mutate(text, steps))
    return raw
