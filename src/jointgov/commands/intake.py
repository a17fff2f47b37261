"""How ``jointgov check`` takes each file's result (into the report, or written at once by a streamed format) and
writes the report: the formats that can (text, GitHub, JSON lines) as the run goes, the others whole at the end,
files all or none."""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING, TextIO

from jointgov.config import use_colour
from jointgov.files import write_outputs
from jointgov.model import ConfigError, FileResult

if TYPE_CHECKING:
    from jointgov.reporters.report import Report, Stream, StreamFactory
    from jointgov.repository.facts import Entry


class Intake:
    """Takes each file's result into the report; or, streaming, writes it to *sink* (less the findings the baseline
    *recorded*, their fingerprints kept in ``seen``) and only counts it."""

    def __init__(self, report: Report, sink: Stream | None, recorded: frozenset[str] | None) -> None:
        self.report, self.sink, self.recorded = report, sink, recorded
        self.seen: set[str] = set()
        self.shared: dict[frozenset[str], frozenset[str]] = {}
        self.memo: dict[object, object] = {}

    def entry(self, item: Entry) -> Entry:
        """A file's entry for the repository rules, kept till they run: sharing the values it has in common with
        the others."""
        from jointgov.repository.facts import shared

        return shared(item, self.memo)

    def add(self, result: FileResult) -> None:
        """One file's result."""
        from jointgov.reporters.report import FileSummary

        report = self.report
        if self.sink is not None:
            findings = sorted(result.findings)
            if self.recorded is not None:
                from jointgov.reporters import baseline as baselines

                findings = baselines.hide(self.recorded, report, findings, self.seen)
            waived = sorted(result.waived, key=lambda w: w.finding)
            report.let_go(findings, waived, result.rules_run)
            self.sink.file(report, findings, waived)
            return
        title, agreement_id, parties = result.identity
        applicable = self.shared.setdefault(result.applicable, result.applicable)  # most files share one: keep one
        report.files.append(FileSummary(result.path, result.sha256, result.rules_run, applicable,
                                        result.waivers, title, agreement_id, parties))
        report.findings.extend(result.findings)
        report.waived.extend(result.waived)


def streaming(fmt: str, extra_reports: list[tuple[str, str]], write_baseline: str | None) -> StreamFactory | None:
    """How the run's format is written as the run goes, when it can be: a format that can (text, GitHub, JSON lines),
    and no other report that needs every finding at the end (``--report``, ``--write-baseline``); else None."""
    from jointgov.reporters.report import streamer

    if extra_reports or write_baseline:
        return None
    if fmt == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):  # the job summary needs every finding
        return None
    return streamer(fmt)


def write_report(report: Report, fmt: str, output: str | None, out: TextIO, colour: str | bool | None,
                 extra_reports: list[tuple[str, str]], write_baseline: str | None,
                 recorded: frozenset[str] | None) -> None:
    """Record the new baseline and apply the one read, then write the report and every ``--report``: the files
    all or none (``jointgov.files.write_outputs``), then standard output; with ``--format github`` in GitHub
    Actions (``$GITHUB_STEP_SUMMARY`` set), append the summary to the job summary too."""
    from jointgov.reporters import baseline as baselines
    from jointgov.reporters.report import writer

    documents: list[tuple[str, str]] = []
    if write_baseline:
        documents.append((write_baseline, baselines.render(report)))
    if recorded is not None:
        baselines.apply(recorded, report)
    report.written = [path for path in [output, *(p for _, p in extra_reports)] if path]
    for path, chosen in ([(output, fmt)] if output else []) + [(p, f) for f, p in extra_reports]:
        stream = io.StringIO()
        writer(chosen)(report, stream, False)
        documents.append((path, stream.getvalue()))
    write_outputs(documents)
    if not output:
        writer(fmt)(report, out, fmt == "text" and use_colour(colour, out))
    step_summary(report, fmt, extra_reports)


def step_summary(report: Report, fmt: str, extra_reports: list[tuple[str, str]]) -> None:
    """With ``--format github`` in GitHub Actions (``$GITHUB_STEP_SUMMARY`` set), append the summary to the job
    summary too."""
    from jointgov.reporters.report import writer

    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and step_summary and all(p != step_summary for _, p in extra_reports):
        stream = io.StringIO()
        writer("summary")(report, stream, False)
        try:
            with open(step_summary, "a", encoding="utf-8") as job_summary:
                job_summary.write(stream.getvalue())
        except OSError as exc:
            raise ConfigError(f"$GITHUB_STEP_SUMMARY: cannot write {step_summary}: {exc.strerror or exc}") from exc
