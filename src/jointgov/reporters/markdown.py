"""The Markdown reporter: a compliance report to paste into board papers and pull requests.

It renders ``templates/report.md.j2`` over the view of :mod:`jointgov.reporters.view`.
"""

from __future__ import annotations

from typing import TextIO

from jointgov.reporters.report import Report
from jointgov.reporters.view import context, environment


def write(report: Report, out: TextIO, colour: bool = False) -> None:
    """Write the report as GitHub-flavoured Markdown (``colour`` is ignored)."""
    out.write(environment(autoescape=False).get_template("report.md.j2").render(context(report)))
