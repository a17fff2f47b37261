"""Waivers: valid ones move findings into a waived list; expired, unapproved and unused ones are findings."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from jointgov.commands.check import run
from jointgov.model import FileResult
from jointgov.pipeline.checker import Checker
from tests.conftest import BASE

BODIES = """\
governance_bodies:
  - id: board
    name: Joint board
    kind: joint-board
    members:
      - party: council
      - party: pct
    quorum: {min: 2, per_party: 1}
  - id: cabinet
    name: Council cabinet
    kind: other
    members:
      - party: council
joint_posts:
  - id: director
    title: Joint director
    roles:
      - party: council
      - party: pct
  - id: deputy
    title: Joint deputy
    roles:
      - party: council
      - party: pct
waivers:
"""
LINE = (BASE + BODIES).count("\n") + 1  # the line of the first waiver


def waiver(rule: str, target: str = "", reason: str = "Agreed while the posts are re-graded.",
           approved_by: str = "board", approved_on: str = "2025-01-15", expires_on: str = "2027-03-31") -> str:
    lines = [f"  - rule: {rule}"]
    lines += [f"    target: {target}"] if target else []
    lines += [f"    reason: {reason}"] if reason else []
    lines += [f"    approved_by: {approved_by}"] if approved_by else []
    lines += [f"    approved_on: {approved_on}"] if approved_on else []
    lines += [f"    expires_on: {expires_on}"] if expires_on else []
    return "\n".join(lines) + "\n"


def check(checker: Checker, *waivers: str) -> FileResult:
    body = BODIES if waivers else BODIES.replace("waivers:\n", "")  # an empty `waivers:` is null: a JG003
    return checker.check_bytes((BASE + body + "".join(waivers)).encode(), "w.yaml")


def rules_of(result: FileResult) -> list[tuple[str, int, int]]:
    return [(f.rule_id, f.line, f.column) for f in result.findings if f.rule_id in ("JG107", "JG801", "JG802", "JG803")]


def test_without_waivers_both_posts_lack_continuity(checker: Checker) -> None:
    result = check(checker)
    assert [(f.rule_id, f.line) for f in result.findings if f.rule_id == "JG107"] == [("JG107", 27), ("JG107", 32)]


def test_valid_waiver_by_id_with_target_moves_only_that_finding(checker: Checker) -> None:
    result = check(checker, waiver("JG107", target="director"))
    assert rules_of(result) == [("JG107", 32, 5)]
    assert [(w.finding.rule_id, w.finding.line, w.waiver.line, w.waiver.approved_by) for w in result.waived] == [
        ("JG107", 27, LINE, "board")]
    assert [w.valid for w in result.waivers] == [True]


def test_name_matched_waiver_without_target_covers_the_whole_agreement(checker: Checker) -> None:
    result = check(checker, waiver("role-continuity"))
    assert rules_of(result) == []
    assert sorted(w.finding.line for w in result.waived if w.finding.rule_id == "JG107") == [27, 32]


def test_expired_waiver_suppresses_nothing_and_is_jg801(checker: Checker) -> None:
    result = check(checker, waiver("JG107", expires_on="2026-01-31"))
    assert rules_of(result) == [("JG107", 27, 5), ("JG107", 32, 5), ("JG801", LINE + 4, 17)]
    assert result.waived == []


@pytest.mark.parametrize(("kwargs", "where"), [
    ({"reason": ""}, (LINE, 5)),
    ({"approved_by": "cabinet"}, (LINE + 2, 18)),
    ({"approved_by": ""}, (LINE, 5)),
    ({"approved_on": ""}, (LINE, 5)),
    ({"expires_on": ""}, (LINE, 5)),
])
def test_unapproved_waiver_suppresses_nothing_and_is_jg802(checker: Checker, kwargs: dict[str, str],
                                                          where: tuple[int, int]) -> None:
    result = check(checker, waiver("JG107", **kwargs))
    assert rules_of(result) == [("JG107", 27, 5), ("JG107", 32, 5), ("JG802", *where)]
    assert result.waived == []


def test_unused_waiver_is_jg803_at_its_rule(checker: Checker) -> None:
    result = check(checker, waiver("JG206"))
    assert ("JG803", LINE, 11) in rules_of(result)
    assert "suppresses no finding" in next(f.message for f in result.findings if f.rule_id == "JG803")


def test_reading_and_waiver_rules_cannot_be_waived(checker: Checker) -> None:
    result = check(checker, waiver("JG002"), waiver("waiver-unused"))
    jg803 = [f for f in result.findings if f.rule_id == "JG803"]
    assert [(f.line, f.column) for f in jg803] == [(LINE, 11), (LINE + 5, 11)]
    assert all("cannot be waived" in f.message for f in jg803)


def test_waiver_of_an_unknown_rule_is_jg803(checker: Checker) -> None:
    result = check(checker, waiver("JG999"))
    assert [(f.rule_id, f.line) for f in result.findings if f.rule_id == "JG803"] == [("JG803", LINE)]


def test_waived_findings_do_not_fail_the_run_but_are_reported(tmp_path: Path) -> None:
    agreement = tmp_path / "w.yaml"
    agreement.write_text(BASE + BODIES + waiver("JG107"))
    out = io.StringIO()
    run([str(agreement)], fmt="json", as_of="2026-11-23", select=["JG107"], out=out)
    doc = json.loads(out.getvalue())
    assert doc["findings"] == []
    assert [(w["rule_id"], w["line"], w["waiver"]["approved_by"]) for w in doc["waived"]] == [
        ("JG107", 27, "board"), ("JG107", 32, "board")]
    assert doc["provenance"]["waivers_applied"] == [
        {"path": doc["provenance"]["files"][0]["path"], "line": LINE, "rule": "JG107", "target": "",
         "approved_by": "board", "expires_on": "2027-03-31"}]
    text = io.StringIO()
    assert run([str(agreement)], as_of="2026-11-23", select=["JG107"], out=text) == 0
    assert text.getvalue().splitlines()[-1] == "no findings in 1 file; 2 waived"
    assert "waived: JG107 role-continuity" in text.getvalue()


WAIVER_SHOWN = {
    "text": f"[waiver at line {LINE}, approved by board, expires 2027-03-31]",
    "github": f"[waived: approved by board, expires 2027-03-31, line {LINE}]",
}
"""What the one-line formats show of a waiver (its line, approver and expiry); the others show its reason."""


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github", "markdown", "html"])
def test_waived_findings_appear_in_every_format(tmp_path: Path, fmt: str) -> None:
    agreement = tmp_path / "w.yaml"
    agreement.write_text(BASE + BODIES + waiver("JG107", target="deputy", reason="Re-grading the deputy post."))
    out = io.StringIO()
    status = run([str(agreement)], fmt=fmt, as_of="2026-11-23", select=["JG107"], out=out)
    text = out.getvalue()
    assert status == 1  # the director's finding is not waived
    assert WAIVER_SHOWN.get(fmt, "Re-grading the deputy post.") in text
    assert "waived" in text.lower()
    assert text.count("JG107") >= 2  # the open finding and the waived one (the rule list may add more)
