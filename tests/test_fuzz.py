"""Property-based fuzz tests: whatever the bytes, the checker answers with located, reproducible findings.

For every input (valid agreements from ``tests/strategies.py`` and hostile mutants of them):

- ``Checker.check_bytes`` never raises (nothing is caught here: a traceback fails the test);
- every finding has line >= 1 and column >= 1, its line is at most the number of lines + 1 and its column
  at most the length of that line + 1 (lines as an editor counts them);
- a second run gives an identical result (same findings, order, messages, waived list);
- no file is written: each example runs in a fresh working directory that stays empty, and the
  file an injected ``!!python/object/apply:os.system ["touch ..."]`` tag would create never appears.

``pytest`` runs a small reproducible sample (derandomized). ``pytest -m fuzz`` runs the big one:
``JOINTGOV_FUZZ_EXAMPLES`` mutants (10,000 unless set), with fresh random inputs on every run
(reproduce a failure with the ``--hypothesis-seed`` that hypothesis prints).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from jointgov.model import FileResult
from jointgov.pipeline.checker import Checker
from tests.conftest import BASE, FORM_RULES
from tests.strategies import MARKER, agreement_data, agreements, dump, mutants

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
           HealthCheck.filter_too_much]
SMALL = settings(max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=_HEALTH)
"""The sample every ``pytest`` run checks: small, fast and the same on every machine."""

FUZZ_EXAMPLES = int(os.environ.get("JOINTGOV_FUZZ_EXAMPLES", "10000"))
BIG = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=False, database=None,
               suppress_health_check=_HEALTH, print_blob=True)
"""The ``-m fuzz`` run: many examples, new ones each run."""

AS_OF = "2026-11-23"
DISPLAY = "fuzz.yaml"

EXAMPLE = """\
jointgov: 1
agreement:
  id: fuzz-example
  title: "Joint commissioning: health & care — Müller"
  jurisdiction: england
  statutory_basis: [nhs-act-2006-s75]
  status: in-force
  signed_on: 2024-03-01
  commences_on: '2024-04-01'
  expires_on: unknown
parties:
  - id: council
    name: Example Council
    kind: local-authority
  - id: icb
    name: 'Example ICB: north'
    kind: integrated-care-board
joint_posts:
  - id: director
    title: Director of Integrated Care
    roles:
      - {party: council, role: Director of Adult Services, time_share: 50}
      - {party: icb, role: Director of Commissioning, time_share: 50}
    employer: council
    protocol: post-protocol
    appointed_on: 2024-05-01
    removal:
      decided_by: [council, icb]
      requires: [joint-review, notice]
      notice_days: 90
protocols:
  - id: post-protocol
    kind: joint-post
    agreed_on: 2024-04-15
    agreed_by: [council, icb]
governance_bodies:
  - id: board
    name: Joint Board   # a comment
    members:
      - party: council
      - party: icb
clauses:
  information_sharing: "Schedule 4 — ‘data’ 🏥"
"""
"""A valid ~40-line agreement (quoted and plain dates, flow style, comments, multi-byte UTF-8) to truncate."""


# ------------------------------------------------------------------------------------------------- the properties

_SCRATCH: list[Path] = []
"""The module's scratch directory (set by the ``_scratch`` fixture): each example runs in a fresh one below it."""


def _listing(root: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(root)), p.stat().st_size if p.is_file() else -1) for p in root.rglob("*"))


@contextmanager
def _fresh_cwd() -> Iterator[Path]:
    """A new empty directory as the working directory for the duration (restored after)."""
    root = _SCRATCH[-1]
    before = _listing(root)
    old = os.getcwd()
    with tempfile.TemporaryDirectory(dir=root) as fresh:
        os.chdir(fresh)
        try:
            yield Path(fresh)
        finally:
            os.chdir(old)
        assert os.listdir(fresh) == [], f"the checker wrote into the working directory: {os.listdir(fresh)}"
    assert _listing(root) == before


@pytest.fixture(scope="module", autouse=True)
def _scratch() -> Iterator[None]:
    """Make the module's scratch directory and remove it after; check the marker never appeared."""
    Path(MARKER).unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="jointgov-fuzz-") as root:
        _SCRATCH.append(Path(root))
        try:
            yield
        finally:
            _SCRATCH.pop()
    assert not Path(MARKER).exists(), f"an injected tag ran a command: {MARKER} exists"


_BREAKS = re.compile(r"\r\n|\r|\n")


def text_lines(raw: bytes) -> list[str]:
    """The input's lines as an editor shows them: broken at CRLF, CR and LF only (not at U+0085, U+2028 or
    U+2029, where libyaml also breaks lines), after a UTF-8 byte-order mark; bytes that are not UTF-8 replaced."""
    return _BREAKS.split(raw.decode("utf-8", "replace").removeprefix("\ufeff"))


def assert_located(raw: bytes, line: int, column: int, what: object) -> None:
    """A position is on the input: line 1 to the number of lines + 1, column 1 to the line's length + 1.

    The column bound counts the line's UTF-8 bytes: a column is in characters, except the JG001 of a NUL
    byte, which counts bytes.
    """
    lines = text_lines(raw)
    assert 1 <= line <= len(lines) + 1 and column >= 1, (what, len(lines))
    width = len(lines[line - 1].encode("utf-8")) if line <= len(lines) else 0
    assert column <= width + 1, (what, f"line {line} has {width} bytes")


def _result(result: FileResult) -> dict[str, Any]:
    """Everything a report shows about one file, in order, for the comparison of two runs."""
    return {
        "findings": [f.as_dict() for f in result.findings],
        "waived": [repr(w) for w in result.waived],
        "waivers": [repr(w) for w in result.waivers],
        "rules_run": result.rules_run,
        "sha256": result.sha256,
        "applicable": sorted(result.applicable),
        "identity": result.identity,
    }


def check_properties(checker: Checker, raw: bytes) -> FileResult:
    """Check *raw* twice in a fresh working directory and assert the properties of every input."""
    with _fresh_cwd():
        first = checker.check_bytes(raw, DISPLAY)
        second = checker.check_bytes(raw, DISPLAY)
    for finding in first.findings:
        assert_located(raw, finding.line, finding.column, finding)
        assert finding.path == DISPLAY, finding
    assert first.findings == sorted(first.findings)
    assert _result(second) == _result(first), "a second run gave a different result"
    assert not os.path.exists(MARKER), f"an injected tag ran a command: {MARKER} exists"
    return first


# ------------------------------------------------------------------------------------------------ valid documents

@settings(SMALL, max_examples=50)
@given(agreement_data())
def test_generated_agreements_are_valid(checker: Checker, data: dict[str, Any]) -> None:
    raw = dump(data).encode("utf-8")
    result = check_properties(checker, raw)
    assert [(f.rule_id, f.line, f.message) for f in result.findings if f.rule_id in FORM_RULES] == []
    assert result.rules_run


def test_truncation_example_is_valid(checker: Checker) -> None:
    assert 40 <= EXAMPLE.count("\n") <= 45
    result = check_properties(checker, EXAMPLE.encode("utf-8"))
    assert [f for f in result.findings if f.rule_id in FORM_RULES] == []
    assert result.rules_run


def test_truncation_at_every_byte(checker: Checker) -> None:
    raw = EXAMPLE.encode("utf-8")
    for end in range(len(raw) + 1):
        check_properties(checker, raw[:end])


# ------------------------------------------------------------------------------------------------------ mutations

@SMALL
@given(mutants())
def test_mutants_sample(checker: Checker, raw: bytes) -> None:
    check_properties(checker, raw)


@pytest.fixture(scope="module")
def _fuzz_selected(request: pytest.FixtureRequest) -> None:
    """Skip unless ``-m`` selects the fuzz marker (``pytest -m fuzz``); a plain ``pytest`` runs the sample only."""
    expr = str(request.config.getoption("markexpr") or "")
    if not re.search(r"(?<![\w-])fuzz(?![\w-])", expr) or re.search(r"\bnot\s+fuzz\b", expr):
        pytest.skip(f"the {FUZZ_EXAMPLES:,}-example fuzz run: select it with -m fuzz")


@pytest.mark.fuzz
@BIG
@given(raw=mutants())
def test_mutants_fuzz(checker: Checker, _fuzz_selected: None, raw: bytes) -> None:
    check_properties(checker, raw)


@pytest.mark.fuzz
@settings(BIG, max_examples=max(FUZZ_EXAMPLES // 10, 1))
@given(text=agreements())
def test_generated_agreements_fuzz(checker: Checker, _fuzz_selected: None, text: str) -> None:
    result = check_properties(checker, text.encode("utf-8"))
    assert [(f.rule_id, f.line, f.message) for f in result.findings if f.rule_id in FORM_RULES] == []


# ---------------------------------------------------------------------------------------------- named hard cases

def _bomb(width: int, depth: int) -> str:
    lines = [f"x-l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"x-l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * width)}]" for k in range(1, depth)]
    return "\n".join(lines) + "\n"


HARD: dict[str, bytes] = {
    "python-tag": (BASE + f'x-evil: !!python/object/apply:os.system ["touch {MARKER}"]\n').encode(),
    "python-tag-on-section": BASE.replace("agreement:\n", f"agreement: !!python/object/apply:os.system\n"
                                          f"  args: ['touch {MARKER}']\n", 1).encode(),
    "tag-directive": f"%TAG !e! tag:yaml.org,2002:python/object/apply:\n--- !e!os.system ['touch {MARKER}']\n".encode(),
    "custom-tag": (BASE + "x-custom: !custom [1, 2]\nx-bin: !!binary aGVsbG8=\n").encode(),
    "alias-bomb": (BASE + _bomb(10, 9)).encode(),
    "alias-bomb-first": ("jointgov: 1\n" + _bomb(10, 9) + BASE[len("jointgov: 1\n"):]).encode(),
    "merge-keys": (BASE + "x-base: &x {title: T}\nx-merged:\n  <<: [*x, *x]\n  <<: *x\n  <<: 5\n").encode(),
    "undefined-alias": BASE.replace("kind: local-authority", "kind: *nowhere").encode(),
    "deep-flow": (BASE + "x-deep: " + "[" * 5000 + "]" * 5000 + "\n").encode(),
    "deep-unclosed": (BASE + "x-deep: " + "{a: [" * 2500 + "\n").encode(),
    "long-string": BASE.replace("Example partnership", "a" * 100_000).encode(),
    "long-key": (BASE + "x-" + "k" * 100_000 + ": 1\n").encode(),
    "utf16": BASE.encode("utf-16"),
    "utf16-no-bom": BASE.encode("utf-16-le"),
    "invalid-utf8": BASE.replace("Example Council", "Caf\udce9", 1).encode("utf-8", "surrogateescape"),
    "random-bytes": bytes(range(256)) * 4,
    "control-chars": BASE.replace("Example PCT", "PCT\x07\x1b[31m").encode(),
    "tab-indent": BASE.replace("  title:", "\ttitle:").encode(),
    "duplicate-key": (BASE + "parties: []\n").encode(),
    "truncated": BASE.encode()[:97],
}
"""Hostile files for the command line, one per kind of damage."""


@pytest.mark.parametrize("name", HARD)
def test_hard_cases(checker: Checker, name: str) -> None:
    result = check_properties(checker, HARD[name])
    if name == "long-string":  # long, but valid
        assert result.rules_run
    else:  # a key is at most 1,024 characters in YAML: long-key is a JG001
        assert any(f.rule_id.startswith("JG0") for f in result.findings), name


# ----------------------------------------------------------------------------------------------- the command line

CLI_HARD = ("python-tag", "python-tag-on-section", "tag-directive", "alias-bomb", "merge-keys", "deep-flow",
            "long-string", "utf16", "invalid-utf8", "random-bytes", "control-chars", "truncated")
"""The hard cases also given to the command line (with 8 generated mutants: 20 files, one process)."""


def _saved_mutants(count: int) -> list[bytes]:
    """*count* reproducible mutants from the strategy (collected by an inner, derandomized hypothesis run)."""
    found: list[bytes] = []

    @settings(SMALL, max_examples=count * 3)
    @given(mutants())
    def collect(raw: bytes) -> None:
        if len(found) < count and raw not in found and len(raw) < 200_000:
            found.append(raw)

    collect()
    return found


def test_command_line_on_mutants(tmp_path: Path) -> None:
    """One ``python -m jointgov check DIR --format json`` over 20 hard cases and mutants, each in its own
    folder: it exits 0 or 1 (never 2 or 3), reports every file, locates every finding, writes nothing."""
    cases = [(name, HARD[name]) for name in CLI_HARD] + [(f"mutant-{i}", r) for i, r in enumerate(_saved_mutants(8))]
    assert len(cases) == 20
    files: dict[str, Path] = {}
    for name, raw in cases:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "agreement.yaml").write_bytes(raw)
        files[str(folder / "agreement.yaml")] = folder / "agreement.yaml"
    proc = subprocess.run([sys.executable, "-m", "jointgov", "check", str(tmp_path), "--format", "json",
                           "--as-of", "2026-11-23"], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    # one file is no agreement (a tagged list: no jointgov, agreement or parties key): skipped, and said to be
    assert [(s["path"], s["reason"]) for s in report["skipped"]] == [
        (str(tmp_path / "tag-directive" / "agreement.yaml"), "not-an-agreement")]
    assert sorted([f["path"] for f in report["files"]] + [s["path"] for s in report["skipped"]]) == sorted(files)
    for finding in report["findings"]:
        assert_located(files[finding["path"]].read_bytes(), finding["line"], finding["column"], finding)
    failing = [f for f in report["findings"] if f["severity"] in ("error", "warning")]
    assert proc.returncode == (1 if failing else 0), report["summary"]
    for entry in report["files"]:
        if not entry["rules_run"]:
            assert any(f["path"] == entry["path"] for f in report["findings"]), entry["path"]
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["agreement.yaml"] * 20, "a file was written"
    assert not os.path.exists(MARKER)


# ------------------------------------------------------------------------------------------------- found by fuzzing

# libyaml also breaks lines at U+0085, U+2028 and U+2029 (YAML 1.1); editors and YAML 1.2 do not:
# positions are computed from the real line breaks (load.positions)
@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_unicode_line_separators_do_not_shift_lines(located: Any, separator: str) -> None:
    text = BASE.replace("title: Example partnership", f"title: 'a{separator}b'") + "jointgov: 1\n"
    assert located(text, "JG0") == [("JG002", 13, 1)]


OVERFLOW = ("jointgov: 1\nagreement: {id: a, title: T, jurisdiction: england}\n"
            "parties:\n  - {id: p, name: P, kind: other}\n  - {id: q, name: Q, kind: other}\n"
            "pooled_budgets:\n  - id: b\n    contributions:\n"
            f"      - {{party: p, amount: 0.5}}\n      - {{party: q, amount: 1{'0' * 309}}}\n").encode()
"""A valid agreement (money is any number >= 0) whose whole amount is too large for a float."""


# facts.py summed amounts mixing a float and an int beyond 1.8e308 (OverflowError): sums are exact fractions now
def test_huge_whole_amount_beside_a_fraction(checker: Checker) -> None:
    check_properties(checker, OVERFLOW)


# load.positions started lines at LF only: with CR line endings every position fell on line 1
def test_unicode_line_separator_with_cr_line_endings(located: Any) -> None:
    text = (BASE.replace("title: Example partnership", "title: 'a\u2028b'") + "jointgov: 1\n").replace("\n", "\r")
    assert located(text, "JG0") == [("JG002", 13, 1)]


# a reader error's position (libyaml: a byte offset) was read as a character index, with LF breaks only
@pytest.mark.parametrize("raw", [
    b"jointgov: 1\nx-a: \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\nx-b: \x01\n",  # was reported at 4:3
    b"jointgov: 1\rx-a: ee\rx-b: \x01\r",  # was reported at 1:26
], ids=["after-multibyte", "cr-line-endings"])
def test_control_character_is_located(located: Any, raw: bytes) -> None:
    assert located(raw) == [("JG001", 3, 6)]


@pytest.mark.parametrize(("raw", "where"), [
    ("jointgov: 1\nx-a: éé\x00\n".encode(), (2, 8)),
    (b"jointgov: 1\r\x00\nagreement:\r\n", (2, 1)),  # found by the 10,000-example run: lone CR, then NUL
    (b"jointgov: 1\rx-a: caf\xe9\r", (2, 9)),  # not UTF-8, after a lone CR
])
def test_binary_and_encoding_errors_are_located_as_an_editor_shows_them(located: Any, raw: bytes,
                                                                       where: tuple[int, int]) -> None:
    assert located(raw) == [("JG001", *where)]


@pytest.mark.parametrize("word", [".inf", "-.inf", ".nan", ".NaN"])
def test_infinite_or_nan_money_is_a_schema_error(findings: Any, word: str) -> None:
    text = BASE + f"pooled_budgets:\n  - id: pool\n    total: {word}\n"
    [finding] = [f for f in findings(text) if f.rule_id.startswith("JG0")]
    assert (finding.rule_id, finding.line, finding.column) == ("JG003", 15, 12)
    assert f'got text "{word}"' in finding.message
