"""The project stands on its own: its docs' links resolve inside the repository, nothing depends on material
kept outside it, and the format reference names every field of the schema."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

DOCS = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_relative_link_resolves_inside_the_repository(doc: Path) -> None:
    broken = []
    for target in LINK.findall(doc.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a web address or an anchor in the same page
        path = (doc.parent / target.split("#", 1)[0]).resolve()
        if not path.exists() or ROOT.resolve() not in (path, *path.parents):
            broken.append(target)
    assert broken == []


def test_nothing_depends_on_material_outside_the_repository() -> None:
    """Only the optional look-up of the official SARIF and JUnit schemas may name the team's shared folder."""
    allowed = {("tests/conftest.py", 'OFFICIAL_SCHEMAS = Path(os.environ.get("JOINTGOV_OFFICIAL_SCHEMAS") or '
                "ROOT.parent / \"shared\" / \"schemas\")")}
    found = set()
    for folder in ("src", "tests", "docs", "rules", "scenarios", "protocols"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".md", ".yaml", ".yml", ".json", ".j2", ".toml") or not path.is_file() \
                    or path == Path(__file__):
                continue
            for line in path.read_text(encoding="utf-8").splitlines():
                if re.search(r"\bshared[\"']? */ *[\"']?(spec|seeds|notes|schemas)|\.\./shared|\"shared\"", line):
                    found.add((path.relative_to(ROOT).as_posix(), line.strip()))
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if "../shared" in line:
            found.add(("README.md", line.strip()))
    assert found == allowed


def _fields(node: dict[str, Any], defs: dict[str, Any], seen: tuple[str, ...] = ()) -> Iterator[str]:
    """Every property name the schema defines, at any depth."""
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        seen, node = (*seen, name), defs[name]
    for key, value in node.get("properties", {}).items():
        yield key
        yield from _fields(value, defs, seen)
    for nested in ("items", "additionalProperties"):
        if isinstance(node.get(nested), dict):
            yield from _fields(node[nested], defs, seen)
    for option in node.get("anyOf", []):
        yield from _fields(option, defs, seen)


def test_the_format_reference_names_every_field_of_the_schema() -> None:
    schema = json.loads((ROOT / "src" / "jointgov" / "schemas" / "agreement-1.json").read_text(encoding="utf-8"))
    text = (ROOT / "docs" / "agreement-format.md").read_text(encoding="utf-8")
    missing = sorted({f for f in _fields(schema, schema["$defs"]) if f"`{f}`" not in text})
    assert missing == []
