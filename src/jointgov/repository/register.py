"""The organisations register: ``registry.yaml`` at the root of a repository of agreements.

It lists the organisations agreements name as parties, with their kind, when
they were established and abolished, and their successors. Parties name their
entry with ``org``; without it, a party matches the entry with exactly its name.
A broken register is reported like an agreement: located JG001-JG005 findings
on the register file (``jointgov schema --registry`` prints its JSON Schema).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from jointgov.files import read_bounded, shown
from jointgov.model import Limits, Problem
from jointgov.pipeline.load import parse_bytes
from jointgov.pipeline.values import day


@dataclass(frozen=True)
class Organisation:
    """One entry of the register."""

    id: str
    name: str
    kind: str
    ptr: str
    established_on: str = ""
    abolished_on: str = ""
    successors: tuple[tuple[str, str], ...] = ()
    """(successor id, date) pairs."""


@dataclass
class Registry:
    """A register read from one file: its organisations, or its problems."""

    path: str
    organisations: dict[str, Organisation] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    sha256: str = ""
    """The digest of the bytes read (empty when the file could not be read)."""
    names: dict[str, Organisation] = field(default_factory=dict, repr=False, compare=False)
    """The organisations by name (the first of each name), made when first needed."""

    def by_name(self, name: str) -> Organisation | None:
        """The organisation with exactly this name (the first, if the register repeats one)."""
        if not self.names and self.organisations:
            for org in self.organisations.values():
                self.names.setdefault(org.name, org)
        return self.names.get(name)


def schema() -> dict[str, Any]:
    """The register's JSON Schema."""
    loaded: dict[str, Any] = json.loads(resources.files("jointgov").joinpath("schemas/registry-1.json")
                                        .read_text("utf-8"))
    return loaded


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(schema(), format_checker=FormatChecker())


def read(path: str, limits: Limits | None = None) -> Registry:
    """Read and check the register at *path*; its problems are located like an agreement's."""
    registry = Registry(shown(path))
    try:
        raw = read_bounded(path, limits or Limits())
    except OSError as exc:
        registry.problems.append(("JG001", 1, 1, f"cannot read the register: {exc.strerror or exc}", ""))
        return registry
    return parse(raw, shown(path), limits)


def parse(raw: bytes, path: str, limits: Limits | None = None) -> Registry:
    """Check a register given as bytes."""
    from jointgov.pipeline.fastschema import fast_validator
    from jointgov.pipeline.validate import dotted, pointer

    loaded = parse_bytes(raw, limits or Limits())
    whole = len(raw) <= (limits or Limits()).max_bytes  # a register over the limit was read only in part
    registry = Registry(path, problems=list(loaded.problems), sha256=hashlib.sha256(raw).hexdigest() if whole else "")
    data = loaded.data
    if registry.problems:
        return registry
    if not isinstance(data, dict):
        registry.problems.append(("JG003", 1, 1, "the register is a mapping with 'registry: 1' and "
                                  "'organisations'", ""))
        return registry
    if not fast_validator("registry-1.json")(data):
        for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
            path_ = list(error.absolute_path)
            where = dotted(path_) or "the register"
            registry.problems.append(("JG003", *loaded.locations.at(pointer(path_)), f"{where}: {error.message}",
                                      pointer(path_)))
        return registry
    seen: dict[str, str] = {}
    for i, item in enumerate(data["organisations"]):
        ptr = f"/organisations/{i}"
        if item["id"] in seen:
            registry.problems.append(("JG005", *loaded.locations.at(f"{ptr}/id"),
                                      f"organisations[{i}].id: '{item['id']}' is already the id of "
                                      f"{seen[item['id']]}", f"{ptr}/id"))
            continue
        seen[item["id"]] = f"organisations[{i}]"
        registry.organisations[item["id"]] = Organisation(
            item["id"], item["name"], item["kind"], ptr, item.get("established_on", ""), item.get("abolished_on", ""),
            tuple((s["id"], s.get("date", "")) for s in item.get("successors", [])))
    for org in registry.organisations.values():
        for k, (successor, _) in enumerate(org.successors):
            if successor not in registry.organisations:
                ptr = f"{org.ptr}/successors/{k}/id"
                where = dotted(["organisations", int(org.ptr.rsplit("/", 1)[1]), "successors", k, "id"])
                registry.problems.append(("JG004", *loaded.locations.at(ptr), f"{where}: '{successor}' names no "
                                          "organisation in the register", ptr))
    return registry


def abolished_day(org: Organisation) -> int | None:
    """The day number of the abolition, if the register records one."""
    return day(org.abolished_on) if org.abolished_on else None
