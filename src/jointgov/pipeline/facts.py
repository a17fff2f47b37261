"""Pipeline stage 3: turn a valid agreement into the typed facts that rules match against.

Every fact is a flat dict with ``type`` and ``ptr`` (the JSON pointer of the
clause it stands for, unique in the document) and the clause's own fields.
Absent values are left out, never ``None``, and so is the word ``unknown``
wherever a derived value (a date as a day number, a percentage) is computed:
rules never treat ``unknown`` as satisfied. Empty lists are left out too.

Derived fields are named plainly and listed in ``DERIVED`` (shown by
``jointgov facts --help`` and in docs/rule-format.md). ``jointgov facts FILE``
prints the facts of a file as JSON.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Iterator
from fractions import Fraction
from typing import Any

from jointgov.pipeline.blanks import placeholders
from jointgov.pipeline.governance import governance
from jointgov.pipeline.succession import StandIn
from jointgov.pipeline.values import as_list, covers_all, day, items, known, put

Fact = dict[str, Any]
END_MARKER = "$end"
"""The type of the fact the engine is given after all of a document's (``none:`` conditions wait for it)."""
ENGINE_FIELDS = {"id": "id_"}
"""Fact fields renamed inside the engine (``id`` is the engine's own fact identity)."""

NHS_KINDS = frozenset({
    "health-authority", "strategic-health-authority", "primary-care-trust", "care-trust", "nhs-trust",
    "nhs-foundation-trust", "clinical-commissioning-group", "integrated-care-board", "health-board",
})
POOLING_BASES = frozenset({"nhs-act-2006-s75", "nhs-wales-act-2006-s33", "health-act-1999-s31"})
EVALUATION = {"by": "who evaluates", "method": "how it is done", "due_on": "when it is due"}
"""What a planned evaluation says (JG605), in the words a finding uses for each that is missing."""
REQUIRED_CLAUSES = ("information_sharing", "confidentiality", "complaints", "liabilities", "audit", "change_in_law")

DERIVED: dict[str, str] = {
    "*_day": "a date as a day number (days since 0001-01-01), absent when the date is absent or unknown",
    "run.as_of_day": "the run's --as-of date as a day number",
    "document.statutory": "jurisdiction england or wales and a statutory basis of s75, s33 or s31",
    "document.pooling_basis": "the statutory basis includes s75, s33 or s31",
    "document.*_count": "number of items in aims, functions, services, joint_posts, secondments, ..., and of "
                        "arbitrator steps, superseded parties, approvals, lead providers, bodies with members from "
                        "several parties, review dates, waivers: a rule whose subject is absent does not apply",
    "document.has_staff_arrangements": "the agreement has joint posts, secondments or integrated provision",
    "document.ends_before_it_starts": "expires_on is a date before commences_on",
    "party.nhs": "the party's kind is an NHS body",
    "party.active": "the party has not been superseded",
    "succession.*": "one fact per (predecessor, successor) pair, with the reaffirmation window",
    "succession.reaffirmed_in_time": "reaffirmed_on is a date within reaffirm_within_days of superseded_on",
    "post.parties": "the parties that hold a role in the post; every active party when roles are listed for "
                    "fewer than two",
    "post.implied_parties": "the parties taken to hold a role because the post lists roles for fewer than two "
                            "parties (each has a role fact with implied: true)",
    "post.shares_add_up": "every role has a numeric time_share and they add to 100 (within 0.01)",
    "assent": "one fact per party in an agreed_by or decided_by list, with the agreeing item's day",
    "protocol.agreed_by_all": "agreed_on is a date and agreed_by holds every active party",
    "route.binding_end": "the route's last step has outcome binding",
    "route.total_days": "the sum of the steps' within_days",
    "route.deliberation_days": "the sum of the within_days of the steps before an independent determination "
                               "(every step but an arbitrator, expert, court or ministers)",
    "secondment.consulted_after_start": "consulted_on is after starts_on (else the agreement's commences_on)",
    "contribution.of_a_party": "the contribution names a party of the agreement",
    "placeholder": "one fact per text still reading TODO (TBC, TBD, FIXME) and per empty decided_by or agreed_by",
    "*_as": "how to say a value: a bound successor standing in for the predecessor the agreement names, "
            "'{icb}, as successor to {pct}' (ids in braces are said by their names)",
    "step.last": "the step is the route's last",
    "post_route.*": "one fact per (joint post, dispute route) pair",
    "post_route.agreed_by_post_parties": "the route's agreed_by holds every party of the post",
    "post_route.covers_post": "the route covers any or joint-post",
    "budget.contributions_sum": "the sum of the contributions' amounts",
    "budget.balanced": "total is a number and the contributions add up to it (within 0.005)",
    "body.joint": "the body has members from every active party",
    "body.member_party_count": "how many different parties the body's members come from",
    "body_party.*": "one fact per (body, member party): seats (sum of counts, a member without count is one), "
                    "other_seats, can_block (quorum.per_party >= 1, or the others' seats are fewer than "
                    "quorum.min), quorate_alone (no quorum.per_party of 1 or more, and its own seats reach "
                    "quorum.min, or there is no quorum.min), majority (more seats than all the others)",
    "member.joint_body": "the member sits on a joint body",
    "outcome.agreed_by_all": "agreed_by holds every active party",
    "trigger.decided_by_all": "decided_by holds every active party",
    "trigger.has_response": "response is given and not unknown",
    "clauses.missing": "the required clauses that are absent",
    "review.evaluation_missing": "of by, method and due_on, those the evaluation does not give (only when there "
                                 "is an evaluation)",
    "waiver.approved_day": "approved_on as a day number",
}


INDEPENDENT = frozenset({"arbitrator", "expert", "court", "ministers"})
"""Route steps where someone outside the parties determines the dispute: their time is set by their own rules
and procedure (arbitration rules, a court's timetable), not by the agreement."""


def _before(first: Any, second: Any) -> bool | None:
    """Whether date *first* is before date *second*; None when either is not a known date."""
    a, b = day(first), day(second)
    return None if a is None or b is None else a < b


def _num(value: Any) -> float | int | None:
    """A number the engine can hold (a float-sized one), else None: absent, unknown or too large."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return value if math.isfinite(float(value)) else None
    except OverflowError:  # an integer beyond 1.8e308
        return None


def _exact_sum(values: Iterable[Any]) -> Fraction:
    """The exact sum of numbers (ints and floats mixed, of any size): no overflow, no rounding."""
    return sum((Fraction(v) for v in values if not isinstance(v, bool) and isinstance(v, (int, float))
                and (not isinstance(v, float) or math.isfinite(v))), Fraction(0))



def build(data: dict[str, Any], as_of: _dt.date) -> list[Fact]:
    """All facts of one agreement, in document order, ending with no marker (the engine adds it)."""
    facts: list[Fact] = [{"type": "run", "ptr": "#run", "as_of_day": as_of.toordinal(), "as_of": as_of.isoformat()}]
    agreement = data.get("agreement") if isinstance(data.get("agreement"), dict) else {}
    assert isinstance(agreement, dict)
    parties = list(items(data, "parties"))
    superseded = {p["id"] for _, p in parties if as_list(p.get("superseded_by"))}
    active = {p["id"] for _, p in parties if p.get("id") not in superseded}
    basis = set(as_list(agreement.get("statutory_basis")))
    jurisdiction = agreement.get("jurisdiction")
    posts = list(items(data, "joint_posts"))

    facts.append(put(
        {"type": "document", "ptr": ""},
        status=agreement.get("status"), jurisdiction=jurisdiction, basis=sorted(basis) or None,
        statutory=jurisdiction in ("england", "wales") and bool(basis & POOLING_BASES),
        pooling_basis=bool(basis & POOLING_BASES),
        signed_on=agreement.get("signed_on"), signed_day=day(agreement.get("signed_on")),
        commences_on=agreement.get("commences_on"), commences_day=day(agreement.get("commences_on")),
        expires_on=agreement.get("expires_on"), expires_day=day(agreement.get("expires_on")),
        aims_count=len(as_list(agreement.get("aims"))), functions_count=len(as_list(agreement.get("functions"))),
        services_count=len(as_list(agreement.get("services"))),
        parties_count=len(parties), active_parties_count=len(active),
        joint_posts_count=len(posts), secondments_count=len(as_list(data.get("secondments"))),
        pooled_budgets_count=len(as_list(data.get("pooled_budgets"))),
        dispute_routes_count=len(as_list(data.get("dispute_routes"))),
        has_staff_arrangements=bool(posts) or bool(as_list(data.get("secondments")))
        or "integrated-provision" in as_list(agreement.get("arrangements")),
        has_resources=known(agreement.get("resources")), integration_model=agreement.get("integration_model"),
        ends_before_it_starts=_before(agreement.get("expires_on"), agreement.get("commences_on")),
        sections=sorted(k for k in data if not k.startswith("x-")),
        **_subject_counts(data, superseded),
    ))
    stand = StandIn(data)  # a bound successor counts wherever its predecessor is named
    facts.extend(_parties(data, parties, superseded))
    facts.extend(_agreeing(data, active, stand))
    facts.extend(_posts(data, posts, active, stand))
    facts.extend(_money_and_staff(data, stand, {p.get("id") for _, p in parties}))
    facts.extend(governance(data, active, stand))
    facts.extend(_sections(data, stand))
    facts.extend(placeholders(data))
    return facts


def _subject_counts(data: dict[str, Any], superseded: set[str]) -> dict[str, int]:
    """How many of each thing some rule is about: a rule whose subject is absent does not apply."""
    steps = [s for _, r in items(data, "dispute_routes") for s in as_list(r.get("steps")) if isinstance(s, dict)]
    bodies = [b for _, b in items(data, "governance_bodies")]
    member_parties = [{m.get("party") for m in as_list(b.get("members")) if isinstance(m, dict)} for b in bodies]
    evaluation = (data.get("review") or {}).get("evaluation") if isinstance(data.get("review"), dict) else None
    return {
        "arbitrator_steps_count": sum(1 for s in steps if s.get("body") == "arbitrator"),
        "superseded_parties_count": len(superseded),
        "approvals_count": len(as_list(data.get("approvals"))),
        "lead_providers_count": len(as_list(data.get("lead_providers"))),
        "multi_party_bodies_count": sum(1 for parties in member_parties if len(parties - {None}) > 1),
        "review_dates_count": sum(1 for _, p in items(data, "protocols") if "review_on" in p)
        + (1 if isinstance(evaluation, dict) and "due_on" in evaluation else 0),
        "waivers_count": len(as_list(data.get("waivers"))),
        "variations_count": len(as_list(data.get("variations"))),
    }


def _parties(data: dict[str, Any], parties: list[tuple[str, dict[str, Any]]], superseded: set[str]) -> Iterator[Fact]:
    by_id = {p.get("id"): (ptr, p) for ptr, p in parties}
    successors = data.get("successors") if isinstance(data.get("successors"), dict) else {}
    assert isinstance(successors, dict)
    window = successors.get("reaffirm_within_days")
    successor_ids = {s for _, p in parties for s in as_list(p.get("superseded_by"))}
    for ptr, party in parties:
        yield put(
            {"type": "party", "ptr": ptr}, id=party.get("id"), name=party.get("name"), kind=party.get("kind"),
            nhs=party.get("kind") in NHS_KINDS, superseded=party.get("id") in superseded,
            active=party.get("id") not in superseded, successor=party.get("id") in successor_ids,
            reaffirmed_on=party.get("reaffirmed_on"), reaffirmed_day=day(party.get("reaffirmed_on")),
        )
        raw = party.get("superseded_by")
        for k, successor in enumerate(as_list(raw)):
            succ_ptr, succ = by_id.get(successor, ("", {}))
            since, done = day(party.get("superseded_on")), day(succ.get("reaffirmed_on"))
            deadline = since + window if since is not None and isinstance(window, int) else None
            in_time = done is not None and (
                window is None or (deadline is not None and done <= deadline))
            yield put(
                {"type": "succession", "ptr": f"{ptr}/superseded_by" + (f"/{k}" if isinstance(raw, list) else "")},
                predecessor=party.get("id"), successor=successor, successor_ptr=succ_ptr or None,
                superseded_on=party.get("superseded_on"), superseded_day=since,
                reaffirmed_on=succ.get("reaffirmed_on"), reaffirmed_day=done,
                window_days=window if isinstance(window, int) else None, deadline_day=deadline,
                reaffirmed_in_time=in_time,
            )


def _agreeing(data: dict[str, Any], active: set[str], stand: StandIn) -> Iterator[Fact]:
    """Protocols, dispute routes and their steps, outcomes, triggers and their assent facts."""
    for ptr, item in items(data, "protocols"):
        agreed = day(item.get("agreed_on"))
        agreed_by = stand.expand(as_list(item.get("agreed_by")))
        yield put({"type": "protocol", "ptr": ptr}, id=item.get("id"), title=item.get("title"),
                   kind=item.get("kind"), agreed_on=item.get("agreed_on"), agreed_day=agreed,
                   agreed_by=agreed_by, review_on=item.get("review_on"),
                   review_day=day(item.get("review_on")),
                   agreed_by_all=agreed is not None and covers_all(agreed_by, active))
        yield from _assents(ptr, item.get("id"), "protocol", item.get("agreed_by"), agreed, stand)
    for ptr, route in items(data, "dispute_routes"):
        steps = [s for s in as_list(route.get("steps")) if isinstance(s, dict)]
        arbitration = route.get("arbitration") if isinstance(route.get("arbitration"), dict) else {}
        assert isinstance(arbitration, dict)
        agreed = day(route.get("agreed_on"))
        timed = [s.get("within_days") for s in steps if isinstance(s.get("within_days"), int)]
        yield put({"type": "route", "ptr": ptr}, id=route.get("id"), covers=as_list(route.get("covers")),
                   agreed_on=route.get("agreed_on"), agreed_day=agreed,
                   agreed_by=stand.expand(as_list(route.get("agreed_by"))),
                   step_count=len(steps), total_days=sum(timed), all_steps_timed=len(timed) == len(steps),
                   deliberation_days=sum(s["within_days"] for s in steps if isinstance(s.get("within_days"), int)
                                         and s.get("body") not in INDEPENDENT),
                   binding_end=bool(steps) and steps[-1].get("outcome") == "binding",
                   has_arbitrator=any(s.get("body") == "arbitrator" for s in steps),
                   arbitration_appointed_by=arbitration.get("appointed_by"),
                   arbitration_rules=arbitration.get("rules"), arbitration_costs=arbitration.get("costs"),
                   escalates_to=route.get("escalates_to"))
        for i, step in enumerate(as_list(route.get("steps"))):
            if isinstance(step, dict):
                yield put({"type": "step", "ptr": f"{ptr}/steps/{i}"}, route=route.get("id"), route_ptr=ptr,
                           number=i + 1, body=step.get("body"), within_days=step.get("within_days"),
                           outcome=step.get("outcome"), last=i == len(as_list(route.get("steps"))) - 1)
        yield from _assents(ptr, route.get("id"), "route", route.get("agreed_by"), agreed, stand)
    for ptr, outcome in items(data, "outcomes"):
        yield put({"type": "outcome", "ptr": ptr}, indicator=outcome.get("indicator"),
                   has_baseline=known(outcome.get("baseline")), has_target=known(outcome.get("target")),
                   by_day=day(outcome.get("by")), agreed_by=stand.expand(as_list(outcome.get("agreed_by"))),
                   agreed_by_all=covers_all(stand.expand(as_list(outcome.get("agreed_by"))), active))
    for ptr, trigger in items(data, "triggers"):
        decided_by = stand.expand(as_list(trigger.get("decided_by")))
        yield put({"type": "trigger", "ptr": ptr}, event=trigger.get("event"),
                   decided_by=decided_by, within_days=trigger.get("within_days"),
                   route=trigger.get("route"), decided_by_all=covers_all(decided_by, active),
                   has_response=known(trigger.get("response")))
        yield from _assents(ptr, ptr, "trigger", trigger.get("decided_by"), None, stand)


def _assents(ptr: str, owner: Any, kind: str, names: Any, agreed: int | None, stand: StandIn,
             key: str = "") -> Iterator[Fact]:
    """One ``assent`` fact per party of a list that agrees or decides, a bound successor in place of the
    predecessor the list names (at the predecessor's item)."""
    key = key or ("decided_by" if kind == "trigger" else "agreed_by")
    for i, party in enumerate(as_list(names)):
        for who in stand.expand([party]):
            suffix = "" if who == party else f"#as={who}"
            yield put({"type": "assent", "ptr": f"{ptr}/{key}/{i}{suffix}"}, to=owner, kind=kind, party=who,
                      day=agreed, party_as=None if who == party else f"{{{who}}}, as successor to {{{party}}}")


def pairs(data: dict[str, Any]) -> tuple[int, int]:
    """How many joint posts and dispute routes there are: their product is the number of ``post_route`` facts."""
    return len(list(items(data, "joint_posts"))), len(list(items(data, "dispute_routes")))


def _posts(data: dict[str, Any], posts: list[tuple[str, dict[str, Any]]], active: set[str], stand: StandIn
           ) -> Iterator[Fact]:
    routes = list(items(data, "dispute_routes"))
    for ptr, post in posts:
        roles = [r for r in as_list(post.get("roles")) if isinstance(r, dict)]
        post_parties = sorted(str(p) for p in stand.expand(r["party"] for r in roles
                                                            if isinstance(r.get("party"), str)))
        # A joint post that lists roles for fewer than two parties is taken to be held for every party: the rules
        # ask of it what they ask of a post held for all, instead of passing what they cannot see.
        implied = sorted(str(p) for p in active - set(post_parties)) if len(post_parties) < 2 else []
        post_parties = sorted([*post_parties, *implied])
        shares = [_num(r.get("time_share")) for r in roles]
        removal = post.get("removal") if isinstance(post.get("removal"), dict) else None
        total = sum(s for s in shares if s is not None)
        appointed = day(post.get("appointed_on"))
        employer, employer_as = stand.one(post.get("employer"))
        yield put(
            {"type": "post", "ptr": ptr}, id=post.get("id"), title=post.get("title"), employer=employer,
            employer_as=employer_as,
            instrument=post.get("instrument"), protocol=post.get("protocol"), appointed_on=post.get("appointed_on"),
            appointed_day=appointed, appraisal=post.get("appraisal"), has_removal=removal is not None,
            removal_requires=as_list((removal or {}).get("requires")),
            removal_notice_days=(removal or {}).get("notice_days"),
            removal_decided_by=stand.expand(as_list((removal or {}).get("decided_by"))),
            concerns_route=post.get("concerns_route"), has_continuity=known(post.get("continuity")),
            holder=post.get("holder") if isinstance(post.get("holder"), str) and post["holder"].strip() else None,
            parties=post_parties, party_count=len(post_parties), implied_parties=implied or None,
            share_total=total if shares else None,
            shares_add_up=bool(shares) and None not in shares and abs(total - 100) <= 0.01,
        )
        for i, role in enumerate(as_list(post.get("roles"))):
            if isinstance(role, dict):
                party, party_as = stand.one(role.get("party"))
                yield put({"type": "role", "ptr": f"{ptr}/roles/{i}"}, post=post.get("id"), post_ptr=ptr,
                           party=party, party_as=party_as, role=role.get("role"),
                           time_share=_num(role.get("time_share")),
                           reports_to=role.get("reports_to") if known(role.get("reports_to")) else None)
        for party in implied:
            yield put({"type": "role", "ptr": f"{ptr}/roles#implied={party}"}, post=post.get("id"), post_ptr=ptr,
                       party=party, party_as=f"{{{party}}} (no role is listed for it)", implied=True)
        yield from _assents(f"{ptr}/removal", post.get("id"), "removal", (removal or {}).get("decided_by"), None,
                            stand, "decided_by")
        for route_ptr, route in routes:
            steps = [s for s in as_list(route.get("steps")) if isinstance(s, dict)]
            covers = set(as_list(route.get("covers")))
            yield put({"type": "post_route", "ptr": f"{ptr}#{route_ptr}"}, post=post.get("id"),
                       route=route.get("id"), covers_post=bool(covers & {"any", "joint-post"}),
                       binding_end=bool(steps) and steps[-1].get("outcome") == "binding",
                       agreed_by_post_parties=bool(post_parties) and set(post_parties) <= set(
                           stand.expand(as_list(route.get("agreed_by")))),
                       agreed_day=day(route.get("agreed_on")))


def _money_and_staff(data: dict[str, Any], stand: StandIn, party_ids: set[Any]) -> Iterator[Fact]:
    agreement = data.get("agreement") if isinstance(data.get("agreement"), dict) else {}
    commences = agreement.get("commences_on") if isinstance(agreement, dict) else None
    for ptr, item in items(data, "secondments"):
        fields = {key: stand.one(item.get(key)) for key in ("employer", "host", "day_to_day_manager",
                                                            "professional_line")}
        yield put({"type": "secondment", "ptr": ptr}, id=item.get("id"), staff=item.get("staff"),
                   terms=item.get("terms"), consulted_on=item.get("consulted_on"),
                   consulted_day=day(item.get("consulted_on")), has_on_return=known(item.get("on_return")),
                   starts_on=item.get("starts_on") or commences, starts_day=day(item.get("starts_on") or commences),
                   consulted_after_start=_before(item.get("starts_on") or commences, item.get("consulted_on")),
                   **{key: who for key, (who, _) in fields.items()},
                   **{f"{key}_as": said for key, (_, said) in fields.items()})
    for ptr, pool in items(data, "pooled_budgets"):
        contributions = [c for c in as_list(pool.get("contributions")) if isinstance(c, dict)]
        total = _num(pool.get("total"))
        exact = _exact_sum(c.get("amount") for c in contributions)
        whole = exact.denominator == 1
        summed = _num(int(exact) if whole else float(exact)) if abs(exact) < 1e300 else None
        risk = pool.get("risk_share") if isinstance(pool.get("risk_share"), dict) else {}
        assert isinstance(risk, dict)
        (host, host_as), (over, over_as), (under, under_as) = (
            stand.one(pool.get("host")), stand.one(risk.get("overspend")), stand.one(risk.get("underspend")))
        yield put({"type": "budget", "ptr": ptr}, id=pool.get("id"), host=host, host_as=host_as,
                   manager=pool.get("manager"), currency=pool.get("currency", "GBP"), total=total,
                   contributions_count=len(contributions), contributions_sum=summed,
                   balanced=total is not None and bool(contributions)
                   and abs(exact - Fraction(total)) <= Fraction(5, 1000),
                   overspend=over, overspend_as=over_as, underspend=under, underspend_as=under_as,
                   reporting=pool.get("reporting"), has_variation=known(pool.get("variation")),
                   has_audit=known(pool.get("audit")))
        for i, item in enumerate(as_list(pool.get("contributions"))):
            if isinstance(item, dict):
                party, party_as = stand.one(item.get("party"))
                yield put({"type": "contribution", "ptr": f"{ptr}/contributions/{i}"}, budget=pool.get("id"),
                           party=party, party_as=party_as, amount=_num(item.get("amount")),
                           of_a_party=item.get("party") in party_ids)


def _sections(data: dict[str, Any], stand: StandIn) -> Iterator[Fact]:
    """The single mappings: successors, review, exit, communication, clauses; and the waivers and variations."""
    def mapping(key: str) -> dict[str, Any] | None:
        value = data.get(key)
        return value if isinstance(value, dict) else None

    if (successors := mapping("successors")) is not None:
        yield put({"type": "successors", "ptr": "/successors"}, binding=successors.get("binding"),
                   reaffirm_within_days=successors.get("reaffirm_within_days"))
    if (review := mapping("review")) is not None:
        evaluation = review.get("evaluation") if isinstance(review.get("evaluation"), dict) else None
        missing = [key for key in EVALUATION if not known(evaluation.get(key))] if evaluation is not None else []
        said = [EVALUATION[key] for key in missing]
        yield put({"type": "review", "ptr": "/review"}, every_months=review.get("every_months"),
                   has_evaluation=evaluation is not None, evaluation_missing=missing,
                   evaluation_missing_text=" or ".join([", ".join(said[:-1]), said[-1]] if len(said) > 1 else said)
                   or None,
                   due_on=(evaluation or {}).get("due_on"), due_day=day((evaluation or {}).get("due_on")))
    if (exit_ := mapping("exit")) is not None:
        yield put({"type": "exit", "ptr": "/exit"}, notice_days=exit_.get("notice_days"),
                   requires=as_list(exit_.get("requires")), has_staff_plan=known(exit_.get("staff_plan")),
                   has_assets_liabilities=known(exit_.get("assets_liabilities")))
    if (comms := mapping("communication")) is not None:
        yield put({"type": "communication", "ptr": "/communication"}, owner=stand.one(comms.get("owner"))[0],
                   crisis_protocol=comms.get("crisis_protocol"), joint_statements=comms.get("joint_statements"))
    clauses = mapping("clauses")
    present = sorted(k for k, v in (clauses or {}).items() if known(v))
    missing = [c for c in REQUIRED_CLAUSES if c not in present]
    yield put({"type": "clauses", "ptr": "/clauses"}, present=present, missing=missing,
               missing_text=", ".join(c.replace("_", " ") for c in missing) or None, complete=not missing)
    for ptr, waiver in items(data, "waivers"):
        yield put({"type": "waiver", "ptr": ptr}, rule=waiver.get("rule"), target=waiver.get("target"),
                   has_reason=known(waiver.get("reason")), approved_by=waiver.get("approved_by"),
                   approved_on=waiver.get("approved_on"), approved_day=day(waiver.get("approved_on")),
                   expires_on=waiver.get("expires_on"), expires_day=day(waiver.get("expires_on")))
    for ptr, variation in items(data, "variations"):
        yield put({"type": "variation", "ptr": ptr}, clause=variation.get("clause"),
                   has_reason=known(variation.get("reason")), agreed_by=variation.get("agreed_by"),
                   agreed_on=variation.get("agreed_on"), agreed_day=day(variation.get("agreed_on")))
