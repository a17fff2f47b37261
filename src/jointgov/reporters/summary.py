"""The summary reporter: Markdown for a pull-request comment or a GitHub job summary, within GitHub's limits.

GitHub refuses a comment longer than 65,536 characters (``COMMENT_LIMIT``), so the summary is built worst
first until it would pass ``BUDGET`` (a margin below the limit, counted in UTF-16 code units as GitHub
counts): the verdict in a heading, the counts, the agreements that do not pass (then those that do), then
the findings, most severe first and from each agreement in turn (``Report.worst_first``). What does not
fit is counted in a closing line that says what was cut and where the full report is. The board paper,
with the rationale and evidence of each rule, is the ``markdown`` format.
"""

from __future__ import annotations

from typing import TextIO

from jointgov import __version__
from jointgov.model import SEVERITIES, Finding
from jointgov.reporters.report import Report, plural, skipped_text
from jointgov.reporters.view import Agreement, agreements, escape, headline, sentence

COMMENT_LIMIT = 65_536
"""The longest comment GitHub accepts, in characters."""
BUDGET = 60_000
"""What the summary may use: the limit, less room for the closing lines and for a tool that adds its own."""
AGREEMENT_SHARE = 0.4
"""At most this share of the budget goes to the table of agreements; the findings have the rest."""
_ORDER = {"broken": 0, "fail": 0, "warn": 1, "pass": 2}
FAILING_ON = {"error": "errors fail an agreement", "warning": "errors and warnings fail an agreement",
              "info": "every finding fails an agreement",
              "never": "errors fail an agreement; with --fail-on never, no finding fails the run"}
"""The run's ``--fail-on`` in words."""


def size(text: str) -> int:
    """The length of *text* as GitHub counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text and "\n" not in text else escape(text)


def _row(a: Agreement) -> str:
    name = escape(a.title) + (f" ({_code(a.path)})" if a.title != a.path else "")
    return (f"| {name} | {escape(a.verdict)} | {a.counts['error']} | {a.counts['warning']} | {a.counts['info']} | "
            f"{len(a.waived)} |\n")


def _finding(report: Report, f: Finding) -> str:
    where = _code(f"{report.relative(f.path)}:{f.line}:{f.column}")
    return f"- **{f.severity}** {where} {f.rule_id} {escape(f.rule_name)}: {escape(sentence(f.message))}\n"


def render(report: Report) -> str:
    """The summary of *report* as Markdown, within ``BUDGET``."""
    views = agreements(report)
    failing = sum(a.status in ("fail", "broken") for a in views)
    if len(views) == 1:
        verdict = f"the agreement {'does not pass' if failing else 'passes'}"
    elif views:
        verdict = (f"{failing} of {plural(len(views), 'agreement')} {'does' if failing == 1 else 'do'} not pass"
                   if failing else "every agreement passes")
    else:
        verdict = "no agreement checked"
    title = f"## jointgov: {verdict}"
    counts = report.summary()
    found = ", ".join(f"{plural(n, sev) if sev != 'info' else f'{n:,} info'}" for sev, n in counts.items())
    head = [title, "",
            f"Checked {plural(len(views), 'agreement')} against {plural(len(report.rules), 'rule')} as of "
            f"{report.as_of}: {headline([a.status for a in views]) or 'none'} ({FAILING_ON[report.fail_on]}). "
            f"Findings: {found}; {len(report.waived):,} waived."]
    if report.skipped:
        head[-1] += f" {sentence(skipped_text(report.skipped))}."
    body = "\n".join(head) + "\n"
    ranked = sorted(views, key=lambda a: (_ORDER[a.status], -a.counts["error"], -a.counts["warning"],
                                          -a.counts["info"], a.path))
    table = "\n| Agreement | Verdict | Errors | Warnings | Info | Waived |\n| --- | --- | ---: | ---: | ---: | ---: |\n"
    rows_shown = 0
    if ranked:
        body += table
        for a in ranked:
            row = _row(a)
            if size(body) + size(row) > BUDGET * AGREEMENT_SHARE:
                break
            body += row
            rows_shown += 1
    ordered = report.worst_first()
    shown: list[Finding] = []
    if ordered:
        body += "\n### Findings, most severe first\n\n"
        for f in ordered:
            line = _finding(report, f)
            if size(body) + size(line) > BUDGET:
                break
            body += line
            shown.append(f)
    cut = _cut(report, len(ranked) - rows_shown, [f for f in ordered if f not in set(shown)])
    return body + cut + (f"\n<sub>jointgov {__version__}, rule catalogue {report.catalogue_digest[:12]}, as of "
                         f"{report.as_of}; the full report lists each file checked with its SHA-256.</sub>\n")


def _cut(report: Report, agreements_left: int, findings_left: list[Finding]) -> str:
    """The line that says what did not fit, and where the full report is (empty when everything fits)."""
    if not agreements_left and not findings_left:
        return ""
    parts = []
    if agreements_left:
        parts.append(f"{plural(agreements_left, 'agreement')} of the table (those that fail least, or pass)")
    if findings_left:
        counts = {sev: sum(f.severity == sev for f in findings_left) for sev in SEVERITIES}
        by = [f"{n:,} info" if sev == "info" else plural(n, sev) for sev, n in counts.items() if n]
        parts.append(f"{plural(len(findings_left), 'finding')} ({', '.join(by)})")
    where = (", ".join(_code(p) for p in report.written) if report.written else
             "`jointgov check` with `--format markdown` (the board paper) or `--report html=report.html`")
    return (f"\n*Cut to stay within GitHub's {COMMENT_LIMIT:,}-character limit for a comment: "
            f"{' and '.join(parts)} not shown. The full report: {where}.*\n")


def write(report: Report, out: TextIO, colour: bool = False) -> None:
    """Write the summary (``colour`` is ignored)."""
    out.write(render(report))
