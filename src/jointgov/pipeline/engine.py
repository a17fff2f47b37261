"""The rule engine: the only module that talks to durable-rules.

It drives the engine's C extension (``durable_rules_engine``) itself: the extension's Python host layer
(``durable.engine``) is not used. That layer costs about 60 microseconds per action, for things jointgov
never needs (a closure, the session state decoded and encoded again, a clock read, a promise chain, two
timer threads), and 20 ms to import; here an action costs one ``json.loads`` of its matches. Used as
docs/engine.md describes, each point covered by a test in tests/test_engine_workarounds.py:

* no host, so no background timer threads (they race the engine: error 307 and SIGSEGV);
* one fixed session id per process, and ``delete_state`` after every document
  (at most 1024 live sessions; memory grows about 1 MB a document otherwise;
  sessions are looked up by a 32-bit hash);
* a catch-all rule, so a fact that matches nothing never makes the batch "not handled"; it is capped,
  so it runs once per document, not once per fact, and its matches are never decoded;
* every fact's engine identity (``id``) is its unique ``ptr``: the engine
  identifies facts by ``id`` or, without one, by a 32-bit content hash, and
  rejects a second fact with the same ``id``; the fact's own ``id`` field
  travels as ``id_``; every fact also carries the constant ``_`` used by guard
  terms;
* a ruleset is registered once per process under a name that is a digest of what was compiled, and never
  freed (the engine frees none);
* an exception in collecting a firing is kept and raised after the batch, with the rule named.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from jointgov.model import ConfigError, SetupError
from jointgov.pipeline.facts import END_MARKER, ENGINE_FIELDS

if TYPE_CHECKING:
    from jointgov.pipeline.compiler import Compiled

_SID = "w0"
CAP = 10_000
"""Matches of one rule collected into one action call (the field guide's fastest mode)."""
CATCH_ALL = "catch_all"
_CATCH_ALL_RULE = {"pri": 1000, "cap": 100_000, "all": [{"m": {"$ex": {"type": 1}}}]}
"""Every fact must match something (or the batch is "not handled"); capped, the catch-all fires once per
document, after every other rule (the highest ``pri``)."""
_BACK = {v: k for k, v in ENGINE_FIELDS.items()}
_OBSERVED, _NOT_HANDLED, _DEFERRED = 2, 1, 3
"""``assert_facts`` results other than 0 (src/rules/rules.h): a fact id seen twice, no rule for a fact, deferred."""


@dataclass(frozen=True)
class Firing:
    """A rule condition that held: which one, and the facts bound to its aliases."""

    rule: int
    condition: int
    facts: dict[str, dict[str, Any]]


class EngineError(RuntimeError):
    """The engine failed: an internal error (exit status 3)."""


class EngineLimitError(ConfigError):
    """A compiled condition the engine cannot hold (a limit of its tables, or a value it refuses): the rule
    or scenario must be refused where it is written, so *index* says which condition (an index into the
    conditions the ``Engine`` was given)."""

    def __init__(self, index: int, reason: str) -> None:
        """The condition at *index* of the engine's conditions, and *reason* in words."""
        super().__init__(reason)
        self.index = index
        self.reason = reason


ENGINE_CPPFLAGS = "-DPyEval_CallObject=PyObject_CallObject"
"""What durable-rules 2.0.28 must be compiled with on Python 3.13 (it calls a function 3.13 removed)."""


def _import_engine() -> Any:
    """durable-rules' C extension; a SetupError (exit 2) saying what is wrong and how to fix it."""
    try:
        import durable_rules_engine
    except ImportError as exc:
        raise SetupError(_engine_problem(exc)) from exc
    return durable_rules_engine


def native_build() -> str:
    """Which build of the engine this process would load: its compiled module's path, size and time (another
    release, or the same one compiled again, is another build), found without loading it (a run served from the
    results cache never does); a SetupError when there is none."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("durable_rules_engine")
    if spec is None or not spec.origin:
        _import_engine()  # says what is wrong and how to fix it
    path = spec.origin if spec is not None and spec.origin else ""
    try:
        info = os.stat(path)
    except OSError:
        return path
    return f"{path}:{info.st_size}:{info.st_mtime_ns}"


def _engine_problem(exc: ImportError) -> str:
    """One line: why the rule engine cannot be loaded, and the command that fixes it."""
    import sys

    fix = (f"CPPFLAGS={ENGINE_CPPFLAGS} {sys.executable} -m pip install --no-cache-dir --force-reinstall "
           "durable-rules==2.0.28 (it is compiled: it needs gcc and the Python headers)")
    text = str(exc)
    if "PyEval_CallObject" in text:
        cause = (f"durable-rules was compiled for Python {sys.version_info[0]}.{sys.version_info[1]} without the "
                 "fix it needs there (undefined symbol: PyEval_CallObject)")
    elif isinstance(exc, ModuleNotFoundError) and (exc.name or "").startswith("durable"):
        cause = "durable-rules is not installed in this environment"
    else:
        cause = f"durable-rules is installed but does not load ({text})"
    return f"the rule engine cannot be loaded: {cause}. Reinstall it: {fix}"


Action = tuple[int, int, tuple[tuple[str, str], ...]]
"""What one rule of a ruleset reports when it fires: its rule's index, its condition's index and the condition's
(user alias, internal alias) pairs."""


class Engine:
    """A compiled ruleset that evaluates one document's facts at a time (one session, ``open`` to ``close``)."""

    _rulesets: ClassVar[dict[str, int]] = {}
    """The handle of each ruleset registered in this process, by name (the engine never frees one)."""

    def __init__(self, name: str, conditions: list[tuple[int, int, Compiled]], checked: bool = False,
                 bare_scopes: bool = False) -> None:
        """Register *conditions* (rule index, condition index, compiled) as ruleset *name*; *checked*: they were
        found within the engine's limits before (``jointgov.pipeline.network``). With *bare_scopes*, a condition
        of index -1 (a rule's scope) that holds gives one firing with no facts, whatever it matched (one
        document's engine: the scope holds for the document), and its matches are never decoded.

        The same name (a digest of what was compiled) reuses the ruleset already registered in this process.
        """
        self._conditions = conditions
        actions = {f"r{rule}c{cond}v{n}".replace("-", "s"): (rule, cond, tuple(compiled.aliases.items()))
                   for n, (rule, cond, compiled) in enumerate(conditions)}
        self._text: str | None = None
        self._setup(name, actions, bare_scopes)
        handle = Engine._rulesets.get(name)
        if handle is None:
            handle = self._create(checked)
            Engine._rulesets[name] = handle
        self._handle = handle

    @classmethod
    def from_definitions(cls, name: str, definitions: str, actions: dict[str, Action],
                         bare_scopes: bool = False) -> Engine:
        """The engine of a ruleset compiled before, by an ``Engine`` whose ``definitions()`` and ``actions`` these
        are (``jointgov.pipeline.rulesets`` keeps them): no compiling, no limits to check.
        An EngineError if the engine refuses them."""
        engine = cls.__new__(cls)
        engine._conditions = []
        engine._text = definitions
        engine._setup(name, actions, bare_scopes)
        handle = Engine._rulesets.get(name)
        if handle is None:
            try:
                handle = engine._native.create_ruleset(name, definitions)
            except Exception as exc:
                raise EngineError(f"the rule engine cannot create the ruleset: {exc}") from exc
            Engine._rulesets[name] = handle
        engine._handle = handle
        return engine

    def _setup(self, name: str, actions: dict[str, Action], bare_scopes: bool) -> None:
        self.name = name
        self.actions = actions
        """What each of the ruleset's rules reports, by its name in the ruleset."""
        self._bare = {key: Firing(rule, cond, {}) for key, (rule, cond, _) in actions.items()
                      if bare_scopes and cond < 0}
        self._native = _import_engine()

    def _create(self, checked: bool) -> int:
        if not checked:
            from jointgov.pipeline.network import first_problem

            found = first_problem([_CATCH_ALL_RULE, *(c.definition for _, _, c in self._conditions)])
            if found is not None:  # the engine would corrupt its memory, hang or fail later: refuse it now
                if found[0] == 0:  # pragma: no cover - the catch-all alone breaks no limit
                    raise EngineError(f"the rule engine cannot hold the catch-all rule: {found[1]}")
                raise EngineLimitError(found[0] - 1, found[1])
        try:
            handle: int = self._native.create_ruleset(self.name, self.definitions())
        except Exception as exc:  # the engine's error, or a value json cannot write
            raise self._refused(exc) from exc
        return handle

    def definitions(self) -> str:
        """The ruleset as the engine reads it (JSON): each compiled condition under the name of its action, and the
        catch-all."""
        if self._text is None:
            rules = {name: dict(compiled.definition, cap=CAP)
                     for name, (_, _, compiled) in zip(self.actions, self._conditions, strict=True)}
            rules[CATCH_ALL] = _CATCH_ALL_RULE
            self._text = json.dumps(rules, ensure_ascii=False)
        return self._text

    def _refused(self, exc: Exception) -> Exception:
        """Which condition the engine refuses (each is tried alone, in a ruleset made and freed at once)."""
        native = self._native
        for index, (_, _, compiled) in enumerate(self._conditions):
            try:
                handle = native.create_ruleset(f"probe-{self.name}-{index}", json.dumps({"r": compiled.definition}))
            except (native.error, TypeError, ValueError) as alone:
                code = str(alone).rsplit(" ", 1)[-1] if isinstance(alone, native.error) else "202"
                return EngineLimitError(index, f"the rule engine refuses this condition ({_REFUSALS.get(code, '')}"
                                               f"error code {code})")
            native.delete_ruleset(handle)
        return EngineError(f"the rule engine cannot create the ruleset: {exc}")

    def evaluate(self, facts: list[dict[str, Any]]) -> list[Firing]:
        """Run every rule over one document's facts and return what fired."""
        try:
            return self.open(facts)
        finally:
            self.close()

    def open(self, facts: list[dict[str, Any]]) -> list[Firing]:
        """Start a session: assert one document's facts and the end marker; return what fired.

        The session's facts stay in working memory for ``add`` and ``remove``
        until ``close``. One session at a time per process (one fixed sid).
        """
        return self.open_encoded([encode(fact) for fact in facts])

    def open_encoded(self, facts: list[str]) -> list[Firing]:
        """``open`` with facts already in the engine's form (``encode``)."""
        return self._call(self._native.assert_facts, "[" + ",".join([*facts, _END]) + "]")

    def evaluate_encoded(self, facts: list[str]) -> list[Firing]:
        """``evaluate`` with facts already in the engine's form (``encode``)."""
        try:
            return self.open_encoded(facts)
        finally:
            self.close()

    def add(self, fact: dict[str, Any]) -> list[Firing]:
        """Assert one more fact into the open session; return the conditions it completed."""
        return self._call(self._native.assert_fact, encode(fact))

    def remove(self, fact: dict[str, Any]) -> None:
        """Retract a fact asserted with ``add`` (rules fired by the retraction are ignored)."""
        self._call(self._native.retract_fact, encode(fact))

    def close(self) -> None:
        """End the session: its working memory and state are deleted."""
        try:
            self._native.delete_state(self._handle, _SID)
        except Exception:  # pragma: no cover - nothing to delete after a failure
            pass

    def _call(self, method: Callable[[int, str], Any], payload: str) -> list[Firing]:
        """Give the engine *payload* (facts, as JSON), then run every action it has ready, as the engine's own host
        does: start the session's first action, then complete each and start the next, until none is left."""
        firings: list[Firing] = []
        errors: list[str] = []
        native, handle = self._native, self._handle
        try:
            code, state = method(handle, payload)
            if code in (_OBSERVED, _NOT_HANDLED):
                what = "a fact was given twice" if code == _OBSERVED else "no rule handles a fact"
                raise EngineError(f"{what} (error code {code})")
            state = 0 if code == _DEFERRED else state
            started = native.start_action_for_state(handle, state)
            messages = started[1] if started else None
            while messages:
                self._collect(messages, firings, errors)
                messages = native.complete_and_start_action(handle, state)
        except EngineError:
            self.close()
            raise
        except Exception as exc:
            self.close()
            raise EngineError(f"the rule engine failed: {exc!r}") from exc
        if errors:
            self.close()
            raise EngineError("; ".join(errors))
        return firings

    def _collect(self, messages: str, firings: list[Firing], errors: list[str]) -> None:
        """The firings of one action: ``{"rule name": [match, ...]}``, each match holding the facts under their
        internal aliases (the catch-all's matches are never decoded)."""
        name = messages[2:messages.find('"', 2)]  # {"name":[...]}
        if name == CATCH_ALL:
            return
        bare = self._bare.get(name)
        if bare is not None:
            firings.append(bare)
            return
        decoded = json.loads(messages)
        for name, matches in decoded.items():
            rule, cond, aliases = self.actions[name]
            try:
                for match in matches if isinstance(matches, list) else [matches]:
                    firings.append(Firing(rule, cond, {user: _from_engine(match[internal])
                                                       for user, internal in aliases}))
            except Exception as exc:  # kept, and raised after the batch with the rule named
                errors.append(f"rule {rule} condition {cond}: {exc!r}")


_REFUSALS = {
    "501": "a regular expression it cannot read: ", "502": "a regular expression too complex for it: ",
    "503": "a regular expression too complex for it: ", "504": "a regular expression too complex for it: ",
    "505": "a regular expression too complex for it: ", "506": "a regular expression too complex for it: ",
    "507": "a regular expression it cannot read: ", "508": "a regular expression it cannot read: ",
    "102": "a value of a type it cannot compare: ", "202": "a value it cannot read: ",
}
"""The engine's error codes when creating a ruleset, in words (src/rules/rules.h)."""


_JSON = json.JSONEncoder(ensure_ascii=False).encode
"""One encoder for every fact (``json.dumps`` with an option makes a new one each call)."""


def encode(fact: dict[str, Any]) -> str:
    """A fact in the engine's form: JSON, its own ``id`` as ``id_``, its engine identity (``uid``, else ``ptr``) as
    ``id``, the session id and the guard field ``_``."""
    return _JSON(_to_engine(fact))


def _to_engine(fact: dict[str, Any]) -> dict[str, Any]:
    out = dict(fact)
    for name, inside in ENGINE_FIELDS.items():
        if name in out:
            out[inside] = out.pop(name)
    out["id"] = fact.get("uid") or fact["ptr"]  # uid: repository facts (the agreement and the clause)
    out["sid"] = _SID
    out["_"] = "_"
    return out


def _from_engine(data: dict[str, Any]) -> dict[str, Any]:
    """A fact as the engine gives it back (decoded for this firing alone: changed in place)."""
    for name in ("id", "sid", "_"):
        data.pop(name, None)
    for inside, name in _BACK.items():
        if inside in data:
            data[name] = data.pop(inside)
    return data


_END = encode({"type": END_MARKER, "ptr": END_MARKER})
"""The end-of-document marker, asserted last (docs/engine.md: ``none()`` and the order facts arrive)."""
