"""Succession as the law has it: a successor the agreement binds stands in for the party it replaced.

When ``successors.binding`` is true, a body that replaced a party (``superseded_by``) steps into its
predecessor's rights and obligations, as a binding successors clause and a transfer scheme provide:
wherever the agreement still names the predecessor (a contribution, a member, an assent, a decision-maker,
a role, an employer), it counts for the successor. The facts are built with these stand-ins, so the rules
judge the agreement as it binds the parties of today; a successor that has not reaffirmed the agreement
in time is the one finding about it (JG302). Without a binding clause nothing stands in (JG301).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class StandIn:
    """Who each party id counts as: itself, or (a predecessor bound successors replaced) its successors."""

    def __init__(self, data: dict[str, Any]) -> None:
        """Read the parties' ``superseded_by`` and whether ``successors.binding`` is true."""
        parties = [p for p in data.get("parties") or [] if isinstance(p, dict) and isinstance(p.get("id"), str)]
        successors = data.get("successors")
        binding = isinstance(successors, dict) and successors.get("binding") is True
        direct: dict[str, list[str]] = {}
        for party in parties:
            raw = party.get("superseded_by")
            later = [s for s in (raw if isinstance(raw, list) else [raw]) if isinstance(s, str)]
            if later:
                direct[party["id"]] = later
        self.successors: dict[str, tuple[str, ...]] = {}
        """Predecessor → the successors of today that stand in for it (through every later replacement)."""
        if binding:
            for predecessor in direct:
                self.successors[predecessor] = tuple(_today(predecessor, direct))

    def expand(self, names: Iterable[Any]) -> list[Any]:
        """A list of party ids with each predecessor replaced by its successors (order kept, no repeats)."""
        out: list[Any] = []
        for name in names:
            for who in self.successors.get(name, (name,)) if isinstance(name, str) else (name,):
                if who not in out:
                    out.append(who)
        return out

    def one(self, name: Any) -> tuple[Any, str | None]:
        """The party a single reference counts as, and how to say it (``{rtcb}, as successor to {ricb}``: ids in
        braces, said by their names); a predecessor split between several successors stays itself: which of them
        holds the role is not said."""
        later = self.successors.get(name, ()) if isinstance(name, str) else ()
        if len(later) == 1:
            return later[0], f"{{{later[0]}}}, as successor to {{{name}}}"
        return name, None


def _today(party: str, direct: dict[str, list[str]]) -> list[str]:
    """The successors of *party* that have not themselves been replaced (a cycle ends where it closes)."""
    out: list[str] = []
    seen = {party}
    queue = list(direct.get(party, ()))
    while queue:
        successor = queue.pop(0)
        if successor in seen:
            continue
        seen.add(successor)
        if successor in direct:
            queue.extend(direct[successor])
        elif successor not in out:
            out.append(successor)
    return out
