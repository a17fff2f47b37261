"""The rule catalogue: fixed ids and names, evidence quoted exactly, docs up to date, examples pass."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from jointgov.commands import explain
from jointgov.commands.rules_test import run_examples
from jointgov.pipeline.catalogue import Catalogue, load_catalogue
from jointgov.reporters.catalogue import rules_markdown
from jointgov.reporters.sources import lookup
from tests.conftest import ROOT, assert_quoted

FIXED = [  # ids, names and default severities are fixed: configurations and waivers name them
    ("JG001", "yaml-syntax", "error"), ("JG002", "duplicate-key", "error"), ("JG003", "schema", "error"),
    ("JG004", "unknown-reference", "error"), ("JG005", "duplicate-id", "error"), ("JG006", "format-version", "error"),
    ("JG007", "placeholder", "error"),
    ("JG101", "protocol-before-appointment", "error"), ("JG102", "arbitration-before-appointment", "error"),
    ("JG103", "employer-of-record", "error"), ("JG104", "no-unilateral-removal", "error"),
    ("JG105", "non-employer-remedy", "error"), ("JG106", "rating-trigger", "warning"),
    ("JG107", "role-continuity", "warning"), ("JG108", "time-share", "warning"),
    ("JG109", "joint-appraisal", "warning"),
    ("JG201", "dispute-route", "error"), ("JG202", "dispute-steps-timed", "error"),
    ("JG203", "dispute-binding-end", "error"), ("JG204", "exit-after-dispute", "error"),
    ("JG205", "arbitration-terms", "warning"), ("JG206", "dispute-bounded", "warning"),
    ("JG207", "binding-end-joint", "error"), ("JG208", "notice-period", "warning"),
    ("JG301", "successor-binding", "error"), ("JG302", "successor-reaffirmed", "error"),
    ("JG303", "change-triggers", "warning"), ("JG304", "approvals-before-commencement", "error"),
    ("JG305", "staff-consulted", "warning"), ("JG306", "eligible-partners", "error"),
    ("JG307", "agreement-expired", "error"), ("JG308", "dates-in-time", "error"),
    ("JG401", "pool-host-and-manager", "error"),
    ("JG402", "contributions-balance", "error"), ("JG403", "risk-share", "error"),
    ("JG404", "pool-reporting", "warning"), ("JG405", "contribution-variation", "warning"),
    ("JG501", "secondment-lines", "error"), ("JG502", "secondment-terms", "warning"),
    ("JG503", "secondee-consulted", "warning"), ("JG504", "staff-on-exit", "warning"),
    ("JG505", "secondment-return", "warning"),
    ("JG601", "joint-body", "error"), ("JG602", "quorum-both-sides", "error"),
    ("JG603", "senior-sponsorship", "warning"), ("JG604", "success-measures", "error"),
    ("JG605", "evaluation-planned", "warning"), ("JG606", "communication-strategy", "warning"),
    ("JG607", "standard-clauses", "warning"), ("JG608", "lead-provider-commissioned", "warning"),
    ("JG609", "review-overdue", "warning"), ("JG701", "signed-in-writing", "error"),
    ("JG702", "statutory-content", "error"), ("JG703", "trust-partner-consent", "error"),
    ("JG704", "lead-provider-reports", "warning"), ("JG705", "integration-scheme", "error"),
    ("JG801", "waiver-expired", "error"),
    ("JG802", "waiver-unapproved", "error"), ("JG803", "waiver-unused", "warning"),
    ("JG804", "variation-unagreed", "error"),
]
REPOSITORY_RULES = [
    ("JG901", "party-abolished", "error"), ("JG902", "party-unregistered", "warning"),
    ("JG903", "party-inconsistent", "warning"), ("JG904", "holder-overcommitted", "warning"),
    ("JG905", "lead-provider-conflict", "warning"),
]
SCENARIO_RULES = [  # a stress scenario's verdict as a finding (check --simulate)
    ("JG951", "scenario-unilateral", "error"), ("JG952", "scenario-deadlock", "error"),
    ("JG953", "scenario-unbounded", "warning"), ("JG954", "scenario-undefined", "warning"),
]


def test_the_catalogue_keeps_its_fixed_ids_names_and_severities(catalogue: Catalogue) -> None:
    assert [(r.id, r.name, r.severity) for r in catalogue.rules] == FIXED + REPOSITORY_RULES + SCENARIO_RULES
    assert [r.id for r in catalogue.rules if r.level == "repository"] == [r[0] for r in REPOSITORY_RULES]
    assert [(r.id, r.verdict) for r in catalogue.rules if r.level == "scenario"] == [
        ("JG951", "unilateral"), ("JG952", "deadlock"), ("JG953", "unbounded"), ("JG954", "undefined")]


def _normalise(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("rule_id", [r[0] for r in [*FIXED, *REPOSITORY_RULES, *SCENARIO_RULES]
                                     if "JG100" < r[0] < "JG800" or r[0] > "JG900"])
def test_evidence_quotes_are_exact(catalogue: Catalogue, rule_id: str) -> None:
    rule = catalogue.by_key(rule_id)
    assert rule is not None and rule.evidence, f"{rule_id} has no evidence"
    for item in rule.evidence:
        listed = lookup(item)
        assert listed is not None, f"{rule_id} cites {item!r}, which is not in the source list"
        if listed.kind == "regulation":
            assert item["provision"], rule_id
            continue
        assert_quoted(item["quote"], item["source"], rule_id)


def test_every_rule_has_failing_and_passing_examples_that_hold(catalogue: Catalogue) -> None:
    failures = [f"{r.rule_id} {r.label}: {r.detail}" for r in run_examples(catalogue, catalogue.rules) if not r.ok]
    assert failures == []


def test_examples_can_fail(catalogue: Catalogue) -> None:
    """The example runner itself: a wrong expected position is reported."""
    rule = catalogue.by_key("JG101")
    assert rule is not None
    example = dict(rule.examples["fail"][0], expect=[[1, 1]])
    broken = type(rule)(**{**rule.__dict__, "examples": {"fail": [example], "pass": rule.examples["pass"]}})
    results = run_examples(catalogue, [broken])
    assert [r.ok for r in results] == [False, True]


def test_every_builtin_rule_says_what_it_checks_in_one_sentence(catalogue: Catalogue) -> None:
    unsaid = [r.id for r in catalogue.rules if not r.checks]
    assert unsaid == []
    several = [r.id for r in catalogue.rules if r.checks.rstrip(".").count(". ") or not r.checks.endswith(".")]
    assert several == []


def test_explain_says_what_a_rule_checks_and_shows_a_repository_rules_files() -> None:
    out = io.StringIO()
    assert explain.run("JG901", out=out) == 0
    text = out.getvalue()
    assert "Checks:\n  Checks, against the organisations register," in text
    assert "  registry.yaml:\n" in text and "  a.yaml:\n" in text and "  b.yaml:\n" in text


def test_docs_rules_md_is_up_to_date(catalogue: Catalogue) -> None:
    current = (ROOT / "docs" / "rules.md").read_text()
    assert current == rules_markdown(catalogue), "regenerate: jointgov rules --format markdown > docs/rules.md"


def test_rules_ship_inside_the_package() -> None:
    from importlib import resources

    names = {p.name for p in resources.files("jointgov.rules").iterdir()}
    assert "JG101-protocol-before-appointment.yaml" in names


def test_a_duplicate_rule_id_is_a_configuration_error(tmp_path: Path) -> None:
    from jointgov.model import ConfigError

    (tmp_path / "x.yaml").write_text("id: ACME101\nname: one\nseverity: info\ntitle: t\nrationale: r\nremediation: x\n")
    (tmp_path / "y.yaml").write_text("id: ACME101\nname: two\nseverity: info\ntitle: t\nrationale: r\nremediation: x\n")
    with pytest.raises(ConfigError, match=f"{tmp_path / 'y.yaml'}:1:1: invalid rule file: 'ACME101' is already "
                       f"defined by {tmp_path / 'x.yaml'}"):
        load_catalogue([tmp_path])


def test_a_user_rule_may_not_take_an_id_of_jointgovs_own(tmp_path: Path) -> None:
    """Issue 12, item 20: JG0xx and JG8xx cannot be ignored, so a user's rule with such an id could not be either;
    every JG id is jointgov's (the name of a built-in rule is taken too: 'already defined')."""
    from jointgov.model import ConfigError

    (tmp_path / "x.yaml").write_text("id: JG801\nname: other\nseverity: info\ntitle: t\nrationale: r\nremediation: x\n")
    with pytest.raises(ConfigError, match=f"{tmp_path / 'x.yaml'}:1:5: invalid rule file: id: 'JG801': the ids "
                       "starting with JG are jointgov's own rules"):
        load_catalogue([tmp_path])


def test_catalogue_cache_round_trips_and_follows_edits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from jointgov.pipeline.catalogue import cache_dir

    monkeypatch.setenv("JOINTGOV_CACHE_DIR", str(tmp_path / "cache"))
    rules = tmp_path / "rules"
    rules.mkdir()
    rule = rules / "ACME001.yaml"
    rule.write_text("id: ACME001\nname: my-rule\nseverity: info\ntitle: first\nrationale: r\nremediation: x\n")
    fresh = load_catalogue([rules])
    assert cache_dir() == tmp_path / "cache" and len(list((tmp_path / "cache").glob("catalogue-*.json"))) == 1
    cached = load_catalogue([rules])
    assert cached.rules == fresh.rules and cached.digest == fresh.digest
    rule.write_text(rule.read_text().replace("title: first", "title: second"))
    assert load_catalogue([rules]).by_key("ACME001").title == "second"  # type: ignore[union-attr]
    for stale in (tmp_path / "cache").glob("catalogue-*.json"):
        stale.write_text("{not json")
    assert load_catalogue([rules]).by_key("ACME001").title == "second"  # type: ignore[union-attr]


def test_no_cache_when_disabled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOINTGOV_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("JOINTGOV_NO_CACHE", "1")
    load_catalogue()
    assert not (tmp_path / "cache").exists()


def test_a_broken_rule_file_is_reported_even_after_caching(tmp_path: Path) -> None:
    from jointgov.model import ConfigError

    (tmp_path / "x.yaml").write_text("id: ACME002\nname: ok\nseverity: info\ntitle: t\nrationale: r\nremediation: x\n")
    load_catalogue([tmp_path])
    (tmp_path / "x.yaml").write_text("id: ACME002\nname: ok\nseverity: loud\ntitle: t\nrationale: r\nremediation: x\n")
    with pytest.raises(ConfigError, match=r"x\.yaml:3:11: invalid rule file"):
        load_catalogue([tmp_path])
