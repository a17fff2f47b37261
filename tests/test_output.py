"""Files jointgov writes (reports, baselines, skeletons): whole or not at all, with ordinary permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from jointgov.files import write_atomic


def test_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "report.html", "<p>x</p>")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "report.html").stat().st_mode) == 0o644
    assert (tmp_path / "report.html").read_text() == "<p>x</p>"


def test_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    target.write_text("old")
    target.chmod(0o640)
    write_atomic(target, "new")
    assert (stat.S_IMODE(target.stat().st_mode), target.read_text()) == (0o640, "new")


def test_no_overwrite_leaves_the_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "agreement.yaml"
    target.write_text("mine")
    with pytest.raises(FileExistsError):
        write_atomic(target, "theirs", overwrite=False)
    assert target.read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agreement.yaml"]


REPORTS = ["--report", "json=r.json", "--report", "sarif=r.sarif", "-o", "r.txt"]


def _check(tmp_path: Path, *args: str) -> tuple[int, str]:
    from click.testing import CliRunner

    from jointgov.cli import main
    from tests.hostile import AGREEMENT, AS_OF

    (tmp_path / "a.yaml").write_bytes(AGREEMENT.read_bytes())
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        # no catalogue cache: the only files written are the reports, whose writes the tests interrupt
        result = CliRunner().invoke(main, ["check", "a.yaml", "--as-of", AS_OF, *args],
                                    env={"JOINTGOV_NO_CACHE": "1"})
    finally:
        os.chdir(here)
    return result.exit_code, result.stderr


def test_interrupted_while_writing_reports_leaves_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """^C after the first report is staged: status 130, and neither that report nor a temporary file is left."""
    synced = []

    def interrupted(handle: int) -> None:
        synced.append(handle)
        if len(synced) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    assert _check(tmp_path, *REPORTS) == (130, "jointgov: interrupted\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]


def test_interrupts_are_held_while_the_reports_are_renamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGINT and SIGTERM are blocked from the first report's rename to the last one's (a ^C then is delivered
    after them: every report is in place); and only then."""
    import signal

    blocked: list[tuple[str, bool]] = []
    original = os.replace

    def replace(source: str, target: str) -> None:
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])  # the current mask, unchanged
        if os.path.basename(target).startswith("r."):  # a report (not the catalogue's cache)
            blocked.append((os.path.basename(target), {signal.SIGINT, signal.SIGTERM} <= mask))
        original(source, target)

    monkeypatch.setattr(os, "replace", replace)
    assert _check(tmp_path, *REPORTS)[0] == 1
    assert sorted(blocked) == [("r.json", True), ("r.sarif", True), ("r.txt", True)]
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])


def test_a_report_that_cannot_be_written_is_exit_2_and_no_report(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails (here: the third report's file system is read-only) leaves no report at all."""
    import errno
    import tempfile

    made = []
    original = tempfile.mkstemp

    def mkstemp(**kwargs: str) -> tuple[int, str]:
        made.append(kwargs)
        if len(made) == 3:
            raise OSError(errno.EROFS, "Read-only file system", str(kwargs["dir"]))
        return original(**kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    code, err = _check(tmp_path, *REPORTS)
    assert (code, err) == (2, f"jointgov: cannot write {tmp_path}: Read-only file system: no report was written\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]


def test_a_directory_that_cannot_be_written_is_refused_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 13: -o into a directory without write permission: exit 2 before the check runs (os.access is what
    says so; a real read-only directory is in tests/hostile.py, where the user is not root)."""
    (tmp_path / "ro").mkdir()
    original = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: not str(path).endswith("ro") and original(path, mode))
    assert _check(tmp_path, "-o", "ro/r.txt") == (2, f"jointgov: --output ro/r.txt: the directory {tmp_path / 'ro'} "
                                                     "cannot be written\n")
    assert sorted(p.name for p in (tmp_path / "ro").iterdir()) == []


def test_a_symbolic_link_is_written_through(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_text("old")
    (tmp_path / "link.txt").symlink_to(tmp_path / "real.txt")
    write_atomic(tmp_path / "link.txt", "new")
    assert (tmp_path / "link.txt").is_symlink() and (tmp_path / "real.txt").read_text() == "new"


def test_a_baseline_is_refreshed_in_place(tmp_path: Path) -> None:
    """--baseline and --write-baseline on one file: reported against the old baseline, the new one recorded."""
    import json

    assert _check(tmp_path, "--write-baseline", "b.json")[0] == 1
    recorded = json.loads((tmp_path / "b.json").read_text())["findings"]
    code, _ = _check(tmp_path, "--baseline", "b.json", "--write-baseline", "b.json", "-o", "r.txt")
    assert code == 0
    assert (tmp_path / "r.txt").read_text().splitlines()[-1] == (
        f"no findings in 1 file; {len(recorded)} known from the baseline not shown, 0 baseline entries no longer occur")
    assert json.loads((tmp_path / "b.json").read_text())["findings"] == recorded
