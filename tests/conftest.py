"""Shared fixtures: a checker over the built-in catalogue, and helpers returning exact tuples."""

from __future__ import annotations

import atexit
import datetime as _dt
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from jointgov.model import Finding, Options
from jointgov.pipeline.catalogue import Catalogue, load_catalogue
from jointgov.pipeline.checker import Checker

# the catalogue cache of the test run lives in a temporary directory (inherited by subprocesses)
_CACHE = tempfile.mkdtemp(prefix="jointgov-test-cache-")
os.environ["JOINTGOV_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)
# check's results cache is off in the test run (tests/test_cache.py turns it on, each test with its own directory):
# every other test checks its files for real, whatever ran before it
os.environ["JOINTGOV_NO_RESULTS_CACHE"] = "1"
# the jointgov processes the tests start compile our modules once, not each time: where the environment says not to
# write bytecode beside the sources (PYTHONDONTWRITEBYTECODE), they keep it under .pytest_cache instead (each start-up
# would otherwise compile every module again, about 0.1 s of CPU a process)
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
    os.environ.setdefault("PYTHONPYCACHEPREFIX", str(Path(__file__).resolve().parent.parent / ".pytest_cache" / "pyc"))
# run in GitHub Actions, `check --format github` would append to the job's real summary: the tests that want a job
# summary set their own
os.environ.pop("GITHUB_STEP_SUMMARY", None)

ROOT = Path(__file__).resolve().parent.parent
PROTOCOLS = ROOT / "protocols"
OFFICIAL_SCHEMAS = Path(os.environ.get("JOINTGOV_OFFICIAL_SCHEMAS") or ROOT.parent / "shared" / "schemas")
"""Where the official SARIF 2.1.0 JSON Schema and the Ant JUnit XSD are, when the machine has them (the team
keeps them beside the project; a plain clone has none): reports are validated against them, or the test skips."""
AS_OF = _dt.date(2026, 11, 23)
FORM_RULES = ("JG001", "JG002", "JG003", "JG004", "JG005", "JG006")
"""The rules about the document's form (read by the loader and the validator, not the engine)."""

BASE = """\
jointgov: 1
agreement:
  id: example
  title: Example partnership
  jurisdiction: england
parties:
  - id: council
    name: Example Council
    kind: local-authority
  - id: pct
    name: Example PCT
    kind: primary-care-trust
"""


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def checker(catalogue: Catalogue) -> Checker:
    return Checker(catalogue, Options(as_of=AS_OF))


@pytest.fixture(scope="session")
def findings(checker: Checker) -> Callable[[str | bytes], list[Finding]]:
    def run(text: str | bytes) -> list[Finding]:
        raw = text.encode("utf-8") if isinstance(text, str) else text
        return checker.check_bytes(raw, "t.yaml").findings
    return run


@pytest.fixture(scope="session")
def located(findings: Callable[[str | bytes], list[Finding]]) -> Callable[..., list[tuple[str, int, int]]]:
    """(rule id, line, column) of every finding, optionally only of the given rule prefixes."""
    def run(text: str | bytes, *prefixes: str) -> list[tuple[str, int, int]]:
        return [(f.rule_id, f.line, f.column) for f in findings(text)
                if not prefixes or f.rule_id.startswith(prefixes)]
    return run


def official_schema(name: str) -> Path:
    """The official schema file *name*, or skip the test saying what is missing."""
    path = OFFICIAL_SCHEMAS / name
    if not path.is_file():
        pytest.skip(f"the official schema {name} is not in {OFFICIAL_SCHEMAS} (set JOINTGOV_OFFICIAL_SCHEMAS to a "
                    "directory that holds it): validation against it skipped")
    return path


SOURCE_TEXTS = {
    "barking-announcement-2001": "000_23d10bcf080b85b4.txt",
    "barking-reaps-benefits-2001": "001_d53f26bff57b60f4.txt",
    "behind-the-headlines-2003": "002_3c475a4ad3004cc5.txt",
    "callaghan-2003": "003_488dc0806860880f.txt",
    "acute-problems-of-trust-2003": "004_eb9b12bcdfa05826.txt",
}
"""Each article in the source list (src/jointgov/sources.yaml), by id → the file holding its text in the team's
directory of source texts. The names live here only: the product cites the articles by what they are."""


def assert_quoted(quote: str, source: str, where: str) -> None:
    """*quote* (parts separated by ``...``, in order) is in the text of article *source* (an id of the source
    list), when the texts are at hand.

    The articles the rules quote are not part of the project; CI points JOINTGOV_SOURCE_TEXTS at a directory
    holding their texts (named as in ``SOURCE_TEXTS``). Without it the check skips, saying so.
    """
    assert source in SOURCE_TEXTS, f"{where}: {source!r} is not an article of the source list"
    directory = os.environ.get("JOINTGOV_SOURCE_TEXTS")
    if not directory:
        pytest.skip("the source articles' texts are not at hand (set JOINTGOV_SOURCE_TEXTS to check that each "
                    "quote is exact)")
    text = " ".join((Path(directory) / SOURCE_TEXTS[source]).read_text(encoding="utf-8").split())
    position = 0
    for part in (" ".join(p.split()) for p in quote.split("...")):
        found = text.find(part, position)
        assert found >= 0, f"{where}: {part!r} is not in {source}"
        position = found + len(part)
