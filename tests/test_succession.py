"""Succession as the law has it: a successor the agreement binds stands in for its predecessor wherever the
agreement names the predecessor; a successor that has not reaffirmed in time is JG302's finding alone."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from jointgov.commands.check import run
from jointgov.model import Options
from jointgov.pipeline.catalogue import Catalogue
from jointgov.pipeline.checker import Checker
from tests.conftest import AS_OF, BASE, PROTOCOLS

COUNCIL = """\
  - id: lbbd
    name: London Borough of Barking and Dagenham
    kind: local-authority
"""


def superseded(reaffirmed_on: str | None, binding: bool = True) -> str:
    """The remediated agreement (clean today) after the council is replaced by a new authority on 2026-04-01,
    with every clause still naming the old council."""
    text = (PROTOCOLS / "barking-dagenham-remediated.yaml").read_text(encoding="utf-8")
    assert text.count(COUNCIL) == 1
    new = COUNCIL + """\
    superseded_by: bd-unitary
    superseded_on: 2026-04-01
  - id: bd-unitary
    name: Barking and Dagenham Unitary Authority
    kind: local-authority
""" + (f"    reaffirmed_on: {reaffirmed_on}\n" if reaffirmed_on else "")
    text = text.replace(COUNCIL, new)
    if not binding:
        text = text.replace("  binding: true", "  binding: false")
    return text


def findings(catalogue: Catalogue, text: str) -> list[tuple[str, int, int]]:
    checker = Checker(catalogue, Options(as_of=AS_OF))
    return [(f.rule_id, f.line, f.column) for f in checker.check_bytes(text.encode(), "t.yaml").findings]


def test_a_successor_that_reaffirmed_in_time_stands_in_everywhere(catalogue: Catalogue) -> None:
    assert findings(catalogue, superseded("2026-05-01")) == []


def test_a_late_reaffirmation_is_jg302_alone(catalogue: Catalogue) -> None:
    text = superseded("2026-09-01")  # 153 days after 2026-04-01: the window is 90
    line = text.splitlines().index("    reaffirmed_on: 2026-09-01") + 1  # at the successor's reaffirmation
    assert findings(catalogue, text) == [("JG302", line, 20)]


def test_without_a_binding_clause_nothing_stands_in(catalogue: Catalogue) -> None:
    found = {rule for rule, _, _ in findings(catalogue, superseded("2026-05-01", binding=False))}
    assert "JG301" in found and "JG601" in found  # no body has a member from the new authority
    assert "JG402" in found  # the contribution is from a body that no longer exists


def test_findings_say_who_stands_in(checker: Checker) -> None:
    text = BASE.replace("""  - id: pct
    name: Example PCT
    kind: primary-care-trust
""", """  - id: pct
    name: Example PCT
    kind: primary-care-trust
    superseded_by: icb
    superseded_on: 2022-07-01
  - id: icb
    name: Example ICB
    kind: integrated-care-board
    reaffirmed_on: 2022-08-01
""") + """\
successors:
  binding: true
  reaffirm_within_days: 90
joint_posts:
  - id: director
    title: Joint director
    employer: council
    roles:
      - party: council
        time_share: 50
        reports_to: unknown
      - party: pct
        time_share: 50
"""
    messages = [f.message for f in checker.check_bytes(text.encode(), "t.yaml").findings if f.rule_id == "JG108"]
    said = ("nothing says which governance body the holder answers to in the role held for Example ICB, as successor "
            "to Example PCT")
    assert any(said in m for m in messages), messages


@pytest.mark.parametrize("split", [True, False])
def test_a_split_predecessor_counts_for_every_successor_in_lists(checker: Checker, split: bool) -> None:
    """A body replaced by two: an agreed_by list naming it counts for both (a single reference stays itself)."""
    successors = "[sha, icb]" if split else "icb"
    text = BASE.replace("    kind: primary-care-trust\n", f"""    kind: primary-care-trust
    superseded_by: {successors}
    superseded_on: 2022-07-01
  - id: icb
    name: Example ICB
    kind: integrated-care-board
    reaffirmed_on: 2022-08-01
""" + ("""  - id: sha
    name: Example SHA
    kind: strategic-health-authority
    reaffirmed_on: 2022-08-01
""" if split else "")) + """\
successors:
  binding: true
  reaffirm_within_days: 90
outcomes:
  - indicator: Delayed discharges per 100,000 adults
    baseline: 30
    target: 20
    by: 2027-03-31
    agreed_by: [council, pct]
"""
    assert [f for f in checker.check_bytes(text.encode(), "t.yaml").findings if f.rule_id == "JG604"] == []


REGISTER = """\
registry: 1
organisations:
  - id: lbbd
    name: London Borough of Barking and Dagenham
    kind: local-authority
    abolished_on: 2026-03-31
    successors: [{id: bdua, date: 2026-04-01}]
  - id: bdua
    name: Barking and Dagenham Unitary Authority
    kind: local-authority
"""


@pytest.mark.parametrize(("reaffirmed_on", "expected"),
                         [("2026-05-01", []), ("2026-09-01", ["JG302"]), (None, ["JG302"])])
def test_the_repository_rules_agree_with_the_agreements_succession(
        tmp_path: Path, reaffirmed_on: str | None, expected: list[str]) -> None:
    """The register says the council was abolished and names its successor: an agreement that names that
    successor (superseded_by) is not JG901's finding; a late reaffirmation is JG302's, once."""
    (tmp_path / "registry.yaml").write_text(REGISTER, encoding="utf-8")
    (tmp_path / "a.yaml").write_text(superseded(reaffirmed_on), encoding="utf-8")
    out = io.StringIO()
    run([str(tmp_path)], fmt="json", as_of=AS_OF.isoformat(), out=out, select=["JG0,JG3,JG901"])
    found = [f["rule_id"] for f in json.loads(out.getvalue())["findings"]]
    assert found == expected


def test_an_abolished_party_the_agreement_does_not_follow_is_jg901(tmp_path: Path) -> None:
    (tmp_path / "registry.yaml").write_text(REGISTER, encoding="utf-8")
    text = (PROTOCOLS / "barking-dagenham-remediated.yaml").read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    out = io.StringIO()
    run([str(tmp_path)], fmt="json", as_of=AS_OF.isoformat(), out=out, select=["JG0,JG3,JG901"])
    found = [(f["rule_id"], f["line"]) for f in json.loads(out.getvalue())["findings"]]
    assert found == [("JG901", text.splitlines().index("  - id: lbbd") + 1)]


def test_messages_say_references_by_name_and_words_as_they_are() -> None:
    """A value in a field that refers to an item is said by the item's name; a kind, a status or a title that
    happens to equal an id is said as it is."""
    from jointgov.pipeline.firings import display_names, render

    names = display_names({"protocols": [{"id": "arbitration", "title": "Arbitration protocol"}],
                           "parties": [{"id": "icb", "name": "Example ICB"}, {"id": "pct", "name": "Example PCT"}]})
    bound = {"protocol": {"id": "arbitration", "kind": "arbitration"},
             "role": {"party": "icb", "party_as": "{icb}, as successor to {pct}"}}
    said = render("'{protocol.id}' is of kind '{protocol.kind}'; held for {role.party}", bound, {}, names)
    assert said == "'Arbitration protocol' is of kind 'arbitration'; held for Example ICB, as successor to Example PCT"
