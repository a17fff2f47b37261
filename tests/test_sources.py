"""Evidence anyone can look up: the source list, full citations everywhere, no seed file names in the product."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from jointgov.cli import main
from jointgov.pipeline.catalogue import load_catalogue
from jointgov.reporters.sources import Source, cite, evidence_text, load, lookup, markdown
from jointgov.simulation.scenarios import load_scenarios
from tests.conftest import ROOT, SOURCE_TEXTS

SEED_NAME = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")
"""How the team's copies of the articles are named: a name no reader can open, so never cited."""


def explain(*args: str) -> str:
    result = CliRunner().invoke(main, ["explain", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def evidence_of(text: str) -> list[str]:
    """The lines of an ``explain`` output's Evidence section."""
    return text.split("Evidence:\n")[1].split("\n\n")[0].splitlines()


def test_the_list_holds_the_five_articles_and_the_regulations() -> None:
    sources = load()
    assert [s.id for s in sources.values()] == [*SOURCE_TEXTS, "si-2000-617", "asp-2014-9", "ssi-2014-341"]
    assert [s.citation() for s in sources.values()] == [
        "Community Care, announcement of Barking and Dagenham's merged management of health and social care (no "
        'headline; it opens "An exciting and groundbreaking step is due to be taken in Barking and Dagenham"), 2001',
        'Community Care, "Barking reaps benefits of integration", 2001',
        'Community Care, "Behind the headlines", 2003',
        'Community Care, "Can we work together?", David Callaghan, 2003',
        'Community Care, "Acute problems of trust", 2003',
        "NHS Bodies and Local Authorities Partnership Arrangements Regulations 2000 (SI 2000/617)",
        "Public Bodies (Joint Working) (Scotland) Act 2014 (asp 9)",
        "Public Bodies (Joint Working) (Integration Scheme) (Scotland) Regulations 2014 (SSI 2014/341)",
    ]


@pytest.mark.parametrize("source", list(load().values()), ids=lambda s: s.id)
def test_each_source_says_what_it_is_and_when(source: Source) -> None:
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", source.id)
    assert re.fullmatch(r"\d{4}(-\d{2})?", source.date), "a year, or a year and month: never a day"
    assert source.description and source.date_note
    if source.kind == "article":
        assert source.publication and (source.title or source.untitled)
    else:
        assert source.kind == "regulation" and source.number and source.url.startswith("https://www.legislation.gov")


def test_every_citation_in_the_rules_and_scenarios_is_in_the_list() -> None:
    cited = [(rule.id, item) for rule in load_catalogue().rules for item in rule.evidence]
    cited += [(scenario.name, item) for scenario in load_scenarios() for item in scenario.evidence]
    assert len(cited) > 60
    for where, item in cited:
        listed = lookup(item)
        assert listed is not None, f"{where} cites {item!r}: not in src/jointgov/sources.yaml"
        assert "regulation" not in item, where
        assert item.get("quote") if listed.kind == "article" else item.get("provision"), (where, item)
    assert {lookup(item).id for _, item in cited} == set(load())  # type: ignore[union-attr]  # none unused


def test_a_citation_not_in_the_list_fails_the_check() -> None:
    assert lookup({"source": "003_488dc0806860880f.txt", "quote": "x"}) is None
    assert lookup({"regulation": "2000 Regulations reg 7(3)"}) is None


def test_citations_in_full() -> None:
    assert cite({"source": "callaghan-2003", "quote": "q"}) == (
        'Community Care, "Can we work together?", David Callaghan, 2003')
    assert evidence_text({"source": "si-2000-617", "provision": "reg 7(3)", "quote": "must be in writing"}) == (
        "NHS Bodies and Local Authorities Partnership Arrangements Regulations 2000 (SI 2000/617), reg 7(3): "
        '"must be in writing"')
    # free text (a user's own rule file) is printed as given, in either form
    assert evidence_text({"source": "Our board minutes, 4 May 2026", "quote": "never again"}) == (
        'Our board minutes, 4 May 2026: "never again"')
    assert evidence_text({"regulation": "Care Act 2014, s 3"}) == "Care Act 2014, s 3"


def test_explain_names_the_article_by_publication_title_and_year() -> None:
    assert evidence_of(explain("JG104")) == [
        '  - Community Care, "Can we work together?", David Callaghan, 2003: "it made a unilateral decision to '
        'withdraw her"',
        '  - Community Care, "Behind the headlines", 2003: "no evidence of consultation or thorough review"']


def test_explain_names_the_regulations_in_full_with_no_dangling_colon() -> None:
    assert evidence_of(explain("JG702")) == [
        "  - NHS Bodies and Local Authorities Partnership Arrangements Regulations 2000 (SI 2000/617), reg 7(3) "
        "(pooled funds) and reg 9(3) (NHS functions exercised by a local authority)",
        "  - NHS Bodies and Local Authorities Partnership Arrangements Regulations 2000 (SI 2000/617), reg 7(3)(e): "
        '"the staff, goods, services or accommodation to be provided by the partners in connection with the '
        'arrangements"']


def test_a_user_rule_citing_free_text_is_explained_as_given(tmp_path: Path) -> None:
    (tmp_path / "ACME001.yaml").write_text(
        "id: ACME001\nname: house-rule\nseverity: info\ntitle: t\nrationale: r\nremediation: x\n"
        "evidence:\n  - source: Our board minutes, 4 May 2026\n    quote: never again\n"
        "  - regulation: Care Act 2014, s 3\n")
    assert evidence_of(explain("ACME001", "--rules", str(tmp_path))) == [
        '  - Our board minutes, 4 May 2026: "never again"', "  - Care Act 2014, s 3"]


def test_docs_sources_md_is_up_to_date() -> None:
    current = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    assert current == markdown(), "regenerate: python -m jointgov.reporters.sources > docs/sources.md"


def test_the_source_list_ships_inside_the_package() -> None:
    from importlib import resources

    assert resources.files("jointgov").joinpath("sources.yaml").is_file()
    assert '"sources.yaml"' in (ROOT / "pyproject.toml").read_text()


@pytest.mark.parametrize("where", ["src", "rules", "scenarios", "docs", "protocols", "tests/golden", "README.md",
                                   "CHANGELOG.md"])
def test_no_seed_file_name_appears_in_the_product(where: str) -> None:
    root = ROOT / where
    files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert files
    named = [f"{p.relative_to(ROOT)}: {m}" for p in files
             for m in SEED_NAME.findall(p.read_text(encoding="utf-8", errors="replace"))]
    assert named == []


def test_the_seed_name_pattern_can_fail() -> None:
    assert SEED_NAME.findall("see 003_488dc0806860880f.txt") == ["003_488dc0806860880f.txt"]
    assert all(SEED_NAME.fullmatch(name) for name in SOURCE_TEXTS.values())

