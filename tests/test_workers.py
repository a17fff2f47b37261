"""Worker processes: a file whose worker dies is reported as lost and the run goes on (issue 12, item 2); --jobs
is capped (item 16); ^C ends a run with status 130 (item 19)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jointgov.commands import check, workers
from jointgov.commands.check import PARALLEL_FROM, run
from tests.hostile import AGREEMENT, AS_OF, TIMEOUT, jointgov, rule_case

KILLED = "a07.yaml"


def summary_without(corpus: Path, lost: str | None = KILLED, rules_dirs: tuple[str, ...] = ()) -> str:
    """The summary line of an ordinary run over the corpus's files but *lost*: what a run that lost it says."""
    others = corpus.parent / "others"
    others.mkdir(exist_ok=True)
    for path in sorted(corpus.glob("*.yaml")):
        if path.name != lost:
            (others / path.name).write_bytes(path.read_bytes())
    out = io.StringIO()
    run([str(others)], as_of=AS_OF, out=out, rules_dirs=rules_dirs)  # a directory: the repository rules run too
    return out.getvalue().splitlines()[-1]


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    directory = tmp_path / "many"
    directory.mkdir()
    for i in range(max(20, PARALLEL_FROM + 4)):
        (directory / f"a{i:02d}.yaml").write_bytes(AGREEMENT.read_bytes())
    return directory


def _dies_on(name: str, how: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the worker that checks *name* die by signal *how* (the workers are forked: they inherit this)."""
    original = check.FilePass.__call__

    def dying(self: check.FilePass, path: str) -> check.Checked:
        if path.endswith(name):
            os.kill(os.getpid(), how)
        return original(self, path)

    monkeypatch.setattr(check.FilePass, "__call__", dying)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT])
def test_a_worker_that_dies_loses_only_its_file(corpus: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str], how: int) -> None:
    _dies_on(KILLED, how, monkeypatch)
    out = io.StringIO()
    status = run([str(corpus)], as_of=AS_OF, jobs=2, out=out, fmt="json")
    err = capsys.readouterr().err.splitlines()
    assert status == 3
    assert err == [f"jointgov: internal error: {corpus / KILLED}: its check was killed by {signal.Signals(how).name} "
                   "(the rule engine crashed, or the system stopped it)",
                   "jointgov: the report covers the other 19 files; this is a bug in jointgov or its rule engine: "
                   "please report it with the command you ran"]
    import json

    reported = [f["path"] for f in json.loads(out.getvalue())["files"]]
    assert reported == sorted(str(p) for p in corpus.glob("*.yaml") if p.name != KILLED)


def test_a_single_file_run_that_loses_its_engine_says_so_in_one_line(monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    _dies_on(AGREEMENT.name, signal.SIGSEGV, monkeypatch)
    out = io.StringIO()
    assert run([str(AGREEMENT)], as_of=AS_OF, out=out) == 3
    assert out.getvalue() == ""
    assert capsys.readouterr().err.splitlines() == [
        f"jointgov: internal error: {AGREEMENT}: its check was killed by SIGSEGV (the rule engine crashed, or the "
        "system stopped it); no report was written: this is a bug in jointgov or its rule engine: please report it "
        "with the command you ran"]


def test_an_exception_in_one_files_check_keeps_the_others(corpus: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    original = check.FilePass.__call__

    def failing(self: check.FilePass, path: str) -> check.Checked:
        if path.endswith(KILLED):
            raise ValueError("a bug")
        return original(self, path)

    monkeypatch.setattr(check.FilePass, "__call__", failing)
    out = io.StringIO()
    assert run([str(corpus)], as_of=AS_OF, jobs=2, out=out) == 3
    assert out.getvalue().splitlines()[-1] == summary_without(corpus)
    assert capsys.readouterr().err.splitlines()[0] == (
        f"jointgov: internal error: {corpus / KILLED}: internal error: ValueError: a bug")


def test_a_killed_worker_ends_a_parallel_command_line_run(corpus: Path) -> None:
    """The issue's shape from the command line: --jobs 2 on 20 files, one worker killed with SIGKILL from outside
    (the ``JOINTGOV_TEST_KILL`` hook is this test's: a sitecustomize that patches the worker in the child)."""
    hook = corpus.parent / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os, signal\n"
        "from jointgov.commands import check\n"
        "original = check.FilePass.__call__\n"
        "def dying(self, path):\n"
        f"    if path.endswith({KILLED!r}):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return original(self, path)\n"
        "check.FilePass.__call__ = dying\n")
    ran = jointgov("check", str(corpus), "--jobs", "2", "--as-of", AS_OF,
                   env={"PYTHONPATH": os.pathsep.join([str(hook), *sys.path])})
    assert ran.code == 3
    assert ran.out.splitlines()[-1] == summary_without(corpus)
    assert f"{corpus / KILLED}: its check was killed by SIGKILL" in ran.err


def test_the_crash_prone_user_rule_on_many_files_in_parallel(corpus: Path, tmp_path: Path) -> None:
    """Item 2 as reported: the user rule with a correlated equality inside the engine's $or, --jobs 2, 20 files:
    compiled safely, the run ends with every file checked."""
    case = rule_case(2, "in with a reference", "  - when:\n      - party: {}\n      - post: {appointed_day: {in: "
                     "[$party.reaffirmed_day, 1]}}\n", "", code=1)
    case.build(tmp_path)
    ran = jointgov("check", str(corpus), "--rules", str(tmp_path / "rules"), "--jobs", "2", "--as-of", AS_OF)
    assert (ran.code, ran.err) == (1, "")
    assert ran.out.splitlines()[-1] == summary_without(corpus, None, (str(tmp_path / "rules"),))


def test_jobs_are_capped_at_the_usable_cores(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    original = workers.Pool.results

    def counted(self: workers.Pool[object], count: int) -> object:
        started.append(count)
        return original(self, count)

    monkeypatch.setattr(workers.Pool, "results", counted)
    run([str(corpus)], as_of=AS_OF, jobs=100_000, out=io.StringIO())
    run([str(corpus / "a00.yaml")], as_of=AS_OF, jobs=100_000, out=io.StringIO())
    assert started[0] == min(100_000, workers.usable_cores())
    assert started[2] == 1  # one file: one worker (started[1] is the repository rules' worker)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc to see the worker processes")
def test_interrupt_exits_130_and_writes_no_report(tmp_path: Path) -> None:
    many = tmp_path / "many"
    many.mkdir()
    for i in range(300):
        (many / f"a{i:03d}.yaml").write_bytes(AGREEMENT.read_bytes())
    reports = ["--report", f"json={tmp_path / 'r.json'}", "--report", f"sarif={tmp_path / 'r.sarif'}"]
    child = subprocess.Popen([sys.executable, "-m", "jointgov", "check", str(many), "--jobs", "2", "-o",
                              str(tmp_path / "r.txt"), *reports, "--as-of", AS_OF], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + TIMEOUT
    while not _children(child.pid) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert child.poll() is None, "the run ended before it could be interrupted"
    os.kill(child.pid, signal.SIGINT)
    _, err = child.communicate(timeout=TIMEOUT)
    assert (child.returncode, err.decode()) == (130, "jointgov: interrupted\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["many"]


def test_an_engine_error_names_the_rule(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """An error the engine reports from a rule's action (``rule N condition K``) is named by the rule's id and
    file in the one line that says the file was lost."""
    from jointgov.pipeline.catalogue import load_catalogue
    from jointgov.pipeline.engine import Engine, EngineError

    def failing(self: Engine, facts: object) -> object:
        raise EngineError("rule 7 condition 0: boom")

    monkeypatch.setattr(Engine, "evaluate", failing)
    rule = load_catalogue().rules[7]
    assert run([str(AGREEMENT)], as_of=AS_OF, out=io.StringIO()) == 3
    assert f"internal error: EngineError: rule {rule.id} ({rule.path}, match[0]): boom" in capsys.readouterr().err


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc to see the worker processes")
def test_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    """A run killed outright (SIGKILL: no clean-up) leaves no worker behind holding its output pipe: each sees its
    pipe close and exits."""
    many = tmp_path / "many"
    many.mkdir()
    for i in range(300):
        (many / f"a{i:03d}.yaml").write_bytes(AGREEMENT.read_bytes())
    child = subprocess.Popen([sys.executable, "-m", "jointgov", "check", str(many), "--jobs", "2", "--as-of", AS_OF],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + TIMEOUT
    while not _children(child.pid) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    orphans = _children(child.pid)
    assert orphans and child.poll() is None, "the run ended before its workers could be seen"
    child.kill()
    child.communicate(timeout=TIMEOUT)  # returns only when no process holds the pipe any more
    assert child.returncode == -signal.SIGKILL
