"""The rule catalogue: rule files (YAML, one rule each) loaded, validated and compiled.

The built-in catalogue is the package's ``jointgov.rules`` directory (``rules/``
in the source tree); users add directories with ``--rules DIR``. A broken rule
file is a configuration error naming the file, line and column.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jointgov.model import ConfigError

if TYPE_CHECKING:
    from jointgov.pipeline.compiler import Compiled


@dataclass(frozen=True)
class Rule:
    """One rule, as its file describes it."""

    id: str
    name: str
    severity: str
    title: str
    area: str
    rationale: str
    remediation: str
    path: str
    evidence: tuple[dict[str, str], ...] = ()
    message: str = ""
    at: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    scope: dict[str, Any] | None = None
    match: tuple[dict[str, Any], ...] = ()
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    level: str = "agreement"
    """``agreement`` (one file at a time), ``repository`` (across agreements and the register: JG901-JG905) or
    ``scenario`` (a stress scenario's verdict, found by ``check --simulate``: JG951-JG954)."""
    verdict: str = ""
    """For a rule of level ``scenario``: the verdict it reports."""
    checks: str = ""
    """One plain sentence saying what the rule checks (every built-in rule has one)."""

    @property
    def locked(self) -> bool:
        """JG0xx and JG8xx can be neither ignored, lowered nor waived."""
        return self.id.startswith(("JG0", "JG8"))


@functools.cache
def builtin_dir() -> Path:
    """The directory of the built-in rule files (inside the installed package: where the import system finds
    ``jointgov.rules``, without importing it or importlib.resources, which costs a check 5 ms)."""
    import importlib.util

    spec = importlib.util.find_spec("jointgov.rules")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a broken installation
        raise ConfigError("the built-in rules (the jointgov.rules package) are missing: reinstall jointgov")
    return Path(next(iter(spec.submodule_search_locations)))


def user_last(rules: Iterable[Rule]) -> list[Rule]:
    """*rules* with the built-in ones first: the engine's limits are checked in this order, so a user's rule
    that fills them is the one blamed."""
    builtin = str(builtin_dir())
    return sorted(rules, key=lambda rule: os.path.dirname(rule.path) != builtin)


def _rule_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such rule directory")
    with os.scandir(directory) as entries:  # the type of each entry without a stat of its own
        names = sorted(e.name for e in entries if os.path.splitext(e.name)[1] in (".yaml", ".yml") and e.is_file())
    return [directory / name for name in names]


def load_rule(path: Path, raw: bytes | None = None) -> Rule:
    """Read and validate one rule file; any problem is a ConfigError with file:line:col."""
    from jointgov.pipeline.fastschema import read_checked

    data, loaded = read_checked(path, "rule-1.json", "rule file", raw)
    scenario = data.get("level") == "scenario"
    if scenario != ("verdict" in data) or (scenario and ("match" in data or "scope" in data)):
        line, col = loaded.locations.at("/verdict" if "verdict" in data else "/level" if "level" in data else "")
        raise ConfigError(f"{path}:{line}:{col}: invalid rule file: a rule of level scenario names the verdict it "
                          "reports and has no match or scope (the simulation finds it); no other rule has a verdict")
    return Rule(
        id=data["id"], name=data["name"], severity=data["severity"], title=data["title"],
        area=data.get("area", "other"), rationale=data["rationale"].strip(),
        checks=" ".join(data.get("checks", "").split()), remediation=data["remediation"].strip(),
        path=str(path), evidence=tuple(data.get("evidence", [])), message=data.get("message", ""),
        at=data.get("at", ""), parameters=dict(data.get("parameters", {})), scope=data.get("scope"),
        match=tuple(data.get("match", [])), examples=dict(data.get("examples", {})),
        level=data.get("level", "agreement"), verdict=data.get("verdict", ""),
    )


@dataclass
class Catalogue:
    """The rules of one run, in id order, with their compiled conditions."""

    rules: list[Rule]
    digest: str

    def by_key(self, key: str) -> Rule | None:
        """The rule with this id or name."""
        for rule in self.rules:
            if key in (rule.id, rule.name):
                return rule
        return None

    def refusal(self, conditions: list[tuple[int, int, Compiled]], index: int, reason: str) -> ConfigError:
        """The error for a compiled condition the engine cannot hold (``conditions[index]``, as given to the
        engine), located at its rule's condition."""
        rule_index, condition, _ = conditions[index]
        rule = self.rules[rule_index]
        return ConfigError(f"{condition_location(rule, condition)}: {reason}")

    def compiled(self, rules: Iterable[Rule], params: dict[str, dict[str, Any]] | None = None
                 ) -> list[tuple[int, int, Compiled]]:
        """Compile the conditions of *rules* (index into ``self.rules``, condition index, compiled)."""
        return self._compile(rules, params, lambda rule: [(k, c["when"], _own_scope(rule))
                                                          for k, c in enumerate(rule.match)])

    def compiled_scopes(self, rules: Iterable[Rule], params: dict[str, dict[str, Any]] | None = None
                        ) -> list[tuple[int, int, Compiled]]:
        """For each rule with a scope, a condition (index -1) that fires when the scope holds: on the
        ``document`` fact of an agreement, or for a repository rule on the ``agreement`` fact of each
        agreement of the run."""
        return self._compile(rules, params, lambda rule: [(-1, [{SCOPE_FACT[rule.level]: {}}], rule.scope)])

    def _compile(self, rules: Iterable[Rule], params: dict[str, dict[str, Any]] | None,
                 conditions: Callable[[Rule], list[tuple[int, list[Any], dict[str, Any] | None]]]
                 ) -> list[tuple[int, int, Compiled]]:
        from jointgov.pipeline.compiler import ConditionError, compile_condition

        out: list[tuple[int, int, Compiled]] = []
        index = {id(rule): i for i, rule in enumerate(self.rules)}
        for rule in rules:
            values = dict(rule.parameters) | (params or {}).get(rule.id, {})
            for k, when, scope in conditions(rule):
                try:
                    out.extend((index[id(rule)], k, variant)
                               for variant in compile_condition(when, values, scope, SCOPE_FACT[rule.level]))
                except ConditionError as exc:
                    raise ConfigError(f"{condition_location(rule, k, exc.path)}: {exc}") from exc
        return out


SCOPE_FACT = {"agreement": "document", "repository": "agreement", "scenario": "document"}
"""The fact a rule's scope is tested on, by the rule's level."""


def condition_location(rule: Rule, condition: int, path: tuple[str | int, ...] = ()) -> str:
    """``file:line:col: match[k]`` (or ``scope``) of a rule's condition, and as near as *path* (relative to the
    condition's ``when`` list; ``$scope`` first: relative to the rule's scope) says: for a condition that cannot
    be compiled or that the engine cannot hold. The rule file is read again (only to report the problem)."""
    from jointgov.pipeline.locate import escape

    if condition < 0 or path[:1] == ("$scope",):
        where, pointer = "scope", "/scope" + "".join(f"/{escape(str(p))}" for p in path[1:])
    else:
        where = f"match[{condition}]"
        pointer = f"/match/{condition}/when" + "".join(f"/{escape(str(p))}" for p in path)
    line, col = 1, 1
    try:
        from jointgov.pipeline.load import parse_bytes

        line, col = parse_bytes(Path(rule.path).read_bytes()).locations.at(pointer)
    except OSError:
        pass
    return f"{rule.path}:{line}:{col}: {where}"


def _own_scope(rule: Rule) -> dict[str, Any] | None:
    """The scope merged into a rule's own conditions: an agreement rule's (its conditions then fire only where
    it applies); a repository rule's scope says only to which agreements it applies."""
    return rule.scope if rule.level == "agreement" else None


def cache_dir() -> Path | None:
    """Where the parsed catalogue is cached: $JOINTGOV_CACHE_DIR, else $XDG_CACHE_HOME/jointgov or
    ~/.cache/jointgov; None when JOINTGOV_NO_CACHE is set."""
    if os.environ.get("JOINTGOV_NO_CACHE"):
        return None
    explicit = os.environ.get("JOINTGOV_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "jointgov"


def _from_cache(key: str) -> list[Rule] | None:
    directory = cache_dir()
    if directory is None:
        return None
    try:
        data = json.loads((directory / f"catalogue-{key}.json").read_text("utf-8"))
        return [Rule(**dict(item, evidence=tuple(item["evidence"]), match=tuple(item["match"])))
                for item in data["rules"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent, unreadable or from another version: build it again


def _to_cache(key: str, rules: list[Rule]) -> None:
    directory = cache_dir()
    if directory is None:
        return
    from dataclasses import asdict

    from jointgov.files import write_atomic

    try:
        write_atomic(directory / f"catalogue-{key}.json", json.dumps({"rules": [asdict(r) for r in rules]}))
    except OSError:
        pass  # a read-only home: no cache, no harm


def _read(path: Path) -> bytes:
    """A rule file's bytes (bounded, like an agreement's: the reader reports one over the limit)."""
    from jointgov.files import read_bounded

    try:
        return read_bounded(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the rule file: {exc.strerror or exc}") from exc


def load_catalogue(extra_dirs: Iterable[str | Path] = ()) -> Catalogue:
    """The built-in rules plus those in *extra_dirs*; ids and names must be unique.

    Parsed and validated rule files are cached (``cache_dir``) under a key made
    of the jointgov version and every rule file's path (as the run names it:
    the path its findings and errors show) and content, so an edited rule file
    is always read again.
    """
    from jointgov import __version__

    files = _rule_files(builtin_dir())
    builtin = len(files)
    for directory in extra_dirs:
        files.extend(_rule_files(Path(directory)))
    raws = [_read(path) for path in files]
    digest = hashlib.sha256()  # the catalogue's content, for provenance: independent of where it is installed
    for path, raw in zip(files, raws, strict=True):
        digest.update(path.name.encode() + b"\0" + raw + b"\0")
    key = hashlib.sha256("\0".join([__version__, ",".join(f.name for f in fields(Rule)), digest.hexdigest(),
                                    *map(str, files)]).encode()).hexdigest()  # each rule's path, as it is given
    rules = _from_cache(key)
    if rules is None:
        rules = [load_rule(path, raw) for path, raw in zip(files, raws, strict=True)]
        _check_reserved(rules[builtin:])
        _check_unique(rules)
        _to_cache(key, rules)
    _check_reserved(rules[builtin:])  # also when cached (by an earlier version)
    rules.sort(key=lambda r: r.id)
    return Catalogue(rules=rules, digest=digest.hexdigest())


RESERVED_PREFIX = "JG"
"""The ids of jointgov's own rules (JG001-JG999: JG0xx reading the document, JG1xx-JG7xx the agreement's
content, JG8xx waivers, JG9xx across agreements, JG95x the stress scenarios). A user's rule takes its own
prefix (ACME001), so that no rule of theirs can pass for one of these, and none clashes with a later one."""


def _check_reserved(rules: list[Rule]) -> None:
    """Refuse a user's rule (from ``--rules DIR`` or the configuration) with an id of jointgov's own."""
    for rule in rules:
        if rule.id.startswith(RESERVED_PREFIX):
            from jointgov.pipeline.load import parse_bytes

            line, col = parse_bytes(Path(rule.path).read_bytes()).locations.at("/id")
            raise ConfigError(f"{rule.path}:{line}:{col}: invalid rule file: id: '{rule.id}': the ids starting with "
                              f"{RESERVED_PREFIX} are jointgov's own rules; give your rule your own prefix, e.g. "
                              f"ACME{rule.id[-3:]}")


def _check_unique(rules: list[Rule]) -> None:
    seen: dict[str, str] = {}
    for rule in rules:
        for name in (rule.id, rule.name):
            if name in seen:
                raise ConfigError(f"{rule.path}:1:1: invalid rule file: '{name}' is already defined by {seen[name]}")
            seen[name] = rule.path
