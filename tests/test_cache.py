"""The results cache of ``check`` (issue 16): never a stale result, the same output as a run without it, bounded,
tolerant of damage, safe under concurrent runs.

A run proves it used the cache by checking nothing: ``_checking_forbidden`` makes every check of a file (and the
repository pass) fail, so a run that checked any file instead of finding its result would lose that file and exit 3.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import shutil
import signal
import sqlite3
import subprocess
import sys
import zlib
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

import jointgov
from jointgov.cache import keys, store
from jointgov.commands import check
from jointgov.commands.check import PARALLEL_FROM, run
from jointgov.model import ConfigError
from jointgov.repository.checker import RepositoryChecker
from tests.conftest import BASE, PROTOCOLS, ROOT

AS_OF = "2026-11-23"
REPO = ROOT / "tests" / "data" / "repository"
Located = list[tuple[str, str, int, int, str]]


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The results cache on (the suite turns it off), in a directory of this test's own."""
    monkeypatch.delenv("JOINTGOV_NO_RESULTS_CACHE", raising=False)
    monkeypatch.delenv("JOINTGOV_NO_CACHE", raising=False)
    monkeypatch.delenv("JOINTGOV_CACHE_MAX_BYTES", raising=False)
    directory = tmp_path / "cache"
    monkeypatch.setenv("JOINTGOV_CACHE_DIR", str(directory))
    return directory


def _run(paths: list[Path | str], fmt: str = "json", **options: Any) -> tuple[int, str]:
    out = io.StringIO()
    code = run([str(p) for p in paths], fmt=fmt, out=out, **{"as_of": AS_OF, **options})
    return code, out.getvalue()


def _located(text: str) -> Located:
    return [(Path(f["path"]).name, f["rule_id"], f["line"], f["column"], f["severity"])
            for f in json.loads(text)["findings"]]


def _check(paths: list[Path | str], **options: Any) -> tuple[int, Located]:
    code, text = _run(paths, **options)
    return code, _located(text)


def _forbid(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every check of a file, and the repository rules, fail (the workers are forked: they inherit this)."""
    def refuse(*_: object, **__: object) -> Any:
        raise AssertionError("checked, not taken from the cache")

    monkeypatch.setattr(check.FilePass, "__call__", refuse)
    monkeypatch.setattr(RepositoryChecker, "check", refuse)


def _from_cache(paths: list[Path | str], **options: Any) -> tuple[int, str]:
    """A run that must take every result from the cache."""
    with pytest.MonkeyPatch.context() as patch:
        _forbid(patch)
        return _run(paths, **options)


def _misses(paths: list[Path | str], capsys: pytest.CaptureFixture[str], **options: Any) -> list[str]:
    """The files a run would have to check again (the names its forbidden checks lose)."""
    with pytest.MonkeyPatch.context() as patch:
        _forbid(patch)
        _run(paths, **options)
    err = capsys.readouterr().err
    return sorted(Path(line.split(": ")[2]).name for line in err.splitlines() if "internal error: " in line
                  and not line.startswith("jointgov: internal error: the rules"))


def test_a_hit_is_taken_from_the_cache_and_gives_the_same_findings(tmp_path: Path) -> None:
    agreement = tmp_path / "a.yaml"
    agreement.write_text(BASE)
    first = _check([agreement])
    assert first == (1, [("a.yaml", rule, 1, 1, severity) for rule, severity in [
        ("JG201", "error"), ("JG204", "error"), ("JG301", "error"), ("JG303", "warning"), ("JG601", "error"),
        ("JG603", "warning"), ("JG604", "error"), ("JG605", "warning"), ("JG606", "warning"), ("JG607", "warning")]])
    code, text = _from_cache([agreement])
    assert (code, _located(text)) == first
    # what only shapes the output is not part of the key
    assert _from_cache([agreement], fail_on="never") == (0, text)
    coloured = _run([agreement], "text", colour=True, cache=False)
    assert _from_cache([agreement], fmt="text", colour=True) == coloured


def test_a_changed_byte_of_the_same_size_and_time_is_checked_again(tmp_path: Path) -> None:
    agreement = tmp_path / "a.yaml"
    agreement.write_text(BASE)
    before = os.stat(agreement)
    assert _check([agreement])[1][0] == ("a.yaml", "JG201", 1, 1, "error")
    agreement.write_text(BASE.replace("primary-care-trust", "primary-care-trusx"))  # the same size
    os.utime(agreement, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(agreement).st_size == before.st_size and os.stat(agreement).st_mtime_ns == before.st_mtime_ns
    assert _check([agreement]) == (1, [("a.yaml", "JG003", 12, 11, "error")])
    agreement.write_text(BASE)  # back: the first result again, from the cache
    assert _from_cache([agreement])[0] == 1 and _located(_from_cache([agreement])[1])[0][1] == "JG201"


def test_a_changed_rule_file_is_a_new_result(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    rule = ("id: ACME001\nname: council-named\nseverity: info\ntitle: a council is a party\nrationale: r\n"
            "remediation: x\nmessage: 'party {party.name} is a council'\nmatch:\n  - when:\n"
            "      - party: {kind: KIND}\n")
    (rules / "ACME001.yaml").write_text(rule.replace("KIND", "local-authority"))
    agreement = tmp_path / "a.yaml"
    agreement.write_text(BASE)
    options = {"rules_dirs": [str(rules)], "select": ["ACME001"]}
    assert _check([agreement], **options) == (0, [("a.yaml", "ACME001", 7, 5, "info")])
    (rules / "ACME001.yaml").write_text(rule.replace("KIND", "primary-care-trust"))
    assert _check([agreement], **options) == (0, [("a.yaml", "ACME001", 10, 5, "info")])


def test_a_changed_option_is_a_new_result(tmp_path: Path) -> None:
    agreement = tmp_path / "b.yaml"
    shutil.copy(PROTOCOLS / "barking-dagenham-remediated.yaml", agreement)
    assert _check([agreement], select=["JG609"]) == (0, [])
    later = [("b.yaml", "JG609", line, col, "warning") for line, col in [(181, 16), (189, 16), (197, 16), (293, 13)]]
    assert _check([agreement], select=["JG609"], as_of="2045-01-01") == (1, later)
    assert _check([agreement], select=["JG609"], as_of="2045-01-01", fail_on="error") == (0, later)  # same results
    base = tmp_path / "a.yaml"
    base.write_text(BASE)
    assert _check([base], select=["JG9"]) == (0, [])
    assert _check([base], select=["JG9"], simulate=True) == (1, [("a.yaml", "JG954", 1, 1, "warning")])
    assert _check([base], select=["JG201"]) == (1, [("a.yaml", "JG201", 1, 1, "error")])
    assert _check([base], select=["JG201"], ignore=["JG201"]) == (0, [])


def test_a_changed_configuration_is_a_new_result(tmp_path: Path) -> None:
    agreement = tmp_path / "a.yaml"
    agreement.write_text(BASE)
    config = tmp_path / "jointgov.toml"
    config.write_text('select = ["JG601"]\n')
    assert _check([agreement], config_path=str(config)) == (1, [("a.yaml", "JG601", 1, 1, "error")])
    config.write_text('select = ["JG601"]\n[severity]\nJG601 = "info"\n')
    assert _check([agreement], config_path=str(config)) == (0, [("a.yaml", "JG601", 1, 1, "info")])
    config.write_text('select = ["JG601"]\n[limits]\nmax_depth = 2\n')
    assert _check([agreement], config_path=str(config)) == (1, [("a.yaml", "JG001", 7, 5, "error")])
    config.write_text('select = ["JG601"]\nagreements = ["*.yaml"]\n')
    other = tmp_path / "other.yaml"
    other.write_text("name: not an agreement\n")
    assert _check([other], config_path=str(config)) == (1, [("other.yaml", "JG006", 1, 1, "error")])
    config.write_text('select = ["JG601"]\n')
    assert json.loads(_run([other], config_path=str(config))[1])["skipped"][0]["reason"] == "not-an-agreement"


def test_a_changed_register_is_a_new_result(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO, repo)
    unregistered = ("carers.yaml", "JG902", 11, 5, "warning")
    assert unregistered in _check([repo], select=["JG902"])[1]
    assert _from_cache([repo], select=["JG902"])[0] == 1
    register = repo / "registry.yaml"
    register.write_text(register.read_text() + "  - id: hva\n    name: Havering Voluntary Action\n"
                        "    kind: voluntary-sector\n")
    assert unregistered not in _check([repo], select=["JG902"])[1]


def test_a_changed_version_or_code_is_a_new_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    agreement = tmp_path / "a.yaml"
    agreement.write_text(BASE)
    _check([agreement])
    assert _misses([agreement], capsys) == []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jointgov, "__version__", "99.0.0")
        assert _misses([agreement], capsys) == ["a.yaml"]
    assert _misses([agreement], capsys) == []
    monkeypatch.setattr(keys, "code_fingerprint", lambda: "another build")
    assert _misses([agreement], capsys) == ["a.yaml"]


@pytest.mark.parametrize("corpus", [PROTOCOLS, REPO], ids=["protocols", "repository"])
@pytest.mark.parametrize("fmt", ["json", "text", "sarif"])
def test_a_hit_gives_byte_identical_output(corpus: Path, fmt: str) -> None:
    fresh = _run([corpus], fmt, cache=False)
    assert _run([corpus], fmt) == fresh  # the first run, storing
    assert _from_cache([corpus], fmt=fmt) == fresh


def test_a_hit_with_the_scenarios_gives_byte_identical_output() -> None:
    fresh = _run([PROTOCOLS], simulate=True, cache=False)
    assert json.loads(fresh[1])["simulations"]  # the scenarios' results are in the report, and in the cache
    assert _run([PROTOCOLS], simulate=True) == fresh
    assert _from_cache([PROTOCOLS], simulate=True) == fresh
    assert _from_cache([PROTOCOLS], fmt="text", simulate=True) == _run([PROTOCOLS], "text", simulate=True, cache=False)


def _rows(directory: Path) -> list[tuple[bytes, int]]:
    with closing(sqlite3.connect(directory / "results" / store.DB_NAME)) as db:
        return [(bytes(k), s) for k, s in db.execute("SELECT key, size FROM results").fetchall()]


def test_a_damaged_entry_is_a_miss(cache_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fresh = _run([PROTOCOLS], cache=False)
    _run([PROTOCOLS])
    with closing(sqlite3.connect(cache_dir / "results" / store.DB_NAME)) as db, db:
        db.execute("UPDATE results SET value = substr(value, 1, length(value) / 2)")
    assert _run([PROTOCOLS]) == fresh  # every entry truncated: checked again, and stored again
    assert _from_cache([PROTOCOLS]) == fresh
    marker = tmp_path / "pwned"

    class Hostile:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return os.system, (f"touch {marker}",)

    with closing(sqlite3.connect(cache_dir / "results" / store.DB_NAME)) as db, db:
        db.execute("UPDATE results SET value = ?", [zlib.compress(pickle.dumps(Hostile()))])
    assert _run([PROTOCOLS]) == fresh
    assert not marker.exists()
    with pytest.raises(ValueError, match="not a result type"):
        store.decode(zlib.compress(pickle.dumps(Hostile())))
    with closing(sqlite3.connect(cache_dir / "results" / store.DB_NAME)) as db, db:  # each value under another key
        rows = db.execute("SELECT key, value FROM results ORDER BY key").fetchall()
        db.executemany("UPDATE results SET value = ? WHERE key = ?",
                       [(value, key) for (key, _), (_, value) in zip(rows, rows[1:] + rows[:1], strict=True)])
    capsys.readouterr()
    assert len(_misses([PROTOCOLS], capsys)) == 7


def test_results_are_stored_as_the_run_goes_and_read_as_their_turn_comes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run holds at most a batch of results it made before storing them, and reads each cached result only when
    its file's turn comes: memory does not grow with the corpus (7 files, batches of 2 here)."""
    from jointgov.cache import run as cache_run

    monkeypatch.setattr(cache_run, "BATCH", 2)
    held: list[int] = []
    original_store, original_take = cache_run.RunCache.store, cache_run.RunCache.take

    def store(self: cache_run.RunCache) -> None:
        held.append(len(self.pending))
        original_store(self)

    def take(self: cache_run.RunCache, path: str) -> Any:
        held.append(len(self.served))  # served so far, before this one
        return original_take(self, path)

    monkeypatch.setattr(cache_run.RunCache, "store", store)
    fresh = _run([PROTOCOLS], cache=False)
    assert _run([PROTOCOLS]) == fresh
    assert held == [2, 2, 2, 1]  # three batches as the run went, the last one at the end
    held.clear()
    monkeypatch.setattr(cache_run.RunCache, "take", take)
    assert _from_cache([PROTOCOLS]) == fresh
    assert held == [0, 1, 2, 3, 4, 5, 6, 0]  # one at a time, in the files' order; nothing left to store


def test_a_damaged_database_is_replaced(cache_dir: Path) -> None:
    fresh = _run([PROTOCOLS], cache=False)
    _run([PROTOCOLS])
    (cache_dir / "results" / store.DB_NAME).write_bytes(b"not a database " * 1000)
    assert _run([PROTOCOLS]) == fresh
    assert _run([PROTOCOLS]) == fresh
    assert _from_cache([PROTOCOLS]) == fresh


def test_a_cache_that_cannot_be_written_is_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    fresh = _run([PROTOCOLS], cache=False)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("JOINTGOV_CACHE_DIR", str(blocker / "cache"))  # under a file: cannot be made
    assert _run([PROTOCOLS]) == fresh
    assert capsys.readouterr().err == ""
    assert len(_misses([PROTOCOLS], capsys)) == 7


def test_no_cache_neither_reads_nor_writes(cache_dir: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _run([PROTOCOLS], cache=False)
    assert not (cache_dir / "results").exists()
    _run([PROTOCOLS])
    assert len(_misses([PROTOCOLS], capsys, cache=False)) == 7
    config = tmp_path / "jointgov.toml"
    config.write_text("cache = false\n")
    assert len(_misses([PROTOCOLS], capsys, config_path=str(config))) == 7
    config.write_text('cache = "no"\n')
    with pytest.raises(ConfigError, match="'cache' must be true or false"):
        _run([PROTOCOLS], config_path=str(config))
    monkeypatch.setenv("JOINTGOV_NO_CACHE", "1")
    assert len(_misses([PROTOCOLS], capsys)) == 7


def test_the_cache_stays_within_its_bound(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = _run([PROTOCOLS], cache=False)
    _run([PROTOCOLS])
    sizes = [size for _, size in _rows(cache_dir)]
    assert len(sizes) == 8  # seven files and the repository pass
    bound = sum(sizes) // 2
    old = {key for key, _ in _rows(cache_dir)}
    with closing(sqlite3.connect(cache_dir / "results" / store.DB_NAME)) as db, db:
        db.execute("UPDATE results SET used = used - 100")  # used a while ago
    monkeypatch.setenv("JOINTGOV_CACHE_MAX_BYTES", str(bound))
    _run([PROTOCOLS], as_of="2030-01-01")  # eight new results: the least recently used go
    kept = _rows(cache_dir)
    assert 0 < sum(size for _, size in kept) <= bound
    assert not old & {key for key, _ in kept}
    assert _run([PROTOCOLS]) == fresh


def test_a_lost_file_is_never_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "many"
    corpus.mkdir()
    for i in range(PARALLEL_FROM + 2):
        (corpus / f"a{i:02d}.yaml").write_text(BASE.replace("example", f"example-{i}"))
    original = check.FilePass.__call__

    def dying(self: check.FilePass, path: str) -> check.Checked:
        if path.endswith("a07.yaml"):
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, path)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(check.FilePass, "__call__", dying)
        assert _run([corpus])[0] == 3
    capsys.readouterr()
    assert _misses([corpus], capsys) == ["a07.yaml"]  # the others were stored


def test_concurrent_runs_leave_a_usable_cache(tmp_path: Path) -> None:
    corpus = tmp_path / "many"
    corpus.mkdir()
    for i in range(3):
        for path in sorted(PROTOCOLS.glob("*.yaml")):
            shutil.copy(path, corpus / f"{i}-{path.name}")
    fresh = _run([corpus], cache=False)
    command = [sys.executable, "-m", "jointgov", "check", str(corpus), "--format", "json", "--as-of", AS_OF]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    outputs = [process.communicate(timeout=300) for process in runs]
    assert [(process.returncode, out.decode(), err.decode()) for process, (out, err) in zip(runs, outputs, strict=True)
            ] == [(fresh[0], fresh[1], "")] * 3
    assert _from_cache([corpus]) == fresh


def test_values_round_trip_through_the_restricted_unpickler() -> None:
    import datetime as dt

    from jointgov.repository.facts import Entry, Party

    entry = Entry("a.yaml", dt.date(2020, 1, 2), ("adults",), "in-force", True,
                  (Party("/parties/0", "x", "X", "council", None, dt.date(2021, 1, 1)),), frozenset({("a", "b")}))
    assert store.decode(store.encode(entry)) == entry
    assert keys.digest({"b": {1, 2}, "a": [dt.date(2020, 1, 1)]}) == keys.digest({"a": [dt.date(2020, 1, 1)],
                                                                                   "b": {2, 1}})
