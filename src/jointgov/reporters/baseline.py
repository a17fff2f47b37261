"""Baselines: record today's findings by fingerprint, then report only new ones.

For a repository adopting jointgov on old agreements: ``--write-baseline FILE``
records every current finding; ``--baseline FILE`` hides the findings recorded
there and says how many recorded entries no longer occur (fixed, or moved to
another clause). Fingerprints do not change when lines move.
"""

from __future__ import annotations

import json
from pathlib import Path

from jointgov import __version__
from jointgov.files import write_atomic
from jointgov.model import ConfigError
from jointgov.reporters.report import Report


def write(path: str, report: Report) -> None:
    """Record every current finding of *report* in *path* (atomically)."""
    entries = {report.fingerprint(f): {"rule_id": f.rule_id, "path": report.relative(f.path), "pointer": f.pointer,
                                       "message": f.message} for f in report.findings}
    document = {"jointgov": __version__, "as_of": report.as_of, "findings": dict(sorted(entries.items()))}
    write_atomic(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def apply(path: str, report: Report) -> None:
    """Hide the findings recorded in the baseline *path*; count the entries that no longer occur."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        recorded = set(document["findings"])
    except FileNotFoundError as exc:
        raise ConfigError(f"--baseline: {path}: no such file (make one with --write-baseline)") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"--baseline: {path}: not a jointgov baseline file") from exc
    seen = set()
    kept = []
    for finding in report.findings:
        fingerprint = report.fingerprint(finding)
        if fingerprint in recorded:
            seen.add(fingerprint)
        else:
            kept.append(finding)
    report.baseline_hidden = len(report.findings) - len(kept)
    report.baseline_stale = len(recorded - seen)
    report.findings = kept
