"""``jointgov diff OLD NEW`` and ``jointgov diff --git REV [PATH...]``: the command."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from jointgov.config import settings
from jointgov.diff.compare import compare, describe
from jointgov.diff.git import Version, git_versions, read_version
from jointgov.files import check_outputs, excluded, write_outputs
from jointgov.model import DIFF_FORMATS, EXIT_CLEAN, EXIT_FINDINGS, ConfigError
from jointgov.pipeline.checker import Checker, prepare
from jointgov.reporters.diff import refusal, render_json, render_markdown, render_text


def run(paths: Sequence[str], *, rev: str | None = None, fmt: str = "text", output: str | None = None,
        fail_on_weakening: bool = False, as_of: str | None = None, config_path: str | None = None,
        out: TextIO | None = None) -> int:
    """Compare OLD and NEW (*paths*), or each agreement changed since *rev* (``--git``); return the exit status.

    0: nothing weakens, or *fail_on_weakening* is not set; 1: with *fail_on_weakening*, a change that
    weakens and no variation agreed (saying so, and what would record it), or a new version that is no valid
    agreement. Usage errors raise ConfigError (exit 2).
    """
    out = out or sys.stdout
    if fmt not in DIFF_FORMATS:
        raise ConfigError(f"--format: expected one of {', '.join(DIFF_FORMATS)}, got {fmt!r}")
    run_settings = settings(config_path, as_of=as_of)
    options, config = run_settings.options, run_settings.config
    versions: list[Version]
    if rev is not None:
        versions = git_versions(rev, paths, options.limits, config.exclude, config.base)
    elif len(paths) != 2:
        raise ConfigError("diff: give two files, OLD and NEW (or --git REV [PATH...])")
    else:
        for given in paths:
            if not Path(given).is_file():
                raise ConfigError(f"{given}: {'not a file' if Path(given).exists() else 'no such file'}")
        versions = [(paths[1], paths[0], read_version(Path(paths[0]), options.limits),
                     read_version(Path(paths[1]), options.limits))]
    if output:  # never over a version being compared (or the configuration)
        check_outputs([("--output", output)], [*(p for p in paths if os.path.isfile(p)),
                                               *(v[0] for v in versions if os.path.isfile(v[0])),
                                               str(run_settings.config.path or "")])
    checker = Checker(prepare(run_settings), options)
    diffs = [compare(old, new, path, label, checker, forced=excluded(path, config.agreements, config.base))
             for path, label, old, new in versions]
    render = {"text": render_text, "json": render_json, "markdown": render_markdown}[fmt]
    text = render(diffs, options.as_of.isoformat())
    if output:
        write_outputs([(output, text)])
    else:
        out.write(text)
    for d in diffs if output or fmt != "text" else ():
        if d.error:
            sys.stderr.write(f"{describe(d.error)} (cannot compare until the agreement is fixed)\n")
    refused = refusal(diffs) if fail_on_weakening else ""
    if refused:
        sys.stderr.write(refused)
    return EXIT_FINDINGS if refused else EXIT_CLEAN
