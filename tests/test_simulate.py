"""jointgov simulate: the known answers of docs/scenario-format.md, and each verdict on small agreements.

Locations are exact: ``at(text, needle)`` is the line and column where *needle*
starts in the agreement text, so each assertion names the clause it expects.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from jointgov.model import ConfigError
from jointgov.pipeline.checker import Checker
from jointgov.reporters.sources import lookup
from jointgov.simulation.machine import Simulator
from jointgov.simulation.results import FileSimulation, ScenarioResult
from jointgov.simulation.scenarios import load_scenarios
from tests.conftest import AS_OF, BASE, PROTOCOLS, assert_quoted
from tests.strategies import agreement_data, dump, mutants


@pytest.fixture(scope="module")
def simulator() -> Simulator:
    return Simulator(load_scenarios(), AS_OF)


def simulate_example(name: str) -> FileSimulation:
    """A bundled example followed through the scenarios as of its own date (``x-as-of``; today's form: AS_OF)."""
    day = yaml.safe_load((PROTOCOLS / name).read_text(encoding="utf-8")).get("x-as-of") or AS_OF
    return Simulator(load_scenarios(), day).simulate_file(str(PROTOCOLS / name))


def at(text: str, needle: str) -> tuple[int, int]:
    """Line and column (from 1) where *needle* first occurs in *text*."""
    index = text.index(needle)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def simulate(simulator: Simulator, text: str, **choose: object) -> FileSimulation:
    result = simulator.simulate_bytes(text.encode(), "t.yaml", **choose)  # type: ignore[arg-type]
    assert not result.error, result.error
    return result


def scenario(sim: FileSimulation, name: str) -> ScenarioResult:
    return next(r for r in sim.results if r.name == name)


def causes(result: ScenarioResult) -> list[tuple[int, int, str]]:
    worst = result.worst
    assert worst is not None
    return [(c.line, c.column, c.field) for c in worst.causes]


# ---------------------------------------------------------------- known answers (scenarios.md)

def test_barking_2001_known_answers() -> None:
    sim = simulate_example("barking-dagenham-2001.yaml")
    rating = scenario(sim, "rating-downgrade")
    assert rating.verdict == "unilateral"
    # the agreement has no removal clause: the council, employer of record, can withdraw the holder alone
    assert causes(rating) == [(118, 5, "joint_posts[0].removal"), (133, 15, "joint_posts[0].employer")]
    assert rating.worst is not None and rating.worst.label == (
        "post 'Chief Executive of the PCT and Director of Social Services', party Barking and Dagenham Primary Care "
        "Trust")
    assert [(s.stage, s.line, s.column, s.verdict) for s in rating.worst.steps] == [
        ("trigger", 51, 1, "gap"), ("removal", 118, 5, "unilateral")]
    assert rating.worst.steps[1].says == (
        "no removal clause: London Borough of Barking and Dagenham, the employer of record, can withdraw the holder "
        "alone")
    reorganisation = scenario(sim, "reorganisation")
    assert reorganisation.verdict == "undefined"
    # nothing binds the successor, so nothing the agreement says (triggers, routes) applies to it: undefined
    assert causes(reorganisation) == [(51, 1, "successors")]
    assert [len(r.steps) for r in reorganisation.runs] == [1, 1, 1]
    assert [r.subject["party"] for r in reorganisation.runs] == ["lbbd", "bd-pct", "nel-sha"]  # active only
    assert [r.label for r in reorganisation.runs] == [  # named as the agreement names them
        "party London Borough of Barking and Dagenham", "party Barking and Dagenham Primary Care Trust",
        "party North East London Strategic Health Authority"]
    assert {r.name: r.verdict for r in sim.results} == {
        "rating-downgrade": "unilateral", "reorganisation": "undefined", "scope-change": "undefined",
        "key-person-departure": "unilateral", "overspend": "undefined", "party-withdrawal": "undefined"}


def test_glasgow_rating_downgrade_is_deadlock_because_of_its_route() -> None:
    sim = simulate_example("glasgow-joint-board.yaml")
    rating = scenario(sim, "rating-downgrade")
    assert rating.verdict == "deadlock"
    # no removal clause and no single employer: the question goes to the joint board's route ("Any
    # disagreements ... are thrashed out in meetings of the joint board"), which ends in agreement only
    assert causes(rating) == [(165, 18, "dispute_routes[0].steps[0].outcome")]
    assert rating.worst is not None
    assert [(s.stage, s.line, s.column, s.verdict) for s in rating.worst.steps] == [
        ("trigger", 32, 1, "gap"), ("removal", 102, 5, "gap"), ("find-route", 157, 5, ""),
        ("walk", 164, 9, "deadlock")]
    # each NHS party of each post in turn: two in the learning disabilities post, one in the others
    assert [r.label for r in rating.runs] == [
        "post 'Joint general manager, learning disabilities', party Greater Glasgow NHS Board",
        "post 'Joint general manager, learning disabilities', party Greater Glasgow Primary Care NHS Trust",
        "post 'Joint general manager, homelessness', party Greater Glasgow NHS Board",
        "post 'Joint general manager, drug addiction', party Greater Glasgow NHS Board"]
    assert {r.verdict for r in rating.runs} == {"deadlock"}
    step = rating.worst.steps[-1] if rating.worst else None
    assert step is not None and step.untimed and (step.line, step.column) == (164, 9)
    assert scenario(sim, "overspend").verdict == "not-applicable" and scenario(sim, "overspend").note == (
        "the agreement has no pooled budget")


@pytest.mark.parametrize("name", ["barking-dagenham-remediated.yaml", "barking-dagenham-remediated-2003.yaml"])
def test_remediated_resolves_every_scenario_jointly_with_days(name: str) -> None:
    sim = simulate_example(name)
    assert {r.name: (r.verdict, r.days) for r in sim.results} == {
        "rating-downgrade": ("resolved-jointly", 126),  # trigger 28 + board 28 + mediator 28 + arbitrator 42
        "reorganisation": ("resolved-jointly", 278),  # reaffirm 90 + trigger 90 + route 98
        "scope-change": ("resolved-jointly", 154),  # trigger 56 + route 98
        "key-person-departure": ("resolved-jointly", 112),  # trigger 14 + route 98
        "overspend": ("resolved-jointly", 98),  # risk share agreed in advance; route 98
        "party-withdrawal": ("resolved-jointly", 463),  # notice 365 + route 98
    }
    rating = scenario(sim, "rating-downgrade")
    assert rating.worst is not None
    assert [(s.days, s.elapsed) for s in rating.worst.steps] == [
        (28, 28), (None, 28), (None, 28), (28, 56), (28, 84), (42, 126)]


def test_barnsley_resolves_what_applies() -> None:
    sim = simulate_example("barnsley-2003.yaml")
    assert {r.name: r.verdict for r in sim.results} == {
        "rating-downgrade": "not-applicable", "reorganisation": "resolved-jointly",
        "scope-change": "resolved-jointly", "key-person-departure": "not-applicable", "overspend": "resolved-jointly",
        "party-withdrawal": "resolved-jointly"}


def test_care_trust_one_governing_body_outvotes_the_council() -> None:
    sim = simulate_example("care-trust-2003.yaml")
    assert {r.name: (r.verdict, r.days) for r in sim.results} == {
        "rating-downgrade": ("not-applicable", None), "reorganisation": ("unilateral", 264),
        "scope-change": ("unilateral", 140), "key-person-departure": ("not-applicable", None),
        "overspend": ("not-applicable", None), "party-withdrawal": ("unilateral", 449)}
    for name in ("reorganisation", "scope-change", "party-withdrawal"):
        result = scenario(sim, name)
        assert result.worst is not None and result.worst.label == "party Anyshire County Council"
        # the trust's 9 members make the quorum of 6 without the council (and would outvote it anyway)
        assert causes(result) == [(142, 5, "governance_bodies[0].quorum")]
        assert result.worst.steps[-1].says == (
            "step 3: Anyshire Care Trust board can meet its quorum with the members of Anyshire Care Trust alone, so "
            "its binding decision can be taken without Anyshire County Council")


def test_joint_post_resolves_jointly_once_its_late_protocols_exist() -> None:
    sim = simulate_example("joint-post-2003.yaml")
    assert {r.name: (r.verdict, r.days) for r in sim.results} == {
        "rating-downgrade": ("resolved-jointly", 126), "reorganisation": ("resolved-jointly", 278),
        "scope-change": ("resolved-jointly", 154), "key-person-departure": ("resolved-jointly", 112),
        "overspend": ("not-applicable", None), "party-withdrawal": ("resolved-jointly", 278)}


# ---------------------------------------------------------------- small agreements, one verdict each

POST = BASE + """\
joint_posts:
  - id: director
    title: Joint director
    employer: council
    roles:
      - party: council
      - party: pct
    removal:
      decided_by: {deciders}
      requires: [joint-review, dispute-route]
    concerns_route: joint-route
"""
GOOD_ROUTE = """\
dispute_routes:
  - id: joint-route
    covers: [joint-post]
    steps:
      - body: mediator
        within_days: 30
        outcome: advisory
      - body: arbitrator
        within_days: 40
        outcome: binding
"""


def test_resolved_jointly(simulator: Simulator) -> None:
    text = POST.format(deciders="[council, pct]") + GOOD_ROUTE
    rating = scenario(simulate(simulator, text), "rating-downgrade")
    assert (rating.verdict, rating.days, causes(rating)) == ("resolved-jointly", 70, [])
    assert [(s.stage, (s.line, s.column)) for s in rating.runs[0].steps] == [
        ("trigger", (1, 1)), ("removal", at(text, "removal:")), ("find-route", at(text, "joint-route")),
        ("walk", at(text, "body: mediator")), ("walk", at(text, "body: arbitrator"))]


def test_unilateral_removal_by_one_party(simulator: Simulator) -> None:
    text = (POST.format(deciders="[council]") + GOOD_ROUTE).replace("requires: [joint-review, dispute-route]",
                                                                    "requires: [notice]")
    rating = scenario(simulate(simulator, text), "rating-downgrade")
    assert rating.verdict == "unilateral"
    assert causes(rating) == [(*at(text, "decided_by: [council]"), "joint_posts[0].removal.decided_by")]


def test_one_party_deciding_after_the_dispute_route_is_not_unilateral(simulator: Simulator) -> None:
    text = POST.format(deciders="[council]") + GOOD_ROUTE
    assert scenario(simulate(simulator, text), "rating-downgrade").verdict == "resolved-jointly"


def test_unilateral_without_removal_clause_the_employer_acts(simulator: Simulator) -> None:
    text = BASE + """\
joint_posts:
  - id: director
    title: Joint director
    employer: council
    roles:
      - party: council
      - party: pct
"""
    rating = scenario(simulate(simulator, text), "rating-downgrade")
    assert rating.verdict == "unilateral"
    assert causes(rating) == [(*at(text, "id: director"), "joint_posts[0].removal"),
                              (*at(text, "council\n    roles"), "joint_posts[0].employer")]
    # ... and without a single employer, nothing at all is said: undefined, located where it is missing
    text = text.replace("employer: council", "employer: joint")
    rating = scenario(simulate(simulator, text), "rating-downgrade")
    assert rating.verdict == "undefined"
    assert causes(rating) == [(1, 1, "triggers"), (*at(text, "id: director"), "joint_posts[0].removal"),
                              (1, 1, "dispute_routes")]


def test_deadlock_when_the_last_step_is_not_binding(simulator: Simulator) -> None:
    text = POST.format(deciders="[council, pct]") + GOOD_ROUTE.replace("outcome: binding", "outcome: agreement")
    rating = scenario(simulate(simulator, text), "rating-downgrade")
    assert rating.verdict == "deadlock"
    assert causes(rating) == [(*at(text, "agreement\n"), "dispute_routes[0].steps[1].outcome")]


BOARD_ROUTE = """\
governance_bodies:
  - id: board
    name: Joint board
    members:
      - party: council
        count: 3
      - party: pct
        count: 2
    quorum: {quorum}
    decides_by: consensus
dispute_routes:
  - id: joint-route
    covers: [any]
    steps:
      - body: board
        within_days: 30
        outcome: binding
"""


@pytest.mark.parametrize(("quorum", "verdict"), [
    ("{per_party: 1}", "deadlock"),  # either party stays away: no quorum
    ("{min: 4}", "deadlock"),  # without the council only 2 seats; without the PCT 3: fewer than 4
    ("{min: 4, per_party: 1}", "deadlock"),
    ("{min: 3}", "unilateral"),  # the council's 3 members make the quorum alone: it decides without the PCT
    ("{min: 2}", "unilateral"),  # either party alone makes a quorum of 2
    ("{}", "unilateral"),  # no quorum at all: whoever comes decides
])
def test_binding_body_and_its_quorum(simulator: Simulator, quorum: str, verdict: str) -> None:
    """A binding joint body decides jointly only when its quorum needs both sides: one side that can stay away
    and stop it is a deadlock (the mirror case), one side that can make it alone decides for all."""
    text = POST.format(deciders="[council, pct]") + BOARD_ROUTE.format(quorum=quorum)
    rating = scenario(simulate(simulator, text), "rating-downgrade")
    assert rating.verdict == verdict
    assert causes(rating) == [(*at(text, "quorum: "), "governance_bodies[0].quorum")]
    if verdict == "deadlock":
        assert "cannot reach its quorum while Example Council stays away" in rating.runs[0].steps[-1].says
    else:  # the council alone (3 seats) meets a quorum of 3; either side alone meets 2, or no quorum at all
        council, pct = "Example Council", "Example PCT"
        alone, without = (council, pct) if quorum == "{min: 3}" else (pct, council)
        assert f"can meet its quorum with the members of {alone} alone, so its binding decision can be taken " \
               f"without {without}" in rating.runs[0].steps[-1].says


def test_reorganisation_quorum_block_is_the_successor_of_the_subject_party(simulator: Simulator) -> None:
    text = BASE + """\
successors:
  binding: true
  reaffirm_within_days: 60
governance_bodies:
  - id: board
    name: Joint board
    members:
      - party: council
        count: 3
      - party: pct
        count: 1
    quorum: {min: 3}
    decides_by: consensus
dispute_routes:
  - id: joint-route
    covers: [governance]
    steps:
      - body: board
        within_days: 30
        outcome: binding
"""
    result = scenario(simulate(simulator, text), "reorganisation")
    # the council's (or its successor's) 3 members make the quorum of 3 alone: the board can decide without the
    # PCT, whichever party is reorganised
    assert [(r.label, r.verdict, r.days) for r in result.runs] == [
        ("party Example Council", "unilateral", 90), ("party Example PCT", "unilateral", 90)]
    # with a member of each side needed, either side can stop the board deciding by staying away
    result = scenario(simulate(simulator, text.replace("{min: 3}", "{min: 3, per_party: 1}")), "reorganisation")
    assert [(r.label, r.verdict, r.days) for r in result.runs] == [
        ("party Example Council", "deadlock", 90), ("party Example PCT", "deadlock", 90)]
    assert result.verdict == "deadlock"


def test_binding_body_without_a_member_of_a_party_or_outvoting_it_is_unilateral(simulator: Simulator) -> None:
    text = POST.format(deciders="[council, pct]") + BOARD_ROUTE.format(quorum="{min: 1}").replace(
        "      - party: pct\n        count: 2\n", "")
    rating = scenario(simulate(simulator, text), "rating-downgrade")
    assert rating.verdict == "unilateral"
    assert causes(rating) == [(*at(text, "board\n        within"), "dispute_routes[0].steps[0].body")]
    text = POST.format(deciders="[council, pct]") + BOARD_ROUTE.format(quorum="{per_party: 1}").replace(
        "consensus", "majority")
    rating = scenario(simulate(simulator, text), "rating-downgrade")
    assert rating.verdict == "unilateral"
    assert causes(rating) == [(*at(text, "majority"), "governance_bodies[0].decides_by")]
    assert "Example Council holds 3 of its seats against 2" in rating.runs[0].steps[-1].says


def test_unbounded_when_a_step_has_no_time_limit(simulator: Simulator) -> None:
    text = POST.format(deciders="[council, pct]") + GOOD_ROUTE.replace("        within_days: 40\n", "")
    rating = scenario(simulate(simulator, text), "rating-downgrade")
    assert (rating.verdict, rating.days) == ("unbounded", 30)
    assert causes(rating) == [(*at(text, "body: arbitrator"), "dispute_routes[0].steps[1].within_days")]


ESCALATING = """\
dispute_routes:
  - id: joint-route
    covers: [joint-post]
    escalates_to: regional-route
    steps:
      - body: mediator
        within_days: 30
        outcome: advisory
  - id: regional-route
    covers: [governance]
    escalates_to: {back}
    steps:
      - body: expert
        within_days: 20
        outcome: {outcome}
"""


def test_a_cycle_in_a_route_is_unbounded(simulator: Simulator) -> None:
    text = POST.format(deciders="[council, pct]") + ESCALATING.format(back="joint-route", outcome="advisory")
    rating = scenario(simulate(simulator, text), "rating-downgrade")
    assert (rating.verdict, rating.days) == ("unbounded", 50)
    assert causes(rating) == [(*at(text, "joint-route\n    steps:\n      - body: expert"),
                               "dispute_routes[1].escalates_to")]
    assert "already been through" in rating.runs[0].causes[0].message


def test_escalation_to_a_binding_route_resolves_jointly(simulator: Simulator) -> None:
    text = POST.format(deciders="[council, pct]") + ESCALATING.format(back="joint-route", outcome="binding")
    rating = scenario(simulate(simulator, text), "rating-downgrade")
    assert (rating.verdict, rating.days) == ("resolved-jointly", 50)


def test_a_trigger_whose_route_does_not_exist_is_a_deadlock(simulator: Simulator) -> None:
    text = BASE + """\
joint_posts:
  - id: director
    title: Joint director
    employer: joint
    roles:
      - party: council
      - party: pct
    removal:
      decided_by: [council, pct]
triggers:
  - event: external-rating
    decided_by: [council, pct]
    within_days: 14
    route: no-such-route
"""
    rating = scenario(simulate(simulator, text), "rating-downgrade")
    assert (rating.verdict, rating.days) == ("deadlock", 14)
    assert causes(rating) == [(*at(text, "no-such-route"), "triggers[0].route")]


def test_two_posts_one_safe_one_not(simulator: Simulator) -> None:
    text = BASE + """\
joint_posts:
  - id: safe
    title: Safe post
    employer: council
    roles:
      - party: council
      - party: pct
    removal:
      decided_by: [council, pct]
    concerns_route: joint-route
  - id: exposed
    title: Exposed post
    employer: council
    roles:
      - party: council
      - party: pct
    removal:
      decided_by: [pct]
""" + GOOD_ROUTE
    rating = scenario(simulate(simulator, text), "rating-downgrade")
    assert rating.verdict == "unilateral"
    assert [(r.label, r.verdict) for r in rating.runs] == [
        ("post 'Safe post', party Example PCT", "resolved-jointly"),
        ("post 'Exposed post', party Example PCT", "unilateral")]
    assert causes(rating) == [(*at(text, "decided_by: [pct]"), "joint_posts[1].removal.decided_by")]
    assert rating.worst is not None and rating.worst.subject == {"post": "exposed", "party": "pct"}
    safe = scenario(simulate(simulator, text, post="safe"), "rating-downgrade")
    assert (safe.verdict, safe.days, [r.label for r in safe.runs]) == ("resolved-jointly", 70, [
        "post 'Safe post', party Example PCT"])


def test_party_choice(simulator: Simulator) -> None:
    text = POST.format(deciders="[council, pct]") + GOOD_ROUTE
    rating = scenario(simulate(simulator, text, party="council"), "rating-downgrade")
    assert [r.label for r in rating.runs] == ["post 'Joint director', party Example Council"]
    with pytest.raises(ConfigError, match=r"--party nobody: no party with that id \(ids: council, pct\)"):
        simulate(simulator, text, party="nobody")


def test_trigger_decided_by_one_party_is_unilateral(simulator: Simulator) -> None:
    text = BASE + """\
triggers:
  - event: scope-change
    decided_by: [council]
    within_days: 14
"""
    result = scenario(simulate(simulator, text), "scope-change")
    assert result.verdict == "unilateral"
    assert causes(result) == [(*at(text, "decided_by: [council]"), "triggers[0].decided_by")]


def test_party_withdrawal_without_notice_or_joint_step_is_unilateral(simulator: Simulator) -> None:
    text = BASE + "exit:\n  requires: [consultation]\n"
    result = scenario(simulate(simulator, text), "party-withdrawal")
    assert result.verdict == "unilateral"
    assert causes(result) == [(*at(text, "exit:"), "exit.notice_days"), (*at(text, "requires"), "exit.requires")]


def test_not_a_valid_agreement_is_not_simulated(simulator: Simulator) -> None:
    result = simulator.simulate_bytes(b"jointgov: 1\nagreement: [\n", "bad.yaml")
    assert result.results == [] and result.error.startswith("not a valid agreement")
    assert "bad.yaml:3:1: JG001" in result.error


def test_repeat_runs_are_identical_and_leave_the_checker_alone(simulator: Simulator, checker) -> None:  # type: ignore[no-untyped-def]
    path = str(PROTOCOLS / "barking-dagenham-2001.yaml")
    before = checker.check_file(path).findings
    first = simulator.simulate_file(path)
    assert checker.check_file(path).findings == before
    assert simulator.simulate_file(path) == first


# ---------------------------------------------------------------- scenarios are data

def test_scenario_evidence_quotes_are_exact() -> None:
    for scenario in load_scenarios():
        assert scenario.evidence, scenario.name
        for item in scenario.evidence:
            listed = lookup(item)
            assert listed is not None and listed.kind == "article", (scenario.name, item)
            assert_quoted(item["quote"], item["source"], scenario.name)


def test_builtin_scenarios_are_the_six_of_the_spec_in_order() -> None:
    assert [s.name for s in load_scenarios()] == [
        "rating-downgrade", "reorganisation", "scope-change", "key-person-departure", "overspend",
        "party-withdrawal"]


CUSTOM = """\
scenario: crisis-statement
title: A crisis needs a joint public statement
event: a crisis breaks and the parties must speak with one voice
subject: agreement
start: protocol
stages:
  protocol:
    - when:
        - communication: {crisis_protocol: {exists: true}}
      says: "the crisis protocol '{communication.crisis_protocol}' governs the statement"
      clause: communication.crisis_protocol
      verdict: resolved-jointly
      to: end
    - says: "no crisis protocol"
      clause: document.communication
      verdict: gap
      to: end
"""


def test_a_user_scenario_runs_beside_the_builtin_ones(tmp_path: Path) -> None:
    (tmp_path / "crisis.yaml").write_text(CUSTOM)
    sim = Simulator(load_scenarios([tmp_path]), AS_OF)
    result = scenario(simulate(sim, BASE), "crisis-statement")
    assert (result.verdict, causes(result)) == ("undefined", [(1, 1, "communication")])
    text = BASE + "protocols:\n  - id: crisis\n    title: Crisis\ncommunication:\n  crisis_protocol: crisis\n"
    assert scenario(simulate(sim, text), "crisis-statement").verdict == "resolved-jointly"


@pytest.mark.parametrize(("old", "new", "message"), [
    ("start: protocol", "start: nowhere", "crisis.yaml:5:8: start: no stage 'nowhere'"),
    ("      to: end\n    - says: \"no", "      to: elsewhere\n    - says: \"no",
     "crisis.yaml:8:7: to: no stage 'elsewhere' (stages: protocol, walk, or end)"),
    ("      to: end\n    - says: \"no crisis protocol\"", "      to: end\n    - when: [{document: {}}]\n"
     "      says: \"no crisis protocol\"", "crisis.yaml:14:7: stage 'protocol': the last transition must have no"),
    ("    - when:\n        - communication: {crisis_protocol: {exists: true}}\n      says", "    - says",
     "crisis.yaml:8:7: stage 'protocol': only the last transition may have no 'when'"),
    ("verdict: gap", "verdict: maybe",
     "crisis.yaml:16:16: invalid scenario file: stages.protocol.1.verdict: 'maybe' is not one of"),
    ("{crisis_protocol: {exists: true}}", "{crisis_protocol: {sort_of: true}}",
     "crisis.yaml:8:7: stage 'protocol': crisis_protocol: unknown test 'sort_of'"),
])
def test_broken_scenario_files_are_located(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in CUSTOM
    (tmp_path / "crisis.yaml").write_text(CUSTOM.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        Simulator(load_scenarios([tmp_path]), AS_OF)
    assert f"{tmp_path}/{message}" in str(info.value)


# ---------------------------------------------------------------- the command

def _cli(*args: str, as_of: str = "2026-11-23") -> tuple[int, str, str]:
    from click.testing import CliRunner

    from jointgov.cli import main

    result = CliRunner().invoke(main, ["simulate", *args, "--as-of", as_of])
    return result.exit_code, result.stdout, result.stderr


def test_cli_exit_status_follows_the_verdicts() -> None:
    remediated = str(PROTOCOLS / "barking-dagenham-remediated.yaml")
    glasgow = str(PROTOCOLS / "glasgow-joint-board.yaml")
    assert _cli(remediated)[0] == 0
    assert _cli(str(PROTOCOLS / "barking-dagenham-2001.yaml"))[0] == 1
    assert _cli(glasgow)[0] == 1
    assert _cli(glasgow, "--fail-on", "unilateral")[0] == 0  # deadlocks only
    assert _cli(glasgow, "--fail-on", "never")[0] == 0
    code, _, err = _cli(glasgow, "--scenario", "meteor-strike")
    assert code == 2 and "--scenario: no scenario 'meteor-strike' (scenarios: rating-downgrade," in err
    code, _, err = _cli(glasgow, "--party", "nobody")
    assert code == 2 and "--party nobody: no party with that id (ids: glasgow-council, nhs-gg, gg-pct)" in err
    assert _cli(glasgow, "--fail-on", "sometimes")[0] == 2
    assert _cli("no/such/file.yaml")[0] == 2


def test_cli_text_output_names_the_causes_with_file_line_column() -> None:
    path = str(PROTOCOLS / "barking-dagenham-2001.yaml")
    code, out, _ = _cli(path, "--scenario", "rating-downgrade", as_of="2003-07-01")
    assert code == 1
    assert "  rating-downgrade: unilateral · no joint decision\n" in out
    lbbd = "London Borough of Barking and Dagenham"
    assert (f"      {path}:118:5: joint_posts[0].removal: no removal clause: {lbbd}, the employer of record, can "
            f"withdraw the holder alone\n      {path}:133:15: joint_posts[0].employer: no removal clause: {lbbd}, the "
            "employer of record, can withdraw the holder alone\n") in out
    assert out.endswith("1 scenario results in 1 file, as of 2003-07-01: 1 unilateral\n")


def test_cli_json_output(tmp_path: Path) -> None:
    target = tmp_path / "sim.json"
    code, out, _ = _cli(str(PROTOCOLS / "barking-dagenham-remediated.yaml"), "--format", "json", "-o", str(target))
    assert code == 0 and out == ""
    import json

    doc = json.loads(target.read_text())
    assert doc["summary"]["resolved-jointly"] == 6 and doc["as_of"] == "2026-11-23"
    scenarios = doc["files"][0]["scenarios"]
    assert [(s["name"], s["verdict"], s["days"]) for s in scenarios] == [
        ("rating-downgrade", "resolved-jointly", 126), ("reorganisation", "resolved-jointly", 278),
        ("scope-change", "resolved-jointly", 154), ("key-person-departure", "resolved-jointly", 112),
        ("overspend", "resolved-jointly", 98), ("party-withdrawal", "resolved-jointly", 463)]
    step = scenarios[0]["runs"][0]["steps"][-1]
    assert (step["line"], step["column"], step["elapsed"], step["verdict"]) == (214, 9, 126, "resolved-jointly")


def test_cli_invalid_agreement_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("jointgov: 1\nagreement: {id: x}\n")
    code, out, _ = _cli(str(bad))
    assert code == 1 and "cannot simulate: not a valid agreement" in out


# ---------------------------------------------------------------- any agreement, any damage: never a traceback

_PROPERTY = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _sound(sim: FileSimulation, text: bytes) -> None:
    lines = text.count(b"\n") + 1
    for result in sim.results:
        assert result.verdict in ("not-applicable", "resolved-jointly", "undefined", "unbounded", "deadlock",
                                  "unilateral")
        assert (result.verdict != "not-applicable") == bool(result.runs) and bool(result.note) == (not result.runs)
        for run in result.runs:
            assert (run.verdict == "resolved-jointly") == (run.causes == ())
            # the verdict never contradicts the trace: a step that lets one party act alone makes the run
            # unilateral, whatever comes after it
            alone = [s for s in run.steps if s.verdict == "unilateral" or s.consent.endswith(" alone")]
            assert not alone or run.verdict == "unilateral", (result.name, run.label, alone[0].says)
            for item in (*run.steps, *run.causes):
                assert 1 <= item.line <= lines and item.column >= 1


@_PROPERTY
@given(agreement_data())
def test_generated_agreements_simulate_soundly(simulator: Simulator, data: dict[str, object]) -> None:
    raw = dump(data).encode("utf-8")
    first = simulator.simulate_bytes(raw, "g.yaml")
    assert first.error == "" and len(first.results) == 6
    _sound(first, raw)
    assert simulator.simulate_bytes(raw, "g.yaml") == first


@_PROPERTY
@given(mutants())
def test_damaged_agreements_never_raise(simulator: Simulator, raw: bytes) -> None:
    result = simulator.simulate_bytes(raw, "m.yaml")
    assert result.error or len(result.results) == 6
    _sound(result, raw)


# ---------------------------------------------------------------- a verdict never contradicts its own trace

EXIT_ROUTE = """\
exit:
  notice_days: 180
  requires: [consultation]
dispute_routes:
  - id: route
    covers: [any]
    steps:
      - body: arbitrator
        within_days: 42
        outcome: binding
"""


def test_leaving_without_a_joint_review_or_the_dispute_route_is_unilateral(simulator: Simulator) -> None:
    """Shape 1: a route that covers exit exists, but nothing obliges the leaving party to use it."""
    text = BASE + EXIT_ROUTE
    withdrawal = scenario(simulate(simulator, text), "party-withdrawal")
    assert withdrawal.verdict == "unilateral"
    assert causes(withdrawal) == [(*at(text, "requires: [consultation]"), "exit.requires")]
    first = withdrawal.runs[0].steps[0]
    assert (first.verdict, first.consent) == ("unilateral", "Example Council alone")
    # with a joint review before it, leaving is not one party's act alone
    joint = scenario(simulate(simulator, text.replace("[consultation]", "[joint-review]")), "party-withdrawal")
    assert joint.verdict == "resolved-jointly"


def test_a_successor_nothing_binds_is_undefined_whatever_the_routes_say(simulator: Simulator) -> None:
    """Shape 2: a trigger and a binding route exist, but no successors section binds the new body."""
    text = BASE + """\
triggers:
  - event: reorganisation
    response: The parties review the agreement with the successor.
    decided_by: [council, pct]
    within_days: 90
    route: route
dispute_routes:
  - id: route
    covers: [any]
    steps:
      - body: arbitrator
        within_days: 42
        outcome: binding
"""
    result = scenario(simulate(simulator, text), "reorganisation")
    assert result.verdict == "undefined"
    assert causes(result) == [(1, 1, "successors")]
    assert "nothing in the agreement, its triggers and routes included, binds the body" in \
        result.runs[0].steps[0].says
    bound = text + "successors:\n  binding: true\n  reaffirm_within_days: 60\n"
    assert scenario(simulate(simulator, bound), "reorganisation").verdict == "resolved-jointly"


def test_a_binding_joint_agency_group_one_side_can_quorate_alone_is_unilateral(simulator: Simulator,
                                                                                 checker: Checker) -> None:
    """Shape 3: members listed one by one (no counts), a quorum of three, no per-party minimum."""
    text = POST.format(deciders="[council, pct]").replace("concerns_route: joint-route", "concerns_route: route") + """\
governance_bodies:
  - id: jag
    name: Joint agency group
    kind: joint-agency-group
    members:
      - {party: council, role: councillor, elected: true}
      - {party: council, role: chief executive}
      - {party: council, role: treasurer}
      - {party: pct, role: chief executive}
      - {party: pct, role: finance director}
    quorum: {min: 3}
    decides_by: consensus
dispute_routes:
  - id: route
    covers: [any]
    steps:
      - body: jag
        within_days: 30
        outcome: binding
"""
    rating = scenario(simulate(simulator, text), "rating-downgrade")
    assert rating.verdict == "unilateral"
    assert causes(rating) == [(*at(text, "quorum: {min: 3}"), "governance_bodies[0].quorum")]
    # the rules say the same of the same clause
    assert [(f.rule_id, f.line, f.column) for f in checker.check_bytes(text.encode(), "t.yaml").findings
            if f.rule_id == "JG602"] == [("JG602", *at(text, "quorum: {min: 3}"))]
    # the mirror case: when each side must be there, the side that stays away stops the decision
    per_party = text.replace("quorum: {min: 3}", "quorum: {min: 3, per_party: 1}")
    assert scenario(simulate(simulator, per_party), "rating-downgrade").verdict == "deadlock"


def test_an_employers_power_returns_after_a_route_that_ends_without_a_binding_decision(simulator: Simulator) -> None:
    """Shape 4: removal by the employer after the dispute route: a procedure to follow, not a veto."""
    text = POST.format(deciders="[council]").replace("requires: [joint-review, dispute-route]",
                                                      "requires: [dispute-route]") + GOOD_ROUTE.replace(
        "      - body: arbitrator\n        within_days: 40\n        outcome: binding\n", "")
    rating = scenario(simulate(simulator, text), "rating-downgrade")
    assert rating.verdict == "unilateral"
    assert causes(rating) == [(*at(text, "advisory"), "dispute_routes[0].steps[0].outcome")]
    assert rating.runs[0].steps[-1].consent == "Example Council alone"
    # a route that ends in a binding decision binds the employer too
    assert scenario(simulate(simulator, POST.format(deciders="[council]").replace(
        "requires: [joint-review, dispute-route]", "requires: [dispute-route]") + GOOD_ROUTE),
        "rating-downgrade").verdict == "resolved-jointly"
