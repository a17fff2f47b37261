"""Stress scenarios as data: state machines whose transitions are conditions in the rule language.

A scenario file (``scenarios/*.yaml``, installed as ``jointgov.scenarios``;
``jointgov simulate --scenarios DIR`` adds more) names an event, what it is
simulated for (each party, each post, each pooled budget...) and its stages.
Each stage is a list of transitions; the first whose ``when`` holds is taken
and says which clause applies, who acts, whose consent it needs, the days it
may take, a verdict if it settles one, and the next stage. Files whose names
start with ``_`` are libraries of stages shared by every scenario (the walk
along a dispute route is one). The format is in docs/scenario-format.md.

Every transition compiles, through ``jointgov.pipeline.compiler``, into durable-rules
rules whose first pattern is the machine's state (a ``sim`` fact naming the
scenario and the stage): ``jointgov.simulation.machine`` drives the machine on the engine.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from jointgov.model import ConfigError
from jointgov.pipeline.compiler import Compiled, ConditionError, compile_condition
from jointgov.pipeline.load import Loaded

END = "end"


@dataclass(frozen=True)
class Transition:
    """One transition of a stage (see docs/scenario-format.md for each key)."""

    stage: str
    index: int
    when: tuple[dict[str, Any], ...]
    to: str
    says: str = ""
    clause: str = ""
    acting: str = ""
    consent: str = ""
    days: str = ""
    verdict: str = ""
    cause: tuple[str, ...] = ()
    set: dict[str, Any] = field(default_factory=dict)
    path: str = ""
    line: int = 0
    column: int = 0


@dataclass(frozen=True)
class Scenario:
    """One scenario: metadata and its stages (its own and the shared ones)."""

    name: str
    title: str
    event: str
    subject: str
    start: str
    stages: dict[str, tuple[Transition, ...]]
    path: str
    follows: str = ""
    parties: dict[str, Any] = field(default_factory=dict)
    disputing: str = "all"
    evidence: tuple[dict[str, str], ...] = ()


def builtin_dir() -> Path:
    """The directory of the built-in scenario files (inside the installed package)."""
    return Path(str(resources.files("jointgov.scenarios")))


def _read(path: Path) -> tuple[dict[str, Any], Loaded]:
    from jointgov.pipeline.fastschema import read_checked

    data, loaded = read_checked(path, "scenario-1.json", "scenario file")
    return data, loaded


def _stages(data: dict[str, Any], loaded: Loaded, path: Path) -> dict[str, tuple[Transition, ...]]:
    out: dict[str, tuple[Transition, ...]] = {}
    for stage, items in data["stages"].items():
        transitions = []
        for k, item in enumerate(items):
            line, col = loaded.locations.at(f"/stages/{stage}/{k}")
            if "when" not in item and k != len(items) - 1:
                raise ConfigError(f"{path}:{line}:{col}: stage '{stage}': only the last transition may have no "
                                  "'when' (it is what happens otherwise)")
            if "when" in item and k == len(items) - 1:
                raise ConfigError(f"{path}:{line}:{col}: stage '{stage}': the last transition must have no 'when', "
                                  "so that the stage always leads somewhere")
            transitions.append(Transition(
                stage=stage, index=k, when=tuple(item.get("when", ())), to=item["to"], says=item.get("says", ""),
                clause=item.get("clause", ""), acting=item.get("acting", ""), consent=item.get("consent", ""),
                days=item.get("days", ""), verdict=item.get("verdict", ""), cause=tuple(item.get("cause", ())),
                set=dict(item.get("set", {})), path=str(path), line=line, column=col))
        out[stage] = tuple(transitions)
    return out


def _files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such scenario directory")
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def load_scenarios(extra_dirs: Iterable[str | Path] = ()) -> list[Scenario]:
    """The built-in scenarios and those in *extra_dirs*, with the shared stages merged in.

    Problems (a broken file, a stage that does not exist, a scenario defined
    twice, a condition that does not compile) are ConfigErrors with file:line:col.
    """
    shared: dict[str, tuple[Transition, ...]] = {}
    own: list[tuple[dict[str, Any], dict[str, tuple[Transition, ...]], Path, Loaded]] = []
    for directory in [builtin_dir(), *map(Path, extra_dirs)]:
        for path in _files(directory):
            data, loaded = _read(path)
            stages = _stages(data, loaded, path)
            if data.get("library"):
                for name in stages:
                    if name in shared:
                        raise ConfigError(f"{path}:{loaded.locations.key.get(f'/stages/{name}', (1, 1))[0]}:1: "
                                          f"shared stage '{name}' is defined twice")
                shared.update(stages)
            else:
                own.append((data, stages, path, loaded))
    scenarios: list[Scenario] = []
    for data, stages, path, loaded in own:
        if any(s.name == data["scenario"] for s in scenarios):
            line, col = loaded.locations.at("/scenario")
            raise ConfigError(f"{path}:{line}:{col}: scenario '{data['scenario']}' is defined twice")
        merged = {**shared, **stages}
        _check_targets(data, merged, path, loaded)
        scenarios.append(Scenario(
            name=data["scenario"], title=data["title"], event=data["event"], subject=data["subject"],
            start=data["start"], stages=merged, path=str(path), follows=data.get("follows", ""),
            parties=dict(data.get("parties", {})), disputing=data.get("disputing", "all"),
            evidence=tuple(data.get("evidence", ()))))
    return scenarios


def _check_targets(data: dict[str, Any], stages: dict[str, tuple[Transition, ...]], path: Path,
                   loaded: Loaded) -> None:
    if data["start"] not in stages:
        line, col = loaded.locations.at("/start")
        raise ConfigError(f"{path}:{line}:{col}: start: no stage '{data['start']}'")
    for transitions in stages.values():
        for t in transitions:
            if t.to != END and t.to not in stages:
                raise ConfigError(f"{t.path}:{t.line}:{t.column}: to: no stage '{t.to}' (stages: "
                                  f"{', '.join(sorted(stages))}, or end)")


def digest(scenarios: list[Scenario]) -> str:
    """A digest of the scenarios' definitions (names the engine ruleset)."""
    payload = json.dumps([[s.name, s.start, {k: [t.__dict__ for t in v] for k, v in s.stages.items()}]
                          for s in scenarios], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def compile_transitions(scenarios: list[Scenario]) -> tuple[list[tuple[frozenset[str], Transition]],
                                                              list[tuple[int, int, Compiled]]]:
    """Every transition, with the names of the scenarios it belongs to, and its engine conditions (index into
    that list, variant).

    A stage shared from a library (the walk along a dispute route) is compiled once for every scenario that
    uses it, not once per scenario: each fact may activate at most 64 of the engine's pattern nodes at once
    (error 303, docs/engine.md), and six copies of the walk's step patterns would exceed that.
    """
    groups: dict[tuple[str, int], tuple[str, tuple[Transition, ...], list[str]]] = {}
    for scenario in scenarios:
        for stage in sorted(scenario.stages):
            transitions = scenario.stages[stage]
            groups.setdefault((stage, id(transitions)), (stage, transitions, []))[2].append(scenario.name)
    table: list[tuple[frozenset[str], Transition]] = []
    conditions: list[tuple[int, int, Compiled]] = []
    for stage, transitions, names in groups.values():
        for transition in transitions:
            when = list(transition.when)
            state: dict[str, Any] = {"scenario": names[0] if len(names) == 1 else {"in": names}, "stage": stage}
            if when and set(when[0]) == {"sim"}:  # tests on the state merge into the state pattern
                extra = when.pop(0)["sim"] or {}
                if not isinstance(extra, dict):
                    raise ConfigError(f"{transition.path}:{transition.line}:{transition.column}: "
                                      "sim: field tests must be a mapping")
                state.update(extra)
            try:
                compiled = compile_condition([{"sim": state}, *when], {}, None)
            except ConditionError as exc:
                raise ConfigError(f"{transition.path}:{transition.line}:{transition.column}: "
                                  f"stage '{stage}': {exc}") from exc
            index = len(table)
            table.append((frozenset(names), transition))
            conditions.extend((index, k, c) for k, c in enumerate(compiled))
    return table, conditions
