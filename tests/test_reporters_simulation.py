"""``check --simulate`` in the reports: the stress-scenario section of Markdown and HTML, the text block, JSON.

``tests/golden/report-simulate.md`` is the Markdown report of ``check protocols/ --simulate`` as of
2026-11-23, run from the repository root (paths are relative to it). It changes whenever the report,
the rules, the scenarios or the bundled agreements do; ``tests.goldens`` makes it (``python -m
tests.goldens`` writes it again: review the diff before committing it); the test only compares.
Without ``--simulate`` every report is as before (the golden files of ``test_reporters_human`` and
``test_reporters_machine`` check that byte for byte).

The browser test reuses the headless Chromium of ``test_reporters_human`` (skipped when it is missing).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from jointgov.commands.check import run
from jointgov.model import VERDICTS
from tests import test_reporters_human as human
from tests.conftest import ROOT
from tests.goldens import expected

AS_OF = "2026-11-23"
GOLDEN = ROOT / "tests" / "golden" / "report-simulate.md"
FORMATS = ("text", "json", "markdown", "html")
AGREEMENTS = {1: "barking-dagenham-2001", 2: "barking-dagenham-remediated-2003", 3: "barking-dagenham-remediated",
              4: "barnsley-2003", 5: "care-trust-2003", 6: "glasgow-joint-board", 7: "joint-post-2003"}
"""The bundled agreements, numbered as in the reports."""
SCENARIOS = ("rating-downgrade", "reorganisation", "scope-change", "key-person-departure", "overspend",
             "party-withdrawal")
HOSTILE = "<script>alert(1)</script>"
browser = human.browser
"""The headless Chromium fixture of ``test_reporters_human``."""


def report(directory: Path, paths: list[str], fmt: str, simulate: bool = True) -> str:
    """The output of ``jointgov check PATHS [--simulate] --format FMT``, run from *directory*."""
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(directory)
        run(paths, fmt=fmt, as_of=AS_OF, out=out, simulate=simulate, fail_on="never")
    return out.getvalue()


@pytest.fixture(scope="module")
def simulated() -> dict[str, str]:
    """Each format's report of ``protocols/`` with ``--simulate``."""
    return {fmt: report(ROOT, ["protocols"], fmt) for fmt in FORMATS}


@pytest.fixture(scope="module")
def plain() -> dict[str, str]:
    """Each format's report of ``protocols/`` without ``--simulate``."""
    return {fmt: report(ROOT, ["protocols"], fmt, simulate=False) for fmt in FORMATS}


@pytest.fixture(scope="module")
def verdicts(simulated: dict[str, str]) -> dict[tuple[str, str], str]:
    """(agreement, scenario) → verdict as reports write it ("not applicable" in words), from the JSON report."""
    files = json.loads(simulated["json"])["simulations"]["files"]
    return {(Path(f["path"]).stem, s["name"]): s["verdict"].replace("not-applicable", "not applicable")
            for f in files for s in f["scenarios"]}


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Barking 2001 with a script tag in its title and its joint post's title, and a file too broken to simulate."""
    directory = tmp_path_factory.mktemp("hostile")
    (directory / ".git").mkdir()
    (directory / "jointgov.toml").write_text("")
    text = (ROOT / "protocols" / "barking-dagenham-2001.yaml").read_text(encoding="utf-8")
    title = "  title: Merged management of health and social care in Barking and Dagenham  # invented title\n"
    post = "    title: Chief Executive of the PCT and Director of Social Services\n"
    assert title in text and post in text
    text = (text.replace(title, f'  title: "{HOSTILE} | *Barking*"\n')
            .replace(post, f'    title: "Chief <b>{HOSTILE}"\n'))
    (directory / "hostile.yaml").write_text(text, encoding="utf-8")
    (directory / "broken.yaml").write_text("jointgov: 1\nagreement: [\n", encoding="utf-8")
    return directory


# Markdown

def test_markdown_matches_golden_file(simulated: dict[str, str]) -> None:
    assert simulated["markdown"] == expected("report-simulate.md"), (
        f"{GOLDEN} differs from the Markdown report: if the change is intended, write it again with "
        "python -m tests.goldens and review the diff")


def test_markdown_section_follows_the_summary_and_adds_only_itself(simulated: dict[str, str],
                                                                   plain: dict[str, str]) -> None:
    """With --simulate the report gains the stress section, and the scenarios' findings (JG951-JG954) with the
    counts and verdicts they move; nothing else changes."""
    text = simulated["markdown"]
    assert text.index("## Summary") < text.index("## Stress scenarios") < text.index("\n## 1. ")
    before, section = text.split("\n## Stress scenarios\n")
    section, after = section.split("\n## 1. ", 1)
    import difflib

    changed = [line for line in difflib.unified_diff(plain["markdown"].splitlines(),
                                                     (before + "\n## 1. " + after).splitlines(), lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    moved = ("Checked ", "| ", "Verdict: **")  # the headline, the summary table's rows, the verdicts
    assert [line for line in changed if line.startswith("-")] == [
        line for line in changed if line.startswith("-") and line[1:].startswith(moved)]
    added = [line[1:] for line in changed if line.startswith("+") and not line[1:].startswith(moved)]
    assert added and all(line == "" or line.startswith(("### Stress scenarios", "**JG95", "Why it matters: ",
                                                        "What to do: ", "Evidence:", "- Community Care"))
                         or "Stress scenario" in line for line in added)
    assert {m for m in re.findall(r"\*\*(JG\d+) ", "\n".join(added))} == {"JG951", "JG952", "JG954"}
    assert ("as of 2026-11-23: 5 unilateral, 4 deadlock, 5 undefined, 21 resolved jointly, 7 not applicable."
            in section)
    headings = re.findall(r"^### (\d+)\. ", section, re.M)
    assert headings == [str(n) for n in AGREEMENTS]


def markdown_rows(text: str, number: int) -> dict[str, list[str]]:
    """Scenario name → the cells of its row in agreement *number*'s stress table."""
    section = text.split("\n## Stress scenarios\n")[1].split("\n## 1. ")[0]
    part = section.split(f"\n### {number}. ")[1].split("\n### ")[0]
    rows = {}
    for line in part.splitlines():
        if line.startswith("| ") and not line.startswith(("| Scenario ", "| ---")):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows[re.findall(r"\(([a-z-]+)\)$", cells[0])[0]] = cells
    return rows


def test_markdown_tables_give_each_verdict_days_and_cause(simulated: dict[str, str],
                                                          verdicts: dict[tuple[str, str], str]) -> None:
    text = simulated["markdown"]
    for number, stem in AGREEMENTS.items():
        rows = markdown_rows(text, number)
        assert list(rows) == list(SCENARIOS)
        assert {name: cells[1] for name, cells in rows.items()} == {n: verdicts[stem, n] for n in SCENARIOS}
    barking = markdown_rows(text, 1)["rating-downgrade"]
    assert barking[1:] == [
        "unilateral", "no joint decision",
        # said once, at both clauses; the council by its name; no field path for a board
        "`protocols/barking-dagenham-2001.yaml:118:5, 133:15` No removal clause: London Borough of Barking and "
        "Dagenham, the employer of record, can withdraw the holder alone"]
    remediated = markdown_rows(text, 3)["rating-downgrade"]
    assert remediated[1:3] == ["resolved-jointly", "at most 126 days"]
    assert remediated[3].endswith("binds every party (6 steps)")
    assert markdown_rows(text, 4)["rating-downgrade"][1:] == ["not applicable", "not applicable",
                                                              "The agreement has no joint post"]
    assert markdown_rows(text, 5)["reorganisation"][1] == "unilateral"
    assert markdown_rows(text, 6)["rating-downgrade"][1] == "deadlock"


def test_markdown_traces_only_verdicts_short_of_a_joint_decision(simulated: dict[str, str]) -> None:
    section = simulated["markdown"].split("\n## Stress scenarios\n")[1].split("\n## 1. ")[0]
    traced = re.findall(r"^\*\*[^*]+\*\* \(([a-z-]+)\): ([a-z-]+)\. Event: ", section, re.M)
    assert len(traced) == 6 + 3 + 5 and "resolved-jointly" not in {v for _, v in traced}
    trace = section.split("(rating-downgrade): unilateral. Event: ")[1].split("\n\n**")[0]
    assert trace.endswith(
        "\n\n1. no external-rating trigger: nothing obliges the parties to respond to the rating together (51:1).\n"
        "2. no removal clause: London Borough of Barking and Dagenham, the employer of record, can withdraw the holder "
        "alone (118:5). Acts: London Borough of Barking and Dagenham. Consent: London Borough of Barking and Dagenham "
        "alone. Outcome: unilateral.")
    assert ("(164:9). Acts: Joint board. Consent: every party must agree. No time limit. Outcome: deadlock.\n\n"
            "Other runs: post 'Joint general manager, learning disabilities', party Greater Glasgow Primary Care NHS "
            "Trust: deadlock; ") in section


# HTML

def html_rows(page: str, number: int) -> dict[str, tuple[str, str, str]]:
    """Scenario name → (verdict class, verdict, days) in agreement *number*'s stress table."""
    part = page.split(f'<div class="stress-file" id="stress-{number}">')[1].split('<div class="stress-file"')[0]
    table = part.split("<tbody>")[1].split("</tbody>")[0]
    found = re.findall(r'<span class="scenario-name">([a-z-]+)</span></td>\n<td><span class="verdict sim '
                       r'sim-([a-z-]+)">([a-z -]+)</span></td>\n<td class="days">([^<]+)</td>', table)
    return {name: (status, verdict, days) for name, status, verdict, days in found}


def test_html_shows_each_agreements_verdicts_in_words_and_colour(simulated: dict[str, str],
                                                                 verdicts: dict[tuple[str, str], str]) -> None:
    page = simulated["html"]
    assert page.index('<section class="summary"') < page.index('<section class="stress"') < page.index(
        '<section class="agreement ')
    for number, stem in AGREEMENTS.items():
        rows = html_rows(page, number)
        assert list(rows) == list(SCENARIOS)
        assert {n: verdict for n, (_, verdict, _) in rows.items()} == {n: verdicts[stem, n] for n in SCENARIOS}
        assert all(status == verdict.replace(" ", "-") for status, verdict, _ in rows.values())
    assert html_rows(page, 6)["rating-downgrade"] == ("deadlock", "deadlock", "no joint decision")
    assert html_rows(page, 1)["rating-downgrade"] == ("unilateral", "unilateral", "no joint decision")
    assert html_rows(page, 3)["rating-downgrade"] == ("resolved-jointly", "resolved-jointly", "at most 126 days")
    css = page.split("<style>")[1].split("</style>")[0]
    for verdict, colour in (("resolved-jointly", "--pass"), ("undefined", "--warning"), ("unbounded", "--warning"),
                            ("deadlock", "--error"), ("unilateral", "--error")):
        rule = next(r for r in css.split("}") if f".sim-{verdict}.sim" in r.split("{")[0])
        assert f"color: var({colour})" in rule
    assert ('<p class="cause"><code>protocols/barking-dagenham-2001.yaml:118:5, 133:15</code> No removal clause: '
            "London Borough of Barking and Dagenham, the employer of record, can withdraw the holder alone</p>") in page
    assert "joint_posts[0]" not in page, "no field path for a board"


def test_html_with_simulations_is_self_contained_and_prints_rows_whole(simulated: dict[str, str]) -> None:
    page = simulated["html"]
    assert "<script" not in page.lower() and "http:" not in page and "https:" not in page
    assert "url(" not in page and "@import" not in page and "<link" not in page and "<img" not in page
    assert all(target.startswith("#") for target in human.URL_ATTRIBUTE.findall(page))
    assert ".stress-table tr { break-inside: avoid; page-break-inside: avoid; }" in page
    assert "{%" not in page and "{#" not in page


def test_html_escapes_hostile_titles_in_the_stress_section(hostile_dir: Path) -> None:
    page = report(hostile_dir, ["."], "html")
    section = page.split('<section class="stress"')[1].split('<section class="agreement ')[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; | *Barking*" in section
    assert "Chief &lt;b&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert "<script" not in page and "<b>" not in page
    assert '<span class="verdict sim sim-not-simulated">not simulated</span> Not a valid agreement' in section
    markdown = report(hostile_dir, ["."], "markdown")
    stress = markdown.split("\n## Stress scenarios\n")[1].split("\n## 1. ")[0]
    assert r"\<script\>alert(1)\</script\> \| \*Barking\*" in stress
    assert not re.search(r"(?<!\\)[<>]", stress)
    assert "Could not be simulated: Not a valid agreement, so it cannot be simulated: broken.yaml:" in stress


# Text and JSON

def test_text_adds_one_line_per_agreement_and_scenario(simulated: dict[str, str], plain: dict[str, str]) -> None:
    text = simulated["text"]
    findings, _, stress = text.partition("\n\n")
    plain_findings = plain["text"].rstrip("\n").splitlines()
    # the scenarios' findings join the rules' (in file order), and the count moves with them
    assert [line for line in findings.splitlines()[:-1] if " JG95" not in line] == plain_findings[:-1]
    assert [line.split(": ")[2].split()[0] for line in findings.splitlines() if " JG95" in line] == [
        "JG954", "JG951", "JG954", "JG951", "JG954", "JG952"]
    assert findings.splitlines()[-1] == "57 errors, 47 warnings in 7 files"
    block = stress.splitlines()
    assert len(block) == len(AGREEMENTS) * len(SCENARIOS) + 1
    assert ("protocols/barking-dagenham-2001.yaml: rating-downgrade: unilateral (no joint decision) at 118:5 "
            "joint_posts[0].removal (and 1 more)") == block[0]
    assert "protocols/barking-dagenham-remediated.yaml: rating-downgrade: resolved-jointly (at most 126 days)" in block
    assert "protocols/barnsley-2003.yaml: overspend: resolved-jointly (at most 98 days)" in block
    assert "protocols/glasgow-joint-board.yaml: overspend: not applicable (the agreement has no pooled budget)" in block
    assert block[-1] == ("42 stress scenario results in 7 files, as of 2026-11-23: 5 unilateral, 4 deadlock, "
                         "5 undefined, 21 resolved jointly, 7 not applicable")


def test_json_simulations_are_well_formed(simulated: dict[str, str]) -> None:
    doc: dict[str, Any] = json.loads(simulated["json"])
    sims = doc["simulations"]
    assert set(sims) == {"summary", "files"}
    assert set(sims["summary"]) == {*VERDICTS, "not-applicable", "not-simulated"}
    assert sum(sims["summary"].values()) == len(AGREEMENTS) * len(SCENARIOS)
    assert [f["path"] for f in sims["files"]] == [f["path"] for f in doc["files"]]
    for file in sims["files"]:
        assert set(file) == {"path", "title", "sha256", "error", "scenarios"}
        assert file["error"] is None and re.fullmatch(r"[0-9a-f]{64}", file["sha256"])
        assert [s["name"] for s in file["scenarios"]] == list(SCENARIOS)
        for scenario in file["scenarios"]:
            assert set(scenario) == {"name", "title", "event", "verdict", "days", "days_text", "note", "runs"}
            assert scenario["verdict"] in (*VERDICTS, "not-applicable")
            assert (scenario["verdict"] == "not-applicable") == (scenario["note"] is not None) == (not scenario["runs"])
            for each in scenario["runs"]:
                assert set(each) == {"subject", "label", "event", "verdict", "days", "steps", "causes"}
                assert each["verdict"] in VERDICTS and isinstance(each["days"], int)
                assert [s["number"] for s in each["steps"]] == list(range(1, len(each["steps"]) + 1))
                for step in each["steps"]:
                    assert step["line"] >= 1 and step["column"] >= 1
                for cause in each["causes"]:
                    assert set(cause) == {"verdict", "pointer", "line", "column", "field", "message"}
                    assert cause["verdict"] == each["verdict"] and cause["line"] >= 1


def test_without_simulate_no_report_mentions_stress_scenarios(plain: dict[str, str]) -> None:
    for fmt, text in plain.items():
        assert "stress scenario" not in text.lower(), fmt
        assert "simulat" not in text.lower(), fmt
    assert "simulations" not in json.loads(plain["json"])
    assert plain["markdown"] == expected("report.md")


# In a real browser

def test_html_stress_section_in_chromium(simulated: dict[str, str], browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(simulated["html"], encoding="utf-8")
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    section = page.locator("#stress")
    assert section.is_visible()
    assert section.locator("h2").inner_text() == "Stress scenarios"
    assert section.locator("#stress-6 .sim-deadlock").first.is_visible()
    colour = section.locator("#stress-1 .verdict.sim-unilateral").first.evaluate("e => getComputedStyle(e).color")
    assert colour == "rgb(155, 28, 28)"  # --error
    page.pdf(format="A4")
    assert requests == [path.as_uri()]
    page.close()
