"""A rule whose subject is absent does not apply: it is never shown as passed (JUnit skips it with the reason,
the HTML crosswalk says "not applicable"), and the repository rules apply only where the run gives them
something to judge."""

from __future__ import annotations

import io
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from jointgov.commands.check import run
from tests.conftest import AS_OF, PROTOCOLS, ROOT

BARKING = PROTOCOLS / "barking-dagenham-2001.yaml"
REPOSITORY = ROOT / "tests" / "data" / "repository"


def report(paths: list[str], fmt: str, cwd: Path) -> str:
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        run(paths, fmt=fmt, as_of=AS_OF.isoformat(), out=out, fail_on="warning" if fmt == "junit" else "never")
    return out.getvalue()


def outcomes(junit: str, suite: str) -> dict[str, str]:
    """Testcase id → passed, failed or skipped, with the skip's message."""
    [element] = [s for s in ET.fromstring(junit).iter("testsuite") if s.get("name", "").endswith(suite)]
    out = {}
    for case in element.iter("testcase"):
        child = next(iter(case), None)
        rule = case.get("name", "").split()[0]
        out[rule] = "passed" if child is None else (
            "failed" if child.tag == "failure" else f"skipped: {child.get('message')}")
    return out


def test_barking_has_no_dispute_routes_so_the_route_rules_do_not_apply(tmp_path: Path) -> None:
    shutil.copy(BARKING, tmp_path / "barking.yaml")
    cases = outcomes(report(["barking.yaml"], "junit", tmp_path), "barking.yaml")
    for rule in ("JG202", "JG203", "JG205", "JG206"):
        assert cases[rule] == f"skipped: {rule} does not apply to this agreement (outside its scope)"
    assert cases["JG201"] == "failed"  # the section that should exist and does not is JG201's finding
    for rule in ("JG801", "JG802", "JG803", "JG608"):
        assert cases[rule].startswith("skipped: "), rule
    assert cases["JG001"] == "passed"
    # one file, no register: the repository rules have nothing to judge
    assert all(cases[rule].startswith("skipped: ") for rule in ("JG901", "JG902", "JG903", "JG904", "JG905"))


def test_the_html_crosswalk_says_not_applicable_for_the_route_rules(tmp_path: Path) -> None:
    shutil.copy(BARKING, tmp_path / "barking.yaml")
    crosswalk = report(["barking.yaml"], "html", tmp_path).split('<section class="crosswalk"')[1]
    for rule in ("JG202", "JG203", "JG205", "JG206"):
        row = crosswalk.split(f'<span class="rule-id">{rule}</span>')[1].split("</tr>")[0]
        assert re.findall(r'class="res res-[a-z-]+">([a-z ]+)<', row) == ["not applicable"], rule


def test_the_repository_rules_apply_where_the_run_gives_them_a_subject(tmp_path: Path) -> None:
    with_register = outcomes(report(["."], "junit", REPOSITORY), "barking-dagenham-2001.yaml")
    assert with_register["JG902"] in ("passed", "failed")
    assert with_register["JG901"] in ("passed", "failed")
    assert with_register["JG903"] in ("passed", "failed")
    for name in ("barking-dagenham-2001.yaml", "learning-disabilities.yaml"):
        shutil.copy(REPOSITORY / name, tmp_path / name)
    without = outcomes(report(["."], "junit", tmp_path), "barking-dagenham-2001.yaml")
    assert without["JG902"] == "skipped: JG902 does not apply to this agreement (outside its scope)"
    assert without["JG901"].startswith("skipped: ")
    assert without["JG903"] in ("passed", "failed")  # two agreements: one organisation under two names is seen
