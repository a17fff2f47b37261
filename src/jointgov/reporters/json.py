"""The JSON reporter: one object, a stable interface documented in the README."""

from __future__ import annotations

import json
from typing import TextIO

from jointgov import __version__
from jointgov.reporters import Report


def write(report: Report, out: TextIO, colour: bool = False) -> None:
    """Write ``{"jointgov", "as_of", "files", "findings", "summary"}`` as indented JSON."""
    document = {
        "jointgov": __version__,
        "as_of": report.as_of,
        "files": [{"path": f.path, "sha256": f.sha256, "rules_run": f.rules_run} for f in report.files],
        "findings": [f.as_dict() for f in report.findings],
        "summary": report.summary(),
    }
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")
