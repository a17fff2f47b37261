"""``jointgov facts FILE``: the facts the rules match against for one agreement, as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from jointgov.config import settings
from jointgov.model import EXIT_CLEAN, EXIT_FINDINGS, ConfigError
from jointgov.pipeline.checker import open_agreement


def run(path: str, as_of: str | None = None, out: TextIO | None = None) -> int:
    """Print the facts the rules see for one agreement, as JSON; exit 1, naming its problems as ``check``
    does, when ``check`` would not run the rules on it (the configuration's limits apply)."""
    out = out or sys.stdout
    run_settings = settings(as_of=as_of)
    if not Path(path).is_file():
        raise ConfigError(f"{path}: no such file")
    doc = open_agreement(path, run_settings.options.limits)
    if not doc.sound:
        for rule, line, col, message, _ in sorted(set(doc.problems), key=lambda p: (p[1], p[2], p[0], p[3])):
            sys.stderr.write(f"{path}:{line}:{col}: {rule}: {message}\n")
        sys.stderr.write("the file must match the format before its facts can be shown\n")
        return EXIT_FINDINGS
    json.dump(doc.facts(run_settings.options.as_of), out, indent=2, ensure_ascii=False)
    out.write("\n")
    return EXIT_CLEAN
