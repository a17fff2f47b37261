"""The view both human-readable reports (``markdown`` and ``html``) render, and their template environment.

One :class:`Agreement` per input file, with its verdict and its findings grouped by area and rule.
Every value taken from an agreement or the catalogue is escaped by the template environment
itself (``finalize``), so a party name or title holding ``|``, `````, ``*``, ``_``, ``<`` or ``>``
cannot break a table or inject markup. The output is deterministic: no clock, only the report's data.

After ``check --simulate`` both reports also have a "Stress scenarios" section, built from
``Report.simulations`` into one :class:`StressView` per file (``stress``); without it the
section, and everything else, is as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jinja2

from jointgov import __version__
from jointgov.model import AREAS, NOT_APPLICABLE, SEVERITIES, SEVERITY_RANK, SKIP_REASONS, Finding, Waived
from jointgov.reporters.report import Report, RuleInfo
from jointgov.reporters.sources import cite

if TYPE_CHECKING:
    from jointgov.simulation.results import Run, ScenarioResult, Step

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|&~#])")
_BREAKS = re.compile(r"\s*[\r\n]+\s*")
CODE_SPAN = re.compile(r"`([^`\r\n|]+)`")
"""A code span in catalogue text (remediation, titles): shown as code in both human-readable reports."""


@dataclass
class RuleGroup:
    """The findings of one rule in one agreement, with what the catalogue says of the rule."""

    rule_id: str
    name: str
    severity: str
    info: RuleInfo | None
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Agreement:
    """What the human-readable reports say of one input file."""

    anchor: str
    path: str
    sha256: str
    rules_run: bool
    title: str
    ident: str
    parties: list[str]
    counts: dict[str, int]
    areas: list[tuple[str, list[RuleGroup]]]
    waived: list[Waived]
    verdict: str
    status: str
    """``fail``, ``broken`` (its form must be fixed first), ``warn`` or ``pass``."""


@dataclass
class Located:
    """A clause a scenario's verdict turns on: ``path:line:col``, the field (dotted) and what it says."""

    where: str
    field: str
    message: str


@dataclass
class ScenarioView:
    """What the human-readable reports say of one scenario in one agreement."""

    name: str
    title: str
    verdict: str
    """The verdict, or ``not applicable``."""
    status: str
    """The verdict as a class name: the verdict, or ``not-applicable``."""
    days: str
    note: str
    event: str
    label: str
    """The subject of the run shown (the worst run; for resolved-jointly, the longest)."""
    causes: list[Located]
    """What decides a verdict other than resolved-jointly; for resolved-jointly, the step that settles it."""
    steps: int
    trace: tuple[Step, ...]
    """The worst run's steps, for a verdict other than resolved-jointly (empty otherwise)."""
    others: list[str]
    """The other runs and their verdicts, for a verdict other than resolved-jointly."""


@dataclass
class StressView:
    """The stress scenarios of one input file, numbered as its agreement is in the report."""

    anchor: str
    number: int
    title: str
    path: str
    error: str
    scenarios: list[ScenarioView]


def sentence(text: str) -> str:
    """*text* with a capital first letter, unless it starts with a field name (``agreement.status``)."""
    first = text.split(" ", 1)[0]
    return text[:1].upper() + text[1:] if first.isalpha() and first.islower() else text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def verdict(rules_run: bool, counts: dict[str, int], fail_on: str = "warning") -> tuple[str, str]:
    """The verdict sentence for an agreement and its status keyword: it does not pass when it has an error, or a
    finding at or above the run's ``--fail-on`` (the findings that make the run exit 1)."""
    if not rules_run:
        return (f"Does not pass: {_plural(counts['error'], 'error')} in its form, which must be fixed "
                "before the rules can judge it", "broken")
    threshold = min(SEVERITY_RANK[fail_on], SEVERITY_RANK["error"])  # --fail-on never changes the exit, not this
    failing = [sev for sev in SEVERITIES if counts[sev] and SEVERITY_RANK[sev] >= threshold]
    if failing:
        return "Does not pass: " + ", ".join(_plural(counts[sev], sev) for sev in failing), "fail"
    if counts["warning"] or counts["info"]:
        return f"Passes with {'warnings' if counts['warning'] else 'notes'}", "warn"
    return "Passes", "pass"


def agreements(report: Report) -> list[Agreement]:
    """One :class:`Agreement` per input file, in the report's order."""
    out = []
    findings: dict[str, list[Finding]] = {}
    waived: dict[str, list[Waived]] = {}
    for finding in report.findings:
        findings.setdefault(finding.path, []).append(finding)
    for item in report.waived:
        waived.setdefault(item.finding.path, []).append(item)
    for index, summary in enumerate(report.files, 1):
        mine = findings.get(summary.path, [])
        counts = {sev: sum(1 for f in mine if f.severity == sev) for sev in SEVERITIES}
        groups: dict[str, RuleGroup] = {}
        for finding in mine:
            info = report.rule(finding.rule_id)
            group = groups.setdefault(finding.rule_id, RuleGroup(finding.rule_id, finding.rule_name,
                                                                 finding.severity, info))
            group.findings.append(finding)
        by_area: dict[str, list[RuleGroup]] = {}
        for group in sorted(groups.values(), key=lambda g: g.rule_id):
            area = group.info.area if group.info and group.info.area in AREAS else "document"
            by_area.setdefault(area, []).append(group)
        title, ident, parties = summary.title, summary.agreement_id, list(summary.parties)
        path = report.relative(summary.path)
        text, status = verdict(summary.rules_run, counts, report.fail_on)
        out.append(Agreement(
            f"agreement-{index}", path, summary.sha256, summary.rules_run, title or path,
            ident or path.rsplit("/", 1)[-1].rsplit(".", 1)[0], parties, counts,
            [(AREAS[a], by_area[a]) for a in AREAS if a in by_area],
            waived.get(summary.path, []), text, status))
    return out


def source(item: dict[str, str]) -> str:
    """Where an evidence item comes from, cited in full from the source list (jointgov.reporters.sources)."""
    return cite(item)


class _Escaped(str):
    """Text already escaped for Markdown: ``finalize`` leaves it as it is."""


_AUTOLINK = re.compile(r"(?i)(?:\b(?:https?|ftp)://|\bwww\.|\b(?:mailto|xmpp):)[^\s`|<>]*"
                       r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<![\w@`])@[\w-]+(?:/[\w-]+)?")
"""What GitHub's Markdown turns into a live link by itself (its autolink extension): web addresses with a scheme
or starting www., mailto: and xmpp: addresses, e-mail addresses; and @mentions, which notify people."""


def escape(value: object) -> str:
    """Markdown-escape *value*: one line, with every character that could start markup backslashed, and every
    address that would become a live link shown as code instead (a link in a board paper is the agreement's
    author's, not ours)."""
    text = _BREAKS.sub(" ", str(value))
    parts = []
    at = 0
    for found in _AUTOLINK.finditer(text):
        address = found.group().rstrip(".,:;!?'\")")  # the sentence's punctuation stays outside, as GitHub does
        parts += [_MD_SPECIAL.sub(r"\\\1", text[at:found.start()]), f"`{address}`"]
        at = found.start() + len(address)
    return "".join([*parts, _MD_SPECIAL.sub(r"\\\1", text[at:])])


def _finalize(value: object) -> str:
    return value if isinstance(value, _Escaped) else escape(value).strip()


def _span(value: object) -> _Escaped:
    """*value* as a code span when it can be one (no backtick, pipe or line break), else escaped text."""
    text = str(value)
    return _Escaped(f"`{text}`" if CODE_SPAN.fullmatch(f"`{text}`") else escape(text))


def _code(value: object) -> _Escaped:
    """Catalogue text with its `code spans` kept as code and everything else escaped."""
    parts = CODE_SPAN.split(_BREAKS.sub(" ", str(value)).strip())
    return _Escaped("".join(f"`{p}`" if i % 2 else escape(p) for i, p in enumerate(parts)))


def environment(autoescape: bool) -> jinja2.Environment:
    """The template environment: HTML autoescaping, or Markdown escaping of every ``{{ }}`` value."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("jointgov", "templates"), autoescape=autoescape,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        finalize=None if autoescape else _finalize)
    env.filters["plural"] = _plural
    env.filters["sentence"] = sentence
    env.filters["code"] = _code
    env.filters["span"] = _span
    env.filters["source"] = source
    return env


def headline(statuses: list[str]) -> str:
    """``2 do not pass, 1 passes with warnings, 1 passes``: the verdicts counted, the empty ones left out."""
    failing = sum(s in ("fail", "broken") for s in statuses)
    warned, passing = statuses.count("warn"), statuses.count("pass")
    parts = [f"{failing} {'does' if failing == 1 else 'do'} not pass" if failing else "",
             f"{warned} {'passes' if warned == 1 else 'pass'} with warnings or notes" if warned else "",
             f"{passing} {'passes' if passing == 1 else 'pass'}" if passing else ""]
    return ", ".join(p for p in parts if p)


def _scenario(result: ScenarioResult, path: str) -> ScenarioView:
    from jointgov.reporters.simulation import days_text

    def located(line: int, column: int, field: str, message: str) -> Located:
        return Located(f"{path}:{line}:{column}", field, message)

    def run_line(run: Run) -> str:
        return f"{run.label}: {run.verdict}" + (f", {run.days} days" if run.verdict == "resolved-jointly" else "")

    verdict = result.verdict
    if verdict == NOT_APPLICABLE:
        return ScenarioView(result.name, result.title, "not applicable", "not-applicable", days_text(result),
                            result.note, result.event, "", [], 0, (), [])
    if verdict == "resolved-jointly":
        run = max(result.runs, key=lambda r: r.days)
        settled = [s for s in run.steps if s.verdict == verdict][-1:]
        causes = [located(s.line, s.column, "", s.says) for s in settled]
        return ScenarioView(result.name, result.title, verdict, verdict, days_text(result), result.note, run.event,
                            run.label, causes, len(run.steps), (), [])
    worst = result.worst
    assert worst is not None
    causes = _once([located(c.line, c.column, c.field, c.message) for c in worst.causes])
    if not causes:  # no clause recorded: the steps that settled the verdict
        causes = [located(s.line, s.column, "", s.says) for s in worst.steps if s.verdict == verdict]
    return ScenarioView(result.name, result.title, verdict, verdict, days_text(result), result.note, worst.event,
                        worst.label, causes, len(worst.steps), worst.steps,
                        [run_line(r) for r in result.runs if r is not worst])


def _once(causes: list[Located]) -> list[Located]:
    """Causes that say the same thing said once, at each of their places (``path:118:5, 133:15``)."""
    merged: dict[str, Located] = {}
    for cause in causes:
        first = merged.get(cause.message)
        line_col = ":".join(cause.where.rsplit(":", 2)[-2:])  # path:line:col, the path possibly holding colons
        merged[cause.message] = cause if first is None else Located(f"{first.where}, {line_col}", first.field,
                                                                     first.message)
    return list(merged.values())


def stress(report: Report, views: list[Agreement]) -> list[StressView]:
    """One :class:`StressView` per simulated file (``check --simulate``), titled and numbered as its agreement."""
    numbered: dict[str, tuple[int, Agreement | None]] = {
        summary.path: (n, view) for n, (summary, view) in enumerate(zip(report.files, views, strict=True), 1)}
    out: list[StressView] = []
    for sim in report.simulations:
        n, view = numbered.get(sim.path, (len(out) + 1, None))
        path = view.path if view else report.relative(sim.path)
        title = view.title if view else sim.title or path
        out.append(StressView(f"stress-{n}", n, title, path, sim.error,
                              [_scenario(r, path) for r in sim.results]))
    return out


def context(report: Report) -> dict[str, Any]:
    """What both templates are given (``stress`` is empty unless the report holds simulations)."""
    views = agreements(report)
    statuses = [a.status for a in views]
    simulated = bool(report.simulations)
    if simulated:  # only when there are simulations
        from jointgov.reporters.simulation import headline as stress_headline
    return {
        "version": __version__, "as_of": report.as_of, "digest": report.catalogue_digest,
        "provenance": report.provenance(), "agreements": views, "rules": report.rules,
        "headline": headline(statuses), "waived_total": len(report.waived),
        "waivers": [w for f in report.files for w in f.waivers if w.valid],
        "relative": report.relative,
        "stress": stress(report, views) if simulated else [],
        "skipped": [(report.relative(item.path), SKIP_REASONS[item.reason]) for item in report.skipped],
        "stress_headline": stress_headline(report.simulations) if simulated else "",
    }

