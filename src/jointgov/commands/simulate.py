"""``jointgov simulate FILE...``: follow agreements through the stress scenarios.

The run is configured as ``check`` is (``jointgov.config.settings``: the configuration's limits,
exclude globs and rule options, checked against the catalogue), and each file is read and judged
by the same rule, so a file ``check`` refuses is not simulated.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from jointgov.config import settings, use_colour
from jointgov.files import check_outputs, discover, excluded, write_outputs
from jointgov.model import EXIT_CLEAN, EXIT_FINDINGS, VERDICT_FAIL_ON, ConfigError, Skipped
from jointgov.simulation.results import RANK, FileSimulation


def failing(sims: Sequence[FileSimulation], fail_on: str) -> bool:
    """Whether a result is at or beyond *fail_on* (a file that cannot be simulated always fails)."""
    if any(s.error for s in sims):
        return True
    if fail_on == "never":
        return False
    return any(RANK[v] >= RANK[fail_on] for s in sims for v in s.verdicts())


def run(paths: Sequence[str], *, names: Sequence[str] = (), party: str | None = None, post: str | None = None,
        fmt: str = "text", fail_on: str = "undefined", as_of: str | None = None, scenario_dirs: Sequence[str] = (),
        output: str | None = None, config_path: str | None = None, out: TextIO | None = None,
        colour: str | bool | None = None) -> int:
    """Run the scenarios over the agreements in *paths*; return the exit status (0, 1 or 2)."""
    from jointgov.pipeline.checker import not_an_agreement, open_agreement, prepare
    from jointgov.reporters.simulation import write_json, write_text
    from jointgov.simulation.machine import Simulator
    from jointgov.simulation.scenarios import load_scenarios

    out = out or sys.stdout
    if fail_on not in VERDICT_FAIL_ON:
        raise ConfigError(f"--fail-on: expected one of {', '.join(VERDICT_FAIL_ON)}, got {fail_on!r}")
    run_settings = settings(config_path, as_of=as_of)
    options, config = run_settings.options, run_settings.config
    files, left_out = discover(paths, config.exclude, config.base)
    if not files and not left_out:
        raise ConfigError("no agreement files (*.yaml, *.yml) found in " + ", ".join(paths))
    if output:
        data = [os.path.join(d, n) for d in scenario_dirs if os.path.isdir(d) for n in os.listdir(d)]
        check_outputs([("--output", output)], [*files, str(config.path or ""), *data])
    prepare(run_settings)  # the configuration's rule options are checked as check and diff check them
    sim = Simulator(load_scenarios(scenario_dirs), options.as_of, options.limits)
    known = [s.name for s in sim.scenarios]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(f"--scenario: no scenario {', '.join(map(repr, unknown))} (scenarios: {', '.join(known)})")
    where = config.path.name if config.path else "the configuration"
    skipped = [Skipped(p, "excluded", f'exclude = ["{glob}"] in {where}', named) for p, glob, named in left_out]
    sims = []
    named = {os.path.normpath(p) for p in paths if not os.path.isdir(p)}
    for path in files:
        doc = open_agreement(path, options.limits)
        why = "" if excluded(path, config.agreements, config.base) else not_an_agreement(doc)
        if why:
            skipped.append(Skipped(path, "not-an-agreement", why, os.path.normpath(path) in named))
        else:
            sims.append(sim.simulate_document(doc, tuple(names), party, post))
    skipped.sort(key=lambda s: s.path)
    day = options.as_of.isoformat()
    stream = io.StringIO() if output else out
    if fmt == "json":
        write_json(sims, stream, day, skipped)
    else:
        write_text(sims, stream, use_colour(colour, out, output), day, skipped)
    if output:
        assert isinstance(stream, io.StringIO)
        write_outputs([(output, stream.getvalue())])
    return EXIT_FINDINGS if failing(sims, fail_on) else EXIT_CLEAN
