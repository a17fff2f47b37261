"""Which YAML files are agreements: the others (mkdocs.yml, CI workflows) are skipped and said to be, an
agreement that lost its ``jointgov:`` key is still checked, and the configuration's ``agreements`` globs make
every file there an agreement (``jointgov.pipeline.checker.not_an_agreement``); excluded files are named."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from jointgov.cli import main
from jointgov.commands.check import run
from tests.conftest import BASE, PROTOCOLS

AS_OF = "2026-11-23"
MKDOCS = "site_name: Partnership agreements\nmarkdown_extensions:\n  - toc:\n      permalink: true\n"
WORKFLOW = "name: check\non: [push]\njobs:\n  check:\n    runs-on: ubuntu-latest\n    steps: []\n"
HOOKS = "- id: a-hook\n  entry: a-command\n"
NOT_AN_AGREEMENT = "not an agreement (it has no jointgov, agreement or parties key at its top level)"


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with agreements and other YAML; its own (empty) configuration; run from its root."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "jointgov.toml").write_text("")
    (tmp_path / "mkdocs.yml").write_text(MKDOCS)
    (tmp_path / "ci.yml").write_text(WORKFLOW)
    (tmp_path / "hooks.yaml").write_text(HOOKS)
    (tmp_path / "clean.yaml").write_bytes((PROTOCOLS / "barking-dagenham-remediated.yaml").read_bytes())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*paths: str, fmt: str = "text") -> tuple[int, str]:
    out = io.StringIO()
    code = run(list(paths), as_of=AS_OF, out=out, fmt=fmt)
    return code, out.getvalue()


def test_other_yaml_named_is_skipped_and_said_to_be(repo: Path) -> None:
    code, out = check("clean.yaml", "mkdocs.yml", "ci.yml", "hooks.yaml")
    assert (code, out.splitlines()) == (0, [
        f"ci.yml: skipped: {NOT_AN_AGREEMENT}",
        "hooks.yaml: skipped: not an agreement (it is a list, not a mapping with a jointgov key)",
        f"mkdocs.yml: skipped: {NOT_AN_AGREEMENT}",
        "no findings in 1 file; 3 files skipped (3 not an agreement)"])


def test_only_other_yaml_is_no_clean_pass_of_an_agreement(repo: Path) -> None:
    assert check("mkdocs.yml") == (0, f"mkdocs.yml: skipped: {NOT_AN_AGREEMENT}\n"
                                      "no agreement checked; 1 file skipped (1 not an agreement)\n")


def test_a_directory_counts_the_other_yaml_it_holds(repo: Path) -> None:
    code, out = check(".")
    assert (code, out) == (0, "no findings in 1 file; 3 files skipped (3 not an agreement)\n")
    doc = json.loads(check(".", fmt="json")[1])
    assert [f["path"] for f in doc["files"]] == ["clean.yaml"]
    assert [(s["path"], s["reason"]) for s in doc["skipped"]] == [
        ("ci.yml", "not-an-agreement"), ("hooks.yaml", "not-an-agreement"), ("mkdocs.yml", "not-an-agreement")]


@pytest.mark.parametrize(("name", "text", "where"), [
    ("lost-its-key.yaml", BASE.replace("jointgov: 1\n", ""), [("JG006", 1, 1)]),
    ("parties-only.yaml", "parties:\n  - id: council\n", [("JG006", 1, 1)]),
    ("empty.yaml", "# still being drafted\n", [("JG006", 1, 1)]),
    ("listed.yaml", "- jointgov: 1\n", [("JG003", 1, 1)]),
    ("broken.yaml", "site_name: [\n", [("JG001", 2, 1)]),
])
def test_what_may_be_an_agreement_is_checked(repo: Path, name: str, text: str, where: list[tuple[str, int, int]]
                                             ) -> None:
    (repo / name).write_text(text)
    code, out = check(name, fmt="json")
    doc = json.loads(out)
    assert code == 1 and doc["skipped"] == []
    assert [(f["rule_id"], f["line"], f["column"]) for f in doc["findings"]][:1] == where


def test_where_the_configuration_says_agreements_live_everything_is_one(repo: Path) -> None:
    (repo / "protocols").mkdir()
    (repo / "protocols" / "notes.yaml").write_text(MKDOCS)
    (repo / "jointgov.toml").write_text('agreements = ["protocols/*"]\n')
    code, out = check("protocols/notes.yaml", "mkdocs.yml")
    assert code == 1
    assert out.splitlines()[0].startswith("protocols/notes.yaml:1:1: error: JG006 format-version: ")
    assert f"mkdocs.yml: skipped: {NOT_AN_AGREEMENT}" in out.splitlines()


def test_an_excluded_file_named_is_said_to_be_excluded(repo: Path) -> None:
    (repo / "jointgov.toml").write_text('exclude = ["clean.yaml"]\n')
    result = CliRunner().invoke(main, ["check", "clean.yaml", "--as-of", AS_OF])
    assert (result.exit_code, result.stdout) == (0, 'clean.yaml: skipped: excluded by the configuration (exclude = '
                                                    '["clean.yaml"] in jointgov.toml)\nno agreement checked; 1 file '
                                                    'skipped (1 excluded by the configuration)\n')


def test_simulate_skips_other_yaml_too(repo: Path) -> None:
    result = CliRunner().invoke(main, ["simulate", "mkdocs.yml", "--as-of", AS_OF, "--format", "json"])
    doc = json.loads(result.stdout)
    assert result.exit_code == 0 and doc["files"] == []
    assert doc["skipped"] == [{"path": "mkdocs.yml", "reason": "not-an-agreement",
                               "detail": "it has no jointgov, agreement or parties key at its top level"}]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "-c", "commit.gpgsign=false", *args],
                   cwd=repo, check=True, capture_output=True)


def test_diff_skips_other_yaml_but_not_an_agreement_that_stops_being_one(repo: Path) -> None:
    (repo / ".git").rmdir()
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "start")
    (repo / "mkdocs.yml").write_text(MKDOCS + "nav: []\n")
    (repo / "clean.yaml").write_text(MKDOCS)  # an agreement replaced by something else
    result = CliRunner().invoke(main, ["diff", "--git", "HEAD", "--fail-on-weakening", "--as-of", AS_OF])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"mkdocs.yml: skipped: {NOT_AN_AGREEMENT}",
        "clean.yaml:1:1: JG006 format-version: 'jointgov: 1' is missing: the first key of an agreement gives the "
        "format version (cannot compare until the agreement is fixed)",
        "1 agreement compared: 0 weakenings, 0 strengthenings, 0 other changes; 0 findings introduced, 0 resolved; "
        "1 could not be compared; 1 file skipped (not an agreement)"]
