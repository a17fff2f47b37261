"""Bad input: every kind gets a located finding (JG001-JG006), never a traceback."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from jointgov.pipeline.load import parse_text
from tests.conftest import BASE

Located = Callable[..., list[tuple[str, int, int]]]


def test_valid_base_has_no_reading_findings(located: Located) -> None:
    assert located(BASE, "JG0") == []


@pytest.mark.parametrize(("text", "expected"), [
    ("", [("JG006", 1, 1)]),
    ("# only a comment\n", [("JG006", 1, 1)]),
    ("- a\n- b\n", [("JG003", 1, 1)]),
    ("just text\n", [("JG003", 1, 1)]),
    ("jointgov: 2\n", [("JG006", 1, 11)]),
    ("jointgov: yes\n", [("JG006", 1, 11)]),
    ("agreement: {}\n", [("JG006", 1, 1)]),
    (BASE.replace("jointgov: 1\n", "") + "jointgov: 1\n", [("JG006", 12, 1)]),
    ("jointgov: 1\nagreement: [1, 2\n", [("JG001", 2, 12)]),
    ("jointgov: 1\nagreement:\n  id: \"x\n  title: T\n", [("JG001", 3, 7)]),
    ("jointgov: 1\n\tagreement: x\n", [("JG001", 2, 1)]),
    ("jointgov: 1\nagreement:\n  id: x\n\ttitle: y\n", [("JG001", 4, 1)]),
    ("jointgov: 1\nagreement: *nothing\n", [("JG001", 2, 12)]),
    (BASE + "jointgov: 1\n", [("JG002", 13, 1)]),
    (BASE + "---\njointgov: 1\n", [("JG003", 13, 1)]),
])
def test_bad_documents_are_located(located: Located, text: str, expected: list[tuple[str, int, int]]) -> None:
    assert located(text, "JG0") == expected


def test_duplicate_key_keeps_the_first_value(findings: Callable[[str], list]) -> None:  # type: ignore[type-arg]
    text = BASE.replace("  title: Example partnership\n", "  title: Example partnership\n  title: 7\n")
    result = findings(text)
    assert [(f.rule_id, f.line, f.column) for f in result if f.rule_id.startswith("JG0")] == [("JG002", 5, 3)]
    assert "first at line 4" in result[0].message or any("first at line 4" in f.message for f in result)


def test_tags_are_never_constructed(located: Located, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = BASE + f"x-note: !!python/object/apply:os.system ['touch {marker}']\n" \
                  f"x-other: !!python/object/new:os.system ['touch {marker}']\nx-custom: !thing 3\n"
    assert located(text, "JG0") == [("JG003", 13, 9), ("JG003", 14, 10), ("JG003", 15, 11)]
    assert not marker.exists()


def test_standard_tags_are_read(located: Located) -> None:
    assert located(BASE.replace("title: Example partnership", "title: !!str 2001"), "JG0") == []


def test_alias_bomb_is_bounded(located: Located) -> None:
    lines = ["jointgov: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    assert located("\n".join(lines) + "\n", "JG0") == [("JG001", 6, 45)]


@pytest.mark.parametrize(("opening", "closing", "column"), [("[", "]", 72), ("{a: ", "}", 261), ("[{a: ", "}]", 165)])
@pytest.mark.parametrize("levels", [100, 5000])
def test_deep_nesting_is_bounded(located: Located, opening: str, closing: str, column: int, levels: int) -> None:
    """The 65th level is reported where it opens, however deep the nesting goes: libyaml 0.2.5 and later
    give up at 1,000 levels while scanning ahead, before the events reach this reader's limit, and the
    finding must not depend on which libyaml is installed."""
    text = "jointgov: 1\nx-deep: " + opening * levels + closing * levels + "\n"
    assert located(text, "JG0") == [("JG001", 2, column)]
    assert "nested more than 64 levels deep" in parse_text(text).problems[0][3]


def test_huge_file_is_refused_before_parsing(located: Located) -> None:
    text = BASE + "x-pad: '" + "a" * (6 * 1024 * 1024) + "'\n"
    assert located(text) == [("JG001", 1, 1)]


@pytest.mark.parametrize(("raw", "expected"), [
    (b"\x00\x01\x02binary", [("JG001", 1, 1)]),
    (b"jointgov: 1\nagreement:\n  title: caf\xe9\n", [("JG001", 3, 13)]),
    ("jointgov: 1\n".encode("utf-16"), [("JG001", 1, 1)]),
    (b"jointgov: 1\nx-bell: \x07\n", [("JG001", 2, 9)]),
    (b"\xef\xbb\xbfjointgov: 1\nagreement:\n  title: caf\xe9\n", [("JG001", 3, 13)]),  # the mark is no column
])
def test_encodings_and_binary(located: Located, raw: bytes, expected: list[tuple[str, int, int]]) -> None:
    assert located(raw) == expected


def test_utf8_byte_order_mark_is_accepted(located: Located) -> None:
    assert located(b"\xef\xbb\xbf" + BASE.encode(), "JG0") == []


def test_keys_stay_text(findings: Callable[[str], list]) -> None:  # type: ignore[type-arg]
    result = findings(BASE.replace("  id: example\n", "  id: example\n  on: yes\n"))
    assert [(f.rule_id, f.line, f.column) for f in result if f.rule_id.startswith("JG0")] == [("JG003", 4, 3)]
    assert "unknown key 'on'" in result[0].message


def test_unreadable_file_is_a_finding(checker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "secret.yaml"
    path.write_text(BASE)
    os.chmod(path, 0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read anything")
        result = checker.check_file(str(path))
        assert [(f.rule_id, f.line, f.column) for f in result.findings] == [("JG001", 1, 1)]
    finally:
        os.chmod(path, 0o644)


@pytest.mark.parametrize(("text", "words"), [
    ("jointgov: 1\nagreement:\n  id: \"x\n  title: T\n", "this quoted text is never closed (found at line 5"),
    ("jointgov: 1\nparties: [a, b\nx: 1\n", "this [ list is not closed properly"),
    ("jointgov: 1\nagreement:\n  id: x\n\ttitle: y\n", "a tab character: indent with spaces only"),
    ("jointgov: 1\nagreement:\n  jurisdiction england\n  id: x\n", "the line above ends its key with ':'"),
])
def test_syntax_errors_in_plain_words(findings: Callable[[str], list], text: str, words: str) -> None:  # type: ignore[type-arg]
    [finding] = findings(text)
    assert finding.rule_id == "JG001"
    assert words in finding.message


def test_merge_keys_apply_and_explicit_keys_win() -> None:
    from jointgov.pipeline.load import parse_text

    loaded = parse_text("base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  y: 3\n")
    assert loaded.problems == []
    assert loaded.data["thing"] == {"y": 3, "x": 1}
    assert loaded.locations.at("/thing/x") == (2, 1)  # a merged key points at the mapping that merged it


def test_many_merges_stay_linear() -> None:
    """Each merge costs the merged keys, not the whole document's locations (no quadratic blow-up:
    the earlier location copy took 31 s for 1,000 merges and grew with the square; now about 20 ms.
    No timing is asserted: a regression stalls the suite instead)."""
    from jointgov.model import Limits
    from jointgov.pipeline.load import parse_text

    anchor = "base: &b {" + ", ".join(f"k{i}: {i}" for i in range(40)) + "}\n"
    text = anchor + "".join(f"m{i}: {{<<: *b, own: {i}}}\n" for i in range(2000))
    loaded = parse_text(text, Limits(max_nodes=10**6))
    assert loaded.problems == [] and len(loaded.data) == 2001
    assert loaded.data["m1999"] == {"own": 1999, **{f"k{i}": i for i in range(40)}}


def test_list_item_limit(located: Located) -> None:
    text = BASE + "x-many:\n" + "".join(f"  - {i}\n" for i in range(10_001))
    assert located(text) == [("JG001", 10_014, 5)]


def test_limits_are_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import json

    from jointgov.commands.check import run

    (tmp_path / "jointgov.toml").write_text("[limits]\nmax_items = 3\nmax_depth = 8\n")
    (tmp_path / "a.yaml").write_text(BASE + "x-many: [1, 2, 3, 4]\n")
    (tmp_path / "b.yaml").write_text(BASE + "x-deep: [[[[[[[[[1]]]]]]]]]\n")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    run(["a.yaml", "b.yaml"], fmt="json", as_of="2026-11-23", out=out)
    found = [(f["path"], f["rule_id"], f["line"], f["column"]) for f in json.loads(out.getvalue())["findings"]]
    assert found == [("a.yaml", "JG001", 13, 19), ("b.yaml", "JG001", 13, 16)]


@pytest.mark.parametrize(("text", "data", "problems"), [
    # an anchor on a key is defined (the YAML test suite's HMQ5, as the spec's example 6.23 writes it)
    ('!!str &a1 "foo":\n  !!str bar\n&a2 baz : *a1\n', {"foo": "bar", "baz": "foo"}, []),
    ("&k 7: a\nb: *k\n", {"7": "a", "b": 7}, []),
    # anchors inside a key that is a list are defined; the list key and its value are reported and dropped (X38W)
    ("{ &a [a, &b b]: *b, *a : [c, *b, d]}\n", {},
     [("JG003", 1, 3, "a key must be plain text, not a list, mapping or alias", ""),
      ("JG003", 1, 21, "a key must be plain text, not a list, mapping or alias", "")]),
    # a key that is an alias: its value is dropped, not read as the next key
    ("x: &v 1\n*v : [1, 2]\ny: 2\n", {"x": 1, "y": 2},
     [("JG003", 2, 1, "a key must be plain text, not a list, mapping or alias", "")]),
    ("? {a: [1, {b: &n 2}]}\n: [3]\nc: *n\n", {"c": 2},
     [("JG003", 1, 3, "a key must be plain text, not a list, mapping or alias", "")]),
])
def test_keys_with_anchors_and_keys_that_are_not_text(text: str, data: object, problems: list[object]) -> None:
    loaded = parse_text(text)
    assert (loaded.data, loaded.problems) == (data, problems)


def test_a_key_that_is_a_list_counts_towards_the_limits() -> None:
    from jointgov.model import Limits

    loaded = parse_text("? " + "[" * 10 + "]" * 10 + "\n: 1\n", Limits(max_depth=5))
    assert [(p[0], p[1], p[2]) for p in loaded.problems] == [("JG003", 1, 3), ("JG001", 1, 7)]


@pytest.mark.parametrize(("number", "value"), [
    ("9" * 4300, int("9" * 4300)),  # Python's own limit: read
    ("9" * 4301, None),
    ("0x" + "f" * 3571, int("f" * 3571, 16)),  # 4,300 decimal digits
    ("0x" + "f" * 3572, None),
    ("!!int " + "1" * 5000, None),
])
def test_numbers_past_4300_digits_are_a_located_finding(number: str, value: int | None) -> None:
    loaded = parse_text(f"jointgov: 1\nx: {number}\n")
    if value is not None:
        assert (loaded.data, loaded.problems) == ({"jointgov": 1, "x": value}, [])
    else:
        assert loaded.problems == [("JG001", 2, 4, "a number of more than 4,300 digits cannot be read: write it as "
                                    "text (quoted) if it is one", "/x")]
