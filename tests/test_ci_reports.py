"""Reports that go to places with limits, on 300 generated agreements (bench/generate.py): GitHub's annotations
(10 errors, 10 warnings, 10 notices shown per step), a pull-request comment (65,536 characters), and JUnit,
which follows --fail-on."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from jointgov.commands.check import run
from jointgov.reporters.summary import COMMENT_LIMIT, size
from tests.conftest import ROOT

AS_OF = "2026-11-23"
COUNT = 300


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One check of 300 generated agreements, --fail-on never: its GitHub output, JSON, summary and JUnit."""
    base = tmp_path_factory.mktemp("corpus")
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(base / "agreements"), "--count",
                    str(COUNT), "--seed", "17"], check=True, capture_output=True)
    (base / ".git").mkdir()
    (base / "jointgov.toml").write_text("")
    out = io.StringIO()
    with contextlib.chdir(base):
        status = run(["agreements"], fmt="github", as_of=AS_OF, out=out, fail_on="never",
                     reports=["json=report.json", "summary=summary.md", "junit=junit.xml"])
    return {"status": status, "github": out.getvalue(), "json": json.loads((base / "report.json").read_text()),
            "summary": (base / "summary.md").read_text(encoding="utf-8"), "junit": (base / "junit.xml").read_text(),
            "base": base}


@pytest.mark.slow  # 300 generated agreements: run by CI and pytest -m slow
def test_the_corpus_has_more_findings_than_github_shows(corpus: dict[str, Any]) -> None:
    summary = corpus["json"]["summary"]
    assert corpus["status"] == 0 and len(corpus["json"]["files"]) == COUNT
    assert summary["error"] > 100 and summary["warning"] > 100


@pytest.mark.slow  # 300 generated agreements: run by CI and pytest -m slow
def test_github_annotations_stay_within_the_per_step_limits_most_severe_first(corpus: dict[str, Any]) -> None:
    lines = corpus["github"].splitlines()
    commands = [re.match(r"::([a-z]+)", line).group(1) for line in lines if line.startswith("::")]  # type: ignore[union-attr]
    annotations = [c for c in commands if c in ("error", "warning", "notice")]
    assert annotations.count("error") == 10 and annotations.count("warning") == 10
    assert annotations.count("notice") <= 10
    assert annotations == sorted(annotations, key=["error", "warning", "notice"].index), "most severe first"
    # the ten errors shown come from ten files, the first ten files that have errors
    findings = corpus["json"]["findings"]
    errors_in = sorted({f["path"] for f in findings if f["severity"] == "error"})
    shown = [re.search(r"file=([^,]+),", line).group(1) for line in lines if line.startswith("::error ")]  # type: ignore[union-attr]
    assert shown == errors_in[:10]


@pytest.mark.slow  # 300 generated agreements: run by CI and pytest -m slow
def test_github_ends_with_a_notice_of_how_many_were_not_annotated(corpus: dict[str, Any]) -> None:
    lines = corpus["github"].splitlines()
    doc = corpus["json"]
    total = len(doc["findings"]) + len(doc["waived"])
    annotated = sum(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    hidden = total - annotated
    assert lines[-1].startswith("::notice::jointgov: ")
    assert (f"{hidden:,} findings not annotated: GitHub shows 10 errors, 10 warnings and 10 notices per step, so "
            "these are the most severe, from as many files as possible; every finding is listed in this step's log "
            "(the group 'jointgov: every finding') and report.json and summary.md and junit.xml") in lines[-1]
    # the group holds every finding, one line each
    start, end = lines.index("::group::jointgov: every finding"), lines.index("::endgroup::")
    assert end - start - 1 == total
    first = doc["findings"][0]
    assert lines[start + 1] == (f"{first['path']}:{first['line']}:{first['column']}: {first['severity']}: "
                                f"{first['rule_id']} {first['rule_name']}: {first['message']}")


@pytest.mark.slow  # 300 generated agreements: run by CI and pytest -m slow
def test_the_pull_request_summary_fits_in_a_comment_and_says_what_was_cut(corpus: dict[str, Any]) -> None:
    text, doc = corpus["summary"], corpus["json"]
    assert size(text) < COMMENT_LIMIT
    failing = {f["path"] for f in doc["findings"] if f["severity"] == "error"}  # with --fail-on never, errors fail
    assert text.startswith(f"## jointgov: {len(failing)} of {COUNT} agreements do not pass\n")
    shown = [line for line in text.splitlines() if line.startswith("- **")]
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| Agreement")
            and not line.startswith("| ---")]
    left = len(doc["findings"]) - len(shown)
    assert left > 0
    cut = [line for line in text.splitlines() if line.startswith("*Cut to stay within GitHub's 65,536-character")]
    assert len(cut) == 1
    assert f"{COUNT - len(rows)} agreements of the table (those that fail least, or pass)" in cut[0]
    assert f"{left:,} findings (" in cut[0]
    assert "The full report: `report.json`, `summary.md`, `junit.xml`." in cut[0]
    # worst first: the errors shown before any warning, the agreements by their errors
    severities = [line.split("**")[1] for line in shown]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    errors = [int(row.split(" | ")[2]) for row in rows]
    assert errors == sorted(errors, reverse=True)


@pytest.mark.slow  # 300 generated agreements: run by CI and pytest -m slow
def test_junit_with_fail_on_never_has_no_failure_and_keeps_the_findings(corpus: dict[str, Any]) -> None:
    root = ET.fromstring(corpus["junit"])
    assert list(root.iter("failure")) == []
    assert {suite.get("failures") for suite in root} == {"0"}
    below = [line for suite in root for line in (suite.findtext("system-out") or "").splitlines()
             if " below --fail-on never: " in line]
    assert len(below) == len(corpus["json"]["findings"])


@pytest.mark.slow  # 300 generated agreements: run by CI and pytest -m slow
def test_the_pull_request_diff_of_300_new_agreements_fits_in_a_comment(corpus: dict[str, Any],
                                                                       tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(corpus["base"] / "agreements", repo / "agreements")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "empty"], cwd=repo, check=True)
    (repo / "jointgov.toml").write_text("")
    result = subprocess.run([sys.executable, "-m", "jointgov", "diff", "--git", "HEAD", "--format", "markdown",
                             "--as-of", AS_OF], cwd=repo, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert size(text) < COMMENT_LIMIT
    shown = sum(line.startswith("| [") for line in text.splitlines())
    cut = text.splitlines()[-1]
    introduced = int(re.search(r"### Findings introduced \((\d+)\)", text).group(1))  # type: ignore[union-attr]
    listed = sum(line.startswith("- `") for line in text.splitlines())
    assert shown == COUNT and introduced > 1000  # every change fits; the findings introduced do not
    assert cut == (f"*Cut to stay within GitHub's 65,536-character limit for a comment: {introduced - listed:,} "
                   "findings not shown (the weakenings come first). The full diff: `jointgov diff` with `--format "
                   "text` or `--format json`.*")


def test_the_job_summary_is_appended_with_the_github_format_only(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_text("## an earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    with contextlib.chdir(ROOT):
        run(["protocols/barnsley-2003.yaml"], fmt="text", as_of=AS_OF, out=io.StringIO())
        assert summary.read_text(encoding="utf-8") == "## an earlier step\n"
        run(["protocols/barnsley-2003.yaml"], fmt="github", as_of=AS_OF, out=io.StringIO())
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## an earlier step\n## jointgov: the agreement does not pass\n\n")
    assert "- **error** `protocols/barnsley-2003.yaml:45:15` JG307 agreement-expired: " in text


# Problem matchers read the text format

GCC = re.compile(r"^(.*?):(\d+):(\d*):?\s+(?:fatal\s+)?(warning|error):\s+(.*)$")
"""VS Code's $gcc problem matcher (its regular expression, as VS Code defines it)."""


def test_problem_matchers_read_every_error_and_warning_of_the_text_format() -> None:
    ours = json.loads((ROOT / "problem-matchers" / "jointgov.json").read_text(encoding="utf-8"))
    pattern = ours["problemMatcher"][0]["pattern"][0]
    matcher = re.compile(pattern["regexp"])
    text, doc = io.StringIO(), io.StringIO()
    with contextlib.chdir(ROOT):
        run(["protocols"], as_of=AS_OF, out=text, fail_on="never")
        run(["protocols"], as_of=AS_OF, out=doc, fmt="json", fail_on="never")
    findings = json.loads(doc.getvalue())["findings"]
    lines = text.getvalue().splitlines()[:len(findings)]
    want = [(f["path"], str(f["line"]), str(f["column"]), f["severity"], f["rule_id"]) for f in findings]
    got = []
    for line in lines:
        match = matcher.match(line)
        assert match is not None, line
        got.append(tuple(match.group(pattern[k]) for k in ("file", "line", "column", "severity", "code")))
    assert got == want
    gcc = [GCC.match(line) for line in lines]
    assert [(m.group(1), m.group(2), m.group(3), m.group(4)) for m in gcc if m] == [w[:4] for w in want]
