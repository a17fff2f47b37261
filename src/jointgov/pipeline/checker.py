"""Check one agreement end to end: load, validate, facts, engine, located findings."""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Any

from jointgov.model import SEVERITIES, ConfigError, Finding
from jointgov.pipeline import facts as facts_mod
from jointgov.pipeline.catalogue import Catalogue, Rule
from jointgov.pipeline.engine import Engine, Firing
from jointgov.pipeline.load import Limits, Loaded, parse_bytes
from jointgov.pipeline.validate import check_form
from jointgov.pipeline.waivers import apply_waivers, read_waivers
from jointgov.reporters import Waived, WaiverInfo

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\.([a-z0-9_]+)\}")


@dataclass(frozen=True)
class Options:
    """What a check run applies to every file."""

    as_of: _dt.date
    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    limits: Limits = field(default_factory=Limits)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    """Severity overrides by rule id (never for JG0xx and JG8xx)."""


@dataclass
class FileResult:
    """The outcome for one file."""

    path: str
    findings: list[Finding]
    sha256: str
    rules_run: bool
    waived: list[Waived] = field(default_factory=list)
    waivers: list[WaiverInfo] = field(default_factory=list)
    applicable: frozenset[str] = frozenset()
    identity: tuple[str, str, tuple[str, ...]] = ("", "", ())
    """The agreement's title, id and party names, for reports."""


def _chosen(rule: Rule, keys: frozenset[str] | None) -> bool:
    """Whether *keys* name the rule: by id, by name, or by an id prefix such as ``JG1`` or ``JG10``."""
    return keys is not None and any(
        key in (rule.id, rule.name) or (len(key) < len(rule.id) and key[:2].isalpha() and rule.id.startswith(key))
        for key in keys)


class Checker:
    """Holds the compiled catalogue and checks files one by one (one engine per process)."""

    def __init__(self, catalogue: Catalogue, options: Options) -> None:
        """Select the rules, compile them and register the ruleset with the engine."""
        self.catalogue = catalogue
        self.options = options
        for key in sorted((options.select or frozenset()) | options.ignore):
            if not any(_chosen(r, frozenset({key})) for r in catalogue.rules):
                raise ConfigError(f"unknown rule '{key}' in --select/--ignore (see 'jointgov rules')")
        for key, level in options.severity.items():
            rule = catalogue.by_key(key)
            if rule is None:
                raise ConfigError(f"unknown rule '{key}' in the severity overrides")
            if rule.locked:
                raise ConfigError(f"{rule.id} {rule.name}: the severity of JG0xx and JG8xx rules cannot be changed")
            if level not in SEVERITIES:
                raise ConfigError(f"{rule.id}: severity '{level}' is not one of {', '.join(SEVERITIES)}")
        for rule in catalogue.rules:
            if rule.locked and _chosen(rule, options.ignore):
                raise ConfigError(f"{rule.id} {rule.name} cannot be ignored: JG0xx and JG8xx rules are always on")
        self.active = [r for r in catalogue.rules if self._wanted(r)]
        self.active_ids = frozenset(r.id for r in self.active)
        mine = [r for r in self.active if r.match and r.level == "agreement"]  # JG9xx: jointgov.repository
        compiled = catalogue.compiled(mine, options.params)
        compiled += catalogue.compiled_scopes([r for r in mine if r.scope], options.params)
        self.severity = {catalogue.by_key(k).id: v for k, v in options.severity.items()}  # type: ignore[union-attr]
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
        if not any(p[0] == "JG001" for p in problems):  # unreadable: nothing to check the form of
            form, sound = check_form(loaded)
            problems.extend(form)
            sound = sound and not any(p[0] == "JG003" for p in problems)
        found = {self._finding(*p, path=display) for p in problems}
        applicable = frozenset(r.id for r in self.active if r.locked)
        identity = _identity(loaded.data)
        if not sound:
            return FileResult(display, sorted(found), sha, False, applicable=applicable, identity=identity)
        rule_findings, applicable = self._rule_findings(loaded, display)
        found.update(rule_findings)
        waivers = read_waivers(loaded.data, loaded.locations, display, sorted(found))
        kept, waived, applied = apply_waivers(sorted(found), waivers, loaded.data, loaded.locations,
                                              self.catalogue, self.active_ids)
        return FileResult(display, kept, sha, True, waived, applied, applicable, identity)

    def facts_of(self, loaded: Loaded) -> list[dict[str, Any]]:
        """The facts the rules match against (for ``jointgov facts``)."""
        return facts_mod.build(loaded.data, self.options.as_of)

    def _rule_findings(self, loaded: Loaded, display: str) -> tuple[set[Finding], frozenset[str]]:
        """One finding per rule and place (the messages of several firings there are joined), and
        the ids of the rules that apply (no scope, or a scope that holds)."""
        merged: dict[tuple[str, int, int], Finding] = {}
        applicable = {r.id for r in self.active if not r.scope}
        for firing in self.engine.evaluate(self.facts_of(loaded)):
            rule = self.catalogue.rules[firing.rule]
            if firing.condition < 0:
                applicable.add(rule.id)
                continue
            new = self._located(rule, firing, loaded, display)
            key = (new.rule_id, new.line, new.column)
            old = merged.get(key)
            if old is None:
                merged[key] = new
            elif new.message not in old.message.split("; "):
                parts = sorted([*old.message.split("; "), new.message])
                merged[key] = replace(old, message="; ".join(parts))
        return set(merged.values()), frozenset(applicable)

    def _located(self, rule: Rule, firing: Firing, loaded: Loaded, display: str) -> Finding:
        cond = rule.match[firing.condition]
        at = cond.get("at") or rule.at or next((a for a in firing.facts if not a.startswith("_")), "")
        ptr = target(at, firing.facts)
        line, col = loaded.locations.at(ptr)
        template = cond.get("message") or rule.message or rule.title
        message = render(template, firing.facts, rule.parameters | self.options.params.get(rule.id, {}))
        if _value_at(loaded.data, ptr) == "unknown":
            message += " (the value is recorded as unknown)"
        return Finding(display, line, col, rule.id, message, rule.name, self.severity.get(rule.id, rule.severity), ptr)

    def _finding(self, rule_id: str, line: int, col: int, message: str, ptr: str, path: str) -> Finding:
        rule = self.catalogue.by_key(rule_id)
        name, severity = (rule.name, rule.severity) if rule else (rule_id, "error")
        return Finding(path, line, col, rule_id, message, name, severity, ptr)


def _identity(data: Any) -> tuple[str, str, tuple[str, ...]]:
    """Title, id and party names of an agreement, as far as they can be read."""
    if not isinstance(data, dict):
        return "", "", ()
    head: dict[str, Any] = data["agreement"] if isinstance(data.get("agreement"), dict) else {}
    parties: list[Any] = data["parties"] if isinstance(data.get("parties"), list) else []
    names = tuple(str(p["name"]) for p in parties if isinstance(p, dict) and p.get("name") is not None)
    return str(head.get("title") or ""), str(head.get("id") or ""), names


def target(at: str, bound: dict[str, dict[str, Any]]) -> str:
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


def render(template: str, bound: dict[str, dict[str, Any]], params: dict[str, Any]) -> str:
    """A message template with ``{alias.field}`` and ``{param.name}`` filled in (absent: "(not given)")."""
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
