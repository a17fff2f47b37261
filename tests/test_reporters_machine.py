"""The machine-readable reporters: SARIF, JUnit XML and GitHub Actions annotations.

Every report is built through the real pipeline (``jointgov.commands.check.run``), over
``protocols/`` (run from the repository root, so paths are relative to it) and
over small agreements written to a temporary directory (run from there: it is
then the report's root).

Golden files: ``tests/golden/{sarif.json,junit.xml,github.txt}`` hold the full
output of each reporter for ``protocols/`` at as-of 2026-11-23, compared
exactly, except that the repository's absolute ``file://`` URI in SARIF is
written as ``file:///REPOSITORY_ROOT/`` (it differs from clone to clone). They
change whenever the rules, their texts or the protocols do; ``tests.goldens`` makes
them (``python -m tests.goldens`` writes them again: review the diff); the tests only compare.

The JUnit tests validate with lxml (a test dependency).
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from jointgov import __version__
from jointgov.commands.check import run
from jointgov.model import Finding
from jointgov.pipeline.catalogue import load_catalogue
from jointgov.reporters import github, json_
from jointgov.reporters.github import escape_data, escape_property
from jointgov.reporters.report import Report
from jointgov.reporters.sources import cite
from tests.conftest import BASE, ROOT, official_schema
from tests.goldens import ROOT_PLACEHOLDER, expected

AS_OF = "2026-11-23"
GOLDEN_FILES = {"sarif": "sarif.json", "junit": "junit.xml", "github": "github.txt", "jsonl": "report.jsonl"}
BARKING = "protocols/barking-dagenham-2001.yaml"
GLASGOW = "protocols/glasgow-joint-board.yaml"
WAIVER_REASON = "The clauses are being redrafted: legal teams, both parties, 100% review."
WAIVED_AGREEMENT = BASE + f"""\
governance_bodies:
  - id: board
    name: Joint board
    kind: joint-board
    members:
      - party: council
      - party: pct
    quorum: {{min: 2, per_party: 1}}
waivers:
  - rule: JG607
    reason: "{WAIVER_REASON}"
    approved_by: board
    approved_on: 2025-01-15
    expires_on: 2027-06-30
"""
WAIVER_LINE = WAIVED_AGREEMENT.splitlines().index("waivers:") + 2


def render(fmt: str, path: str = "protocols", cwd: Path = ROOT) -> str:
    """The output of ``jointgov check PATH --format FMT`` run in *cwd* (``--fail-on never``; JUnit, whose test
    cases follow it, with the default ``warning``)."""
    out = io.StringIO()
    with contextlib.chdir(cwd):
        run([path], out=out, fmt=fmt, as_of=AS_OF, fail_on="warning" if fmt == "junit" else "never")
    return out.getvalue()


_CACHE: dict[tuple[str, str, str], str] = {}


def cached(fmt: str, path: str = "protocols", cwd: Path = ROOT) -> str:
    key = (fmt, path, str(cwd))
    if key not in _CACHE:
        _CACHE[key] = render(fmt, path, cwd)
    return _CACHE[key]


@pytest.fixture(scope="module")
def waived_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("waived")
    (directory / "agreement.yaml").write_text(WAIVED_AGREEMENT, encoding="utf-8")
    return directory


def json_findings(path: str = "protocols", cwd: Path = ROOT) -> dict[str, Any]:
    return json.loads(cached("json", path, cwd))  # type: ignore[no-any-return]


# SARIF

@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads(official_schema("sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def test_sarif_validates_against_the_schema(sarif_validator: jsonschema.Draft4Validator, waived_dir: Path) -> None:
    for text in (cached("sarif"), cached("sarif", "agreement.yaml", waived_dir)):
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator.iter_errors(json.loads(text))]
        assert errors == []


def test_sarif_lists_every_active_rule_with_its_help() -> None:
    driver = json.loads(cached("sarif"))["runs"][0]["tool"]["driver"]
    catalogue = {r.id: r for r in load_catalogue().rules}
    # the scenario rules (JG951-JG954) are in the run only with --simulate
    assert [r["id"] for r in driver["rules"]] == sorted(i for i, r in catalogue.items() if r.level != "scenario")
    assert (driver["name"], "informationUri" in driver) == ("jointgov", False)
    for rule in driver["rules"]:
        source = catalogue[rule["id"]]
        assert rule["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning",
                                                         "info": "note"}[source.severity]
        assert rule["shortDescription"]["text"] == source.title.strip()
        for part in ("text", "markdown"):
            assert source.remediation.strip() in rule["help"][part]
            for item in source.evidence:
                assert cite(item) in rule["help"][part]  # in full, from the source list
                assert item["source"] not in rule["help"][part]  # never by its id
                assert item.get("quote", "") in rule["help"][part]


def test_every_finding_is_a_result_at_its_place() -> None:
    log = json.loads(cached("sarif"))["runs"][0]
    findings = json_findings()["findings"]
    assert len(findings) > 50
    rules = log["tool"]["driver"]["rules"]
    got = []
    for result in log["results"]:
        physical = result["locations"][0]["physicalLocation"]
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        got.append((result["ruleId"], physical["artifactLocation"]["uri"], physical["region"]["startLine"],
                    physical["region"]["startColumn"], result["message"]["text"], result["level"],
                    result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
                    result["partialFingerprints"]["jointgov/v1"]))
    want = [(f["rule_id"], f["path"], f["line"], f["column"], f["message"],
             "note" if f["severity"] == "info" else f["severity"], f["pointer"], f["fingerprint"]) for f in findings]
    assert got == want
    assert [a["location"]["uri"] for a in log["artifacts"]] == [f["path"] for f in json_findings()["files"]]
    assert [a["hashes"]["sha-256"] for a in log["artifacts"]] == [f["sha256"] for f in json_findings()["files"]]
    assert log["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT.resolve().as_uri() + "/"
    assert log["properties"]["as_of"] == AS_OF and log["properties"]["catalogue_digest"]
    assert log["invocations"] == [{"executionSuccessful": True, "properties": log["properties"]}]


def test_fingerprints_do_not_change_when_lines_move(tmp_path: Path) -> None:
    moved = 3
    shutil.copy(ROOT / BARKING, tmp_path / "agreement.yaml")

    def located() -> list[tuple[str, int]]:
        results = json.loads(render("sarif", "agreement.yaml", tmp_path))["runs"][0]["results"]
        return [(r["partialFingerprints"]["jointgov/v1"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
                for r in results]

    before = located()
    text = (tmp_path / "agreement.yaml").read_text(encoding="utf-8")
    (tmp_path / "agreement.yaml").write_text("\n" * moved + text, encoding="utf-8")
    after = located()
    assert len(before) == sum(f["path"] == BARKING for f in json_findings()["findings"])
    assert Counter(fp for fp, _ in after) == Counter(fp for fp, _ in before)
    assert sorted((fp, line - moved) for fp, line in after) == sorted(before)


def test_a_waived_finding_is_a_suppressed_result(waived_dir: Path) -> None:
    results = json.loads(cached("sarif", "agreement.yaml", waived_dir))["runs"][0]["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert [r["ruleId"] for r in suppressed] == ["JG607"]
    assert "JG607" not in [r["ruleId"] for r in results if "suppressions" not in r]
    suppression = suppressed[0]["suppressions"][0]
    assert {k: suppression[k] for k in ("kind", "status", "justification")} == {
        "kind": "inSource", "status": "accepted", "justification": WAIVER_REASON}
    waiver_at = suppression["location"]["physicalLocation"]
    assert (waiver_at["artifactLocation"]["uri"], waiver_at["region"]["startLine"]) == ("agreement.yaml", WAIVER_LINE)
    assert suppression["location"]["logicalLocations"] == [{"fullyQualifiedName": "/waivers/0"}]
    assert suppression["properties"]["approved_by"] == "board"
    assert suppression["properties"]["expires_on"] == "2027-06-30"
    waived = json_findings("agreement.yaml", waived_dir)["waived"]
    assert suppressed[0]["partialFingerprints"]["jointgov/v1"] == waived[0]["fingerprint"]


# JUnit

@pytest.fixture(scope="module")
def junit_schema() -> Any:
    from lxml import etree  # type: ignore[import-untyped]  # a test dependency

    return etree.XMLSchema(etree.parse(str(official_schema("junit.xsd"))))


@pytest.mark.parametrize("case", ["protocols", "waived", "broken"])
def test_junit_validates_against_the_schema(junit_schema: Any, waived_dir: Path, tmp_path: Path, case: str) -> None:
    from lxml import etree

    (tmp_path / "broken.yaml").write_text(BASE + "stray: 1\n", encoding="utf-8")
    text = {"protocols": lambda: cached("junit"), "waived": lambda: cached("junit", "agreement.yaml", waived_dir),
            "broken": lambda: render("junit", "broken.yaml", tmp_path)}[case]()
    assert junit_schema.validate(etree.fromstring(text.encode("utf-8"))), str(junit_schema.error_log)


def parse_junit(text: str) -> ET.Element:
    """The JUnit report parsed (its validity against the official schema is the test above)."""
    return ET.fromstring(text)


def suite_of(root: ET.Element, name: str) -> ET.Element:
    suites = [s for s in root.iter("testsuite") if s.get("name") == name]
    assert len(suites) == 1
    return suites[0]


def outcomes(suite: ET.Element) -> dict[str, ET.Element | None]:
    """Testcase name → its failure or skipped element (None when it passed)."""
    return {case.get("name", ""): next(iter(case), None) for case in suite.iter("testcase")}


def test_junit_fails_the_rules_barking_breaks_and_skips_out_of_scope_rules() -> None:
    root = parse_junit(cached("junit"))
    assert [s.get("name") for s in root] == [f["path"] for f in json_findings()["files"]]
    barking = suite_of(root, BARKING)
    cases = outcomes(barking)
    assert len(cases) == len([r for r in load_catalogue().rules if r.level != "scenario"])  # JG95x: --simulate
    findings = [f for f in json_findings()["findings"] if f["path"] == BARKING]
    failing = {f"{f['rule_id']} {f['rule_name']}" for f in findings}
    assert {n for n, e in cases.items() if e is not None and e.tag == "failure"} == failing
    assert {"JG101 protocol-before-appointment", "JG201 dispute-route", "JG402 contributions-balance"} <= failing
    route = cases["JG201 dispute-route"]
    assert route is not None and route.get("type") == "error"
    assert route.text == "".join(f"{f['line']}:{f['column']} {f['message']}\n"
                                 for f in findings if f["rule_id"] == "JG201")
    counts = Counter("passed" if e is None else e.tag for e in cases.values())
    assert [barking.get(k) for k in ("tests", "failures", "errors", "skipped")] == [
        str(len(cases)), str(counts["failure"]), "0", str(counts["skipped"])]
    assert {p.get("name"): p.get("value") for p in barking.iter("property")}["as_of"] == AS_OF
    glasgow = outcomes(suite_of(root, GLASGOW))
    for rule in ("JG701 signed-in-writing", "JG702 statutory-content"):
        skipped = glasgow[rule]
        assert skipped is not None and skipped.tag == "skipped" and "scope" in skipped.get("message", "")
    assert glasgow["JG001 yaml-syntax"] is None


def test_junit_shows_waived_findings_in_system_out(waived_dir: Path) -> None:
    root = parse_junit(cached("junit", "agreement.yaml", waived_dir))
    suite = suite_of(root, "agreement.yaml")
    assert outcomes(suite)["JG607 standard-clauses"] is None
    waived = json_findings("agreement.yaml", waived_dir)["waived"][0]
    system_out = suite.findtext("system-out") or ""
    assert f"JG607 standard-clauses {waived['line']}:{waived['column']} {waived['message']}" in system_out
    assert WAIVER_REASON in system_out and "approved by board" in system_out


def test_junit_runs_only_the_form_rules_on_a_broken_file(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text(BASE + "stray: 1\n", encoding="utf-8")
    cases = outcomes(suite_of(parse_junit(render("junit", "broken.yaml", tmp_path)), "broken.yaml"))
    schema, jg002, jg101, jg801 = (cases[k] for k in ("JG003 schema", "JG002 duplicate-key",
                                                     "JG101 protocol-before-appointment", "JG801 waiver-expired"))
    assert schema is not None and schema.tag == "failure" and "stray" in (schema.text or "")
    assert jg002 is None
    for skipped in (jg101, jg801):
        assert skipped is not None and skipped.tag == "skipped" and "form must be fixed" in skipped.get("message", "")


# GitHub annotations

def test_github_escapes_messages_and_properties(tmp_path: Path) -> None:
    text = (ROOT / BARKING).read_text(encoding="utf-8")
    title = "    title: Chief Executive of the PCT and Director of Social Services\n"
    assert title in text
    (tmp_path / "a,b:c.yaml").write_text(text.replace(title, '    title: "Chief: 100% PCT,\\nsocial"\n'),
                                         encoding="utf-8")
    out = io.StringIO()
    with contextlib.chdir(tmp_path):  # one rule: its finding is among the ten errors GitHub shows
        run(["a,b:c.yaml"], out=out, fmt="github", as_of=AS_OF, fail_on="never", select=["JG101"])
    assert ("::error file=a%2Cb%3Ac.yaml,line=118,col=5,title=JG101 protocol-before-appointment::"
            "joint post 'Chief: 100%25 PCT,%0Asocial' names no protocol governing the post (the holder was appointed "
            "on 2001-04-01)") \
        in out.getvalue().splitlines()
    assert escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
    assert escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"


def test_github_annotates_findings_and_notes_waivers(waived_dir: Path, tmp_path: Path) -> None:
    lines = cached("github", "agreement.yaml", waived_dir).splitlines()
    doc = json_findings("agreement.yaml", waived_dir)
    findings, waived = doc["findings"], doc["waived"]
    assert len(lines) == len(findings) + len(waived) + 1  # all fit: no group of every finding
    worst_first = sorted(findings, key=lambda f: ["error", "warning", "info"].index(f["severity"]))
    for line, f in zip(lines, worst_first, strict=False):
        command = {"info": "notice"}.get(f["severity"], f["severity"])
        assert line.startswith(f"::{command} file=agreement.yaml,line={f['line']},col={f['column']},"
                               f"title={f['rule_id']} {f['rule_name']}::")
    [note] = [line for line in lines if "JG607" in line]
    assert note.startswith(f"::notice file=agreement.yaml,line={waived[0]['line']},col={waived[0]['column']},"
                           "title=waived JG607 standard-clauses::")
    assert "[waived: approved by " in note
    assert lines[-1].startswith("::notice::jointgov: 4 errors, 4 warnings in 1 file; 1 waived (jointgov ")
    report = Report(as_of=AS_OF, root=str(tmp_path), catalogue_digest="abcdef0123456789", findings=[
        Finding(str(tmp_path / "x.yaml"), 2, 3, "JG999", "fine", "note-rule", "info")])
    out = io.StringIO()
    github.write(report, out)
    assert out.getvalue().splitlines() == [
        "::notice file=x.yaml,line=2,col=3,title=JG999 note-rule::fine",
        f"::notice::jointgov: 1 info in 0 files; 0 waived (jointgov {__version__}, rule catalogue abcdef012345, "
        f"as of {AS_OF})"]


# JSON

def test_json_is_written_part_by_part_as_json_dump_lays_it_out(waived_dir: Path) -> None:
    """The JSON report is written a finding at a time (no second copy of them all), in json.dump's layout."""
    empty = io.StringIO()
    json_.write(Report(as_of=AS_OF), empty)
    for text in (cached("json"), cached("json", "agreement.yaml", waived_dir), empty.getvalue()):
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    assert json.loads(empty.getvalue())["findings"] == []


# JSON lines

JSONL_FINDING = {"type", "rule_id", "rule_name", "severity", "path", "line", "column", "message", "pointer",
                 "fingerprint"}


def test_jsonl_is_one_object_a_line_ending_with_the_summary(waived_dir: Path) -> None:
    lines = [json.loads(line) for line in cached("jsonl", "agreement.yaml", waived_dir).splitlines()]
    assert [(o["type"], o["rule_id"], o["line"], o["column"]) for o in lines[:-1]] == [
        ("finding", "JG201", 1, 1), ("finding", "JG204", 1, 1), ("finding", "JG301", 1, 1),
        ("finding", "JG303", 1, 1), ("finding", "JG604", 1, 1), ("finding", "JG605", 1, 1),
        ("finding", "JG606", 1, 1), ("finding", "JG603", 13, 1), ("waived", "JG607", 1, 1)]
    assert all(set(o) == JSONL_FINDING for o in lines[:-2])
    assert set(lines[-2]) == JSONL_FINDING | {"waiver"}
    assert lines[-2]["waiver"] == {"path": "agreement.yaml", "line": WAIVER_LINE, "rule": "JG607", "target": "",
                                   "reason": WAIVER_REASON, "approved_by": "board", "approved_on": "2025-01-15",
                                   "expires_on": "2027-06-30"}
    summary = lines[-1]
    assert summary == {"type": "summary", "jointgov": __version__, "as_of": AS_OF,
                       "catalogue_digest": summary["catalogue_digest"],
                       "summary": {"error": 4, "warning": 4, "info": 0},
                       "files": 1, "waived": 1, "skipped": 0, "baseline": {"hidden": 0, "stale": 0}}
    # the same findings, fingerprints and waiver as the JSON format's
    document = json.loads(cached("json", "agreement.yaml", waived_dir))
    assert [{k: v for k, v in o.items() if k != "type"} for o in lines[:-2]] == document["findings"]
    assert {k: v for k, v in lines[-2].items() if k != "type"} == document["waived"][0]
    assert summary["catalogue_digest"] == document["provenance"]["catalogue_digest"]


def test_jsonl_of_the_protocols_matches_the_json_report() -> None:
    lines = [json.loads(line) for line in cached("jsonl").splitlines()]
    document = json_findings()
    assert sorted((o["path"], o["line"], o["column"], o["rule_id"], o["message"]) for o in lines
                  if o["type"] == "finding") == [(f["path"], f["line"], f["column"], f["rule_id"], f["message"])
                                                 for f in document["findings"]]
    assert lines[-1]["type"] == "summary" and lines[-1]["summary"] == document["summary"]
    assert lines[-1]["files"] == len(document["files"])


# Golden files

@pytest.mark.parametrize("fmt", sorted(GOLDEN_FILES))
def test_golden_output(fmt: str) -> None:
    text = cached(fmt).replace(ROOT.resolve().as_uri() + "/", ROOT_PLACEHOLDER)
    assert text == expected(GOLDEN_FILES[fmt]), (
        f"tests/golden/{GOLDEN_FILES[fmt]} differs from the {fmt} output: if the change is intended, write it "
        "again with python -m tests.goldens and review the diff")
