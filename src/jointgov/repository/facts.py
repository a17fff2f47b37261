"""The facts of the repository rules (JG9xx), built from small per-agreement entries and the register.

Each agreement contributes an ``Entry``, made by the per-file pass from the document it has
already read (``entry``): its document, party, post and lead-provider facts, the ``org`` of each
party, and the positions of the clauses a repository rule can point at. No document or location
map is kept, so a run over many agreements needs no second read and little memory. ``build``
turns the entries and the register into the facts of docs/rule-format.md ("Repository rules").
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from jointgov.pipeline.checker import Document
from jointgov.pipeline.values import as_list, put
from jointgov.repository.register import Registry, abolished_day

Fact = dict[str, Any]
KINDS = frozenset({"document", "party", "succession", "post", "lead_provider"})
"""The per-agreement facts the repository facts are made from."""


@dataclass(frozen=True)
class Entry:
    """One sound agreement as the repository rules see it."""

    path: str
    id: Any
    client_groups: tuple[Any, ...]
    facts: tuple[Fact, ...]
    orgs: dict[Any, Any] = field(default_factory=dict)
    """Each party's ``org`` (the register entry it names), by party id."""
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    """The positions of the clauses the run's repository rules can point at, by JSON pointer."""

    def at(self, pointer: str) -> tuple[int, int]:
        """The position of *pointer*, or of the nearest enclosing clause kept (the document's at worst)."""
        while pointer not in self.positions and pointer:
            pointer = pointer.rpartition("/")[0]
        return self.positions.get(pointer, (1, 1))


def entry(doc: Document, as_of: _dt.date, suffixes: Iterable[str] = ("",)) -> Entry:
    """The entry of a sound agreement; *suffixes* are the paths the rules' ``at`` add to a fact's clause
    (``/name`` for ``xparty.name``), whose positions are kept."""
    data = doc.data
    head = data.get("agreement") if isinstance(data.get("agreement"), dict) else {}
    facts = tuple(f for f in doc.facts(as_of) if f["type"] in KINDS)
    orgs = {p.get("id"): p.get("org") for p in data.get("parties") or [] if isinstance(p, dict)}
    bases = {"", *(str(f["ptr"]) for f in facts if f["type"] != "document")}
    positions = {base + suffix: doc.locations.at(base + suffix) for base in bases for suffix in {"", *suffixes}}
    return Entry(doc.path, head.get("id"), tuple(as_list(head.get("client_groups"))), facts, orgs, positions)


def _key(text: Any) -> str:
    return " ".join(str(text).casefold().split())


def _in_force(doc: Fact, as_of: int) -> bool:
    started = doc.get("status") == "in-force" or (
        doc.get("status") == "signed" and doc.get("commences_day") is not None and doc["commences_day"] <= as_of)
    return started and (doc.get("expires_day") is None or doc["expires_day"] >= as_of)


def build(entries: Iterable[Entry], registry: Registry | None, as_of: _dt.date) -> list[Fact]:
    """The repository's facts (see docs/rule-format.md, "Repository rules")."""
    today = as_of.toordinal()
    reg = registry if registry and not registry.problems else None
    out: list[Fact] = [{"type": "run", "ptr": "#run", "as_of_day": today, "as_of": as_of.isoformat(),
                        "has_registry": reg is not None}]
    for org in (reg.organisations.values() if reg else ()):
        out.append(put({"type": "org", "ptr": org.ptr, "uid": f"#registry{org.ptr}"}, id=org.id,
                       name=org.name, kind=org.kind, abolished_on=org.abolished_on or None,
                       abolished_day=abolished_day(org)))
    loads: dict[str, list[tuple[Fact, Fact, float]]] = defaultdict(list)
    entries = list(entries)
    every_group = sorted({_key(g) for entry in entries for g in entry.client_groups})
    for agreement in entries:
        base = agreement.facts
        doc = next(f for f in base if f["type"] == "document")
        in_force = _in_force(doc, today)
        tag = {"file": agreement.path}
        out.append(put(dict(tag, type="agreement", ptr="", uid=f"{agreement.path}#"), id=agreement.id,
                       status=doc.get("status"), in_force=in_force, has_registry=reg is not None,
                       agreements_in_run=len(entries),
                       held_posts_count=sum(1 for f in base if f["type"] == "post" and f.get("holder")),
                       lead_providers_count=sum(1 for f in base if f["type"] == "lead_provider")))
        parties = _parties(agreement, reg, today)
        out.extend(parties)
        out.extend(_successions(agreement, parties, reg))
        by_id = {p["id"]: p for p in parties}
        for post in (f for f in base if f["type"] == "post"):
            holder = post.get("holder")
            if holder and in_force and post.get("share_total") is not None:
                fact = dict(tag, type="xpost", ptr=post["ptr"], uid=f"{agreement.path}#{post['ptr']}",
                            id=post.get("id"), title=post.get("title"), holder=holder, share=post["share_total"],
                            in_force=in_force)
                loads[_key(holder)].append((fact, post, float(post["share_total"])))
        # An agreement that names no client group covers every group: it is compared under "*" with the others
        # that name none, and under each group another agreement names (``expanded``), said as such.
        named = [_key(g) for g in agreement.client_groups]
        groups: list[tuple[str, bool, str | None]] = [(g, False, None) for g in named] or [
            ("*", False, "every client group: this agreement names none"),
            *((g, True, f"{g}: this agreement names no client group, so it covers every one") for g in every_group)]
        for lead in (f for f in base if f["type"] == "lead_provider"):
            provider = by_id.get(lead.get("provider", ""), {})
            for group, expanded, said in groups:
                out.append(put(dict(tag, type="xlead", ptr=lead["ptr"], uid=f"{agreement.path}#{lead['ptr']}#{group}",
                                    service=lead.get("service"), service_key=_key(lead.get("service", "")),
                                    provider=lead.get("provider"),
                                    provider_key=provider.get("key", lead.get("provider")), client_group=group,
                                    expanded=expanded, in_force=in_force), client_group_as=said))
    for items in loads.values():
        total = sum(share for _, _, share in items)
        where = [f"{fact['file']}: {fact['id']} ({share:g})" for fact, _, share in items]
        for fact, _, _ in items:
            whole = int(total) if float(total).is_integer() else total
            out.append(dict(fact, holder_total=whole, holder_posts=where, holder_post_count=len(items)))
    return out


def _parties(agreement: Entry, reg: Registry | None, today: int) -> list[Fact]:
    out = []
    for party in (f for f in agreement.facts if f["type"] == "party"):
        org_id = agreement.orgs.get(party.get("id"))
        fact: Fact = {"type": "xparty", "file": agreement.path, "ptr": party["ptr"],
                      "uid": f"{agreement.path}#{party['ptr']}", "id": party.get("id"), "name": party.get("name"),
                      "kind": party.get("kind"), "name_key": _key(party.get("name", "")),
                      "key": f"id:{party.get('id')}"}
        if party.get("reaffirmed_day") is not None:
            fact["reaffirmed_on"] = party.get("reaffirmed_on")
        if reg is not None:
            org = reg.organisations.get(org_id) if org_id else reg.by_name(str(party.get("name", "")))
            fact["registered"] = org is not None
            if org is not None:
                gone = abolished_day(org)
                note = "" if org_id else f" (matched to the register by its exact name: add org: {org.id})"
                fact.update(org=org.id, key=org.id, matched_by="org" if org_id else "name", match_note=note,
                            org_name=org.name, org_kind=org.kind, name_differs=org.name != party.get("name"),
                            kind_differs=org.kind != party.get("kind"),
                            abolished=gone is not None and gone < today)
                if gone is not None:
                    fact["abolished_on"] = org.abolished_on
        out.append(put(fact))
    return out


def _successions(agreement: Entry, parties: list[Fact], reg: Registry | None) -> list[Fact]:
    if reg is None:
        return []
    by_org = {p["org"]: p for p in parties if "org" in p}
    named = {(f.get("predecessor"), f.get("successor")) for f in agreement.facts if f["type"] == "succession"}
    out = []
    for party in parties:
        org = reg.organisations.get(party.get("org", ""))
        for successor, _ in org.successors if org and party.get("abolished") else ():
            heir = by_org.get(successor, {})
            reaffirmed = "reaffirmed_on" in heir
            # A successor the agreement itself names (superseded_by) is the agreement's succession: whether it
            # is bound (JG301) and reaffirmed in time (JG302) are said there, once; JG901 is for what the
            # file does not know.
            bound = heir.get("id") is not None and (party["id"], heir["id"]) in named
            out.append(put({"type": "xsuccession", "file": agreement.path,
                            "ptr": party["ptr"], "uid": f"{agreement.path}#{party['ptr']}#{successor}",
                            "predecessor": party["id"], "successor_org": successor,
                            "successor_party": heir.get("id"), "reaffirmed": reaffirmed, "named": bound,
                            "answered": reaffirmed or bound}))
    return out
