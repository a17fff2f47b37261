"""The rule engine: the only module that talks to durable-rules.

Used as docs/engine.md describes, each point covered by a
test in tests/test_engine_workarounds.py:

* ``_QuietHost`` never starts the two background timer threads (they race the
  engine: error 307 and SIGSEGV);
* one fixed session id per process, and ``delete_state`` after every document
  (at most 1024 live sessions; memory grows about 1 MB a document otherwise;
  sessions are looked up by a 32-bit hash);
* a catch-all rule, so a fact that matches nothing never raises or drops the
  batch's actions; it is capped, so it runs once per document, not once per fact;
* every fact's engine identity (``id``) is its unique ``ptr``: the engine
  identifies facts by ``id`` or, without one, by a 32-bit content hash, and
  rejects a second fact with the same ``id``; the fact's own ``id`` field
  travels as ``id_``; every fact also carries the constant ``_`` used by guard
  terms;
* definitions are deep-copied before registering (registration mutates them);
* an exception in an action is caught and re-raised after the batch (the
  engine swallows it otherwise);
* the Python 3.12 ``utcfromtimestamp`` DeprecationWarning is silenced.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from jointgov.model import ConfigError, SetupError
from jointgov.pipeline.compiler import END_MARKER, ENGINE_FIELDS, Compiled
from jointgov.pipeline.network import first_problem

_SID = "w0"
CAP = 10_000
"""Matches of one rule collected into one action call (the field guide's fastest mode)."""


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
    """durable-rules' engine module; a SetupError (exit 2) saying what is wrong and how to fix it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from durable import engine as durable_engine
    except ImportError as exc:
        raise SetupError(_engine_problem(exc)) from exc
    return durable_engine


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


class Engine:
    """A compiled ruleset that evaluates one document's facts at a time."""

    _hosts: ClassVar[dict[str, Any]] = {}

    def __init__(self, name: str, conditions: list[tuple[int, int, Compiled]]) -> None:
        """Register *conditions* (rule index, condition index, compiled) as ruleset *name*.

        The same name (a digest of the catalogue) reuses the ruleset already
        registered in this process: rulesets are never freed by the engine.
        """
        self.name = name
        self._firings: list[Firing] = []
        self._errors: list[str] = []
        self._conditions = conditions
        host = Engine._hosts.get(name)
        if host is None:
            host = self._make_host()
            Engine._hosts[name] = host
        self._host = host
        host.jointgov_sink = self

    def _make_host(self) -> Any:
        durable_engine = _import_engine()

        class _QuietHost(durable_engine.Host):  # type: ignore[misc, name-defined]
            jointgov_sink: Engine

            def _run(self) -> None:  # no background timer threads
                return None

        # every fact must match something (or the batch raises and drops its actions); capped, the
        # catch-all fires once per document instead of once per fact (a Python round trip each)
        catch_all = {"pri": 1000, "cap": 100_000, "all": [{"m": {"$ex": {"type": 1}}}]}
        found = first_problem([catch_all, *(c.definition for _, _, c in self._conditions)])
        if found is not None:  # the engine would corrupt its memory, hang or fail later: refuse it now
            if found[0] == 0:  # pragma: no cover - the catch-all alone breaks no limit
                raise EngineError(f"the rule engine cannot hold the catch-all rule: {found[1]}")
            raise EngineLimitError(found[0] - 1, found[1])
        definitions: dict[str, Any] = {}
        for n, (rule, cond, compiled) in enumerate(self._conditions):
            definition = copy.deepcopy(compiled.definition)
            definition["cap"] = CAP  # one action call per rule and document, with every match in a list
            definition["run"] = self._action(rule, cond, compiled.aliases)
            definitions[f"r{rule}c{cond}v{n}".replace("-", "s")] = definition
        definitions["catch_all"] = dict(catch_all, run=_ignore)
        host = _QuietHost()
        try:
            host.register_rulesets({self.name: copy.deepcopy(definitions)})  # it mutates its input
        except Exception as exc:  # durable_rules_engine.error, or a value json cannot write
            raise self._refused(exc, durable_engine.durable_rules_engine) from exc
        return host

    def _refused(self, exc: Exception, native: Any) -> Exception:
        """Which condition the engine refuses (each is tried alone, in a ruleset made and freed at once)."""
        import json

        for index, (_, _, compiled) in enumerate(self._conditions):
            try:
                handle = native.create_ruleset(f"probe-{self.name}-{index}", json.dumps({"r": compiled.definition}))
            except (native.error, TypeError, ValueError) as alone:
                code = str(alone).rsplit(" ", 1)[-1] if isinstance(alone, native.error) else "202"
                return EngineLimitError(index, f"the rule engine refuses this condition ({_REFUSALS.get(code, '')}"
                                               f"error code {code})")
            native.delete_ruleset(handle)
        return EngineError(f"the rule engine cannot create the ruleset: {exc}")

    @staticmethod
    def _action(rule: int, cond: int, aliases: dict[str, str]) -> Callable[[Any], None]:
        def act(c: Any) -> None:
            sink: Engine = c.host.jointgov_sink
            try:
                # capped: c.m is a list of matches, each holding the facts under their internal aliases
                matches = c.m if isinstance(c.m, list) else [c]
                for match in matches:
                    data = match._d if hasattr(match, "_d") else None
                    bound = {user: _from_engine(data[internal] if data is not None else getattr(match, internal)._d)
                             for user, internal in aliases.items()}
                    sink._firings.append(Firing(rule, cond, bound))
            except Exception as exc:  # the engine would swallow it: keep it for evaluate()
                sink._errors.append(f"rule {rule} condition {cond}: {exc!r}")
        return act

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
        batch = [_to_engine(fact) for fact in facts]
        batch.append({"type": END_MARKER, "ptr": END_MARKER, "id": END_MARKER, "sid": _SID, "_": "_"})
        return self._call("assert_facts", batch)

    def add(self, fact: dict[str, Any]) -> list[Firing]:
        """Assert one more fact into the open session; return the conditions it completed."""
        return self._call("assert_fact", _to_engine(fact))

    def remove(self, fact: dict[str, Any]) -> None:
        """Retract a fact asserted with ``add`` (rules fired by the retraction are ignored)."""
        self._call("retract_fact", _to_engine(fact))

    def close(self) -> None:
        """End the session: its working memory and state are deleted."""
        try:
            self._host.delete_state(self.name, _SID)
        except Exception:  # pragma: no cover - nothing to delete after a failure
            pass

    def _call(self, method: str, payload: Any) -> list[Firing]:
        self._firings, self._errors = [], []
        self._host.jointgov_sink = self
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                getattr(self._host, method)(self.name, payload)
        except Exception as exc:
            self.close()
            raise EngineError(f"the rule engine failed: {exc!r}") from exc
        if self._errors:
            self.close()
            raise EngineError("; ".join(self._errors))
        return self._firings


def _ignore(_c: Any) -> None:
    return None


_REFUSALS = {
    "501": "a regular expression it cannot read: ", "502": "a regular expression too complex for it: ",
    "503": "a regular expression too complex for it: ", "504": "a regular expression too complex for it: ",
    "505": "a regular expression too complex for it: ", "506": "a regular expression too complex for it: ",
    "507": "a regular expression it cannot read: ", "508": "a regular expression it cannot read: ",
    "102": "a value of a type it cannot compare: ", "202": "a value it cannot read: ",
}
"""The engine's error codes when creating a ruleset, in words (src/rules/rules.h)."""



def _to_engine(fact: dict[str, Any]) -> dict[str, Any]:
    out = {ENGINE_FIELDS.get(k, k): v for k, v in fact.items()}
    out.update(id=fact.get("uid") or fact["ptr"], sid=_SID, _="_")  # uid: repository facts (ptr and file)
    return out


def _from_engine(data: dict[str, Any]) -> dict[str, Any]:
    back = {v: k for k, v in ENGINE_FIELDS.items()}
    return {back.get(k, k): v for k, v in data.items() if k not in ("id", "sid", "_")}
