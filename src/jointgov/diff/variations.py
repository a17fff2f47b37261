"""Agreed changes: the variations an agreement records, and the changes of a diff they cover.

A variation (``variations[]`` in the format) records that the parties chose to change a clause:
which clause (``clause``, as ``Change.clause`` names it, optionally with the values ``from`` and
``to``), which joint body agreed it, when, why and where it is minuted. ``jointgov diff
--fail-on-weakening`` lets a weakening through when a variation covers it, under three conditions
that keep the door narrow:

- the variation is *new* in the version compared: it covers the changes of the commit that
  records it, never a later one (an old variation is no standing permission);
- it is *agreed*: JG804 does not fire on it (a reason, a body with members from every party, a date
  that has come);
- it names the clause changed, or one that contains it, and the values when it gives them.

A variation is itself a record the parties rely on, so removing or altering one weakens the
agreement, and no variation can cover that. The covered change stays a weakening: every output
shows it, with the variation that agreed it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from jointgov.diff.changes import Change, FileDiff
from jointgov.model import Finding
from jointgov.pipeline.checker import Document

SECTION = "variations"


@dataclass(frozen=True)
class Variation:
    """One variation as recorded in a version of an agreement."""

    index: int
    pointer: str
    line: int
    column: int
    fields: dict[str, Any]
    problems: tuple[str, ...] = ()
    """Why it is not agreed (the messages of JG804 on it); empty when it is."""

    @property
    def clause(self) -> str:
        """The clause it varies."""
        return str(self.fields.get("clause") or "")

    @property
    def ident(self) -> tuple[str, str]:
        """What identifies it across versions: its clause and the date it was agreed."""
        return self.clause, str(self.fields.get("agreed_on") or "")

    def record(self, names: dict[str, str]) -> dict[str, Any]:
        """What a report says of it: where it is and who agreed what, when (*names*: body ids → names)."""
        body = str(self.fields.get("agreed_by") or "")
        return {"line": self.line, "column": self.column, "clause": self.clause, "agreed_by": body,
                "agreed_by_name": names.get(body, body), "agreed_on": str(self.fields.get("agreed_on") or ""),
                "reason": str(self.fields.get("reason") or ""), "minute": str(self.fields.get("minute") or "")}

    def covers(self, change: Change) -> bool:
        """Whether the change is to the variation's clause (or inside it), between its values when it gives them."""
        clause = self.clause
        if not clause or not change.clause or not (change.clause == clause or change.clause.startswith(clause + ".")):
            return False
        return all(_same(self.fields[key], value) for key, value in (("from", change.old), ("to", change.new))
                   if key in self.fields)


def _same(a: Any, b: Any) -> bool:
    """Values equal as an author writes them: lists as sets, numbers and dates as their text."""
    def norm(value: Any) -> Any:
        if isinstance(value, list):
            return sorted(json.dumps(norm(v), sort_keys=True) for v in value)
        if isinstance(value, dict):
            return {str(k): norm(v) for k, v in value.items()}
        return None if value is None else str(value)
    return bool(norm(a) == norm(b))


def _key(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, default=str)


def read(doc: Document, findings: list[Finding]) -> list[Variation]:
    """The variations of a sound version, each with the JG804 messages on it."""
    items = doc.data.get(SECTION) if isinstance(doc.data, dict) else None
    out = []
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        pointer = f"/{SECTION}/{index}"
        problems = tuple(f.message for f in findings
                         if f.rule_id == "JG804" and (f.pointer == pointer or f.pointer.startswith(pointer + "/")))
        out.append(Variation(index, pointer, *doc.locations.at(pointer), item, problems))
    return out


def body_names(data: Any) -> dict[str, str]:
    """Governance body ids → names, to say who agreed a variation."""
    bodies = data.get("governance_bodies") if isinstance(data, dict) else None
    return {str(b["id"]): str(b.get("name") or b["id"]) for b in bodies if isinstance(b, dict) and "id" in b} \
        if isinstance(bodies, list) else {}


def apply(diff: FileDiff, old_doc: Document, now: Document, old_findings: list[Finding],
          new_findings: list[Finding]) -> None:
    """Mark the changes of *diff* that a new, agreed variation of *now* covers; report variations removed or
    altered since *old_doc* (a weakening) and new ones that cover nothing or are not agreed (a change)."""
    olds, news = read(old_doc, old_findings), read(now, new_findings)
    now_by_id = {v.ident: v for v in news}
    names = body_names(now.data)
    extra: list[Change] = []
    for old in olds:  # a variation is identified by its clause and date: one with a new content is altered
        kept = now_by_id.get(old.ident)
        if kept is not None and _key(kept.fields) == _key(old.fields):
            continue
        line, column = (kept.line, kept.column) if kept else now.locations.at(f"/{SECTION}")
        extra.append(Change(diff.path, line, column, kept.pointer if kept else f"/{SECTION}",
                            f"variation {old.clause}", "", old.fields, kept.fields if kept else None, "weakens",
                            "a variation is the parties' record of what they agreed: add a new one, never edit or "
                            "remove one", f"{SECTION}.{old.clause}"))
    before = {v.ident for v in olds}
    fresh = [v for v in news if v.ident not in before]
    changes = list(diff.changes)
    for variation in fresh:
        covered = [i for i, c in enumerate(changes) if variation.covers(c)]
        if variation.problems:
            why = "; ".join(variation.problems)
            extra.append(_note(diff.path, variation, f"a variation is recorded, but it is not agreed ({why}), so it "
                               "covers no change"))
            continue
        if not covered:
            extra.append(_note(diff.path, variation, "a variation is recorded, but no change in this version is to "
                               f"{variation.clause or 'its clause'}" + (" with its from and to values" if
                                                                         {"from", "to"} & set(variation.fields) else
                                                                         "") + ": check its clause"))
            continue
        for i in covered:
            if changes[i].agreed is None:
                changes[i] = replace(changes[i], agreed=variation.record(names))
    diff.changes = sorted(changes + extra, key=lambda c: (c.line or 0, c.column or 0, c.item, c.field))


def _note(path: str, variation: Variation, why: str) -> Change:
    return Change(path, variation.line, variation.column, variation.pointer, f"variation {variation.clause}", "",
                  None, variation.fields, "changes", why, f"{SECTION}.{variation.clause}")


def unagreed(diffs: list[FileDiff]) -> list[Change]:
    """The weakenings no variation covers (what ``--fail-on-weakening`` refuses)."""
    return [c for d in diffs for c in d.changes if c.effect == "weakens" and c.agreed is None]
