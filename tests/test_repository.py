"""Repository-wide checks: the organisations register and the cross-agreement rules JG901-JG905.

``tests/data/repository/`` is a fixture in its own right: its two Barking and Dagenham agreements are
frozen copies of the bundled examples as they stood before issue 15 (the health authority under the
name the 2003 article gives, a removal decided by the council alone, NEL SHA a live party), matched to
its own register. They are not kept in step with ``protocols/``, whose examples are traced to their
sources and placed in time (docs/examples.md).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from jointgov.cli import main
from jointgov.commands.check import run
from jointgov.repository.register import parse
from tests.conftest import ROOT

REPO = ROOT / "tests" / "data" / "repository"


def _json(*args: str) -> dict[str, object]:
    import io

    out = io.StringIO()
    run([*args], fmt="json", as_of="2026-11-23", out=out, select=["JG0,JG9"])
    loaded: dict[str, object] = json.loads(out.getvalue())
    return loaded


def _located(doc: dict[str, object]) -> list[tuple[str, str, int, int]]:
    findings = doc["findings"]
    assert isinstance(findings, list)
    return [(f["rule_id"], Path(f["path"]).name, f["line"], f["column"]) for f in findings]


def test_the_test_repository_gives_exactly_the_expected_findings() -> None:
    assert _located(_json(str(REPO))) == [
        # the health authority of 2001 was abolished in 2002: the agreement names both its successors, and that
        # neither reaffirmed is JG302's finding in the agreement; NEL SHA went in 2006 and the agreement does not
        # name NHS London
        ("JG901", "barking-dagenham-2001.yaml", 82, 5),
        # Julia Ross: the 2001 joint post (100) and the intermediate care post (50 + 50)
        ("JG904", "barking-dagenham-2001.yaml", 95, 13),
        # the remediated agreement's successor reaffirmed for the HA, but NEL SHA has gone too
        ("JG901", "barking-dagenham-remediated.yaml", 67, 5),
        ("JG902", "carers.yaml", 11, 5),
        ("JG904", "intermediate-care-bd.yaml", 18, 13),
        ("JG905", "intermediate-care-bd.yaml", 23, 5),
        ("JG905", "intermediate-care-east.yaml", 16, 5),
        # the PCT under another name and kind: the fix belongs where it differs from the register
        ("JG903", "learning-disabilities.yaml", 12, 11),
        ("JG903", "learning-disabilities.yaml", 13, 11),
    ]


def test_messages_say_how_a_party_was_matched() -> None:
    doc = _json(str(REPO))
    findings = doc["findings"]
    assert isinstance(findings, list)
    first = findings[0]["message"]
    assert first == ("party 'nel-sha' (North East London Strategic Health Authority) was abolished on 2006-06-30 "
                     "according to the register, and this agreement neither names a successor the register gives "
                     "nor has one reaffirmed it (matched to the register by its exact name: add "
                     "org: nel-sha)")
    merged = next(f["message"] for f in findings if f["rule_id"] == "JG903")
    assert merged.count("; ") == 2  # one finding per place: the three other agreements in one message


def test_without_a_register_only_the_cross_agreement_rules_run(tmp_path: Path) -> None:
    for name in ("intermediate-care-bd.yaml", "intermediate-care-east.yaml", "barking-dagenham-2001.yaml"):
        shutil.copy(REPO / name, tmp_path / name)
    assert [r for r, *_ in _located(_json(str(tmp_path)))] == ["JG904", "JG904", "JG905", "JG905"]
    # one file alone is not a repository: no cross-agreement rule runs
    assert _located(_json(str(tmp_path / "intermediate-care-bd.yaml"))) == []


def test_a_broken_register_is_located_like_an_agreement(tmp_path: Path) -> None:
    shutil.copy(REPO / "carers.yaml", tmp_path / "carers.yaml")
    (tmp_path / "registry.yaml").write_text(
        "registry: 1\norganisations:\n  - id: a\n    name: A\n    kind: council\n"
        "  - id: b\n    name: B\n    kind: other\n    successors: [{id: zz}]\n"
        "  - id: b\n    name: B2\n    kind: other\n")
    assert _located(_json(str(tmp_path))) == [("JG003", "registry.yaml", 5, 11)]
    problems = parse((tmp_path / "registry.yaml").read_text().replace("council", "local-authority").encode(),
                     "registry.yaml").problems
    assert [(p[0], p[1], p[2]) for p in problems] == [("JG005", 10, 9), ("JG004", 9, 23)]
    (tmp_path / "registry.yaml").write_text("registry: 1\norganisations: [\n")
    assert _located(_json(str(tmp_path)))[0][:2] == ("JG001", "registry.yaml")


def test_registry_option_and_schema() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["schema", "--registry"])
    assert result.exit_code == 0 and json.loads(result.stdout)["title"] == "jointgov organisations register"
    assert "org" in json.loads(runner.invoke(main, ["schema"]).stdout)["$defs"]["party"]["properties"]
    result = runner.invoke(main, ["check", str(REPO / "carers.yaml"), "--registry", str(REPO / "registry.yaml"),
                                  "--select", "JG9", "--as-of", "2026-11-23"])
    assert result.exit_code == 1 and "carers.yaml:11:5: warning: JG902 party-unregistered" in result.stdout
    result = runner.invoke(main, ["check", str(REPO / "carers.yaml"), "--registry", "nowhere.yaml"])
    assert result.exit_code == 2 and "--registry: nowhere.yaml: no such file" in result.stderr
