"""Configuration: ``jointgov.toml``, or ``[tool.jointgov]`` in ``pyproject.toml``, found upward from the cwd.

Keys (all optional)::

    select = ["JG1", "no-unilateral-removal"]   # ids, names, or id prefixes
    ignore = ["JG609"]
    fail_on = "warning"                          # error | warning | info | never
    format = "text"                              # the default --format
    rules = ["governance-rules"]                 # extra rule directories, relative to the config file
    exclude = ["drafts/*", "**/archive/*.yaml"]  # globs, relative to the config file's directory
    agreements = ["protocols/*"]                 # globs: files there are agreements, whatever they hold
    baseline = "jointgov-baseline.json"          # relative to the config file

    [severity]                                   # ([tool.jointgov.severity] in pyproject.toml)
    JG107 = "info"

    [parameters.JG206]
    max_days = 90

    [limits]                                     # the reader's bounds (defaults shown)
    max_bytes = 5242880
    max_depth = 64
    max_nodes = 100000                           # values once aliases are expanded
    max_items = 10000                            # items in one list

    jobs = 2                                     # worker processes (default: the number of cores)
    simulate = true                              # check: the stress scenarios too (default: false)
    cache = false                                # check: no results cache (default: true; jointgov.cache)

An invalid configuration stops the run with exit status 2 and ``invalid config:``
naming the file, the key and how to fix it. Command-line options win over it: ``settings`` is
the one place where they are combined, for every command.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TextIO

from jointgov.files import read_bounded
from jointgov.model import FAIL_ON, LIMIT_CEILINGS, REPORT_FORMATS, SEVERITIES, ConfigError, Limits, Options

KEYS = ("select", "ignore", "fail_on", "format", "rules", "exclude", "agreements", "baseline", "severity",
        "parameters", "limits", "jobs", "simulate", "cache")
LIMITS = tuple(f.name for f in fields(Limits))


@dataclass
class Config:
    """A loaded configuration (empty when there is no file)."""

    path: Path | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: str | None = None
    format: str | None = None
    rules: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    agreements: list[str] = field(default_factory=list)
    """Globs of the files that are agreements whatever they hold (one that is not is a JG006 finding, never
    skipped); other YAML files are agreements when they have a ``jointgov``, ``agreement`` or ``parties`` key."""
    baseline: str | None = None
    severity: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)
    jobs: int | None = None
    simulate: bool | None = None
    cache: bool = True

    @property
    def base(self) -> Path:
        """The directory relative paths in the configuration start from."""
        return self.path.parent if self.path else Path.cwd()


def find(start: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The nearest ``jointgov.toml``, or ``pyproject.toml`` with ``[tool.jointgov]``, upward from *start*."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        own = directory / "jointgov.toml"
        if own.is_file():
            return own, _read(own)
        project = directory / "pyproject.toml"
        if project.is_file() and b"tool.jointgov" in _head(project):  # most have none: skip the TOML parse
            table = _read(project).get("tool", {}).get("jointgov")
            if table is not None:
                if not isinstance(table, dict):
                    raise ConfigError(f"invalid config: {project}: [tool.jointgov] must be a table")
                return project, table
    return None


MAX_CONFIG_BYTES = 1 << 20
"""A configuration file is at most a mebibyte."""


def _head(path: Path) -> bytes:
    """The start of a file found on the way up (bounded; nothing when it cannot be read)."""
    try:
        return read_bounded(path, max_bytes=MAX_CONFIG_BYTES)
    except OSError:
        return b""


def _read(path: Path) -> dict[str, Any]:
    import tomllib  # only when there is a file to read

    try:
        raw = read_bounded(path, max_bytes=MAX_CONFIG_BYTES)
        if len(raw) > MAX_CONFIG_BYTES:
            raise ConfigError(f"invalid config: {path}: over {MAX_CONFIG_BYTES:,} bytes: not a configuration file")
        return tomllib.loads(raw.decode("utf-8-sig"))  # with or without a byte-order mark, as editors save it
    except OSError as exc:
        raise ConfigError(f"invalid config: {path}: cannot read it ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"invalid config: {path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
                          f"{exc.start})") from exc
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise ConfigError(f"invalid config: {path}: not valid TOML: {exc}") from exc


def _strings(path: Path, key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"invalid config: {path}: '{key}' must be a list of text, e.g. {key} = [\"JG101\"]")
    return list(value)


def _choice(path: Path, key: str, value: Any, options: tuple[str, ...]) -> str:
    if value not in options:
        raise ConfigError(f"invalid config: {path}: '{key}' must be one of {', '.join(options)}, got {value!r}")
    return str(value)


def load(explicit: str | None = None, start: Path | None = None) -> Config:
    """Load *explicit* (``--config``), or the nearest configuration file upward from *start* (default: the working
    directory), or nothing."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"invalid config: {explicit}: no such file")
        table = _read(path)
        if path.name == "pyproject.toml":
            table = table.get("tool", {}).get("jointgov", {})
        found: tuple[Path, dict[str, Any]] | None = (path, table)
    else:
        found = find(start)
    if found is None:
        return Config()
    path, table = found
    config = Config(path=path)
    for key, value in table.items():
        if key not in KEYS:
            import difflib

            hint = difflib.get_close_matches(key, KEYS, n=1)
            tip = f"did you mean '{hint[0]}'?" if hint else f"the keys are: {', '.join(KEYS)}"
            raise ConfigError(f"invalid config: {path}: unknown key '{key}': {tip}")
        if key in ("select", "ignore", "rules", "exclude", "agreements"):
            setattr(config, key, _strings(path, key, value))
        elif key == "fail_on":
            config.fail_on = _choice(path, key, value, FAIL_ON)
        elif key == "format":
            config.format = _choice(path, key, value, REPORT_FORMATS)
        elif key == "baseline":
            if not isinstance(value, str) or not value:
                raise ConfigError(f"invalid config: {path}: 'baseline' must be a file name, e.g. baseline = "
                                  "\"jointgov-baseline.json\"")
            config.baseline = str(config.base / value)
        elif key == "severity":
            if not isinstance(value, dict):
                raise ConfigError(f"invalid config: {path}: 'severity' must be a table, "
                                  "e.g. [severity] JG107 = \"info\"")
            for rule, level in value.items():
                config.severity[rule] = _choice(path, f"severity.{rule}", level, SEVERITIES)
        elif key == "limits":
            if not isinstance(value, dict):
                raise ConfigError(f"invalid config: {path}: 'limits' must be a table, "
                                  "e.g. [limits] max_bytes = 1048576")
            for name, number in value.items():
                if name not in LIMITS:
                    raise ConfigError(f"invalid config: {path}: unknown limit '{name}': the limits are "
                                      f"{', '.join(LIMITS)}")
                ceiling = LIMIT_CEILINGS[name]
                if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= ceiling:
                    raise ConfigError(f"invalid config: {path}: limits.{name} must be a whole number from 1 to "
                                      f"{ceiling:,}, got {number!r}")
                config.limits[name] = number
        elif key == "simulate":
            if not isinstance(value, bool):
                raise ConfigError(f"invalid config: {path}: 'simulate' must be true or false, e.g. simulate = true")
            config.simulate = value
        elif key == "cache":
            if not isinstance(value, bool):
                raise ConfigError(f"invalid config: {path}: 'cache' must be true or false, e.g. cache = false")
            config.cache = value
        elif key == "jobs":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"invalid config: {path}: 'jobs' must be a whole number above 0, e.g. jobs = 2")
            config.jobs = value
        else:
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                raise ConfigError(f"invalid config: {path}: 'parameters' must hold one table per rule, e.g. "
                                  "[parameters.JG206] max_days = 90")
            config.parameters = {rule: dict(v) for rule, v in value.items()}
    config.rules = [str(config.base / d) for d in config.rules]
    return config


def split_keys(values: Iterable[str]) -> frozenset[str]:
    """``--select JG101,JG102 --select name`` as one set."""
    return frozenset(k.strip() for v in values for k in v.split(",") if k.strip())


def use_colour(choice: str | bool | None, out: TextIO, output: str | None = None) -> bool:
    """``--color``: ``always``, ``never``, or ``auto`` (None): colour only on a terminal, when the output is not a
    file and ``NO_COLOR`` is not set (``always`` wins over ``NO_COLOR``, as the convention allows)."""
    if isinstance(choice, bool):
        return choice
    if choice == "always":
        return True
    if choice == "never" or output:
        return False
    return out.isatty() and not os.environ.get("NO_COLOR")


def parse_date(text: str | None) -> _dt.date:
    """``--as-of``: an ISO date, or today when absent."""
    if not text:
        return _dt.date.today()
    try:
        return _dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"--as-of: expected a date YYYY-MM-DD, got {text!r}") from exc


@dataclass(frozen=True)
class Settings:
    """A run's options: the command line's values over the configuration's, resolved once."""

    options: Options
    """What every file is read and judged with (``--as-of`` parsed once, here)."""
    config: Config
    rules_dirs: tuple[str, ...] = ()
    """Extra rule directories: the configuration's, then ``--rules``."""
    fmt: str = "text"
    fail_on: str = "warning"
    jobs: int = 1
    baseline: str | None = None
    simulate: bool = False
    """``check``: follow each agreement through the stress scenarios too (``--simulate``, or ``simulate = true``)."""


def settings(config_path: str | None = None, *, as_of: str | None = None, select: Iterable[str] = (),
             ignore: Iterable[str] = (), rules_dirs: Iterable[str] = (), fmt: str | None = None,
             fail_on: str | None = None, jobs: int | None = None, baseline: str | None = None,
             start: Path | None = None) -> Settings:
    """Load the configuration (*config_path*, else the nearest upward from *start*, default the working directory)
    and let the command line's values win over it.

    Used by every command that reads agreements (check, simulate, diff, facts), so that each reads
    the same configuration the same way; what a command has no option for keeps the
    configuration's value (or the default). The rule keys are checked against the catalogue by
    ``jointgov.pipeline.checker.prepare``.
    """
    config = load(config_path, start)
    selected = split_keys(select) or frozenset(config.select)
    options = Options(as_of=parse_date(as_of), select=selected or None,
                      ignore=split_keys(ignore) | frozenset(config.ignore), params=config.parameters,
                      severity=config.severity, limits=Limits(**config.limits))
    if jobs is not None and jobs < 1:
        raise ConfigError(f"--jobs: expected a whole number above 0, got {jobs}")
    return Settings(options, config, (*config.rules, *rules_dirs), fmt or config.format or "text",
                    fail_on or config.fail_on or "warning", jobs or config.jobs or os.cpu_count() or 1,
                    baseline or config.baseline, bool(config.simulate))
