"""``jointgov check PATH...``: check agreements (and the repository rules across them), then report.

Each file is read, parsed and judged once (``jointgov.pipeline.checker.open_agreement``), in one
per-file pass that also makes what the rest of the run needs from it: its entry for the
repository rules, and (``--simulate``) its stress scenarios, run on the same document in the same
process. That pass runs in worker processes (``jointgov.commands.workers``; many files are spread over
several), so that a rule engine that dies takes only its file with it; the output is the same whatever
their number. Outputs are checked before any work (``jointgov.files.check_outputs``) and written all or
none. The formats that can (text, GitHub, JSON lines: ``jointgov.reporters.report.Stream``) are written as the
run goes, each file's findings as soon as it and every file before it are checked, and not kept; ``--output``
then streams into its temporary file (``jointgov.files.streamed_output``).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from jointgov.commands.intake import Intake, step_summary, streaming, write_report
from jointgov.commands.workers import Lost, Pool, can_fork, in_process, usable_cores
from jointgov.config import settings, use_colour
from jointgov.files import (
    YAML_SUFFIXES,
    check_outputs,
    discover,
    excluded,
    find_registry,
    repository_root,
    streamed_output,
)
from jointgov.model import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    REPORT_FORMATS,
    SEVERITY_RANK,
    ConfigError,
    FileResult,
    Finding,
    Options,
    Skipped,
)

if TYPE_CHECKING:
    from jointgov.cache.run import RunCache
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
"""Several worker processes are started only from this many files on: one file, or a pre-commit run, pays
for one (each file is checked in a worker, so that an engine that dies takes only its file with it)."""
T = TypeVar("T")


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
    digest: str = ""
    """The SHA-256 of the bytes all this was made from (empty when the file could not be read whole)."""


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
                return Checked(None, why, digest=doc.sha256)
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
        checked.digest = doc.sha256
        return checked


def run(paths: Sequence[str], *, fmt: str | None = None, fail_on: str | None = None, as_of: str | None = None,
        select: Iterable[str] = (), ignore: Iterable[str] = (), rules_dirs: Sequence[str] = (),
        reports: Iterable[str] = (), output: str | None = None, config_path: str | None = None,
        baseline: str | None = None, write_baseline: str | None = None, jobs: int | None = None,
        out: TextIO | None = None, colour: str | bool | None = None, simulate: bool | None = None,
        scenario_dirs: Sequence[str] = (), registry: str | None = None, cache: bool = True) -> int:
    """Check agreements and report; return the exit status (``simulate`` adds the stress scenarios to the
    report; they do not change the exit status). A file whose check could not finish (the rule engine died)
    is named on stderr, the others are reported, and the status is 3. With *cache* (``jointgov.cache``), the
    results of files checked before with the same bytes, rules and options are taken from the results cache."""
    from jointgov.cache.run import RunCache
    from jointgov.pipeline.checker import Checker, prepare
    from jointgov.reporters import baseline as baselines
    from jointgov.reporters.report import Report, RuleInfo

    out = out or sys.stdout
    run_settings = settings(config_path, as_of=as_of, select=select, ignore=ignore, rules_dirs=rules_dirs, fmt=fmt,
                            fail_on=fail_on, jobs=jobs, baseline=baseline)
    options, config = run_settings.options, run_settings.config
    extra_reports = parse_reports(reports)
    files, left_out = discover(paths, config.exclude, config.base)
    registry = registry or find_registry(paths, repository_root())
    if registry and not os.path.isfile(registry):
        why = "not a regular file" if os.path.exists(registry) else "no such file"
        raise ConfigError(f"--registry: {registry}: {why}")
    if registry:  # the register is not an agreement
        files = [f for f in files if os.path.abspath(f) != os.path.abspath(registry)]
    if not files and not left_out:
        raise ConfigError("no agreement files (*.yaml, *.yml) found in " + ", ".join(paths))
    named = {os.path.normpath(p) for p in paths if not os.path.isdir(p)}
    outputs = [("--output", output)] if output else []
    outputs += [("--report", path) for _, path in extra_reports]
    inputs = [*files, registry, str(config.path or ""), *_data_files([*run_settings.rules_dirs, *scenario_dirs])]
    check_outputs([*outputs, *([("--write-baseline", write_baseline)] if write_baseline else [])], inputs)
    recorded = None
    if run_settings.baseline:  # read first: a broken baseline stops the run before the work (it may be refreshed)
        check_outputs(outputs, [run_settings.baseline])
        recorded = baselines.read(run_settings.baseline)
    catalogue = prepare(run_settings)
    checker = Checker(catalogue, options, register=False)  # registered below unless every result is cached
    report = Report(as_of=options.as_of.isoformat(), catalogue_digest=catalogue.digest,
                    root=str(repository_root()), fail_on=run_settings.fail_on)
    simulate = run_settings.simulate if simulate is None else simulate
    report.rules = [RuleInfo(r.id, r.name, checker.severity.get(r.id, r.severity), r.area, r.title, r.rationale,
                             r.remediation, r.evidence, r.checks, r.level)
                    for r in checker.active if simulate or r.level != "scenario"]
    across = bool(registry) or any(os.path.isdir(p) for p in paths)
    repository = _repository_checker(catalogue, checker) if across else None
    file_pass = FilePass(checker, repository, _simulator(options, scenario_dirs) if simulate else None,
                         (config.agreements, config.base))
    where = config.path.name if config.path else "the configuration"
    report.skipped = [Skipped(p, "excluded", f'exclude = ["{glob}"] in {where}', was_named)
                      for p, glob, was_named in left_out]
    entries: list[Entry] = []
    lost: list[Lost] = []
    stream = streaming(run_settings.fmt, extra_reports, write_baseline)
    with contextlib.ExitStack() as stack:
        sink, commit = None, None
        if stream is not None:  # each file's findings written as soon as it is checked, and let go
            target = out
            if output:  # into a temporary file, put in place at the end: all or none
                target, commit = stack.enter_context(streamed_output(output))
                report.written = [output]
            sink = stream(target, run_settings.fmt == "text" and not output and use_colour(colour, out))
        intake = Intake(report, sink, recorded)
        bar = sink is None or bool(output) or not out.isatty()  # findings on the terminal show the progress
        cached = RunCache.open(file_pass, catalogue.digest, files) if cache and config.cache else None
        if cached is not None:
            stack.callback(cached.close)  # whatever ends the run
        hits = cached.hits if cached is not None else {}
        if len(hits) < len(files):
            checker.register()  # before any work: a rule the engine refuses stops the run with exit 2
        results = _results([f for f in files if f not in hits], file_pass, run_settings.jobs)
        try:
            merged = _merged(files, cached, results, partial(_recheck, checker, file_pass))
            for path, checked in zip(files, _progress(files, merged, bar), strict=True):
                if isinstance(checked, Lost):
                    lost.append(checked)
                    continue
                if cached is not None and path not in cached.served:
                    cached.add(path, checked)
                if checked.result is None:
                    report.skipped.append(Skipped(path, "not-an-agreement", checked.skipped,
                                                  os.path.normpath(path) in named))
                    continue
                intake.add(checked.result)
                entries += [intake.entry(checked.entry)] if checked.entry is not None else []
                report.simulations += [checked.simulation] if checked.simulation is not None else []
        finally:
            results.close()  # stops the workers, also when the run is interrupted
            intake.memo.clear()
        if cached is not None:
            cached.store()
        if across:
            lost += _repository_pass(report, catalogue, registry, repository, entries, options, cached)
        report.findings.sort()
        report.waived.sort(key=lambda w: w.finding)
        report.skipped.sort(key=lambda s: s.path)
        if report.file_count() or report.skipped or not lost:  # nothing to report when the only file was lost
            if sink is None:
                write_report(report, run_settings.fmt, output, out, colour, extra_reports, write_baseline, recorded)
            else:
                if recorded is not None:
                    baselines.apply(recorded, report, intake.seen)
                sink.end(report)
                if commit is not None:
                    commit()
                step_summary(report, run_settings.fmt, extra_reports)
    if lost:
        _say_lost(lost, report.file_count())
        return EXIT_INTERNAL
    threshold = SEVERITY_RANK[run_settings.fail_on]
    counts = report.summary()
    failing = any(counts.get(severity, 0) for severity, rank in SEVERITY_RANK.items() if rank >= threshold)
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def _data_files(directories: Iterable[str]) -> list[str]:
    """The rule and scenario files of the run's extra directories (inputs too: no report may replace one)."""
    return [os.path.join(d, name) for d in directories if os.path.isdir(d)
            for name in sorted(os.listdir(d)) if name.endswith(YAML_SUFFIXES)]


def _say_lost(lost: list[Lost], reported: int) -> None:
    """Name each file whose check did not finish, on stderr (one line when it was the only one); say what the
    reports cover."""
    plea = "this is a bug in jointgov or its rule engine: please report it with the command you ran"
    if len(lost) == 1 and not reported:
        sys.stderr.write(f"jointgov: internal error: {lost[0].path}: {lost[0].reason}; no report was written: "
                         f"{plea}\n")
        return
    for item in lost:
        sys.stderr.write(f"jointgov: internal error: {item.path}: {item.reason}\n")
    cover = f"the report covers the other {reported} file{'s' * (reported != 1)}" if reported else "no report"
    sys.stderr.write(f"jointgov: {cover}; {plea}\n")


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


def _repository_pass(report: Report, catalogue: Catalogue, registry: str | None, repository: RepositoryChecker | None,
                     entries: list[Entry], options: Options, cached: RunCache | None = None) -> list[Lost]:
    """The register's own problems, and the repository rules (JG9xx) over the entries of the run's agreements: in
    a worker too, where the platform can fork (the rules run on the engine); what was lost, if it died. With
    *cached*, the outcome of an earlier run over the same register and agreements is used when there is one."""
    from jointgov.reporters.report import FileSummary
    from jointgov.repository.checker import registry_findings
    from jointgov.repository.register import read

    def work(_: str) -> tuple[FileSummary | None, list[Finding], dict[str, frozenset[str]]]:
        register = read(registry, options.limits) if registry else None
        summary, findings = None, []
        if register is not None:
            summary = FileSummary(register.path, register.sha256, not register.problems, title="Organisations register")
            findings = registry_findings(register, catalogue)
        applicable: dict[str, frozenset[str]] = {}
        if repository is not None:
            found, applicable = repository.check(entries, register, options.as_of)
            findings += found
        return summary, findings, applicable

    label = registry or "the rules across agreements"
    kept = cached.repository(registry, options.limits.max_bytes) if cached is not None else None
    if kept is None:
        [outcome] = _results([label], work, 1)
        if isinstance(outcome, Lost):
            return [outcome]
        if cached is not None:
            cached.store_repository(registry, outcome)
        kept = outcome
    summary, findings, applicable = kept
    if summary is not None:
        report.files.append(summary)
        report.register = summary.path
    report.findings.extend(findings)
    for file in report.files:
        file.applicable |= applicable.get(file.path, frozenset())
    return []


def _results(items: list[str], work: Callable[[str], T], jobs: int) -> Generator[T | Lost, None, None]:
    """Each item's outcome, in the order of *items*, from worker processes (``jointgov.commands.workers``):
    one for fewer than ``PARALLEL_FROM`` files, else *jobs* capped at the cores this process may use."""
    if not can_fork():
        yield from in_process(items, work)
        return
    count = 1 if len(items) < PARALLEL_FROM else min(jobs, usable_cores())
    pool = Pool(items, work)
    try:
        yield from pool.results(count)
    finally:
        pool.close()


def _progress(files: list[str], results: Iterator[Checked | Lost], shown: bool = True) -> Iterator[Checked | Lost]:
    """Pass results through, with a progress bar on stderr when it is a terminal, there are many files, and
    *shown*."""
    if not shown or len(files) < PROGRESS_FROM or not sys.stderr.isatty():
        yield from results
        return
    import click

    with click.progressbar(results, length=len(files), label="checking", file=sys.stderr, show_pos=True) as bar:
        yield from bar


def _merged(files: list[str], cached: RunCache | None, checked: Iterator[Checked | Lost],
            recheck: Callable[[str], Checked | Lost]) -> Iterator[Checked | Lost]:
    """Each file's outcome in the order of *files*: its cached result (read as its turn comes), else the next of
    *checked*; a cached result that cannot be used after all is checked again (*recheck*)."""
    for path in files:
        if cached is None or path not in cached.hits:
            yield next(checked)
            continue
        value = cached.take(path)
        yield Checked(*value) if value is not None else recheck(path)


def _recheck(checker: Checker, file_pass: FilePass, path: str) -> Checked | Lost:
    """Check the file at *path* in a worker of its own: its cached result turned out unusable."""
    checker.register()
    [outcome] = _results([path], file_pass, 1)
    return outcome
