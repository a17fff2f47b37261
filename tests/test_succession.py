"""Succession as the law has it: a successor the agreement binds stands in for its predecessor wherever the
agreement names the predecessor; a successor that has not reaffirmed in time is JG302's finding alone."""

from __future__ import annotations

import pytest

from jointgov.model import Options
from jointgov.pipeline.catalogue import Catalogue
from jointgov.pipeline.checker import Checker
from tests.conftest import AS_OF, BASE, PROTOCOLS

COUNCIL = """\
  - id: lbbd
    name: London Borough of Barking and Dagenham
    kind: local-authority
"""


def superseded(reaffirmed_on: str, binding: bool = True) -> str:
    """The remediated agreement (clean today) after the council is replaced by a new authority on 2026-04-01,
    with every clause still naming the old council."""
    text = (PROTOCOLS / "barking-dagenham-remediated.yaml").read_text(encoding="utf-8")
    assert text.count(COUNCIL) == 1
    new = COUNCIL + f"""\
    superseded_by: bd-unitary
    superseded_on: 2026-04-01
  - id: bd-unitary
    name: Barking and Dagenham Unitary Authority
    kind: local-authority
    reaffirmed_on: {reaffirmed_on}
"""
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
    assert any("the role held for icb, as successor to pct has no reports_to" in m for m in messages), messages


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
