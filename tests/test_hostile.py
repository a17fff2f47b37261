"""The hostile-input corpus of ``tests/hostile.py``, every case (issue 12's items 1-20 where a command shows
them), each in a fresh directory; and two properties over random hostile conditions: a small sample on every
run, a big one with ``pytest -m fuzz``.

* Whatever the file names (any bytes but ``/``: control characters, escape sequences, line breaks, names that
  are not UTF-8) and whatever outputs are asked for (the inputs themselves, one path twice, directories,
  new files), ``check`` ends with 0, 1 or 2, never changes an input, writes every output or none, and prints
  one line per finding.
* Whatever user rules (random conditions on a few fact types), either the model of the engine's network
  refuses the ruleset when it is registered, or the engine runs it on facts where every test can hold,
  without dying (in a child process).
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile import AGREEMENT, AS_OF, Case, cases, in_process, run_case, snapshot

CASES = cases()
FUZZ_EXAMPLES = int(os.environ.get("JOINTGOV_FUZZ_EXAMPLES", "10000"))
_HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]
SMALL = settings(max_examples=12, deadline=None, derandomize=True, database=None, suppress_health_check=_HEALTH)
BIG = settings(max_examples=max(FUZZ_EXAMPLES // 20, 1), deadline=None, database=None,
               suppress_health_check=_HEALTH, print_blob=True)


@pytest.mark.parametrize("case", CASES, ids=[f"item{c.item:02d}-{c.name}" for c in CASES])
def test_hostile_case(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)


def test_every_item_of_the_issue_has_a_case() -> None:
    """Every item but two is here (item 2 also in tests/test_workers.py and test_engine_workarounds.py); item 16
    (--jobs) is in tests/test_workers.py, item 19 (^C) there and in tests/test_output.py."""
    assert sorted({c.item for c in CASES}) == [i for i in range(1, 21) if i not in (16, 19)]


NAMES = (st.binary(min_size=1, max_size=24).map(lambda b: b.replace(b"/", b"_").replace(b"\0", b"_"))
         .filter(lambda b: not b.startswith(b".")).map(lambda b: os.fsdecode(b + b".yaml")))
CONTENTS = st.sampled_from([AGREEMENT.read_bytes(), b"jointgov: 1\nagreement: [\n", b"\xff\xfe", b"",
                            b"jointgov: 1\nx: " + b"9" * 5000 + b"\n",
                            b"jointgov: 1\nagreement:\n  title: \"\\e[2J\"\n"])


@st.composite
def layouts(draw: st.DrawFn) -> tuple[dict[str, bytes], list[str]]:
    """Files (hostile names, hostile or sound content) and the output options of one run."""
    files = draw(st.dictionaries(NAMES, CONTENTS, min_size=1, max_size=4))
    names = sorted(files)
    targets = st.one_of(st.sampled_from(names), st.sampled_from(["out.txt", "./out.txt", "sub", "new/r.json"]))
    outputs: list[str] = []
    for option in draw(st.lists(st.sampled_from(["-o", "json", "sarif", "html", "--write-baseline"]), max_size=3)):
        target = draw(targets)
        outputs += ["-o", target] if option == "-o" else [option, target] if option.startswith("--") else [
            "--report", f"{option}={target}"]
    return files, outputs


def _layout_holds(tmp_path: Path, files: dict[str, bytes], outputs: list[str]) -> None:
    run = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
    run.mkdir()
    (run / "sub").mkdir()
    for name, content in files.items():
        (run / name).write_bytes(content)
    before = snapshot(run)
    ran = in_process("check", ".", "--as-of", AS_OF, *outputs, cwd=run)
    assert ran.code in (0, 1, 2), ran.err
    after = snapshot(run)
    assert {k: after.get(k) for k in before} == before, "an input was changed"
    written = set(after) - set(before)
    chosen = dict(zip(outputs[::2], outputs[1::2], strict=True))  # -o and --write-baseline: the last one given
    paths = [chosen[o] for o in ("-o", "--write-baseline") if o in chosen]
    paths += [v.split("=", 1)[1] for o, v in zip(outputs[::2], outputs[1::2], strict=True) if o == "--report"]
    wanted = {os.path.normpath(str(run / p)) for p in paths}
    if ran.code == 2:
        assert written <= {str(run / "new")}, "a refused run wrote something"
    else:
        assert {os.path.normpath(w) for w in written if not os.path.isdir(w)} == wanted
    if "-o" not in outputs:
        assert all(line and "\x1b" not in line for line in ran.out.splitlines()), ran.out


@SMALL
@given(layout=layouts())
def test_hostile_names_and_outputs_sample(tmp_path: Path, layout: tuple[dict[str, bytes], list[str]]) -> None:
    _layout_holds(tmp_path, *layout)


@pytest.fixture(scope="module")
def _fuzz_selected(request: pytest.FixtureRequest) -> None:
    """Skip unless ``-m`` selects the fuzz marker (``pytest -m fuzz``); a plain ``pytest`` runs the samples only."""
    expr = str(request.config.getoption("markexpr") or "")
    if not re.search(r"(?<![\w-])fuzz(?![\w-])", expr) or re.search(r"\bnot\s+fuzz\b", expr):
        pytest.skip("the big hostile run: select it with -m fuzz")


@pytest.mark.fuzz
@BIG
@given(layout=layouts())
def test_hostile_names_and_outputs_fuzz(_fuzz_selected: None, tmp_path: Path,
                                        layout: tuple[dict[str, bytes], list[str]]) -> None:
    _layout_holds(tmp_path, *layout)


FIELDS = ("a", "b", "c", "d")
RUN_RULES = textwrap.dedent("""
    import json, sys
    from jointgov.pipeline.compiler import compile_condition
    from jointgov.pipeline.engine import Engine, EngineLimitError
    whens, facts = json.loads(sys.stdin.read())
    conditions = [(n, 0, v) for n, w in enumerate(whens) for v in compile_condition(w, {}, None)]
    try:
        engine = Engine("random", conditions)
    except EngineLimitError:
        print("refused")
    else:
        for _ in range(3):
            engine.evaluate(facts)
        print("ran")
""")


def _random_rules(seed: int, count: int) -> list[list[dict[str, object]]]:
    """*count* random conditions: a post, then role or route patterns (some negated) with random tests."""
    pick = random.Random(seed)

    def test() -> tuple[str, object]:
        name, kind = pick.choice(FIELDS), pick.choice(["eq", "ne", "lt", "in", "exists", "join", "has", "none"])
        return name, {"eq": lambda: pick.choice([1, "x"]), "ne": lambda: {"ne": 1}, "lt": lambda: {"lt": 3},
                      "in": lambda: {"in": pick.sample([1, 2, "x", "y"], 2)}, "exists": lambda: {"exists": True},
                      "join": lambda: f"$post.{pick.choice(FIELDS)}", "has": lambda: {"has": ["x"]},
                      "none": lambda: {"exists": False}}[kind]()

    whens = []
    for _ in range(count):
        when: list[dict[str, object]] = [{"post": {}}]
        for k in range(pick.randint(1, 2)):
            pattern = {"fact": pick.choice(["role", "route"]), "as": f"x{k}",
                       "where": dict(test() for _ in range(pick.randint(1, 3)))}
            when.append(pattern if pick.random() < 0.8 else {"none": pattern})
        whens.append(when)
    return whens


def _rules_hold(seed: int, count: int) -> str:
    facts = [{"type": "post", "ptr": "/p", **{f: 1 for f in FIELDS}}]
    facts += [{"type": kind, "ptr": f"/{kind}{k}", **{f: value for f in FIELDS}, "h": ["x"]}
              for kind in ("role", "route") for k, value in enumerate([1, "x", 2])]
    done = subprocess.run([sys.executable, "-c", RUN_RULES], input=json.dumps([_random_rules(seed, count), facts]),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"seed {seed}: the engine died ({done.returncode}): {done.stderr[-500:]}"
    return done.stdout.strip()


@pytest.mark.parametrize(("seed", "count"), [(1, 30), (2, 200)])
def test_random_rules_are_refused_or_run_sample(seed: int, count: int) -> None:
    assert _rules_hold(seed, count) == {30: "ran", 200: "refused"}[count]


@pytest.mark.fuzz
def test_random_rules_are_refused_or_run_fuzz(_fuzz_selected: None) -> None:
    """``JOINTGOV_FUZZ_EXAMPLES`` / 100 random rulesets of 20 to 300 rules, new ones on every run (the seeds are
    printed by the failure)."""
    first = random.randrange(1 << 30)
    for seed in range(first, first + max(FUZZ_EXAMPLES // 100, 1)):
        _rules_hold(seed, random.Random(seed).randint(20, 300))
