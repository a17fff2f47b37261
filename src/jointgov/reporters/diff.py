"""``jointgov diff`` output: one line per change (text), the stable JSON document, or a pull-request comment."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from jointgov.diff.compare import MARKERS, Change, FileDiff, Listed, describe, show
from jointgov.model import Finding
from jointgov.reporters.report import printable


def _whole(c: Change) -> str | None:
    """``removed``, ``added`` or ``changed`` for a clause with fields of its own; None for a value."""
    if isinstance(c.old, dict) or isinstance(c.new, dict):
        return "removed" if c.new is None else "added" if c.old is None else "changed"
    return None


def _where(path: str, line: int | None, column: int | None) -> str:
    return path if line is None else f"{path}:{line}:{column}"


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(diffs: Sequence[FileDiff]) -> dict[str, int]:
    """Counts: files compared, changes by effect, findings introduced and resolved, files not comparable."""
    effects = [c.effect for d in diffs for c in d.changes]
    return {"files": len(diffs), **{e: effects.count(e) for e in MARKERS},
            "findings_introduced": sum(len(d.introduced) for d in diffs),
            "findings_resolved": sum(len(d.resolved) for d in diffs), "errors": sum(d.error is not None for d in diffs)}


def _sentence(diffs: Sequence[FileDiff]) -> str:
    if not diffs:
        return "no changed agreement to compare"
    s = summary(diffs)
    return (f"{_n(s['files'], 'agreement')} compared: {_n(s['weakens'], 'weakening')}, "
            f"{_n(s['strengthens'], 'strengthening')}, {_n(s['changes'], 'other change')}; "
            f"{_n(s['findings_introduced'], 'finding')} introduced, {s['findings_resolved']} resolved"
            + (f"; {s['errors']} could not be compared" if s["errors"] else ""))


def render_text(diffs: Sequence[FileDiff], as_of: str) -> str:
    """One line per change (``path:line:col: effect: item: field old → new: why``), the findings, a summary."""
    def what(c: Change) -> str:
        return f"{c.field} {_whole(c) or f'{show(c.old)} → {show(c.new)}'}".strip()

    def finding(f: Finding, waived: bool, how: str) -> str:
        return f"{f.path}:{f.line}:{f.column}: {how}: {f.severity} {f.rule_id} {f.rule_name}: {f.message}" + (
            " (waived)" if waived else "")

    lines = [f"{describe(d.error)} (cannot compare until the agreement is fixed)" for d in diffs if d.error]
    lines += [f"{_where(c.path, c.line, c.column)}: {c.effect}: {c.item}: {what(c)}: {c.explanation}"
              for d in diffs for c in d.changes]
    lines += [finding(f, w, "introduced") for d in diffs for f, w in d.introduced]
    lines += [finding(f, w, "resolved") for d in diffs for f, w in d.resolved]
    return "\n".join(printable(line) for line in [*lines, _sentence(diffs)]) + "\n"  # one line each, for a terminal


def render_json(diffs: Sequence[FileDiff], as_of: str) -> str:
    """The stable JSON report: files, changes, findings introduced and resolved, errors, summary."""
    from jointgov import __version__

    def listed(key: str) -> list[dict[str, Any]]:
        return [f.as_dict() | {"waived": w} for d in diffs for f, w in getattr(d, key)]

    return json.dumps({"jointgov": __version__, "as_of": as_of,
                       "files": [{"path": d.path, "old": d.old, "status": d.status} for d in diffs],
                       "changes": [c.as_dict() for d in diffs for c in d.changes],
                       "findings_introduced": listed("introduced"), "findings_resolved": listed("resolved"),
                       "errors": [d.error.as_dict() for d in diffs if d.error], "summary": summary(diffs)},
                      indent=2, ensure_ascii=False) + "\n"


def _code(text: str) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _md(text: str) -> str:
    out = " ".join(text.split())
    for char in "\\`*_[]<>|#":
        out = out.replace(char, "\\" + char)
    return out


def render_markdown(diffs: Sequence[FileDiff], as_of: str) -> str:
    """A pull-request comment: a heading, a table of the changes, the findings introduced and resolved."""
    out = ["## Governance diff", "", f"{_sentence(diffs)[:1].upper()}{_sentence(diffs)[1:]} (as of {as_of}).", ""]
    out += [f"**Cannot compare** {_code(_where(d.path, d.error.line, d.error.column))}: {d.error.rule_id} "
            f"{_md(d.error.message)}\n" for d in diffs if d.error]
    rows = [c for d in diffs for c in d.changes]
    out += ["| effect | where | item | change | why it matters |", "| --- | --- | --- | --- | --- |"] if rows else [
        "No governance-relevant changes."]
    for c in rows:
        what = f"{_code(show(c.old))} → {_code(show(c.new))}" if _whole(c) is None else _whole(c)
        what = f"{_code(c.field)} {what}" if c.field else what
        out.append(f"| {MARKERS[c.effect]} {c.effect} | {_code(_where(c.path, c.line, c.column))} | {_code(c.item)} | "
                   f"{what} | {_md(c.explanation)} |")
    for title, key in (("Findings introduced", "introduced"), ("Findings resolved", "resolved")):
        items: list[Listed] = [x for d in diffs for x in getattr(d, key)]
        out += ["", f"### {title} ({len(items)})", ""]
        out += [f"- {_code(f'{f.path}:{f.line}:{f.column}')} {f.severity} {f.rule_id} {_code(f.rule_name)}: "
                f"{_md(f.message)}{' (waived)' if w else ''}" for f, w in items] or ["None."]
    return "\n".join(out) + "\n"
