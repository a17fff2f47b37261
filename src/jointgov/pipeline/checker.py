"""Check one agreement end to end: read it once, judge it, run the rules, apply the waivers.

``read_agreement`` is the one place that reads a document and judges whether it is *sound*: whether
the rules may read it. Every command goes through it, so ``check``, ``simulate``, ``facts``,
``diff`` and the repository rules refuse the same documents, for the same first problem. A
document is sound when it could be read and parsed (no JG001), has the form of format version 1
(JG003, JG006: the schema, and no tag other than the standard ones) and is a mapping; unknown
references and repeated ids (JG004, JG005) and repeated keys (JG002, the first is read) are
findings, but the rules still run.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jointgov.files import read_bounded, shown
from jointgov.model import SEVERITIES, ConfigError, FileResult, Finding, Limits, Options, Problem
from jointgov.pipeline import facts as facts_mod
from jointgov.pipeline.catalogue import Catalogue, Rule, load_catalogue, user_last
from jointgov.pipeline.engine import Engine, EngineError, Firing
from jointgov.pipeline.firings import at_expression, display_names, message, target
from jointgov.pipeline.load import Loaded, parse_bytes
from jointgov.pipeline.locate import Locations
from jointgov.pipeline.rulesets import document_engine
from jointgov.pipeline.validate import check_form
from jointgov.pipeline.waivers import apply_waivers, read_waivers

if TYPE_CHECKING:
    from jointgov.config import Settings


@dataclass
class Document:
    """One agreement, read and parsed once, and judged: everything a run does with it starts here."""

    path: str
    """The path shown in findings."""
    sha256: str
    loaded: Loaded
    problems: list[Problem]
    sound: bool
    """Whether the rules (and the simulation, the repository rules, the diff) may read it."""
    unreadable: bool = False
    """The file could not be read at all (its one problem says why; it has no digest)."""
    _facts: dict[_dt.date, list[dict[str, Any]]] = field(default_factory=dict, repr=False, compare=False)
    _names: dict[str, str] | None = field(default=None, repr=False, compare=False)

    @property
    def data(self) -> Any:
        """The document's data (a mapping when it is sound)."""
        return self.loaded.data

    @property
    def locations(self) -> Locations:
        """Where each key and value is."""
        return self.loaded.locations

    @property
    def names(self) -> dict[str, str]:
        """What messages call each party, body, post and protocol (``firings.display_names``)."""
        if self._names is None:
            self._names = display_names(self.data)
        return self._names

    def facts(self, as_of: _dt.date) -> list[dict[str, Any]]:
        """The facts the rules match against (built once per date; only for a sound document)."""
        if as_of not in self._facts:
            self._facts[as_of] = facts_mod.build(self.data, as_of)
        return self._facts[as_of]

    def first_problem(self) -> Problem:
        """The problem a refusal names: the first in the order findings are reported (line, column, rule)."""
        return min(self.problems, key=lambda p: (p[1], p[2], p[0], p[3]), default=("JG003", 1, 1, "invalid", ""))

    def refusal(self) -> str:
        """Why the document cannot be read by the rules: ``path:line:col: JGnnn message`` of its first problem."""
        rule, line, col, text, _ = self.first_problem()
        return f"{self.path}:{line}:{col}: {rule} {text}"


def read_agreement(raw: bytes, display: str, limits: Limits) -> Document:
    """Parse and judge one agreement given as bytes: the one soundness rule of every command."""
    sha = hashlib.sha256(raw).hexdigest() if len(raw) <= limits.max_bytes else ""  # only the start was read
    loaded = parse_bytes(raw, limits)
    problems = list(loaded.problems)
    sound = False
    if not any(p[0] == "JG001" for p in problems):  # unreadable: nothing to check the form of
        form, sound = check_form(loaded)
        problems.extend(form)
        sound = sound and not any(p[0] == "JG003" for p in problems)  # an unknown tag is a JG003 of the reader
    sound = sound and isinstance(loaded.data, dict)
    if sound:  # the facts derived from pairs of clauses are bounded like the lists they come from
        posts, routes = facts_mod.pairs(loaded.data)
        if posts * routes > limits.max_pairs:
            line, col = loaded.locations.at("/dispute_routes")
            problems.append(("JG001", line, col, f"{posts:,} joint posts and {routes:,} dispute routes make "
                             f"{posts * routes:,} pairs of a post and a route for the rules to compare, more than the "
                             f"limit of {limits.max_pairs:,} (limits.max_pairs): the rules were not run",
                             "/dispute_routes"))
            sound = False
    return Document(display, sha, loaded, problems, sound)


AGREEMENT_KEYS = ("jointgov", "agreement", "parties")
"""A YAML file is taken for an agreement when its top level has one of these keys (so one that lost its
``jointgov:`` key is still checked, and reported under JG006)."""


def not_an_agreement(doc: Document) -> str:
    """Why the YAML file *doc* is not an agreement, in words; empty when it is one, or may be one.

    Only a file that is positively something else is not one: a mapping with none of ``AGREEMENT_KEYS`` at
    its top level (``mkdocs.yml``, a CI workflow), or a list none of whose items is such a mapping (a pre-commit
    hook manifest). A file that cannot be read or parsed, an empty one and a lone value may be a broken
    agreement, so they are checked.
    """
    def agreement_like(value: Any) -> bool:
        return isinstance(value, dict) and any(key in value for key in AGREEMENT_KEYS)

    if doc.unreadable or any(p[0] == "JG001" for p in doc.problems):
        return ""
    if isinstance(doc.data, dict) and not agreement_like(doc.data):
        return "it has no jointgov, agreement or parties key at its top level"
    if isinstance(doc.data, list) and not any(agreement_like(item) for item in doc.data):
        return "it is a list, not a mapping with a jointgov key"
    return ""


def open_agreement(path: str | Path, limits: Limits, display: str | None = None) -> Document:
    """Read the file at *path* once (bounded) and judge it; a file that cannot be read is an unsound document."""
    display = display or shown(str(path))
    try:
        raw = read_bounded(path, limits)
    except OSError as exc:
        problem: Problem = ("JG001", 1, 1, f"cannot read the file: {exc.strerror or exc}", "")
        return Document(display, "", Loaded(None, Locations(), [problem]), [problem], False, unreadable=True)
    return read_agreement(raw, display, limits)


def _chosen(rule: Rule, keys: frozenset[str] | None) -> bool:
    """Whether *keys* name the rule: by id, by name, or by an id prefix such as ``JG1`` or ``JG10``."""
    return keys is not None and any(
        key in (rule.id, rule.name) or (len(key) < len(rule.id) and key[:2].isalpha() and rule.id.startswith(key))
        for key in keys)


def check_options(catalogue: Catalogue, options: Options) -> None:
    """Refuse (ConfigError) a ``--select``/``--ignore`` key or a severity override the catalogue does not know,
    and any attempt to ignore or lower a JG0xx or JG8xx rule."""
    for option, keys in (("--select", options.select or frozenset()), ("--ignore", options.ignore)):
        for key in sorted(keys):
            if not any(_chosen(r, frozenset({key})) for r in catalogue.rules):
                raise ConfigError(f"unknown rule '{key}' in {option} (see 'jointgov rules')")
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


def prepare(settings: Settings) -> Catalogue:
    """The catalogue of a run (built-in rules, the configuration's directories, ``--rules``), with every rule
    option of the run checked against it: the same check, and the same messages, for every command."""
    catalogue = load_catalogue(settings.rules_dirs)
    for rule_id, values in settings.options.params.items():
        rule = catalogue.by_key(rule_id)
        if rule is None:
            raise ConfigError(f"invalid config: {settings.config.path}: parameters.{rule_id}: no such rule")
        for name, value in values.items():
            if name not in rule.parameters:
                known = ", ".join(rule.parameters) or "none"
                raise ConfigError(f"invalid config: {settings.config.path}: parameters.{rule_id}.{name}: {rule.id} "
                                  f"has no parameter '{name}' (its parameters: {known})")
            problem = _parameter_problem(rule.parameters[name], value)
            if problem:
                raise ConfigError(f"invalid config: {settings.config.path}: parameters.{rule_id}.{name}: {problem}")
    config = settings.config
    for name, keys in (("select", config.select), ("ignore", config.ignore)):
        for key in keys:  # the configuration's rule keys, named as the file names them
            if not any(_chosen(r, frozenset({key})) for r in catalogue.rules):
                raise ConfigError(f"invalid config: {config.path}: {name}: unknown rule '{key}' (see 'jointgov "
                                  "rules')")
    check_options(catalogue, settings.options)
    return catalogue


def _parameter_problem(default: Any, value: Any) -> str:
    """What is wrong with *value* for a rule parameter whose default is *default* ("" when nothing): it must be
    of the default's kind (a number, text, true or false), and a number must be finite and fit in 64 bits, so
    that the rule compares what the user meant (``max_days = "ten"`` or ``nan`` would turn it off)."""
    import math

    def number(x: Any) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool)

    got = f"{value.isoformat()} (a date or time)" if isinstance(value, (_dt.date, _dt.time)) else repr(value)
    if number(default):
        if not number(value):
            return f"expected a number, like the default {default!r}, got {got}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"expected a finite number, got {got}"
        if isinstance(value, int) and abs(value) >= 2**63:
            return f"the number {value} is too large (at most {2**63 - 1})"
        return ""
    kind = {bool: "true or false", str: "text"}.get(type(default))
    if kind is not None and type(value) is not type(default):
        return f"expected {kind}, like the default {default!r}, got {got}"
    return ""


class Checker:
    """Holds the compiled catalogue and checks documents one by one (one engine per process)."""

    def __init__(self, catalogue: Catalogue, options: Options, register: bool = True) -> None:
        """Select the rules, compile them (or take them from the cache: ``jointgov.pipeline.rulesets``) and register
        the ruleset with the engine; with *register* false, only when a document is first checked (``engine``: a
        run that takes every result from ``check``'s results cache need not register it at all)."""
        check_options(catalogue, options)
        self.catalogue = catalogue
        self.options = options
        self.active = [r for r in catalogue.rules if self._wanted(r)]
        self.active_ids = frozenset(r.id for r in self.active)
        self._mine = user_last(r for r in self.active if r.match and r.level == "agreement")  # JG9xx: repository
        self.severity = {catalogue.by_key(k).id: v for k, v in options.severity.items()}  # type: ignore[union-attr]
        digest = hashlib.sha256(f"{catalogue.digest}|{sorted(self.active_ids)}|{options.params}".encode())
        self._name = f"jg{digest.hexdigest()[:20]}"
        self._engine: Engine | None = None
        if register:
            self.register()

    def register(self) -> Engine:
        """Register the document rules' ruleset with the engine, if not yet done, and return the engine (a
        ConfigError when the engine cannot hold a rule's condition)."""
        if self._engine is None:
            self._engine = document_engine(self._name, self.catalogue, self._mine, self.options.params)
        return self._engine

    @property
    def engine(self) -> Engine:
        """The engine holding the document rules' ruleset (registered on first use)."""
        return self.register()

    def _wanted(self, rule: Rule) -> bool:
        if rule.locked:
            return True
        if _chosen(rule, self.options.ignore):
            return False
        return self.options.select is None or _chosen(rule, self.options.select)

    def check_file(self, path: str, display: str | None = None) -> FileResult:
        """Check the file at *path*; *display* is the path shown in findings."""
        return self.check_document(open_agreement(path, self.options.limits, display))

    def check_bytes(self, raw: bytes, display: str) -> FileResult:
        """Check a document given as bytes."""
        return self.check_document(read_agreement(raw, display, self.options.limits))

    def check_document(self, doc: Document, extra: Iterable[Finding] = (), extra_rules: Iterable[str] = ()
                       ) -> FileResult:
        """Check a document read with ``read_agreement``: its problems, then (when sound) the rules and waivers.

        *extra* are findings made elsewhere from the same document (the stress scenarios of ``check
        --simulate``), judged with the rules' findings before the waivers; *extra_rules* the ids of the rules
        that made them, which apply to a sound document.
        """
        found = {self._finding(*p, path=doc.path) for p in doc.problems}
        if doc.unreadable:
            return FileResult(doc.path, sorted(found), "", False)
        applicable = frozenset(r.id for r in self.active if r.locked and not r.match)  # the form rules
        identity = _identity(doc.data)
        if not doc.sound:
            return FileResult(doc.path, sorted(found), doc.sha256, False, applicable=applicable, identity=identity)
        rule_findings, applicable = self._rule_findings(doc)
        found.update(rule_findings)
        found.update(extra)
        applicable |= frozenset(extra_rules)
        waivers = read_waivers(doc.data, doc.locations, doc.path, sorted(found))
        kept, waived, applied = apply_waivers(sorted(found), waivers, doc.data, doc.locations, self.catalogue,
                                              self.active_ids)
        return FileResult(doc.path, kept, doc.sha256, True, waived, applied, applicable, identity)

    def _rule_findings(self, doc: Document) -> tuple[set[Finding], frozenset[str]]:
        """One finding per rule and place (the messages of several firings there are joined), and
        the ids of the rules that apply (no scope, or a scope that holds)."""
        first: dict[tuple[str, int, int], Finding] = {}
        said: dict[tuple[str, int, int], set[str]] = {}
        applicable = {r.id for r in self.active if not r.scope and r.level == "agreement"}  # JG9xx: the repository
        try:
            firings = self.engine.evaluate(doc.facts(self.options.as_of))
        except EngineError as exc:  # name the rule, where the engine's message says which
            raise EngineError(re.sub(r"rule (\d+) condition (-?\d+)", lambda m: (
                f"rule {self.catalogue.rules[int(m.group(1))].id} ({self.catalogue.rules[int(m.group(1))].path}, "
                f"{'scope' if int(m.group(2)) < 0 else f'match[{m.group(2)}]'})"), str(exc))) from exc
        for firing in firings:
            rule = self.catalogue.rules[firing.rule]
            if firing.condition < 0:
                applicable.add(rule.id)
                continue
            new = self._located(rule, firing, doc)
            key = (new.rule_id, new.line, new.column)
            first.setdefault(key, new)
            said.setdefault(key, set()).add(new.message)
        merged = {replace(f, message=joined(said[key])) for key, f in first.items()}
        return merged, frozenset(applicable)

    def _located(self, rule: Rule, firing: Firing, doc: Document) -> Finding:
        ptr = target(at_expression(rule, firing), firing.facts)
        line, col = doc.locations.at(ptr)
        text = message(rule, firing, self.options.params, doc.names)
        if _value_at(doc.data, ptr) == "unknown" and "not known" not in text and "unknown" not in text:
            text += " (the value is recorded as unknown)"  # said once: not where the message says it already
        return Finding(doc.path, line, col, rule.id, text, rule.name, self.severity.get(rule.id, rule.severity), ptr)

    def _finding(self, rule_id: str, line: int, col: int, message: str, ptr: str, path: str) -> Finding:
        rule = self.catalogue.by_key(rule_id)
        name, severity = (rule.name, rule.severity) if rule else (rule_id, "error")
        return Finding(path, line, col, rule_id, message, name, severity, ptr)


def joined(messages: Iterable[str]) -> str:
    """Several messages at one place as one, sorted, each said once: a lead they share (``joint post 'X': ``)
    is said once, before them all."""
    parts = sorted(set(messages))
    if len(parts) == 1:
        return parts[0]
    shared = next((i for i, chars in enumerate(zip(*parts, strict=False)) if len(set(chars)) > 1),
                  min(map(len, parts)))
    lead = parts[0][:shared]
    lead = lead[:lead.rfind(": ") + 2] if ": " in lead else ""
    return lead + "; ".join(part[len(lead):] for part in parts)


def _identity(data: Any) -> tuple[str, str, tuple[str, ...]]:
    """Title, id and party names of an agreement, as far as they can be read."""
    if not isinstance(data, dict):
        return "", "", ()
    head: dict[str, Any] = data["agreement"] if isinstance(data.get("agreement"), dict) else {}
    parties: list[Any] = data["parties"] if isinstance(data.get("parties"), list) else []
    names = tuple(str(p["name"]) for p in parties if isinstance(p, dict) and p.get("name") is not None)
    return str(head.get("title") or ""), str(head.get("id") or ""), names


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
