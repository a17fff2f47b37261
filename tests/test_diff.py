"""``jointgov diff``: the governance diff between two versions of an agreement.

The Barking and Dagenham example is the remediated agreement against a copy with the 2003
unilateral removal reintroduced (the council alone decides, without joint review or the dispute
route). Its Markdown report is the golden file ``tests/golden/diff.md``, made by ``tests.goldens``
(``python -m tests.goldens`` writes it again; the test only compares).

Every row of the direction table (``jointgov.diff.directions``) is exercised by a small edit of ``FULL``
(a BASE-style agreement with every clause the table judges), in both directions.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from jointgov.cli import main
from jointgov.diff.compare import Change, diff_documents
from jointgov.diff.directions import ROWS, TABLE
from jointgov.pipeline.load import parse_text
from jointgov.pipeline.validate import check_form
from jointgov.reporters.diff import render_markdown
from tests.conftest import BASE, PROTOCOLS, ROOT
from tests.goldens import REMEDIATED, barking_pair, expected, unilateral

AS_OF = ("--as-of", "2026-11-23")
JG104 = ("JG104 no-unilateral-removal: joint post 'Director of Social Services and Place Director, Barking and "
         "Dagenham': the holder can be removed without NHS North East London Integrated Care Board (nel-icb), which is "
         "not among the parties that decide removal, and removal needs neither a joint review nor the dispute "
         "route first")
DECIDED_BY = ("weakens: ce-dss: removal decided_by [lbbd, nel-icb] → [lbbd]: one party (London Borough of Barking and "
              "Dagenham) can now withdraw the "
              "post holder alone")
REQUIRES = ("weakens: ce-dss: removal requires [joint-review, dispute-route, notice] → [notice]: fewer preconditions "
            "before the post holder is withdrawn: joint-review, dispute-route no longer required")


def invoke(*args: str) -> tuple[int, str, str]:
    """``jointgov diff ARGS``: exit status, stdout, stderr."""
    result = CliRunner().invoke(main, ["diff", *args])
    assert "Traceback" not in result.stderr and result.exit_code != 3, result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def barking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The remediated agreement and its 2003 copy, as paths relative to the working directory (tmp_path)."""
    monkeypatch.chdir(tmp_path)
    return barking_pair(tmp_path)


# (1) the Barking and Dagenham example

def test_unilateral_removal_weakens_and_introduces_jg104(barking: tuple[str, str]) -> None:
    old, new = barking
    code, out, err = invoke(old, new, *AS_OF, "--fail-on-weakening")
    assert code == 1
    # the refusal says what it is, and the record that would let an agreed weakening through
    assert err.splitlines()[:5] == [
        "jointgov diff: refused: 2 changes weaken an agreement and no variation recorded in it says the parties "
        "agreed them (the lines marked weakens above).",
        "If the parties did agree, record each decision in the agreement, in the same commit as the change:",
        "", "variations:", f"  - clause: joint_posts.ce-dss.removal.decided_by  # {new}:159:7"]
    assert "  - clause: joint_posts.ce-dss.removal.requires  # " in err
    assert out.splitlines() == [
        f"{new}:159:7: {DECIDED_BY}",
        f"{new}:161:7: {REQUIRES}",
        f"{new}:159:7: introduced: error {JG104}",
        "1 agreement compared: 2 weakenings, 0 strengthenings, 0 other changes; 1 finding introduced, 0 resolved",
    ]
    assert invoke(old, new, *AS_OF)[0] == 0  # without --fail-on-weakening


def test_unilateral_removal_as_json(barking: tuple[str, str]) -> None:
    old, new = barking
    code, out, _ = invoke(old, new, *AS_OF, "--format", "json", "--fail-on-weakening")
    report = json.loads(out)
    assert code == 1
    assert list(report) == ["jointgov", "as_of", "files", "changes", "findings_introduced", "findings_resolved",
                            "errors", "summary"]
    assert report["files"] == [{"path": new, "old": old, "status": "changed"}]
    assert report["changes"][0] == {
        "path": new, "line": 159, "column": 7, "pointer": "/joint_posts/0/removal/decided_by", "item": "ce-dss",
        "field": "removal decided_by", "old": ["lbbd", "nel-icb"], "new": ["lbbd"], "effect": "weakens",
        "explanation": "one party (London Borough of Barking and Dagenham) can now withdraw the post holder alone",
        "clause": "joint_posts.ce-dss.removal.decided_by", "agreed": None}
    assert [(c["effect"], c["field"], c["line"], c["column"], c["old"], c["new"]) for c in report["changes"]][1] == (
        "weakens", "removal requires", 161, 7, ["joint-review", "dispute-route", "notice"], ["notice"])
    assert [(f["rule_id"], f["path"], f["line"], f["column"], f["pointer"], f["waived"])
            for f in report["findings_introduced"]] == [
        ("JG104", new, 159, 7, "/joint_posts/0/removal/decided_by", False)]
    assert report["findings_resolved"] == [] and report["errors"] == []
    assert report["summary"] == {"files": 1, "weakens": 2, "strengthens": 0, "changes": 0, "agreed": 0,
                                 "findings_introduced": 1, "findings_resolved": 0, "errors": 0, "skipped": 0}


def test_the_reverse_edit_strengthens_and_resolves_at_the_old_location(barking: tuple[str, str]) -> None:
    old, new = barking
    code, out, _ = invoke(new, old, *AS_OF, "--fail-on-weakening")
    assert code == 0
    assert out.splitlines() == [
        # the ICB's party and its board have one name: the id says which
        f"{old}:159:7: strengthens: ce-dss: removal decided_by [lbbd] → [lbbd, nel-icb]: NHS North East London "
        "Integrated Care Board (nel-icb) must now also agree "
        "to withdraw the post holder",
        f"{old}:162:7: strengthens: ce-dss: removal requires [notice] → [joint-review, dispute-route, notice]: more "
        "preconditions before the post holder is withdrawn: joint-review, dispute-route now required",
        f"{new}:159:7: resolved: error {JG104}",
        "1 agreement compared: 0 weakenings, 2 strengthenings, 0 other changes; 0 findings introduced, 1 resolved",
    ]


def test_output_file_is_written_and_stdout_is_empty(barking: tuple[str, str], tmp_path: Path) -> None:
    old, new = barking
    code, out, _ = invoke(old, new, *AS_OF, "--format", "json", "--output", "reports/diff.json")
    assert (code, out) == (0, "")
    assert json.loads((tmp_path / "reports" / "diff.json").read_text(encoding="utf-8"))["summary"]["weakens"] == 2


# (6) the Markdown report: a golden file

def test_markdown_golden(barking: tuple[str, str]) -> None:
    code, out, _ = invoke(*barking, *AS_OF, "--format", "markdown")
    assert code == 0
    assert out == expected("diff.md"), "if the change is intended: python -m tests.goldens, and review the diff"


def test_markdown_escapes_table_cells() -> None:
    change = Change("a|b.yaml", 3, 5, "/x", "post`1", "role", "Director | lead", "<b>", "changes", "a *bold* | claim")
    row = render_markdown([], "2026-11-23").splitlines()
    assert row[2] == "No changed agreement to compare (as of 2026-11-23)."
    from jointgov.diff.compare import FileDiff

    text = render_markdown([FileDiff("a|b.yaml", "old.yaml", "changed", [change])], "2026-11-23")
    assert ("| [~] changes | `a\\|b.yaml:3:5` | `` post`1 `` | `role` `Director \\| lead` → `<b>` | "
            "a \\*bold\\* \\| claim |") in text.splitlines()


# (2) reordered lists, (3) renamed ids

def _reorder(value: Any, top: bool = False) -> Any:
    """Every list reversed and every mapping's keys in reverse order, except the top level (``jointgov:`` is the
    first key) and route steps (their order is their meaning)."""
    if isinstance(value, dict):
        items = list(value.items()) if top else list(reversed(value.items()))
        return {k: (v if k == "steps" else _reorder(v)) for k, v in items}
    if isinstance(value, list):
        return [_reorder(v) for v in reversed(value)]
    return value


@pytest.mark.parametrize("name", ["barking-dagenham-remediated.yaml", "barking-dagenham-2001.yaml"])
def test_reordered_lists_are_no_change(name: str, tmp_path: Path) -> None:
    """Parties, posts, routes, triggers, members, decided_by ... reversed: no change and no finding moves
    (the 2001 agreement has 34 findings, many inside list items)."""
    data = parse_text((PROTOCOLS / name).read_text(encoding="utf-8")).data
    shuffled = tmp_path / name
    shuffled.write_text(yaml.safe_dump(_reorder(data, top=True), sort_keys=False, allow_unicode=True), encoding="utf-8")
    code, out, _ = invoke(str(PROTOCOLS / name), str(shuffled), *AS_OF, "--fail-on-weakening")
    assert (code, out) == (0, "1 agreement compared: 0 weakenings, 0 strengthenings, 0 other changes; "
                              "0 findings introduced, 0 resolved\n")


def test_reordered_routes_and_posts(tmp_path: Path) -> None:
    data = parse_text(FULL).data
    data["dispute_routes"].reverse()
    data["protocols"].reverse()
    data["governance_bodies"].reverse()
    assert diff_documents(parse_text(FULL).data, parse_text(yaml.safe_dump(data, sort_keys=False)), "n.yaml")[0] == []


@pytest.mark.parametrize(("old_id", "new_id", "line", "column"), [
    ("partnership-route", "joint-route", 200, 9),
    ("jp-protocol", "post-protocol", 174, 9),
    ("lbbd", "council", 69, 9),  # a party: referred to in roles, decided_by, agreed_by, members, triggers ...
])
def test_renamed_id_is_one_change(old_id: str, new_id: str, line: int, column: int, tmp_path: Path) -> None:
    renamed = tmp_path / "renamed.yaml"  # the id and every reference to it; prose that names it is left alone
    pattern = rf"(?<=: ){old_id}(?=\s|$)|(?<=- ){old_id}(?=\s|$)"
    renamed.write_text(re.sub(pattern, new_id, REMEDIATED.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")
    code, out, _ = invoke(str(REMEDIATED), str(renamed), *AS_OF, "--format", "json", "--fail-on-weakening")
    report = json.loads(out)
    assert code == 0
    assert [(c["effect"], c["item"], c["field"], c["old"], c["new"], c["line"], c["column"])
            for c in report["changes"]] == [("changes", new_id, "id", old_id, new_id, line, column)]
    assert report["changes"][0]["explanation"].startswith("renamed: the same content under a new id")
    assert report["findings_introduced"] == report["findings_resolved"] == []


def test_a_renamed_and_changed_item_is_a_removal_and_an_addition() -> None:
    new = FULL.replace("- id: forum\n    name: Provider forum\n    kind: other",
                       "- id: providers\n    name: Provider forum\n    kind: joint-committee")
    assert [(c.effect, c.item, c.field) for c in changes(FULL, new)] == [
        ("weakens", "forum", ""), ("strengthens", "providers", "")]


# (4) the direction table, row by row

FULL = BASE + """\
    reaffirmed_on: 2020-05-01
  - id: ha
    name: Example Health Authority
    kind: health-authority
    superseded_by: pct
    superseded_on: 2020-04-01
  - id: vol
    name: Example Voluntary Group
    kind: voluntary-sector
successors:
  binding: true
  reaffirm_within_days: 90
approvals:
  - by: Secretary of State
    kind: statutory-consent
    date: 2020-01-10
consultations:
  - with: staff
    date: 2020-01-05
    about: The joint post
joint_posts:
  - id: director
    title: Joint director
    holder: A. Person
    roles:
      - party: council
        role: Director of adult services
        time_share: 50
      - party: pct
        role: Director of community health
        time_share: 50
    employer: council
    instrument: s113
    protocol: jp
    removal:
      decided_by: [council, pct]
      requires: [joint-review, notice]
      notice_days: 90
    concerns_route: route
    appraisal: joint
    continuity: The deputy acts.
protocols:
  - id: jp
    title: Joint post protocol
    kind: joint-post
    agreed_on: 2020-01-01
    agreed_by: [council, pct]
  - id: comms
    title: Crisis communication
    kind: communication
    agreed_on: 2020-01-01
    agreed_by: [council, pct]
dispute_routes:
  - id: route
    covers: [joint-post, pooled-budget]
    agreed_on: 2020-01-01
    agreed_by: [council, pct]
    steps:
      - body: board
        within_days: 28
        outcome: agreement
      - body: arbitrator
        within_days: 42
        outcome: binding
    arbitration:
      appointed_by: The parties jointly
      rules: Arbitration Act 1996
    escalates_to: fallback
  - id: fallback
    covers: [any]
    agreed_on: 2020-01-01
    agreed_by: [council, pct]
    steps:
      - body: court
        within_days: 90
        outcome: binding
secondments:
  - id: nurses
    staff: Community nurses
    headcount: 10
    employer: pct
    host: council
    terms: retain
    day_to_day_manager: council
    professional_line: pct
    consulted_on: 2020-01-05
    on_return: They return to their posts.
pooled_budgets:
  - id: pool
    host: pct
    manager: Pool manager
    total: 100
    contributions:
      - party: council
        amount: 40
      - party: pct
        amount: 60
    variation: By written agreement.
    risk_share:
      overspend: proportional
      underspend: proportional
    reporting: quarterly
governance_bodies:
  - id: board
    name: Joint board
    kind: joint-board
    members:
      - party: council
        role: Councillor
        count: 2
      - party: pct
        role: Non-executive director
        count: 2
    quorum:
      min: 3
      per_party: 1
    decides_by: consensus
  - id: forum
    name: Provider forum
    kind: other
lead_providers:
  - service: Reablement
    provider: council
    commissioned_by: board
outcomes:
  - indicator: Delayed discharges
    baseline: 100
    target: 80
    by: 2027-03-31
    agreed_by: [council, pct]
review:
  every_months: 12
  evaluation:
    by: An independent evaluator
    due_on: 2027-03-31
triggers:
  - event: external-rating
    response: The board reviews the rating.
    decided_by: [council, pct]
    within_days: 28
    route: route
  - event: reorganisation
    response: The successor adopts the agreement.
    decided_by: [council, pct]
    within_days: 90
    route: route
exit:
  notice_days: 365
  requires: [joint-review, dispute-route]
  staff_plan: Staff return to their employers.
  assets_liabilities: Shared in proportion.
communication:
  owner: board
  crisis_protocol: comms
  joint_statements: true
clauses:
  information_sharing: Schedule 4
  audit: Clause 18
waivers:
  - rule: JG607
    reason: The clauses are being redrafted.
    approved_by: board
    approved_on: 2025-01-15
    expires_on: 2027-06-30
"""


def section(name: str) -> str:
    """The text of FULL's top-level section *name*, up to the next top-level key."""
    match = re.search(rf"^{name}:\n(?:[ -].*\n)*", FULL, re.MULTILINE)
    assert match is not None
    return match.group(0)


def changes(old: str, new: str) -> list[Change]:
    """The changes from *old* to *new*, both valid agreements (as a file named new.yaml)."""
    loaded = parse_text(new)
    assert not loaded.problems and check_form(loaded)[1], check_form(loaded)[0]
    return diff_documents(parse_text(old).data, loaded, "new.yaml")[0]


# (row of the table or None, text in FULL, its replacement, effect, item, field, line and column in the new text)
CASES: list[tuple[str | None, str, str, str, str, str, int, int]] = [
    ("parties/*", "  - id: vol\n    name: Example Voluntary Group\n    kind: voluntary-sector\n", "",
     "weakens", "vol", "", 6, 1),
    ("parties/*/reaffirmed_on", "    reaffirmed_on: 2020-05-01\n", "", "weakens", "pct", "reaffirmed_on", 10, 5),
    ("successors", section("successors"), "", "weakens", "successors", "", 1, 1),
    ("successors/binding", "binding: true", "binding: false", "weakens", "successors", "binding", 23, 12),
    ("successors/reaffirm_within_days", "within_days: 90\napprovals", "within_days: 180\napprovals", "weakens",
     "successors", "reaffirm_within_days", 24, 25),
    ("approvals/*", "    date: 2020-01-10\n", "    date: 2020-01-10\n  - by: Council cabinet\n",
     "strengthens", 'approval "Council cabinet"', "", 29, 5),
    ("approvals/*/date", "    date: 2020-01-10\n", "", "weakens", 'approval "Secretary of State"', "date", 26, 5),
    ("consultations/*", "    about: The joint post\n", "    about: The joint post\n  - with: trade-unions\n"
     "    about: Terms\n", "strengthens", "consultation trade-unions Terms", "", 33, 5),
    ("consultations/*/date", "  - with: staff\n    date: 2020-01-05\n", "  - with: staff\n", "weakens",
     'consultation staff "The joint post"', "date", 30, 5),
    ("joint_posts/*", section("joint_posts"), "", "weakens", "director", "", 1, 1),
    ("joint_posts/*/protocol", "    protocol: jp\n", "", "weakens", "director", "protocol", 34, 5),
    ("joint_posts/*/removal", "    removal:\n      decided_by: [council, pct]\n      requires: [joint-review, notice]\n"
     "      notice_days: 90\n", "", "weakens", "director", "removal", 34, 5),
    ("joint_posts/*/removal/decided_by", "decided_by: [council, pct]\n      requires",
     "decided_by: [council]\n      requires", "weakens", "director", "removal decided_by", 48, 7),
    ("joint_posts/*/removal/requires", "requires: [joint-review, notice]", "requires: [notice]", "weakens",
     "director", "removal requires", 49, 7),
    ("joint_posts/*/removal/notice_days", "notice_days: 90", "notice_days: 30", "weakens", "director",
     "removal notice_days", 50, 20),
    ("joint_posts/*/concerns_route", "    concerns_route: route\n", "", "weakens", "director", "concerns_route", 34, 5),
    ("joint_posts/*/appraisal", "appraisal: joint", "appraisal: employer-only", "weakens", "director", "appraisal",
     52, 16),
    ("joint_posts/*/continuity", "    continuity: The deputy acts.\n", "", "weakens", "director", "continuity", 34, 5),
    ("protocols/*", "    agreed_by: [council, pct]\ndispute_routes:", "    agreed_by: [council, pct]\n  - id: sharing\n"
     "    title: Information sharing\n    kind: information-sharing\ndispute_routes:", "strengthens", "sharing", "",
     65, 5),
    ("protocols/*/agreed_on", "    kind: communication\n    agreed_on: 2020-01-01\n", "    kind: communication\n",
     "weakens", "comms", "agreed_on", 60, 5),
    ("protocols/*/agreed_by", "    kind: communication\n    agreed_on: 2020-01-01\n    agreed_by: [council, pct]",
     "    kind: communication\n    agreed_on: 2020-01-01\n    agreed_by: [council]", "weakens", "comms",
     "agreed_by", 64, 5),
    ("dispute_routes/*", "        outcome: binding\nsecondments:", "        outcome: binding\n  - id: staff-route\n"
     "    covers: [secondment]\nsecondments:", "strengthens", "staff-route", "", 89, 5),
    ("dispute_routes/*/covers", "covers: [joint-post, pooled-budget]", "covers: [joint-post]", "weakens", "route",
     "covers", 67, 5),
    ("dispute_routes/*/covers", "covers: [joint-post, pooled-budget]", "covers: [any]", "strengthens", "route",
     "covers", 67, 5),
    ("dispute_routes/*/covers", "covers: [any]", "covers: [any, exit]", "changes", "fallback", "covers", 82, 5),
    ("dispute_routes/*/agreed_on", "covers: [joint-post, pooled-budget]\n    agreed_on: 2020-01-01\n",
     "covers: [joint-post, pooled-budget]\n", "weakens", "route", "agreed_on", 66, 5),
    ("dispute_routes/*/agreed_by", "pooled-budget]\n    agreed_on: 2020-01-01\n    agreed_by: [council, pct]",
     "pooled-budget]\n    agreed_on: 2020-01-01\n    agreed_by: [council]", "weakens", "route", "agreed_by", 69, 5),
    ("dispute_routes/*/steps/*", "      - body: arbitrator\n        within_days: 42\n        outcome: binding\n", "",
     "weakens", "route", "step 2", 70, 5),
    ("dispute_routes/*/steps/*/within_days", "within_days: 42", "within_days: 60", "weakens", "route",
     "step 2 within_days", 75, 22),
    ("dispute_routes/*/steps/*/outcome", "within_days: 42\n        outcome: binding",
     "within_days: 42\n        outcome: advisory", "weakens", "route", "step 2 outcome", 76, 18),
    ("dispute_routes/*/arbitration", "    arbitration:\n      appointed_by: The parties jointly\n"
     "      rules: Arbitration Act 1996\n", "", "weakens", "route", "arbitration", 66, 5),
    ("dispute_routes/*/arbitration/*", "      rules: Arbitration Act 1996\n", "", "weakens", "route",
     "arbitration rules", 77, 5),
    ("dispute_routes/*/escalates_to", "    escalates_to: fallback\n", "", "weakens", "route", "escalates_to", 66, 5),
    ("secondments/*/day_to_day_manager", "    day_to_day_manager: council\n", "", "weakens", "nurses",
     "day_to_day_manager", 90, 5),
    ("secondments/*/professional_line", "    professional_line: pct\n", "", "weakens", "nurses", "professional_line",
     90, 5),
    ("secondments/*/consulted_on", "    consulted_on: 2020-01-05\n", "", "weakens", "nurses", "consulted_on", 90, 5),
    ("secondments/*/on_return", "    on_return: They return to their posts.\n", "", "weakens", "nurses", "on_return",
     90, 5),
    ("pooled_budgets/*/host", "    host: pct\n", "", "weakens", "pool", "host", 101, 5),
    ("pooled_budgets/*/manager", "    manager: Pool manager\n", "", "weakens", "pool", "manager", 101, 5),
    ("pooled_budgets/*/variation", "    variation: By written agreement.\n", "", "weakens", "pool", "variation",
     101, 5),
    ("pooled_budgets/*/risk_share", "    risk_share:\n      overspend: proportional\n      underspend: proportional\n",
     "", "weakens", "pool", "risk_share", 101, 5),
    ("pooled_budgets/*/risk_share/*", "      overspend: proportional\n", "", "weakens", "pool", "risk_share overspend",
     111, 5),
    ("pooled_budgets/*/reporting", "reporting: quarterly", "reporting: annually", "weakens", "pool", "reporting",
     114, 16),
    ("governance_bodies/*", "  - id: forum\n    name: Provider forum\n    kind: other\n", "", "weakens", "forum", "",
     115, 1),
    ("governance_bodies/*/members/*", "      - party: pct\n        role: Non-executive director\n        count: 2\n",
     "", "weakens", "board", 'member pct "Non-executive director"', 119, 5),
    ("governance_bodies/*/quorum", "    quorum:\n      min: 3\n      per_party: 1\n", "", "weakens", "board", "quorum",
     116, 5),
    ("governance_bodies/*/quorum/min", "min: 3", "min: 2", "weakens", "board", "quorum min", 127, 12),
    ("governance_bodies/*/quorum/per_party", "per_party: 1", "per_party: 0", "weakens", "board", "quorum per_party",
     128, 18),
    ("governance_bodies/*/decides_by", "decides_by: consensus", "decides_by: majority", "weakens", "board",
     "decides_by", 129, 17),
    ("outcomes/*", section("outcomes"), "", "weakens", 'outcome "Delayed discharges"', "", 1, 1),
    ("outcomes/*/agreed_by", "    by: 2027-03-31\n    agreed_by: [council, pct]",
     "    by: 2027-03-31\n    agreed_by: [council]", "weakens", 'outcome "Delayed discharges"', "agreed_by", 142, 5),
    ("lead_providers/*/commissioned_by", "    commissioned_by: board\n", "", "weakens", "lead provider Reablement",
     "commissioned_by", 134, 5),
    ("review", section("review"), "", "weakens", "review", "", 1, 1),
    ("review/every_months", "every_months: 12", "every_months: 24", "weakens", "review", "every_months", 144, 17),
    ("review/evaluation", "  evaluation:\n    by: An independent evaluator\n    due_on: 2027-03-31\n", "", "weakens",
     "review", "evaluation", 143, 1),
    ("triggers/*", "  - event: reorganisation\n    response: The successor adopts the agreement.\n"
     "    decided_by: [council, pct]\n    within_days: 90\n    route: route\n", "", "weakens",
     "trigger reorganisation", "", 148, 1),
    ("triggers/*/decided_by", "rating.\n    decided_by: [council, pct]", "rating.\n    decided_by: [pct]", "weakens",
     "trigger external-rating", "decided_by", 151, 5),
    ("triggers/*/within_days", "within_days: 28\n    route", "within_days: 56\n    route", "weakens",
     "trigger external-rating", "within_days", 152, 18),
    ("triggers/*/route", "    within_days: 90\n    route: route\n", "    within_days: 90\n", "weakens",
     "trigger reorganisation", "route", 154, 5),
    ("exit", section("exit"), "", "weakens", "exit", "", 1, 1),
    ("exit/notice_days", "notice_days: 365", "notice_days: 90", "weakens", "exit", "notice_days", 160, 16),
    ("exit/requires", "requires: [joint-review, dispute-route]", "requires: [joint-review]", "weakens", "exit",
     "requires", 161, 3),
    ("exit/*", "  staff_plan: Staff return to their employers.\n", "", "weakens", "exit", "staff_plan", 159, 1),
    ("communication", section("communication"), "", "weakens", "communication", "", 1, 1),
    ("communication/crisis_protocol", "  crisis_protocol: comms\n", "", "weakens", "communication",
     "crisis_protocol", 164, 1),
    ("communication/joint_statements", "joint_statements: true", "joint_statements: false", "weakens",
     "communication", "joint_statements", 167, 21),
    ("clauses", section("clauses"), "", "weakens", "clauses", "", 1, 1),
    ("clauses/*", "  audit: Clause 18\n", "", "weakens", "clauses", "audit", 168, 1),
    ("waivers/*", section("waivers"), "", "strengthens", "waiver JG607", "", 1, 1),
    ("waivers/*/expires_on", "expires_on: 2027-06-30", "expires_on: 2028-06-30", "weakens", "waiver JG607",
     "expires_on", 176, 17),
    # no row: reported as a change whatever its direction; a row's clause present in both versions but different
    (None, "employer: council", "employer: pct", "changes", "director", "employer", 44, 15),
    (None, "time_share: 50\n      - party: pct", "time_share: 60\n      - party: pct", "changes", "director",
     "role council time_share", 40, 21),
    ("joint_posts/*/concerns_route", "concerns_route: route", "concerns_route: fallback", "changes", "director",
     "concerns_route", 51, 21),
]
OPPOSITE = {"weakens": "strengthens", "strengthens": "weakens", "changes": "changes"}


def _row_of(change: Change) -> str | None:
    row = TABLE.row(tuple("*" if p.isdigit() else p for p in change.pointer.split("/")[1:]))
    return row.path if row else None


@pytest.mark.parametrize(("row", "before", "after", "effect", "item", "field", "line", "column"), CASES,
                         ids=[f"{c[0]}:{c[3]}" for c in CASES])
def test_table_row(row: str | None, before: str, after: str, effect: str, item: str, field: str, line: int,
                   column: int) -> None:
    """One edit of FULL: exactly one change, judged by *row*; the reverse edit is judged the other way."""
    assert FULL.count(before) == 1, before
    edited = FULL.replace(before, after)
    forward, backward = changes(FULL, edited), changes(edited, FULL)
    assert [(c.effect, c.item, c.field, c.line, c.column) for c in forward] == [(effect, item, field, line, column)]
    assert [(c.effect, c.item, c.field) for c in backward] == [(OPPOSITE[effect], item, field)]
    assert "{" not in forward[0].explanation and "{" not in backward[0].explanation
    present = max(forward + backward, key=lambda c: c.pointer.count("/"))  # the side where the clause exists
    assert _row_of(present) == row


def test_every_row_of_the_table_is_tested() -> None:
    judged = {r.path for r in ROWS if r.compare != "ignore"}
    assert judged == {c[0] for c in CASES if c[0]}
    # variations are judged apart from the table (jointgov.diff.variations: tests/test_variations.py)
    assert {r.path for r in ROWS if r.compare == "ignore"} == {p for p, _, _ in COSMETIC} | {"variations"}


def test_one_party_left_reads_alone() -> None:
    edited = FULL.replace("rating.\n    decided_by: [council, pct]", "rating.\n    decided_by: [pct]")
    assert changes(FULL, edited)[0].explanation == "one party (Example PCT) can now decide the response alone"
    two = FULL.replace("rating.\n    decided_by: [council, pct]", "rating.\n    decided_by: [council, pct, vol]")
    assert changes(two, FULL)[0].explanation == "fewer parties decide the response: Example Voluntary Group no longer"


COSMETIC = [  # (ignore row, text, replacement): never reported
    ("agreement/title", "title: Example partnership", "title: The example partnership"),
    ("parties/*/name", "name: Example Council", "name: Example Borough Council"),
    ("joint_posts/*/title", "title: Joint director", "title: Joint director of care"),
    ("joint_posts/*/holder", "holder: A. Person", "holder: B. Person"),
    ("protocols/*/title", "title: Joint post protocol", "title: Protocol for the joint post"),
    ("governance_bodies/*/name", "name: Joint board", "name: Health and care board"),
]


@pytest.mark.parametrize(("row", "before", "after"), [
    *COSMETIC,
    ("comment", "  reaffirm_within_days: 90\n", "  reaffirm_within_days: 90  # agreed 2020\n# reviewed\n"),
    ("x- key", "  audit: Clause 18\n", "  audit: Clause 18\nx-owner: legal team\n"),
    ("quoted date", "date: 2020-01-10", "date: '2020-01-10'"),
])
def test_cosmetic_edits_are_not_reported(row: str, before: str, after: str) -> None:
    assert FULL.count(before) == 1
    assert changes(FULL, FULL.replace(before, after)) == []


def test_a_waiver_added_weakens_and_moves_no_finding(tmp_path: Path) -> None:
    """The finding a waiver covers is neither resolved nor introduced: it is still there, waived."""
    body = BASE + ("governance_bodies:\n  - id: board\n    name: Joint board\n    kind: joint-board\n    members:\n"
                   "      - party: council\n      - party: pct\n    quorum: {min: 2, per_party: 1}\n")
    waiver = ("waivers:\n  - rule: JG607\n    reason: The clauses are being redrafted.\n    approved_by: board\n"
              "    approved_on: 2025-01-15\n    expires_on: 2027-06-30\n")
    (tmp_path / "old.yaml").write_text(body, encoding="utf-8")
    (tmp_path / "new.yaml").write_text(body + waiver, encoding="utf-8")
    code, out, _ = invoke(str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), *AS_OF, "--fail-on-weakening")
    assert code == 1
    assert out.splitlines() == [
        f"{tmp_path / 'new.yaml'}:22:5: weakens: waiver JG607: added: a waiver is added: findings of this rule no "
        "longer count",
        "1 agreement compared: 1 weakening, 0 strengthenings, 0 other changes; 0 findings introduced, 0 resolved"]


# (7) versions that are not valid agreements

def test_invalid_yaml_in_the_new_version(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("jointgov: 1\nagreement: [\n", encoding="utf-8")
    code, out, err = invoke(str(REMEDIATED), str(broken), *AS_OF, "--fail-on-weakening")
    assert (code, err) == (1, "jointgov diff: refused: 1 changed agreement cannot be read: fix it first (above)\n")
    assert out.splitlines() == [
        f"{broken}:3:1: JG001 yaml-syntax: YAML syntax error: while parsing a flow node, did not find expected node "
        "content (found at line 3, column 1) (cannot compare until the agreement is fixed)",
        "1 agreement compared: 0 weakenings, 0 strengthenings, 0 other changes; 0 findings introduced, 0 resolved; "
        "1 could not be compared"]
    assert invoke(str(REMEDIATED), str(broken), *AS_OF)[0] == 0
    code, out, err = invoke(str(REMEDIATED), str(broken), *AS_OF, "--format", "json")
    assert json.loads(out)["errors"][0]["rule_id"] == "JG001" and f"{broken}:3:1: JG001" in err


def test_a_yaml_file_that_is_no_agreement(tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(BASE + "stray: 1\n", encoding="utf-8")
    code, out, _ = invoke(str(REMEDIATED), str(other), *AS_OF, "--fail-on-weakening")
    assert code == 1 and out.startswith(f"{other}:13:1: JG003 schema: the document: unknown key 'stray'")


def test_invalid_yaml_in_the_old_version_compares_as_new(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_bytes(b"jointgov: 1\n\xff\n")
    code, out, _ = invoke(str(broken), str(REMEDIATED), *AS_OF, "--fail-on-weakening")
    assert code == 0
    assert out.splitlines()[0] == (
        f"{REMEDIATED}:39:1: changes: barking-dagenham-remediated: added: a new agreement, every clause in it new "
        f"({broken}:2:1: JG001 yaml-syntax: the file is not UTF-8 text (byte 0xff): save it as UTF-8: not a valid "
        "agreement)")


@pytest.mark.parametrize("args", [
    ("no/such/old.yaml", str(REMEDIATED)),
    (str(REMEDIATED),),
    (str(REMEDIATED), str(REMEDIATED), str(REMEDIATED)),
    (str(PROTOCOLS), str(REMEDIATED)),
    (str(REMEDIATED), str(REMEDIATED), "--as-of", "23/11/2026"),
    (str(REMEDIATED), str(REMEDIATED), "--format", "sarif"),
])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    code, _, err = invoke(*args)
    assert code == 2 and err.startswith(("jointgov: ", "Usage:")), err


def test_identical_files() -> None:
    code, out, _ = invoke(str(REMEDIATED), str(REMEDIATED), "--fail-on-weakening")
    assert (code, out) == (0, "1 agreement compared: 0 weakenings, 0 strengthenings, 0 other changes; "
                              "0 findings introduced, 0 resolved\n")


# (5) --git

@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository (the working directory) with two agreements and a dot-file committed."""
    for name in [n for n in os.environ if n.startswith("GIT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root = tmp_path / "agreements"
    (root / "protocols").mkdir(parents=True)
    monkeypatch.chdir(root)
    git("init", "-q", "-b", "main")
    shutil.copyfile(REMEDIATED, root / "protocols" / "bd.yaml")
    shutil.copyfile(PROTOCOLS / "glasgow-joint-board.yaml", root / "protocols" / "glasgow.yaml")
    (root / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-q", "--no-verify", "-m", "agreements")
    return root


def git(*args: str) -> str:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout


NEW_BARNSLEY = ("protocols/barnsley.yaml:29:1: changes: barnsley-2003: added: a new agreement, every clause in it new "
                "(there is no HEAD:protocols/barnsley.yaml)")


def test_git_changed_new_and_removed_agreements(repo: Path) -> None:
    (repo / "protocols" / "bd.yaml").write_text(unilateral(), encoding="utf-8")
    shutil.copyfile(PROTOCOLS / "barnsley-2003.yaml", repo / "protocols" / "barnsley.yaml")  # untracked
    (repo / "protocols" / "glasgow.yaml").unlink()
    (repo / ".pre-commit-config.yaml").write_text("repos: [{}]\n", encoding="utf-8")  # a dot-file: left out
    (repo / "notes.txt").write_text("not YAML\n", encoding="utf-8")
    code, out, _ = invoke("--git", "HEAD", *AS_OF, "--fail-on-weakening")
    assert code == 1
    assert out.splitlines() == [
        NEW_BARNSLEY,
        f"protocols/bd.yaml:159:7: {DECIDED_BY}",
        f"protocols/bd.yaml:161:7: {REQUIRES}",
        "protocols/glasgow.yaml: weakens: glasgow-joint-board: removed: the agreement is removed: none of its clauses "
        "binds the parties any more",
        # the Barnsley example is an agreement of 2003: added today, it has expired and its reviews are overdue
        "protocols/barnsley.yaml:45:15: introduced: error JG307 agreement-expired: the agreement is marked in-force "
        "but expired on 2006-03-31 (checked as of 2026-11-23)",
        "protocols/barnsley.yaml:91:16: introduced: warning JG609 review-overdue: protocol 'Joint communication and "
        "crisis protocol' was due for review on 2004-03-31, before 2026-11-23: hold the review and set the date of "
        "the next one",
        "protocols/barnsley.yaml:304:13: introduced: warning JG609 review-overdue: the planned evaluation was due "
        "on 2004-03-31, before 2026-11-23: record it and set the date the next one is due",
        f"protocols/bd.yaml:159:7: introduced: error {JG104}",
        "3 agreements compared: 3 weakenings, 0 strengthenings, 1 other change; 4 findings introduced, 0 resolved",
    ]


def test_git_new_agreement_introduces_its_findings(repo: Path) -> None:
    shutil.copyfile(PROTOCOLS / "barking-dagenham-2001.yaml", repo / "protocols" / "bd-2001.yaml")
    git("add", "protocols/bd-2001.yaml")  # staged, as pre-commit sees it
    code, out, _ = invoke("--git", "HEAD", "protocols", *AS_OF, "--format", "json", "--fail-on-weakening")
    report = json.loads(out)
    assert code == 0
    assert report["files"] == [{"path": "protocols/bd-2001.yaml", "old": "HEAD:protocols/bd-2001.yaml",
                                "status": "new"}]
    assert [(c["effect"], c["item"], c["line"], c["column"]) for c in report["changes"]] == [
        ("changes", "barking-dagenham-2001", 51, 1)]
    checked = CliRunner().invoke(main, ["check", "protocols/bd-2001.yaml", *AS_OF, "--format", "json"])
    assert [(f["rule_id"], f["line"], f["column"]) for f in report["findings_introduced"]] == [
        (f["rule_id"], f["line"], f["column"]) for f in json.loads(checked.stdout)["findings"]]
    assert len(report["findings_introduced"]) == 36 and report["findings_resolved"] == []


def test_git_paths_limit_the_comparison(repo: Path) -> None:
    (repo / "protocols" / "bd.yaml").write_text(unilateral(), encoding="utf-8")
    shutil.copyfile(PROTOCOLS / "barnsley-2003.yaml", repo / "protocols" / "barnsley.yaml")
    assert invoke("--git", "HEAD", "protocols/barnsley.yaml", *AS_OF)[1].splitlines()[0] == NEW_BARNSLEY
    assert invoke("--git", "HEAD", "protocols/glasgow.yaml", *AS_OF, "--fail-on-weakening")[:2] == (
        0, "no changed agreement to compare\n")
    os.chdir(repo / "protocols")  # paths are shown relative to the working directory
    assert invoke("--git", "HEAD", "bd.yaml", *AS_OF)[1].splitlines()[0] == f"bd.yaml:159:7: {DECIDED_BY}"


def test_git_leaves_out_what_the_configuration_excludes(repo: Path) -> None:
    (repo / "jointgov.toml").write_text('exclude = ["drafts/*"]\n', encoding="utf-8")
    (repo / "drafts").mkdir()
    (repo / "drafts" / "idea.yaml").write_text("not: [an agreement\n", encoding="utf-8")
    (repo / "protocols" / "bd.yaml").write_text(unilateral(), encoding="utf-8")
    code, out, _ = invoke("--git", "HEAD", *AS_OF, "--format", "json", "--fail-on-weakening")
    assert code == 1 and [f["path"] for f in json.loads(out)["files"]] == ["protocols/bd.yaml"]


def test_git_renamed_file_is_compared_with_its_old_name(repo: Path) -> None:
    git("mv", "protocols/bd.yaml", "protocols/barking.yaml")
    (repo / "protocols" / "barking.yaml").write_text(unilateral(), encoding="utf-8")
    code, out, _ = invoke("--git", "HEAD", *AS_OF, "--format", "json", "--fail-on-weakening")
    report = json.loads(out)
    assert code == 1
    assert report["files"] == [{"path": "protocols/barking.yaml", "old": "HEAD:protocols/bd.yaml",
                                "status": "changed"}]
    assert report["summary"]["weakens"] == 2


def test_git_before_the_first_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("GIT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.chdir(tmp_path)
    git("init", "-q")
    shutil.copyfile(PROTOCOLS / "barnsley-2003.yaml", tmp_path / "barnsley.yaml")
    git("add", "barnsley.yaml")
    code, out, _ = invoke("--git", "HEAD", *AS_OF, "--fail-on-weakening")
    assert code == 0 and out.startswith("barnsley.yaml:29:1: changes: barnsley-2003: added: a new agreement")


@pytest.mark.parametrize(("args", "message"), [
    (("--git", "no-such-branch"), "jointgov: --git: unknown revision 'no-such-branch'\n"),
    (("--git", "--help-me"), "jointgov: --git: unknown revision '--help-me'\n"),
    (("--git", "HEAD", "protocols/nothing.yaml"), "jointgov: protocols/nothing.yaml: no such file or directory "
                                                   "(nor at HEAD)\n"),
])
def test_git_usage_errors(repo: Path, args: tuple[str, ...], message: str) -> None:
    assert invoke(*args)[::2] == (2, message)


def test_git_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke("--git", "HEAD")
    assert code == 2 and err.startswith("jointgov: --git: not a git repository")


def test_pre_commit_hook_entry(repo: Path) -> None:
    """The jointgov-diff hook, as pre-commit runs it: its entry, then the staged files."""
    hooks = {h["id"]: h for h in parse_text((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")).data}
    hook = hooks["jointgov-diff"]
    assert hook["entry"] == "jointgov diff --git HEAD --fail-on-weakening"
    assert (hook["pass_filenames"], hook["types"], hook["exclude"]) == (True, ["yaml"], hooks["jointgov"]["exclude"])
    entry = shlex.split(hook["entry"])[2:]
    (repo / "protocols" / "bd.yaml").write_text(unilateral(), encoding="utf-8")
    git("add", "protocols/bd.yaml")
    code, out, _ = invoke(*entry, *AS_OF, "protocols/bd.yaml")
    assert code == 1 and f"protocols/bd.yaml:159:7: {DECIDED_BY}" in out.splitlines()
    assert invoke(*entry, *AS_OF, "protocols/glasgow.yaml")[:2] == (0, "no changed agreement to compare\n")
