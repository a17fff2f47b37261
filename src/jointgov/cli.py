"""The command line: a thin click layer over ``jointgov.app``.

Imports are deferred to the commands so that ``jointgov check one.yaml`` in a
pre-commit hook loads only what it uses.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from jointgov import __version__

_FAIL_ON = click.Choice(["error", "warning", "info", "never"])


def _guarded(action: Callable[[], int]) -> None:
    """Run *action* and exit with its status; configuration errors exit 2, anything unexpected 3."""
    from jointgov.model import ConfigError

    try:
        status = action()
    except ConfigError as exc:
        click.echo(f"jointgov: {exc}", err=True)
        sys.exit(2)
    except BrokenPipeError:  # the reader went away (``| head``): not an internal error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # an internal error: say so plainly, exit 3
        click.echo(f"jointgov: internal error: {exc.__class__.__name__}: {exc}", err=True)
        click.echo("please report it with the file that caused it", err=True)
        sys.exit(3)
    sys.exit(status)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jointgov")
def main() -> None:
    """Check joint-governance partnership agreements written in YAML."""


_FORMATS = click.Choice(["text", "json", "sarif", "junit", "github", "markdown", "html"])


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=_FORMATS, default=None, help="Output format (default: text, or the config's).")
@click.option("--output", "-o", metavar="FILE", help="Write the output to FILE (atomically) instead of stdout.")
@click.option("--report", "reports", multiple=True, metavar="FORMAT=FILE",
              help="Also write a report, e.g. --report sarif=out.sarif --report html=report.html.")
@click.option("--fail-on", type=_FAIL_ON, default=None,
              help="Exit 1 when a finding is at or above this severity (default: warning).")
@click.option("--as-of", metavar="DATE", help="Date the agreement is judged at (default: today).")
@click.option("--select", multiple=True, metavar="RULES", help="Only these rules (ids or names, comma-separated).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these rules (ids or names, comma-separated).")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(file_okay=False),
              help="An extra directory of rule files.")
@click.option("--config", "config_path", metavar="FILE", help="A jointgov.toml or pyproject.toml (default: found "
              "upward from the working directory).")
@click.option("--baseline", metavar="FILE", help="Report only findings not recorded in this baseline.")
@click.option("--write-baseline", metavar="FILE", help="Record the current findings as a baseline.")
@click.option("--jobs", "-j", type=int, default=None, metavar="N",
              help="Worker processes for many files (default: the number of cores; 1: none).")
@click.option("--simulate", is_flag=True, help="Add the stress scenarios (jointgov simulate) to the report: "
              "verdicts and worst-case days in the JSON, Markdown, HTML and text output.")
@click.option("--scenarios", "scenario_dirs", multiple=True, type=click.Path(file_okay=False),
              help="With --simulate: an extra directory of scenario files.")
@click.option("--registry", metavar="FILE", help="The organisations register (default: registry.yaml in a directory "
              "being checked, or at the repository root).")
def check(paths: tuple[str, ...], fmt: str | None, output: str | None, reports: tuple[str, ...],
          fail_on: str | None, as_of: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
          rules_dirs: tuple[str, ...], config_path: str | None, baseline: str | None,
          write_baseline: str | None, jobs: int | None, simulate: bool, scenario_dirs: tuple[str, ...],
          registry: str | None) -> None:
    """Check agreement files, or directories of *.yaml / *.yml files."""
    from jointgov.commands.check import run

    _guarded(lambda: run(paths, fmt=fmt, fail_on=fail_on, as_of=as_of, select=select, ignore=ignore,
                         rules_dirs=rules_dirs, reports=reports, output=output, config_path=config_path,
                         baseline=baseline, write_baseline=write_baseline, jobs=jobs, simulate=simulate,
                         scenario_dirs=scenario_dirs, registry=registry))


_VERDICT_FAIL = click.Choice(["undefined", "unbounded", "deadlock", "unilateral", "never"])


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--scenario", "names", multiple=True, metavar="NAME",
              help="Run only this scenario (repeatable; default: all).")
@click.option("--party", metavar="ID", help="Simulate for this party only (scenarios about a party).")
@click.option("--post", metavar="ID", help="Simulate for this joint post only (scenarios about a post).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--output", "-o", metavar="FILE", help="Write the output to FILE (atomically) instead of stdout.")
@click.option("--fail-on", type=_VERDICT_FAIL, default="undefined", show_default=True,
              help="Exit 1 when a scenario's verdict is this or worse (unilateral > deadlock > unbounded > "
                   "undefined).")
@click.option("--as-of", metavar="DATE", help="Date the agreement is judged at (default: today).")
@click.option("--scenarios", "scenario_dirs", multiple=True, type=click.Path(file_okay=False),
              help="An extra directory of scenario files.")
def simulate(paths: tuple[str, ...], names: tuple[str, ...], party: str | None, post: str | None, fmt: str,
             output: str | None, fail_on: str, as_of: str | None, scenario_dirs: tuple[str, ...]) -> None:
    """Follow agreements through the stress scenarios (rating downgrade, reorganisation, ...)."""
    from jointgov.commands.simulate import run_simulate

    _guarded(lambda: run_simulate(paths, names=names, party=party, post=post, fmt=fmt, fail_on=fail_on,
                                  as_of=as_of, scenario_dirs=scenario_dirs, output=output))


@main.command("diff")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--git", "rev", metavar="REV", help="Compare each changed agreement (under PATH..., default: the "
              "whole repository) with its version at git revision REV.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
              help="markdown: for a pull-request comment.")
@click.option("--output", "-o", metavar="FILE", help="Write the output to FILE (atomically) instead of stdout.")
@click.option("--fail-on-weakening", is_flag=True, help="Exit 1 when a change weakens an agreement (or a changed "
              "agreement cannot be read).")
@click.option("--as-of", metavar="DATE", help="Date both versions are checked at, for the findings (default: today).")
@click.option("--config", "config_path", metavar="FILE", help="A jointgov.toml or pyproject.toml (default: found "
              "upward from the working directory).")
def diff(paths: tuple[str, ...], rev: str | None, fmt: str, output: str | None, fail_on_weakening: bool,
         as_of: str | None, config_path: str | None) -> None:
    """Governance diff: jointgov diff OLD NEW, or jointgov diff --git REV [PATH...].

    Lists the governance-relevant changes, each marked weakens, strengthens or changes, and the
    findings they introduce and resolve.
    """
    from jointgov.diff.compare import run_diff

    _guarded(lambda: run_diff(paths, rev=rev, fmt=fmt, output=output, fail_on_weakening=fail_on_weakening,
                              as_of=as_of, config_path=config_path))


@main.group(invoke_without_command=True)
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(file_okay=False),
              help="An extra directory of rule files.")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown"]), default="table", show_default=True,
              help="A table, or the Markdown reference (docs/rules.md).")
@click.pass_context
def rules(ctx: click.Context, rules_dirs: tuple[str, ...], fmt: str) -> None:
    """List the rule catalogue (or: rules test)."""
    if ctx.invoked_subcommand is None:
        from jointgov.commands.check import rules_table

        _guarded(lambda: rules_table(rules_dirs, markdown=fmt == "markdown"))


@rules.command("test")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--select", multiple=True, metavar="RULES", help="Only these rules (ids or names, comma-separated).")
def rules_test(directory: str | None, select: tuple[str, ...]) -> None:
    """Run the inline examples of the rules in DIRECTORY (default: the built-in rules)."""
    from jointgov.commands.check import test_rules

    _guarded(lambda: test_rules(directory, select))


@main.command()
@click.argument("rule")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(file_okay=False))
def explain(rule: str, rules_dirs: tuple[str, ...]) -> None:
    """Explain one rule (by id or name): why, evidence, fix, examples."""
    from jointgov.commands import check as app

    _guarded(lambda: app.explain(rule, rules_dirs))


@main.command()
@click.option("--registry", is_flag=True, help="The schema of the organisations register (registry.yaml) instead.")
def schema(registry: bool) -> None:
    """Print the JSON Schema of the agreement format (for editors)."""
    from jointgov.commands.check import print_schema

    _guarded(lambda: print_schema(registry=registry))


@main.command()
@click.argument("path", type=click.Path())
@click.option("--as-of", metavar="DATE", help="Date used for derived fields (default: today).")
def facts(path: str, as_of: str | None) -> None:
    """Print the facts the rules match against for one agreement, as JSON."""
    from jointgov.commands.check import print_facts

    _guarded(lambda: print_facts(path, as_of))


@main.command()
@click.argument("path", required=False, default="agreement.yaml", type=click.Path())
@click.option("--title", default="New partnership agreement", show_default=True, help="The agreement's title.")
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init(path: str, title: str, force: bool) -> None:
    """Write a new agreement skeleton to PATH (default: agreement.yaml), with every section to fill in."""
    from jointgov.commands.check import init_agreement

    _guarded(lambda: init_agreement(path, force, title=title))
