"""The generated fast validators: not stale, and they agree with jsonschema (the authority)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from jointgov.pipeline import _fast_agreement, _fast_registry, _fast_rule, _fast_scenario
from jointgov.pipeline.catalogue import Catalogue
from jointgov.pipeline.fastschema import fast_validator, full_validator, schema_digest
from jointgov.pipeline.load import parse_bytes, parse_text
from jointgov.pipeline.validate import _validator
from tests.conftest import BASE, PROTOCOLS


@pytest.mark.parametrize(("module", "name"), [(_fast_agreement, "agreement-1.json"), (_fast_rule, "rule-1.json"),
                                                    (_fast_scenario, "scenario-1.json"),
                                                    (_fast_registry, "registry-1.json")])
def test_generated_validators_match_the_shipped_schemas(module: Any, name: str) -> None:
    assert module.SCHEMA_SHA256 == schema_digest(name), "stale: run python -m jointgov.pipeline.fastschema"


def _documents(catalogue: Catalogue) -> list[Any]:
    docs = [parse_bytes(p.read_bytes()).data for p in sorted(PROTOCOLS.glob("*.yaml"))]
    for rule in catalogue.rules:
        for kind in ("fail", "pass"):
            docs += [parse_text(e["agreement"]).data for e in rule.examples.get(kind, []) if "agreement" in e]
    return [d for d in docs if isinstance(d, dict)]


def _mutants(doc: dict[str, Any]) -> list[Any]:
    out = []
    for key in list(doc):
        dropped = copy.deepcopy(doc)
        del dropped[key]
        out.append(dropped)
        for value in ("text", 7, True, None, [], {"x": 1}):
            changed = copy.deepcopy(doc)
            changed[key] = value
            out.append(changed)
    out.append(dict(copy.deepcopy(doc), unknown_key=1))
    return out


def test_fast_and_authoritative_validators_agree(catalogue: Catalogue) -> None:
    fast = fast_validator("agreement-1.json")
    slow = _validator()
    checked = 0
    for doc in _documents(catalogue):
        for candidate in [doc, *_mutants(doc)]:
            assert fast(candidate) == slow.is_valid(candidate), candidate
            checked += 1
    assert checked > 2000


def test_an_impossible_date_is_left_to_jsonschema() -> None:
    doc = parse_text(BASE.replace("jurisdiction: england", "jurisdiction: england\n  signed_on: 2023-02-30")).data
    assert fast_validator("agreement-1.json")(doc) is False
    assert _validator().is_valid(doc) is False
    text_doc = parse_text(BASE.replace("title: Example partnership", "title: '2023-02-30'")).data
    assert fast_validator("agreement-1.json")(text_doc) is False  # conservative: jsonschema decides
    assert _validator().is_valid(text_doc) is True


def test_rule_files_agree(catalogue: Catalogue) -> None:
    fast = fast_validator("rule-1.json")
    for rule in catalogue.rules:
        data = parse_bytes(Path(rule.path).read_bytes()).data
        for candidate in [data, *_mutants(data)]:
            assert fast(candidate) == full_validator("rule-1.json").is_valid(candidate), (rule.id, candidate)
