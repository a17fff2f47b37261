"""A broken or missing rule engine is a set-up problem (exit 2, one line saying how to fix it), not an internal
error; the commands that do not need the engine keep working."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROTOCOLS, ROOT

BROKEN = {
    # what durable-rules 2.0.28 compiled without the fix does on Python 3.13
    "compiled without the fix": (
        "raise ImportError('/venv/lib/durable_rules_engine.cpython-313-x86_64-linux-gnu.so: "
        "undefined symbol: PyEval_CallObject')",
        "durable-rules was compiled for Python {v} without the fix it needs there (undefined symbol: "
        "PyEval_CallObject)"),
    "not installed": (
        "raise ModuleNotFoundError(\"No module named 'durable_rules_engine'\", name='durable_rules_engine')",
        "durable-rules is not installed in this environment"),
}


def jointgov(fake: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real command line with a stand-in for the engine's extension (``durable_rules_engine``) first on the
    path."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(fake), str(ROOT / "src"), str(ROOT)]))
    return subprocess.run([sys.executable, "-m", "jointgov", *args], capture_output=True, text=True, env=env,
                          check=False, timeout=60)


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_engine_is_a_setup_error_that_says_how_to_fix_it(tmp_path: Path, case: str) -> None:
    body, cause = BROKEN[case]
    (tmp_path / "durable_rules_engine.py").write_text(body + "\n")
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    for args in (["check", str(PROTOCOLS)], ["simulate", str(PROTOCOLS / "glasgow-joint-board.yaml")],
                 ["rules", "test"]):
        result = jointgov(tmp_path, *args)
        assert (result.returncode, result.stdout) == (2, ""), result.stderr
        assert result.stderr == (
            f"jointgov: the rule engine cannot be loaded: {cause.format(v=version)}. Reinstall it: "
            f"CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject {sys.executable} -m pip install --no-cache-dir "
            "--force-reinstall durable-rules==2.0.28 (it is compiled: it needs gcc and the Python headers)\n")
    for args in (["explain", "JG104"], ["rules"], ["schema"], ["init", str(tmp_path / "new.yaml")]):
        result = jointgov(tmp_path, *args)
        assert (result.returncode, result.stderr) == (0, ""), args
    assert "JG104 no-unilateral-removal" in jointgov(tmp_path, "explain", "JG104").stdout
