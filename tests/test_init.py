"""``jointgov init``: a valid skeleton with every section, whose check says what is left to fill in."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from jointgov.cli import main
from jointgov.commands.init import (
    DEFAULT_TITLE,
    RESERVED_WORDS,
    SKELETON_IDS,
    TOP_LEVEL_KEYS,
    agreement_id,
    modeline,
    render,
)
from jointgov.model import Finding
from jointgov.pipeline.catalogue import Catalogue
from jointgov.pipeline.validate import agreement_schema
from tests.conftest import FORM_RULES

AS_OF = ["--as-of", "2026-11-23"]
RULE_AREAS = ("joint-posts", "disputes", "parties", "money", "staff", "governance", "statutory")


def hint(schema: Path) -> str:
    """What init says when the schema its modeline names is not there yet."""
    return f"for editors, write the schema its first line names: jointgov schema > {schema}\n"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def check_json(path: Path) -> tuple[int, dict[str, Any]]:
    code, out, err = invoke("check", str(path), "--format", "json", *AS_OF)
    assert err == ""
    return code, json.loads(out)


@pytest.fixture()
def written(tmp_path: Path) -> Path:
    path = tmp_path / "agreement.yaml"
    code, out, err = invoke("init", str(path))
    assert (code, err) == (0, ""), err
    schema = tmp_path / "jointgov.schema.json"
    assert out == f"wrote {path}\nfill it in, then run: jointgov check {path}\n" + hint(schema)
    return path


def test_skeleton_is_valid_and_its_findings_cover_every_rule_area(written: Path, catalogue: Catalogue) -> None:
    assert written.is_file()
    code, report = check_json(written)
    assert code == 1
    findings = report["findings"]
    assert findings
    ids = [f["rule_id"] for f in findings]
    assert [i for i in ids if i in FORM_RULES] == [], "the skeleton itself must match the format"
    assert [f["rules_run"] for f in report["files"]] == [True]
    rules = {r.id: r for r in catalogue.rules}
    areas = {rules[i].area for i in ids}
    missing = [a for a in RULE_AREAS if a not in areas]
    assert missing == [], f"no finding in rule area(s) {missing}; rules fired: {sorted(set(ids))}"
    # the Barking and Dagenham failure itself is flagged until the author fills the joint post in
    assert {"JG101", "JG102", "JG103", "JG104", "JG702"} <= set(ids)


def test_default_path_is_agreement_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = invoke("init")
    assert code == 0
    assert out == ("wrote agreement.yaml\nfill it in, then run: jointgov check agreement.yaml\n"
                   + hint(tmp_path.resolve() / "jointgov.schema.json"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agreement.yaml"]  # no temporary file left behind


def test_second_init_without_force_exits_2_and_leaves_the_file_unchanged(written: Path) -> None:
    edited = written.read_bytes().replace(b"TODO: the council's legal name", b"London Borough of Example")
    written.write_bytes(edited)
    code, out, err = invoke("init", str(written), "--title", "Another title")
    assert code == 2
    assert out == ""
    assert err == f"jointgov: {written} already exists: not overwritten (use --force to replace it)\n"
    assert written.read_bytes() == edited
    assert sorted(p.name for p in written.parent.iterdir()) == [written.name]


def test_force_overwrites(written: Path) -> None:
    written.write_text("jointgov: 1\n")
    code, out, _ = invoke("init", str(written), "--force", "--title", "Replaced")
    assert code == 0
    assert out.startswith(f"wrote {written}\n")
    assert written.read_text(encoding="utf-8") == modeline(written) + render("Replaced")
    assert yaml.safe_load(written.read_text(encoding="utf-8"))["agreement"]["title"] == "Replaced"


def test_written_file_parses_and_has_every_top_level_key_of_the_format(written: Path) -> None:
    data = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    assert tuple(data) == TOP_LEVEL_KEYS
    assert set(TOP_LEVEL_KEYS) == set(agreement_schema()["properties"]), "a section of the format is missing"
    assert data["jointgov"] == 1
    assert data["agreement"]["title"] == DEFAULT_TITLE
    assert data["agreement"]["id"] == "new-partnership-agreement"
    assert len(data["parties"]) >= 2
    assert "# Posts held by one person across two or more parties" in written.read_text(encoding="utf-8")


def test_every_section_has_guidance_naming_its_rules() -> None:
    """Each top-level section (after jointgov) is preceded by a comment; most name the rule ids that check them."""
    lines = render().splitlines()
    for key in TOP_LEVEL_KEYS[1:]:
        at = next(n for n, line in enumerate(lines) if line.startswith(f"{key}:"))
        above = []
        for line in reversed(lines[:at]):
            if not line.startswith("#"):
                break
            above.append(line)
        assert above, f"section {key} has no guidance comment"
        if key != "waivers":
            assert "JG" in " ".join(above), f"the guidance for {key} names no rule"


@pytest.mark.parametrize("title", [
    "Older people's services: a section 75 agreement",
    'Quotes " and \\ backslashes, # hashes, yes',
    "yes",
    "2024",
    "1e3",
    "Any",
    "Integrated care – Ynys Môn\nsecond line",
    "unknown",
])
def test_any_title_gives_a_valid_skeleton(title: str, findings: Callable[[str | bytes], list[Finding]]) -> None:
    text = render(title)
    data = yaml.safe_load(text)
    assert data["agreement"]["title"] == title.strip()
    assert [f for f in findings(text) if f.rule_id in FORM_RULES] == []


def test_blank_title_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke("init", str(tmp_path / "a.yaml"), "--title", "  ")
    assert code == 2
    assert "--title" in err
    assert list(tmp_path.iterdir()) == []


def test_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke("init", str(tmp_path))
    assert code == 2
    assert "is a directory" in err


def test_missing_parent_directories_are_created(tmp_path: Path) -> None:
    path = tmp_path / "protocols" / "new" / "a.yml"
    assert invoke("init", str(path))[0] == 0
    assert path.read_text(encoding="utf-8") == "# yaml-language-server: $schema=jointgov.schema.json\n" + render()


@pytest.mark.parametrize(("title", "expected"), [
    ("New partnership agreement", "new-partnership-agreement"),
    ("Gwasanaethau Ynys Môn: Adran 33", "gwasanaethau-ynys-mon-adran-33"),
    ("Council", "council-agreement"),
    ("Any", "any-agreement"),
    ("Partnership board", "partnership-board-agreement"),
    ("£££", "new-agreement"),
    ("x" * 100, "x" * 60),
    ("word " * 30, ("word-" * 12).rstrip("-")),
])
def test_agreement_id(title: str, expected: str) -> None:
    assert agreement_id(title) == expected


def test_agreement_id_never_clashes() -> None:
    for word in SKELETON_IDS | RESERVED_WORDS:
        assert agreement_id(word) not in SKELETON_IDS | RESERVED_WORDS


def test_real_command_line(tmp_path: Path) -> None:
    """The installed entry point, end to end: init, then check (exit 1, located findings, no form errors)."""
    path = tmp_path / "a b.yaml"
    done = subprocess.run([sys.executable, "-m", "jointgov", "init", str(path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == f"fill it in, then run: jointgov check '{path}'"
    checked = subprocess.run([sys.executable, "-m", "jointgov", "check", str(path), *AS_OF], capture_output=True,
                             text=True, timeout=120)
    assert checked.returncode == 1
    assert f"{path}:" in checked.stdout and not any(f" {rule} " in checked.stdout for rule in FORM_RULES)
    assert " JG007 placeholder: " in checked.stdout


def _filled(text: str) -> str:
    """The skeleton with every TODO text written and every empty list of deciding parties filled."""
    text = re.sub(r'"TODO: [^"]*"', '"Written by the authors"', text)
    return re.sub(r"(decided_by|agreed_by): \[\]", r"\1: [council, nhs-body]", text)


@pytest.mark.parametrize("left", ["TODO: the council's legal name", "TODO: what staff were consulted about",
                                  "TODO: how pooled balances, assets and liabilities are divided"])
def test_a_skeleton_filled_in_but_for_one_todo_fails_at_it(tmp_path: Path, left: str) -> None:
    text = render()
    assert f'"{left}"' in text
    filled = _filled(text.replace(f'"{left}"', '"KEEP"')).replace('"KEEP"', f'"{left}"')
    path = tmp_path / "agreement.yaml"
    path.write_text(filled, encoding="utf-8")
    code, report = check_json(path)
    line = next(n for n, row in enumerate(filled.splitlines(), 1) if left in row)
    column = filled.splitlines()[line - 1].index(f'"{left}"') + 1
    assert code == 1
    assert [(f["rule_id"], f["line"], f["column"]) for f in report["findings"] if f["rule_id"] == "JG007"] == [
        ("JG007", line, column)]


def test_an_empty_decided_by_on_a_trigger_fails_at_it(tmp_path: Path) -> None:
    filled = _filled(render())
    reorganisation = filled.index("- event: reorganisation")
    at = filled.index("decided_by: [council, nhs-body]", reorganisation)
    text = filled[:at] + "decided_by: []" + filled[at + len("decided_by: [council, nhs-body]"):]
    path = tmp_path / "agreement.yaml"
    path.write_text(text, encoding="utf-8")
    code, report = check_json(path)
    line = text[:at].count("\n") + 1
    column = at - text.rfind("\n", 0, at)
    assert code == 1
    assert [(f["rule_id"], f["line"], f["column"]) for f in report["findings"] if f["rule_id"] == "JG007"] == [
        ("JG007", line, column)]
    # said once: JG303 does not report the same blank again (it reports the missing time limits)
    assert [f for f in report["findings"] if f["rule_id"] == "JG303" and "decided_by" in f["message"]] == []


def test_the_modeline_names_the_schema_at_the_root_of_the_repository_of_agreements(tmp_path: Path) -> None:
    """Editors find the format without a hand-written modeline: init's first line names jointgov.schema.json where
    the configuration is (else the git root), relative to the new file; once it is written, init says nothing more."""
    (tmp_path / "jointgov.toml").write_text("ignore = []\n")
    path = tmp_path / "agreements" / "2027" / "new.yaml"
    code, out, _ = invoke("init", str(path))
    assert code == 0
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../jointgov.schema.json"
    assert out.endswith(hint(tmp_path.resolve() / "jointgov.schema.json"))
    code, schema, _ = invoke("schema")
    (tmp_path / "jointgov.schema.json").write_text(schema, encoding="utf-8")
    assert (path.parent / first.split("=", 1)[1]).resolve() == (tmp_path / "jointgov.schema.json").resolve()
    code, out, _ = invoke("init", str(tmp_path / "other.yaml"))
    assert (code, out.splitlines()[-1]) == (0, f"fill it in, then run: jointgov check {tmp_path / 'other.yaml'}")
    assert (tmp_path / "other.yaml").read_text(encoding="utf-8").splitlines()[0] == (
        "# yaml-language-server: $schema=jointgov.schema.json")
