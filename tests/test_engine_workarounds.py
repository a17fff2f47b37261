"""One regression test per durable-rules workaround the engine module relies on.

See docs/engine.md. Crash-prone shapes run in a subprocess
with a timeout, so a segfault or a hang fails the test instead of killing the run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest

from jointgov.pipeline.compiler import compile_condition
from jointgov.pipeline.engine import Engine, EngineError


def _engine(name: str, *whens: list[object]) -> Engine:
    return Engine(name, [(0, k, v) for k, w in enumerate(whens) for v in compile_condition(w, {}, None)])


def _facts(*facts: dict[str, object]) -> list[dict[str, object]]:
    return [dict(f, ptr=f.get("ptr", f"/f{i}")) for i, f in enumerate(facts)]


POST_ROLE_ASSENT = [
    {"post": {}},
    {"role": {"post": "$post.id"}},
    {"none": {"assent": {"to": "$post.protocol", "party": "$role.party", "day": {"le": "$post.appointed_day"}}}},
]


def _post_role_assent_facts() -> list[dict[str, object]]:
    # the negated facts (assents) come AFTER the positive ones: the order that trips issue #402
    return _facts(
        {"type": "post", "id": "p1", "protocol": "pr", "appointed_day": 100},
        {"type": "role", "post": "p1", "party": "a"},
        {"type": "role", "post": "p1", "party": "b"},
        {"type": "assent", "to": "pr", "party": "a", "day": 90},
        {"type": "assent", "to": "pr", "party": "b", "day": 120},
    )


def test_none_with_late_negated_facts_fires_only_where_nothing_matches() -> None:
    """#402: none() is order-sensitive; the end marker first and asserted last makes it exact."""
    fired = _engine("wa_none", POST_ROLE_ASSENT).evaluate(_post_role_assent_facts())
    assert sorted((f.facts["post"]["id"], f.facts["role"]["party"]) for f in fired) == [("p1", "b")]


def test_compiled_negation_starts_with_end_marker() -> None:
    variants = compile_condition(POST_ROLE_ASSENT, {}, None)
    negating = [v for v in variants if any(k.endswith("$not") for p in v.definition["all"] for k in p)]
    assert negating
    for variant in negating:
        assert variant.definition["all"][0] == {"eod": {"type": "$end"}}


def test_guard_term_names_a_bound_alias() -> None:
    """#381: a correlated non-equality ends its $and with a true correlated term on a real alias."""
    present = compile_condition(POST_ROLE_ASSENT, {}, None)[0].definition
    negated = present["all"][3]["a2$not"]["$and"]
    assert negated[-1] == {"_": {"eod": "_"}}


def test_guarded_correlated_comparison_does_not_crash() -> None:
    """The #381 shape (a correlated < as the last term, evaluating false) run in a child process."""
    code = textwrap.dedent("""
        from jointgov.pipeline.compiler import compile_condition
        from jointgov.pipeline.engine import Engine
        when = [{"budget": {}}, {"contribution": {"budget": "$budget.id", "amount": {"lt": "$budget.total"}}}]
        engine = Engine("wa381", [(0, 0, v) for v in compile_condition(when, {}, None)])
        for i in range(300):
            facts = [{"type": "budget", "ptr": "/b", "id": "b", "total": 10}]
            facts += [{"type": "contribution", "ptr": f"/c{k}", "budget": "b", "amount": 10 + k} for k in range(20)]
            assert engine.evaluate(facts) == []
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_absent_only_test_is_paired_with_type_and_does_not_hang() -> None:
    """A rule whose only condition is $nex hangs the engine; ours always lead with the type test."""
    code = textwrap.dedent("""
        from jointgov.pipeline.compiler import compile_condition
        from jointgov.pipeline.engine import Engine
        when = [{"post": {"removal_requires": {"exists": False}}}]
        engine = Engine("wa_nex", [(0, 0, v) for v in compile_condition(when, {}, None)])
        facts = [{"type": "post", "ptr": "/p"}, {"type": "post", "ptr": "/q", "removal_requires": ["x"]}]
        fired = engine.evaluate(facts)
        print(sorted(f.facts["post"]["ptr"] for f in fired))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['/p']"


def test_no_background_timer_threads() -> None:
    """durable-rules' own Host starts two timer threads that race the engine (error 307, SIGSEGV): none here."""
    before = {t.name for t in threading.enumerate()}
    _engine("wa_threads", [{"post": {}}]).evaluate(_facts({"type": "post", "id": "p"}))
    after = {t.name for t in threading.enumerate()}
    assert after == before


def test_one_session_reused_beyond_the_1024_session_limit() -> None:
    """State is deleted after every document; 1,100 documents pass the 1,024-live-session limit."""
    engine = _engine("wa_sids", [{"post": {"title": {"exists": False}}}])
    for i in range(1100):
        fired = engine.evaluate(_facts({"type": "post", "id": f"p{i}"}))
        assert [f.facts["post"]["id"] for f in fired] == [f"p{i}"]


def test_unmatched_facts_do_not_raise_or_drop_actions() -> None:
    """A fact no rule matches would raise MessageNotHandledException and drop the batch's actions."""
    engine = _engine("wa_catch", [{"post": {}}])
    fired = engine.evaluate(_facts({"type": "party", "id": "x"}, {"type": "post", "id": "p"}))
    assert [f.facts["post"]["id"] for f in fired] == ["p"]


def test_identical_content_facts_stay_distinct() -> None:
    """Facts are identified by a content hash; the unique ptr keeps two equal roles apart."""
    engine = _engine("wa_ident", [{"role": {}}])
    fired = engine.evaluate(_facts({"type": "role", "party": "a"}, {"type": "role", "party": "a"}))
    assert len(fired) == 2


def test_facts_sharing_an_id_field_stay_distinct() -> None:
    """The engine takes a fact's 'id' as its identity and rejects a second one (a party and a post
    both called 'pct'); ours travel as id_ and the engine identity is the unique ptr."""
    engine = _engine("wa_id", [{"post": {}}, {"party": {"id": "$post.id"}}])
    fired = engine.evaluate(_facts({"type": "party", "id": "pct"}, {"type": "post", "id": "pct"}))
    assert [(f.facts["post"]["id"], f.facts["party"]["id"]) for f in fired] == [("pct", "pct")]


def test_registering_does_not_mutate_compiled_definitions() -> None:
    """The compiled definitions are shared (a cached ruleset, several engines): registering leaves them as they
    were (durable-rules' own host deleted 'run' from what it was given)."""
    [compiled] = compile_condition([{"post": {}}], {}, None)
    before = repr(compiled.definition)
    Engine("wa_mutate", [(0, 0, compiled)]).evaluate(_facts({"type": "post"}))
    assert repr(compiled.definition) == before


def test_same_ruleset_name_reuses_the_registered_ruleset() -> None:
    """Registering a ruleset name twice raises; rulesets are never freed, so a name is built once."""
    first = _engine("wa_twice", [{"post": {}}])
    second = _engine("wa_twice", [{"post": {}}])
    assert [f.facts["post"]["ptr"] for f in second.evaluate(_facts({"type": "post"}))] == ["/f0"]
    assert first._handle == second._handle


def test_action_exceptions_are_not_swallowed() -> None:
    """The engine stores an action's exception in the state and goes on; ours raise after the batch."""
    [compiled] = compile_condition([{"post": {}}], {}, None)
    compiled.aliases["ghost"] = "a9"  # an alias the action cannot read: the action fails
    engine = Engine("wa_raise", [(0, 0, compiled)])
    with pytest.raises(EngineError):
        engine.evaluate(_facts({"type": "post"}))


def test_aliases_never_shadow_context_attributes() -> None:
    """Aliases named like the action context's attributes (s, m, post, host) are renamed a0, a1..."""
    [compiled] = compile_condition([{"post": {}}, {"fact": "role", "as": "s", "where": {"post": "$post.id"}}], {}, None)
    assert set(compiled.aliases.values()) == {"a0", "a1"}
    fired = Engine("wa_alias", [(0, 0, compiled)]).evaluate(
        _facts({"type": "post", "id": "p"}, {"type": "role", "post": "p"}))
    assert [(f.facts["post"]["id"], f.facts["s"]["post"]) for f in fired] == [("p", "p")]


def test_one_fact_never_fills_two_patterns_so_scope_merges_into_document() -> None:
    """The engine never binds one fact to two patterns of a rule: a scope on the document fact
    must join the condition's own document pattern, not add a second one."""
    [compiled] = compile_condition([{"document": {"status": "signed"}}], {}, {"statutory": True})
    assert len(compiled.definition["all"]) == 1
    fired = Engine("wa_scope", [(0, 0, compiled)]).evaluate(
        _facts({"type": "document", "status": "signed", "statutory": True}))
    assert len(fired) == 1


def test_no_warning_under_w_error() -> None:
    """durable-rules' own host calls utcfromtimestamp on every action (a DeprecationWarning on 3.12): a run under
    ``-W error`` works, and gives the firing."""
    code = textwrap.dedent("""
        import warnings
        warnings.simplefilter("error")
        from jointgov.pipeline.compiler import compile_condition
        from jointgov.pipeline.engine import Engine
        engine = Engine("wa_warn", [(0, 0, v) for v in compile_condition([{"post": {}}], {}, None)])
        print(len(engine.evaluate([{"type": "post", "ptr": "/p"}])))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"


# Found here, not in the field guide: a correlated comparison evaluated against an absent field
# (on either side), or inside an $or, fails with error 311 or corrupts the heap (SIGSEGV, free()).
# The compiler splits such conditions by field presence; each shape runs 200 documents in a child.
ABSENT_SHAPES = {
    "none, referenced field absent": ([{"post": {}}, {"none": {"route": {"day": {"le": "$post.day"}}}}], 1),
    "none then positive, referenced absent": (
        [{"post": {}}, {"none": {"route": {"day": {"le": "$post.day"}}}}, {"role": {"post": "$post.id"}}], 1),
    "positive, referenced field absent": ([{"post": {}}, {"route": {"day": {"le": "$post.day"}}}], 0),
    "ne, own field absent": ([{"post": {}}, {"route": {"nday": {"ne": "$post.size"}}}], 1),
    "ne, referenced field absent": ([{"post": {}}, {"route": {"day": {"ne": "$post.day"}}}], 1),
    "ne, both present and different": ([{"post": {}}, {"route": {"day": {"ne": "$post.size"}}}], 1),
    "ne, both present and equal": ([{"post": {}}, {"route": {"id": {"ne": "$post.route"}}}], 0),
    "comparison inside any_of": (
        [{"post": {}}, {"route": {"any_of": [{"day": {"gt": "$post.size"}}, {"id": "q"}]}}], 1),
    "negated any_of with comparison": (
        [{"post": {}}, {"none": {"route": {"any_of": [{"day": {"lt": "$post.size"}}, {"id": "zz"}]}}}], 0),
    "negated any_of, no group matches": (
        [{"post": {}}, {"none": {"route": {"any_of": [{"day": {"gt": "$post.size"}}, {"id": "zz"}]}}}], 1),
    "join after an in list": ([{"post": {}}, {"route": {"id": {"in": ["q", "r"]}, "day": {"lt": "$post.size"}}}], 1),
    # a correlated equality inside the engine's $or (issue 12): error 311, SIGABRT, or wrong matches when present
    "in with a reference to an absent field": ([{"post": {}}, {"route": {"day": {"in": ["$post.gone", 1]}}}], 0),
    "in with a reference, present and equal": ([{"post": {}}, {"route": {"day": {"in": ["$post.size", 3]}}}], 1),
    "in with two references": ([{"post": {}}, {"route": {"day": {"in": ["$post.size", "$post.gone"]}}}], 0),
    "any_of with a join to an absent field": (
        [{"post": {}}, {"route": {"any_of": [{"day": "$post.gone"}, {"id": "q"}]}}], 1),
    "none with in and a reference": ([{"post": {}}, {"none": {"route": {"day": {"in": ["$post.gone", 1]}}}}], 1),
    "none with any_of holding a join": (
        [{"post": {}}, {"none": {"route": {"any_of": [{"day": "$post.gone"}, {"id": "q"}]}}}], 0),
}


@pytest.mark.parametrize("name", list(ABSENT_SHAPES))
def test_correlated_comparisons_with_absent_fields_are_safe_and_exact(name: str) -> None:
    when, expected = ABSENT_SHAPES[name]
    code = textwrap.dedent(f"""
        from jointgov.pipeline.compiler import compile_condition
        from jointgov.pipeline.engine import Engine
        engine = Engine("shape", [(0, 0, v) for v in compile_condition({when!r}, {{}}, None)])
        facts = [{{"type": "post", "ptr": "/p", "id": "p", "size": 5, "route": "q"}},
                 {{"type": "role", "ptr": "/r", "post": "p"}}, {{"type": "route", "ptr": "/q", "id": "q", "day": 3}}]
        counts = {{len(engine.evaluate(facts)) for _ in range(200)}}
        print(sorted(counts))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.strip() == f"[{expected}]"


def _correlated_inside_or(term: object, inside: bool = False) -> bool:
    """Whether a compiled expression has a correlated term ({alias: field}) under an $or."""
    if isinstance(term, list):
        return any(_correlated_inside_or(t, inside) for t in term)
    if not isinstance(term, dict):
        return False
    found = False
    for key, value in term.items():
        if key == "$or":
            found |= _correlated_inside_or(value, True)
        elif isinstance(value, dict) and value and not any(str(k).startswith("$") for k in value) and inside:
            found |= all(isinstance(v, str) for v in value.values()) and key not in ("$nex", "$ex")
        else:
            found |= _correlated_inside_or(value, inside)
    return found


@pytest.mark.parametrize("name", list(ABSENT_SHAPES))
def test_no_correlated_term_is_compiled_inside_an_or(name: str) -> None:
    when, _ = ABSENT_SHAPES[name]
    for variant in compile_condition(when, {}, None):
        assert not _correlated_inside_or(variant.definition["all"]), variant.definition


def test_the_built_in_rulesets_are_within_the_engines_limits() -> None:
    """The catalogue, the repository rules and the scenarios, as the model of the engine's network counts them:
    some room is left for users' rules (each ruleset's fullest fact type is named)."""
    import datetime as _dt

    from jointgov.model import Options
    from jointgov.pipeline.catalogue import load_catalogue, user_last
    from jointgov.pipeline.checker import Checker
    from jointgov.pipeline.network import STACK, Network
    from jointgov.pipeline.rulesets import compile_rules
    from jointgov.repository.checker import RepositoryChecker
    from jointgov.simulation.scenarios import compile_transitions, load_scenarios

    catalogue = load_catalogue()
    checker = Checker(catalogue, Options(as_of=_dt.date(2026, 1, 1)))
    mine = user_last(r for r in checker.active if r.match and r.level == "agreement")  # what the Checker compiles
    repository = RepositoryChecker(catalogue, [r for r in catalogue.rules if r.level == "repository"])
    assert repository.engines
    repository_conditions = [condition for _, engine in repository.engines for condition in engine._conditions]
    peaks = {}
    for name, conditions in (("catalogue", compile_rules(catalogue, mine, {})), ("repository", repository_conditions),
                             ("scenarios", compile_transitions(load_scenarios([]))[1])):
        network = Network()
        network.add({"all": [{"m": {"$ex": {"type": 1}}}]})  # the engine's catch-all
        for _, _, compiled in conditions:
            assert network.add(compiled.definition) is None
        assert network.problem() is None
        peaks[name] = max((network.peak(kind), kind) for kind in network.fact_types())
    assert peaks == {"catalogue": (39, "document"), "repository": (17, "xparty"), "scenarios": (17, "sim")}
    assert all(peak < STACK - 20 for peak, _ in peaks.values())


def _joins(count: int) -> list[list[object]]:
    return [[{"post": {}}, {"role": {"post": f"$post.f{n}"}}] for n in range(count)]


def test_the_fullest_ruleset_the_engine_limit_allows_runs() -> None:
    """58 rules each joining role facts on a different field: accepted, and 200 documents run in a child."""
    code = textwrap.dedent("""
        from jointgov.pipeline.compiler import compile_condition
        from jointgov.pipeline.engine import Engine
        whens = [[{"post": {}}, {"role": {"post": f"$post.f{n}"}}] for n in range(58)]
        engine = Engine("full", [(n, 0, v) for n, w in enumerate(whens) for v in compile_condition(w, {}, None)])
        facts = [{"type": "post", "ptr": "/p", **{f"f{n}": "p" for n in range(58)}},
                 {"type": "role", "ptr": "/r", "post": "p"}]
        print(sorted({len(engine.evaluate(facts)) for _ in range(200)}))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout.strip()) == (0, "[58]"), result.stderr[-500:]


def test_a_ruleset_past_the_engines_stack_is_refused_before_it_is_registered() -> None:
    """65 such rules would kill the process at the first role fact (measured: SIGSEGV); the engine is never
    given them: EngineLimitError names the rule that crosses the line (the 60th: 59 pending, plus the fact type's
    node and the catch-all)."""
    from jointgov.pipeline.engine import EngineLimitError

    conditions = [(n, 0, v) for n, w in enumerate(_joins(65)) for v in compile_condition(w, {}, None)]
    with pytest.raises(EngineLimitError) as refused:
        Engine("too-full", conditions)
    assert (refused.value.index, refused.value.reason) == (
        59, "a role fact would pass up to 61 pattern tests at once (the rule engine holds 60): fewer or simpler "
        "rules on role facts")
    assert "too-full" not in Engine._rulesets
