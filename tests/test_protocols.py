"""Known answers on the bundled agreements (docs/examples.md, docs/rules.md), as exact locations, each example
checked as of its own date; and what makes an example trustworthy: its sources, quotes and place in time."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from functools import cache

import pytest
import yaml
from click.testing import CliRunner

from jointgov.cli import main
from jointgov.model import Options
from jointgov.pipeline.catalogue import Catalogue
from jointgov.pipeline.checker import Checker
from jointgov.pipeline.facts import build
from jointgov.pipeline.load import parse_text
from jointgov.reporters.sources import load
from tests.conftest import AS_OF, PROTOCOLS, ROOT, assert_quoted

KNOWN_ANSWERS = {"JG101", "JG102", "JG104", "JG105", "JG106", "JG201", "JG301", "JG302", "JG403", "JG604", "JG606"}
TODAY = _dt.date(2026, 11, 29)
"""The day this was written: every example that passes clean as of today must name no abolished NHS body."""
EXAMPLES = sorted(p.name for p in PROTOCOLS.glob("*.yaml"))

# Reviewed clause by clause, as of 2003-07-01: each points at the clause concerned (51:1 is `jointgov:`, for
# a missing top-level section; 118:5 the joint post's `- id:`, where its missing removal clause, protocol and
# concerns route belong; 151:5 the pooled budget's `- id:`; 178:5 the steering group's `- id:`, ...).
BARKING_2001 = [
    ('JG106', 51, 1), ('JG204', 51, 1), ('JG301', 51, 1), ('JG303', 51, 1), ('JG305', 51, 1),
    ('JG504', 51, 1), ('JG605', 51, 1), ('JG606', 51, 1), ('JG607', 51, 1), ('JG702', 51, 1),
    ('JG702', 53, 1), ('JG701', 65, 14), ('JG307', 69, 15), ('JG702', 69, 15), ('JG302', 89, 5), ('JG302', 107, 5),
    ('JG304', 115, 11), ('JG201', 117, 1), ('JG101', 118, 5), ('JG102', 118, 5), ('JG104', 118, 5),
    ('JG105', 118, 5), ('JG107', 118, 5), ('JG108', 128, 21), ('JG109', 141, 16), ('JG201', 150, 1),
    ('JG401', 151, 5), ('JG402', 151, 5), ('JG403', 151, 5), ('JG404', 151, 5), ('JG405', 151, 5),
    ('JG702', 151, 5), ('JG601', 159, 1), ('JG603', 159, 1), ('JG602', 178, 5), ('JG604', 194, 1),
]

GLASGOW = [
    ('JG106', 32, 1), ('JG204', 32, 1), ('JG301', 32, 1), ('JG303', 32, 1), ('JG305', 32, 1),
    ('JG504', 32, 1), ('JG604', 32, 1), ('JG605', 32, 1), ('JG606', 32, 1), ('JG607', 32, 1),
    ('JG602', 71, 5), ('JG101', 102, 5), ('JG102', 102, 5), ('JG104', 102, 5), ('JG105', 102, 5),
    ('JG107', 102, 5), ('JG108', 109, 21), ('JG108', 113, 21), ('JG108', 117, 21), ('JG103', 119, 15),
    ('JG102', 121, 19), ('JG109', 122, 16), ('JG101', 123, 5), ('JG102', 123, 5), ('JG104', 123, 5),
    ('JG105', 123, 5), ('JG107', 123, 5), ('JG108', 130, 21), ('JG108', 134, 21), ('JG103', 136, 15),
    ('JG102', 138, 19), ('JG109', 139, 16), ('JG101', 140, 5), ('JG102', 140, 5), ('JG104', 140, 5),
    ('JG105', 140, 5), ('JG107', 140, 5), ('JG108', 145, 21), ('JG108', 149, 21), ('JG103', 151, 15),
    ('JG102', 153, 19), ('JG109', 154, 16), ('JG202', 164, 9), ('JG203', 165, 18),
]


Located = Callable[..., list[tuple[str, int, int]]]


@pytest.fixture(scope="module")
def at(catalogue: Catalogue) -> Located:
    """``at(name, date)``: (rule, line, column) of every finding of an example checked as of *date*."""
    @cache
    def checker(day: _dt.date) -> Checker:
        return Checker(catalogue, Options(as_of=day))

    def run(name: str, day: _dt.date | None = None) -> list[tuple[str, int, int]]:
        result = checker(day or as_of(name) or TODAY).check_file(str(PROTOCOLS / name))
        return [(f.rule_id, f.line, f.column) for f in result.findings]
    return run


def as_of(name: str) -> _dt.date | None:
    """The example's own date (``x-as-of``), or None for an example that stands as of today."""
    value = yaml.safe_load((PROTOCOLS / name).read_text(encoding="utf-8")).get("x-as-of")
    assert value is None or isinstance(value, _dt.date), name
    return value


# ---------------------------------------------------------------- the known answers

def test_barking_2001_raises_the_known_answers_at_their_clauses(at: Located) -> None:
    assert as_of("barking-dagenham-2001.yaml") == _dt.date(2003, 7, 1)
    found = at("barking-dagenham-2001.yaml")
    assert found == BARKING_2001
    assert KNOWN_ANSWERS <= {rule for rule, _, _ in found}
    assert at("barking-dagenham-2001.yaml", AS_OF) == BARKING_2001  # no date-dependent finding changes


def test_barking_2001_has_no_removal_clause_and_no_manufactured_imbalance(checker: Checker) -> None:
    result = checker.check_file(str(PROTOCOLS / "barking-dagenham-2001.yaml"))
    [jg104] = [f for f in result.findings if f.rule_id == "JG104"]
    assert (jg104.line, jg104.column, jg104.pointer) == (118, 5, "/joint_posts/0/removal")
    assert "has no removal clause" in jg104.message
    # the articles state no contribution to the pool: JG402 says so, and claims no sum that does not add up
    [jg402] = [f for f in result.findings if f.rule_id == "JG402"]
    assert jg402.message == "pooled budget 'bd-pool' lists no contributions: what each party puts in is not stated"


def test_glasgow_joint_board(at: Located) -> None:
    assert at("glasgow-joint-board.yaml") == GLASGOW


def test_glasgow_records_no_removal_clause_the_article_does_not_give() -> None:
    data = yaml.safe_load((PROTOCOLS / "glasgow-joint-board.yaml").read_text(encoding="utf-8"))
    assert [("removal" in post, "concerns_route" in post) for post in data["joint_posts"]] == [(False, False)] * 3
    assert data["dispute_routes"] == [{"id": "joint-board-route", "covers": ["any"],
                                       "steps": [{"body": "joint-board", "outcome": "agreement"}]}]


def test_care_trust_one_governing_body_the_trust_controls(at: Located) -> None:
    # its route ends with a binding decision by the board, which the trust can stop by staying away (JG207)
    # and whose quorum the trust's nine members make alone (JG602)
    assert at("care-trust-2003.yaml") == [("JG207", 118, 15), ("JG602", 142, 5)]
    data = yaml.safe_load((PROTOCOLS / "care-trust-2003.yaml").read_text(encoding="utf-8"))
    assert [p["kind"] for p in data["parties"]] == ["local-authority", "care-trust"]
    assert [b["id"] for b in data["governance_bodies"]] == ["ct-board"]  # one governing body


def test_joint_post_protocols_agreed_after_the_appointment(at: Located) -> None:
    # 81:5 is the post's `- id:` (no route agreed in time), 94:15 its `protocol:` value (agreed too late)
    assert at("joint-post-2003.yaml") == [("JG102", 81, 5), ("JG101", 94, 15)]


@pytest.mark.parametrize("name", ["barking-dagenham-remediated-2003.yaml", "barnsley-2003.yaml"])
def test_complete_past_agreements_have_no_findings_as_of_their_date(at: Located, name: str) -> None:
    assert as_of(name) is not None and at(name) == []


def test_the_remediated_agreement_is_clean_today_until_its_first_review(at: Located) -> None:
    name = "barking-dagenham-remediated.yaml"
    assert as_of(name) is None
    for day in (AS_OF, TODAY, _dt.date(2027, 9, 30)):
        assert at(name, day) == [], day
    assert at(name, _dt.date(2027, 10, 1)) == [("JG609", 181, 16), ("JG609", 189, 16), ("JG609", 197, 16),
                                               ("JG609", 293, 13)]


def test_past_examples_checked_today_are_stale(at: Located) -> None:
    assert at("barking-dagenham-remediated-2003.yaml", TODAY) == [
        ("JG609", 151, 16), ("JG609", 160, 16), ("JG609", 169, 16), ("JG609", 275, 13)]
    assert at("barnsley-2003.yaml", TODAY) == [("JG307", 45, 15), ("JG609", 91, 16), ("JG609", 304, 13)]
    assert at("joint-post-2003.yaml", TODAY) == [
        ("JG307", 43, 15), ("JG102", 81, 5), ("JG101", 94, 15), ("JG609", 119, 16), ("JG609", 127, 16),
        ("JG609", 199, 13)]
    assert at("care-trust-2003.yaml", TODAY) == [
        ("JG307", 50, 15), ("JG609", 99, 16), ("JG207", 118, 15), ("JG602", 142, 5), ("JG609", 163, 13)]


# ---------------------------------------------------------------- placed in time

ABOLISHED_KINDS = {"primary-care-trust", "strategic-health-authority", "health-authority"}


@pytest.mark.parametrize("day", [TODAY, _dt.date.today()], ids=["2026-11-29", "today"])
def test_no_example_clean_today_names_an_abolished_kind_of_nhs_body_as_live(at: Located, day: _dt.date) -> None:
    clean = [name for name in EXAMPLES if at(name, day) == []]
    assert "barking-dagenham-remediated.yaml" in clean or day > _dt.date(2027, 9, 30)
    for name in clean:
        data = parse_text((PROTOCOLS / name).read_text(encoding="utf-8")).data
        live = [f["id"] for f in build(data, day) if f["type"] == "party" and f["active"]
                and f["kind"] in ABOLISHED_KINDS]
        assert live == [], f"{name} passes clean as of {day} with {live} as live parties"


def test_the_remediated_agreement_names_the_successors_of_the_abolished_bodies() -> None:
    data = yaml.safe_load((PROTOCOLS / "barking-dagenham-remediated.yaml").read_text(encoding="utf-8"))
    parties = {p["id"]: p for p in data["parties"]}
    chain, party = [], "bd-pct"
    while "superseded_by" in parties[party]:
        party = parties[party]["superseded_by"]
        chain.append((party, parties[party]["kind"], str(parties[party]["reaffirmed_on"])))
    assert chain == [("bd-ccg", "clinical-commissioning-group", "2013-05-15"),
                     ("nel-ccg", "clinical-commissioning-group", "2021-05-13"),
                     ("nel-icb", "integrated-care-board", "2022-08-15")]
    assert [p for p, party in parties.items() if "superseded_by" not in party] == ["lbbd", "nel-icb"]


def test_every_past_example_has_its_date_and_the_docs_use_it() -> None:
    docs = (ROOT / "docs" / "examples.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z0-9-]+\.yaml)` \| ([^|]+) \|", docs, re.M))
    assert sorted(rows) == EXAMPLES
    for name in EXAMPLES:
        day = as_of(name)
        assert rows[name].strip() == (day.isoformat() if day else "today (any date to 2027-09-30)"), name
        if day:
            text = (PROTOCOLS / name).read_text(encoding="utf-8")
            assert f"# As of {day.isoformat()} (x-as-of below)" in text, name
            assert f"--as-of {day.isoformat()}" in text, name


def test_the_docs_known_answers_are_the_tests_known_answers(at: Located, catalogue: Catalogue) -> None:
    docs = (ROOT / "docs" / "examples.md").read_text(encoding="utf-8")
    answers = dict(re.findall(r"^\| `([a-z0-9-]+\.yaml)` \|[^|]+\|[^|]+\| ([^|]+) \|$", docs, re.M))
    assert sorted(answers) == EXAMPLES
    for name, answer in answers.items():
        found = at(name)
        own = Checker(catalogue, Options(as_of=as_of(name) or TODAY))
        severities = [f.severity for f in own.check_file(str(PROTOCOLS / name)).findings]
        if answer.startswith("no finding"):
            assert found == [], name
        elif match := re.match(r"(\d+) errors and (\d+) warnings", answer):
            assert found == (BARKING_2001 if name.startswith("barking") else GLASGOW), name
            assert (severities.count("error"), severities.count("warning")) == tuple(map(int, match.groups())), name
        elif answer.startswith("two findings: JG207"):
            assert [rule for rule, _, _ in found] == ["JG207", "JG602"], name
        else:
            assert answer.startswith("exactly JG101 and JG102"), name
            assert sorted(rule for rule, _, _ in found) == ["JG101", "JG102"], name


# ---------------------------------------------------------------- every fact traceable

SOURCE_IDS = "|".join(re.escape(source) for source in load())
QUOTED = re.compile(rf"\b({SOURCE_IDS})\s+\"([^\"]+)\"")
"""A quote beside a fact: a source id, then the words in double quotes."""


def header(name: str) -> str:
    lines = (PROTOCOLS / name).read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines[:lines.index("jointgov: 1")])


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_says_what_it_is_where_it_comes_from_and_what_is_invented(name: str) -> None:
    head = header(name)
    assert head.startswith("# ") and all(line.startswith("#") for line in head.splitlines()), name
    listed = re.findall(r"^#   ([a-z0-9-]+) +Community Care", head, re.M)
    assert listed and set(listed) <= set(load()), name
    text = (PROTOCOLS / name).read_text(encoding="utf-8")
    cited = {m.group(1) for m in QUOTED.finditer(" ".join(line.strip().lstrip("#") for line in text.splitlines()))}
    assert cited <= set(listed), f"{name} quotes {cited - set(listed)}, which its header does not list"
    assert re.search(r"^# Invented", head, re.M), f"{name} does not say what is invented"


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_quote_beside_a_fact_is_exact(name: str) -> None:
    flat = " ".join(line.strip().lstrip("#").strip() for line in (PROTOCOLS / name).read_text().splitlines())
    quotes = QUOTED.findall(flat)
    assert quotes, name
    for source, quote in quotes:
        assert_quoted(quote, source, name)


def test_the_quote_pattern_finds_quotes_across_comment_lines() -> None:
    flat = " ".join(line.strip().lstrip("#").strip() for line in
                    '  # callaghan-2003 "it made a unilateral\n  # decision to withdraw her"\n'.splitlines())
    assert QUOTED.findall(flat) == [("callaghan-2003", "it made a unilateral decision to withdraw her")]


# ---------------------------------------------------------------- the docs show real output

@pytest.mark.parametrize(("doc", "command"), [
    ("README.md", "jointgov check protocols/barking-dagenham-2001.yaml --as-of 2003-07-01"),
    ("README.md", "jointgov explain JG104"),
    ("docs/scenario-format.md",
     "jointgov simulate protocols/barking-dagenham-2001.yaml --scenario rating-downgrade --as-of 2003-07-01"),
])
def test_documented_example_output_is_what_the_command_prints(doc: str, command: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    shown = text.split(f"$ {command}\n")[1].split("\n$ ")[0].split("\n```")[0].splitlines()
    monkeypatch.chdir(ROOT)
    printed = CliRunner().invoke(main, command.split()[1:]).stdout.splitlines()
    lines = [line for line in shown if "..." not in line and "'...'" not in line]
    assert len(lines) >= 2, shown
    for line in lines:
        assert line in printed, line
