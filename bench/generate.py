"""Generate a corpus of realistic partnership agreements (format v1) for the benchmark.

    python bench/generate.py OUT_DIR --count N [--seed S] [--large]

Writes ``agreement-00001.yaml`` ... ``agreement-NNNNN.yaml``: straight into OUT_DIR when
N <= 1,000, otherwise into subdirectories of 1,000 files each (``batch-01/``, ``batch-02/``
...). Each agreement has 150-400 lines like the real ones in ``protocols/``: several parties
(one of them superseded by a successor body), joint posts with roles, protocols, dispute routes
with steps, pooled budgets with contributions, governance bodies with members, secondments,
triggers, outcomes, review, exit, communication and clauses, with comments.

About a third are complete (no finding as of 2026-11-23); the rest have one to five gaps of the
kinds the rules look for (an unagreed protocol, a removal one party decides alone, a route that
ends in agreement only, an unreaffirmed successor, an unbalanced pool ...), and some record facts
as ``unknown``. Every file is valid against ``jointgov schema``: ``jointgov check`` reports no
JG0xx finding on it.

``--large`` also writes ``large/agreement-large.yaml``: one agreement of about 20,000 lines
(hundreds of joint posts, secondments and governance bodies).

The output is deterministic: file i depends only on the seed and i (so the first 1,000 files of
a 10,000-file corpus are the 1,000-file corpus of the same seed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

AS_OF = dt.date(2026, 11, 23)  # the date "complete" agreements are complete at
PER_DIR = 1000

PLACES = [
    "Barnsley", "Bradford", "Bristol", "Calderdale", "Camden", "Cheshire East", "Cornwall", "Coventry",
    "Croydon", "Cumbria", "Derby", "Doncaster", "Dorset", "Dudley", "Durham", "Ealing", "Enfield",
    "Gateshead", "Gloucestershire", "Hackney", "Halton", "Haringey", "Hartlepool", "Herefordshire",
    "Hertfordshire", "Hounslow", "Islington", "Kent", "Kirklees", "Knowsley", "Lambeth", "Leeds",
    "Leicester", "Lewisham", "Lincolnshire", "Liverpool", "Luton", "Manchester", "Medway", "Newham",
    "Norfolk", "North Tyneside", "North Yorkshire", "Northumberland", "Nottingham", "Oldham",
    "Oxfordshire", "Peterborough", "Plymouth", "Portsmouth", "Reading", "Redbridge", "Rochdale",
    "Rotherham", "Salford", "Sandwell", "Sefton", "Sheffield", "Shropshire", "Somerset", "Southwark",
    "St Helens", "Stockport", "Stoke-on-Trent", "Suffolk", "Sunderland", "Surrey", "Swindon",
    "Tameside", "Torbay", "Trafford", "Wakefield", "Walsall", "Wandsworth", "Warrington", "Wigan",
    "Wiltshire", "Wirral", "Wolverhampton", "Worcestershire", "York",
]
WELSH = ["Cardiff", "Swansea", "Newport", "Wrexham", "Powys", "Gwynedd", "Conwy", "Caerphilly"]
SCOTTISH = ["Glasgow", "Edinburgh", "Fife", "Highland", "Dundee", "Aberdeen", "Falkirk", "Angus"]
NI = ["Belfast", "Derry", "Newry"]

SERVICES = [
    ("Learning disability services", "people with learning disabilities"),
    ("Older people's services", "older people"),
    ("Mental health services", "adults with mental health needs"),
    ("Children's community health services", "children and young people"),
    ("Intermediate care and reablement", "people leaving hospital"),
    ("Substance misuse services", "people who misuse drugs or alcohol"),
    ("Physical disability services", "people with physical disabilities"),
    ("Homelessness health services", "people who are homeless"),
    ("Carers' support", "unpaid carers"),
    ("Community equipment services", "people needing equipment to live at home"),
    ("Hospital discharge services", "people in acute hospital beds"),
    ("Dementia services", "people living with dementia"),
]
INDICATORS = [
    ("Delayed transfers of care (bed days per month)", 620, 400),
    ("Older people still at home 91 days after discharge into reablement (%)", 78, 88),
    ("Permanent admissions to care homes, aged 65+ (per 100,000 population)", 690, 560),
    ("Emergency admissions for ambulatory care sensitive conditions (per 100,000)", 1020, 850),
    ("Adults with learning disabilities in settled accommodation (%)", 64, 75),
    ("Carers receiving an assessment within 28 days (%)", 55, 80),
    ("People with dementia diagnosed (% of expected prevalence)", 61, 70),
    ("Service users who find it easy to get information (%)", 68, 80),
    ("Equipment delivered within 7 days (%)", 82, 95),
    ("Falls-related admissions, aged 65+ (per 100,000)", 2100, 1800),
]
POST_TITLES = [
    ("Director of Adult Social Services", "Director of Community Health Services"),
    ("Director of Integrated Commissioning", "Director of Commissioning"),
    ("Head of Learning Disability Services", "Clinical Lead, Learning Disabilities"),
    ("Assistant Director, Older People", "Head of Community Nursing"),
    ("Director of Public Health", "Director of Public Health"),
    ("Head of Intermediate Care", "Service Manager, Intermediate Care"),
    ("Director of Children's Services", "Director of Children's Health"),
    ("Joint Head of Mental Health Services", "Associate Director, Mental Health"),
    ("Head of Joint Equipment Service", "Equipment Services Manager"),
    ("Chief Executive", "Chief Officer"),
]
STAFF = [
    "Social workers in the community mental health teams",
    "District nurses in the integrated locality teams",
    "Occupational therapists in the reablement service",
    "Care managers in the hospital discharge team",
    "Health visitors in the children's centres",
    "Community psychiatric nurses in the learning disability team",
    "Physiotherapists in the intermediate care service",
    "Finance officers supporting the pooled budget",
    "Commissioning officers for older people's services",
    "Administrative staff of the integrated teams",
    "Approved mental health professionals",
    "Speech and language therapists in the children's service",
]
FIRST = ["Anne", "Brian", "Carol", "David", "Elaine", "Farid", "Grace", "Hugh", "Imran", "Julia", "Karen",
         "Leon", "Maria", "Neil", "Olu", "Priya", "Rachel", "Sanjay", "Tom", "Una", "Victor", "Wendy"]
LAST = ["Ahmed", "Brown", "Clarke", "Davies", "Evans", "Fox", "Green", "Hughes", "Iqbal", "Jones", "Khan",
        "Lewis", "Murray", "Nolan", "Okafor", "Patel", "Quinn", "Ross", "Smith", "Taylor", "Walsh", "Young"]
CLAUSES = ["information_sharing", "confidentiality", "complaints", "liabilities", "insurance", "audit",
           "change_in_law", "conflicts_of_interest", "freedom_of_information"]
CLAUSE_TEXT = {
    "information_sharing": "Schedule {s}, information sharing protocol",
    "confidentiality": "Clause {c}",
    "complaints": "Clause {c}, joint complaints procedure",
    "liabilities": "Clause {c}",
    "insurance": "Clause {c}, each party keeps its own cover",
    "audit": "Clause {c}, the host's auditors audit the pool",
    "change_in_law": "Clause {c}",
    "conflicts_of_interest": "Clause {c}, register kept by the board secretary",
    "freedom_of_information": "Clause {c}",
}
# reorganisations of the NHS side: (date, kind before, kind after, what the successor is called)
ENGLAND_REORGS = [
    (dt.date(2002, 4, 1), "health-authority", "primary-care-trust", "Primary Care Trust"),
    (dt.date(2006, 10, 1), "primary-care-trust", "primary-care-trust", "Primary Care Trust"),
    (dt.date(2013, 4, 1), "primary-care-trust", "clinical-commissioning-group", "Clinical Commissioning Group"),
    (dt.date(2022, 7, 1), "clinical-commissioning-group", "integrated-care-board", "Integrated Care Board"),
]
KIND_NAME = {
    "health-authority": "Health Authority",
    "primary-care-trust": "Primary Care Trust",
    "clinical-commissioning-group": "Clinical Commissioning Group",
    "integrated-care-board": "Integrated Care Board",
    "health-board": "Health Board",
}


class Date(str):
    """A date written unquoted (a YAML date), as most authors write them."""


class Folded(str):
    """Long text written as a folded block scalar (>-)."""


_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ,.'()/&%+-]*$")
_SPECIAL = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, Date):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _SPECIAL and ": " not in text and " #" not in text:
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _fold(text: str, indent: int, width: int = 96) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) + indent > width:
            lines.append(" " * indent + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(" " * indent + line)
    return lines


def emit(node: Any, indent: int = 0) -> list[str]:
    """Block-style YAML as people write it: two-space indents, list items indented under their key.

    A mapping key ending in ``#`` carries a trailing comment: ``("key", "comment")`` tuples as keys.
    """
    out: list[str] = []
    pad = " " * indent
    if isinstance(node, dict):
        for key, value in node.items():
            comment = ""
            if isinstance(key, tuple):
                key, note = key
                comment = f"  # {note}"
            if isinstance(value, dict):
                out.append(f"{pad}{key}:{comment}")
                out.extend(emit(value, indent + 2))
            elif isinstance(value, list):
                out.append(f"{pad}{key}:{comment}")
                out.extend(emit(value, indent + 2))
            elif isinstance(value, Folded):
                out.append(f"{pad}{key}: >-{comment}")
                out.extend(_fold(value, indent + 2))
            else:
                out.append(f"{pad}{key}: {_scalar(value)}{comment}")
        return out
    if isinstance(node, list):
        for item in node:
            if isinstance(item, dict):
                inner = emit(item, indent + 2)
                out.append(f"{pad}- {inner[0][indent + 2:]}")
                out.extend(inner[1:])
            else:
                out.append(f"{pad}- {_scalar(item)}")
        return out
    raise TypeError(type(node))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def days(d: dt.date | str, n: int) -> Date:
    """The date n days after d (a date, or a Date written in the file)."""
    base = dt.date.fromisoformat(d) if isinstance(d, str) else d
    return Date((base + dt.timedelta(days=n)).isoformat())


def D(d: dt.date) -> Date:
    return Date(d.isoformat())


class Agreement:
    """One agreement as a model (dicts in output order), built complete, then given gaps."""

    def __init__(self, rng: random.Random, index: int, sizes: dict[str, int] | None = None) -> None:
        self.rng = rng
        self.index = index
        r = rng
        self.sizes = sizes or {
            "posts": r.choice([1, 1, 1, 2, 2, 3]), "secondments": r.choice([0, 0, 1, 1, 2, 3]),
            "boards": r.choice([0, 1, 1, 2]), "pools": r.choice([1, 1, 1, 2]), "outcomes": r.randint(1, 3),
            "triggers": r.randint(0, 3), "protocols": r.randint(0, 3),
        }
        self.comments: list[str] = []
        self._build()

    # ---- parties and dates -------------------------------------------------------------------
    def _build(self) -> None:
        r = self.rng
        roll = r.random()
        self.jurisdiction = ("england" if roll < 0.8 else "wales" if roll < 0.88
                             else "scotland" if roll < 0.98 else "northern-ireland")
        pool = {"england": PLACES, "wales": WELSH, "scotland": SCOTTISH, "northern-ireland": NI}[self.jurisdiction]
        self.place = r.choice(pool)
        self.pslug = slug(self.place)
        self.commences = dt.date(r.randint(2001, 2021), r.choice([4, 4, 4, 7, 10]), 1)
        self.signed = days(self.commences, -r.randint(5, 40))
        self.council = {"id": f"{self.pslug}-council", "name": f"{self.place} Council", "kind": "local-authority"}
        if self.jurisdiction == "england":
            later = [x for x in ENGLAND_REORGS if x[0] > self.commences]
            when, _before, after, _title = r.choice(later)
            before_kind = [x for x in ENGLAND_REORGS if x[0] <= self.commences]
            old_kind = before_kind[-1][2] if before_kind else "health-authority"
            if old_kind == after:
                old_kind = "health-authority" if after == "primary-care-trust" else old_kind
        else:
            when = dt.date(r.choice([2009, 2014, 2019]), 4, 1)
            if when <= self.commences:
                when = dt.date(self.commences.year + r.randint(1, 4), 4, 1)
            old_kind, after = "health-board", "health-board"
        self.reorg_on = when
        old_name = f"{self.place} {KIND_NAME.get(old_kind, 'NHS Trust')}"
        new_name = f"{self.place} {KIND_NAME.get(after, 'NHS Trust')}"
        if old_name == new_name:
            old_name = f"{self.place} Local {KIND_NAME.get(old_kind, 'NHS Trust')}"
        self.old_nhs = {"id": slug(old_name) + "-old", "name": old_name, "kind": old_kind}
        self.nhs = {"id": slug(new_name), "name": new_name, "kind": after}
        self.reaffirm_days = r.choice([60, 90, 90, 120])
        self.nhs_reaffirmed = days(when, r.randint(10, self.reaffirm_days - 5))
        self.old_nhs["superseded_by"] = self.nhs["id"] if r.random() < 0.7 else [self.nhs["id"]]
        self.old_nhs["superseded_on"] = D(when)
        self.nhs["reaffirmed_on"] = self.nhs_reaffirmed
        self.extra: list[dict[str, Any]] = []
        if r.random() < 0.55:
            self.extra.append({"id": f"{self.pslug}-community-trust",
                               "name": f"{self.place} Community Health NHS Trust", "kind": "nhs-trust"})
        if r.random() < 0.25:
            self.extra.append({"id": f"{self.pslug}-cvs", "name": f"{self.place} Council for Voluntary Service",
                               "kind": "voluntary-sector"})
        self.current = [self.council["id"], self.nhs["id"]] + [p["id"] for p in self.extra]
        self.statutory = [self.council["id"], self.nhs["id"]]
        self.statutory += [p["id"] for p in self.extra if p["kind"] == "nhs-trust"]
        # everything current is agreed after reaffirmation, so by every current party
        self.settled = max(dt.date.fromisoformat(self.nhs_reaffirmed), self.commences)
        self._bodies()
        self._routes_and_protocols()
        self._posts()
        self._secondments()
        self._pools()
        self._rest()

    def parties(self) -> list[dict[str, Any]]:
        return [self.council, self.old_nhs, self.nhs, *self.extra]

    def person(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    # ---- governance --------------------------------------------------------------------------
    def _bodies(self) -> None:
        r = self.rng
        board_id = f"{self.pslug}-partnership-board"
        members: list[dict[str, Any]] = [
            {"party": self.council["id"], "role": "Councillor, cabinet member for adult social care",
             "count": r.randint(1, 3), "elected": True},
            {"party": self.council["id"], "role": "Chief executive of the council", "count": 1},
            {"party": self.nhs["id"], "role": "Chief executive", "count": 1},
            {"party": self.nhs["id"], "role": "Non-executive director", "count": r.randint(1, 2)},
        ]
        for p in self.extra:
            members.append({"party": p["id"], "role": "Chief executive" if p["kind"] == "nhs-trust"
                            else "Chief officer", "count": 1})
        self.board = {
            "id": board_id,
            "name": f"{self.place} Health and Care Partnership Board",
            "kind": r.choice(["partnership-board", "joint-board", "joint-committee"]),
            "chair": {"party": self.council["id"], "role": "Leader of the council"},
            "members": members,
            "quorum": {"min": len(self.current) + 1, "per_party": 1},
            "decides_by": r.choice(["consensus", "consensus", "unanimous"]),
            "powers": ["Oversees the joint posts, the pooled budgets and the outcomes",
                       "First step of the dispute routes", "Approves the annual plan and the pool contributions"],
        }
        self.bodies = [self.board]
        self.subboards: list[dict[str, Any]] = []
        n_sub = self.sizes["boards"]
        chosen = [SERVICES[(i * 5 + self.index) % len(SERVICES)] for i in range(max(n_sub, 1))]
        for i, (service, _group) in enumerate(chosen[:n_sub]):
            suffix = f"-{i + 1}" if i >= len(SERVICES) else ""
            body = {
                "id": f"{slug(service)}-board{suffix}",
                "name": f"{service} commissioning board{suffix.replace('-', ' ')}",
                "kind": "commissioning-board",
                "parent": board_id,
                "members": [
                    {"party": pid, "role": role, "count": 1}
                    for pid, role in ((self.council["id"], "Assistant director, adult services"),
                                      (self.nhs["id"], "Director of commissioning"),
                                      *((p["id"], "Service director") for p in self.extra))
                ],
                "quorum": {"min": len(self.current), "per_party": 1},
                "decides_by": "consensus",
            }
            self.subboards.append(body)
        self.bodies.extend(self.subboards)
        self.services = chosen

    def _routes_and_protocols(self) -> None:
        r = self.rng
        agreed = days(self.commences, -r.randint(20, 60))
        self.route = {
            "id": "partnership-route",
            "covers": ["any"],
            ("agreed_on", "re-agreed by every current party on reaffirmation"): days(self.settled, r.randint(0, 10)),
            "agreed_by": list(self.current),
            "steps": [
                {"body": self.board["id"], "within_days": r.choice([14, 21, 28]), "outcome": "agreement"},
                {"body": "mediator", "within_days": r.choice([21, 28]), "outcome": "advisory"},
                {"body": "arbitrator", "within_days": r.choice([28, 42, 56]), "outcome": "binding"},
            ],
            "arbitration": {
                "appointed_by": Folded("The parties jointly, or failing agreement within 14 days the President of "
                                       "the Chartered Institute of Arbitrators"),
                "rules": "Arbitration Act 1996 and the arbitration protocol",
                "costs": "Shared equally by the parties unless the arbitrator directs otherwise",
            },
        }
        self.routes = [self.route]
        if r.random() < 0.5:
            self.routes.append({
                "id": "pool-route",
                "covers": ["pooled-budget"],
                "agreed_on": days(self.settled, r.randint(1, 30)),
                "agreed_by": list(self.current),
                "steps": [
                    {"body": self.board["id"], "within_days": 28, "outcome": "agreement"},
                    {"body": "expert", "within_days": 42, "outcome": "binding"},
                ],
            })
        self.early = agreed  # protocols agreed before commencement, by the parties of the day
        early_by = self.route["agreed_by"]
        self.protocols: list[dict[str, Any]] = [
            {"id": "arbitration-protocol", "title": "Arbitration of disputes between the partners",
             "kind": "arbitration", "agreed_on": agreed, "agreed_by": list(early_by),
             "review_on": D(dt.date(r.randint(2027, 2029), 3, 31))},
            {"id": "crisis-comms", "title": "Joint crisis communication protocol", "kind": "communication",
             "agreed_on": days(self.settled, r.randint(0, 20)), "agreed_by": list(self.current),
             "review_on": D(dt.date(r.randint(2027, 2029), 3, 31))},
        ]
        optional = [("information-sharing", "Information sharing protocol"),
                    ("performance-review", "Joint performance review protocol"),
                    ("exit", "Exit and transfer protocol"), ("withdrawal", "Withdrawal protocol")]
        for kind, title in r.sample(optional, min(self.sizes["protocols"], len(optional))):
            self.protocols.append({"id": f"{kind}-protocol", "title": title, "kind": kind,
                                   "agreed_on": agreed, "agreed_by": list(early_by),
                                   "review_on": D(dt.date(r.randint(2027, 2029), 3, 31))})

    def _posts(self) -> None:
        r = self.rng
        self.posts: list[dict[str, Any]] = []
        route_agreed = self.route[("agreed_on", "re-agreed by every current party on reaffirmation")]
        for i in range(self.sizes["posts"]):
            council_title, nhs_title = POST_TITLES[(self.index + i) % len(POST_TITLES)]
            suffix = f"-{i + 1}" if i >= len(POST_TITLES) else ""
            pid = slug(council_title) + suffix
            # posts are filled after reaffirmation, under a protocol all their parties agreed first
            proto_date = days(route_agreed, r.randint(0, 30))
            appointed = days(proto_date, r.randint(1, 1500))
            proto_id = f"{pid}-protocol"
            by = list(self.current)
            self.protocols.append({"id": proto_id, "title": f"Joint post protocol: {council_title}",
                                   "kind": "joint-post", "agreed_on": proto_date, "agreed_by": by,
                                   "review_on": D(dt.date(r.randint(2027, 2030), 3, 31))})
            share = r.choice([50, 60, 70, 80])
            parties = [self.council["id"], self.nhs["id"]]
            roles = [
                {"party": self.council["id"], "role": council_title, "time_share": share,
                 "reports_to": self.board["id"]},
                {"party": self.nhs["id"], "role": nhs_title, "time_share": 100 - share,
                 "reports_to": r.choice(self.bodies)["id"]},
            ]
            if self.extra and self.extra[0]["kind"] == "nhs-trust" and r.random() < 0.3:
                roles[0]["time_share"] = share - 10
                roles.append({"party": self.extra[0]["id"], "role": nhs_title, "time_share": 10,
                              "reports_to": self.board["id"]})
                parties.append(self.extra[0]["id"])
            employer = r.choice(parties[:2])
            post: dict[str, Any] = {
                "id": pid,
                "title": f"{council_title} and {nhs_title}" if council_title != nhs_title else council_title,
            }
            if r.random() < 0.6:
                post["holder"] = self.person()
            post.update({
                "roles": roles,
                "employer": employer,
                "instrument": r.choice(["s113", "s113", "secondment", "joint-contract"]),
                "protocol": proto_id,
                "appointed_on": appointed,
                "removal": {"decided_by": list(parties),
                            "requires": ["joint-review", "dispute-route", "notice"],
                            "notice_days": r.choice([60, 90, 90, 180])},
                "concerns_route": self.route["id"],
                "appraisal": "joint",
                "continuity": Folded(
                    f"If the holder leaves or is withdrawn, the council's deputy for the {council_title} role and "
                    f"the NHS body's deputy for the {nhs_title} role act until a new joint appointment is made "
                    f"under {proto_id}."),
            })
            self.posts.append(post)

    def _secondments(self) -> None:
        r = self.rng
        self.secondments: list[dict[str, Any]] = []
        for i in range(self.sizes["secondments"]):
            employer, host = self.council["id"], self.nhs["id"]
            if i % 2:
                employer, host = host, employer
            staff = STAFF[(self.index + i) % len(STAFF)]
            self.secondments.append({
                "id": f"{slug(staff)[:40].rstrip('-')}-{i + 1}",
                "staff": staff,
                "headcount": r.randint(2, 120),
                "employer": employer,
                "host": host,
                "terms": r.choice(["retain", "retain", "choice", "adopt"]),
                "day_to_day_manager": host,
                "professional_line": employer,
                "consulted_on": days(self.commences, -r.randint(30, 120)),
                "on_return": "Return to a post with "
                             f"{'the council' if employer == self.council['id'] else 'the NHS body'}"
                             " on the terms of their contract",
            })

    def _pools(self) -> None:
        r = self.rng
        self.pools: list[dict[str, Any]] = []
        for i in range(self.sizes["pools"]):
            service = self.services[i % len(self.services)][0] if i < len(self.services) else f"Fund {i + 1}"
            a = r.randint(2, 90) * 500_000
            b = r.randint(2, 90) * 500_000
            contributions = [{"party": self.council["id"], "amount": a}, {"party": self.nhs["id"], "amount": b}]
            total = a + b
            if len(self.extra) and self.extra[0]["kind"] == "nhs-trust" and r.random() < 0.4:
                c = r.randint(1, 20) * 250_000
                contributions.append({"party": self.extra[0]["id"], "amount": c})
                total += c
            host = r.choice([self.council["id"], self.nhs["id"]])
            self.pools.append({
                "id": f"{slug(service)}-pool" + (f"-{i + 1}" if i >= len(SERVICES) else ""),
                "host": host,
                "manager": f"Pool manager ({'council' if host == self.council['id'] else 'NHS'} director of finance)",
                "currency": "GBP",
                "total": total,
                "contributions": contributions,
                "variation": "Set yearly by the partnership board; varied in year only by written agreement of all"
                             " contributors.",
                "risk_share": {"overspend": r.choice(["proportional", "proportional", "by-agreement", host]),
                               "underspend": r.choice(["proportional", "proportional", "host"])},
                "reporting": r.choice(["quarterly", "quarterly", "monthly"]),
            })

    def _rest(self) -> None:
        r = self.rng
        self.approvals = [
            {"by": f"{self.place} Council cabinet", "kind": "board-resolution",
             "date": days(self.signed, -r.randint(3, 20))},
            {"by": f"{self.old_nhs['name']} board", "kind": "board-resolution",
             "date": days(self.signed, -r.randint(3, 20))},
        ]
        if self.jurisdiction == "england":
            self.approvals.append({"by": "Secretary of State for Health" if self.commences.year < 2004
                                   else "NHS England regional team",
                                   "kind": "notification", "date": days(self.signed, r.randint(0, 4))})
        self.consultations = [
            {"with": "staff", "date": days(self.commences, -r.randint(45, 120)),
             "about": "The integrated teams, the joint posts and new lines of accountability"},
            {"with": "trade-unions", "date": days(self.commences, -r.randint(45, 120)),
             "about": "Staff terms and secondment arrangements"},
        ]
        if r.random() < 0.4:
            self.consultations.append({"with": "service-users", "date": days(self.commences, -r.randint(30, 90)),
                                       "about": "The single point of access and the care pathways"})
        groups = self.current
        self.outcomes = []
        for i in range(self.sizes["outcomes"]):
            text, base, target = INDICATORS[(self.index + i) % len(INDICATORS)]
            self.outcomes.append({"indicator": text, "baseline": base, "target": target,
                                  "by": D(dt.date(r.randint(2027, 2030), 3, 31)), "agreed_by": list(groups)})
        self.review = {"every_months": r.choice([6, 12, 12]),
                       "evaluation": {"by": r.choice(["An independent evaluator commissioned by the board",
                                                      "The partnership board with the council's internal audit"]),
                                      "method": "Annual review against the outcomes, with staff and service user"
                                                " surveys",
                                      "due_on": D(dt.date(r.randint(2027, 2028), r.choice([3, 9]), 30))}}
        events = [("external-rating", "The partnership board reviews the rating jointly; no party acts on a joint"
                                      " post holder alone.", 28),
                  ("reorganisation", "The successor body adopts the agreement; the board reviews it.", 90),
                  ("scope-change", "The board reviews the time shares, the pools and the protocols.", 56)]
        extra_events = [("key-person-departure", "The continuity arrangements apply; a new holder is appointed"
                                                 " under the post's protocol.", 14),
                        ("overspend", "The pool manager reports to the board, which agrees a recovery plan.", 30),
                        ("funding-shortfall", "The board agrees which services are protected and for how long.", 45),
                        ("party-withdrawal", "The exit protocol and the dispute route apply.", 60)]
        events += r.sample(extra_events, min(self.sizes["triggers"], len(extra_events)))
        self.triggers = [{"event": e, "response": resp, "decided_by": list(self.current), "within_days": d,
                          "route": self.route["id"]} for e, resp, d in events]
        self.lead_providers = []
        for service, _group in (self.services[: r.randint(0, len(self.services))] if self.subboards else []):
            self.lead_providers.append({"service": service, "provider": r.choice(self.statutory),
                                        "commissioned_by": r.choice(self.subboards)["id"]})
        self.exit = {"notice_days": r.choice([180, 365, 365]),
                     "requires": ["joint-review", "dispute-route", "consultation"],
                     "staff_plan": Folded("Staff return to their employer's line management on the terms they held;"
                                          " secondees return under the on_return terms of their secondment."),
                     "assets_liabilities": "Pool balances and commitments are shared in proportion to contributions."}
        self.communication = {"owner": self.board["id"], "crisis_protocol": "crisis-comms", "joint_statements": True}
        s = r.randint(2, 6)
        self.clauses = {k: CLAUSE_TEXT[k].format(s=s, c=10 + i) for i, k in enumerate(CLAUSES)}
        self.expires = D(dt.date(r.randint(2028, 2034), 3, 31))
        self.status = "in-force"
        self.aims = [
            f"One point of contact for {self.services[0][1]}",
            "Care pathways that do not stop at organisational boundaries",
            "Fewer people admitted to hospital or care homes when they could be supported at home",
        ][: r.randint(2, 3)]
        self.functions = [f"Social care functions of {self.place} Council for the client groups below",
                          f"Community health functions of the {self.nhs['name']} for the same client groups"]
        self.waivers: list[dict[str, Any]] = []

    # ---- gaps ---------------------------------------------------------------------------------
    def add_gaps(self, count: int) -> list[str]:
        gaps = [g for g in GAPS if g[1](self) is not False]
        chosen = self.rng.sample(gaps, min(count, len(gaps)))
        done = []
        for name, _ok, apply in chosen:
            apply(self)
            done.append(name)
        return done

    def use_unknowns(self) -> None:
        """An agreement reconstructed from the record: some facts recorded as unknown."""
        r = self.rng
        self.signed = Date("unknown") if r.random() < 0.5 else self.signed
        for post in self.posts:
            if r.random() < 0.5:
                post["appointed_on"] = "unknown"
            if r.random() < 0.3:
                for role in post["roles"]:
                    role["time_share"] = "unknown"
        for sec in self.secondments:
            if r.random() < 0.4:
                sec["consulted_on"] = "unknown"
        if self.pools and r.random() < 0.3:
            self.pools[0]["total"] = "unknown"

    # ---- output -------------------------------------------------------------------------------
    def document(self) -> dict[str, Any]:
        agreement: dict[str, Any] = {
            "id": f"{self.pslug}-partnership-{self.index:05d}",
            "title": f"{self.place} health and social care partnership agreement",
            "jurisdiction": self.jurisdiction,
            "statutory_basis": {"england": ["nhs-act-2006-s75"] if self.commences.year >= 2007
                                else ["health-act-1999-s31"], "wales": ["nhs-wales-act-2006-s33"],
                                "scotland": ["public-bodies-scotland-2014"],
                                "northern-ireland": ["other"]}[self.jurisdiction],
            "arrangements": [a for a, present in (("joint-post", self.posts), ("pooled-budget", self.pools),
                                                  ("lead-commissioning", self.lead_providers),
                                                  ("integrated-provision", True),
                                                  ("secondment", self.secondments)) if present],
            "status": self.status,
            "signed_on": self.signed,
            ("commences_on", "a fixed date in the agreement"): D(self.commences),
            "expires_on": self.expires,
        }
        if self.aims:
            agreement["aims"] = self.aims
        if self.functions:
            agreement["functions"] = self.functions
        agreement["services"] = [s for s, _g in self.services]
        agreement["client_groups"] = [g for _s, g in self.services]
        if self.rng.random() < 0.4:
            agreement["excluded"] = ["Acute hospital services", "Continuing healthcare assessments"]
        doc: dict[str, Any] = {"jointgov": 1, "agreement": agreement, "parties": self.parties(),
                               "successors": self.successors()}
        for key, value in (("approvals", self.approvals), ("consultations", self.consultations),
                           ("joint_posts", self.posts), ("protocols", self.protocols),
                           ("dispute_routes", self.routes), ("secondments", self.secondments),
                           ("pooled_budgets", self.pools), ("governance_bodies", self.bodies),
                           ("lead_providers", self.lead_providers), ("outcomes", self.outcomes)):
            if value:
                doc[key] = value
        doc["review"] = self.review
        if self.triggers:
            doc["triggers"] = self.triggers
        for key, value in (("exit", self.exit), ("communication", self.communication),
                           ("clauses", self.clauses), ("waivers", self.waivers)):
            if value:
                doc[key] = value
        return doc

    def successors(self) -> dict[str, Any]:
        return getattr(self, "_successors", {"binding": True, "reaffirm_within_days": self.reaffirm_days})

    def text(self, header: list[str]) -> str:
        lines = [f"# {h}" if h else "#" for h in header]
        doc = self.document()
        for i, key in enumerate(doc):
            if i > 1 and isinstance(doc[key], (list, dict)):
                lines.append("")
            lines.extend(emit({key: doc[key]}))
        return "\n".join(lines) + "\n"


# Each gap: (name, applies-to predicate returning False when it cannot apply, mutation)
def _post(a: Agreement) -> dict[str, Any]:
    return a.rng.choice(a.posts)


def _g_protocol_late(a: Agreement) -> None:
    post = _post(a)
    proto = next((p for p in a.protocols if p["id"] == post.get("protocol")), None)
    if proto is not None and isinstance(post["appointed_on"], Date):
        proto["agreed_on"] = days(post["appointed_on"], a.rng.randint(30, 400))


def _g_no_protocol(a: Agreement) -> None:
    gone = _post(a).pop("protocol", None)
    a.protocols = [p for p in a.protocols if p["id"] != gone]


def _g_unilateral(a: Agreement) -> None:
    post = _post(a)
    post["removal"]["decided_by"] = [post["employer"]]
    post["removal"]["requires"] = ["notice"]


def _g_no_concerns(a: Agreement) -> None:
    _post(a).pop("concerns_route", None)


def _g_employer(a: Agreement) -> None:
    _post(a)["employer"] = "unknown"


def _g_continuity(a: Agreement) -> None:
    _post(a).pop("continuity", None)


def _g_time_share(a: Agreement) -> None:
    post = _post(a)
    post["roles"][0]["time_share"] = 80
    post["roles"][1]["time_share"] = 40


def _g_appraisal(a: Agreement) -> None:
    _post(a)["appraisal"] = "employer-only"


def _g_route_no_binding(a: Agreement) -> None:
    a.route["steps"] = a.route["steps"][:1]
    a.route.pop("arbitration", None)


def _g_untimed_step(a: Agreement) -> None:
    a.route["steps"][-1].pop("within_days", None)


def _g_arbitration_costs(a: Agreement) -> None:
    a.route.get("arbitration", {}).pop("costs", None)


def _g_slow_route(a: Agreement) -> None:
    for step in a.route["steps"]:
        step["within_days"] = 90


def _g_exit_direct(a: Agreement) -> None:
    a.exit["requires"] = ["consultation"]


def _g_successors(a: Agreement) -> None:
    a._successors = {"binding": False}  # type: ignore[attr-defined]


def _g_not_reaffirmed(a: Agreement) -> None:
    a.nhs.pop("reaffirmed_on", None)


def _g_late_reaffirm(a: Agreement) -> None:
    a.nhs["reaffirmed_on"] = days(a.reorg_on, a.reaffirm_days + a.rng.randint(30, 300))


def _g_no_reorg_trigger(a: Agreement) -> None:
    a.triggers = [t for t in a.triggers if t["event"] not in ("reorganisation", "scope-change")]


def _g_no_rating_trigger(a: Agreement) -> None:
    a.triggers = [t for t in a.triggers if t["event"] != "external-rating"]


def _g_approval(a: Agreement) -> None:
    a.approvals[-1].pop("date", None)


def _g_consultation(a: Agreement) -> None:
    for c in a.consultations:
        c["date"] = days(a.commences, a.rng.randint(10, 90))


def _g_voluntary_pool(a: Agreement) -> None:
    vol = next(p for p in a.extra if p["kind"] == "voluntary-sector")
    pool = a.pools[0]
    pool["contributions"].append({"party": vol["id"], "amount": 250_000})
    if isinstance(pool["total"], int):
        pool["total"] += 250_000


def _g_expired(a: Agreement) -> None:
    a.expires = D(dt.date(a.rng.randint(max(a.commences.year + 3, 2010), 2025), 3, 31))


def _g_pool_manager(a: Agreement) -> None:
    a.pools[0].pop("manager", None)


def _g_pool_sum(a: Agreement) -> None:
    a.pools[0]["total"] = int(a.pools[0]["total"]) + 1_000_000


def _g_risk_share(a: Agreement) -> None:
    a.pools[0].pop("risk_share", None)


def _g_reporting(a: Agreement) -> None:
    a.pools[0]["reporting"] = "annually"


def _g_variation(a: Agreement) -> None:
    a.pools[0].pop("variation", None)


def _g_secondment_line(a: Agreement) -> None:
    a.rng.choice(a.secondments).pop("professional_line", None)


def _g_secondment_terms(a: Agreement) -> None:
    a.rng.choice(a.secondments)["terms"] = "unknown"


def _g_secondee_consulted(a: Agreement) -> None:
    a.rng.choice(a.secondments).pop("consulted_on", None)


def _g_staff_plan(a: Agreement) -> None:
    a.exit.pop("staff_plan", None)


def _g_quorum(a: Agreement) -> None:
    a.board["quorum"].pop("per_party", None)


def _g_outcome_baseline(a: Agreement) -> None:
    for o in a.outcomes:
        o.pop("baseline", None)


def _g_review(a: Agreement) -> None:
    a.review["every_months"] = 24


def _g_crisis(a: Agreement) -> None:
    a.communication.pop("crisis_protocol", None)


def _g_clause(a: Agreement) -> None:
    for key in a.rng.sample(CLAUSES, a.rng.randint(1, 3)):
        a.clauses.pop(key, None)


def _g_review_overdue(a: Agreement) -> None:
    a.rng.choice(a.protocols)["review_on"] = D(dt.date(a.rng.randint(2019, 2025), 3, 31))


def _g_unsigned(a: Agreement) -> None:
    a.signed = Date("unknown")


def _g_no_aims(a: Agreement) -> None:
    a.aims = []
    a.functions = []


def _g_waiver(a: Agreement) -> None:
    a.waivers.append({"rule": "JG109", "reason": "A joint appraisal scheme is being agreed.",
                      "approved_by": a.board["id"], "approved_on": D(dt.date(2024, 5, 1)),
                      "expires_on": D(dt.date(a.rng.choice([2025, 2027]), 3, 31))})
    _g_appraisal(a)


def sparse(a: Agreement) -> None:
    """An agreement as recorded early on: whole sections never written (like barking-dagenham-2001)."""
    a.triggers = []
    a.exit = {}
    a.communication = {}
    a.protocols = [p for p in a.protocols if p["kind"] != "communication"]
    a.clauses = {k: v for k, v in a.clauses.items() if k in ("information_sharing", "audit")}
    a.consultations = a.consultations[:1]
    a.routes = a.routes[:1]
    a.outcomes = [{k: v for k, v in o.items() if k not in ("baseline", "agreed_by")} for o in a.outcomes]
    for pool in a.pools:
        for key in ("variation", "risk_share"):
            pool.pop(key, None)
    a.review = {"every_months": 24}


def _g_route_partial(a: Agreement) -> None:
    a.route["covers"] = ["joint-post", "governance"]
    a.routes = a.routes[:1]


def _g_no_joint_body(a: Agreement) -> None:
    for body in a.bodies:
        body["members"] = [m for m in body["members"] if m["party"] != a.nhs["id"]] or body["members"]


def _g_no_senior(a: Agreement) -> None:
    for body in a.bodies:
        for m in body["members"]:
            m.pop("elected", None)
            if "Chief" in m["role"] or "Leader" in m["role"]:
                m["role"] = "Head of service"
        body.pop("chair", None)


def _g_waiver_unapproved(a: Agreement) -> None:
    a.waivers.append({"rule": "JG404", "target": a.pools[0]["id"], "reason": "Annual reporting agreed locally."})
    a.pools[0]["reporting"] = "annually"


def _g_waiver_unused(a: Agreement) -> None:
    a.waivers.append({"rule": "JG405", "target": a.pools[0]["id"], "reason": "Variation clause under negotiation.",
                      "approved_by": a.board["id"], "approved_on": D(dt.date(2025, 6, 1)),
                      "expires_on": D(dt.date(2027, 6, 1))})


def _g_lead_provider(a: Agreement) -> None:
    a.rng.choice(a.lead_providers)["commissioned_by"] = "unknown"


_ALWAYS = lambda a: True  # noqa: E731
GAPS = [
    ("protocol-after-appointment", lambda a: bool(a.posts), _g_protocol_late),
    ("no-post-protocol", lambda a: bool(a.posts), _g_no_protocol),
    ("unilateral-removal", lambda a: bool(a.posts), _g_unilateral),
    ("no-concerns-route", lambda a: bool(a.posts), _g_no_concerns),
    ("employer-unknown", lambda a: bool(a.posts), _g_employer),
    ("no-continuity", lambda a: bool(a.posts), _g_continuity),
    ("time-share", lambda a: bool(a.posts), _g_time_share),
    ("appraisal", lambda a: bool(a.posts), _g_appraisal),
    ("route-not-binding", _ALWAYS, _g_route_no_binding),
    ("untimed-step", _ALWAYS, _g_untimed_step),
    ("arbitration-costs", _ALWAYS, _g_arbitration_costs),
    ("slow-route", _ALWAYS, _g_slow_route),
    ("exit-without-route", _ALWAYS, _g_exit_direct),
    ("successors-not-bound", _ALWAYS, _g_successors),
    ("not-reaffirmed", _ALWAYS, _g_not_reaffirmed),
    ("late-reaffirmation", _ALWAYS, _g_late_reaffirm),
    ("no-reorganisation-trigger", _ALWAYS, _g_no_reorg_trigger),
    ("no-rating-trigger", _ALWAYS, _g_no_rating_trigger),
    ("undated-approval", _ALWAYS, _g_approval),
    ("late-consultation", _ALWAYS, _g_consultation),
    ("voluntary-in-pool", lambda a: any(p["kind"] == "voluntary-sector" for p in a.extra), _g_voluntary_pool),
    ("expired", _ALWAYS, _g_expired),
    ("no-pool-manager", _ALWAYS, _g_pool_manager),
    ("pool-does-not-add-up", lambda a: isinstance(a.pools[0]["total"], int), _g_pool_sum),
    ("no-risk-share", _ALWAYS, _g_risk_share),
    ("annual-reporting", _ALWAYS, _g_reporting),
    ("no-variation", _ALWAYS, _g_variation),
    ("secondment-line", lambda a: bool(a.secondments), _g_secondment_line),
    ("secondment-terms", lambda a: bool(a.secondments), _g_secondment_terms),
    ("secondee-not-consulted", lambda a: bool(a.secondments), _g_secondee_consulted),
    ("no-staff-plan", _ALWAYS, _g_staff_plan),
    ("one-sided-quorum", _ALWAYS, _g_quorum),
    ("no-baseline", _ALWAYS, _g_outcome_baseline),
    ("two-yearly-review", _ALWAYS, _g_review),
    ("no-crisis-protocol", _ALWAYS, _g_crisis),
    ("missing-clauses", _ALWAYS, _g_clause),
    ("review-overdue", _ALWAYS, _g_review_overdue),
    ("unsigned", _ALWAYS, _g_unsigned),
    ("no-aims", lambda a: a.jurisdiction == "england", _g_no_aims),
    ("waiver", lambda a: bool(a.posts), _g_waiver),
    ("route-covers-part", lambda a: bool(a.pools), _g_route_partial),
    ("no-joint-body", _ALWAYS, _g_no_joint_body),
    ("no-senior-sponsor", _ALWAYS, _g_no_senior),
    ("waiver-unapproved", _ALWAYS, _g_waiver_unapproved),
    ("waiver-unused", lambda a: all("variation" in p for p in a.pools), _g_waiver_unused),
    ("lead-provider-uncommissioned", lambda a: bool(a.lead_providers), _g_lead_provider),
]


def make(seed: int, index: int) -> tuple[str, list[str]]:
    """The text of agreement ``index`` (from 1) for ``seed``, and the gaps it was given."""
    roll = random.Random(f"jointgov-bench-profile:{seed}:{index}").random()  # the same whatever the attempt
    for attempt in range(20):
        rng = random.Random(f"jointgov-bench:{seed}:{index}:{attempt}")
        gaps: list[str] = []
        if roll < 0.15:  # reconstructed from the record: short, with whole sections missing
            a = Agreement(rng, index, sizes={"posts": rng.choice([1, 1, 2]), "secondments": rng.choice([0, 1]),
                                             "boards": rng.choice([0, 1]), "pools": 1, "outcomes": 1,
                                             "triggers": 0, "protocols": 0})
            sparse(a)
            gaps = ["sparse", *a.add_gaps(rng.choice([0, 1, 2]))]
        else:
            a = Agreement(rng, index)
        if roll >= 0.45:  # about a third are complete (roll 0.15-0.45)
            gaps = a.add_gaps(rng.choice([1, 1, 2, 2, 3, 4, 5]))
            if rng.random() < 0.15:
                a.use_unknowns()
                gaps.append("unknowns")
        header = [
            f"{a.place}: partnership agreement between {a.council['name']} and the {a.nhs['name']}"
            f" (benchmark corpus, seed {seed}, agreement {index}).",
            f"Generated by bench/generate.py: {'complete' if not gaps else 'gaps: ' + ', '.join(gaps)}.",
            "",
            f"The {a.old_nhs['name']} signed the original agreement; it was superseded on",
            f"{a.reorg_on.isoformat()} by the {a.nhs['name']}, which adopted the agreement.",
        ]
        text = a.text(header)
        if 150 <= text.count("\n") <= 400:
            return text, gaps
    return text, gaps  # practically unreachable: the last attempt is kept whatever its length


LARGE = {"posts": 300, "secondments": 400, "boards": 120, "pools": 40, "outcomes": 150, "triggers": 4,
         "protocols": 4}


def make_large(seed: int) -> str:
    rng = random.Random(f"jointgov-bench-large:{seed}")
    a = Agreement(rng, 0, sizes=LARGE)
    a.add_gaps(3)
    counts = ", ".join(f"{v} {k}" for k, v in LARGE.items() if v > 10)
    return a.text([f"One very large agreement ({counts}): generated by bench/generate.py --large,",
                   "for the benchmark's time and memory on one big file."])


def path_for(out: Path, index: int, count: int) -> Path:
    name = f"agreement-{index:05d}.yaml"
    if count <= PER_DIR:
        return out / name
    return out / f"batch-{(index - 1) // PER_DIR + 1:02d}" / name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, required=True, help="number of agreements")
    parser.add_argument("--seed", type=int, default=1, help="seed (default 1): the same seed gives the same files")
    parser.add_argument("--large", action="store_true", help="also write large/agreement-large.yaml (~20,000 lines)")
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be 0 or more")
    complete = lines = 0
    for i in range(1, args.count + 1):
        text, gaps = make(args.seed, i)
        path = path_for(args.out_dir, i, args.count)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        complete += not gaps
        lines += text.count("\n")
    summary = f"{args.count} agreements in {args.out_dir} ({complete} complete, {lines} lines)"
    if args.large:
        text = make_large(args.seed)
        large = args.out_dir / "large" / "agreement-large.yaml"
        large.parent.mkdir(parents=True, exist_ok=True)
        large.write_text(text, encoding="utf-8")
        summary += f"; {large}: {text.count(chr(10))} lines, {len(text.encode()) // 1024} KiB"
    print(summary, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
