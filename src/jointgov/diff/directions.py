"""The direction table of ``jointgov diff``: which change to an agreement weakens it, which strengthens it.

The table is data (``LISTS`` and ``ROWS`` below); ``jointgov.diff`` knows only the kinds of
comparison, whose meaning is defined here once (``strength`` and ``set_effect``), as is the
matching of list items (``ListSpec.keyed``, ``Table.renames``, ``Table.clause``).

``LISTS``: how the items of a list are matched between two versions, never by position except
where order is the meaning (the steps of a dispute route). ``key`` names the fields that identify
an item (empty: by position); ``label`` is how an item is named in messages, followed by its key
values. A list of plain values (party ids, requirements, texts) is compared as a set, so a
reordered list is no change. Items with an ``id`` whose content is identical apart from the id are
reported as renamed, and references to the old id count as references to the new one.

``ROWS``: ``path`` is a path into the agreement, keys with ``*`` for any list item or any key. The
first row whose path matches a field decides how it is compared:

=========  ==========================================================================================
set        a list of ids or words: a value removed weakens, only additions strengthen (``all``: a
           word that stands for everything, like ``any`` in ``covers``)
higher     a number; higher is stronger (absent is the weakest)
lower      a number; lower is stronger (absent is the weakest: no limit at all)
order      one of the words in ``order``, weakest first (absent or ``unknown`` is the weakest)
true       a yes/no flag; true is stronger (absent counts as false)
present    a clause; having it is stronger (a changed value is ``changes``; a mapping present in
           both versions is compared field by field)
absent     the reverse of present: adding it weakens (a waiver)
earlier    a date; earlier is stronger (absent is the weakest: open-ended)
ignore     cosmetic (names, titles, the post holder's name): never reported
=========  ==========================================================================================

A field no row matches is reported as ``changes`` whenever it is added, removed or altered, so
nothing governance-relevant is dropped silently. Keys starting ``x-`` are local extensions and
are never compared. ``weakens`` and ``strengthens`` explain a change in plain words; ``alone``
(set rows) replaces ``weakens`` when one value is left. Placeholders: ``{item}``, ``{key}`` (the
field's own key), ``{old}``, ``{new}``, and for set rows ``{removed}``, ``{added}`` and
``{remaining}`` (the new values).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from jointgov.pipeline.locate import escape

KINDS = ("set", "higher", "lower", "order", "true", "present", "absent", "earlier", "ignore")
WHOLE = frozenset({"set", "higher", "lower", "order", "true", "earlier"})
"""Kinds that judge a value as a whole (a mapping under them is not compared field by field)."""


@dataclass(frozen=True)
class Row:
    """One row: the fields at ``path``, how they compare, and the words for each direction."""

    path: str
    compare: str
    weakens: str = ""
    strengthens: str = ""
    alone: str = ""
    order: tuple[str, ...] = ()
    all: str | None = None


@dataclass(frozen=True)
class ListSpec:
    """How the items of the list at ``path`` are matched: by the fields of ``key``, or by position."""

    path: str
    key: tuple[str, ...]
    label: str = ""

    def segment(self, label: str) -> str:
        """An item's label (``keyed``) as one part of a clause: its key values, without the list's label, joined
        by ``+`` (``trigger external-rating`` → ``external-rating``; ``step 2`` → ``2``)."""
        words = label[len(self.label):].strip() if self.label and label.startswith(self.label) else label
        return "+".join(part.strip('"') for part in words.split(" ") if part) or label

    def keyed(self, items: list[Any]) -> dict[str, tuple[int, Any]]:
        """Items by label, the list's label and the item's key values (a repeated key gets ``#2``, ...)."""
        out: dict[str, tuple[int, Any]] = {}
        for index, item in enumerate(items):
            values = [item.get(k) for k in self.key] if isinstance(item, dict) else [item]
            words = [f'"{v}"' if " " in str(v) else str(v) for v in values if v is not None]
            label = " ".join([self.label, *words]).strip() or f"#{index + 1}"
            name, n = label, 1
            while name in out:
                n += 1
                name = f"{label} #{n}"
            out[name] = (index, item)
        return out


def _matches(pattern: str, path: tuple[str, ...]) -> bool:
    parts = pattern.split("/")
    return len(parts) == len(path) and all(p in ("*", q) for p, q in zip(parts, path, strict=True))


@dataclass(frozen=True)
class Table:
    """The direction table: how list items are matched, and the rows that judge each field."""

    rows: tuple[Row, ...]
    lists: tuple[ListSpec, ...]

    def row(self, path: tuple[str, ...]) -> Row | None:
        """The first row whose path matches *path* (keys, ``*`` for list items)."""
        return next((r for r in self.rows if _matches(r.path, path)), None)

    def list_at(self, path: tuple[str, ...]) -> ListSpec | None:
        """How the list at *path* is matched, when it is a list of items."""
        return next((s for s in self.lists if _matches(s.path, path)), None)

    def id_sections(self) -> list[str]:
        """The top-level lists whose items have ids (where renames are looked for)."""
        return [s.path for s in self.lists if "/" not in s.path and s.key == ("id",)]

    def renames(self, old: dict[str, Any], new: dict[str, Any]) -> dict[str, str]:
        """Old id → new id, for an item that disappears while one identical apart from its id appears."""
        renames: dict[str, str] = {}
        for _ in range(5):  # a renamed party changes the items that refer to it: repeat until none is found
            found = len(renames)
            for section in self.id_sections():
                before, after = _by_id(old, section), _by_id(new, section)
                for old_id in [i for i in before if i not in after and i not in renames]:
                    body = substitute({k: v for k, v in before[old_id].items() if k != "id"}, renames)
                    match = next((i for i in after if i not in before and i not in renames.values()
                                  and {k: v for k, v in after[i].items() if k != "id"} == body), None)
                    if match is not None:
                        renames[old_id] = match
            if len(renames) == found:
                break
        return renames

    def clause(self, data: Any, pointer: str) -> str:
        """*pointer* with list items named by their key, not their position (a finding's clause across edits)."""
        out: list[str] = []
        path: tuple[str, ...] = ()
        for part in pointer.split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(data, list) and part.isdigit():
                spec, index = self.list_at(path), int(part)
                if spec is not None and spec.key:
                    part = next((k for k, (i, _) in spec.keyed(data).items() if i == index), part)
                data, path = data[index] if index < len(data) else None, (*path, "*")
            else:
                data, path = data.get(part) if isinstance(data, dict) else None, (*path, part)
            out.append(escape(part))
        return "".join(f"/{p}" for p in out)


def substitute(value: Any, renames: dict[str, str]) -> Any:
    """*value* with every text equal to a renamed id replaced by the new id."""
    if isinstance(value, dict):
        return {k: substitute(v, renames) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, renames) for v in value]
    return renames.get(value, value) if isinstance(value, str) else value


def _by_id(doc: dict[str, Any], section: str) -> dict[str, dict[str, Any]]:
    items = doc.get(section)
    return {i["id"]: i for i in items if isinstance(i, dict) and isinstance(i.get("id"), str)} \
        if isinstance(items, list) else {}


def strength(row: Row | None, value: Any) -> float:
    """How strong *value* is under the row's kind of comparison (higher is stronger; absent is the weakest)."""
    kind = row.compare if row else ""
    if kind in ("higher", "lower"):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return float(value if kind == "higher" else -value) if number else float("-inf")
    if kind == "earlier":
        try:
            return -_dt.date.fromisoformat(str(value)).toordinal()
        except ValueError:
            return float("-inf")
    if kind == "order":
        assert row is not None
        return row.order.index(value) if value in row.order else -1
    if kind in ("true", "present", "absent"):
        return value is True if kind == "true" else (value is None) == (kind == "absent")
    return 0


def set_effect(row: Row, old: Any, new: Any) -> tuple[str | None, list[Any], list[Any]]:
    """A set comparison: (the effect, None when equal as sets; the values removed; the values added)."""
    before, after = ([] if v is None else v for v in (old, new))
    if not isinstance(before, list) or not isinstance(after, list):
        return "changes", [], []
    removed, added = [v for v in before if v not in after], [v for v in after if v not in before]
    if not removed and not added:
        return None, [], []
    if row.all is not None and (row.all in before or row.all in after):  # covers: [any] covers everything
        both = (row.all in before) == (row.all in after)
        return ("changes" if both else "weakens" if row.all in before else "strengthens"), removed, added
    return ("weakens" if removed else "strengthens"), removed, added


LISTS = (
    ListSpec("parties", ("id",)),
    ListSpec("joint_posts", ("id",)),
    ListSpec("protocols", ("id",)),
    ListSpec("dispute_routes", ("id",)),
    ListSpec("secondments", ("id",)),
    ListSpec("pooled_budgets", ("id",)),
    ListSpec("governance_bodies", ("id",)),
    ListSpec("triggers", ("event",), "trigger"),
    ListSpec("waivers", ("rule", "target"), "waiver"),
    ListSpec("approvals", ("by",), "approval"),
    ListSpec("consultations", ("with", "about"), "consultation"),
    ListSpec("outcomes", ("indicator",), "outcome"),
    ListSpec("lead_providers", ("service",), "lead provider"),
    ListSpec("joint_posts/*/roles", ("party",), "role"),
    ListSpec("pooled_budgets/*/contributions", ("party",), "contribution"),
    ListSpec("governance_bodies/*/members", ("party", "role"), "member"),
    ListSpec("dispute_routes/*/steps", (), "step"),
)

ROWS = (
    # cosmetic: names, titles and the person holding a post (the rules are about the role)
    Row("agreement/title", "ignore"),
    Row("parties/*/name", "ignore"),
    Row("joint_posts/*/title", "ignore"),
    Row("joint_posts/*/holder", "ignore"),
    Row("protocols/*/title", "ignore"),
    Row("governance_bodies/*/name", "ignore"),
    # parties, successors, approvals, consultations
    Row("parties/*", "present", "{item} is no longer a party: the agreement does not bind it",
        "{item} becomes a party, bound by the agreement"),
    Row("parties/*/reaffirmed_on", "present", "{item} is no longer recorded as having adopted the agreement",
        "{item} is now recorded as having adopted the agreement"),
    Row("successors", "present", "nothing says any more how successor bodies are bound",
        "the agreement now says how successor bodies are bound"),
    Row("successors/binding", "true", "successor bodies are no longer bound by the agreement",
        "successor bodies are now bound by the agreement"),
    Row("successors/reaffirm_within_days", "lower", "a successor has longer (or no limit) to adopt the agreement",
        "a successor must adopt the agreement sooner"),
    Row("approvals/*", "present", "the approval is no longer recorded", "an approval is recorded"),
    Row("approvals/*/date", "present", "the approval is no longer recorded as given",
        "the approval is now recorded as given"),
    Row("consultations/*", "present", "the consultation is no longer recorded", "a consultation is recorded"),
    Row("consultations/*/date", "present", "the consultation is no longer recorded as held",
        "the consultation is now recorded as held"),
    # joint posts
    Row("joint_posts/*", "present", "the joint post is gone, and every clause that governed it",
        "a joint post is added"),
    Row("joint_posts/*/protocol", "present", "the joint post is no longer governed by a protocol",
        "the joint post is now governed by a protocol"),
    Row("joint_posts/*/removal", "present", "nothing limits who may withdraw the post holder, or how",
        "the post now says who may withdraw the holder, and how"),
    Row("joint_posts/*/removal/decided_by", "set",
        "fewer parties decide on withdrawing the post holder: {removed} can no longer stop it",
        "{added} must now also agree to withdraw the post holder",
        alone="one party ({remaining}) can now withdraw the post holder alone"),
    Row("joint_posts/*/removal/requires", "set",
        "fewer preconditions before the post holder is withdrawn: {removed} no longer required",
        "more preconditions before the post holder is withdrawn: {added} now required"),
    Row("joint_posts/*/removal/notice_days", "higher", "shorter notice before the post holder is withdrawn",
        "longer notice before the post holder is withdrawn"),
    Row("joint_posts/*/concerns_route", "present",
        "a party that is not the employer has no route any more to raise concerns about the holder",
        "a party that is not the employer now has a route to raise concerns about the holder"),
    Row("joint_posts/*/appraisal", "order", "the post holder is no longer appraised jointly",
        "the post holder is now appraised jointly", order=("employer-only", "joint")),
    Row("joint_posts/*/continuity", "present", "nothing says any more who acts if the holder leaves or is withdrawn",
        "the post now says who acts if the holder leaves or is withdrawn"),
    # protocols
    Row("protocols/*", "present", "the protocol is gone", "a protocol is added"),
    Row("protocols/*/agreed_on", "present", "the protocol is no longer recorded as agreed",
        "the protocol is now recorded as agreed"),
    Row("protocols/*/agreed_by", "set", "fewer parties agreed the protocol: {removed} no longer",
        "{added} now also agreed the protocol"),
    # dispute routes
    Row("dispute_routes/*", "present",
        "the dispute route is gone: the disagreements it covered have no agreed way to a decision",
        "a dispute route is added"),
    Row("dispute_routes/*/covers", "set", "the route covers less: {removed} no longer",
        "the route now also covers {added}", all="any"),
    Row("dispute_routes/*/agreed_on", "present", "the route is no longer recorded as agreed",
        "the route is now recorded as agreed"),
    Row("dispute_routes/*/agreed_by", "set", "fewer parties agreed the route: {removed} no longer",
        "{added} now also agreed the route"),
    Row("dispute_routes/*/steps/*", "present", "the route has one step fewer", "the route has a further step"),
    Row("dispute_routes/*/steps/*/within_days", "lower", "a longer (or no) time limit for this step",
        "a shorter time limit for this step"),
    Row("dispute_routes/*/steps/*/outcome", "order", "this step's outcome binds the parties less",
        "this step's outcome binds the parties more", order=("advisory", "agreement", "binding")),
    Row("dispute_routes/*/arbitration", "present", "the arbitration terms are gone", "arbitration terms are added"),
    Row("dispute_routes/*/arbitration/*", "present", "the arbitration terms say less",
        "the arbitration terms say more"),
    Row("dispute_routes/*/escalates_to", "present",
        "a dispute that ends without a binding decision no longer escalates to another route",
        "a dispute that ends without a binding decision now escalates to another route"),
    # secondments
    Row("secondments/*/day_to_day_manager", "present", "nothing says any more who manages the secondees day to day",
        "the secondment now says who manages the secondees day to day"),
    Row("secondments/*/professional_line", "present", "nothing says any more who the secondees' professional line is",
        "the secondment now says who the secondees' professional line is"),
    Row("secondments/*/consulted_on", "present", "the secondees are no longer recorded as consulted",
        "the secondees are now recorded as consulted"),
    Row("secondments/*/on_return", "present", "nothing says any more what happens to the secondees on return",
        "the secondment now says what happens to the secondees on return"),
    # pooled budgets
    Row("pooled_budgets/*/host", "present", "the pool has no host any more", "the pool now has a host"),
    Row("pooled_budgets/*/manager", "present", "the pool has no manager any more", "the pool now has a manager"),
    Row("pooled_budgets/*/variation", "present", "nothing says any more how contributions change",
        "the pool now says how contributions change"),
    Row("pooled_budgets/*/risk_share", "present",
        "the risk share is gone: nothing says who bears an overspend or keeps an underspend", "a risk share is added"),
    Row("pooled_budgets/*/risk_share/*", "present", "the risk share no longer says who bears an {key}",
        "the risk share now says who bears an {key}"),
    Row("pooled_budgets/*/reporting", "order", "the pool is reported less often", "the pool is reported more often",
        order=("annually", "six-monthly", "quarterly", "monthly")),
    # governance bodies
    Row("governance_bodies/*", "present", "the governance body is gone", "a governance body is added"),
    Row("governance_bodies/*/members/*", "present", "a party has fewer seats on the body",
        "a party has more seats on the body"),
    Row("governance_bodies/*/quorum", "present", "the body has no quorum any more", "the body now has a quorum"),
    Row("governance_bodies/*/quorum/min", "higher", "fewer members can now decide",
        "more members are needed to decide"),
    Row("governance_bodies/*/quorum/per_party", "higher",
        "a lower per-party quorum: the body can decide with fewer members of each party",
        "a higher per-party quorum: more members of each party must be present to decide"),
    Row("governance_bodies/*/decides_by", "order", "the body decides with less agreement",
        "the body needs more agreement to decide", order=("majority", "consensus", "unanimous")),
    # outcomes, lead providers, review
    Row("outcomes/*", "present", "the success measure is gone", "a success measure is added"),
    Row("outcomes/*/agreed_by", "set", "fewer parties agreed the measure: {removed} no longer",
        "{added} now also agreed the measure"),
    Row("lead_providers/*/commissioned_by", "present", "nothing says any more who commissions the lead provider",
        "the lead provider is now commissioned by a named body"),
    Row("review", "present", "the review cycle is gone", "a review cycle is added"),
    Row("review/every_months", "lower", "the agreement is reviewed less often", "the agreement is reviewed more often"),
    Row("review/evaluation", "present", "no evaluation is planned any more", "an evaluation is now planned"),
    # triggers
    Row("triggers/*", "present", "the trigger is gone: on this event nothing obliges the parties to act together",
        "a trigger is added: on this event the parties must act together"),
    Row("triggers/*/decided_by", "set", "fewer parties decide the response: {removed} no longer",
        "{added} must now also agree the response",
        alone="one party ({remaining}) can now decide the response alone"),
    Row("triggers/*/within_days", "lower", "a longer (or no) time limit to respond", "a shorter time limit to respond"),
    Row("triggers/*/route", "present", "no dispute route any more when the parties do not agree the response",
        "a dispute route now settles disagreement on the response"),
    # exit, communication, clauses
    Row("exit", "present", "nothing says any more how a party may leave",
        "the agreement now says how a party may leave"),
    Row("exit/notice_days", "higher", "shorter notice before a party may leave",
        "longer notice before a party may leave"),
    Row("exit/requires", "set", "fewer preconditions before a party may leave: {removed} no longer required",
        "more preconditions before a party may leave: {added} now required"),
    Row("exit/*", "present", "the exit terms say less", "the exit terms say more"),
    Row("communication", "present", "the joint communication strategy is gone",
        "a joint communication strategy is added"),
    Row("communication/crisis_protocol", "present", "no crisis communication protocol any more",
        "a crisis communication protocol is added"),
    Row("communication/joint_statements", "true", "the parties no longer make joint statements",
        "the parties now make joint statements"),
    Row("clauses", "present", "the standard clauses are gone", "standard clauses are added"),
    Row("clauses/*", "present", "the standard clause is gone", "a standard clause is added"),
    # waivers: an exception to a rule is a weakening
    Row("waivers/*", "absent", "a waiver is added: findings of this rule no longer count",
        "the waiver is removed: findings of this rule count again"),
    Row("waivers/*/expires_on", "earlier", "the waiver lasts longer", "the waiver ends sooner"),
    # variations: the record of what the parties agreed, judged by jointgov.diff.variations
    Row("variations", "ignore"),
)

TABLE = Table(ROWS, LISTS)
"""The table ``jointgov diff`` uses."""
