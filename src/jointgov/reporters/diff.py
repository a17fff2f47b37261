"""``jointgov diff`` output: one line per change (text), the stable JSON document, or a pull-request comment."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from jointgov.diff.compare import MARKERS, Change, FileDiff, describe, show
from jointgov.diff.variations import unagreed
from jointgov.model import Finding
from jointgov.reporters.report import printable
from jointgov.reporters.summary import BUDGET, COMMENT_LIMIT, size


def _whole(c: Change) -> str | None:
    """``removed``, ``added`` or ``changed`` for a clause with fields of its own; None for a value."""
    if isinstance(c.old, dict) or isinstance(c.new, dict):
        return "removed" if c.new is None else "added" if c.old is None else "changed"
    return None


def _where(path: str, line: int | None, column: int | None) -> str:
    return path if line is None else f"{path}:{line}:{column}"


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def agreed_text(c: Change) -> str:
    """``agreed by Joint board on 2026-10-01 (variation at line 12; minute 2026/14)``: who agreed a change, when."""
    v = c.agreed or {}
    minute = f"; minute {v['minute']}" if v.get("minute") else ""
    return f"agreed by {v.get('agreed_by_name')} on {v.get('agreed_on')} (variation at line {v.get('line')}{minute})"


def summary(diffs: Sequence[FileDiff]) -> dict[str, int]:
    """Counts: files compared, changes by effect, findings introduced and resolved, files not comparable, files
    skipped (not agreements)."""
    effects = [c.effect for d in diffs for c in d.changes]
    return {"files": sum(d.status != "skipped" for d in diffs), **{e: effects.count(e) for e in MARKERS},
            "agreed": sum(c.effect == "weakens" and c.agreed is not None for d in diffs for c in d.changes),
            "findings_introduced": sum(len(d.introduced) for d in diffs),
            "findings_resolved": sum(len(d.resolved) for d in diffs), "errors": sum(d.error is not None for d in diffs),
            "skipped": sum(d.status == "skipped" for d in diffs)}


def _sentence(diffs: Sequence[FileDiff]) -> str:
    s = summary(diffs)
    skipped = f"{_n(s['skipped'], 'file')} skipped (not an agreement)" if s["skipped"] else ""
    if not s["files"]:
        return "no changed agreement to compare" + (f"; {skipped}" if skipped else "")
    agreed = f" ({s['agreed']} agreed by the parties)" if s["agreed"] else ""
    return (f"{_n(s['files'], 'agreement')} compared: {_n(s['weakens'], 'weakening')}{agreed}, "
            f"{_n(s['strengthens'], 'strengthening')}, {_n(s['changes'], 'other change')}; "
            f"{_n(s['findings_introduced'], 'finding')} introduced, {s['findings_resolved']} resolved"
            + (f"; {s['errors']} could not be compared" if s["errors"] else "") + (f"; {skipped}" if skipped else ""))


def render_text(diffs: Sequence[FileDiff], as_of: str) -> str:
    """One line per change (``path:line:col: effect: item: field old → new: why``), the findings, a summary."""
    def what(c: Change) -> str:
        return f"{c.field} {_whole(c) or f'{show(c.old)} → {show(c.new)}'}".strip()

    def finding(f: Finding, waived: bool, how: str) -> str:
        return f"{f.path}:{f.line}:{f.column}: {how}: {f.severity} {f.rule_id} {f.rule_name}: {f.message}" + (
            " (waived)" if waived else "")

    lines = [f"{d.path}: skipped: not an agreement ({d.skipped})" for d in diffs if d.status == "skipped"]
    lines += [f"{describe(d.error)} (cannot compare until the agreement is fixed)" for d in diffs if d.error]
    lines += [f"{_where(c.path, c.line, c.column)}: {c.effect}: {c.item}: {what(c)}: {c.explanation}"
              + (f" [{agreed_text(c)}]" if c.agreed else "") for d in diffs for c in d.changes]
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


def _yaml(value: Any) -> str:
    """A value as it would be written in the agreement (flow style for a list)."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) and (not value or ":" in value) \
        else "[" + ", ".join(map(str, value)) + "]" if isinstance(value, list) else str(value)


_TO_FILL = ("    reason: <why the parties agreed it>",
            "    agreed_by: <the id of a governance body with members from every party>",
            "    agreed_on: <the date it decided, YYYY-MM-DD>", "    minute: <where the decision is recorded>")


def refusal(diffs: Sequence[FileDiff]) -> str:
    """What ``--fail-on-weakening`` says when it refuses: the weakenings not recorded as agreed, and the variation
    that would record each (the values to copy), or the agreements that cannot be read."""
    out = []
    broken = [d for d in diffs if d.error]
    if broken:
        out.append(f"jointgov diff: refused: {_n(len(broken), 'changed agreement')} cannot be read: fix "
                   f"{'it' if len(broken) == 1 else 'them'} first (above)")
    weak = unagreed(list(diffs))
    if weak:
        out.append(f"jointgov diff: refused: {_n(len(weak), 'change')} {'weakens' if len(weak) == 1 else 'weaken'} an "
                   "agreement and no variation recorded in it says the parties agreed "
                   f"{'it' if len(weak) == 1 else 'them'} (the lines marked weakens above).")
        out.append("If the parties did agree, record each decision in the agreement, in the same commit as the "
                   "change:\n\nvariations:")
        for c in weak[:10]:
            values = [f"    from: {_yaml(c.old)}" if c.old is not None and not isinstance(c.old, dict) else "",
                      f"    to: {_yaml(c.new)}" if c.new is not None and not isinstance(c.new, dict) else ""]
            out.append("\n".join([f"  - clause: {c.clause or c.item}  # {_where(c.path, c.line, c.column)}",
                                  *(v for v in values if v), *_TO_FILL]))
        if len(weak) > 10:
            out.append(f"  # ... and {len(weak) - 10} more (listed above)")
        out.append("\n(docs/agreement-format.md, \"Agreed changes: variations\"; a variation is a permanent record: "
                   "removing or editing one is itself a weakening)")
    return "\n".join(out) + "\n" if out else ""


def render_markdown(diffs: Sequence[FileDiff], as_of: str) -> str:
    """A pull-request comment: a heading, a table of the changes, the findings introduced and resolved; within
    GitHub's limit for a comment (``summary.BUDGET``): when it would not fit, the weakenings come first and a
    closing line says what was cut."""
    head = ["## Governance diff", "", f"{_sentence(diffs)[:1].upper()}{_sentence(diffs)[1:]} (as of {as_of}).", ""]
    head += [f"**Cannot compare** {_code(_where(d.path, d.error.line, d.error.column))}: {d.error.rule_id} "
             f"{_md(d.error.message)}\n" for d in diffs if d.error]
    rows = [c for d in diffs for c in d.changes]
    lines = [_row(c) for c in rows]
    findings = {key: [x for d in diffs for x in getattr(d, key)] for key in ("introduced", "resolved")}
    listed = {key: [_listed_line(f, w) for f, w in items] for key, items in findings.items()}
    whole = _assemble(head, lines, listed, {key: len(items) for key, items in findings.items()})
    if size(whole) <= BUDGET:
        return whole
    order = sorted(range(len(rows)), key=lambda i: ("weakens", "changes", "strengthens").index(rows[i].effect))
    kept: list[str] = []
    kept_listed: dict[str, list[str]] = {"introduced": [], "resolved": []}
    used = size("\n".join(head)) + 2_000  # the headings and the closing line
    for text, target in [*((lines[i], kept) for i in order),
                         *((line, kept_listed[key]) for key in ("introduced", "resolved") for line in listed[key])]:
        if used + size(text) + 1 > BUDGET:
            continue
        target.append(text)
        used += size(text) + 1
    cut_rows, cut_findings = len(lines) - len(kept), sum(len(listed[k]) - len(kept_listed[k]) for k in listed)
    cut = " and ".join(_n(n, word) for n, word in ((cut_rows, "change"), (cut_findings, "finding")) if n)
    tail = (f"\n*Cut to stay within GitHub's {COMMENT_LIMIT:,}-character limit for a comment: {cut} not shown (the "
            "weakenings come first). The full diff: `jointgov diff` with `--format text` or `--format json`.*\n")
    return _assemble(head, kept, kept_listed, {key: len(items) for key, items in findings.items()}) + tail


def _row(c: Change) -> str:
    what = f"{_code(show(c.old))} → {_code(show(c.new))}" if _whole(c) is None else _whole(c)
    what = f"{_code(c.field)} {what}" if c.field else what
    agreed = f" **Agreed**: {_md(agreed_text(c))}." if c.agreed else ""
    return (f"| {MARKERS[c.effect]} {c.effect} | {_code(_where(c.path, c.line, c.column))} | {_code(c.item)} | "
            f"{what} | {_md(c.explanation)}{agreed} |")


def _listed_line(f: Finding, waived: bool) -> str:
    return (f"- {_code(f'{f.path}:{f.line}:{f.column}')} {f.severity} {f.rule_id} {_code(f.rule_name)}: "
            f"{_md(f.message)}{' (waived)' if waived else ''}")


def _assemble(head: list[str], rows: list[str], listed: dict[str, list[str]], counts: dict[str, int]) -> str:
    out = [*head, *(["| effect | where | item | change | why it matters |", "| --- | --- | --- | --- | --- |"]
                    if rows else ["No governance-relevant changes."]), *rows]
    for title, key in (("Findings introduced", "introduced"), ("Findings resolved", "resolved")):
        out += ["", f"### {title} ({counts[key]})", ""]
        out += listed[key] or ["None."]
    return "\n".join(out) + "\n"
