"""Known answers on the bundled agreements (docs/rules.md and docs/scenario-format.md), as exact locations."""

from __future__ import annotations

import pytest

from jointgov.pipeline.checker import Checker
from tests.conftest import PROTOCOLS

KNOWN_ANSWERS = {"JG101", "JG102", "JG104", "JG105", "JG106", "JG201", "JG301", "JG302", "JG403", "JG604", "JG606"}

# Reviewed clause by clause: each points at the clause concerned (35:1 is `jointgov:`, for a
# missing top-level section; 93:5 the joint post's `- id:`; 110:7 its `removal.decided_by`, ...).
BARKING_2001 = [
    ('JG106', 35, 1), ('JG204', 35, 1), ('JG301', 35, 1), ('JG303', 35, 1), ('JG305', 35, 1),
    ('JG504', 35, 1), ('JG605', 35, 1), ('JG606', 35, 1), ('JG607', 35, 1), ('JG702', 35, 1),
    ('JG701', 46, 14), ('JG307', 48, 15), ('JG702', 48, 15), ('JG302', 67, 5), ('JG302', 82, 5),
    ('JG304', 90, 11), ('JG201', 92, 1), ('JG101', 93, 5), ('JG102', 93, 5), ('JG105', 93, 5),
    ('JG107', 93, 5), ('JG108', 100, 21), ('JG104', 110, 7), ('JG109', 113, 16), ('JG201', 116, 1),
    ('JG401', 117, 5), ('JG403', 117, 5), ('JG404', 117, 5), ('JG405', 117, 5), ('JG402', 120, 12),
    ('JG601', 127, 1), ('JG603', 127, 1), ('JG602', 128, 5), ('JG604', 145, 1),
]

GLASGOW = [
    ('JG106', 28, 1), ('JG204', 28, 1), ('JG301', 28, 1), ('JG303', 28, 1), ('JG305', 28, 1),
    ('JG504', 28, 1), ('JG604', 28, 1), ('JG605', 28, 1), ('JG606', 28, 1), ('JG607', 28, 1),
    ('JG602', 64, 5), ('JG101', 94, 5), ('JG102', 94, 5), ('JG107', 94, 5), ('JG108', 101, 21),
    ('JG108', 105, 21), ('JG108', 109, 21), ('JG103', 111, 15), ('JG102', 113, 19), ('JG109', 122, 16),
    ('JG101', 123, 5), ('JG102', 123, 5), ('JG107', 123, 5), ('JG108', 130, 21), ('JG108', 134, 21),
    ('JG103', 136, 15), ('JG102', 138, 19), ('JG109', 146, 16), ('JG101', 147, 5), ('JG102', 147, 5),
    ('JG107', 147, 5), ('JG108', 152, 21), ('JG108', 156, 21), ('JG103', 158, 15), ('JG102', 160, 19),
    ('JG109', 168, 16), ('JG202', 178, 9), ('JG203', 179, 18),
]


def located(checker: Checker, name: str) -> list[tuple[str, int, int]]:
    result = checker.check_file(str(PROTOCOLS / name))
    return [(f.rule_id, f.line, f.column) for f in result.findings]


def test_barking_2001_raises_the_known_answers_at_their_clauses(checker: Checker) -> None:
    found = located(checker, "barking-dagenham-2001.yaml")
    assert found == BARKING_2001
    assert KNOWN_ANSWERS <= {rule for rule, _, _ in found}


def test_barking_2001_unilateral_removal_points_at_decided_by(checker: Checker) -> None:
    result = checker.check_file(str(PROTOCOLS / "barking-dagenham-2001.yaml"))
    [jg104] = [f for f in result.findings if f.rule_id == "JG104"]
    assert (jg104.line, jg104.column, jg104.pointer) == (110, 7, "/joint_posts/0/removal/decided_by")
    assert "bd-pct" in jg104.message


def test_glasgow_joint_board(checker: Checker) -> None:
    assert located(checker, "glasgow-joint-board.yaml") == GLASGOW


@pytest.mark.parametrize("name", ["barking-dagenham-remediated.yaml", "barnsley-2003.yaml"])
def test_complete_agreements_have_no_findings_at_any_severity(checker: Checker, name: str) -> None:
    assert located(checker, name) == []


def test_every_example_opens_with_a_comment_saying_what_it_is() -> None:
    for path in sorted(PROTOCOLS.glob("*.yaml")):
        head = path.read_text().splitlines()[0]
        assert head.startswith("#"), path.name
