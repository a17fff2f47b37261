"""The HTML reporter: one self-contained page to read on screen or print to A4.

The page has inline CSS only: no JavaScript, no fonts, images or links that would
make a request (a Content-Security-Policy in the page forbids them too). Every
value taken from an agreement is escaped by Jinja's autoescaping. The content is
built by :mod:`jointgov.reporters.view` (the view both human-readable reports
share) plus the crosswalk from each lesson or regulation to the rules that apply
it and their result for each agreement. After ``check --simulate`` the page also has
a "Stress scenarios" section (after the summary): each scenario's verdict, in words
and colour, what decides it, and the trace of every verdict short of a joint decision;
its CSS is only included then, so pages without it are unchanged.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import TextIO

from markupsafe import Markup, escape

from jointgov.reporters.report import FileSummary, Report, RuleInfo
from jointgov.reporters.view import CODE_SPAN, Agreement, context, environment, source

CROSSWALK_COLUMNS = 8
"""Up to this many agreements the crosswalk has a column per agreement."""
RESULTS = ("fails", "waived", "passes", "not applicable", "not judged")


@dataclass
class Lesson:
    """One distinct evidence item (a quote, or a regulation's provision) and the rules that cite it."""

    quote: str
    provision: str
    rules: list[tuple[RuleInfo, list[str]]] = field(default_factory=list)
    """Each rule with its result for each agreement, in the report's order."""


@dataclass
class SourceGroup:
    """The lessons drawn from one source (an article, a regulation), which is cited once, above them."""

    source: str
    lessons: list[Lesson] = field(default_factory=list)


def result(rule_id: str, agreement: Agreement, summary: FileSummary) -> str:
    """``fails``, ``waived``, ``passes``, ``not applicable`` or ``not judged`` (form broken)."""
    if not summary.rules_run:
        return "not judged"
    if rule_id not in summary.applicable:
        return "not applicable"
    if any(g.rule_id == rule_id for _, groups in agreement.areas for g in groups):
        return "fails"
    if any(w.finding.rule_id == rule_id for w in agreement.waived):
        return "waived"
    return "passes"


def crosswalk(report: Report, views: list[Agreement]) -> list[SourceGroup]:
    """The distinct evidence items of the active rules, grouped by source in catalogue order, each with its rules'
    results.

    With more than ``CROSSWALK_COLUMNS`` agreements a rule's results are counted instead (one column
    per result, ``RESULTS``), so the table stays readable.
    """
    groups: dict[str, SourceGroup] = {}
    lessons: dict[tuple[str, str, str], Lesson] = {}
    for rule in sorted(report.rules, key=lambda r: r.id):
        results = [result(rule.id, a, f) for a, f in zip(views, report.files, strict=True)]
        if len(views) > CROSSWALK_COLUMNS:
            results = [str(results.count(r)) for r in RESULTS]
        for item in rule.evidence:
            where = source({k: v for k, v in item.items() if k != "provision"})
            key = (where, item.get("provision", ""), item.get("quote", ""))
            if key not in lessons:
                lessons[key] = Lesson(key[2], key[1])
                groups.setdefault(where, SourceGroup(where)).lessons.append(lessons[key])
            if all(r.id != rule.id for r, _ in lessons[key].rules):
                lessons[key].rules.append((rule, results))
    return list(groups.values())


def code(value: object) -> Markup:
    """Catalogue text, escaped, with its `code spans` shown as ``<code>``."""
    parts = CODE_SPAN.split(str(value))
    return Markup("").join(Markup("<code>{}</code>").format(p) if i % 2 else escape(p) for i, p in enumerate(parts))


def long_date(iso: str) -> str:
    """``2026-11-23`` as ``23 November 2026`` (the text as given when it is not a date)."""
    try:
        day = _dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {day:%B %Y}"


def write(report: Report, out: TextIO, colour: bool = False) -> None:
    """Write the report as one self-contained HTML page (``colour`` is ignored)."""
    env = environment(autoescape=True)
    env.filters["code"] = code
    values = context(report)
    views: list[Agreement] = values["agreements"]
    values.update(crosswalk=crosswalk(report, views), long_as_of=long_date(report.as_of),
                  counted=len(views) > CROSSWALK_COLUMNS, result_names=RESULTS)
    out.write(env.get_template("report.html.j2").render(values))
