"""The JSON reporter: one object, a stable interface documented in the README."""

from __future__ import annotations

import json
from typing import TextIO

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
    "provenance"}`` as JSON, and ``simulations`` after ``check --simulate``."""
    document = {
        "jointgov": __version__,
        "as_of": report.as_of,
        "files": [{"path": f.path, "sha256": f.sha256, "rules_run": f.rules_run} for f in report.files],
        "findings": [dict(f.as_dict(), fingerprint=report.fingerprint(f)) for f in report.findings],
        "summary": report.summary(),
        "waived": [waived_object(report, w) for w in report.waived],
        "baseline": {"hidden": report.baseline_hidden, "stale": report.baseline_stale},
        "skipped": [{"path": s.path, "reason": s.reason, "detail": s.detail} for s in report.skipped],
        "provenance": report.provenance(),
    }
    if report.simulations:  # check --simulate
        from jointgov.reporters.simulation import summary, to_json

        document["simulations"] = {"summary": summary(report.simulations), "files": to_json(report.simulations)}
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")
