"""Start-up (issue 16): a one-file check imports only what it needs, and the compiled ruleset is cached with the
catalogue, used when it fits and compiled again whenever it does not. No timings here (they are bench/'s)."""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jointgov.model import Options
from jointgov.pipeline.catalogue import Catalogue, load_catalogue
from jointgov.pipeline.checker import Checker
from tests.conftest import BASE, PROTOCOLS

AS_OF = _dt.date(2026, 11, 23)
NEVER = ("jinja2", "jsonschema", "multiprocessing", "importlib.resources", "tempfile", "socket", "email",
         "subprocess", "jointgov.lsp", "jointgov.diff", "jointgov.simulation", "jointgov.repository",
         "jointgov.reporters.html", "jointgov.reporters.json_", "jointgov.reporters.sarif")
"""What a one-file text check must not import, in the parent or its worker (a module or a package)."""
COMPILING = ("jointgov.pipeline.compiler", "jointgov.pipeline.network")
"""What only compiling a ruleset needs: a run whose ruleset is cached does without."""


def imported(*args: str, cwd: Path, env: dict[str, str]) -> set[str]:
    """The modules ``python -X importtime -m jointgov ARGS`` imports, in every process of the run (a forked worker
    writes its own imports to the same standard error)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "jointgov", *args], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, **env}, stdin=subprocess.DEVNULL, timeout=120)
    assert done.returncode == 1, done.stderr[-2000:]  # the agreement has findings
    return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}


def within(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_a_one_file_text_check_imports_only_what_it_needs(tmp_path: Path) -> None:
    """Cold (nothing cached) it compiles the ruleset; warm it imports neither the compiler nor the engine's limits
    model; neither imports the reporters of other formats, the other commands' packages, jsonschema (the file is
    valid: the generated validator says so), multiprocessing (the worker is a plain fork), or the machinery of
    writing files (nothing is written: the report goes to standard output)."""
    agreement = tmp_path / "a.yaml"  # in a directory of its own: no register, no configuration around it
    shutil.copy(PROTOCOLS / "joint-post-2003.yaml", agreement)
    env = {"JOINTGOV_CACHE_DIR": str(tmp_path / "cache")}
    args = ("check", agreement.name, "--as-of", AS_OF.isoformat())
    cold = imported(*args, cwd=tmp_path, env=env)
    assert within(cold, COMPILING) == list(COMPILING)  # a cold run compiles (so the warm run's absence means a hit)
    warm = imported(*args, cwd=tmp_path, env=env)
    assert "jointgov.pipeline.checker" in warm and "durable_rules_engine" in warm
    assert within(warm, COMPILING + NEVER) == []
    assert within(cold, NEVER) == ["tempfile"]  # to write the cache


def test_a_one_file_check_served_from_the_results_cache_imports_no_more(tmp_path: Path) -> None:
    """With check's results cache on (as users have it), the run served from it imports nothing of the list above
    (the cache's types of a repository entry and a simulation only when it holds one), nor the rule engine: the
    ruleset is registered only when a file is to be checked."""
    agreement = tmp_path / "a.yaml"
    shutil.copy(PROTOCOLS / "joint-post-2003.yaml", agreement)
    env = {"JOINTGOV_CACHE_DIR": str(tmp_path / "cache"), "JOINTGOV_NO_RESULTS_CACHE": ""}
    args = ("check", agreement.name, "--as-of", AS_OF.isoformat())
    imported(*args, cwd=tmp_path, env=env)  # fills both caches
    assert (tmp_path / "cache" / "results" / "results.sqlite").is_file()
    served = imported(*args, cwd=tmp_path, env=env)
    assert "jointgov.cache.store" in served
    assert within(served, COMPILING + NEVER) == []
    assert "durable_rules_engine" not in served  # every result cached: no ruleset registered, no worker


def _rule(directory: Path, kind: str) -> None:
    (directory / "ACME001-party.yaml").write_text(
        "id: ACME001\nname: party-kind\nseverity: info\ntitle: a party of one kind\nrationale: r\nremediation: x\n"
        "message: 'party {party.name}'\nmatch:\n  - when:\n      - party: {kind: " + kind + "}\n")


def _found(rules: Path) -> list[tuple[str, int, int, str]]:
    checker = Checker(load_catalogue([rules]), Options(as_of=AS_OF, select=frozenset({"ACME001"})))
    result = checker.check_bytes(BASE.encode(), "a.yaml")
    return [(f.rule_id, f.line, f.column, f.message) for f in result.findings if f.rule_id == "ACME001"]


@pytest.fixture()
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the rulesets compiled from the catalogue (each call of ``Catalogue.compiled``)."""
    calls: list[int] = []
    original = Catalogue.compiled

    def counted(self: Catalogue, *args: object, **kwargs: object) -> object:
        calls.append(1)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Catalogue, "compiled", counted)
    return calls


def test_the_compiled_ruleset_is_cached_and_follows_rule_edits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               compiles: list[int]) -> None:
    monkeypatch.setenv("JOINTGOV_CACHE_DIR", str(tmp_path / "cache"))
    rules = tmp_path / "rules"
    rules.mkdir()
    _rule(rules, "local-authority")
    council = [("ACME001", 7, 5, "party Example Council")]
    assert _found(rules) == council
    assert len(compiles) == 1 and len(list((tmp_path / "cache").glob("ruleset-*.json"))) == 1
    assert _found(rules) == council
    assert len(compiles) == 1  # the second check took its ruleset from the cache
    _rule(rules, "primary-care-trust")  # the rule edited: another ruleset, compiled
    assert _found(rules) == [("ACME001", 10, 5, "party Example PCT")]
    assert len(compiles) == 2 and len(list((tmp_path / "cache").glob("ruleset-*.json"))) == 2


@pytest.mark.parametrize("damage", ["not json", "a byte changed", "sealed, of another layout", "empty"])
def test_a_damaged_cached_ruleset_is_compiled_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    compiles: list[int], damage: str) -> None:
    import hashlib

    monkeypatch.setenv("JOINTGOV_CACHE_DIR", str(tmp_path / "cache"))
    rules = tmp_path / "rules"
    rules.mkdir()
    _rule(rules, "local-authority")
    expected = _found(rules)
    [cached] = (tmp_path / "cache").glob("ruleset-*.json")
    good = cached.read_bytes()
    if damage == "not json":
        cached.write_text("{not json")
    elif damage == "a byte changed":  # a condition that fires elsewhere, were it trusted
        cached.write_bytes(good.replace(b"local-authority", b"primary-care-trust"))
    elif damage == "sealed, of another layout":
        body = b'{"definitions": 1, "actions": []}'
        cached.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    else:
        cached.write_bytes(b"")
    assert _found(rules) == expected
    assert len(compiles) == 2
    assert cached.read_bytes() == good  # compiled again, and cached again


def test_no_ruleset_is_cached_when_the_cache_is_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    compiles: list[int]) -> None:
    monkeypatch.setenv("JOINTGOV_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("JOINTGOV_NO_CACHE", "1")
    rules = tmp_path / "rules"
    rules.mkdir()
    _rule(rules, "local-authority")
    assert _found(rules) == _found(rules) == [("ACME001", 7, 5, "party Example Council")]
    assert len(compiles) == 2  # JOINTGOV_NO_CACHE: every run compiles (bench/run.py's "jointgov, cold")
    assert not (tmp_path / "cache").exists()
