"""Findings as the editor's diagnostics: the same rule ids, severities, lines and columns as ``jointgov check``.

Each diagnostic's code is the rule id, its message the rule's name and the finding's message (no
link: the hover gives the rule's explanation); a waived finding is a hint that names its waiver.
A file that could not be checked (an invalid configuration, an engine failure) gets one error at
its first line saying why, so that the editor shows it where the author is looking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from lsprotocol import types

from jointgov.lsp.text import token_end
from jointgov.model import Finding, Waived

SOURCE = "jointgov"
SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
            "info": types.DiagnosticSeverity.Information}

Convert = Callable[[int, int], types.Position]
"""(0-based line, column in characters) to the client's position."""


def span(lines: list[str], line: int, column: int) -> tuple[int, int, int]:
    """The 0-based (line, start, end) columns of the token a finding at 1-based (*line*, *column*) points at."""
    row = min(max(line - 1, 0), max(len(lines) - 1, 0))
    text = lines[row] if lines else ""
    start = max(column - 1, 0)
    return row, start, token_end(text, start)


def _range(lines: list[str], finding: Finding, convert: Convert) -> types.Range:
    row, start, end = span(lines, finding.line, finding.column)
    return types.Range(convert(row, start), convert(row, end))


def diagnostic(finding: Finding, lines: list[str], convert: Convert, waiver: str = "") -> types.Diagnostic:
    """One finding as a diagnostic; *waiver* (a waived finding's waiver, in words) makes it a hint."""
    data: dict[str, Any] = {"rule": finding.rule_id, "pointer": finding.pointer, "waived": bool(waiver)}
    message = f"{finding.rule_name}: {finding.message}"
    severity = SEVERITY.get(finding.severity, types.DiagnosticSeverity.Error)
    if waiver:
        message = f"waived ({waiver}): {message}"
        severity = types.DiagnosticSeverity.Hint
    return types.Diagnostic(range=_range(lines, finding, convert), message=message, severity=severity,
                            code=finding.rule_id, source=SOURCE, data=data)


def waiver_words(waived: Waived) -> str:
    """Which waiver covers a finding, in words: ``waiver of JG107 on ce-dss approved by joint-board until ...``."""
    w = waived.waiver
    parts = [f"waiver at line {w.line}"]
    if w.approved_by:
        parts.append(f"approved by {w.approved_by}")
    if w.expires_on:
        parts.append(f"until {w.expires_on}")
    return ", ".join(parts)


def diagnostics(findings: Iterable[Finding], waived: Iterable[Waived], lines: list[str], convert: Convert
                ) -> list[types.Diagnostic]:
    """The diagnostics of a file's findings (in the order check prints them), then of its waived findings."""
    out = [diagnostic(f, lines, convert) for f in sorted(findings)]
    out += [diagnostic(w.finding, lines, convert, waiver_words(w)) for w in sorted(waived, key=lambda w: w.finding)]
    return out


def problem(text: str, convert: Convert, code: str = "jointgov") -> types.Diagnostic:
    """A file that could not be checked: one error at its first line saying why (*code*: what failed)."""
    return types.Diagnostic(range=types.Range(convert(0, 0), convert(0, 1)), message=f"jointgov: {text}",
                            severity=types.DiagnosticSeverity.Error, code=code, source=SOURCE)
