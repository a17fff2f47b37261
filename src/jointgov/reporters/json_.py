"""The JSON reporter: one object, a stable interface documented in the README."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from jointgov import __version__
from jointgov.model import Waived
from jointgov.reporters.report import Report


def waived_object(report: Report, w: Waived) -> dict[str, object]:
    """A waived finding as the JSON reports give it: the finding, its fingerprint and the waiver."""
    return dict(w.finding.as_dict(), fingerprint=report.fingerprint(w.finding),
                waiver={"path": w.waiver.path, "line": w.waiver.line, "rule": w.waiver.rule,
                        "target": w.waiver.target, "reason": w.waiver.reason,
                        "approved_by": w.waiver.approved_by, "approved_on": w.waiver.approved_on,
                        "expires_on": w.waiver.expires_on})


def write(report: Report, out: TextIO, colour: bool = False) -> None:
    """Write ``{"jointgov", "as_of", "files", "findings", "summary", "waived", "baseline", "skipped",
    "provenance"}`` as JSON, and ``simulations`` after ``check --simulate``: the text ``json.dump`` gives with an
    indent of 2, written part by part, each finding's object made as it is written (not a second copy of them all).
    """
    document: dict[str, Any] = {
        "jointgov": __version__,
        "as_of": report.as_of,
        "files": ({"path": f.path, "sha256": f.sha256, "rules_run": f.rules_run} for f in report.files),
        "findings": (dict(f.as_dict(), fingerprint=report.fingerprint(f)) for f in report.findings),
        "summary": report.summary(),
        "waived": (waived_object(report, w) for w in report.waived),
        "baseline": {"hidden": report.baseline_hidden, "stale": report.baseline_stale},
        "skipped": [{"path": s.path, "reason": s.reason, "detail": s.detail} for s in report.skipped],
        "provenance": report.provenance(),
    }
    if report.simulations:  # check --simulate
        from jointgov.reporters.simulation import summary, to_json

        document["simulations"] = {"summary": summary(report.simulations), "files": to_json(report.simulations)}
    out.write("{")
    for number, (key, value) in enumerate(document.items()):
        out.write(("," if number else "") + "\n  " + json.dumps(key, ensure_ascii=False) + ": ")
        if isinstance(value, Iterator):
            _write_items(value, out)
        else:
            out.write(_dumps(value, "\n  "))
    out.write("\n}\n")


def _dumps(value: object, indent: str) -> str:
    """*value* as ``json.dump`` writes it with an indent of 2, at the depth *indent* (a newline and spaces): strings
    hold no line break of their own (JSON escapes it), so every one in the text is the layout's."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", indent)


def _write_items(items: Iterator[object], out: TextIO) -> None:
    """A list of the document, at depth 1, item by item."""
    empty = True
    for item in items:
        out.write(("[" if empty else ",") + "\n    " + _dumps(item, "\n    "))
        empty = False
    out.write("[]" if empty else "\n  ]")
