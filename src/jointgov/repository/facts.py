"""The facts of the repository rules (JG9xx), built from small per-agreement entries and the register.

Each agreement contributes an ``Entry``, made by the per-file pass from the document it has already read
(``entry``): only what the repository facts are made of (its status, parties, named successions, held
posts and lead providers, each party's ``org``) and the positions of the clauses a repository rule can
point at. No document, fact or location map is kept, so a run over many agreements needs no second read
and little memory: about a kilobyte an agreement.

``Repository`` turns the entries and the register into the facts of docs/rule-format.md ("Repository
rules"), one agreement at a time (``facts_of``), so that the rules can be run over groups of related
agreements (``jointgov.repository.sessions``) without every fact of a large repository in memory at once;
``build`` gives them all (for tests and small runs).
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from jointgov.pipeline.checker import Document
from jointgov.pipeline.values import as_list, put
from jointgov.repository.register import Registry, abolished_day

Fact = dict[str, Any]
KINDS = frozenset({"run", "org", "agreement", "xparty", "xsuccession", "xpost", "xlead"})
"""The types of the repository facts."""


class Party(NamedTuple):
    """A party of an agreement, as the repository facts need it."""

    ptr: str
    id: Any
    name: Any
    """None when the party has none."""
    kind: Any
    org: Any
    """The register entry it names (``org``), if any."""
    reaffirmed_on: Any
    """Its ``reaffirmed_on`` when that is a date, else None."""


class Post(NamedTuple):
    """A joint post with a holder."""

    ptr: str
    id: Any
    title: Any
    holder: str
    share_total: Any
    """The sum of its time shares, None when they are not all numbers."""


class Lead(NamedTuple):
    """A lead provider."""

    ptr: str
    service: Any
    provider: Any
    has_service: bool


@dataclass(frozen=True, slots=True)
class Entry:
    """One sound agreement as the repository rules see it."""

    path: str
    id: Any
    client_groups: tuple[Any, ...]
    status: Any
    in_force: bool
    """In force on the run's date: ``in-force``, or signed and commenced; not expired."""
    parties: tuple[Party, ...] = ()
    successions: frozenset[tuple[Any, Any]] = frozenset()
    """(predecessor, successor) party ids of the successions the agreement names (``superseded_by``)."""
    posts: tuple[Post, ...] = ()
    leads: tuple[Lead, ...] = ()
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    """The positions of the clauses the run's repository rules can point at, by JSON pointer: only where a
    clause's position differs from that of the clause holding it (``at`` falls back to the holder)."""

    def at(self, pointer: str) -> tuple[int, int]:
        """The position of *pointer*, or of the nearest enclosing clause kept (the document's at worst)."""
        while pointer not in self.positions and pointer:
            pointer = pointer.rpartition("/")[0]
        return self.positions.get(pointer, (1, 1))


def shared(item: Entry, memo: dict[Any, Any]) -> Entry:
    """*item* with one copy of each value equal to one already in *memo* (the clause pointers, the positions, the
    party ids, kinds, names and register entries that recur from agreement to agreement): what a run keeps of each
    agreement until the repository rules run, a third smaller (an entry comes from a worker as a fresh copy)."""

    def one(value: Any) -> Any:
        try:
            return memo.setdefault(value, value)
        except TypeError:  # unhashable: a value of the document's own (a list, a mapping) kept as it is
            return value

    return Entry(item.path, one(item.id), tuple(map(one, item.client_groups)), one(item.status), item.in_force,
                 tuple(one(Party(*map(one, p))) for p in item.parties), one(item.successions),
                 tuple(one(Post(*map(one, p))) for p in item.posts),
                 tuple(one(Lead(*map(one, lead))) for lead in item.leads),
                 {one(k): one(v) for k, v in item.positions.items()})


def _in_force(doc: Fact, as_of: int) -> bool:
    started = doc.get("status") == "in-force" or (
        doc.get("status") == "signed" and doc.get("commences_day") is not None and doc["commences_day"] <= as_of)
    return started and (doc.get("expires_day") is None or doc["expires_day"] >= as_of)


def entry(doc: Document, as_of: _dt.date, suffixes: Iterable[str] = ("",)) -> Entry:
    """The entry of a sound agreement; *suffixes* are the paths the rules' ``at`` add to a fact's clause
    (``/name`` for ``xparty.name``), whose positions are kept."""
    data = doc.data
    head = data.get("agreement") if isinstance(data.get("agreement"), dict) else {}
    orgs = {p.get("id"): p.get("org") for p in data.get("parties") or [] if isinstance(p, dict)}
    parties, posts, leads, successions = [], [], [], set()
    document: Fact = {}
    for fact in doc.facts(as_of):
        kind = fact["type"]
        if kind == "document":
            document = fact
        elif kind == "party":
            parties.append(Party(fact["ptr"], fact.get("id"), fact.get("name"), fact.get("kind"),
                                 orgs.get(fact.get("id")),
                                 fact.get("reaffirmed_on") if fact.get("reaffirmed_day") is not None else None))
        elif kind == "succession":
            successions.add((fact.get("predecessor"), fact.get("successor")))
        elif kind == "post" and fact.get("holder"):
            posts.append(Post(fact["ptr"], fact.get("id"), fact.get("title"), fact["holder"], fact.get("share_total")))
        elif kind == "lead_provider":
            leads.append(Lead(fact["ptr"], fact.get("service"), fact.get("provider"), "service" in fact))
    positions: dict[str, tuple[int, int]] = {"": doc.locations.at("")}
    for base in [*(p.ptr for p in parties), *(p.ptr for p in posts), *(lead.ptr for lead in leads)]:
        here = positions[base] = doc.locations.at(base)
        for suffix in suffixes:
            if suffix and (there := doc.locations.at(base + suffix)) != here:
                positions[base + suffix] = there
    for suffix in suffixes:  # a rule pointing under the document itself
        if suffix and (there := doc.locations.at(suffix)) != positions[""]:
            positions[suffix] = there
    return Entry(doc.path, head.get("id"), tuple(as_list(head.get("client_groups"))), document.get("status"),
                 _in_force(document, as_of.toordinal()), tuple(parties), frozenset(successions), tuple(posts),
                 tuple(leads), positions)


def _key(text: Any) -> str:
    return " ".join(str(text).casefold().split())


class Repository:
    """The repository facts of a run: the entries of its agreements and the register, with what the facts of one
    agreement need from the others (the client groups named anywhere, each holder's posts in force)."""

    def __init__(self, entries: Sequence[Entry], registry: Registry | None, as_of: _dt.date) -> None:
        """Facts over *entries* and *registry* (ignored when it has problems) as of *as_of*."""
        self.entries = entries
        self.registry = registry if registry and not registry.problems else None
        self.as_of = as_of
        self.today = as_of.toordinal()
        self.every_group = sorted({_key(g) for e in entries for g in e.client_groups})
        self.loads: dict[str, list[tuple[str, Any, float]]] = defaultdict(list)
        """Each holder's posts in force with numeric shares: (file, post id, share), by the holder's key."""
        for agreement in entries:
            if agreement.in_force:
                for post in agreement.posts:
                    if post.share_total is not None:
                        self.loads[_key(post.holder)].append((agreement.path, post.id, float(post.share_total)))

    def shared(self) -> list[Fact]:
        """The facts that belong to no agreement: the run, and the register's organisations."""
        reg = self.registry
        out: list[Fact] = [{"type": "run", "ptr": "#run", "as_of_day": self.today, "as_of": self.as_of.isoformat(),
                            "has_registry": reg is not None}]
        for org in (reg.organisations.values() if reg else ()):
            out.append(put({"type": "org", "ptr": org.ptr, "uid": f"#registry{org.ptr}"}, id=org.id,
                           name=org.name, kind=org.kind, abolished_on=org.abolished_on or None,
                           abolished_day=abolished_day(org)))
        return out

    def facts(self, kinds: Iterable[str] = KINDS) -> Iterator[Fact]:
        """The facts of the repository of the given types (all by default), agreement by agreement."""
        wanted = frozenset(kinds)
        yield from (fact for fact in self.shared() if fact["type"] in wanted)
        for n, agreement in enumerate(self.entries):
            yield from self.facts_of(agreement, wanted, n)

    def facts_of(self, agreement: Entry, kinds: frozenset[str] = KINDS, number: int = 0) -> list[Fact]:
        """The facts of one agreement (the *number*-th of the run: each fact's ``uid``, its identity in the engine,
        is the number and its clause) of the given types: ``agreement``, ``xparty``, ``xsuccession``, ``xpost``,
        ``xlead``."""
        reg = self.registry
        tag = {"file": agreement.path}
        out = []
        if "agreement" in kinds:
            out.append(put(dict(tag, type="agreement", ptr="", uid=f"{number}#"), id=agreement.id,
                           status=agreement.status, in_force=agreement.in_force, has_registry=reg is not None,
                           agreements_in_run=len(self.entries), held_posts_count=len(agreement.posts),
                           lead_providers_count=len(agreement.leads)))
        parties = self._parties(agreement, number) if kinds & {"xparty", "xsuccession", "xlead"} else []
        if "xparty" in kinds:
            out.extend(parties)
        if "xsuccession" in kinds:
            out.extend(self._successions(agreement, parties, number))
        if "xlead" in kinds:
            out.extend(self._leads(agreement, parties, number))
        if "xpost" not in kinds:
            return out
        for post in agreement.posts:
            if agreement.in_force and post.share_total is not None:
                items = self.loads[_key(post.holder)]
                total = sum(share for _, _, share in items)
                out.append(dict(tag, type="xpost", ptr=post.ptr, uid=f"{number}#{post.ptr}", id=post.id,
                                title=post.title, holder=post.holder, share=post.share_total,
                                in_force=agreement.in_force,
                                holder_total=int(total) if float(total).is_integer() else total,
                                holder_posts=[f"{path}: {post_id} ({share:g})" for path, post_id, share in items],
                                holder_post_count=len(items)))
        return out

    def _leads(self, agreement: Entry, parties: list[Fact], number: int) -> Iterator[Fact]:
        """One ``xlead`` for each lead provider, client group it covers and party of the agreement (by the party's
        key, ``party_key``): two agreements that share a party meet on it in one join, without the parties' facts.

        An agreement that names no client group covers every group: it is compared under "*" with the others
        that name none, and under each group another agreement names (``expanded``), said as such."""
        named = [_key(g) for g in agreement.client_groups]
        groups: list[tuple[str, bool, str | None]] = [(g, False, None) for g in named] or [
            ("*", False, "every client group: this agreement names none"),
            *((g, True, f"{g}: this agreement names no client group, so it covers every one")
              for g in self.every_group)]
        by_id = {p["id"]: p for p in parties}
        keys: list[str | None] = [*sorted({str(p["key"]) for p in parties})] or [None]
        for lead in agreement.leads:
            provider = by_id.get(lead.provider if lead.provider is not None else "", {})
            fact = {"file": agreement.path, "type": "xlead", "ptr": lead.ptr, "service": lead.service,
                    "service_key": _key(lead.service if lead.has_service else ""), "provider": lead.provider,
                    "provider_key": provider.get("key", lead.provider), "in_force": agreement.in_force}
            n = 0
            for group, expanded, said in groups:
                for key in keys:
                    yield put(dict(fact, uid=f"{number}#{lead.ptr}#{n}", client_group=group, expanded=expanded),
                              client_group_as=said, party_key=key)
                    n += 1

    def _parties(self, agreement: Entry, number: int) -> list[Fact]:
        reg, out = self.registry, []
        for party in agreement.parties:
            fact: Fact = {"type": "xparty", "file": agreement.path, "ptr": party.ptr,
                          "uid": f"{number}#{party.ptr}", "id": party.id, "name": party.name,
                          "kind": party.kind, "name_key": _key(party.name if party.name is not None else ""),
                          "key": f"id:{party.id}"}
            if party.reaffirmed_on is not None:
                fact["reaffirmed_on"] = party.reaffirmed_on
            if reg is not None:
                org = reg.organisations.get(party.org) if party.org else reg.by_name(
                    str(party.name if party.name is not None else ""))
                fact["registered"] = org is not None
                if org is not None:
                    gone = abolished_day(org)
                    note = "" if party.org else f" (matched to the register by its exact name: add org: {org.id})"
                    fact.update(org=org.id, key=org.id, matched_by="org" if party.org else "name", match_note=note,
                                org_name=org.name, org_kind=org.kind, name_differs=org.name != party.name,
                                kind_differs=org.kind != party.kind, abolished=gone is not None and gone < self.today)
                    if gone is not None:
                        fact["abolished_on"] = org.abolished_on
            out.append(put(fact))
        return out

    def _successions(self, agreement: Entry, parties: list[Fact], number: int) -> list[Fact]:
        reg = self.registry
        if reg is None:
            return []
        by_org = {p["org"]: p for p in parties if "org" in p}
        out = []
        for party in parties:
            org = reg.organisations.get(party.get("org", ""))
            for successor, _ in org.successors if org and party.get("abolished") else ():
                heir = by_org.get(successor, {})
                reaffirmed = "reaffirmed_on" in heir
                # A successor the agreement itself names (superseded_by) is the agreement's succession: whether it
                # is bound (JG301) and reaffirmed in time (JG302) are said there, once; JG901 is for what the
                # file does not know.
                bound = heir.get("id") is not None and (party["id"], heir["id"]) in agreement.successions
                out.append(put({"type": "xsuccession", "file": agreement.path,
                                "ptr": party["ptr"], "uid": f"{number}#{party['ptr']}#{successor}",
                                "predecessor": party["id"], "successor_org": successor,
                                "successor_party": heir.get("id"), "reaffirmed": reaffirmed, "named": bound,
                                "answered": reaffirmed or bound}))
        return out


def build(entries: Sequence[Entry], registry: Registry | None, as_of: _dt.date) -> list[Fact]:
    """Every repository fact of a run (see docs/rule-format.md, "Repository rules")."""
    return list(Repository(entries, registry, as_of).facts())
