"""The command line: exit statuses, formats, colour, and the stable JSON interface."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jointgov.cli import main
from tests.conftest import BASE, PROTOCOLS

AS_OF = ["--as-of", "2026-11-23"]


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BASE + "stray: 1\n")
    return path


def test_findings_exit_1_with_sorted_lines_and_summary(bad: Path) -> None:
    code, out, _ = invoke("check", str(bad), *AS_OF)
    assert code == 1
    assert out.splitlines() == [
        f"{bad}:13:1: error: JG003 schema: the document: unknown key 'stray'; the keys allowed here are: "
        "jointgov, agreement, parties, approvals, consultations, successors, joint_posts, protocols, "
        "dispute_routes, secondments, pooled_budgets, governance_bodies, lead_providers, outcomes, review, "
        "triggers, exit, communication, clauses, waivers, variations (keys starting x- are free for local use)",
        "1 error in 1 file (1 not checked against the rules until its form is fixed)",
    ]


def test_fail_on_never_exits_0(bad: Path) -> None:
    assert invoke("check", str(bad), "--fail-on", "never", *AS_OF)[0] == 0


def test_remediated_agreement_is_clean() -> None:
    code, out, _ = invoke("check", str(PROTOCOLS / "barking-dagenham-remediated.yaml"), "--fail-on", "info", *AS_OF)
    assert (code, out) == (0, "no findings in 1 file\n")


@pytest.mark.parametrize("args", [
    ("check", "no/such/path.yaml"),
    ("check", str(PROTOCOLS), "--as-of", "23/11/2026"),
    ("check", str(PROTOCOLS), "--select", "JG999"),
    ("check", str(PROTOCOLS), "--ignore", "JG002"),
    ("check", str(PROTOCOLS), "--ignore", "duplicate-key"),
    ("check", str(PROTOCOLS), "--format", "xml"),
    ("check",),
    ("explain", "no-such-rule"),
    ("check", str(PROTOCOLS), "--rules", "no/such/dir"),
])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    code, _, err = invoke(*args)
    assert code == 2, err


def test_broken_rule_file_names_file_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "ACME001.yaml").write_text(
        "id: ACME001\nname: my-rule\nseverity: fatal\ntitle: t\nrationale: r\nremediation: x\n")
    code, _, err = invoke("check", str(PROTOCOLS), "--rules", str(tmp_path))
    assert code == 2
    assert f"{tmp_path / 'ACME001.yaml'}:3:11: invalid rule file: severity:" in err


def test_user_rule_directory_adds_a_rule(tmp_path: Path, bad: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "ACME001-party-names.yaml").write_text(
        "id: ACME001\nname: council-named\nseverity: info\ntitle: a council is a party\n"
        "rationale: r\nremediation: x\nmessage: 'party {party.name} is a council'\n"
        "match:\n  - when:\n      - party: {kind: local-authority}\n")
    agreement = tmp_path / "a.yaml"
    agreement.write_text(BASE)
    code, out, _ = invoke("check", str(agreement), "--rules", str(rules), "--select", "ACME001",
                          "--fail-on", "info", *AS_OF)
    assert code == 1
    assert out.splitlines()[0] == f"{agreement}:7:5: info: ACME001 council-named: party Example Council is a council"


def test_select_and_ignore_by_name(tmp_path: Path) -> None:
    agreement = tmp_path / "a.yaml"
    agreement.write_text(BASE)
    _, out, _ = invoke("check", str(agreement), "--select", "joint-body,JG604", "--format", "json", *AS_OF)
    assert {f["rule_id"] for f in json.loads(out)["findings"]} == {"JG601", "JG604"}
    _, out, _ = invoke("check", str(agreement), "--ignore", "joint-body", "--format", "json", *AS_OF)
    assert "JG601" not in {f["rule_id"] for f in json.loads(out)["findings"]}


def test_json_is_the_documented_object() -> None:
    code, out, _ = invoke("check", str(PROTOCOLS / "barking-dagenham-2001.yaml"), "--format", "json", *AS_OF)
    doc = json.loads(out)
    assert code == 1
    assert list(doc) == ["jointgov", "as_of", "files", "findings", "summary", "waived", "baseline", "skipped",
                         "provenance"]
    assert doc["as_of"] == "2026-11-23"
    assert list(doc["files"][0]) == ["path", "sha256", "rules_run"]
    assert list(doc["summary"]) == ["error", "warning", "info"]
    assert sum(doc["summary"].values()) == len(doc["findings"])
    first = doc["findings"][0]
    assert list(first) == ["rule_id", "rule_name", "severity", "path", "line", "column", "message", "pointer",
                           "fingerprint"]
    assert list(doc["provenance"]) == ["jointgov", "catalogue_digest", "as_of", "files", "waivers_applied"]
    assert doc["provenance"]["files"][0]["sha256"] == doc["files"][0]["sha256"]
    keys = [(f["path"], f["line"], f["column"], f["rule_id"]) for f in doc["findings"]]
    assert keys == sorted(keys)


def test_directories_are_searched_and_sorted(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.yml").write_text(BASE)
    (tmp_path / "a.yaml").write_text(BASE)
    (tmp_path / "notes.txt").write_text("not an agreement")
    (tmp_path / "b" / "loop").symlink_to(tmp_path, target_is_directory=True)
    _, out, _ = invoke("check", str(tmp_path), "--format", "json", *AS_OF)
    assert [f["path"] for f in json.loads(out)["files"]] == [str(tmp_path / "a.yaml"), str(tmp_path / "b" / "z.yml")]


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    """Run in a pseudo-terminal: colour codes appear, unless NO_COLOR is set."""
    target = str(PROTOCOLS / "barking-dagenham-2001.yaml")

    def run_in_pty(env: dict[str, str]) -> bytes:
        return _pty_output(["check", target, *AS_OF], env)

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    assert b"\x1b[" in run_in_pty(env)
    assert b"\x1b[" not in run_in_pty(env | {"NO_COLOR": "1"})
    piped = subprocess.run([sys.executable, "-m", "jointgov", "check", target, *AS_OF], capture_output=True, env=env)
    assert b"\x1b[" not in piped.stdout
    # --color always: in a CI log too (piped), even with NO_COLOR; --color never: not even on a terminal
    errors = json.loads(invoke("check", target, *AS_OF, "--format", "json")[1])["summary"]["error"]
    for command in ("check", "simulate"):
        always = subprocess.run([sys.executable, "-m", "jointgov", command, target, *AS_OF, "--color", "always"],
                                capture_output=True, env=env | {"NO_COLOR": "1"})
        # red: each error, and each unilateral scenario run
        assert always.stdout.count(b"\x1b[31m") == {"check": errors, "simulate": 4}[command]
        assert b"\x1b[" not in _pty_output([command, target, *AS_OF, "--color", "never"], env), command


def _pty_output(args: list[str], env: dict[str, str]) -> bytes:
    pty = pytest.importorskip("pty")
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.execve(sys.executable, [sys.executable, "-m", "jointgov", *args], env)
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.waitpid(pid, 0)
    return b"".join(chunks)


def test_progress_bar_on_a_terminal_only_for_many_files(tmp_path: Path) -> None:
    for i in range(25):
        (tmp_path / f"a{i:02d}.yaml").write_text(BASE)
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    output = tmp_path / "out" / "report.json"
    assert b"checking" in _pty_output(["check", str(tmp_path), "--fail-on", "never", *AS_OF, "-o", str(output)], env)
    # the text format streamed to the terminal: its lines show the progress, no bar is drawn across them
    streamed = _pty_output(["check", str(tmp_path), "--fail-on", "never", *AS_OF], env)
    assert b"checking" not in streamed and streamed.endswith(b"125 errors, 125 warnings in 25 files\r\n")
    piped = subprocess.run([sys.executable, "-m", "jointgov", "check", str(tmp_path), "--fail-on", "never", *AS_OF],
                           capture_output=True, env=env)
    assert piped.returncode == 0 and b"checking" not in piped.stderr and piped.stderr == b""
    (tmp_path / "few").mkdir()
    (tmp_path / "few" / "a.yaml").write_text(BASE)
    assert b"checking" not in _pty_output(["check", str(tmp_path / "few"), "--fail-on", "never", *AS_OF], env)


def test_internal_error_exits_3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import jointgov.pipeline.checker

    def explode(*_args: object, **_kw: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(jointgov.pipeline.checker.Checker, "check_document", explode)
    agreement = tmp_path / "a.yaml"
    agreement.write_text(BASE)
    code, _, err = invoke("check", str(agreement))
    assert code == 3
    assert "internal error: RuntimeError: boom" in err


def test_schema_command_prints_the_schema() -> None:
    code, out, _ = invoke("schema")
    assert code == 0
    assert json.loads(out)["$id"] == "urn:jointgov:schema:agreement:1"


def test_facts_command_prints_typed_facts() -> None:
    code, out, _ = invoke("facts", str(PROTOCOLS / "barking-dagenham-2001.yaml"), *AS_OF)
    facts = json.loads(out)
    assert code == 0
    post = next(f for f in facts if f["type"] == "post")
    assert (post["ptr"], post["parties"], post["appointed_day"]) == ("/joint_posts/0", ["bd-pct", "lbbd"], 730576)


def test_explain_shows_evidence_and_examples() -> None:
    code, out, _ = invoke("explain", "protocol-before-appointment")
    assert code == 0
    assert ('  - Community Care, "Behind the headlines", 2003: "Agreed protocols should have been in place, with '
            'arbitration if required, before any joint appointments were made."\n') in out
    assert "Fails: " in out and "Passes: " in out


def test_input_files_are_never_written(tmp_path: Path) -> None:
    agreement = tmp_path / "a.yaml"
    agreement.write_text(BASE + "stray: [\n")
    before = (agreement.read_bytes(), agreement.stat().st_mtime_ns)
    invoke("check", str(tmp_path), *AS_OF)
    assert (agreement.read_bytes(), agreement.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]


BAD_INPUTS = {
    "syntax.yaml": b"jointgov: 1\nagreement: [1, 2\n",
    "duplicate.yaml": BASE.encode() + b"parties: []\n",
    "tag.yaml": b"jointgov: 1\nagreement: !!python/object/apply:os.system ['true']\n",
    "bomb.yaml": ("jointgov: 1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
                  + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9))).encode(),
    "deep.yaml": b"jointgov: 1\nx-deep: " + b"[" * 3000 + b"]" * 3000 + b"\n",
    "huge.yaml": BASE.encode() + b"x-pad: '" + b"a" * (6 * 1024 * 1024) + b"'\n",
    "binary.yaml": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "latin1.yaml": b"jointgov: 1\nagreement:\n  title: Caf\xe9\n",
    "utf16.yaml": BASE.encode("utf-16"),
    "empty.yaml": b"",
    "list.yaml": b"- jointgov: 1\n",
    "version.yaml": BASE.replace("jointgov: 1", "jointgov: 2").encode(),
    "wrongtype.yaml": BASE.replace("name: Example PCT", "name: [Example, PCT]").encode(),
    "unknownkey.yaml": BASE.replace("jurisdiction: england", "jurisdicton: england").encode(),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_a_located_finding_with_exit_1(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_INPUTS[name])
    result = subprocess.run([sys.executable, "-m", "jointgov", "check", str(path), "--format", "json"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stderr == ""
    findings = json.loads(result.stdout)["findings"]
    assert any(f["rule_id"] in {"JG001", "JG002", "JG003", "JG006"} for f in findings)
    assert all(f["line"] >= 1 and f["column"] >= 1 for f in findings)


def test_facts_help_lists_the_derived_fields() -> None:
    from jointgov.pipeline.facts import DERIVED

    code, out, _ = invoke("facts", "--help")
    assert code == 0 and "Derived fields:" in out
    assert all(name in out for name in DERIVED)
    assert "the sum of the contributions' amounts" in " ".join(out.split())


def test_help_lists_every_command_without_cutting_a_description() -> None:
    code, out, _ = invoke("--help")
    commands = out.split("Commands:\n")[1].splitlines()
    assert code == 0 and len(commands) == 9
    assert not [line for line in commands if line.endswith("...")]
    code, out, _ = invoke("explain", "--help")
    assert "--rules DIRECTORY  An extra directory of rule files, whose rules can be" in out


def test_check_and_simulate_json_share_their_top_level_keys() -> None:
    target = str(PROTOCOLS / "barking-dagenham-remediated.yaml")
    check = json.loads(invoke("check", target, "--format", "json", *AS_OF)[1])
    simulate = json.loads(invoke("simulate", target, "--format", "json", *AS_OF)[1])
    assert list(simulate) == ["jointgov", "as_of", "summary", "files", "skipped"]
    assert [key for key in check if key in simulate] == ["jointgov", "as_of", "files", "summary", "skipped"]
    assert (simulate["jointgov"], simulate["as_of"]) == (check["jointgov"], check["as_of"])
