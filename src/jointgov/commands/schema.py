"""``jointgov schema``: the JSON Schema of the agreement format (or of the organisations register)."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from jointgov.model import EXIT_CLEAN


def run(out: TextIO | None = None, registry: bool = False) -> int:
    """Print the agreement format's JSON Schema (or the organisations register's)."""
    from jointgov.pipeline.validate import agreement_schema
    from jointgov.repository.register import schema

    out = out or sys.stdout
    json.dump(schema() if registry else agreement_schema(), out, indent=2, ensure_ascii=False)
    out.write("\n")
    return EXIT_CLEAN
