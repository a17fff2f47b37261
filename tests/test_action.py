"""The GitHub Action (``action.yml``), its steps run as a script, as a runner would run them, with no network.

A composite action is a list of steps: ``run:`` steps are bash scripts, given their ``env:`` with the
``${{ }}`` expressions filled in; ``uses:`` steps are other actions. The runner here is a small stand-in:

- ``actions/setup-python``: a virtual environment first on PATH, which sees the packages of this test run
  (a ``.pth`` file), so that the install step's own ``pip install`` builds and installs jointgov from the
  action's directory with no index (``PIP_NO_INDEX``; the dependencies are already there);
- the ``run:`` steps: the action's own scripts, under ``bash -eo pipefail`` as GitHub runs them, with
  ``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY`` and ``GITHUB_ACTION_PATH`` set;
- ``github/codeql-action/upload-sarif``: its ``if:`` is evaluated and the file it would upload is validated
  against the official SARIF schema (when the machine has it: ``tests.conftest.official_schema``).

The action's directory is a copy of the working tree as ``git ls-files`` sees it (pip builds in it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import PROTOCOLS, ROOT, official_schema

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
FAILING = "barking-dagenham-2001.yaml"
CLEAN = "barking-dagenham-remediated.yaml"


@dataclass
class Runner:
    """What a GitHub runner keeps while it runs the steps of one job."""

    workspace: Path
    action_path: Path
    env: dict[str, str]
    inputs: dict[str, str]
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    uploaded: list[Path] = field(default_factory=list)

    def value(self, expression: str) -> str:
        """A context value: ``inputs.NAME``, ``github.action_path`` or ``steps.ID.outputs.NAME``."""
        parts = expression.split(".")
        if parts[0] == "inputs":
            return self.inputs[parts[1]]
        if expression == "github.action_path":
            return str(self.action_path)
        if parts[0] == "steps" and parts[2] == "outputs":
            return self.outputs.get(parts[1], {}).get(parts[3], "")
        if parts[0].startswith("'"):
            return expression.strip("'")
        raise AssertionError(f"the stand-in runner does not know {expression!r}")

    def fill(self, text: str) -> str:
        """*text* with every ``${{ }}`` expression replaced by its value."""
        return EXPRESSION.sub(lambda m: self.value(m.group(1)), text)

    def condition(self, text: str) -> bool:
        """An ``if:``: clauses joined by ``&&``, each ``always()`` or ``A == B`` / ``A != B``."""
        result = True
        for clause in (c.strip() for c in EXPRESSION.fullmatch(text.strip()).group(1).split("&&")):  # type: ignore[union-attr]
            if clause == "always()":
                continue
            left, op, right = re.fullmatch(r"(\S+)\s*(==|!=)\s*(\S+)", clause).groups()  # type: ignore[union-attr]
            same = self.value(left) == self.value(right)
            result = result and (same if op == "==" else not same)
        return result

    def run(self, step: dict[str, Any]) -> int:
        """Run one ``run:`` step as GitHub does: bash, its env filled in, outputs read from GITHUB_OUTPUT."""
        output = self.workspace.parent / f"output-{step.get('id', len(self.logs))}"
        output.write_text("")
        env = dict(self.env, GITHUB_OUTPUT=str(output), GITHUB_ACTION_PATH=str(self.action_path),
                   **{k: self.fill(str(v)) for k, v in step.get("env", {}).items()})
        assert step["shell"] == "bash"
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                              cwd=self.workspace, env=env, capture_output=True, text=True, timeout=600, check=False)
        name = step["name"]
        self.logs[name], self.statuses[name] = done.stdout + done.stderr, done.returncode
        if "id" in step:
            self.outputs[step["id"]] = dict(line.split("=", 1) for line in output.read_text().splitlines() if line)
        return done.returncode

    def job(self, steps: list[dict[str, Any]], uses: dict[str, Callable[[dict[str, Any]], None]]) -> int:
        """Run *steps* in order, stopping (as a runner does) at the first failure except for ``always()`` steps."""
        failed = 0
        for step in steps:
            condition = step.get("if", "")
            wanted = "always()" in condition or not failed  # without always(), a step runs only after successes
            if not wanted or (condition and not self.condition(condition)):
                continue
            if "uses" in step:
                uses[step["uses"].split("@")[0]](step)
            elif self.run(step):
                failed = failed or self.statuses[step["name"]]
        return failed


def copy_tree(destination: Path) -> None:
    """The working tree as ``git ls-files`` sees it: the action's directory, as a checkout of it would be."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode("utf-8").split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)


def setup_python(base: Path) -> dict[str, str]:
    """The stand-in for actions/setup-python: a virtual environment that sees this run's packages, first on PATH."""
    venv = base / "python"
    # no pip or setuptools of its own: those of this run (the .pth) build and install jointgov
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    purelib = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()"
                              "['purelib'])"], check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "test-run-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PIP_", "JOINTGOV_"))}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", PIP_NO_INDEX="1",
               PIP_NO_BUILD_ISOLATION="0", PIP_NO_CACHE_DIR="1", VIRTUAL_ENV=str(venv), NO_COLOR="1",
               JOINTGOV_CACHE_DIR=os.environ["JOINTGOV_CACHE_DIR"])
    return env


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """A job that uses the action on a workspace holding a failing agreement, a clean one and mkdocs.yml."""
    base = tmp_path_factory.mktemp("runner")
    action_path, workspace = base / "action", base / "workspace"
    action_path.mkdir()
    (workspace / "protocols").mkdir(parents=True)
    copy_tree(action_path)
    for name in (FAILING, CLEAN):
        shutil.copyfile(PROTOCOLS / name, workspace / "protocols" / name)
    (workspace / "mkdocs.yml").write_text("site_name: Agreements\n")
    (workspace / ".git").mkdir()
    env = setup_python(base)
    summary = base / "step-summary.md"
    summary.write_text("")
    env["GITHUB_STEP_SUMMARY"] = str(summary)
    inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    inputs.update(args="--as-of 2026-11-23")
    made = Runner(workspace, action_path, env, inputs)

    def setup(step: dict[str, Any]) -> None:
        assert step["with"] == {"python-version": "${{ inputs.python-version }}"}

    def upload(step: dict[str, Any]) -> None:
        assert step["with"]["category"] == "jointgov"
        made.uploaded.append(workspace / made.fill(step["with"]["sarif_file"]))

    made.statuses["job"] = made.job(ACTION["runs"]["steps"], {"actions/setup-python": setup,
                                                             "github/codeql-action/upload-sarif": upload})
    return made


def test_the_action_is_composite_and_every_input_is_documented() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert [s.get("uses", s.get("name")).split("@")[0] for s in ACTION["runs"]["steps"]] == [
        "actions/setup-python", "Install jointgov", "Check the agreements", "github/codeql-action/upload-sarif",
        "Verdict"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8").split("### GitHub Actions", 1)[1].split("\n### ", 1)[0]
    for name, spec in ACTION["inputs"].items():
        assert spec["description"] and f"| `{name}` |" in readme, name
    for name in ACTION["outputs"]:
        assert f"`{name}`" in readme, name


def test_the_install_step_installs_jointgov_from_the_action(runner: Runner) -> None:
    assert runner.statuses["Install jointgov"] == 0, runner.logs["Install jointgov"]
    assert runner.logs["Install jointgov"].splitlines()[-1] == "jointgov, version 0.1.0"
    installed = Path(runner.env["VIRTUAL_ENV"]) / "bin" / "jointgov"
    assert installed.is_file()


def test_the_check_annotates_most_severe_first_and_the_job_fails(runner: Runner) -> None:
    log = runner.logs["Check the agreements"]
    assert runner.statuses["Check the agreements"] == 0, log
    assert runner.outputs["check"] == {"exit-code": "1", "sarif": "jointgov.sarif"}
    commands = [line.split(" ", 1)[0].split("::")[1] for line in log.splitlines() if line.startswith("::")]
    # every finding in a collapsed group first (written as the run goes), then the annotations, most severe first
    assert commands[:2] == ["group", "endgroup"]
    assert commands[2:12] == ["error"] * 10 and commands[12:22] == ["warning"] * 10
    assert commands.count("error") == 10 and commands.count("warning") == 10
    assert commands[-1] == "notice"
    assert "every finding is listed in this step's log (the group 'jointgov: every finding') and jointgov.sarif" \
        in log.splitlines()[-1]
    # the verdict: the job fails, after the SARIF report was uploaded
    assert runner.statuses["Verdict"] == 1 and runner.statuses["job"] == 1
    assert runner.logs["Verdict"].startswith("jointgov: findings at or above fail-on")


def test_the_job_summary_is_the_markdown_summary(runner: Runner) -> None:
    summary = Path(runner.env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert summary.startswith("## jointgov: 1 of 2 agreements does not pass\n")
    assert "| Merged management of health and social care in Barking and Dagenham (`protocols/" + FAILING in summary
    assert "Findings: 23 errors, 13 warnings, 0 info; 0 waived. 1 file skipped (1 not an agreement)." in summary


def test_the_uploaded_sarif_is_valid(runner: Runner) -> None:
    assert runner.uploaded == [runner.workspace / "jointgov.sarif"]
    log = json.loads(runner.uploaded[0].read_text(encoding="utf-8"))
    results = log["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {
        f"protocols/{FAILING}"}
    schema = json.loads(official_schema("sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert [e.message for e in jsonschema.Draft4Validator(schema).iter_errors(log)] == []


def test_a_clean_workspace_passes_and_upload_can_be_turned_off(runner: Runner) -> None:
    clean = Runner(runner.workspace, runner.action_path, runner.env,
                   dict(runner.inputs, paths=f"protocols/{CLEAN}\nmkdocs.yml", **{"upload-sarif": "false"}))
    uploads: list[dict[str, Any]] = []
    steps = [s for s in ACTION["runs"]["steps"] if s.get("name") != "Install jointgov"]
    status = clean.job(steps, {"actions/setup-python": lambda step: None,
                               "github/codeql-action/upload-sarif": uploads.append})
    assert status == 0 and uploads == []
    assert clean.outputs["check"]["exit-code"] == "0"
    assert clean.logs["Check the agreements"].splitlines()[-1].startswith(
        "::notice::jointgov: no findings in 1 file; 1 file skipped (1 not an agreement); 0 waived (jointgov ")
