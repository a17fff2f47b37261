"""The hostile-input corpus: the conditions a reliability test of jointgov met (issue 12), as builders.

Each case makes, in a fresh directory, the files and names one class of hostile condition needs (an
output path that is an input, a named pipe where a file is expected, a number of 5,000 digits, a file
name that is not UTF-8, an escape sequence in a title...), and says which command runs on it and what
must hold. ``tests/test_hostile.py`` runs every case (small and fast); ``bench/hostile.py`` runs them
and prints the table of the issue: cases tried, passed, defects left, by class.

Commands run in a child process, with a timeout (a hang fails, it does not stop the suite) and, where
a case is about memory, a limit on the address space (a run that reads a file whole, or builds
unbounded facts, fails instead of swapping).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from tests.conftest import BASE, PROTOCOLS

AGREEMENT = PROTOCOLS / "barking-dagenham-2001.yaml"
"""A real agreement with findings (exit 1 as of ``AS_OF``)."""
AS_OF = "2003-07-01"
TIMEOUT = 120
"""Seconds a command may take before it counts as hung (a hang guard, not a timing assertion)."""
MEMORY = 1 << 30
"""The address space of a command in the memory cases: a gigabyte (the defects used 1.1 to 3.7)."""


@dataclass
class Ran:
    """What a command did."""

    code: int
    out: str
    err: str


def jointgov(*args: str, cwd: Path | None = None, memory: int | None = None, timeout: int = TIMEOUT,
             env: dict[str, str] | None = None) -> Ran:
    """Run ``python -m jointgov ARGS`` in a child process (with an address-space limit of *memory* bytes)."""
    def limit() -> None:
        if memory:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    done = subprocess.run([sys.executable, "-m", "jointgov", *args], cwd=cwd, capture_output=True, timeout=timeout,
                          preexec_fn=limit if memory else None, env={**os.environ, **(env or {})},
                          stdin=subprocess.DEVNULL)
    return Ran(done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"))


def snapshot(directory: Path) -> dict[str, object]:
    """Every entry under *directory* and its content (a large file by its size, time and first mebibyte; a
    FIFO or device by its kind)."""
    found: dict[str, object] = {}
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = Path(root, name)
            if path.is_symlink():
                found[str(path)] = "-> " + os.readlink(path)
            elif path.is_file():
                info = path.stat()
                with path.open("rb") as stream:
                    found[str(path)] = (info.st_size, info.st_mtime_ns, stream.read(1 << 20))
            elif not path.is_dir():
                found[str(path)] = "special"
    return found


@dataclass
class Case:
    """One hostile condition: how to make it, the command, and what must hold afterwards."""

    item: int
    """The issue's item (1-20) this case belongs to."""
    name: str
    build: Callable[[Path], list[str]]
    """Makes the files in the directory given; returns the command's arguments (run from that directory)."""
    code: int
    """The exit status the command must end with."""
    says: str = ""
    """Text that must be in stdout or stderr (a located finding, a one-line error)."""
    unchanged: bool = True
    """The inputs (everything the builder made) must be byte for byte as they were."""
    memory: bool = False
    """Run with ``MEMORY`` as the address-space limit (in a child process)."""
    child: bool = False
    """Run in a child process with a timeout (a case that would hang or crash the test run if it regressed);
    the others run in this process, through click's test runner, which is faster."""
    extra: Callable[[Path, Ran], None] | None = field(default=None, repr=False)
    """Further checks (of what was written, of stdout...)."""


def agreement(directory: Path, name: str = "a.yaml", text: bytes | None = None) -> Path:
    """A copy of ``AGREEMENT`` (or *text*) in *directory*."""
    path = directory / name
    path.write_bytes(AGREEMENT.read_bytes() if text is None else text)
    return path


def _corpus(directory: Path, count: int) -> None:
    for i in range(count):
        agreement(directory, f"a{i:02d}.yaml")


def _output_cases() -> list[Case]:
    """Item 1: an output path that resolves to an input, by every name."""
    def same(*args: str) -> Callable[[Path], list[str]]:
        def build(d: Path) -> list[str]:
            agreement(d, "a.yaml")
            agreement(d, "b.yaml")
            os.link(d / "a.yaml", d / "hard.yaml")
            (d / "dir").mkdir()
            agreement(d / "dir", "x.yaml")
            return [*args, "--as-of", AS_OF] if args[0] == "check" else list(args)
        return build

    refused = "which this run reads"
    return [
        Case(1, "check -o the input", same("check", "a.yaml", "-o", "a.yaml"), 2, refused),
        Case(1, "check --report onto another input", same("check", "a.yaml", "b.yaml", "--report", "html=b.yaml"),
             2, refused),
        Case(1, "check --write-baseline the input", same("check", "a.yaml", "--write-baseline", "a.yaml"), 2, refused),
        Case(1, "check -o ./input", same("check", "a.yaml", "-o", "./a.yaml"), 2, refused),
        Case(1, "check -o a hard link of the input", same("check", "a.yaml", "-o", "hard.yaml"), 2, refused),
        Case(1, "check DIR -o DIR/input", same("check", "dir", "-o", "dir/x.yaml"), 2, refused),
        Case(1, "simulate -o the input", same("simulate", "a.yaml", "-o", "a.yaml"), 2, refused),
        Case(1, "diff -o the new version", same("diff", "b.yaml", "a.yaml", "-o", "a.yaml"), 2, refused),
        Case(1, "diff -o the old version, by a link", same("diff", "a.yaml", "b.yaml", "-o", "hard.yaml"), 2, refused),
    ]


def _special_outputs() -> list[Case]:
    """Items 7 and 13: outputs that are not regular files, or cannot be written, or are named twice."""
    def build(*args: str, fifo: bool = False, readonly: bool = False) -> Callable[[Path], list[str]]:
        def make(d: Path) -> list[str]:
            agreement(d)
            (d / "out").mkdir()
            if fifo:
                os.mkfifo(d / "pipe")
            if readonly:
                (d / "ro").mkdir()
                os.chmod(d / "ro", 0o555)
            return ["check", "a.yaml", "--as-of", AS_OF, *args]
        return make

    def device_intact(_: Path, ran: Ran) -> None:
        assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")

    not_regular = "not a regular file"
    cases = [
        Case(7, "-o /dev/null", build("-o", "/dev/null"), 2, "special file", extra=device_intact),
        Case(7, "-o a named pipe", build("-o", "pipe", fifo=True), 2, "named pipe (FIFO), " + not_regular, child=True),
        Case(7, "-o /proc/self/fd/1", build("-o", "/proc/self/fd/1"), 2, "special file"),
        Case(7, "--report to /dev/stdout", build("--report", "json=/dev/stdout"), 2, "special file"),
        Case(13, "-o a directory", build("-o", "out"), 2, "a directory, " + not_regular),
        Case(13, "two reports to one path", build("--report", "json=r.txt", "--report", "sarif=./r.txt"), 2,
             "the same file as --report r.txt"),
        Case(13, "-o and --report to one path", build("-o", "r.txt", "--report", "html=r.txt"), 2,
             "the same file as --output r.txt"),
        Case(13, "-o under a file", build("-o", "a.yaml/r.txt"), 2, "cannot write there: Not a directory"),
    ]
    if os.geteuid() != 0:  # root writes into a read-only directory anyway
        cases.append(Case(13, "-o into a read-only directory", build("-o", "ro/r.txt", readonly=True), 2,
                          "cannot be written"))
    return cases


def _fifo_cases() -> list[Case]:
    """Item 5: named pipes where files are expected (each would block a reader for ever), and item 17: an
    entry that cannot be read, named on the command line, is a located finding as it is in a directory."""
    def build(where: str, *args: str) -> Callable[[Path], list[str]]:
        def make(d: Path) -> list[str]:
            (d / "dir").mkdir()
            agreement(d / "dir")
            os.mkfifo(d / where)
            return [*args, "--as-of", AS_OF]
        return make

    def dangling(d: Path) -> list[str]:
        agreement(d)
        os.symlink(d / "gone.yaml", d / "link.yaml")
        return ["check", "link.yaml", "a.yaml", "--as-of", AS_OF]

    pipe = "cannot read the file: a named pipe (FIFO), not a regular file"
    return [replace(case, child=True) for case in [
        Case(5, "a FIFO named *.yaml in a directory", build("dir/f.yaml", "check", "dir"), 1, "dir/f.yaml:1:1: " +
             "error: JG001 yaml-syntax: " + pipe),
        Case(5, "a FIFO named registry.yaml", build("dir/registry.yaml", "check", "dir"), 1,
             "dir/registry.yaml:1:1: error: JG001 yaml-syntax: " + pipe),
        Case(5, "--registry a FIFO", build("reg", "check", "dir", "--registry", "reg"), 2,
             "--registry: reg: not a regular file"),
        Case(5, "--baseline a FIFO", build("bl.json", "check", "dir", "--baseline", "bl.json"), 2,
             "--baseline: bl.json: cannot read it: a named pipe (FIFO), not a regular file"),
        Case(5, "--config a FIFO", build("c.toml", "check", "dir", "--config", "c.toml"), 2,
             "invalid config: c.toml"),
        Case(17, "a FIFO named on the command line", build("f.yaml", "check", "f.yaml", "dir"), 1,
             "f.yaml:1:1: error: JG001 yaml-syntax: " + pipe),
        Case(17, "a dangling link named on the command line", dangling, 1,
             "link.yaml:1:1: error: JG001 yaml-syntax: cannot read the file: No such file or directory"),
    ]]


def _content_cases() -> list[Case]:
    """Items 4, 6 and 8: huge files in a directory, numbers of thousands of digits, names that are not UTF-8."""
    def big(name: str) -> Callable[[Path], list[str]]:
        def make(d: Path) -> list[str]:
            agreement(d)
            with open(d / name, "wb") as stream:  # sparse: 3 GB that cost nothing until read
                stream.write(b"jointgov: 1\n")
                stream.truncate(3 << 30)
            return ["check", ".", "--as-of", AS_OF]
        return make

    def digits(d: Path) -> list[str]:
        agreement(d)
        agreement(d, "n.yaml", (BASE + "x-count: " + "9" * 5000 + "\n").encode())
        return ["check", ".", "--as-of", AS_OF, "--format", "json"]

    def both_reported(_: Path, ran: Ran) -> None:
        assert '"path": "a.yaml"' in ran.out and '"path": "n.yaml"' in ran.out

    def latin(fmt: str) -> Callable[[Path], list[str]]:
        def make(d: Path) -> list[str]:
            agreement(d)
            agreement(d, os.fsdecode(b"caf\xe9.yaml"))
            return ["check", ".", "--as-of", AS_OF, "--format", fmt]
        return make

    too_big = "error: JG001 yaml-syntax: the file is over the limit of 5,242,880 bytes"
    cases = [
        Case(4, "a 3 GB file in a directory", big("big.yaml"), 1, "big.yaml:1:1: " + too_big, memory=True),
        Case(4, "a 3 GB register in a directory", big("registry.yaml"), 1,
             "registry.yaml:1:1: error: JG001 yaml-syntax: register: the file is over the limit", memory=True),
        Case(6, "a number of 5,000 digits beside a sound file", digits, 1,
             "a number of more than 4,300 digits cannot be read", extra=both_reported),
    ]
    cases += [Case(8, f"a file name that is not UTF-8 ({fmt})", latin(fmt), 1, "xe9.yaml")
              for fmt in ("text", "json", "sarif", "junit", "markdown", "html")]
    return cases


def _terminal_cases() -> list[Case]:
    """Item 9: escape sequences and line breaks in agreement text and file names, printed by the text format."""
    title = "Erase\x1b[2J\x1b[1A\x1b[2K and \x9b31m forge\u202e"

    def hostile(d: Path) -> list[str]:
        text = BASE.replace("title: Example partnership", f'title: "{title}"'.replace("\x1b", "\\e")
                            .replace("\x9b", "\\x9b").replace("\u202e", "\\u202e"))
        agreement(d, "forged\n.yaml", (text + "stray: 1\n").encode())
        agreement(d, "esc\x1b[2J.yaml")
        return ["check", ".", "--as-of", AS_OF]

    def one_line_each(_: Path, ran: Ran) -> None:
        assert not any(ch in ran.out + ran.err for ch in "\x1b\x9b\u202e\r")
        lines = ran.out.splitlines()
        assert lines[-1].endswith("in 2 files (1 not checked against the rules until its form is fixed)")
        assert all(line.startswith(("esc\\x1b[2J.yaml:", "forged\\n.yaml:")) for line in lines[:-1])

    return [Case(9, "escape sequences in a title and in file names", hostile, 1, "forged\\n.yaml:13:1: error: JG003",
                 extra=one_line_each)]


def _configuration_cases() -> list[Case]:
    """Items 11 and 12: configuration values and baselines that used to give exit 3 or silently turn a rule off."""
    def config(text: bytes, *args: str) -> Callable[[Path], list[str]]:
        def make(d: Path) -> list[str]:
            agreement(d)
            (d / "jointgov.toml").write_bytes(text)
            return ["check", "a.yaml", "--as-of", AS_OF, *args]
        return make

    def baseline(content: bytes | None) -> Callable[[Path], list[str]]:
        def make(d: Path) -> list[str]:
            agreement(d)
            (d / "jointgov.toml").write_text("")
            if content is None:
                (d / "bl.json").mkdir()
            else:
                (d / "bl.json").write_bytes(content)
            return ["check", "a.yaml", "--as-of", AS_OF, "--baseline", "bl.json"]
        return make

    limit = "limits.max_bytes must be a whole number from 1 to 1,073,741,824"
    param = "parameters.JG206.max_days: expected"
    not_baseline = "--baseline: bl.json: not a jointgov baseline file"
    return [
        Case(11, "a huge limit", config(b"[limits]\nmax_bytes = 100000000000000000000\n"), 2, limit),
        Case(11, "max_days = 'ten'", config(b'[parameters.JG206]\nmax_days = "ten"\n'), 2, param + " a number"),
        Case(11, "max_days = nan", config(b"[parameters.JG206]\nmax_days = nan\n"), 2, param + " a finite number"),
        Case(11, "max_days = inf", config(b"[parameters.JG206]\nmax_days = inf\n"), 2, param + " a finite number"),
        Case(11, "max_days = a date", config(b"[parameters.JG206]\nmax_days = 2001-01-01\n"), 2,
             param + " a number, like the default 120, got 2001-01-01 (a date or time)"),
        Case(11, "max_days = a list", config(b"[parameters.JG206]\nmax_days = [90]\n"), 2, param + " a number"),
        Case(11, "a byte-order mark", config(b"\xef\xbb\xbf[limits]\nmax_depth = 32\n"), 1, "23 errors"),
        Case(12, "a deeply nested baseline", baseline(b"[" * 100_000 + b"]" * 100_000), 2, not_baseline),
        Case(12, "a directory as baseline", baseline(None), 2, "a directory, not a regular file"),
        Case(12, "findings that are text", baseline(b'{"findings": "abc"}'), 2, not_baseline),
        Case(12, "findings that are a list", baseline(b'{"findings": [1, 2]}'), 2, not_baseline),
        Case(12, "a baseline that is not UTF-8", baseline(b'{"findings": {"\xff": {}}}'), 2, not_baseline),
    ]


def _reading_cases() -> list[Case]:
    """Items 3 and 15: facts that multiply, and anchors on keys (the YAML test suite's HMQ5 and X38W)."""
    def pairs(d: Path) -> list[str]:
        lines = [BASE.rstrip("\n"), "joint_posts:"]
        lines += [f"  - {{id: p{i}, title: Post {i}, employer: council, roles: [{{party: council, role: a}}, "
                  f"{{party: pct, role: b}}]}}" for i in range(600)]
        lines.append("dispute_routes:")
        lines += [f"  - {{id: r{i}, covers: [any], steps: [{{body: board, outcome: binding}}]}}" for i in range(600)]
        agreement(d, "pairs.yaml", ("\n".join(lines) + "\n").encode())
        return ["check", "pairs.yaml", "--as-of", AS_OF]

    def anchors(text: str) -> Callable[[Path], list[str]]:
        def make(d: Path) -> list[str]:
            agreement(d, "k.yaml", (BASE + text).encode())
            return ["check", "k.yaml", "--as-of", AS_OF]
        return make

    def no_alias_finding(_: Path, ran: Ran) -> None:
        assert "names no anchor" not in ran.out

    return [
        Case(3, "600 joint posts x 600 dispute routes", pairs, 1, "pairs.yaml:614:1: error: JG001 yaml-syntax: 600 "
             "joint posts and 600 dispute routes make 360,000 pairs", memory=True),
        Case(15, "an anchor on a key, aliased as a value (like HMQ5)", anchors('x-a:\n  !!str &k1 "key": !!str v\n  '
             "&k2 other : *k1\n"), 1, "", extra=no_alias_finding),
        Case(15, "anchors inside a key that is a list (like X38W)", anchors("x-b: { &s [p, &q q]: *q, *s : [r, *q]}\n"),
             1, "k.yaml:13:8: error: JG003 schema: a key must be plain text", extra=no_alias_finding),
    ]


RULE = """id: ACME100
name: acme-rule
severity: warning
area: joint-posts
title: A rule of the user's own
rationale: To test what the engine can hold.
remediation: None.
at: post
"""


def rule_case(item: int, name: str, match: str, says: str, *, rule: str = RULE, code: int = 2,
              count: int = 1) -> Case:
    """A case of a rule directory holding *count* copies of a rule whose ``match`` is *match* (``{n}`` numbers
    each copy), checked with ``--rules``."""
    def build(d: Path) -> list[str]:
        agreement(d)
        (d / "rules").mkdir()
        for n in range(count):
            text = rule.replace("ACME100", f"ACME{100 + n}").replace("acme-rule", f"acme-rule-{n}")
            (d / "rules" / f"ACME{100 + n}.yaml").write_text(text + "match:\n" + match.replace("{n}", str(n)))
        return ["check", "a.yaml", "--rules", "rules", "--as-of", AS_OF]
    return Case(item, name, build, code, says)


def _rule_cases() -> list[Case]:
    """Items 2, 10 and 20: user rules the engine cannot hold or would crash on, values it refuses, reserved ids."""
    at = "rules/ACME100.yaml:"
    when = "  - when:\n      - post: {{title: {test}}}\n"
    return [
        rule_case(2, "in: with a reference to a field some facts lack", "  - when:\n      - party: {}\n      - post: "
                  "{appointed_day: {in: [$party.reaffirmed_day, 1]}}\n", "23 errors, 13 warnings", code=1),
        rule_case(2, "any_of with a join to a field some facts lack", "  - when:\n      - party: {}\n      - post: "
                  "{any_of: [{appointed_day: $party.reaffirmed_day}, {id: nobody}]}\n", "23 errors, 13 warnings",
                  code=1),
        rule_case(2, "65 rules joining one fact type (the engine's 64-node stack)", "  - when:\n      - party: {}\n"
                  "      - post: {employer: $party.f{n}}\n", "rules/ACME137.yaml:10:5: match[0]: a post fact would "
                  "pass up to 61 pattern tests at once", count=65),
        rule_case(2, "17 patterns in one rule", "  - when:\n      - post: {}\n" + "".join(
            f"      - fact: role\n        as: r{k}\n        where: {{post: $post.id}}\n" for k in range(16)),
            at + "10:5: match[0]: a condition may have at most 16 patterns"),
        rule_case(2, "an in: list of 600 values", when.format(test="{in: [" + ", ".join(
            f"v{k}" for k in range(600)) + "]}"), at + "10:5: match[0]: 6"),
        rule_case(10, "a regular expression the engine cannot read", when.format(test='{matches: "[a-"}'),
                  at + "10:5: match[0]: the rule engine refuses this condition (a regular expression"),
        rule_case(10, "a $-prefixed field", "  - when:\n      - post: {$title: 1}\n", at + "11:24: match[0]: '$title': "
                  "not a field name"),
        rule_case(10, "a list literal", when.format(test="[a, b]"), at + "11:16: match[0]: a test compares with one "
                  "value (text, a number, true, false or null), not a list"),
        rule_case(10, "a mapping literal", when.format(test="{eq: {a: 1}}"), at + "11:24: match[0]: a test compares "
                  "with one value (text, a number, true, false or null), not a mapping"),
        rule_case(10, "in: []", when.format(test="{in: []}"), at + "11:24: match[0]: title: 'in' takes a list of one "
                  "value or more"),
        rule_case(10, "an infinite number", "  - when:\n      - post: {appointed_day: {lt: 1e400}}\n",
                  at + "11:36: match[0]: inf is not a number the rule engine can compare with"),
        rule_case(10, "a whole number past 64 bits", "  - when:\n      - post: {appointed_day: {lt: "
                  "99999999999999999999}}\n", at + "11:36: match[0]: the number 99999999999999999999 is too large"),
        rule_case(10, "a list parameter", "  - when:\n      - post: {appointed_day: {lt: $param.d}}\n",
                  at + "9:14: invalid rule file: parameters.d", rule=RULE + "parameters: {d: [1, 2]}\n"),
        rule_case(20, "a user rule taking JG150", "  - when:\n      - post: {}\n", at + "1:5: invalid rule file: id: "
                  "'JG150': the ids starting with JG are jointgov's own", rule=RULE.replace("ACME100", "JG150")),
        rule_case(20, "a user rule taking JG001", "  - when:\n      - post: {}\n", "'JG001': the ids starting with JG",
                  rule=RULE.replace("ACME100", "JG001")),
        rule_case(20, "a user rule taking JG801", "  - when:\n      - post: {}\n", "'JG801': the ids starting with JG",
                  rule=RULE.replace("ACME100", "JG801")),
        rule_case(20, "a user rule taking JG955", "  - when:\n      - post: {}\n", "'JG955': the ids starting with JG",
                  rule=RULE.replace("ACME100", "JG955")),
    ]


def _report_cases() -> list[Case]:
    """Items 14 and 18: file names in SARIF URIs; addresses in agreement text in the Markdown report."""
    def named(name: str, fmt: str) -> Callable[[Path], list[str]]:
        def make(d: Path) -> list[str]:
            (d / ".git").mkdir()  # paths relative to here
            agreement(d, name)
            return ["check", name, "--as-of", AS_OF, "--format", fmt]
        return make

    def addresses(d: Path) -> list[str]:
        text = BASE.replace("title: Example partnership", "title: See https://evil.example/x or www.evil.example, "
                            "mail a@evil.example, ping @board")
        agreement(d, "u.yaml", (text + "stray: 1\n").encode())
        return ["check", "u.yaml", "--as-of", AS_OF, "--format", "markdown"]

    def no_live_link(_: Path, ran: Ran) -> None:
        for address in ("https://evil.example/x", "www.evil.example", "a@evil.example", "@board"):
            assert f"`{address}`" in ran.out

    return [
        Case(14, "'#' in a file name, in a SARIF URI", named("hash#x.yaml", "sarif"), 1, '"uri": "hash%23x.yaml"'),
        Case(14, "a space and '%' in a file name, in a SARIF URI", named("a b%.yaml", "sarif"), 1,
             '"uri": "a%20b%25.yaml"'),
        Case(18, "bare addresses in agreement text, in Markdown", addresses, 1, "See `https://evil.example/x`",
             extra=no_live_link),
    ]


def cases() -> list[Case]:
    """The whole corpus, in the order of the issue's items."""
    return sorted(_output_cases() + _special_outputs() + _fifo_cases() + _content_cases() + _terminal_cases()
                  + _configuration_cases() + _reading_cases() + _rule_cases() + _report_cases(),
                  key=lambda c: c.item)


def in_process(*args: str, cwd: Path) -> Ran:
    """Run ``jointgov ARGS`` in this process (click's test runner), from *cwd*."""
    from click.testing import CliRunner

    from jointgov.cli import main

    here = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args))
    finally:
        os.chdir(here)
    return Ran(result.exit_code, result.stdout, result.stderr)


def run_case(case: Case, directory: Path) -> Ran:
    """Make *case* in *directory*, run it, and check what must hold (AssertionError when something does not)."""
    args = case.build(directory)
    before = snapshot(directory)
    if case.child or case.memory:
        ran = jointgov(*args, cwd=directory, memory=MEMORY if case.memory else None)
    else:
        ran = in_process(*args, cwd=directory)
    assert ran.code == case.code, f"exit {ran.code}, not {case.code}: {ran.err[-800:]}"
    assert "Traceback" not in ran.err, ran.err[-2000:]
    assert case.says in ran.out + ran.err, (ran.out[-1500:], ran.err[-800:])
    if case.unchanged:
        after = snapshot(directory)
        assert {k: after.get(k) for k in before} == before, "an input was changed"
    if case.extra is not None:
        case.extra(directory, ran)
    return ran
