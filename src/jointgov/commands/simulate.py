"""``jointgov simulate`` and ``check --simulate``: the command logic, callable without click."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from jointgov.files import write_atomic
from jointgov.model import ConfigError
from jointgov.pipeline.load import Limits
from jointgov.simulation.machine import RANK, VERDICTS, FileSimulation, Simulator

FAIL_ON = (*VERDICTS[1:], "never")
"""``--fail-on`` choices: exit 1 when a scenario's verdict is this bad or worse (default: undefined)."""


def simulator(as_of: str | None, scenario_dirs: Sequence[str] = (), limits: Limits | None = None) -> Simulator:
    """A Simulator with the built-in scenarios and those in *scenario_dirs*."""
    from jointgov.commands.check import parse_date
    from jointgov.simulation.scenarios import load_scenarios

    return Simulator(load_scenarios(scenario_dirs), parse_date(as_of), limits)


def simulate_files(sim: Simulator, files: Sequence[str], names: Sequence[str] = (), party: str | None = None,
                   post: str | None = None) -> list[FileSimulation]:
    """Simulate each file; unknown scenario names are a usage error."""
    known = [s.name for s in sim.scenarios]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(f"--scenario: no scenario {', '.join(map(repr, unknown))} (scenarios: {', '.join(known)})")
    return [sim.simulate_file(path, names=tuple(names), party=party, post=post) for path in files]


def failing(sims: Sequence[FileSimulation], fail_on: str) -> bool:
    """Whether a result is at or beyond *fail_on* (a file that cannot be simulated always fails)."""
    if any(s.error for s in sims):
        return True
    if fail_on == "never":
        return False
    return any(RANK[v] >= RANK[fail_on] for s in sims for v in s.verdicts())


def run_simulate(paths: Sequence[str], *, names: Sequence[str] = (), party: str | None = None,
                 post: str | None = None, fmt: str = "text", fail_on: str = "undefined", as_of: str | None = None,
                 scenario_dirs: Sequence[str] = (), output: str | None = None, out: TextIO | None = None,
                 colour: bool | None = None) -> int:
    """Run the scenarios over the agreements in *paths*; return the exit status (0, 1 or 2)."""
    from jointgov.commands.check import EXIT_CLEAN, EXIT_FINDINGS, discover
    from jointgov.reporters.simulation import write_json, write_text

    out = out or sys.stdout
    if fail_on not in FAIL_ON:
        raise ConfigError(f"--fail-on: expected one of {', '.join(FAIL_ON)}, got {fail_on!r}")
    files, _ = discover(paths)
    if not files:
        raise ConfigError("no agreement files (*.yaml, *.yml) found in " + ", ".join(paths))
    sim = simulator(as_of, scenario_dirs)
    sims = simulate_files(sim, files, names, party, post)
    day = sim.as_of.isoformat()
    stream = io.StringIO() if output else out
    if fmt == "json":
        write_json(sims, stream, day)
    else:
        if colour is None:
            colour = not output and out.isatty() and not os.environ.get("NO_COLOR")
        write_text(sims, stream, bool(colour), day)
    if output:
        assert isinstance(stream, io.StringIO)
        write_atomic(output, stream.getvalue())
    return EXIT_FINDINGS if failing(sims, fail_on) else EXIT_CLEAN
