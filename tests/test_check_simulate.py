"""``check --simulate``: a stress scenario's verdict other than resolved-jointly is a finding (JG951-JG954) that
moves the exit status and every report's verdict; without ``--simulate`` nothing changes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from jointgov.cli import main
from tests.conftest import PROTOCOLS

AS_OF = ["--as-of", "2026-11-23", "--ignore", "JG301"]
"""JG301 also says the successors' window is missing: ignored, so that only the scenario speaks of it."""


@pytest.fixture()
def unbounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The remediated agreement with no time limit for a successor to reaffirm it: every rule passes, and the
    reorganisation scenario is unbounded."""
    text = (PROTOCOLS / "barking-dagenham-remediated.yaml").read_text(encoding="utf-8")
    assert text.count("  reaffirm_within_days: 90\n") == 1
    path = tmp_path / "agreement.yaml"
    path.write_text(text.replace("  reaffirm_within_days: 90\n", ""), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return path


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *args, *AS_OF])
    assert result.stderr == ""
    return result.exit_code, result.stdout


def badge(html: str) -> str:
    return re.findall(r'<span class="verdict">([^<]*)</span>', html)[0]


def test_without_simulate_nothing_changes(unbounded: Path) -> None:
    assert check(str(unbounded), "--fail-on", "info") == (0, "no findings in 1 file\n")
    code, html = check(str(unbounded), "--format", "html")
    assert (code, badge(html)) == (0, "Passes")
    assert "JG953" not in html and "JG953" not in check(str(unbounded), "--format", "junit")[1]


def test_an_unbounded_scenario_fails_the_run_and_the_badge(unbounded: Path) -> None:
    code, out = check(str(unbounded), "--simulate")
    assert code == 1
    assert out.splitlines()[0] == (
        f"{unbounded}:115:1: warning: JG953 scenario-unbounded: stress scenario reorganisation (A party is "
        "abolished and its successor does not share its view) is unbounded: the successors section sets no time limit "
        "for a successor to reaffirm the agreement: this step may never end")
    code, html = check(str(unbounded), "--simulate", "--format", "html")
    assert (code, badge(html)) == (1, "Does not pass: 1 warning")
    code, junit = check(str(unbounded), "--simulate", "--format", "junit")
    assert '<testcase name="JG953 scenario-unbounded"' in junit and 'failures="1"' in junit


def test_the_severity_of_a_verdict_is_the_users_to_change(unbounded: Path) -> None:
    (unbounded.parent / "jointgov.toml").write_text('simulate = true\n\n[severity]\nJG953 = "info"\n')
    code, html = check(str(unbounded), "--format", "html")
    assert (code, badge(html)) == (0, "Passes with notes")
    assert check(str(unbounded), "--fail-on", "info")[0] == 1
    assert check(str(unbounded), "--no-simulate", "--fail-on", "info")[0] == 0


def test_a_waiver_approved_by_the_joint_body_covers_a_scenario_finding(unbounded: Path) -> None:
    text = unbounded.read_text(encoding="utf-8")
    unbounded.write_text(text + """\
waivers:
  - rule: scenario-unbounded
    reason: The successor's window is being agreed with the new commissioners.
    approved_by: partnership-board
    approved_on: 2026-10-01
    expires_on: 2027-03-31
""", encoding="utf-8")
    code, out = check(str(unbounded), "--simulate", "--format", "json")
    assert code == 0
    assert '"rule_id": "JG953"' in out.split('"waived"')[1]


def test_a_scenario_that_reaches_no_verdict_is_still_a_finding(tmp_path: Path) -> None:
    """A user's scenario whose run ends with no verdict taken is undefined: simulate says so, and check
    --simulate reports it (at the subject) instead of passing silently."""
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "silent.yaml").write_text("""\
scenario: silent
title: Nothing in the agreement answers this
event: "a post's holder is seconded abroad"
follows: nothing
subject: post
start: first
stages:
  first:
    - when:
        - post: {id: $sim.post, title: never-a-title}
      says: "never"
      clause: post
      to: end
    - says: "the holder goes; the agreement says nothing, and the run ends with no verdict"
      clause: post
      to: end
""", encoding="utf-8")
    source = (PROTOCOLS / "barking-dagenham-remediated.yaml").read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(source, encoding="utf-8")
    line = source.splitlines().index("joint_posts:") + 2
    result = CliRunner().invoke(main, ["check", str(tmp_path / "a.yaml"), "--simulate", "--scenarios",
                                       str(tmp_path / "scenarios"), "--as-of", "2026-11-23"])
    assert result.exit_code == 1, result.output
    found = [text for text in result.stdout.splitlines() if "JG954" in text]
    assert len(found) == 1 and found[0].startswith(f"{tmp_path / 'a.yaml'}:{line}:5:")
    assert "stress scenario silent" in found[0] and "no clause of the agreement says what happens next" in found[0]
