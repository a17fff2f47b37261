"""The command line: click only, over ``jointgov.commands`` (one module per command, each ``run(...) -> int``).

The options the commands share are defined once below, and every choice comes from the tables of
``jointgov.model``. Imports are deferred to the commands so that ``jointgov check one.yaml`` in a
pre-commit hook loads only what it uses.
"""

from __future__ import annotations

import atexit
import gc
import sys
from collections.abc import Callable
from typing import Any

import click

from jointgov import __version__
from jointgov.model import (
    CATALOGUE_FORMATS,
    DIFF_FORMATS,
    EXIT_INTERNAL,
    EXIT_USAGE,
    FAIL_ON,
    REPORT_FORMATS,
    SIMULATE_FORMATS,
    VERDICT_FAIL_ON,
    ConfigError,
)

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


EXIT_INTERRUPTED = 130
"""The status of a run stopped by ^C (SIGINT), as shells report it: 128 + the signal's number."""


def _guarded(action: Callable[[], int]) -> None:
    """Run *action* and exit with its status; configuration errors exit 2, anything unexpected 3, ^C 130.

    Messages are one line each, with control characters escaped (a file name cannot move the cursor)."""
    try:
        status = action()
    except ConfigError as exc:
        click.echo(f"jointgov: {_line(str(exc))}", err=True)
        sys.exit(EXIT_USAGE)
    except BrokenPipeError:  # the reader went away (``| head``): not an internal error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except KeyboardInterrupt:  # no report, or every report (jointgov.files.write_all): never some of them
        click.echo("jointgov: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except SystemExit:
        raise
    except Exception as exc:  # an internal error: say so plainly, exit 3
        click.echo(f"jointgov: internal error: {exc.__class__.__name__}: {_line(str(exc))}", err=True)
        click.echo("this is a bug in jointgov: please report it with the command you ran", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(status)


def _line(text: str) -> str:
    """*text* on one line, its control characters escaped (``\\x1b``, ``\\n``)."""
    from jointgov.reporters.report import printable

    return printable(text)


def _format(choices: tuple[str, ...], default: str | None, help: str | None = None) -> Decorator:
    return click.option("--format", "fmt", type=click.Choice(choices), default=default,
                        show_default=default is not None, help=help)


_paths = click.argument("paths", nargs=-1, required=True, type=click.Path())
_output = click.option("--output", "-o", metavar="FILE",
                       help="Write the output to FILE (atomically) instead of stdout.")
_config = click.option("--config", "config_path", metavar="FILE", help="A jointgov.toml or pyproject.toml "
                       "(default: found upward from the working directory).")
_rules_dirs = click.option("--rules", "rules_dirs", multiple=True, type=click.Path(file_okay=False),
                           help="An extra directory of rule files.")
_colour = click.option("--color", "colour", type=click.Choice(("auto", "always", "never")), default="auto",
                       show_default=True, help="Colour the text output: auto is on a terminal only, and never when "
                       "NO_COLOR is set; always also in CI logs.")
_select = click.option("--select", multiple=True, metavar="RULES",
                       help="Only these rules (ids or names, comma-separated).")


def _as_of(what: str = "Date the agreement is judged at") -> Decorator:
    return click.option("--as-of", metavar="DATE", help=f"{what} (default: today).")


def _scenario_dirs(help: str) -> Decorator:
    return click.option("--scenarios", "scenario_dirs", multiple=True, type=click.Path(file_okay=False), help=help)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jointgov")
def main() -> None:
    """Check joint-governance partnership agreements written in YAML."""


@main.command(short_help="Check agreements: files, or directories of *.yaml and *.yml files.")
@_paths
@_format(REPORT_FORMATS, None, "Output format (default: text, or the config's).")
@_output
@click.option("--report", "reports", multiple=True, metavar="FORMAT=FILE",
              help="Also write a report, e.g. --report sarif=out.sarif --report html=report.html.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Exit 1 when a finding is at or above this severity (default: warning).")
@_as_of()
@_select
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these rules (ids or names, comma-separated).")
@_rules_dirs
@_config
@click.option("--baseline", metavar="FILE", help="Report only findings not recorded in this baseline.")
@click.option("--write-baseline", metavar="FILE", help="Record the current findings as a baseline.")
@click.option("--jobs", "-j", type=int, default=None, metavar="N",
              help="Worker processes for 16 files or more (default, and at most: the number of cores).")
@click.option("--simulate/--no-simulate", default=None,
              help="Follow each agreement through the stress scenarios too (jointgov simulate): a verdict other "
              "than resolved-jointly is a finding (JG951-JG954) that counts towards the exit status; the "
              "verdicts and worst-case days are in every report. Default: the configuration's simulate, else off.")
@_scenario_dirs("With --simulate: an extra directory of scenario files.")
@click.option("--registry", metavar="FILE", help="The organisations register (default: registry.yaml in a directory "
              "being checked, or at the repository root).")
@click.option("--no-cache", "no_cache", is_flag=True, default=False,
              help="Check every file again: neither use nor keep results in the results cache.")
@_colour
def check(paths: tuple[str, ...], fmt: str | None, output: str | None, reports: tuple[str, ...],
          fail_on: str | None, as_of: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
          rules_dirs: tuple[str, ...], config_path: str | None, baseline: str | None,
          write_baseline: str | None, jobs: int | None, simulate: bool | None, scenario_dirs: tuple[str, ...],
          registry: str | None, no_cache: bool, colour: str) -> None:
    """Check agreement files, or directories of *.yaml / *.yml files."""
    gc.disable()  # start-up (imports, the catalogue, the ruleset) makes no garbage: the file pass collects again
    atexit.register(gc.freeze)  # nor does the end: the interpreter's last collection need not walk all (~10 ms)
    try:
        from jointgov.commands import check as command

        _guarded(lambda: command.run(paths, fmt=fmt, fail_on=fail_on, as_of=as_of, select=select, ignore=ignore,
                                     rules_dirs=rules_dirs, reports=reports, output=output, config_path=config_path,
                                     baseline=baseline, write_baseline=write_baseline, jobs=jobs, simulate=simulate,
                                     scenario_dirs=scenario_dirs, registry=registry, colour=colour,
                                     cache=not no_cache))
    finally:
        gc.enable()


@main.command(short_help="Follow agreements through the stress scenarios.")
@_paths
@click.option("--scenario", "names", multiple=True, metavar="NAME",
              help="Run only this scenario (repeatable; default: all).")
@click.option("--party", metavar="ID", help="Simulate for this party only (scenarios about a party).")
@click.option("--post", metavar="ID", help="Simulate for this joint post only (scenarios about a post).")
@_format(SIMULATE_FORMATS, "text")
@_output
@click.option("--fail-on", type=click.Choice(VERDICT_FAIL_ON), default="undefined", show_default=True,
              help="Exit 1 when a scenario's verdict is this or worse (unilateral > deadlock > unbounded > "
                   "undefined).")
@_as_of()
@_scenario_dirs("An extra directory of scenario files.")
@_config
@_colour
def simulate(paths: tuple[str, ...], names: tuple[str, ...], party: str | None, post: str | None, fmt: str,
             output: str | None, fail_on: str, as_of: str | None, scenario_dirs: tuple[str, ...],
             config_path: str | None, colour: str) -> None:
    """Follow agreements through the stress scenarios (rating downgrade, reorganisation, ...)."""
    from jointgov.commands import simulate as command

    _guarded(lambda: command.run(paths, names=names, party=party, post=post, fmt=fmt, fail_on=fail_on,
                                 as_of=as_of, scenario_dirs=scenario_dirs, output=output, config_path=config_path,
                                 colour=colour))


@main.command("diff", short_help="Compare versions of agreements: what weakens or strengthens them.")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--git", "rev", metavar="REV", help="Compare each changed agreement (under PATH..., default: the "
              "whole repository) with its version at git revision REV.")
@_format(DIFF_FORMATS, "text", "markdown: for a pull-request comment.")
@_output
@click.option("--fail-on-weakening", is_flag=True, help="Exit 1 when a change weakens an agreement (or a changed "
              "agreement cannot be read).")
@_as_of("Date both versions are checked at, for the findings")
@_config
def diff(paths: tuple[str, ...], rev: str | None, fmt: str, output: str | None, fail_on_weakening: bool,
         as_of: str | None, config_path: str | None) -> None:
    """Governance diff: jointgov diff OLD NEW, or jointgov diff --git REV [PATH...].

    Lists the governance-relevant changes, each marked weakens, strengthens or changes, and the
    findings they introduce and resolve.
    """
    from jointgov.commands import diff as command

    _guarded(lambda: command.run(paths, rev=rev, fmt=fmt, output=output, fail_on_weakening=fail_on_weakening,
                                 as_of=as_of, config_path=config_path))


@main.group(invoke_without_command=True)
@_rules_dirs
@_format(CATALOGUE_FORMATS, "table", "A table, or the Markdown reference (docs/rules.md).")
@click.pass_context
def rules(ctx: click.Context, rules_dirs: tuple[str, ...], fmt: str) -> None:
    """List the rule catalogue (or: rules test)."""
    if ctx.invoked_subcommand is None:
        from jointgov.commands import rules as command

        _guarded(lambda: command.run(rules_dirs, markdown=fmt == "markdown"))


@rules.command("test")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@_select
def rules_test(directory: str | None, select: tuple[str, ...]) -> None:
    """Run the inline examples of the rules in DIRECTORY (default: the built-in rules)."""
    from jointgov.commands import rules_test as command

    _guarded(lambda: command.run(directory, select))


@main.command()
@click.argument("rule")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(file_okay=False),
              help="An extra directory of rule files, whose rules can be explained too.")
def explain(rule: str, rules_dirs: tuple[str, ...]) -> None:
    """Explain one rule (by id or name): why, evidence, fix, examples."""
    from jointgov.commands import explain as command

    _guarded(lambda: command.run(rule, rules_dirs))


@main.command()
@click.option("--registry", is_flag=True, help="The schema of the organisations register (registry.yaml) instead.")
def schema(registry: bool) -> None:
    """Print the JSON Schema of the agreement format (for editors)."""
    from jointgov.commands import schema as command

    _guarded(lambda: command.run(registry=registry))


class _FactsCommand(click.Command):
    """``jointgov facts``, whose help lists the derived fields (imported only when the help is shown)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The derived fields of the facts and what each means, after the options."""
        from jointgov.pipeline.facts import DERIVED

        with formatter.section("Derived fields"):
            formatter.write_dl(list(DERIVED.items()))


@main.command(cls=_FactsCommand, short_help="Print the facts the rules match for one agreement, as JSON.")
@click.argument("path", type=click.Path())
@_as_of("Date used for derived fields")
def facts(path: str, as_of: str | None) -> None:
    """Print the facts the rules match against for one agreement, as JSON."""
    from jointgov.commands import facts as command

    _guarded(lambda: command.run(path, as_of))


@main.command(short_help="Write a new agreement skeleton with every section to fill in.")
@click.argument("path", required=False, default="agreement.yaml", type=click.Path())
@click.option("--title", default="New partnership agreement", show_default=True, help="The agreement's title.")
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init(path: str, title: str, force: bool) -> None:
    """Write a new agreement skeleton to PATH (default: agreement.yaml), with every section to fill in."""
    from jointgov.commands import init as command

    _guarded(lambda: command.run(path, force, title=title))


@main.command(short_help="Run the language server for editors (pip install 'jointgov[lsp]').")
@_as_of("Date every open agreement is judged at")
@_rules_dirs
@click.option("--config", "config_path", metavar="FILE", help="A jointgov.toml or pyproject.toml for every file "
              "(default: each file's own, found upward from its folder, as check run there finds it).")
@click.option("--debounce", "debounce_ms", type=click.IntRange(0, 10_000), default=None, metavar="MS",
              help="Check a file once it has stayed unchanged this long (default: 50 ms).")
def lsp(as_of: str | None, rules_dirs: tuple[str, ...], config_path: str | None, debounce_ms: int | None) -> None:
    """Run the language server over stdio, for editors (needs: pip install 'jointgov[lsp]').

    Every finding of check as you type, hover, completion of ids, go to definition, find references and
    quick fixes. The client's initializationOptions (asOf, rules, config, debounceMs) override these options.
    """
    from jointgov.commands import lsp as command

    _guarded(lambda: command.run(as_of, rules_dirs, config_path, debounce_ms))
