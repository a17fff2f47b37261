"""``jointgov check PATH...``: check agreements (and the repository rules across them), then report.

Each file is read, parsed and judged once (``jointgov.pipeline.checker.open_agreement``), in one
per-file pass that also makes what the rest of the run needs from it: its entry for the
repository rules, and (``--simulate``) its stress scenarios, run on the same document in the same
process. Many files are spread over worker processes; the output is the same whatever their number.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from jointgov.config import settings, use_colour
from jointgov.files import discover, excluded, find_registry, repository_root, write_atomic
from jointgov.model import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    REPORT_FORMATS,
    SEVERITY_RANK,
    ConfigError,
    FileResult,
    Options,
    Skipped,
)

if TYPE_CHECKING:
    from jointgov.pipeline.catalogue import Catalogue
    from jointgov.pipeline.checker import Checker
    from jointgov.reporters.report import Report
    from jointgov.repository.checker import RepositoryChecker
    from jointgov.repository.facts import Entry
    from jointgov.simulation.machine import Simulator
    from jointgov.simulation.results import FileSimulation

PROGRESS_FROM = 20
"""A progress bar is shown on a terminal from this many files on."""
PARALLEL_FROM = 16
"""Worker processes are started only from this many files on: one file, or a pre-commit run, does
not pay for starting them."""


def parse_reports(values: Iterable[str]) -> list[tuple[str, str]]:
    """``--report sarif=out.sarif`` as (format, path) pairs."""
    out = []
    for value in values:
        fmt, sep, path = value.partition("=")
        if not sep or not path or fmt not in REPORT_FORMATS:
            raise ConfigError(f"--report: expected FORMAT=PATH with FORMAT one of {', '.join(REPORT_FORMATS)}, "
                              f"got {value!r}")
        out.append((fmt, path))
    return out


@dataclass
class Checked:
    """What the per-file pass gives for one file."""

    result: FileResult | None
    """None when the file is not an agreement (``skipped`` says why)."""
    skipped: str = ""
    entry: Entry | None = None
    """Its entry for the repository rules (a sound agreement, when they run)."""
    simulation: FileSimulation | None = None
    """Its stress scenarios (``--simulate``)."""


class FilePass:
    """Reads each file once and gives everything the run needs from it (picklable results, for workers)."""

    def __init__(self, checker: Checker, repository: RepositoryChecker | None = None,
                 simulator: Simulator | None = None, agreements: tuple[Sequence[str], Path] | None = None) -> None:
        """Check with *checker*; make repository entries for *repository*; simulate with *simulator*; the files
        matching *agreements* (the configuration's globs, and the directory they are relative to) are agreements
        whatever they hold, and any other that is not one is skipped."""
        self.checker = checker
        self.agreements = agreements
        self.suffixes = repository.suffixes() if repository is not None else None
        self.simulator = simulator

    def __call__(self, path: str) -> Checked:
        """Read, parse and judge the file at *path* once, then check it, and so on."""
        from jointgov.pipeline.checker import not_an_agreement, open_agreement

        options = self.checker.options
        doc = open_agreement(path, options.limits)
        if self.agreements is None or not excluded(path, *self.agreements):
            why = not_an_agreement(doc)
            if why:
                return Checked(None, why)
        if self.simulator is None:
            checked = Checked(self.checker.check_document(doc))
        else:  # the scenarios' verdicts are findings too, judged (and waived) with the rules'
            from jointgov.simulation.findings import scenario_findings

            simulation = self.simulator.simulate_document(doc)
            rules = [r for r in self.checker.active if r.level == "scenario"]
            extra = scenario_findings(simulation, rules, self.checker.severity)
            checked = Checked(self.checker.check_document(doc, extra, [r.id for r in rules]), simulation=simulation)
        if self.suffixes is not None and doc.sound:
            from jointgov.repository.facts import entry

            checked.entry = entry(doc, options.as_of, self.suffixes)
        return checked


def run(paths: Sequence[str], *, fmt: str | None = None, fail_on: str | None = None, as_of: str | None = None,
        select: Iterable[str] = (), ignore: Iterable[str] = (), rules_dirs: Sequence[str] = (),
        reports: Iterable[str] = (), output: str | None = None, config_path: str | None = None,
        baseline: str | None = None, write_baseline: str | None = None, jobs: int | None = None,
        out: TextIO | None = None, colour: str | bool | None = None, simulate: bool | None = None,
        scenario_dirs: Sequence[str] = (), registry: str | None = None) -> int:
    """Check agreements and report; return the exit status (``simulate`` adds the stress scenarios to the
    report; they do not change the exit status)."""
    from jointgov.pipeline.checker import Checker, prepare
    from jointgov.reporters.report import Report, RuleInfo

    out = out or sys.stdout
    run_settings = settings(config_path, as_of=as_of, select=select, ignore=ignore, rules_dirs=rules_dirs, fmt=fmt,
                            fail_on=fail_on, jobs=jobs, baseline=baseline)
    options, config = run_settings.options, run_settings.config
    extra_reports = parse_reports(reports)
    files, left_out = discover(paths, config.exclude, config.base)
    registry = registry or find_registry(paths, repository_root())
    if registry and not os.path.isfile(registry):
        raise ConfigError(f"--registry: {registry}: no such file")
    if registry:  # the register is not an agreement
        files = [f for f in files if os.path.abspath(f) != os.path.abspath(registry)]
    if not files and not left_out:
        raise ConfigError("no agreement files (*.yaml, *.yml) found in " + ", ".join(paths))
    named = {os.path.normpath(p) for p in paths if not os.path.isdir(p)}
    catalogue = prepare(run_settings)
    checker = Checker(catalogue, options)
    report = Report(as_of=options.as_of.isoformat(), catalogue_digest=catalogue.digest,
                    root=str(repository_root()), fail_on=run_settings.fail_on)
    simulate = run_settings.simulate if simulate is None else simulate
    report.rules = [RuleInfo(r.id, r.name, checker.severity.get(r.id, r.severity), r.area, r.title, r.rationale,
                             r.remediation, r.evidence, r.checks)
                    for r in checker.active if simulate or r.level != "scenario"]
    across = bool(registry) or any(os.path.isdir(p) for p in paths)
    repository = _repository_checker(catalogue, checker) if across else None
    file_pass = FilePass(checker, repository, _simulator(options, scenario_dirs) if simulate else None,
                         (config.agreements, config.base))
    where = config.path.name if config.path else "the configuration"
    report.skipped = [Skipped(p, "excluded", f'exclude = ["{glob}"] in {where}', was_named)
                      for p, glob, was_named in left_out]
    entries: list[Entry] = []
    for path, checked in zip(files, _progress(files, _results(files, file_pass, run_settings.jobs)), strict=True):
        if checked.result is None:
            report.skipped.append(Skipped(path, "not-an-agreement", checked.skipped, os.path.normpath(path) in named))
            continue
        _add(report, checked.result)
        entries += [checked.entry] if checked.entry is not None else []
        report.simulations += [checked.simulation] if checked.simulation is not None else []
    if across:
        _repository_pass(report, catalogue, registry, repository, entries, options)
    report.findings.sort()
    report.waived.sort(key=lambda w: w.finding)
    report.skipped.sort(key=lambda s: s.path)
    _write(report, run_settings.fmt, output, out, colour, extra_reports, write_baseline, run_settings.baseline)
    threshold = SEVERITY_RANK[run_settings.fail_on]
    failing = any(SEVERITY_RANK[f.severity] >= threshold for f in report.findings)
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def _add(report: Report, result: FileResult) -> None:
    """One file's result in the report."""
    from jointgov.reporters.report import FileSummary

    title, agreement_id, parties = result.identity
    report.files.append(FileSummary(result.path, result.sha256, result.rules_run, result.applicable,
                                    result.waivers, title, agreement_id, parties))
    report.findings.extend(result.findings)
    report.waived.extend(result.waived)


def _write(report: Report, fmt: str, output: str | None, out: TextIO, colour: str | bool | None,
           extra_reports: list[tuple[str, str]], write_baseline: str | None, baseline: str | None) -> None:
    """Record and apply the baselines, then write the report and every ``--report``; with ``--format github`` in
    GitHub Actions (``$GITHUB_STEP_SUMMARY`` set), append the summary to the job summary too."""
    from jointgov.reporters import baseline as baselines
    from jointgov.reporters.report import writer

    if write_baseline:
        baselines.write(write_baseline, report)
    if baseline:
        baselines.apply(baseline, report)
    report.written = [path for path in [output, *(p for _, p in extra_reports)] if path]
    if output:
        stream = io.StringIO()
        writer(fmt)(report, stream, False)
        write_atomic(output, stream.getvalue())
    else:
        writer(fmt)(report, out, fmt == "text" and use_colour(colour, out))
    for extra_fmt, path in extra_reports:
        stream = io.StringIO()
        writer(extra_fmt)(report, stream, False)
        write_atomic(path, stream.getvalue())
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and step_summary and all(p != step_summary for _, p in extra_reports):
        stream = io.StringIO()
        writer("summary")(report, stream, False)
        try:
            with open(step_summary, "a", encoding="utf-8") as job_summary:
                job_summary.write(stream.getvalue())
        except OSError as exc:
            raise ConfigError(f"$GITHUB_STEP_SUMMARY: cannot write {step_summary}: {exc.strerror or exc}") from exc


def _simulator(options: Options, scenario_dirs: Sequence[str]) -> Simulator:
    from jointgov.simulation.machine import Simulator
    from jointgov.simulation.scenarios import load_scenarios

    return Simulator(load_scenarios(scenario_dirs), options.as_of, options.limits)


def _repository_checker(catalogue: Catalogue, checker: Checker) -> RepositoryChecker | None:
    """The repository rules of the run, compiled (None when none is active)."""
    rules = [r for r in checker.active if r.level == "repository"]
    if not rules:
        return None
    from jointgov.repository.checker import RepositoryChecker

    return RepositoryChecker(catalogue, rules, checker.options.params, checker.severity)


def _repository_pass(report: Report, catalogue: Catalogue, registry: str | None,
                     repository: RepositoryChecker | None, entries: list[Entry], options: Options) -> None:
    """The register's own problems, and the repository rules (JG9xx) over the entries of the run's agreements."""
    from jointgov.reporters.report import FileSummary
    from jointgov.repository.checker import registry_findings
    from jointgov.repository.register import read

    register = read(registry, options.limits) if registry else None
    if register is not None:
        report.files.append(FileSummary(register.path, register.sha256, not register.problems,
                                        title="Organisations register"))
        report.findings.extend(registry_findings(register, catalogue))
    if repository is not None:
        findings, applicable = repository.check(entries, register, options.as_of)
        report.findings.extend(findings)
        for summary in report.files:
            summary.applicable |= applicable.get(summary.path, frozenset())


_WORKER: FilePass | None = None


def _in_worker(path: str) -> Checked:
    assert _WORKER is not None
    return _WORKER(path)


def _results(files: list[str], file_pass: FilePass, jobs: int) -> Iterator[Checked]:
    """Each file's outcome, in the order of *files*, from worker processes when there are many files.

    Workers are forked from this process after the rulesets are registered, so each has its own
    copy of the engine (its state is per process) and starts at once. Results stream back in
    order, so the output is the same whatever the number of workers.
    """
    global _WORKER
    if jobs <= 1 or len(files) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        for path in files:
            yield file_pass(path)
        return
    _WORKER = file_pass
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(files))) as pool:
            yield from pool.imap(_in_worker, files, chunksize=max(1, min(64, len(files) // (jobs * 8))))
    finally:
        _WORKER = None


def _progress(files: list[str], results: Iterator[Checked]) -> Iterator[Checked]:
    """Pass results through, with a progress bar on stderr when it is a terminal and there are many files."""
    if len(files) < PROGRESS_FROM or not sys.stderr.isatty():
        yield from results
        return
    import click

    with click.progressbar(results, length=len(files), label="checking", file=sys.stderr, show_pos=True) as bar:
        yield from bar
