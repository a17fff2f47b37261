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
