"""The language server, driven over stdio as an editor drives it (tests/lsp_client.py): the real ``jointgov lsp``
process, its diagnostics compared finding for finding with ``jointgov check``."""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jointgov.commands import check, explain
from jointgov.commands.init import render
from tests.conftest import PROTOCOLS, ROOT
from tests.lsp_client import Client, ServerError

pytest.importorskip("pygls", reason="the language server needs the lsp extra: pip install 'jointgov[lsp]'")

BARKING_AS_OF = "2003-07-01"
"""protocols/barking-dagenham-2001.yaml's own date (x-as-of), as tests/test_protocols.py checks it."""
SEVERITY = {1: "error", 2: "warning", 3: "info", 4: "hint"}


def start(root: Path, options: dict[str, Any], env: dict[str, str] | None = None) -> Client:
    """A ``jointgov lsp`` process initialised on the workspace folder *root*."""
    client = Client([sys.executable, "-m", "jointgov", "lsp"], cwd=root, env=env)
    client.initialize(root, options)
    return client


@pytest.fixture(scope="module")
def server() -> Iterator[Client]:
    client = start(ROOT, {"asOf": BARKING_AS_OF})
    yield client
    assert client.close() == 0


def checked(path: Path, as_of: str = BARKING_AS_OF, cwd: Path | None = None) -> dict[str, Any]:
    """``jointgov check PATH --format json --as-of DATE``, run from *cwd* (default: the file's folder)."""
    out = io.StringIO()
    here = os.getcwd()
    os.chdir(cwd or path.parent)
    try:
        check.run([str(path)], fmt="json", as_of=as_of, out=out, fail_on="never")
    finally:
        os.chdir(here)
    report: dict[str, Any] = json.loads(out.getvalue())
    return report


def expected(report: dict[str, Any]) -> list[tuple[str, int, int, str]]:
    """(rule, line, column, severity) of each finding of a check, then each waived finding as a hint."""
    found = [(f["rule_id"], f["line"], f["column"], f["severity"]) for f in report["findings"]]
    return found + [(w["rule_id"], w["line"], w["column"], "hint") for w in report["waived"]]


def located(diagnostics: list[dict[str, Any]]) -> list[tuple[str, int, int, str]]:
    """(code, 1-based line, 1-based column, severity) of each diagnostic, as check prints them."""
    return [(d["code"], d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1,
             SEVERITY[d["severity"]]) for d in diagnostics]


def position(text: str, needle: str, offset: int = 0) -> dict[str, int]:
    """The 0-based position of *needle* in *text* (plus *offset* characters)."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return {"line": line, "character": index - (text.rfind("\n", 0, index) + 1)}


def apply(text: str, edit: dict[str, Any]) -> str:
    """*text* with one TextEdit applied (the texts here are within the Basic Multilingual Plane)."""
    lines = text.split("\n")

    def offset(at: dict[str, int]) -> int:
        return sum(len(line) + 1 for line in lines[:at["line"]]) + at["character"]
    start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
    return text[:start] + edit["newText"] + text[end:]


def copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copy(PROTOCOLS / name, target)
    return target


# ------------------------------------------------------------------ diagnostics

REMOVAL = "    appraisal: unknown\n"
JOINT_REMOVAL = "    removal:\n      decided_by: [lbbd, bd-pct]\n"


def test_barking_gives_every_finding_of_check_at_the_same_place_and_joint_removal_clears_jg104(
        server: Client, tmp_path: Path) -> None:
    path = PROTOCOLS / "barking-dagenham-2001.yaml"
    text = path.read_text(encoding="utf-8")
    uri = server.open(path, version=1)
    found = server.diagnostics(uri, version=1)
    assert located(found) == expected(checked(path))
    assert ("JG104", 118, 5, "error") in located(found)
    jg104 = next(d for d in found if d["code"] == "JG104")
    assert jg104["message"] == ("no-unilateral-removal: joint post 'Chief Executive of the PCT and Director of Social "
                                "Services' has no removal clause, so nothing stops one party withdrawing or "
                                "dismissing the holder alone")
    assert (jg104["source"], "http" in json.dumps(jg104)) == ("jointgov", False)

    # the removal clause made joint (decided by both parties of the post), as an incremental change
    at = position(text, REMOVAL)
    mark = server.mark()
    server.edit(uri, 2, (at["line"] + 1, 0), (at["line"] + 1, 0), JOINT_REMOVAL)
    after = server.diagnostics(uri, after=mark, version=2)
    edited = tmp_path / "barking-dagenham-2001.yaml"
    edited.write_text(text.replace(REMOVAL, REMOVAL + JOINT_REMOVAL), encoding="utf-8")
    assert located(after) == expected(checked(edited))
    assert "JG104" not in [d["code"] for d in after]
    assert [d["code"] for d in found if d["code"] != "JG104"] == [d["code"] for d in after]

    # go to the definition of a decided_by id, and find its references
    line = edited.read_text(encoding="utf-8").split("\n").index("      decided_by: [lbbd, bd-pct]")
    request = {"textDocument": {"uri": uri}, "position": {"line": line, "character": 27}}
    target = server.request("textDocument/definition", request)
    assert target == {"uri": uri, "range": {"start": {"line": 88, "character": 8},
                                            "end": {"line": 88, "character": 14}}}  # parties: - id: bd-pct
    refs = server.request("textDocument/references", {**request, "context": {"includeDeclaration": True}})
    # the id, superseded_by, the post's role, the new removal clause, the PCT board's chair and members; not
    # x-staff-managed (an x- key is the authors' own, no reference)
    assert [(r["range"]["start"]["line"] + 1, r["range"]["start"]["character"] + 1) for r in refs] == [
        (89, 9), (105, 9), (129, 16), (143, 26), (169, 14), (172, 16), (176, 16)]
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})


def test_a_waived_finding_is_a_hint_and_check_options_from_the_files_folder_apply(server: Client,
                                                                                  tmp_path: Path) -> None:
    """The configuration is found from the file's folder, as check run there finds it: a severity override
    and an ignored rule apply; a finding a valid waiver covers is a hint naming its waiver."""
    path = copy(tmp_path, "joint-post-2003.yaml")
    text = path.read_text(encoding="utf-8").replace("waivers: []", "")
    text += ("waivers:\n  - rule: JG101\n    target: director\n    reason: The protocol was agreed late; it stands.\n"
             "    approved_by: partnership-board\n    approved_on: 2003-06-01\n    expires_on: 2004-06-01\n")
    path.write_text(text, encoding="utf-8")
    (tmp_path / "jointgov.toml").write_text('[severity]\nJG102 = "info"\n', encoding="utf-8")
    uri = server.open(path)
    found = server.diagnostics(uri, version=1)
    report = checked(path)
    assert located(found) == expected(report)
    assert located(found) == [("JG102", 81, 5, "info"), ("JG101", 94, 15, "hint")]
    assert found[1]["message"].startswith("waived (waiver at line 255, approved by partnership-board, until "
                                          "2004-06-01): protocol-before-appointment: joint post")
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})


def test_a_broken_or_half_typed_file_gets_the_readers_findings_and_the_server_carries_on(
        server: Client, tmp_path: Path) -> None:
    path = tmp_path / "draft.yaml"
    text = "jointgov: 1\nagreement:\n  id: draft\n  title: [unclosed\nparties:\n  - id: council\n"
    path.write_text(text, encoding="utf-8")
    uri = server.open(path)
    found = server.diagnostics(uri, version=1)
    assert located(found) == expected(checked(path)) != []
    half = "jointgov: 1\nparties:\n  - id: council\n    name: A\n    kind: local-authority\njoint_posts:\n" \
           "  - id: post\n    employer: "
    mark = server.mark()
    server.replace(uri, half, 2)
    server.diagnostics(uri, after=mark, version=2)
    items = server.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                       "position": {"line": 7, "character": 14}})
    assert [i["label"] for i in items["items"]] == ["council", "joint", "unknown"]
    assert server.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                 "position": {"line": 99, "character": 0}}) is None
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})


def test_yaml_that_is_no_agreement_is_left_alone(server: Client, tmp_path: Path) -> None:
    path = tmp_path / "workflow.yaml"
    path.write_text("name: ci\non: [push]\n", encoding="utf-8")
    uri = server.open(path)
    assert server.diagnostics(uri, version=1) == []


# ------------------------------------------------------------------ completion, hover

def test_employer_completes_the_files_party_ids_and_the_formats_values(server: Client) -> None:
    path = PROTOCOLS / "glasgow-joint-board.yaml"
    text = path.read_text(encoding="utf-8")
    uri = server.open(path)
    at = position(text, "    employer: ", len("    employer: "))
    items = server.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": at})
    ids = [i["label"] for i in items["items"]]
    parties = [line.split("id: ")[1] for line in text.split("parties:")[1].split("\n\n")[0].split("\n")
               if line.startswith("  - id: ")]
    assert parties and ids == [*parties, "joint", "unknown"]
    first = items["items"][0]
    assert first["detail"].startswith("party: ")
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})


def test_hover_explains_the_rule_of_a_finding_and_the_meaning_of_a_field(server: Client) -> None:
    path = PROTOCOLS / "joint-post-2003.yaml"
    text = path.read_text(encoding="utf-8")
    uri = server.open(path)
    server.diagnostics(uri, version=1)
    on_protocol = server.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {
        "line": 93, "character": 16}})["contents"]["value"]
    rule = explain_text("JG101")
    assert "**JG101 protocol-before-appointment** (error, joint-posts)" in on_protocol
    for part in ("Why:", "Evidence:", "Fix:"):
        said = rule.split(part + "\n")[1].split("\n\n")[0].strip()
        assert said.lstrip("- ") in on_protocol, part
    assert "**joint_posts.protocol**: Id of the protocol" in on_protocol
    on_key = server.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                   "position": position(text, "    employer:", 6)})
    assert on_key["contents"]["value"] == (
        "**joint_posts.employer**: Employer of record: a party id, or joint for a joint contract (may be unknown)."
        "\n\nExpected: a party id, joint, or unknown.")
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})


def explain_text(rule: str) -> str:
    out = io.StringIO()
    explain.run(rule, out=out)
    return out.getvalue()


# ------------------------------------------------------------------ code actions

def actions_at(server: Client, uri: str, diagnostic: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = server.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": diagnostic["range"],
                                                       "context": {"diagnostics": [diagnostic]}})
    return {a["title"]: a for a in found}


def test_the_waiver_stub_is_a_valid_waiver_once_a_joint_body_approves_it(server: Client, tmp_path: Path) -> None:
    path = copy(tmp_path, "joint-post-2003.yaml")
    text = path.read_text(encoding="utf-8")
    uri = server.open(path)
    jg101 = next(d for d in server.diagnostics(uri, version=1) if d["code"] == "JG101")
    actions = actions_at(server, uri, jg101)
    assert sorted(actions) == ["Add a waiver of JG101 protocol-before-appointment on director",
                               "Explain JG101 protocol-before-appointment"]
    edit = actions["Add a waiver of JG101 protocol-before-appointment on director"]["edit"]["changes"][uri][0]
    stubbed = apply(text, edit)
    assert stubbed.endswith(
        "waivers:\n"
        "  - rule: JG101  # protocol-before-appointment\n"
        "    target: director\n"
        '    reason: "TODO: why the exception is justified, as the approving body recorded it"\n'
        "    approved_by: partnership-board  # a body with members from every party\n"
        "    approved_on: 2003-07-01  # the date of the body's decision\n"
        "    expires_on: 2004-06-30  # when the exception ends\n")
    mark = server.mark()
    server.replace(uri, stubbed, 2)
    after = server.diagnostics(uri, after=mark, version=2)
    path.write_text(stubbed, encoding="utf-8")
    report = checked(path)
    assert located(after) == expected(report)
    # JG101 is waived (a hint); the waiver is valid (no JG801-JG803); its reason still reads TODO (JG007), so the
    # file fails until the approving body's reason is written in
    assert [(r, s) for r, _, _, s in located(after)] == [("JG102", "error"), ("JG007", "error"), ("JG101", "hint")]
    assert [w["rule_id"] for w in report["waived"]] == ["JG101"]
    assert not [f for f in report["findings"] if f["rule_id"] in ("JG801", "JG802", "JG803")]


def test_without_a_joint_body_the_stub_names_no_approver_until_one_is_made(server: Client, tmp_path: Path) -> None:
    path = copy(tmp_path, "barking-dagenham-2001.yaml")
    text = path.read_text(encoding="utf-8")
    uri = server.open(path)
    jg104 = next(d for d in server.diagnostics(uri, version=1) if d["code"] == "JG104")
    edit = actions_at(server, uri, jg104)["Add a waiver of JG104 no-unilateral-removal on ce-dss"]["edit"]
    stubbed = apply(text, edit["changes"][uri][0])
    assert stubbed.startswith(text.rstrip("\n") + "\n\nwaivers:\n  - rule: JG104  # no-unilateral-removal\n")
    assert "    # approved_by: the id of a governance body with members from every party (the file has none yet)\n" \
        in stubbed
    mark = server.mark()
    server.replace(uri, stubbed, 2)
    codes = [(d["code"], SEVERITY[d["severity"]]) for d in server.diagnostics(uri, after=mark, version=2)]
    assert ("JG802", "error") in codes and ("JG104", "error") in codes
    # a joint body (members from every party of the agreement) approves it: JG802 is no longer raised
    joint = ("  - id: joint-board\n    name: Joint board\n    kind: joint-board\n    members:\n"
             "      - party: lbbd\n      - party: bd-pct\n      - party: bh-ha\n      - party: nel-sha\n")
    approved = stubbed.replace("governance_bodies:\n", "governance_bodies:\n" + joint).replace(
        "    # approved_by: the id of a governance body with members from every party (the file has none yet)\n",
        "    approved_by: joint-board\n")
    mark = server.mark()
    server.replace(uri, approved, 3)
    after = server.diagnostics(uri, after=mark, version=3)
    path.write_text(approved, encoding="utf-8")
    assert located(after) == expected(checked(path))
    assert "JG802" not in [d["code"] for d in after]
    assert ("JG104", 118, 5, "hint") in located(after)


def test_a_missing_section_is_inserted_from_the_init_skeleton_where_the_format_puts_it(
        server: Client, tmp_path: Path) -> None:
    path = copy(tmp_path, "barking-dagenham-2001.yaml")
    text = path.read_text(encoding="utf-8")
    uri = server.open(path)
    jg301 = next(d for d in server.diagnostics(uri, version=1) if d["code"] == "JG301")
    action = actions_at(server, uri, jg301)["Insert the successors section from the jointgov init skeleton"]
    edit = action["edit"]["changes"][uri][0]
    skeleton = render()
    section = skeleton[skeleton.index("# How successor bodies are bound"):skeleton.index("successors: {}\n") + 15]
    assert edit == {"range": {"start": {"line": 116, "character": 0}, "end": {"line": 116, "character": 0}},
                    "newText": section + "\n"}
    inserted = apply(text, edit)
    assert inserted.split("\n")[116:118] == section.split("\n")[:2] and "\n\njoint_posts:" in inserted
    mark = server.mark()
    server.replace(uri, inserted, 2)
    after = server.diagnostics(uri, after=mark, version=2)
    path.write_text(inserted, encoding="utf-8")
    assert located(after) == expected(checked(path))
    assert not [c for c, *_ in located(after) if c in ("JG003", "JG001")]


def test_explain_this_rule_shows_what_jointgov_explain_prints(server: Client) -> None:
    mark = server.mark()
    said = server.request("workspace/executeCommand", {"command": "jointgov.explain", "arguments": ["JG104"]})
    assert said == explain_text("JG104")
    shown = server.wait_for(lambda m: m.get("method") == "window/showDocument", after=mark)
    page = Path(shown["params"]["uri"].removeprefix("file://"))
    assert page.read_text(encoding="utf-8") == said
    with pytest.raises(ServerError):
        server.request("workspace/executeCommand", {"command": "jointgov.explain", "arguments": ["JG999"]})


# ------------------------------------------------------------------ repository rules, failures, set-up

def test_the_repository_rules_run_on_save_over_the_workspace_folder(tmp_path: Path) -> None:
    folder = tmp_path / "repository"
    shutil.copytree(ROOT / "tests" / "data" / "repository", folder)
    report = checked(folder, "2026-11-23", cwd=folder)
    target = folder / "intermediate-care-bd.yaml"
    wanted = [(f["rule_id"], f["line"], f["column"], f["severity"]) for f in report["findings"]
              if Path(f["path"]).name == target.name]
    assert [r for r, *_ in wanted if r.startswith("JG9")], "the fixture must give this file repository findings"
    client = start(folder, {"asOf": "2026-11-23"})
    try:
        uri = client.open(target)
        before = client.diagnostics(uri, version=1)
        assert [d for d in located(before) if d[0].startswith("JG9")] == []  # not on every keystroke
        mark = client.mark()
        client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
        after = client.diagnostics(uri, after=mark)
        assert sorted(located(after)) == sorted(wanted)
        others = {Path(f["path"]).name for f in report["findings"] if f["rule_id"].startswith("JG9")} - {target.name}
        for name in sorted(others):  # files not open get theirs too
            got = client.diagnostics((folder / name).resolve().as_uri(), after=mark)
            assert sorted(located(got)) == sorted((f["rule_id"], f["line"], f["column"], f["severity"])
                                                  for f in report["findings"] if Path(f["path"]).name == name
                                                  and f["rule_id"].startswith("JG9"))
    finally:
        assert client.close() == 0


def test_an_engine_failure_is_a_diagnostic_and_the_server_carries_on(tmp_path: Path) -> None:
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "durable_rules_engine.py").write_text(
        "error = RuntimeError\n"
        "def create_ruleset(name, rules): return 1\n"
        "def assert_facts(handle, facts): raise RuntimeError('the engine fell over')\n"
        "def delete_state(handle, sid): pass\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(fake), str(ROOT / "src")]))
    client = start(ROOT, {"asOf": BARKING_AS_OF}, env)
    try:
        path = copy(tmp_path, "joint-post-2003.yaml")
        uri = client.open(path)
        found = client.diagnostics(uri, version=1)
        assert [(d["code"], d["range"]["start"]) for d in found] == [("internal", {"line": 0, "character": 0})]
        assert found[0]["message"] == ("jointgov: internal error: EngineError: the rule engine failed: "
                                       "RuntimeError('the engine fell over')")
        mark = client.mark()
        client.replace(uri, path.read_text(encoding="utf-8") + "\n", 2)
        assert [d["code"] for d in client.diagnostics(uri, after=mark, version=2)] == ["internal"]
        assert client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                     "position": {"line": 80, "character": 6}}) is not None
    finally:
        assert client.close() == 0


def test_an_invalid_configuration_is_a_diagnostic_naming_it(server: Client, tmp_path: Path) -> None:
    (tmp_path / "jointgov.toml").write_text("selcet = ['JG1']\n", encoding="utf-8")
    path = copy(tmp_path, "care-trust-2003.yaml")
    uri = server.open(path)
    found = server.diagnostics(uri, version=1)
    assert [(d["code"], d["message"]) for d in found] == [
        ("config", f"jointgov: invalid config: {tmp_path / 'jointgov.toml'}: unknown key 'selcet': did you mean "
                   "'select'?")]


def test_without_the_lsp_extra_the_command_says_how_to_install_it(tmp_path: Path) -> None:
    (tmp_path / "pygls").mkdir()
    (tmp_path / "pygls" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'pygls'\", name='pygls')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT / "src")]))
    import subprocess

    done = subprocess.run([sys.executable, "-m", "jointgov", "lsp"], capture_output=True, text=True, env=env,
                          timeout=60, stdin=subprocess.DEVNULL, check=False)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("jointgov: the language server needs the lsp extra (pygls is not installed): "
                           "pip install 'jointgov[lsp]'\n")


# ------------------------------------------------------------------ the README's editor set-up, as written

def readme_block(marker: str) -> str:
    """The fenced block after ``<!-- marker -->`` in README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text.split(f"<!-- {marker} -->\n", 1)[1]
    return after.split("\n", 1)[1].split("\n```\n", 1)[0]


def follow_the_readme(folder: Path, jointgov: list[str]) -> None:
    """The README's editor set-up, step by step, in the repository of agreements *folder*, with the jointgov
    command *jointgov*: the schema where the settings say, the settings' server and options, Barking's JG104."""
    import fnmatch
    import subprocess

    install = readme_block("editor-install").splitlines()
    assert install == ["pip install 'jointgov[lsp]'", "jointgov schema > jointgov.schema.json"]
    schema = subprocess.run([*jointgov, "schema"], capture_output=True, text=True, cwd=folder, check=True).stdout
    (folder / "jointgov.schema.json").write_text(schema, encoding="utf-8")
    assert json.loads(schema)["$id"] == "urn:jointgov:schema:agreement:1"
    settings = json.loads(readme_block("vscode-settings"))
    [(schema_file, globs)] = settings["yaml.schemas"].items()
    assert (folder / schema_file).read_text(encoding="utf-8") == schema
    (folder / "protocols").mkdir()
    shutil.copy(PROTOCOLS / "barking-dagenham-2001.yaml", folder / "protocols")
    assert any(fnmatch.fnmatch("protocols/barking-dagenham-2001.yaml", glob) for glob in globs)
    lua = readme_block("neovim-config")
    assert f'["{schema_file}"] = {{ "{globs[0]}" }}' in lua
    assert f"cmd = {{ {', '.join(json.dumps(p) for p in settings['jointgov.command'])} }}" in lua
    options = settings["jointgov.initializationOptions"]
    assert "init_options = { " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in options.items()) + " }" in lua
    command = settings["jointgov.command"]
    assert command[0] == "jointgov"
    client = Client([*jointgov, *command[1:]], cwd=folder)
    try:
        client.initialize(folder, options)
        uri = client.open(folder / "protocols" / "barking-dagenham-2001.yaml")
        assert ("JG104", 118, 5, "error") in located(client.diagnostics(uri, version=1))
    finally:
        assert client.close() == 0


def test_the_readmes_editor_setup_works_as_written(tmp_path: Path) -> None:
    follow_the_readme(tmp_path, [sys.executable, "-m", "jointgov"])


@pytest.mark.slow
def test_the_readmes_editor_setup_works_in_a_fresh_environment(tmp_path: Path) -> None:
    """A new venv, the package installed with its lsp extra (from this source tree, at CI's pins), then the
    README's steps with the venv's own jointgov command."""
    import subprocess
    import venv

    venv.create(tmp_path / "venv", with_pip=True)
    pip = tmp_path / "venv" / "bin" / "pip"
    env = dict(os.environ, CPPFLAGS="-DPyEval_CallObject=PyObject_CallObject")
    subprocess.run([str(pip), "install", "-q", "-c", str(ROOT / "constraints.txt"), f"{ROOT}[lsp]"], check=True,
                   env=env, timeout=900)
    folder = tmp_path / "agreements"
    folder.mkdir()
    follow_the_readme(folder, [str(tmp_path / "venv" / "bin" / "jointgov")])
