"""Agreed changes: a variation recorded in the agreement lets ``jointgov diff --fail-on-weakening`` pass the
weakening the parties agreed, and nothing else (jointgov.diff.variations, JG804).

Every case edits the remediated Barking and Dagenham agreement (exit notice 365 days, removal of the joint
post's holder decided by both parties) and compares it with the original, as the pre-commit hook does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from jointgov.cli import main
from tests.conftest import PROTOCOLS

REMEDIATED = PROTOCOLS / "barking-dagenham-remediated.yaml"
AS_OF = ("--as-of", "2026-11-23")
TEXT = REMEDIATED.read_text(encoding="utf-8")
NOTICE = ("  notice_days: 365\n", "  notice_days: 180\n")
NOTICE_LINE = TEXT.splitlines().index("  notice_days: 365") + 1
REMOVAL = ("      decided_by:\n        - lbbd\n        - nel-icb\n", "      decided_by:\n        - lbbd\n")
REMOVAL_LINE = TEXT.splitlines().index("      decided_by:") + 1
BOARD = "Barking and Dagenham Health and Social Care Partnership Board"


def variation(clause: str = "exit.notice_days", body: str = "partnership-board", extra: str = "from: 365\n    to: 180",
              agreed_on: str = "2026-10-01") -> str:
    """A variations section with one variation."""
    return (f"variations:\n  - clause: {clause}\n    {extra}\n    reason: Both parties want a shorter notice period.\n"
            f"    agreed_by: {body}\n    agreed_on: {agreed_on}\n    minute: Partnership board minute 2026/14\n")


def diff(tmp_path: Path, old: str, new: str, *args: str) -> tuple[int, str, str]:
    """``jointgov diff OLD NEW --fail-on-weakening ARGS`` on two versions written to *tmp_path*."""
    (tmp_path / "old.yaml").write_text(old, encoding="utf-8")
    (tmp_path / "new.yaml").write_text(new, encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), *AS_OF,
                                       "--fail-on-weakening", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, result.stdout, result.stderr


def test_an_agreed_weakening_passes_and_is_still_shown_as_a_weakening(tmp_path: Path) -> None:
    new = TEXT.replace(*NOTICE) + variation()
    code, out, err = diff(tmp_path, TEXT, new)
    assert (code, err) == (0, "")
    variation_line = len(TEXT.splitlines()) + 2
    assert out.splitlines() == [
        f"{tmp_path / 'new.yaml'}:{NOTICE_LINE}:16: weakens: exit: notice_days 365 → 180: shorter notice before a "
        f"party may leave [agreed by {BOARD} on 2026-10-01 (variation at line {variation_line}; minute Partnership "
        "board minute 2026/14)]",
        "1 agreement compared: 1 weakening (1 agreed by the parties), 0 strengthenings, 0 other changes; "
        "0 findings introduced, 0 resolved"]
    report = json.loads(diff(tmp_path, TEXT, new, "--format", "json")[1])
    assert [(c["clause"], c["effect"], c["agreed"]) for c in report["changes"]] == [
        ("exit.notice_days", "weakens", {"line": variation_line, "column": 5, "clause": "exit.notice_days",
                                         "agreed_by": "partnership-board", "agreed_by_name": BOARD,
                                         "agreed_on": "2026-10-01", "reason": "Both parties want a shorter notice "
                                         "period.", "minute": "Partnership board minute 2026/14"})]
    assert report["summary"]["agreed"] == 1


def test_the_refusal_says_what_it_is_and_which_variation_would_record_it(tmp_path: Path) -> None:
    code, out, err = diff(tmp_path, TEXT, TEXT.replace(*NOTICE))
    assert code == 1
    assert out.splitlines()[0].endswith("weakens: exit: notice_days 365 → 180: shorter notice before a party may leave")
    assert err.splitlines()[:11] == [
        "jointgov diff: refused: 1 change weakens an agreement and no variation recorded in it says the parties "
        "agreed it (the lines marked weakens above).",
        "If the parties did agree, record each decision in the agreement, in the same commit as the change:",
        "",
        "variations:",
        f"  - clause: exit.notice_days  # {tmp_path / 'new.yaml'}:{NOTICE_LINE}:16",
        "    from: 365",
        "    to: 180",
        "    reason: <why the parties agreed it>",
        "    agreed_by: <the id of a governance body with members from every party>",
        "    agreed_on: <the date it decided, YYYY-MM-DD>",
        "    minute: <where the decision is recorded>"]


def test_a_clause_covers_what_is_inside_it(tmp_path: Path) -> None:
    new = TEXT.replace(*REMOVAL) + variation("joint_posts.ce-dss.removal", extra="x-note: the board's decision")
    code, out, _ = diff(tmp_path, TEXT, new)
    assert code == 0
    assert f":{REMOVAL_LINE}:7: weakens: ce-dss: removal decided_by [lbbd, nel-icb] → [lbbd]" in out
    assert "[agreed by " in out.splitlines()[0]


@pytest.mark.parametrize(("case", "record", "why"), [
    ("one party's body", variation(body="icb-board"),
     "a variation is recorded, but it is not agreed (the variation of exit.notice_days: the body that agreed it, "
     "NHS North East London Integrated Care Board (icb-board), "
     "is not a joint body (one with members from every party)), so it covers no change"),
    ("dated after the check", variation(agreed_on="2027-01-01"),
     "a variation is recorded, but it is not agreed (the variation of exit.notice_days is dated 2027-01-01, after "
     "2026-11-23: it is not agreed yet), so it covers no change"),
    ("other values", variation(extra="from: 365\n    to: 270"),
     "a variation is recorded, but no change in this version is to exit.notice_days with its from and to values: "
     "check its clause"),
    ("another clause", variation("exit.requires", extra="x-note: none"),
     "a variation is recorded, but no change in this version is to exit.requires: check its clause"),
])
def test_a_variation_that_does_not_cover_the_change_lets_nothing_through(tmp_path: Path, case: str, record: str,
                                                                         why: str) -> None:
    code, out, err = diff(tmp_path, TEXT, TEXT.replace(*NOTICE) + record)
    assert code == 1 and "jointgov diff: refused: 1 change weakens an agreement" in err, case
    line = len(TEXT.splitlines()) + 2
    assert f"new.yaml:{line}:5: changes: variation " in out and why in out, out


def test_an_old_variation_is_no_standing_permission(tmp_path: Path) -> None:
    """A variation already recorded covers the change made with it, never a later one."""
    agreed = TEXT.replace(*NOTICE) + variation(extra="x-note: any notice")
    later = agreed.replace("  notice_days: 180\n", "  notice_days: 30\n")
    code, out, err = diff(tmp_path, agreed, later)
    assert code == 1 and "  - clause: exit.notice_days  #" in err
    assert "[agreed by" not in out


@pytest.mark.parametrize(("edit", "what"), [
    (lambda text: text.split("variations:")[0], "removed"),
    (lambda text: text.replace("minute 2026/14", "minute 2026/15"), "changed"),
])
def test_removing_or_editing_a_variation_is_a_weakening_no_variation_covers(tmp_path: Path, edit: object,
                                                                            what: str) -> None:
    agreed = TEXT.replace(*NOTICE) + variation()
    code, out, err = diff(tmp_path, agreed, edit(agreed))  # type: ignore[operator]
    assert code == 1, out
    assert (f"weakens: variation exit.notice_days: {what}: a variation is the parties' record of what they agreed: "
            "add a new one, never edit or remove one") in out
    assert out.splitlines()[-1] == ("1 agreement compared: 1 weakening, 0 strengthenings, 0 other changes; "
                                    "0 findings introduced, 0 resolved")
    assert "  - clause: variations.exit.notice_days  #" in err


def test_a_variation_that_is_not_agreed_is_a_finding_of_check(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(TEXT.replace(*NOTICE) + variation(body="icb-board"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), *AS_OF])
    line = len(TEXT.splitlines()) + 6
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:{line}:16: error: JG804 variation-unagreed: the variation of exit.notice_days: the body that agreed "
        "it, NHS North East London Integrated Care Board (icb-board), is not a joint body (one with members from "
        "every party)",
        "1 error in 1 file"]
