"""Style gates that run with the suite: ruff and mypy (strict) over the package."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize("tool", [["ruff", "check", "src", "tests"], ["mypy"]])
def test_clean(tool: list[str]) -> None:
    if shutil.which(tool[0]) is None and not (ROOT / ".venv" / "bin" / tool[0]).exists():
        exe = shutil.which(tool[0], path=str(__import__("pathlib").Path(sys.executable).parent))
        if exe is None:
            pytest.fail(f"{tool[0]} is not installed: pip install -e '.[test]'")
    exe = shutil.which(tool[0], path=str(__import__("pathlib").Path(sys.executable).parent)) or tool[0]
    result = subprocess.run([exe, *tool[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
