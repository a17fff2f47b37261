"""Repository-wide checks: rules across agreements and the organisations register (JG9xx).

Rules with ``level: repository`` run once over the facts of every agreement of
a check and of the register, on the same engine and rule language as the
per-agreement rules. Their facts (``xparty``, ``xsuccession``, ``xpost``,
``xlead``, ``agreement``, ``org``) carry the file they come from, and a finding
is located in that file, at the clause its rule points to.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from jointgov.model import Finding
from jointgov.pipeline import facts as facts_mod
from jointgov.pipeline.catalogue import Catalogue, Rule
from jointgov.pipeline.engine import Engine
from jointgov.pipeline.load import Limits, Locations, parse_bytes
from jointgov.pipeline.validate import check_form
from jointgov.repository.register import Registry, abolished_day

Fact = dict[str, Any]


@dataclass
class Agreement:
    """One readable, valid agreement of the repository."""

    path: str
    data: dict[str, Any]
    locations: Locations


@dataclass
class Repository:
    """The agreements of a check and the register, if there is one."""

    agreements: list[Agreement] = field(default_factory=list)
    registry: Registry | None = None

    def add(self, path: str, raw: bytes, limits: Limits | None = None) -> None:
        """Add an agreement given as bytes; one that is not valid is left out (the check reports it)."""
        loaded = parse_bytes(raw, limits or Limits())
        if loaded.problems or not isinstance(loaded.data, dict):
            return
        _, sound = check_form(loaded)
        if sound:
            self.agreements.append(Agreement(path, loaded.data, loaded.locations))


def _key(text: Any) -> str:
    return " ".join(str(text).casefold().split())


def _in_force(doc: Fact, as_of: int) -> bool:
    started = doc.get("status") == "in-force" or (
        doc.get("status") == "signed" and doc.get("commences_day") is not None and doc["commences_day"] <= as_of)
    return started and (doc.get("expires_day") is None or doc["expires_day"] >= as_of)


def build(repo: Repository, as_of: _dt.date) -> list[Fact]:
    """The repository's facts (see docs/rule-format.md, "Repository facts")."""
    today = as_of.toordinal()
    reg = repo.registry if repo.registry and not repo.registry.problems else None
    out: list[Fact] = [{"type": "run", "ptr": "#run", "as_of_day": today, "as_of": as_of.isoformat(),
                        "has_registry": reg is not None}]
    for org in (reg.organisations.values() if reg else ()):
        out.append(facts_mod._put({"type": "org", "ptr": org.ptr, "uid": f"#registry{org.ptr}"}, id=org.id,
                                  name=org.name, kind=org.kind, abolished_on=org.abolished_on or None,
                                  abolished_day=abolished_day(org)))
    loads: dict[str, list[tuple[Fact, Fact, float]]] = defaultdict(list)
    for agreement in repo.agreements:
        base = facts_mod.build(agreement.data, as_of)
        doc = next(f for f in base if f["type"] == "document")
        in_force = _in_force(doc, today)
        tag = {"file": agreement.path}
        head = agreement.data.get("agreement") if isinstance(agreement.data.get("agreement"), dict) else {}
        assert isinstance(head, dict)
        out.append(facts_mod._put(dict(tag, type="agreement", ptr="", uid=f"{agreement.path}#"), id=head.get("id"),
                                  status=doc.get("status"), in_force=in_force))
        parties = _parties(agreement, base, reg, today)
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
        groups = [_key(g) for g in facts_mod._list(head.get("client_groups"))] or ["*"]
        for lead in (f for f in base if f["type"] == "lead_provider"):
            provider = by_id.get(lead.get("provider", ""), {})
            for group in groups:
                out.append(dict(tag, type="xlead", ptr=lead["ptr"], uid=f"{agreement.path}#{lead['ptr']}#{group}",
                                service=lead.get("service"), service_key=_key(lead.get("service", "")),
                                provider=lead.get("provider"), provider_key=provider.get("key", lead.get("provider")),
                                client_group=group, in_force=in_force))
    for items in loads.values():
        total = sum(share for _, _, share in items)
        where = [f"{fact['file']}: {fact['id']} ({share:g})" for fact, _, share in items]
        for fact, _, _ in items:
            whole = int(total) if float(total).is_integer() else total
            out.append(dict(fact, holder_total=whole, holder_posts=where, holder_post_count=len(items)))
    return out


def _parties(agreement: Agreement, base: list[Fact], reg: Registry | None, today: int) -> list[Fact]:
    out = []
    raw = {p.get("id"): p for p in agreement.data.get("parties") or [] if isinstance(p, dict)}
    for party in (f for f in base if f["type"] == "party"):
        org_id = raw.get(party.get("id"), {}).get("org")
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
        out.append(facts_mod._put(fact))
    return out


def _successions(agreement: Agreement, parties: list[Fact], reg: Registry | None) -> list[Fact]:
    if reg is None:
        return []
    by_org = {p["org"]: p for p in parties if "org" in p}
    out = []
    for party in parties:
        org = reg.organisations.get(party.get("org", ""))
        for successor, _ in org.successors if org and party.get("abolished") else ():
            heir = by_org.get(successor, {})
            out.append(facts_mod._put({"type": "xsuccession", "file": agreement.path,
                                       "ptr": party["ptr"], "uid": f"{agreement.path}#{party['ptr']}#{successor}",
                                       "predecessor": party["id"], "successor_org": successor,
                                       "successor_party": heir.get("id"),
                                       "reaffirmed": "reaffirmed_on" in heir}))
    return out


class RepositoryChecker:
    """Runs the repository rules of a catalogue over a Repository."""

    def __init__(self, catalogue: Catalogue, rules: list[Rule], params: dict[str, dict[str, Any]] | None = None,
                 severity: dict[str, str] | None = None) -> None:
        """Compile *rules* (those with ``level: repository``) into their own engine ruleset."""
        self.catalogue = catalogue
        self.rules = rules
        self.params = params or {}
        self.severity = severity or {}
        compiled = catalogue.compiled(rules, params)
        name = hashlib.sha256(f"repo:{catalogue.digest}:{[r.id for r in rules]}:{self.params}".encode()).hexdigest()
        self.engine = Engine(f"repository-{name[:16]}", compiled) if compiled else None

    def check(self, repo: Repository, as_of: _dt.date) -> list[Finding]:
        """The findings of the repository rules, located in the agreements they concern."""
        from jointgov.pipeline.checker import render, target

        merged: dict[tuple[str, str, int, int], Finding] = {}
        if self.engine is None or not repo.agreements:
            return []
        where = {a.path: a for a in repo.agreements}
        for firing in self.engine.evaluate(build(repo, as_of)):
            rule = self.catalogue.rules[firing.rule]
            cond = rule.match[firing.condition]
            at = cond.get("at") or rule.at or next(a for a in firing.facts if not a.startswith("_"))
            fact = firing.facts.get(re.split(r"[.@]", at)[0], {})
            agreement = where.get(str(fact.get("file", "")))
            if agreement is None:
                continue
            ptr = target(at, firing.facts)
            line, col = agreement.locations.at(ptr)
            message = render(cond.get("message") or rule.message or rule.title, firing.facts,
                              rule.parameters | self.params.get(rule.id, {}))
            key = (rule.id, agreement.path, line, col)
            old = merged.get(key)
            if old is not None:  # one finding per rule and place, as for the agreement rules
                parts = sorted({*old.message.split("; "), message})
                message = "; ".join(parts)
            merged[key] = Finding(agreement.path, line, col, rule.id, message, rule.name,
                                  self.severity.get(rule.id, rule.severity), ptr)
        return sorted(merged.values())


def registry_findings(registry: Registry, catalogue: Catalogue) -> list[Finding]:
    """The register's own problems as findings on the register file."""
    out = []
    for rule_id, line, col, message, ptr in registry.problems:
        rule = catalogue.by_key(rule_id)
        out.append(Finding(registry.path, line, col, rule_id, f"register: {message}", rule.name if rule else rule_id,
                           rule.severity if rule else "error", ptr))
    return sorted(out)
