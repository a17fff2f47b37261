"""``jointgov diff``: the governance-relevant changes between two versions of an agreement.

Each change is judged ``weakens``, ``strengthens`` or ``changes`` by the direction table
(``jointgov.difftable``: data, not code), located at the new file's line and column,
and the findings the edit introduces or resolves are listed, matched by rule and clause (list
items by their key, not their position), never by line. ``run_diff`` is the command's logic.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from jointgov.diff.directions import TABLE, WHOLE, ListSpec, Row, Table, set_effect, strength, substitute
from jointgov.files import write_atomic
from jointgov.model import ConfigError, Finding
from jointgov.pipeline.load import Limits, Loaded, escape, parse_bytes

if TYPE_CHECKING:
    from jointgov.pipeline.checker import Checker, FileResult

FORMATS = ("text", "json", "markdown")
MARKERS = {"weakens": "[-]", "strengthens": "[+]", "changes": "[~]"}
"""The effects, with the marker the Markdown report shows next to each."""
_UNRANKED = "review it: the direction table does not rank this change"
Listed = tuple[Finding, bool]
"""A finding, and whether a waiver covers it."""
Version = tuple[str, str, bytes | None, bytes | None]
"""(path shown, old version's label, old bytes, new bytes); None: that version does not exist."""


@dataclass(frozen=True)
class Change:
    """One governance-relevant change, at the new file's line and column (None: the file is gone)."""

    path: str
    line: int | None
    column: int | None
    pointer: str
    item: str
    field: str
    old: Any
    new: Any
    effect: str
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        """The change as the JSON report's stable object."""
        return dataclasses.asdict(self)


@dataclass
class FileDiff:
    """The comparison of one agreement's two versions."""

    path: str
    old: str
    status: str = "unchanged"
    """``changed``, ``unchanged``, ``new``, ``removed`` or ``unreadable`` (the new version is no valid agreement)."""
    changes: list[Change] = field(default_factory=list)
    introduced: list[Listed] = field(default_factory=list)
    resolved: list[Listed] = field(default_factory=list)
    error: Finding | None = None


def _show(value: Any, limit: int = 60) -> str:
    """A value in a message: lists in brackets, long text shortened."""
    if isinstance(value, dict):
        return "{…}"
    if value is None or isinstance(value, bool):
        return {None: "(none)", True: "true", False: "false"}[value]
    if isinstance(value, list):
        return "[" + ", ".join(_show(v, 30) for v in value) + "]"
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


class _Differ:
    """Walks two valid versions of an agreement together and records the changes."""

    def __init__(self, table: Table, path: str, new: Loaded) -> None:
        self.table, self.path, self.locations = table, path, new.locations
        self.changes: list[Change] = []

    def add(self, ptr: str, item: str, fields: tuple[str, ...], old: Any, new: Any, effect: str, why: str) -> None:
        line, column = self.locations.at(ptr)
        self.changes.append(Change(self.path, line, column, ptr, item, " ".join(fields), old, new, effect, why))

    def walk(self, path: tuple[str, ...], item: str | None, fields: tuple[str, ...], ptr: str, old: Any,
             new: Any) -> None:
        """Compare *old* and *new* at *path* (keys, ``*`` for list items); *item* names the top-level item."""
        row = self.table.row(path) if path else None
        if old == new or (row is not None and row.compare == "ignore"):
            return
        spec = self.table.list_at(path)
        if spec and (old is None or isinstance(old, list)) and (new is None or isinstance(new, list)):
            self._items(spec, path, item, fields, ptr, old or [], new or [])
        elif isinstance(old, dict) and isinstance(new, dict) and (row is None or row.compare not in WHOLE):
            for key in [k for k in [*new, *(k for k in old if k not in new)] if not k.startswith("x-")]:
                child, name, sub = (*path, key), item, (*fields, key)  # x- keys: local extensions, never compared
                if self.table.list_at(child):  # its items are named by their own label ("role lbbd", "step 2")
                    sub = fields
                elif item is None:  # a top-level section names itself
                    name, sub = key, ()
                self.walk(child, name, sub, f"{ptr}/{escape(key)}", old.get(key), new.get(key))
        elif row is not None or not (isinstance(old, list) and isinstance(new, list)
                                     and sorted(map(repr, old)) == sorted(map(repr, new))):  # reordered: no change
            self._judge(row, path, item or "", fields, ptr, old, new)

    def _items(self, spec: ListSpec, path: tuple[str, ...], item: str | None, fields: tuple[str, ...], ptr: str,
               old: list[Any], new: list[Any]) -> None:
        if spec.key:
            before, after = spec.keyed(old), spec.keyed(new)
            pairs = [(k, before.get(k, (-1, None))[1], *after.get(k, (-1, None))) for k in
                     [*after, *(k for k in before if k not in after)]]
        else:  # an ordered sequence (route steps): matched by position
            pairs = [(f"{spec.label} {i + 1}", old[i] if i < len(old) else None, i if i < len(new) else -1,
                      new[i] if i < len(new) else None) for i in range(max(len(old), len(new)))]
        for label, was, index, now in pairs:
            sub = (label, ()) if item is None else (item, (*fields, label))
            self.walk((*path, "*"), *sub, f"{ptr}/{index}" if index >= 0 else ptr, was, now)

    def _judge(self, row: Row | None, path: tuple[str, ...], item: str, fields: tuple[str, ...], ptr: str,
               old: Any, new: Any) -> None:
        values = {"item": item, "key": path[-1] if fields else item, "old": _show(old), "new": _show(new),
                  "removed": "", "added": "", "remaining": ""}
        effect: str | None
        if row is not None and row.compare == "set":
            effect, removed, added = set_effect(row, old, new)
            if effect is None:
                return
            values.update(removed=", ".join(map(str, removed)), added=", ".join(map(str, added)),
                          remaining=", ".join(map(str, new or [])))
        else:
            before, after = strength(row, old), strength(row, new)
            effect = "weakens" if after < before else "strengthens" if after > before else "changes"
        template = {"weakens": row.weakens, "strengthens": row.strengthens}.get(effect, "") if row else ""
        if row and effect == "weakens" and row.alone and isinstance(new, list) and len(new) == 1:
            template = row.alone
        self.add(ptr, item, fields, old, new, effect, template.format_map(values) if template else _UNRANKED)


def _listed(result: FileResult) -> list[Listed]:
    return sorted([(f, False) for f in result.findings] + [(w.finding, True) for w in result.waived])


def _agreement_id(data: Any, path: str) -> str:
    head = data.get("agreement") if isinstance(data, dict) else None
    return str(head["id"]) if isinstance(head, dict) and head.get("id") else Path(path).stem


def _problem(f: Finding) -> str:
    return f"{f.path}:{f.line}:{f.column}: {f.rule_id} {f.rule_name}: {f.message}"


def diff_documents(old: dict[str, Any], new: Loaded, path: str, table: Table = TABLE) -> tuple[list[Change], Any]:
    """The changes from *old* (data) to *new* (a valid agreement shown as *path*), in the order of the new
    file, and the old data with renamed ids replaced by the new ones."""
    renames = table.renames(old, new.data)
    old = substitute(old, renames)
    differ = _Differ(table, path, new)
    for section in table.id_sections():
        for index, item in enumerate(new.data.get(section) or []):
            for before in (o for o, n in renames.items() if n == item.get("id")):
                differ.add(f"/{section}/{index}/id", item["id"], ("id",), before, item["id"], "changes",
                           "renamed: the same content under a new id (references to it follow it)")
    differ.walk((), None, (), "", old, new.data)
    return sorted(differ.changes, key=lambda c: (c.line or 0, c.column or 0, c.item, c.field)), old


def compare(old: bytes | None, new: bytes | None, path: str, old_label: str, checker: Checker,
            table: Table | None = None) -> FileDiff:
    """Compare two versions of one agreement (None: that version does not exist); *path* names the new one."""
    table, limits, result = table or TABLE, checker.options.limits, FileDiff(path, old_label)
    if new is None:
        name = _agreement_id(parse_bytes(old or b"", limits).data, path)
        result.status = "removed"
        result.changes.append(Change(path, None, None, "", name, "", {"agreement": name}, None, "weakens",
                                     "the agreement is removed: none of its clauses binds the parties any more"))
        return result
    if old == new:
        return result
    news = checker.check_bytes(new, path)
    if not news.rules_run:
        result.status, result.error = "unreadable", news.findings[0]
        return result
    loaded = parse_bytes(new, limits)
    olds = checker.check_bytes(old, old_label) if old is not None else None
    if olds is None or not olds.rules_run:
        note = f"there is no {old_label}" if olds is None else f"{_problem(olds.findings[0])}: not a valid agreement"
        name = _agreement_id(loaded.data, path)
        result.status, result.introduced = "new", _listed(news)
        result.changes.append(Change(path, *loaded.locations.top(), "", name, "", None, {"agreement": name},
                                     "changes", f"a new agreement, every clause in it new ({note})"))
        return result
    result.status = "changed"
    result.changes, old_data = diff_documents(parse_bytes(old or b"", limits).data, loaded, path, table)
    key_old = {(f.rule_id, table.clause(old_data, f.pointer)): (f, w) for f, w in _listed(olds)}
    key_new = {(f.rule_id, table.clause(loaded.data, f.pointer)): (f, w) for f, w in _listed(news)}
    result.introduced = sorted(v for k, v in key_new.items() if k not in key_old)
    result.resolved = sorted(v for k, v in key_old.items() if k not in key_new)
    return result


def _read(path: Path, limits: Limits) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(limits.max_bytes + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def _git(root: Path | None, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "--literal-pathspecs", *args], cwd=root, capture_output=True, check=False,
                              stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise ConfigError(f"--git: cannot run git: {exc.strerror or exc}") from exc


def git_versions(rev: str, paths: Sequence[str], limits: Limits, exclude: Sequence[str] = (),
                 base: Path | None = None) -> list[Version]:
    """Each agreement changed under *paths* (default: the whole repository) since *rev*, with both versions."""
    from jointgov.commands.check import REGISTRY_NAME, YAML_SUFFIXES, _excluded

    done = _git(None, "rev-parse", "--show-toplevel")
    if done.returncode:
        raise ConfigError("--git: not a git repository: " + done.stderr.decode(errors="replace").strip())
    root = Path(done.stdout.decode().strip()).resolve()
    against = rev  # what git diff compares with: the revision, or the empty tree for HEAD before the first commit
    if not rev or rev.startswith("-") or _git(root, "rev-parse", "--verify", "-q", f"{rev}^{{commit}}").returncode:
        if rev != "HEAD" or _git(root, "symbolic-ref", "-q", "HEAD").returncode:
            raise ConfigError(f"--git: unknown revision '{rev}'")
        against = _git(root, "hash-object", "-t", "tree", "--stdin").stdout.decode().strip()
    specs = []
    for given in paths:
        try:
            specs.append(Path(given).resolve().relative_to(root).as_posix())
        except ValueError:
            raise ConfigError(f"{given}: outside the git repository {root}") from None
        if not Path(given).exists() and _git(root, "cat-file", "-e", f"{rev}:{specs[-1]}").returncode:
            raise ConfigError(f"{given}: no such file or directory (nor at {rev})")

    def wanted(name: str | None) -> str | None:  # an agreement file, found as `jointgov check DIR` would
        hidden = name not in specs and any(p.startswith(".") for p in (name or ".").split("/"))
        ok = name and name.endswith(YAML_SUFFIXES) and not hidden and Path(name).name != REGISTRY_NAME \
            and not _excluded(str(root / name), exclude, base or root)  # the register is not an agreement
        return name if ok else None

    listed = _git(root, "diff", "--name-status", "-z", "-M", "--no-ext-diff", against, "--", *specs)
    if listed.returncode:
        raise ConfigError("--git: git diff failed: " + listed.stderr.decode(errors="replace").strip())
    words, pairs = listed.stdout.decode("utf-8", "surrogateescape").split("\0"), []
    while len(words) > 1:
        status, *names = words[:3 if words[0][:1] in ("R", "C") else 2]
        words = words[1 + len(names):]
        # added or copied: a new agreement; deleted: removed; modified, renamed ...: both versions
        before = None if status[:1] in ("A", "C") else names[0]
        pairs.append((wanted(before), None if status[:1] == "D" else wanted(names[-1])))
    untracked = _git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", *specs).stdout
    pairs += [(None, wanted(n)) for n in untracked.decode("utf-8", "surrogateescape").split("\0") if n]
    versions: list[Version] = []
    for before, after in sorted({p for p in pairs if p != (None, None)}, key=lambda p: p[1] or p[0] or ""):
        shown = _git(root, "show", f"{rev}:{before}") if before else None
        if shown is not None and shown.returncode:
            raise ConfigError(f"--git: cannot read {rev}:{before}: {shown.stderr.decode(errors='replace').strip()}")
        where = root / (after or before or "")
        relative = os.path.relpath(where)
        versions.append((where.as_posix() if relative.startswith("..") else Path(relative).as_posix(),
                         f"{rev}:{before or after}", shown.stdout if shown else None,
                         _read(where, limits) if after else None))
    return versions


# Reports

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
        return f"{c.field} {_whole(c) or f'{_show(c.old)} → {_show(c.new)}'}".strip()

    def finding(f: Finding, waived: bool, how: str) -> str:
        return f"{f.path}:{f.line}:{f.column}: {how}: {f.severity} {f.rule_id} {f.rule_name}: {f.message}" + (
            " (waived)" if waived else "")

    lines = [f"{_problem(d.error)} (cannot compare until the agreement is fixed)" for d in diffs if d.error]
    lines += [f"{_where(c.path, c.line, c.column)}: {c.effect}: {c.item}: {what(c)}: {c.explanation}"
              for d in diffs for c in d.changes]
    lines += [finding(f, w, "introduced") for d in diffs for f, w in d.introduced]
    lines += [finding(f, w, "resolved") for d in diffs for f, w in d.resolved]
    return "\n".join([*lines, _sentence(diffs)]) + "\n"


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
        what = f"{_code(_show(c.old))} → {_code(_show(c.new))}" if _whole(c) is None else _whole(c)
        what = f"{_code(c.field)} {what}" if c.field else what
        out.append(f"| {MARKERS[c.effect]} {c.effect} | {_code(_where(c.path, c.line, c.column))} | {_code(c.item)} | "
                   f"{what} | {_md(c.explanation)} |")
    for title, key in (("Findings introduced", "introduced"), ("Findings resolved", "resolved")):
        items: list[Listed] = [x for d in diffs for x in getattr(d, key)]
        out += ["", f"### {title} ({len(items)})", ""]
        out += [f"- {_code(f'{f.path}:{f.line}:{f.column}')} {f.severity} {f.rule_id} {_code(f.rule_name)}: "
                f"{_md(f.message)}{' (waived)' if w else ''}" for f, w in items] or ["None."]
    return "\n".join(out) + "\n"


def run_diff(paths: Sequence[str], *, rev: str | None = None, fmt: str = "text", output: str | None = None,
             fail_on_weakening: bool = False, as_of: str | None = None, config_path: str | None = None,
             out: TextIO | None = None) -> int:
    """Compare OLD and NEW (*paths*), or each agreement changed since *rev* (``--git``); return the exit status.

    0: nothing weakens, or *fail_on_weakening* is not set; 1: with *fail_on_weakening*, a change that
    weakens, or a new version that is no valid agreement. Usage errors raise ConfigError (exit 2).
    """
    from jointgov.commands.check import EXIT_CLEAN, EXIT_FINDINGS, parse_date
    from jointgov.config import load
    from jointgov.pipeline.catalogue import load_catalogue
    from jointgov.pipeline.checker import Checker, Options

    out = out or sys.stdout
    if fmt not in FORMATS:
        raise ConfigError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    config = load(config_path)
    options = Options(as_of=parse_date(as_of), select=frozenset(config.select) or None,
                      ignore=frozenset(config.ignore), params=config.parameters, severity=config.severity,
                      limits=Limits(**config.limits))
    if rev is not None:
        versions = git_versions(rev, paths, options.limits, config.exclude, config.base)
    elif len(paths) != 2:
        raise ConfigError("diff: give two files, OLD and NEW (or --git REV [PATH...])")
    else:
        for given in paths:
            if not Path(given).is_file():
                raise ConfigError(f"{given}: {'not a file' if Path(given).exists() else 'no such file'}")
        versions = [(paths[1], paths[0], _read(Path(paths[0]), options.limits), _read(Path(paths[1]), options.limits))]
    checker = Checker(load_catalogue(config.rules), options)
    diffs = [compare(old, new, path, label, checker) for path, label, old, new in versions]
    render = {"text": render_text, "json": render_json, "markdown": render_markdown}[fmt]
    text = render(diffs, options.as_of.isoformat())
    if output:
        write_atomic(output, text)
    else:
        out.write(text)
    for d in diffs if output or fmt != "text" else ():
        if d.error:
            sys.stderr.write(f"{_problem(d.error)} (cannot compare until the agreement is fixed)\n")
    weakened = any(c.effect == "weakens" for d in diffs for c in d.changes) or any(d.error for d in diffs)
    return EXIT_FINDINGS if fail_on_weakening and weakened else EXIT_CLEAN
