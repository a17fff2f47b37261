"""The compiled ruleset of a check, cached with the catalogue.

Turning the active rules into the engine's ruleset (``Catalogue.compiled``: every condition compiled to
durable-rules' JSON, then the whole checked against the engine's limits, ``jointgov.pipeline.network``)
is the same work every run until a rule or an option changes: about 20 ms, more than a one-file check
spends on its file. So the result is kept in the catalogue's cache directory (``catalogue.cache_dir``):
the ruleset's JSON exactly as the engine was given it, and what each of its rules reports when it fires,
plain text and numbers (no pickle). A run that finds it registers it at once.

The key holds everything the result depends on: the ruleset's name (the catalogue's digest, the active
rules and the rule parameters of the run), the order of the rules, the jointgov version, the engine's
build (its compiled module: a reinstalled durable-rules is a new key) and the modules that compile
(their size and time, so that an edited compiler in a development checkout is never served an old
result). The file carries the SHA-256 of its content: a file that is unreadable, truncated, altered or
from another layout is compiled again, never trusted and never fatal. ``JOINTGOV_NO_CACHE=1`` compiles
every time.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jointgov.pipeline.catalogue import Catalogue, Rule, cache_dir
from jointgov.pipeline.engine import Action, Engine, EngineError, EngineLimitError, native_build

if TYPE_CHECKING:
    from jointgov.pipeline.compiler import Compiled

KEPT = 16
"""Ruleset files kept in the cache directory (the most recently written): one per set of rules and options."""
_MODULES = ("catalogue.py", "compiler.py", "network.py", "engine.py", "rulesets.py")
"""The modules whose code shapes a compiled ruleset."""


def compile_rules(catalogue: Catalogue, rules: Sequence[Rule], params: dict[str, dict[str, Any]]
                  ) -> list[tuple[int, int, Compiled]]:
    """The conditions of *rules* (in this order) and a scope condition for each rule with a scope, compiled."""
    compiled = catalogue.compiled(rules, params)
    compiled += catalogue.compiled_scopes([r for r in rules if r.scope], params)
    return compiled


def document_engine(name: str, catalogue: Catalogue, rules: Sequence[Rule], params: dict[str, dict[str, Any]]
                    ) -> Engine:
    """The engine of one document's rules (*rules*, in this order: ``Checker``), registered as ruleset *name*:
    from the cache when it holds this ruleset, else compiled (and then cached). A condition the engine cannot
    hold is a ConfigError located at its rule."""
    key = _key(name, rules)
    cached = _read(key) if key else None
    if cached is not None:
        try:
            return Engine.from_definitions(name, *cached, bare_scopes=True)
        except EngineError:
            pass  # the engine refuses what the cache holds: compile it again
    compiled = compile_rules(catalogue, rules, params)
    try:
        engine = Engine(name, compiled, bare_scopes=True)
    except EngineLimitError as exc:
        raise catalogue.refusal(compiled, exc.index, exc.reason) from exc
    if key:
        _write(key, engine.definitions(), engine.actions)
    return engine


def _key(name: str, rules: Sequence[Rule]) -> str:
    """The cache key of ruleset *name* compiled from *rules* ("" when nothing is cached)."""
    if cache_dir() is None:
        return ""
    from jointgov import __version__

    here = Path(__file__).parent
    stamps = []
    for module in _MODULES:
        try:
            info = os.stat(here / module)
            stamps.append(f"{info.st_size}:{info.st_mtime_ns}")
        except OSError:
            stamps.append("")
    parts = [__version__, name, ",".join(r.id for r in rules), native_build(), *stamps]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _path(key: str) -> Path | None:
    directory = cache_dir()
    return None if directory is None else directory / f"ruleset-{key}.json"


def _read(key: str) -> tuple[str, dict[str, Action]] | None:
    """The cached ruleset (its JSON and its actions), or None when there is none fit to use."""
    path = _path(key)
    if path is None:
        return None
    try:
        raw = path.read_bytes()
        seal, _, body = raw.partition(b"\n")
        if seal.decode("ascii") != hashlib.sha256(body).hexdigest():
            return None
        data = json.loads(body)
        definitions = data["definitions"]
        actions: dict[str, Action] = {
            name: (int(rule), int(cond), tuple((str(user), str(inside)) for user, inside in aliases))
            for name, rule, cond, aliases in data["actions"]}
        if not isinstance(definitions, str):
            return None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None  # absent, unreadable or of another layout: compile again
    return definitions, actions


def _write(key: str, definitions: str, actions: dict[str, Action]) -> None:
    """Cache a ruleset (whole or not at all), and let go of the oldest beyond ``KEPT``."""
    path = _path(key)
    if path is None:
        return
    from jointgov.files import write_atomic

    body = json.dumps({"definitions": definitions,
                       "actions": [[name, rule, cond, [list(pair) for pair in aliases]]
                                   for name, (rule, cond, aliases) in actions.items()]}, ensure_ascii=False)
    try:
        write_atomic(path, hashlib.sha256(body.encode()).hexdigest() + "\n" + body)
        others = sorted(path.parent.glob("ruleset-*.json"), key=_age)
        for old in others[:-KEPT]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache directory: no cache, no harm


def _age(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
