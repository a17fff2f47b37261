"""Baselines: record today's findings by fingerprint, then report only new ones.

For a repository adopting jointgov on old agreements: ``--write-baseline FILE``
records every current finding; ``--baseline FILE`` hides the findings recorded
there and says how many recorded entries no longer occur (fixed, or moved to
another clause). Fingerprints do not change when lines move.

A baseline is read (and checked) before the run starts, and written with the run's reports, so the same
file may be read with ``--baseline`` (or ``baseline =``) and refreshed with ``--write-baseline``: the run
reports against the baseline as it was, and records every finding of today.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from jointgov import __version__
from jointgov.files import read_bounded
from jointgov.model import ConfigError, Finding
from jointgov.reporters.report import Report

MAX_BYTES = 256 << 20
"""A baseline file is at most 256 MiB (some million findings)."""


def render(report: Report) -> str:
    """The baseline of *report*: every current finding, by fingerprint (JSON text)."""
    entries = {report.fingerprint(f): {"rule_id": f.rule_id, "path": report.relative(f.path), "pointer": f.pointer,
                                       "message": f.message} for f in report.findings}
    document = {"jointgov": __version__, "as_of": report.as_of, "findings": dict(sorted(entries.items()))}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def read(path: str) -> frozenset[str]:
    """The fingerprints recorded in the baseline *path*; a ConfigError (exit 2) saying why it is not one."""
    try:
        raw = read_bounded(path, max_bytes=MAX_BYTES)
    except FileNotFoundError as exc:
        raise ConfigError(f"--baseline: {path}: no such file (make one with --write-baseline)") from exc
    except OSError as exc:
        raise ConfigError(f"--baseline: {path}: cannot read it: {exc.strerror or exc}") from exc
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"--baseline: {path}: over {MAX_BYTES:,} bytes: not a jointgov baseline file")
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ConfigError(f"--baseline: {path}: not a jointgov baseline file (not JSON text)") from exc
    findings = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(findings, dict) or not all(isinstance(v, dict) for v in findings.values()):
        raise ConfigError(f"--baseline: {path}: not a jointgov baseline file (its 'findings' must map each "
                          "fingerprint to the finding recorded; make one with --write-baseline)")
    return frozenset(findings)


def hide(recorded: frozenset[str], report: Report, findings: Sequence[Finding], seen: set[str]) -> list[Finding]:
    """*findings* less those whose fingerprints are *recorded* (counted in the report's ``baseline_hidden``, their
    fingerprints added to *seen*)."""
    kept = []
    for finding in findings:
        fingerprint = report.fingerprint(finding)
        if fingerprint in recorded:
            seen.add(fingerprint)
        else:
            kept.append(finding)
    report.baseline_hidden += len(findings) - len(kept)
    return kept


def apply(recorded: frozenset[str], report: Report, seen: set[str] | None = None) -> None:
    """Hide the findings whose fingerprints are *recorded*; count the recorded entries that no longer occur (*seen*:
    the fingerprints of those already hidden, when the run streamed the findings)."""
    seen = set() if seen is None else seen
    report.findings = hide(recorded, report, report.findings, seen)
    report.baseline_stale = len(recorded - seen)
