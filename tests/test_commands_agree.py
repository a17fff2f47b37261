"""The commands agree: one soundness rule, one way to take options, one read of each file per run.

``check``, ``simulate``, ``facts`` and ``diff`` read an agreement through the same function and
refuse the same documents, naming the same problem; they read the configuration through the same
function, so an invalid one stops each of them the same way; and a run reads, parses and builds the
facts of each file once, whatever it does with them.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from jointgov.cli import main
from jointgov.commands.check import run
from tests.conftest import PROTOCOLS, ROOT

AS_OF = ["--as-of", "2026-11-23"]
BUNDLED = PROTOCOLS / "barking-dagenham-remediated.yaml"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.stderr and result.exit_code != 3, result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def tagged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bundled agreement with ``x-note: !custom 3`` appended, in a directory of its own (no configuration)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "jointgov.toml").write_text("")
    path = tmp_path / "tagged.yaml"
    path.write_text(BUNDLED.read_text(encoding="utf-8") + "x-note: !custom 3\n", encoding="utf-8")
    return path


def _check_refusal(path: Path) -> dict[str, object]:
    code, out, _ = invoke("check", str(path), "--format", "json", *AS_OF)
    doc = json.loads(out)
    assert code == 1 and doc["files"][0]["rules_run"] is False
    first: dict[str, object] = doc["findings"][0]
    assert (first["rule_id"], first["message"]) == (
        "JG003", "the tag !custom is not allowed: jointgov reads plain YAML and never constructs tagged values; "
        "remove it")
    return first


def test_simulate_refuses_a_file_with_an_unknown_tag_as_check_does(tagged: Path) -> None:
    first = _check_refusal(tagged)
    code, out, _ = invoke("simulate", str(tagged), "--format", "json", *AS_OF)
    [simulated] = json.loads(out)["files"]
    assert code == 1 and simulated["scenarios"] == []
    assert simulated["error"] == (f"not a valid agreement, so it cannot be simulated: {tagged}:{first['line']}:"
                                  f"{first['column']}: JG003 {first['message']} (run jointgov check)")
    code, out, _ = invoke("check", str(tagged), "--simulate", "--format", "json", *AS_OF)
    assert json.loads(out)["simulations"]["files"][0]["error"] == simulated["error"]


def test_facts_refuses_a_file_with_an_unknown_tag_as_check_does(tagged: Path) -> None:
    first = _check_refusal(tagged)
    code, out, err = invoke("facts", str(tagged), *AS_OF)
    assert (code, out) == (1, "")
    assert err.splitlines() == [f"{tagged}:{first['line']}:{first['column']}: JG003: {first['message']}",
                                "the file must match the format before its facts can be shown"]


def test_diff_refuses_a_file_with_an_unknown_tag_as_check_does(tagged: Path) -> None:
    first = _check_refusal(tagged)
    code, out, _ = invoke("diff", str(BUNDLED), str(tagged), "--format", "json", "--fail-on-weakening", *AS_OF)
    report = json.loads(out)
    assert code == 1 and report["changes"] == []
    assert report["files"] == [{"path": str(tagged), "old": str(BUNDLED), "status": "unreadable"}]
    assert [(e["rule_id"], e["line"], e["column"], e["message"]) for e in report["errors"]] == [
        ("JG003", first["line"], first["column"], first["message"])]
    code, out, _ = invoke("diff", str(BUNDLED), str(tagged), *AS_OF)
    assert out.splitlines()[0] == (f"{tagged}:{first['line']}:{first['column']}: JG003 schema: {first['message']} "
                                   "(cannot compare until the agreement is fixed)")


def test_the_repository_rules_leave_out_what_check_refuses(tmp_path: Path) -> None:
    """Two agreements giving one holder more than 100%; with a tag, one of them is refused everywhere."""
    for name in ("barking-dagenham-2001.yaml", "intermediate-care-bd.yaml"):
        shutil.copy(ROOT / "tests" / "data" / "repository" / name, tmp_path / name)
    out = io.StringIO()
    run([str(tmp_path)], fmt="json", as_of="2026-11-23", select=["JG904"], out=out)
    assert [(Path(f["path"]).name, f["rule_id"]) for f in json.loads(out.getvalue())["findings"]] == [
        ("barking-dagenham-2001.yaml", "JG904"), ("intermediate-care-bd.yaml", "JG904")]
    tagged = tmp_path / "barking-dagenham-2001.yaml"
    tagged.write_text(tagged.read_text(encoding="utf-8") + "x-note: !custom 3\n", encoding="utf-8")
    out = io.StringIO()
    run([str(tmp_path)], fmt="json", as_of="2026-11-23", select=["JG904"], out=out)
    assert [(Path(f["path"]).name, f["rule_id"]) for f in json.loads(out.getvalue())["findings"]] == [
        ("barking-dagenham-2001.yaml", "JG003")]


@pytest.mark.parametrize("toml", ["[parameters.JG999]\nx = 3\n", "[parameters.JG206]\nmax_dayz = 3\n",
                                  'select = ["JG999"]\n'])
def test_an_invalid_configuration_stops_check_simulate_and_diff_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     toml: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "jointgov.toml").write_text(toml)
    shutil.copy(BUNDLED, tmp_path / "a.yaml")
    shutil.copy(BUNDLED, tmp_path / "b.yaml")
    results = [invoke("check", "a.yaml", *AS_OF), invoke("simulate", "a.yaml", *AS_OF),
               invoke("diff", "a.yaml", "b.yaml", *AS_OF)]
    assert [code for code, _, _ in results] == [2, 2, 2]
    assert len({err for _, _, err in results}) == 1 and results[0][2].startswith("jointgov: ")
    assert "unknown rule 'JG999'" in results[0][2] or "invalid config: " in results[0][2]


def test_simulate_honours_the_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its limits (a file over them is refused, as check refuses it) and its exclude globs."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "drafts").mkdir()
    shutil.copy(BUNDLED, tmp_path / "a.yaml")
    (tmp_path / "drafts" / "d.yaml").write_text("not: [an agreement\n")
    (tmp_path / "jointgov.toml").write_text('exclude = ["drafts/*"]\n[limits]\nmax_items = 2\n')
    code, out, _ = invoke("check", ".", "--format", "json", "--select", "JG0", *AS_OF)
    findings = json.loads(out)["findings"]
    assert [f["path"] for f in json.loads(out)["files"]] == ["a.yaml"]
    assert [(f["rule_id"], f["message"]) for f in findings] == [
        ("JG001", "a list holds more than 2 items: reading stopped")]
    code, out, _ = invoke("simulate", ".", "--format", "json", *AS_OF)
    [simulated] = json.loads(out)["files"]
    assert code == 1 and simulated["path"] == "a.yaml"
    assert f"a.yaml:{findings[0]['line']}:{findings[0]['column']}: JG001 a list holds more than 2 items" in (
        simulated["error"])
    (tmp_path / "jointgov.toml").write_text('exclude = ["drafts/*"]\n')
    assert invoke("simulate", ".", "--config", "jointgov.toml", *AS_OF)[0] == 0


def test_each_file_is_read_parsed_and_given_facts_once_per_run(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    """``check DIR --simulate`` runs the checks, the repository rules and the scenarios on one reading (in the
    worker processes: each call is counted in a file they all append to)."""
    from jointgov.pipeline import checker, facts
    from jointgov.repository import register

    tally = tmp_path / "calls"

    def counted(name: str, function):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            with tally.open("a") as stream:
                stream.write(name + "\n")
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(checker, "read_bounded", counted("read", checker.read_bounded))
    monkeypatch.setattr(register, "read_bounded", counted("read", register.read_bounded))
    monkeypatch.setattr(checker, "parse_bytes", counted("parse", checker.parse_bytes))  # agreements
    monkeypatch.setattr(register, "parse_bytes", counted("parse", register.parse_bytes))  # the register
    monkeypatch.setattr(facts, "build", counted("facts", facts.build))
    directory = ROOT / "tests" / "data" / "repository"
    files = sorted(directory.glob("*.yaml"))
    out = io.StringIO()
    run([str(directory)], fmt="json", as_of="2026-11-23", simulate=True, jobs=1, out=out)
    doc = json.loads(out.getvalue())
    assert len(doc["files"]) == len(files) and {f["rule_id"] for f in doc["findings"]} >= {"JG901", "JG904"}
    assert len(doc["simulations"]["files"]) == len(files) - 1  # every agreement; the register is no agreement
    calls = tally.read_text().split()
    assert {name: calls.count(name) for name in ("read", "parse", "facts")} == {
        "read": len(files), "parse": len(files), "facts": len(files) - 1}
