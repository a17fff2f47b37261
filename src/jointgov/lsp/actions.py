"""Code actions on a finding: insert the missing section from the ``jointgov init`` skeleton (the text
``init`` writes, placed where the format's order puts it), add a waiver stub for the finding, and explain
the rule.

A waiver stub names the rule and the item the finding is on, and has every field a valid waiver needs
(JG802): a reason that still reads TODO (so JG007 keeps the file failing until the approving body's
reason is written in), the joint body that approves it when the file has one (a body with members
from every party, the only kind that may), and dated approval and expiry. Without a joint body the
approver is left as a comment, and JG802 says what is missing.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lsprotocol import types

from jointgov.lsp.diagnostics import Convert
from jointgov.lsp.text import lead_in, section_end, split_lines, top_keys
from jointgov.model import Finding
from jointgov.pipeline.catalogue import Catalogue
from jointgov.pipeline.waivers import ID_SECTIONS

EXPLAIN = "jointgov.explain"
"""The command that explains a rule (its argument: the rule id)."""
WAIVER_DAYS = 365
"""A stub waiver expires this many days after the as-of date: an exception must end (the body sets its date)."""


@dataclass(frozen=True)
class Edit:
    """Text to insert at (or replace between) 0-based positions."""

    line: int
    column: int
    text: str
    end_line: int | None = None
    end_column: int = 0


def sections(skeleton: str) -> dict[str, str]:
    """The skeleton's top-level sections, each with the comment block that introduces it, in the format's order."""
    lines = split_lines(skeleton)
    keys = top_keys(lines)
    out = {}
    for index, (line, key) in enumerate(keys):
        start = lead_in(lines, line) if index else line
        out[key] = "\n".join(lines[start:section_end(lines, keys, index)]) + "\n"
    return out


def place(lines: list[str], section: str, order: list[str], text: str) -> Edit:
    """Insert the section *text* before the first section present that follows it in *order*, or at the end."""
    present = {key: line for line, key in top_keys(lines)}
    following = order[order.index(section) + 1:] if section in order else []
    for key in following:
        if key in present:
            return Edit(lead_in(lines, present[key]), 0, text + "\n")
    last = len(lines) - 1
    while last > 0 and not lines[last].strip():
        last -= 1
    if not lines[last].strip():
        return Edit(0, 0, text)
    return Edit(last, len(lines[last]), "\n\n" + text.rstrip("\n"))


def missing_section(finding: Finding, data: Any, skeleton: dict[str, str]) -> str:
    """The top-level section a finding says is missing (its pointer is in it, and the file has none), or ''."""
    section = finding.pointer.split("/")[1] if finding.pointer.startswith("/") else ""
    if section in skeleton and isinstance(data, dict) and section not in data:
        return section
    return ""


def waiver_target(finding: Finding, data: Any) -> str:
    """The id of the item a finding is on (what a waiver's target names), or '' (the whole agreement)."""
    parts = finding.pointer.split("/")
    if len(parts) >= 3 and parts[1] in ID_SECTIONS and parts[2].isdigit() and isinstance(data, dict):
        values = data.get(parts[1])
        index = int(parts[2])
        if isinstance(values, list) and index < len(values) and isinstance(values[index], dict):
            found = values[index].get("id")
            return found if isinstance(found, str) else ""
    return ""


def waiver_item(finding: Finding, target: str, joint_bodies: list[str], as_of: _dt.date, indent: str) -> str:
    """The waiver stub for *finding*, as list item lines indented by *indent*."""
    inner = indent + "  "
    lines = [f"{indent}- rule: {finding.rule_id}  # {finding.rule_name}"]
    if target:
        lines.append(f"{inner}target: {target}")
    lines.append(f'{inner}reason: "TODO: why the exception is justified, as the approving body recorded it"')
    if joint_bodies:
        lines.append(f"{inner}approved_by: {joint_bodies[0]}  # a body with members from every party")
    else:
        lines.append(f"{inner}# approved_by: the id of a governance body with members from every party (the file "
                     "has none yet)")
    expires = as_of + _dt.timedelta(days=WAIVER_DAYS)
    lines.append(f"{inner}approved_on: {as_of.isoformat()}  # the date of the body's decision")
    lines.append(f"{inner}expires_on: {expires.isoformat()}  # when the exception ends")
    return "\n".join(lines) + "\n"


def waiver_edit(lines: list[str], finding: Finding, data: Any, joint_bodies: list[str], as_of: _dt.date,
                order: list[str]) -> Edit:
    """The edit that adds a waiver stub for *finding* at the end of ``waivers`` (the section made if need be)."""
    target = waiver_target(finding, data)
    keys = top_keys(lines)
    for index, (line, key) in enumerate(keys):
        if key != "waivers":
            continue
        value = lines[line].split(":", 1)[1].split("#", 1)[0].strip()
        if value == "[]":
            item = waiver_item(finding, target, joint_bodies, as_of, "  ")
            return Edit(line, 0, "waivers:\n" + item, line + 1, 0)
        end = section_end(lines, keys, index)
        body = [text for text in lines[line + 1:end] if text.lstrip().startswith("- ")]
        indent = body[0][:len(body[0]) - len(body[0].lstrip())] if body else "  "
        return Edit(end, 0, waiver_item(finding, target, joint_bodies, as_of, indent))
    return place(lines, "waivers", order, "waivers:\n" + waiver_item(finding, target, joint_bodies, as_of, "  "))


def text_edit(edit: Edit, convert: Convert) -> types.TextEdit:
    """An edit as the protocol's."""
    end = convert(edit.end_line, edit.end_column) if edit.end_line is not None else convert(edit.line, edit.column)
    return types.TextEdit(range=types.Range(convert(edit.line, edit.column), end), new_text=edit.text)


def _action(title: str, uri: str, edit: Edit, convert: Convert, diagnostics: list[types.Diagnostic]
            ) -> types.CodeAction:
    return types.CodeAction(title=title, kind=types.CodeActionKind.QuickFix, diagnostics=diagnostics or None,
                            edit=types.WorkspaceEdit(changes={uri: [text_edit(edit, convert)]}))


@dataclass(frozen=True)
class Context:
    """What the actions of one file are made from."""

    uri: str
    lines: list[str]
    data: Any
    catalogue: Catalogue
    skeleton: str
    joint_bodies: list[str]
    as_of: _dt.date


def actions(context: Context, findings: Iterable[Finding], convert: Convert,
            given: list[types.Diagnostic]) -> list[types.CodeAction]:
    """The actions for the findings under the requested range (*given*: the client's diagnostics there)."""
    skeleton = sections(context.skeleton)
    order = list(skeleton)
    out: list[types.CodeAction] = []
    inserted: set[str] = set()
    explained: set[str] = set()
    for finding in findings:
        rule = context.catalogue.by_key(finding.rule_id)
        mine = [d for d in given if d.code == finding.rule_id]
        section = missing_section(finding, context.data, skeleton)
        if section and section not in inserted:
            inserted.add(section)
            out.append(_action(f"Insert the {section} section from the jointgov init skeleton", context.uri,
                               place(context.lines, section, order, skeleton[section]), convert, mine))
        if rule is not None and not rule.locked:
            target = waiver_target(finding, context.data)
            on = f" on {target}" if target else ""
            edit = waiver_edit(context.lines, finding, context.data, context.joint_bodies, context.as_of, order)
            out.append(_action(f"Add a waiver of {rule.id} {rule.name}{on}", context.uri, edit, convert, mine))
        if rule is not None and rule.id not in explained:
            explained.add(rule.id)
            out.append(types.CodeAction(
                title=f"Explain {rule.id} {rule.name}", kind=types.CodeActionKind.QuickFix,
                diagnostics=mine or None,
                command=types.Command(title=f"Explain {rule.id}", command=EXPLAIN, arguments=[rule.id])))
    return out
