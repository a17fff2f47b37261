"""The SARIF reporter: one SARIF 2.1.0 log for code-scanning tools (GitHub, Azure DevOps, IDEs).

One run. ``tool.driver.rules`` lists every active rule (with its effective
severity as ``defaultConfiguration.level``); each finding is a result located by
a path relative to the repository root (``uriBaseId`` ``%SRCROOT%``), its
line and column, and its JSON pointer as a logical location. Waived findings are
results too, with an accepted in-source suppression. ``partialFingerprints``
carry ``Report.fingerprint``, which does not change when lines move. The output
is deterministic: no timestamps, everything sorted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from jointgov import __version__
from jointgov.model import SKIP_REASONS, Finding, Skipped, WaiverInfo
from jointgov.reporters.report import Report, RuleInfo
from jointgov.reporters.sources import evidence_text

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "jointgov/v1"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
"""jointgov severity → SARIF level."""


def _evidence_lines(rule: RuleInfo, markdown: bool) -> list[str]:
    """One line per evidence item: its full citation (jointgov.reporters.sources), and its quote."""
    quotes = ("\u201c", "\u201d") if markdown else ('"', '"')
    return [f"- {evidence_text(item, *quotes)}" for item in rule.evidence]


def rule_help(rule: RuleInfo) -> dict[str, str]:
    """The rule's help as SARIF ``multiformatMessageString``: rationale, evidence and remediation."""
    rationale, remediation = rule.rationale.strip(), rule.remediation.strip()
    text = [rationale, ""]
    markdown = [rationale, ""]
    if rule.evidence:
        text += ["Evidence:", *_evidence_lines(rule, False), ""]
        markdown += ["**Evidence**", "", *_evidence_lines(rule, True), ""]
    text.append(f"Fix: {remediation}")
    markdown.append(f"**Fix:** {remediation}")
    return {"text": "\n".join(text), "markdown": "\n".join(markdown)}


def _descriptor(rule: RuleInfo) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title.strip()},
        "fullDescription": {"text": rule.checks or rule.rationale.strip()},
        "help": rule_help(rule),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"area": rule.area, "tags": [rule.area]},
    }


class _Builder:
    """Holds the indexes (rules, artifacts) that results refer to."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.rules = sorted(report.rules, key=lambda r: r.id)
        self.rule_index = {r.id: i for i, r in enumerate(self.rules)}
        self.files = sorted(report.files, key=lambda f: report.relative(f.path))
        self.artifact_index = {report.relative(f.path): i for i, f in enumerate(self.files)}

    def artifact_location(self, path: str) -> dict[str, Any]:
        relative = self.report.relative(path)
        # a URI reference: '#', '?', '%' and spaces in a file name are percent-encoded (RFC 3986)
        location: dict[str, Any] = {"uri": quote(relative, safe="/"), "uriBaseId": SRCROOT}
        if relative in self.artifact_index:
            location["index"] = self.artifact_index[relative]
        return location

    def location(self, path: str, line: int, column: int, pointer: str) -> dict[str, Any]:
        location: dict[str, Any] = {"physicalLocation": {
            "artifactLocation": self.artifact_location(path),
            "region": {"startLine": max(line, 1), "startColumn": max(column, 1)},
        }}
        if pointer:
            location["logicalLocations"] = [{"fullyQualifiedName": pointer}]
        return location

    def artifacts(self) -> list[dict[str, Any]]:
        out = []
        for summary in self.files:
            artifact: dict[str, Any] = {"location": self.artifact_location(summary.path),
                                        "roles": ["analysisTarget"]}
            if summary.sha256:
                artifact["hashes"] = {"sha-256": summary.sha256}
            out.append(artifact)
        return out

    def result(self, finding: Finding, waiver: WaiverInfo | None = None) -> dict[str, Any]:
        result: dict[str, Any] = {"ruleId": finding.rule_id}
        if finding.rule_id in self.rule_index:
            result["ruleIndex"] = self.rule_index[finding.rule_id]
        result.update({
            "level": LEVELS[finding.severity],
            "message": {"text": finding.message},
            "locations": [self.location(finding.path, finding.line, finding.column, finding.pointer)],
            "partialFingerprints": {FINGERPRINT_KEY: self.report.fingerprint(finding)},
        })
        if waiver is not None:
            result["suppressions"] = [{
                "kind": "inSource",
                "status": "accepted",
                "justification": waiver.reason,
                "location": self.location(waiver.path, waiver.line, waiver.column, waiver.pointer),
                "properties": {"approved_by": waiver.approved_by, "approved_on": waiver.approved_on,
                               "expires_on": waiver.expires_on},
            }]
        return result

    def results(self) -> list[dict[str, Any]]:
        entries: list[tuple[Finding, WaiverInfo | None]] = [(f, None) for f in self.report.findings]
        entries += [(w.finding, w.waiver) for w in self.report.waived]
        entries.sort(key=lambda e: (e[0], e[1] is not None))
        return [self.result(finding, waiver) for finding, waiver in entries]


def sarif_log(report: Report) -> dict[str, Any]:
    """The SARIF log of *report* as a JSON-ready dict."""
    build = _Builder(report)
    provenance = report.provenance()
    root_uri = Path(report.root).resolve().as_uri().rstrip("/") + "/"
    run = {
        "tool": {"driver": {
            "name": "jointgov",
            "version": __version__,
            "semanticVersion": __version__,
            "rules": [_descriptor(r) for r in build.rules],
        }},
        "invocations": [{"executionSuccessful": True, "properties": provenance,
                         **({"toolExecutionNotifications": [_skipped(report, item) for item in report.skipped]}
                            if report.skipped else {})}],
        "originalUriBaseIds": {SRCROOT: {"uri": root_uri}},
        "artifacts": build.artifacts(),
        "results": build.results(),
        "columnKind": "unicodeCodePoints",
        "properties": provenance,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _skipped(report: Report, item: Skipped) -> dict[str, Any]:
    """A file the run did not check, as a notification: where it is and why (not an agreement, excluded)."""
    words = SKIP_REASONS[item.reason] + (f" ({item.detail})" if item.detail else "")
    return {"level": "note", "message": {"text": f"skipped: {words}"}, "descriptor": {"id": item.reason},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": report.relative(item.path),
                                                                     "uriBaseId": SRCROOT}}}]}


def write(report: Report, out: TextIO, colour: bool = False) -> None:
    """Write the report as a SARIF 2.1.0 log (indented JSON, keys in a fixed order)."""
    json.dump(sarif_log(report), out, indent=2, ensure_ascii=False)
    out.write("\n")

