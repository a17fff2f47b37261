"""Streaming (issue 16): text, GitHub and JSON lines are written file by file as the run goes, and the run keeps
none of the findings it wrote. The streamed output is the whole report in the format's documented order (each
file's own findings, file by file in the order of the paths; then the findings across agreements), whatever
``--jobs``; ``-o FILE`` is still written whole or not at all; a file lost in a worker still gives exit 3."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from jointgov.cli import main as jointgov
from jointgov.commands import check
from jointgov.commands.check import PARALLEL_FROM, run
from jointgov.reporters import text
from tests.conftest import PROTOCOLS, ROOT

AS_OF = "2026-11-23"
REPOSITORY = ROOT / "tests" / "data" / "repository"
ACROSS = ("JG901", "JG902", "JG903", "JG904", "JG905")
STREAMED = ("text", "jsonl", "github")
LOST = "p03-carers.yaml"


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """More files than one worker takes (``PARALLEL_FROM``), with the register and relations across agreements:
    the test repository, and copies of the bundled agreements beside them."""
    directory = tmp_path_factory.mktemp("mixed")
    for path in REPOSITORY.iterdir():
        shutil.copyfile(path, directory / path.name)
    copies = [p for p in sorted(PROTOCOLS.glob("*.yaml"))]
    for i in range(PARALLEL_FROM + 2 - len(copies)):
        source = copies[i % len(copies)] if i >= len(copies) else copies[i]
        shutil.copyfile(source, directory / f"p{i:02d}-{source.name}")
    shutil.copyfile(REPOSITORY / "carers.yaml", directory / LOST)
    assert len(list(directory.glob("*.yaml"))) > PARALLEL_FROM + 1
    return directory


def _target(name: str, mixed: Path) -> str:
    return {"protocols": "protocols", "repository": "tests/data/repository", "mixed": str(mixed)}[name]


def _run(target: str, **kw: object) -> str:
    out = io.StringIO()
    with contextlib.chdir(ROOT):
        run([target], as_of=AS_OF, fail_on="never", out=out, **kw)  # type: ignore[arg-type]
    return out.getvalue()


def _unnamed(fmt: str, output: str, path: Path) -> str:
    """*output* less the name of the file it was written to, which the GitHub format's closing notice gives (where
    every finding is) when some are not annotated."""
    if fmt != "github":
        return output
    assert f"every finding is listed in this step's log (the group 'jointgov: every finding') and {path} (" in output
    return output.replace(f" and {path} (", " (")


def _located(fmt: str, output: str) -> list[tuple[str, int, int, str]]:
    """The findings of a text or JSON lines report, in its order: (path, line, column, rule id)."""
    if fmt == "jsonl":
        objects = [json.loads(line) for line in output.splitlines()]
        return [(o["path"], o["line"], o["column"], o["rule_id"]) for o in objects if o["type"] == "finding"]
    lines = output.splitlines()
    if fmt == "github":  # every finding, in the log group
        lines = lines[lines.index("::group::jointgov: every finding") + 1:lines.index("::endgroup::")]
    out = []
    for line in lines:
        parts = line.split(": ", 3)
        if len(parts) == 4 and parts[1] in ("error", "warning", "info"):
            path, line_no, column = parts[0].rsplit(":", 2)
            out.append((path, int(line_no), int(column), parts[2].split(" ", 1)[0]))
    return out


@pytest.mark.parametrize("fmt", STREAMED)
@pytest.mark.parametrize("where", ["protocols", "repository", "mixed"])
def test_streamed_output_is_the_whole_report_in_the_documented_order(fmt: str, where: str, mixed: Path,
                                                                     tmp_path: Path) -> None:
    target = _target(where, mixed)
    streamed = {jobs: _run(target, fmt=fmt, jobs=jobs) for jobs in (1, 2)}
    assert streamed[1] == streamed[2]
    # the same format built whole (a --report beside it: the run keeps every finding, then writes)
    whole = tmp_path / f"whole.{fmt}"
    stdout = _run(target, fmt=fmt, jobs=2, reports=[f"{fmt}={whole}"])
    file_text = whole.read_text(encoding="utf-8")
    assert _unnamed(fmt, file_text, whole) == _unnamed(fmt, stdout, whole) == streamed[1]
    # the documented order: every finding of the JSON report, each file's own first (in the order of the paths),
    # then those across agreements
    document = json.loads(_run(target, fmt="json", jobs=2))
    findings = [(f["path"], f["line"], f["column"], f["rule_id"]) for f in document["findings"]]
    own = [f for f in findings if f[3] not in ACROSS]
    across = [f for f in findings if f[3] in ACROSS]
    assert _located(fmt, streamed[1]) == own + across
    assert bool(across) == (where != "protocols")


@pytest.mark.parametrize("fmt", STREAMED)
def test_streaming_to_a_file_writes_it_whole(fmt: str, mixed: Path, tmp_path: Path) -> None:
    output = tmp_path / "reports" / f"report.{fmt}"
    assert _run(str(mixed), fmt=fmt, jobs=2, output=str(output)) == ""
    assert _unnamed(fmt, output.read_text(encoding="utf-8"), output) == _run(str(mixed), fmt=fmt, jobs=2)
    assert os.listdir(output.parent) == [output.name]  # no temporary file left


def test_an_error_mid_run_leaves_the_old_report_in_place(mixed: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    output = tmp_path / "report.txt"
    output.write_text("the old report\n", encoding="utf-8")
    written = []
    original = text.Stream.file

    def failing(self: text.Stream, *args: object) -> None:
        written.append(args)
        if len(written) == 3:  # after two files' lines are in the temporary file
            raise RuntimeError("a bug in a reporter")
        original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(text.Stream, "file", failing)
    result = CliRunner().invoke(jointgov, ["check", str(mixed), "--as-of", AS_OF, "-o", str(output)])
    assert result.exit_code == 3
    assert "internal error: RuntimeError: a bug in a reporter" in result.stderr
    assert output.read_text(encoding="utf-8") == "the old report\n"
    assert os.listdir(tmp_path) == ["report.txt"]


def _dies_on(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker that checks *name* is killed (the workers are forked: they inherit this)."""
    original = check.FilePass.__call__

    def dying(self: check.FilePass, path: str) -> check.Checked:
        if path.endswith(name):
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, path)

    monkeypatch.setattr(check.FilePass, "__call__", dying)


@pytest.mark.parametrize("fmt", STREAMED)
def test_a_lost_file_still_exits_3_and_the_file_covers_the_others(fmt: str, mixed: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    aside = tmp_path / LOST  # the others alone, in the same directory: their paths read the same in every format
    shutil.move(mixed / LOST, aside)
    try:
        expected = _run(str(mixed), fmt=fmt, jobs=2)
    finally:
        shutil.move(aside, mixed / LOST)
    output = tmp_path / f"report.{fmt}"
    output.write_text("the old report\n", encoding="utf-8")
    _dies_on(LOST, monkeypatch)
    capsys.readouterr()
    assert run([str(mixed)], as_of=AS_OF, fail_on="never", fmt=fmt, jobs=2, output=str(output)) == 3
    assert capsys.readouterr().err.startswith(f"jointgov: internal error: {mixed / LOST}: its check was killed by "
                                              "SIGKILL")
    assert _unprinted(fmt, _unnamed(fmt, output.read_text(encoding="utf-8"), output)) == _unprinted(fmt, expected)


def _unprinted(fmt: str, output: str) -> object:
    """*output*, less the fingerprints (they hold the path relative to the repository root)."""
    if fmt != "jsonl":
        return output
    return [{k: v for k, v in json.loads(line).items() if k != "fingerprint"} for line in output.splitlines()]


def test_a_run_whose_only_file_is_lost_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    agreement = tmp_path / "carers.yaml"
    shutil.copyfile(REPOSITORY / "carers.yaml", agreement)
    output = tmp_path / "report.txt"
    output.write_text("the old report\n", encoding="utf-8")
    _dies_on("carers.yaml", monkeypatch)
    out = io.StringIO()
    assert run([str(agreement)], as_of=AS_OF, out=out) == 3
    assert out.getvalue() == ""
    assert run([str(agreement)], as_of=AS_OF, output=str(output)) == 3
    assert output.read_text(encoding="utf-8") == "the old report\n"
    assert sorted(os.listdir(tmp_path)) == ["carers.yaml", "report.txt"]


def test_the_exit_status_counts_the_streamed_findings(tmp_path: Path) -> None:
    agreement = tmp_path / "carers.yaml"
    shutil.copyfile(REPOSITORY / "carers.yaml", agreement)
    assert run([str(agreement)], as_of=AS_OF, out=io.StringIO(), fail_on="never") == 0
    assert run([str(agreement)], as_of=AS_OF, out=io.StringIO(), fail_on="error") == 1


def test_a_baseline_hides_streamed_findings(mixed: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    assert run([str(mixed)], as_of=AS_OF, out=io.StringIO(), write_baseline=str(baseline), fail_on="never") == 0
    out = io.StringIO()
    assert run([str(mixed)], as_of=AS_OF, out=out, baseline=str(baseline), fmt="jsonl") == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["type"] for line in lines] == ["summary"]
    recorded = len(json.loads(baseline.read_text(encoding="utf-8"))["findings"])
    assert lines[-1]["baseline"] == {"hidden": recorded, "stale": 0}


@pytest.mark.parametrize("where", ["protocols", "mixed"])
def test_github_annotates_the_most_severe_findings_from_each_file_in_turn(where: str, mixed: Path) -> None:
    """The streamed GitHub format keeps only the findings it may annotate; it annotates what the whole list would
    give: in the documented order, most severe first, the first of each file, then the second of each ..."""
    target = _target(where, mixed)
    document = json.loads(_run(target, fmt="json", jobs=2))
    findings = [f for f in document["findings"] if f["rule_id"] not in ACROSS]
    findings += [f for f in document["findings"] if f["rule_id"] in ACROSS]
    expected = []
    for severity, room in (("error", 10), ("warning", 10), ("info", 9)):
        queues: dict[str, list[dict[str, object]]] = {}
        for f in findings:
            if f["severity"] == severity:
                queues.setdefault(f["path"], []).append(f)
        ordered = [q[depth] for depth in range(max(map(len, queues.values()), default=0))
                   for q in queues.values() if depth < len(q)]
        expected += [(f["rule_id"], f["line"], f["column"]) for f in ordered[:room]]
    lines = _run(target, fmt="github", jobs=2).splitlines()
    annotations = lines[lines.index("::endgroup::") + 1:-1]
    pattern = re.compile(r"::(?:error|warning|notice) file=[^,]+,line=(\d+),col=(\d+),title=(JG\d+) ")
    shown = [(m[3], int(m[1]), int(m[2])) for m in map(pattern.match, annotations) if m]
    assert len(shown) == len(annotations) == len(expected) > 10
    assert shown == expected


def test_kept_entries_share_what_they_have_in_common() -> None:
    """The repository entries kept till the rules across agreements run share their equal values, and are equal
    to the entries as made."""
    import datetime as dt
    import pickle

    from jointgov.model import Limits
    from jointgov.pipeline.checker import open_agreement
    from jointgov.repository.facts import entry, shared

    made = entry(open_agreement(str(REPOSITORY / "barking-dagenham-2001.yaml"), Limits()), dt.date(2026, 11, 23),
                 ("", "/name"))
    first, second = (pickle.loads(pickle.dumps(made)) for _ in range(2))  # as two workers send them
    memo: dict[object, object] = {}
    kept = [shared(first, memo), shared(second, memo)]
    assert kept == [made, made]
    assert kept[0].parties and kept[0].posts
    assert all(a is b for a, b in zip(kept[0].parties, kept[1].parties, strict=True))
    assert all(a is b for a, b in zip(kept[0].posts, kept[1].posts, strict=True))
    assert all(a is b for a, b in zip(kept[0].positions, kept[1].positions, strict=True))
    assert first.parties[0] is not second.parties[0]
