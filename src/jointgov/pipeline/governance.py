"""Facts of governance: bodies, their members and each party's seats, lead providers, approvals, consultations.

Part of building an agreement's facts (``jointgov.pipeline.facts``): a bound successor sits in its
predecessor's seats (``jointgov.pipeline.succession``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jointgov.pipeline.succession import StandIn
from jointgov.pipeline.values import as_list, covers_all, day, items, put

Fact = dict[str, Any]


def governance(data: dict[str, Any], active: set[str], stand: StandIn) -> Iterator[Fact]:
    """Governance bodies, their members and seats, lead providers, approvals and consultations."""
    for ptr, body in items(data, "governance_bodies"):
        members = [dict(m, party=stand.one(m.get("party"))[0]) for m in as_list(body.get("members"))
                   if isinstance(m, dict)]
        member_parties = sorted({str(m["party"]) for m in members if isinstance(m.get("party"), str)})
        joint = covers_all(member_parties, active)
        quorum = body.get("quorum") if isinstance(body.get("quorum"), dict) else {}
        assert isinstance(quorum, dict)
        yield put({"type": "body", "ptr": ptr}, id=body.get("id"), name=body.get("name"), kind=body.get("kind"),
                   member_parties=member_parties, member_party_count=len(member_parties), joint=joint,
                   quorum_min=quorum.get("min"), per_party=quorum.get("per_party"), decides_by=body.get("decides_by"))
        for i, member in enumerate(as_list(body.get("members"))):
            if isinstance(member, dict):
                party, party_as = stand.one(member.get("party"))
                yield put({"type": "member", "ptr": f"{ptr}/members/{i}"}, body=body.get("id"),
                           party=party, party_as=party_as, role=member.get("role"), count=member.get("count"),
                           elected=member.get("elected") is True, joint_body=joint)
        yield from _seats(ptr, body, members, quorum)
    for ptr, lead in items(data, "lead_providers"):
        provider, provider_as = stand.one(lead.get("provider"))
        kinds = {p.get("id"): p.get("kind") for _, p in items(data, "parties")}
        yield put({"type": "lead_provider", "ptr": ptr}, service=lead.get("service"), provider=provider,
                   provider_as=provider_as, provider_kind=kinds.get(provider),
                   commissioned_by=lead.get("commissioned_by"), reporting=lead.get("reporting"))
    for ptr, item in items(data, "approvals"):
        yield put({"type": "approval", "ptr": ptr}, by=item.get("by"), kind=item.get("kind"), party=item.get("for"),
                   date=item.get("date"), day=day(item.get("date")))
    for ptr, item in items(data, "consultations"):
        yield put({"type": "consultation", "ptr": ptr}, consulted=item.get("with"), date=item.get("date"),
                   day=day(item.get("date")), about=item.get("about"))


def _seats(ptr: str, body: dict[str, Any], members: list[dict[str, Any]], quorum: dict[str, Any]
           ) -> Iterator[Fact]:
    """One ``body_party`` fact per party with members on the body: its seats (a member entry without a
    ``count`` is one member), and whether it can block the quorum by staying away, make the quorum on its
    own, or outvote the others."""
    def count(member: dict[str, Any]) -> int:
        value = member.get("count")
        return value if isinstance(value, int) and not isinstance(value, bool) else 1

    total = sum(count(m) for m in members)
    per_party, minimum = quorum.get("per_party"), quorum.get("min")
    each_side = isinstance(per_party, int) and not isinstance(per_party, bool) and per_party >= 1
    limit = minimum if isinstance(minimum, int) and not isinstance(minimum, bool) else None
    for party in sorted({str(m["party"]) for m in members if isinstance(m.get("party"), str)}):
        seats = sum(count(m) for m in members if m.get("party") == party)
        others = total - seats
        yield put({"type": "body_party", "ptr": f"{ptr}#party={party}"}, body=body.get("id"), party=party,
                  seats=seats, other_seats=others, per_party=per_party, quorum_min=minimum,
                  can_block=each_side or (limit is not None and others < limit),
                  quorate_alone=not each_side and (limit is None or seats >= limit),
                  majority=seats > others)
