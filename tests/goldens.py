"""The golden files of ``tests/golden/``: how each is made, and the one command that writes them.

The tests only compare their output with these files; they never write them. After a change that
is meant to alter a report (a rule, its text, a bundled agreement, a reporter), write them again
and review the diff before committing it:

    .venv/bin/python -m tests.goldens

The machine-readable reports hold the repository's absolute ``file://`` URI, which differs from
clone to clone: the files have ``file:///REPOSITORY_ROOT/`` in its place.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from jointgov.cli import main as jointgov
from jointgov.commands.check import run
from tests.conftest import PROTOCOLS, ROOT

GOLDEN = Path(__file__).parent / "golden"
AS_OF = "2026-11-23"
ROOT_PLACEHOLDER = "file:///REPOSITORY_ROOT/"
REMEDIATED = PROTOCOLS / "barking-dagenham-remediated.yaml"
REMOVAL = """\
        - lbbd
        - nel-icb
      requires:
        - joint-review  # closes behind-the-headlines-2003 "no evidence of consultation or thorough review"
        - dispute-route
        - notice
"""
UNILATERAL = """\
        - lbbd  # as in 2003: callaghan-2003 "it made a unilateral decision to withdraw her"
      requires:
        - notice
"""


def check_report(fmt: str, simulate: bool = False, fail_on: str = "never") -> str:
    """``jointgov check protocols --format FMT [--simulate]`` as of 2026-11-23, run from the repository root (JUnit
    with ``--fail-on warning``, the default, so that its test cases fail; the others with ``never``)."""
    out = io.StringIO()
    with contextlib.chdir(ROOT):
        run(["protocols"], fmt=fmt, as_of=AS_OF, out=out, simulate=simulate,
            fail_on="warning" if fmt == "junit" else fail_on)
    return out.getvalue()


def machine_report(fmt: str) -> str:
    """A machine-readable report of ``protocols/``, with the repository's URI replaced by a placeholder."""
    return check_report(fmt).replace(ROOT.resolve().as_uri() + "/", ROOT_PLACEHOLDER)


def unilateral() -> str:
    """The remediated Barking and Dagenham agreement with the unilateral removal of 2003 reintroduced."""
    text = REMEDIATED.read_text(encoding="utf-8")
    assert text.count(REMOVAL) == 1
    return text.replace(REMOVAL, UNILATERAL)


def barking_pair(directory: Path) -> tuple[str, str]:
    """The remediated agreement and its 2003 copy in *directory*, as paths relative to it."""
    (directory / "protocols").mkdir()
    shutil.copyfile(REMEDIATED, directory / "protocols" / REMEDIATED.name)
    (directory / "protocols" / "barking-dagenham-unilateral.yaml").write_text(unilateral(), encoding="utf-8")
    return f"protocols/{REMEDIATED.name}", "protocols/barking-dagenham-unilateral.yaml"


def diff_report() -> str:
    """``jointgov diff`` of the Barking and Dagenham pair as Markdown, run from a directory holding only them."""
    with tempfile.TemporaryDirectory() as directory, contextlib.chdir(directory):
        result = CliRunner().invoke(jointgov, ["diff", *barking_pair(Path(directory)), "--as-of", AS_OF,
                                               "--format", "markdown"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


MAKERS: dict[str, Callable[[], str]] = {
    "report.md": lambda: check_report("markdown"),
    "report-simulate.md": lambda: check_report("markdown", simulate=True),
    "summary.md": lambda: check_report("summary"),
    "sarif.json": lambda: machine_report("sarif"),
    "junit.xml": lambda: machine_report("junit"),
    "github.txt": lambda: machine_report("github"),
    "report.jsonl": lambda: machine_report("jsonl"),
    "diff.md": diff_report,
}
"""Each golden file, and how it is made."""


def expected(name: str) -> str:
    """The content of the golden file *name*, exactly (no newline translation)."""
    return (GOLDEN / name).read_bytes().decode("utf-8")


def main() -> None:
    """Write every golden file again from the current code."""
    for name, make in MAKERS.items():
        (GOLDEN / name).write_text(make(), encoding="utf-8", newline="")
        print(f"wrote {GOLDEN / name}")


if __name__ == "__main__":
    main()
