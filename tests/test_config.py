"""Configuration files, severity and parameter overrides, exclude globs, and baselines."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from jointgov.commands.check import run
from jointgov.model import ConfigError
from tests.conftest import BASE, PROTOCOLS

ROUTE = """\
dispute_routes:
  - id: route
    covers: [any]
    steps:
      - {body: mediator, within_days: 60, outcome: agreement}
      - {body: arbitrator, within_days: 60, outcome: binding}
"""


def findings(path: Path, **kwargs: object) -> tuple[int, list[tuple[str, str, int]]]:
    out = io.StringIO()
    status = run([str(path)], fmt="json", as_of="2026-11-23", out=out, **kwargs)  # type: ignore[arg-type]
    doc = json.loads(out.getvalue())
    return status, [(f["rule_id"], f["severity"], f["line"]) for f in doc["findings"]]


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "agreements").mkdir()
    (tmp_path / "agreements" / "a.yaml").write_text(BASE + ROUTE)
    monkeypatch.chdir(tmp_path / "agreements")
    return tmp_path


def test_jointgov_toml_is_found_upward(project: Path) -> None:
    (project / "jointgov.toml").write_text('select = ["JG2"]\nfail_on = "error"\n[severity]\nJG205 = "error"\n')
    status, found = findings(project / "agreements" / "a.yaml")
    assert found == [("JG204", "error", 1), ("JG205", "error", 14)]
    assert status == 1


def test_pyproject_table_and_parameters(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.jointgov]\nselect = ["dispute-bounded"]\n'
                                            '[tool.jointgov.parameters.JG206]\nmax_days = 50\n'  # mediation takes 60
                                            '[tool.jointgov.severity]\nJG206 = "info"\n')
    status, found = findings(project / "agreements" / "a.yaml", fail_on="warning")
    assert (status, found) == (0, [("JG206", "info", 16)])


def test_command_line_wins_over_config(project: Path) -> None:
    (project / "jointgov.toml").write_text('select = ["JG206"]\nfail_on = "never"\n')
    status, found = findings(project / "agreements" / "a.yaml", select=["JG205"], fail_on="warning")
    assert (status, [r for r, _, _ in found]) == (1, ["JG205"])


def test_exclude_globs_relative_to_the_config(project: Path) -> None:
    (project / "agreements" / "drafts").mkdir()
    (project / "agreements" / "drafts" / "b.yaml").write_text("not: [valid\n")
    (project / "jointgov.toml").write_text('exclude = ["agreements/drafts/*"]\n')
    out = io.StringIO()
    run([str(project / "agreements")], fmt="json", as_of="2026-11-23", out=out)
    assert [Path(f["path"]).name for f in json.loads(out.getvalue())["files"]] == ["a.yaml"]


def test_extra_rule_directory_relative_to_the_config(project: Path) -> None:
    (project / "house").mkdir()
    (project / "house" / "ACME001.yaml").write_text(
        "id: ACME001\nname: has-council\nseverity: info\ntitle: t\nrationale: r\nremediation: x\n"
        "match:\n  - when:\n      - party: {kind: local-authority}\n")
    (project / "jointgov.toml").write_text('rules = ["house"]\nselect = ["ACME001"]\n')
    assert findings(project / "agreements" / "a.yaml") == (0, [("ACME001", "info", 7)])


@pytest.mark.parametrize(("toml", "words"), [
    ('selct = ["JG101"]\n', "unknown key 'selct': did you mean 'select'?"),
    ('select = "JG101, JG102"\nfail_on = "sometimes"\n', "'fail_on' must be one of error, warning, info, never"),
    ("select = [1, 2]\n", "'select' must be a list of text"),
    ('[severity]\nJG002 = "info"\n', "cannot be changed"),
    ('[severity]\nJG101 = "fatal"\n', "'severity.JG101' must be one of error, warning, info"),
    ("[parameters.JG206]\nmax_dayz = 3\n", "JG206 has no parameter 'max_dayz' (its parameters: max_days)"),
    ("[parameters.JG999]\nx = 3\n", "parameters.JG999: no such rule"),
    ("select = [\n", "not valid TOML"),
    ('ignore = ["JG001"]\n', "cannot be ignored"),
])
def test_invalid_config_is_exit_2_naming_key_and_fix(project: Path, toml: str, words: str) -> None:
    (project / "jointgov.toml").write_text(toml)
    with pytest.raises(ConfigError, match=None) as caught:
        findings(project / "agreements" / "a.yaml")
    assert words in str(caught.value)


def test_invalid_config_through_the_command_line(project: Path) -> None:
    from click.testing import CliRunner

    from jointgov.cli import main

    (project / "jointgov.toml").write_text('selct = ["JG101"]\n')
    result = CliRunner().invoke(main, ["check", "a.yaml"])
    assert result.exit_code == 2
    assert result.stderr.startswith("jointgov: invalid config: ")


def test_baseline_hides_known_findings_across_line_moves_and_counts_stale(tmp_path: Path) -> None:
    agreement = tmp_path / "b.yaml"
    original = (PROTOCOLS / "barking-dagenham-2001.yaml").read_text()
    agreement.write_text(original)
    baseline = tmp_path / "baseline.json"
    status, before = findings(agreement, write_baseline=str(baseline))
    assert status == 1 and len(before) == 36
    assert findings(agreement, baseline=str(baseline)) == (0, [])
    # lines move: still known
    agreement.write_text("# a new comment\n# and another\n" + original)
    assert findings(agreement, baseline=str(baseline)) == (0, [])
    # one gap closed (continuity added), one new gap opened (a second post without continuity)
    fixed = original.replace("    appraisal: unknown\n", "    appraisal: unknown\n    continuity: The deputy acts.\n")
    agreement.write_text(fixed)
    out = io.StringIO()
    assert run([str(agreement)], as_of="2026-11-23", baseline=str(baseline), out=out) == 0
    assert out.getvalue().splitlines()[-1] == (
        "no findings in 1 file; 35 known from the baseline not shown, 1 baseline entry no longer occur")


def test_missing_baseline_is_a_usage_error(tmp_path: Path) -> None:
    agreement = tmp_path / "b.yaml"
    agreement.write_text(BASE)
    with pytest.raises(ConfigError, match="no such file"):
        findings(agreement, baseline=str(tmp_path / "none.json"))


def test_only_excluded_files_is_nothing_to_check_not_an_error(project: Path) -> None:
    """pre-commit passes changed files by name: if all are excluded, the commit must not be refused."""
    (project / "jointgov.toml").write_text('exclude = ["agreements/*"]\n')
    out = io.StringIO()
    assert run([str(project / "agreements" / "a.yaml")], as_of="2026-11-23", out=out) == 0
    # said clearly: not a clean pass of 0 files
    assert out.getvalue() == (f"{project / 'agreements' / 'a.yaml'}: skipped: excluded by the configuration "
                              '(exclude = ["agreements/*"] in jointgov.toml)\n'
                              "no agreement checked; 1 file skipped (1 excluded by the configuration)\n")


@pytest.mark.parametrize(("toml", "args", "message"), [
    ('ignore = ["JG999"]\n', [], "invalid config: {config}: ignore: unknown rule 'JG999' (see 'jointgov rules')"),
    ('select = ["JG1", "nonsense"]\n', [],
     "invalid config: {config}: select: unknown rule 'nonsense' (see 'jointgov rules')"),
    ("", ["--ignore", "JG999"], "unknown rule 'JG999' in --ignore (see 'jointgov rules')"),
    ("", ["--select", "JG101,JG999"], "unknown rule 'JG999' in --select (see 'jointgov rules')"),
])
def test_an_unknown_rule_is_reported_where_it_was_written(project: Path, toml: str, args: list[str],
                                                          message: str) -> None:
    from click.testing import CliRunner

    from jointgov.cli import main

    (project / "jointgov.toml").write_text(toml)
    result = CliRunner().invoke(main, ["check", "a.yaml", *args])
    assert (result.exit_code, result.stderr) == (2, f"jointgov: {message.format(config=project / 'jointgov.toml')}\n")
