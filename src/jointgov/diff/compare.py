"""The governance-relevant changes between two versions of an agreement.

Each change is judged ``weakens``, ``strengthens`` or ``changes`` by the direction table
(``jointgov.diff.directions``: data, not code), located at the new file's line and column,
and the findings the edit introduces or resolves are listed, matched by rule and clause (list
items by their key, not their position), never by line. Each version is read once, through the
checker's soundness rule: a version ``check`` refuses is not compared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jointgov.diff import variations
from jointgov.diff.changes import MARKERS, Change, FileDiff, Listed
from jointgov.diff.directions import TABLE, WHOLE, ListSpec, Row, Table, set_effect, strength, substitute
from jointgov.model import FileResult, Finding
from jointgov.pipeline.checker import Checker, not_an_agreement, read_agreement
from jointgov.pipeline.firings import display_names
from jointgov.pipeline.load import Loaded
from jointgov.pipeline.locate import escape

__all__ = ["MARKERS", "Change", "FileDiff", "Listed", "compare", "describe", "diff_documents", "show"]

_UNRANKED = "review it: the direction table does not rank this change"


def show(value: Any, limit: int = 60) -> str:
    """A value in a message: lists in brackets, long text shortened."""
    if isinstance(value, dict):
        return "{…}"
    if value is None or isinstance(value, bool):
        return {None: "(none)", True: "true", False: "false"}[value]
    if isinstance(value, list):
        return "[" + ", ".join(show(v, 30) for v in value) + "]"
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


class _Differ:
    """Walks two valid versions of an agreement together and records the changes."""

    def __init__(self, table: Table, path: str, new: Loaded, names: dict[str, str] | None = None) -> None:
        self.table, self.path, self.locations = table, path, new.locations
        self.names = names or {}
        """What explanations call each party, body, post and protocol (``firings.display_names``)."""
        self.changes: list[Change] = []

    def add(self, ptr: str, item: str, fields: tuple[str, ...], old: Any, new: Any, effect: str, why: str,
            at: tuple[str, ...] = ()) -> None:
        line, column = self.locations.at(ptr)
        self.changes.append(Change(self.path, line, column, ptr, item, " ".join(fields), old, new, effect, why,
                                   ".".join(at)))

    def walk(self, path: tuple[str, ...], item: str | None, fields: tuple[str, ...], ptr: str, old: Any,
             new: Any, at: tuple[str, ...] = ()) -> None:
        """Compare *old* and *new* at *path* (keys, ``*`` for list items); *item* names the top-level item, *at*
        is the clause (keys, list items by their key)."""
        row = self.table.row(path) if path else None
        if old == new or (row is not None and row.compare == "ignore"):
            return
        spec = self.table.list_at(path)
        if spec and (old is None or isinstance(old, list)) and (new is None or isinstance(new, list)):
            self._items(spec, path, item, fields, ptr, old or [], new or [], at)
        elif isinstance(old, dict) and isinstance(new, dict) and (row is None or row.compare not in WHOLE):
            for key in [k for k in [*new, *(k for k in old if k not in new)] if not k.startswith("x-")]:
                child, name, sub = (*path, key), item, (*fields, key)  # x- keys: local extensions, never compared
                if self.table.list_at(child):  # its items are named by their own label ("role lbbd", "step 2")
                    sub = fields
                elif item is None:  # a top-level section names itself
                    name, sub = key, ()
                self.walk(child, name, sub, f"{ptr}/{escape(key)}", old.get(key), new.get(key), (*at, key))
        elif row is not None or not (isinstance(old, list) and isinstance(new, list)
                                     and sorted(map(repr, old)) == sorted(map(repr, new))):  # reordered: no change
            self._judge(row, path, item or "", fields, ptr, old, new, at)

    def _items(self, spec: ListSpec, path: tuple[str, ...], item: str | None, fields: tuple[str, ...], ptr: str,
               old: list[Any], new: list[Any], at: tuple[str, ...]) -> None:
        if spec.key:
            before, after = spec.keyed(old), spec.keyed(new)
            pairs = [(k, before.get(k, (-1, None))[1], *after.get(k, (-1, None))) for k in
                     [*after, *(k for k in before if k not in after)]]
        else:  # an ordered sequence (route steps): matched by position
            pairs = [(f"{spec.label} {i + 1}", old[i] if i < len(old) else None, i if i < len(new) else -1,
                      new[i] if i < len(new) else None) for i in range(max(len(old), len(new)))]
        for label, was, index, now in pairs:
            sub = (label, ()) if item is None else (item, (*fields, label))
            self.walk((*path, "*"), *sub, f"{ptr}/{index}" if index >= 0 else ptr, was, now,
                      (*at, spec.segment(label)))

    def _judge(self, row: Row | None, path: tuple[str, ...], item: str, fields: tuple[str, ...], ptr: str,
               old: Any, new: Any, at: tuple[str, ...]) -> None:
        values = {"item": item, "key": path[-1] if fields else item, "old": show(old), "new": show(new),
                  "removed": "", "added": "", "remaining": ""}
        effect: str | None
        if row is not None and row.compare == "set":
            effect, removed, added = set_effect(row, old, new)
            if effect is None:
                return
            named = [", ".join(self.names.get(str(v), str(v)) for v in group) for group in (removed, added, new or [])]
            values.update(removed=named[0], added=named[1], remaining=named[2])
        else:
            before, after = strength(row, old), strength(row, new)
            effect = "weakens" if after < before else "strengthens" if after > before else "changes"
        template = {"weakens": row.weakens, "strengthens": row.strengthens}.get(effect, "") if row else ""
        if row and effect == "weakens" and row.alone and isinstance(new, list) and len(new) == 1:
            template = row.alone
        self.add(ptr, item, fields, old, new, effect, template.format_map(values) if template else _UNRANKED, at)


def _listed(result: FileResult) -> list[Listed]:
    return sorted([(f, False) for f in result.findings] + [(w.finding, True) for w in result.waived])


def _agreement_id(data: Any, path: str) -> str:
    head = data.get("agreement") if isinstance(data, dict) else None
    return str(head["id"]) if isinstance(head, dict) and head.get("id") else Path(path).stem


def describe(f: Finding) -> str:
    """A finding in one line: ``path:line:col: JGnnn name: message``."""
    return f"{f.path}:{f.line}:{f.column}: {f.rule_id} {f.rule_name}: {f.message}"


def diff_documents(old: dict[str, Any], new: Loaded, path: str, table: Table = TABLE) -> tuple[list[Change], Any]:
    """The changes from *old* (data) to *new* (a valid agreement shown as *path*), in the order of the new
    file, and the old data with renamed ids replaced by the new ones."""
    renames = table.renames(old, new.data)
    old = substitute(old, renames)
    differ = _Differ(table, path, new, display_names(old) | display_names(new.data))
    for section in table.id_sections():
        for index, item in enumerate(new.data.get(section) or []):
            for before in (o for o, n in renames.items() if n == item.get("id")):
                differ.add(f"/{section}/{index}/id", item["id"], ("id",), before, item["id"], "changes",
                           "renamed: the same content under a new id (references to it follow it)",
                           (section, item["id"], "id"))
    differ.walk((), None, (), "", old, new.data)
    return sorted(differ.changes, key=lambda c: (c.line or 0, c.column or 0, c.item, c.field)), old


def compare(old: bytes | None, new: bytes | None, path: str, old_label: str, checker: Checker,
            table: Table | None = None, forced: bool = False) -> FileDiff:
    """Compare two versions of one agreement (None: that version does not exist); *path* names the new one.

    Each version is parsed once; a new version the checker refuses is reported, not compared. A file neither
    version of which is an agreement (``not_an_agreement``; never when *forced*: the configuration says that
    agreements live there) is skipped; one that stops being an agreement is a new version the checker refuses."""
    table, limits, result = table or TABLE, checker.options.limits, FileDiff(path, old_label)
    before = read_agreement(old, old_label, limits) if old is not None else None
    now = read_agreement(new, path, limits) if new is not None else None
    reasons = [not_an_agreement(doc) if doc is not None else "" for doc in (before, now)]
    if not forced and all(why or doc is None for why, doc in zip(reasons, (before, now), strict=True)):
        result.status, result.skipped = "skipped", reasons[1] or reasons[0]
        return result
    if now is None:
        name = _agreement_id(before.data if before is not None else None, path)
        result.status = "removed"
        result.changes.append(Change(path, None, None, "", name, "", {"agreement": name}, None, "weakens",
                                     "the agreement is removed: none of its clauses binds the parties any more"))
        return result
    if old == new:
        return result
    news = checker.check_document(now)
    if not news.rules_run:
        result.status, result.error = "unreadable", news.findings[0]
        return result
    olds = checker.check_document(before) if before is not None else None
    if before is None or olds is None or not olds.rules_run:
        note = f"there is no {old_label}" if olds is None else f"{describe(olds.findings[0])}: not a valid agreement"
        name = _agreement_id(now.data, path)
        result.status, result.introduced = "new", _listed(news)
        result.changes.append(Change(path, *now.locations.top(), "", name, "", None, {"agreement": name},
                                     "changes", f"a new agreement, every clause in it new ({note})"))
        return result
    result.status = "changed"
    result.changes, old_data = diff_documents(before.data, now.loaded, path, table)
    variations.apply(result, before, now, olds.findings, news.findings)
    key_old = {(f.rule_id, table.clause(old_data, f.pointer)): (f, w) for f, w in _listed(olds)}
    key_new = {(f.rule_id, table.clause(now.data, f.pointer)): (f, w) for f, w in _listed(news)}
    result.introduced = sorted(v for k, v in key_new.items() if k not in key_old)
    result.resolved = sorted(v for k, v in key_old.items() if k not in key_new)
    return result
