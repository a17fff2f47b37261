"""The commands' logic, callable without click: ``run(...) -> int`` and friends.

Exit statuses: 0 clean, 1 findings at or above ``fail_on``, 2 usage or
configuration error, 3 internal error (the CLI maps unexpected exceptions to 3).
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import io
import json
import multiprocessing
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from jointgov.finding import SEVERITY_RANK, ConfigError
from jointgov.load import Limits
from jointgov.output import repository_root, write_atomic

if TYPE_CHECKING:
    from jointgov.catalogue import Catalogue
    from jointgov.checker import Checker, FileResult, Options
    from jointgov.config import Config
    from jointgov.reporters import Report

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
YAML_SUFFIXES = (".yaml", ".yml")


def _excluded(path: str, patterns: Sequence[str], base: Path) -> bool:
    """Whether *path* matches an exclude glob (relative to *base*, or anywhere for a bare name)."""
    if not patterns:
        return False
    absolute = Path(path).resolve()
    try:
        relative = absolute.relative_to(base.resolve()).as_posix()
    except ValueError:
        relative = absolute.as_posix()
    return any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(absolute.name, p) for p in patterns)


def discover(paths: Sequence[str], exclude: Sequence[str] = (), base: Path | None = None
             ) -> tuple[list[str], int]:
    """The files to check: files as given, directories searched for ``*.yaml``/``*.yml``.

    Directory walks do not follow symbolic links to directories (no loops),
    skip hidden directories, and leave out files matching *exclude* (named
    files too: pre-commit passes changed files one by one). The result is
    sorted and free of duplicates. Returns the files and how many were excluded.
    """
    found: list[str] = []
    for given in paths:
        if os.path.isdir(given):
            for root, dirs, files in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.join(root, f) for f in files if f.endswith(YAML_SUFFIXES))
        elif os.path.exists(given):
            found.append(given)
        else:
            raise ConfigError(f"{given}: no such file or directory")
    where = base or Path.cwd()
    unique = dict.fromkeys(os.path.normpath(p) for p in found)
    kept = sorted(p for p in unique if not _excluded(p, exclude, where))
    return kept, len(unique) - len(kept)


REGISTRY_NAME = "registry.yaml"
"""The organisations register: in a directory being checked, or at the repository root."""


def find_registry(paths: Sequence[str], root: Path) -> str | None:
    """The register a check uses when ``--registry`` is not given (looked up without importing it)."""
    for candidate in [*(Path(p) / REGISTRY_NAME for p in paths if os.path.isdir(p)), root / REGISTRY_NAME]:
        if candidate.is_file():
            return str(candidate)
    return None


def split_keys(values: Iterable[str]) -> frozenset[str]:
    """``--select JG101,JG102 --select name`` as one set."""
    return frozenset(k.strip() for v in values for k in v.split(",") if k.strip())


def parse_date(text: str | None) -> _dt.date:
    """``--as-of``: an ISO date, or today when absent."""
    if not text:
        return _dt.date.today()
    try:
        return _dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"--as-of: expected a date YYYY-MM-DD, got {text!r}") from exc


def parse_reports(values: Iterable[str]) -> list[tuple[str, str]]:
    """``--report sarif=out.sarif`` as (format, path) pairs."""
    from jointgov.reporters import FORMATS

    out = []
    for value in values:
        fmt, sep, path = value.partition("=")
        if not sep or not path or fmt not in FORMATS:
            raise ConfigError(f"--report: expected FORMAT=PATH with FORMAT one of {', '.join(FORMATS)}, got {value!r}")
        out.append((fmt, path))
    return out


def _check_overrides(catalogue: Catalogue, config: Config) -> None:
    for rule_id, values in config.parameters.items():
        rule = catalogue.by_key(rule_id)
        if rule is None:
            raise ConfigError(f"invalid config: {config.path}: parameters.{rule_id}: no such rule")
        for name in values:
            if name not in rule.parameters:
                known = ", ".join(rule.parameters) or "none"
                raise ConfigError(f"invalid config: {config.path}: parameters.{rule_id}.{name}: {rule.id} has no "
                                  f"parameter '{name}' (its parameters: {known})")


def run(paths: Sequence[str], *, fmt: str | None = None, fail_on: str | None = None, as_of: str | None = None,
        select: Iterable[str] = (), ignore: Iterable[str] = (), rules_dirs: Sequence[str] = (),
        reports: Iterable[str] = (), output: str | None = None, config_path: str | None = None,
        baseline: str | None = None, write_baseline: str | None = None, jobs: int | None = None,
        out: TextIO | None = None, colour: bool | None = None, simulate: bool = False,
        scenario_dirs: Sequence[str] = (), registry: str | None = None) -> int:
    """Check agreements and report; return the exit status (``simulate`` adds the stress scenarios to the
    report; they do not change the exit status)."""
    from jointgov import baseline as baseline_mod
    from jointgov.catalogue import load_catalogue
    from jointgov.checker import Checker, Options
    from jointgov.config import load
    from jointgov.reporters import FORMATS, FileSummary, Report, RuleInfo, writer

    out = out or sys.stdout
    config = load(config_path, FORMATS)
    fmt = fmt or config.format or "text"
    fail_on = fail_on or config.fail_on or "warning"
    extra_reports = parse_reports(reports)
    selected = split_keys(select) or frozenset(config.select)
    options = Options(as_of=parse_date(as_of), select=selected or None,
                      ignore=split_keys(ignore) | frozenset(config.ignore),
                      params=config.parameters, severity=config.severity, limits=Limits(**config.limits))
    if jobs is not None and jobs < 1:
        raise ConfigError(f"--jobs: expected a whole number above 0, got {jobs}")
    jobs = jobs or config.jobs or os.cpu_count() or 1
    files, excluded = discover(paths, config.exclude, config.base)
    registry = registry or find_registry(paths, repository_root())
    if registry and not os.path.isfile(registry):
        raise ConfigError(f"--registry: {registry}: no such file")
    if registry:  # the register is not an agreement
        files = [f for f in files if os.path.abspath(f) != os.path.abspath(registry)]
    if not files and not excluded:
        raise ConfigError("no agreement files (*.yaml, *.yml) found in " + ", ".join(paths))
    catalogue = load_catalogue([*config.rules, *rules_dirs])
    _check_overrides(catalogue, config)
    checker = Checker(catalogue, options)
    report = Report(as_of=options.as_of.isoformat(), catalogue_digest=catalogue.digest,
                    root=str(repository_root()))
    report.rules = [RuleInfo(r.id, r.name, checker.severity.get(r.id, r.severity), r.area, r.title, r.rationale,
                             r.remediation, r.evidence) for r in checker.active]
    for result in _progress(files, _results(files, checker, jobs)):
        title, agreement_id, parties = result.identity
        report.files.append(FileSummary(result.path, result.sha256, result.rules_run, result.applicable,
                                        result.waivers, title, agreement_id, parties))
        report.findings.extend(result.findings)
        report.waived.extend(result.waived)
    if registry or any(os.path.isdir(p) for p in paths):
        _repository_pass(report, checker, catalogue, files, registry, options)
    report.findings.sort()
    report.waived.sort(key=lambda w: w.finding)
    if simulate:
        from jointgov.simulating import simulate_files, simulator

        report.simulations = simulate_files(simulator(as_of, scenario_dirs, options.limits), files)
    if write_baseline:
        baseline_mod.write(write_baseline, report)
    baseline = baseline or config.baseline
    if baseline:
        baseline_mod.apply(baseline, report)
    if output:
        stream = io.StringIO()
        writer(fmt)(report, stream, False)
        write_atomic(output, stream.getvalue())
    else:
        if colour is None:
            colour = fmt == "text" and out.isatty() and not os.environ.get("NO_COLOR")
        writer(fmt)(report, out, colour)
    for extra_fmt, path in extra_reports:
        stream = io.StringIO()
        writer(extra_fmt)(report, stream, False)
        write_atomic(path, stream.getvalue())
    threshold = SEVERITY_RANK[fail_on]
    failing = any(SEVERITY_RANK[f.severity] >= threshold for f in report.findings)
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def _repository_pass(report: Report, checker: Checker, catalogue: Catalogue, files: list[str],
                     registry: str | None, options: Options) -> None:
    """The repository rules (JG9xx) over every agreement of the run and the register."""
    import hashlib

    from jointgov import registry as registry_mod
    from jointgov.reporters import FileSummary
    from jointgov.repository import Repository, RepositoryChecker, registry_findings

    repo = Repository(registry=registry_mod.read(registry, options.limits) if registry else None)
    if repo.registry is not None:
        try:
            digest = hashlib.sha256(Path(repo.registry.path).read_bytes()).hexdigest()
        except OSError:
            digest = ""
        report.files.append(FileSummary(repo.registry.path, digest, not repo.registry.problems,
                                        title="Organisations register"))
        report.findings.extend(registry_findings(repo.registry, catalogue))
    rules = [r for r in checker.active if r.level == "repository"]
    if not rules:
        return
    for path in files:
        try:
            repo.add(path, Path(path).read_bytes(), options.limits)
        except OSError:
            continue  # the check has reported it
    report.findings.extend(RepositoryChecker(catalogue, rules, options.params, checker.severity)
                           .check(repo, options.as_of))


PROGRESS_FROM = 20
"""A progress bar is shown on a terminal from this many files on."""
PARALLEL_FROM = 16
"""Worker processes are started only from this many files on: one file, or a pre-commit run, does
not pay for starting them."""
_WORKER: Checker | None = None


def _check_in_worker(path: str) -> FileResult:
    assert _WORKER is not None
    return _WORKER.check_file(path)


def _results(files: list[str], checker: Checker, jobs: int) -> Iterator[FileResult]:
    """Each file's result, in the order of *files*, from worker processes when there are many files.

    Workers are forked from this process after the ruleset is registered, so each has its own
    copy of the engine (its state is per process) and starts at once. Results stream back in
    order, so the output is the same whatever the number of workers.
    """
    global _WORKER
    if jobs <= 1 or len(files) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        for path in files:
            yield checker.check_file(path)
        return
    _WORKER = checker
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(files))) as pool:
            yield from pool.imap(_check_in_worker, files, chunksize=max(1, min(64, len(files) // (jobs * 8))))
    finally:
        _WORKER = None


def _progress(files: list[str], results: Iterator[FileResult]) -> Iterator[FileResult]:
    """Pass results through, with a progress bar on stderr when it is a terminal and there are many files."""
    if len(files) < PROGRESS_FROM or not sys.stderr.isatty():
        yield from results
        return
    import click

    with click.progressbar(results, length=len(files), label="checking", file=sys.stderr, show_pos=True) as bar:
        yield from bar


def rules_table(rules_dirs: Sequence[str] = (), out: TextIO | None = None, markdown: bool = False) -> int:
    """Print the catalogue as a table (id, name, severity, area, title), or as the Markdown reference."""
    from jointgov.catalogue import load_catalogue

    out = out or sys.stdout
    catalogue = load_catalogue(rules_dirs)
    if markdown:
        from jointgov.docs import rules_markdown

        out.write(rules_markdown(catalogue))
        return EXIT_CLEAN
    rules = catalogue.rules
    width = max(len(r.name) for r in rules)
    out.write(f"{'ID':<7} {'NAME':<{width}} {'SEVERITY':<8} {'AREA':<12} TITLE\n")
    for r in rules:
        out.write(f"{r.id:<7} {r.name:<{width}} {r.severity:<8} {r.area:<12} {r.title}\n")
    return EXIT_CLEAN


def explain(key: str, rules_dirs: Sequence[str] = (), out: TextIO | None = None) -> int:
    """Print one rule: rationale, evidence, remediation and its examples."""
    from jointgov.catalogue import load_catalogue

    out = out or sys.stdout
    catalogue = load_catalogue(rules_dirs)
    rule = catalogue.by_key(key) or catalogue.by_key(key.upper())
    if rule is None:
        raise ConfigError(f"unknown rule '{key}' (see 'jointgov rules')")
    out.write(f"{rule.id} {rule.name} ({rule.severity}, {rule.area})\n{rule.title}\n\n")
    out.write(f"Why:\n  {rule.rationale}\n\n")
    if rule.evidence:
        out.write("Evidence:\n")
        from jointgov.sources import evidence_text

        for item in rule.evidence:
            out.write(f"  - {evidence_text(item)}\n")
        out.write("\n")
    out.write(f"Fix:\n  {rule.remediation}\n")
    if rule.parameters:
        out.write("\nParameters: " + ", ".join(f"{k} = {v}" for k, v in rule.parameters.items()) + "\n")
    for kind in ("fail", "pass"):
        for example in rule.examples.get(kind, []):
            title = example.get("name", "")
            where = "".join(f" {line}:{col}" for line, col in example.get("expect", []))
            label = "Fails" if kind == "fail" else "Passes"
            out.write(f"\n{label}{': ' + title if title else ''}{(' (fires at' + where + ')') if where else ''}\n")
            for n, line in enumerate(example["agreement"].rstrip("\n").split("\n"), 1):
                out.write(f"  {n:>3} | {line}\n")
    return EXIT_CLEAN


def print_schema(out: TextIO | None = None, registry: bool = False) -> int:
    """Print the agreement format's JSON Schema (or the organisations register's)."""
    from jointgov import registry as registry_mod
    from jointgov.validate import agreement_schema

    out = out or sys.stdout
    json.dump(registry_mod.schema() if registry else agreement_schema(), out, indent=2, ensure_ascii=False)
    out.write("\n")
    return EXIT_CLEAN


def print_facts(path: str, as_of: str | None = None, out: TextIO | None = None) -> int:
    """Print the facts the rules see for one agreement, as JSON (exit 1 if it cannot be read)."""
    from jointgov.facts import build
    from jointgov.load import read_file
    from jointgov.validate import check_form

    out = out or sys.stdout
    if not Path(path).is_file():
        raise ConfigError(f"{path}: no such file")
    loaded = read_file(path)
    problems = list(loaded.problems)
    sound = False
    if not problems:
        form, sound = check_form(loaded)
        problems.extend(form)
    if not sound:
        for rule, line, col, message, _ in problems:
            sys.stderr.write(f"{path}:{line}:{col}: {rule}: {message}\n")
        sys.stderr.write("the file must match the format before its facts can be shown\n")
        return EXIT_FINDINGS
    json.dump(build(loaded.data, parse_date(as_of)), out, indent=2, ensure_ascii=False)
    out.write("\n")
    return EXIT_CLEAN


def test_rules(directory: str | None = None, select: Iterable[str] = (), out: TextIO | None = None) -> int:
    """Run the inline examples of the rules (of *directory*, or the built-in ones)."""
    from jointgov.catalogue import load_catalogue
    from jointgov.examples import run_examples

    out = out or sys.stdout
    catalogue = load_catalogue([directory] if directory else [])
    keys = split_keys(select)
    wanted = [r for r in catalogue.rules if (directory is None or Path(r.path).parent == Path(directory))
              and (not keys or r.id in keys or r.name in keys)]
    results = run_examples(catalogue, wanted)
    failed = [r for r in results if not r.ok]
    for result in results:
        out.write(f"{'ok  ' if result.ok else 'FAIL'} {result.rule_id} {result.label}"
                  f"{'' if result.ok else ': ' + result.detail}\n")
    out.write(f"{len(results) - len(failed)} passed, {len(failed)} failed\n")
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def init_agreement(path: str, force: bool = False, title: str | None = None, out: TextIO | None = None) -> int:
    """Write a new agreement skeleton to *path*: every section of the format, with guidance comments.

    An existing file is left untouched unless *force* is true (a ConfigError: exit 2). The file is
    written atomically. Prints the path written and the command that checks it.
    """
    import shlex

    from jointgov.skeleton import DEFAULT_TITLE, render

    out = out or sys.stdout
    target = Path(path)
    if target.is_dir():
        raise ConfigError(f"{path} is a directory: give the path of the agreement file to write")
    if target.exists() and not force:
        raise ConfigError(f"{path} already exists: not overwritten (use --force to replace it)")
    try:
        text = render(DEFAULT_TITLE if title is None else title)
    except ValueError as exc:
        raise ConfigError(f"--title: {exc}") from exc
    try:
        write_atomic(target, text, overwrite=force)
    except FileExistsError as exc:  # created meanwhile by someone else
        raise ConfigError(f"{path} already exists: not overwritten (use --force to replace it)") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    out.write(f"wrote {path}\n")
    out.write(f"fill it in, then run: jointgov check {shlex.quote(path)}\n")
    return EXIT_CLEAN
