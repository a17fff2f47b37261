"""Check one agreement end to end: load, validate, facts, engine, located findings."""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Any

from jointgov import facts as facts_mod
from jointgov.catalogue import Catalogue, Rule
from jointgov.engine import Engine, Firing
from jointgov.finding import ConfigError, Finding
from jointgov.load import Limits, Loaded, parse_bytes
from jointgov.validate import check_form

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\.([a-z0-9_]+)\}")


@dataclass(frozen=True)
class Options:
    """What a check run applies to every file."""

    as_of: _dt.date
    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    limits: Limits = field(default_factory=Limits)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class FileResult:
    """The outcome for one file."""

    path: str
    findings: list[Finding]
    sha256: str
    rules_run: bool


def _chosen(rule: Rule, keys: frozenset[str] | None) -> bool:
    return keys is not None and (rule.id in keys or rule.name in keys)


class Checker:
    """Holds the compiled catalogue and checks files one by one (one engine per process)."""

    def __init__(self, catalogue: Catalogue, options: Options) -> None:
        """Select the rules, compile them and register the ruleset with the engine."""
        self.catalogue = catalogue
        self.options = options
        known = {k for r in catalogue.rules for k in (r.id, r.name)}
        for key in sorted((options.select or frozenset()) | options.ignore):
            if key not in known:
                raise ConfigError(f"unknown rule '{key}' in --select/--ignore (see 'jointgov rules')")
        for rule in catalogue.rules:
            if rule.locked and _chosen(rule, options.ignore):
                raise ConfigError(f"{rule.id} {rule.name} cannot be ignored: JG0xx and JG8xx rules are always on")
        self.active = [r for r in catalogue.rules if self._wanted(r)]
        self.active_ids = frozenset(r.id for r in self.active)
        compiled = catalogue.compiled([r for r in self.active if r.match], options.params)
        digest = hashlib.sha256(f"{catalogue.digest}|{sorted(self.active_ids)}|{options.params}".encode())
        self.engine = Engine(f"jg{digest.hexdigest()[:20]}", compiled)

    def _wanted(self, rule: Rule) -> bool:
        if rule.locked:
            return True
        if _chosen(rule, self.options.ignore):
            return False
        return self.options.select is None or _chosen(rule, self.options.select)

    def check_file(self, path: str, display: str | None = None) -> FileResult:
        """Check the file at *path*; *display* is the path shown in findings."""
        try:
            with open(path, "rb") as handle:
                raw = handle.read(self.options.limits.max_bytes + 1)
        except OSError as exc:
            finding = self._finding("JG001", 1, 1, f"cannot read the file: {exc.strerror}", "", display or path)
            return FileResult(display or path, [finding], "", False)
        return self.check_bytes(raw, display or path)

    def check_bytes(self, raw: bytes, display: str) -> FileResult:
        """Check a document given as bytes."""
        sha = hashlib.sha256(raw).hexdigest()
        loaded = parse_bytes(raw, self.options.limits)
        problems = list(loaded.problems)
        sound = False
        if not any(p[0] in ("JG001",) for p in problems) and not (
                loaded.data is None and problems):
            form, sound = check_form(loaded)
            problems.extend(form)
            sound = sound and not any(p[0] == "JG003" for p in problems)
        found = {self._finding(*p, path=display) for p in problems}
        if sound:
            found.update(self._rule_findings(loaded, display))
        return FileResult(display, sorted(found), sha, sound)

    def facts_of(self, loaded: Loaded) -> list[dict[str, Any]]:
        """The facts the rules match against (for ``jointgov facts``)."""
        return facts_mod.build(loaded.data, self.options.as_of)

    def _rule_findings(self, loaded: Loaded, display: str) -> set[Finding]:
        """One finding per rule and place: the messages of several firings there are joined."""
        merged: dict[tuple[str, int, int], Finding] = {}
        for firing in self.engine.evaluate(self.facts_of(loaded)):
            rule = self.catalogue.rules[firing.rule]
            new = self._located(rule, firing, loaded, display)
            key = (new.rule_id, new.line, new.column)
            old = merged.get(key)
            if old is None:
                merged[key] = new
            elif new.message not in old.message.split("; "):
                parts = sorted([*old.message.split("; "), new.message])
                merged[key] = replace(old, message="; ".join(parts))
        return set(merged.values())

    def _located(self, rule: Rule, firing: Firing, loaded: Loaded, display: str) -> Finding:
        cond = rule.match[firing.condition]
        at = cond.get("at") or rule.at or next(iter(firing.facts), "")
        ptr = _target(at, firing.facts)
        line, col = loaded.locations.at(ptr)
        template = cond.get("message") or rule.message or rule.title
        message = _render(template, firing.facts, rule.parameters | self.options.params.get(rule.id, {}))
        if _value_at(loaded.data, ptr) == "unknown":
            message += " (the value is recorded as unknown)"
        return Finding(display, line, col, rule.id, message, rule.name, rule.severity, ptr)

    def _finding(self, rule_id: str, line: int, col: int, message: str, ptr: str, path: str) -> Finding:
        rule = self.catalogue.by_key(rule_id)
        name, severity = (rule.name, rule.severity) if rule else (rule_id, "error")
        return Finding(path, line, col, rule_id, message, name, severity, ptr)


def _target(at: str, bound: dict[str, dict[str, Any]]) -> str:
    """The JSON pointer an ``at`` expression names: ``alias``, ``alias.field.sub`` or ``alias@ptr_field.sub``."""
    head, *path = at.split(".")
    alias, _, ptr_field = head.partition("@")
    fact = bound.get(alias, {})
    base = str(fact.get(ptr_field) if ptr_field else fact.get("ptr", ""))
    base = base.split("#", 1)[0]
    return base + "".join(f"/{p}" for p in path)


def _value_at(data: Any, ptr: str) -> Any:
    for part in ptr.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _render(template: str, bound: dict[str, dict[str, Any]], params: dict[str, Any]) -> str:
    def sub(match: re.Match[str]) -> str:
        alias, name = match.groups()
        value = params.get(name) if alias == "param" else bound.get(alias, {}).get(name)
        if value is None:
            return "(not given)"
        if isinstance(value, list):
            return ", ".join(map(str, value))
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)
    return _PLACEHOLDER.sub(sub, template)
