"""Schema (JG003), references (JG004), ids (JG005): located, in words a governance officer understands."""

from __future__ import annotations

from collections.abc import Callable

from jointgov.model import Finding
from tests.conftest import BASE

Findings = Callable[[str], list[Finding]]

POST = """\
joint_posts:
  - id: director
    title: Joint director
    roles:
      - party: council
      - party: pct
"""


def reading(findings: Findings, text: str) -> list[tuple[str, int, int, str]]:
    return [(f.rule_id, f.line, f.column, f.message) for f in findings(text) if f.rule_id.startswith("JG0")]


def test_wrong_type_names_the_path_and_what_was_expected(findings: Findings) -> None:
    text = BASE + POST + "    removal:\n      decided_by: council\n"
    assert reading(findings, text) == [
        ("JG003", 20, 19, 'joint_posts[0].removal.decided_by: expected a list of party ids, got text "council"')]


def test_unknown_key_suggests_the_right_one(findings: Findings) -> None:
    text = BASE + POST + "    remval:\n      decided_by: [council]\n"
    [(rule, line, col, message)] = reading(findings, text)
    assert (rule, line, col) == ("JG003", 19, 5)
    assert message.startswith("joint_posts[0]: unknown key 'remval'; did you mean 'removal'?")


def test_x_prefixed_keys_are_free(findings: Findings) -> None:
    assert reading(findings, BASE + "x-local: {anything: [1, 2]}\n") == []


def test_missing_required_key_points_at_the_parent_mapping(findings: Findings) -> None:
    text = BASE.replace("    name: Example PCT\n", "")
    assert reading(findings, text) == [("JG003", 10, 5, "parties[1]: the required key 'name' is missing")]


def test_bare_no_where_text_is_expected_says_to_quote_it(findings: Findings) -> None:
    text = BASE.replace("name: Example PCT", "name: no")
    [(rule, line, col, message)] = reading(findings, text)
    assert (rule, line, col) == ("JG003", 11, 11)
    assert 'got a bare no, which YAML reads as false: write "no" in quotes' in message


def test_enum_typo_suggests_the_value(findings: Findings) -> None:
    text = BASE.replace("kind: primary-care-trust", "kind: primary-care-trsut")
    [(rule, line, col, message)] = reading(findings, text)
    assert (rule, line, col) == ("JG003", 12, 11)
    assert message.endswith("did you mean 'primary-care-trust'?")


def test_impossible_date(findings: Findings) -> None:
    text = BASE.replace("  jurisdiction: england\n", "  jurisdiction: england\n  signed_on: 2023-02-30\n")
    [(rule, line, col, message)] = reading(findings, text)
    assert (rule, line, col) == ("JG003", 6, 14)
    assert "2023-02-30" in message


def test_reserved_word_as_id(findings: Findings) -> None:
    text = BASE.replace("id: pct", "id: joint")
    [(rule, line, col, message)] = reading(findings, text)
    assert (rule, line, col) == ("JG003", 10, 9)
    assert "'joint' is a reserved word" in message


def test_one_party_is_not_a_partnership(findings: Findings) -> None:
    text = BASE[: BASE.index("  - id: pct")]
    assert [(r, line, col) for r, line, col, _ in reading(findings, text)] == [("JG003", 6, 1)]


def test_unknown_reference_with_suggestion(findings: Findings) -> None:
    text = BASE + POST.replace("party: pct", "party: pcT".lower().replace("pct", "ptc"))
    [(rule, line, col, message)] = reading(findings, text)
    assert (rule, line, col) == ("JG004", 18, 16)
    assert message == "joint_posts[0].roles[1].party: 'ptc' names no party in this file; did you mean 'pct'?"


def test_reference_to_the_wrong_kind_of_thing(findings: Findings) -> None:
    text = BASE + POST + "    protocol: council\n"
    [(rule, line, col, message)] = reading(findings, text)
    assert (rule, line, col) == ("JG004", 19, 15)
    assert "('council' is a party)" in message


def test_duplicate_id_across_sections(findings: Findings) -> None:
    text = BASE + POST.replace("id: director", "id: pct")
    [(rule, line, col, message)] = reading(findings, text)
    assert (rule, line, col) == ("JG005", 14, 9)
    assert "already used by parties[1] (line 10)" in message


def test_schema_errors_stop_the_rules(checker) -> None:  # type: ignore[no-untyped-def]
    result = checker.check_bytes((BASE + "stray: 1\n").encode(), "t.yaml")
    assert not result.rules_run
    assert [f.rule_id for f in result.findings] == ["JG003"]
