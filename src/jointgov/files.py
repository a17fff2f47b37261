"""Files: which ones a run reads, how each is read (once, bounded), and how jointgov writes its own.

Input files are never written; every file jointgov writes is written whole or not at all.
"""

from __future__ import annotations

import fnmatch
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from jointgov.model import ConfigError, Limits

YAML_SUFFIXES = (".yaml", ".yml")
REGISTRY_NAME = "registry.yaml"
"""The organisations register: in a directory being checked, or at the repository root."""


def find_registry(paths: Sequence[str], root: Path) -> str | None:
    """The register a check uses when ``--registry`` is not given (looked up without importing it)."""
    for candidate in [*(Path(p) / REGISTRY_NAME for p in paths if os.path.isdir(p)), root / REGISTRY_NAME]:
        if candidate.is_file():
            return str(candidate)
    return None


def first_match(path: str, patterns: Sequence[str], base: Path) -> str | None:
    """The first of the globs *patterns* that *path* matches (relative to *base*, or anywhere for a bare name):
    the configuration's ``exclude``, and its ``agreements``; None when none does."""
    if not patterns:
        return None
    absolute = Path(path).resolve()
    try:
        relative = absolute.relative_to(base.resolve()).as_posix()
    except ValueError:
        relative = absolute.as_posix()
    return next((p for p in patterns if fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(absolute.name, p)), None)


def excluded(path: str, patterns: Sequence[str], base: Path) -> bool:
    """Whether *path* matches one of the globs *patterns* (``first_match``)."""
    return first_match(path, patterns, base) is not None


def discover(paths: Sequence[str], exclude: Sequence[str] = (), base: Path | None = None
             ) -> tuple[list[str], list[tuple[str, str, bool]]]:
    """The files to check: files as given, directories searched for ``*.yaml``/``*.yml``.

    Directory walks do not follow symbolic links to directories (no loops),
    skip hidden directories, and leave out files matching *exclude* (named
    files too: pre-commit passes changed files one by one). The result is
    sorted and free of duplicates. Returns the files, and the files excluded, each
    with the glob that matched it and whether it was named (not found in a directory).
    """
    found: list[str] = []
    named: set[str] = set()
    for given in paths:
        if os.path.isdir(given):
            for root, dirs, files in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.join(root, f) for f in files if f.endswith(YAML_SUFFIXES))
        elif os.path.exists(given):
            found.append(given)
            named.add(os.path.normpath(given))
        else:
            raise ConfigError(f"{given}: no such file or directory")
    where = base or Path.cwd()
    unique = dict.fromkeys(os.path.normpath(p) for p in found)
    matched = {p: first_match(p, exclude, where) for p in unique}
    kept = sorted(p for p, pattern in matched.items() if pattern is None)
    return kept, [(p, pattern, p in named) for p, pattern in sorted(matched.items()) if pattern is not None]


def read_bounded(path: str | Path, limits: Limits) -> bytes:
    """The bytes of *path*, at most one more than ``limits.max_bytes`` (the reader reports a file over the
    limit); OSError when it cannot be read."""
    with open(path, "rb") as handle:
        return handle.read(limits.max_bytes + 1)


def write_atomic(path: str | Path, text: str, *, overwrite: bool = True) -> None:
    """Write *text* to *path* through a temporary file in the same directory and an atomic rename."""
    target = Path(path)
    if not overwrite and target.exists():
        raise FileExistsError(str(target))
    directory = target.parent if str(target.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if not overwrite and target.exists():
            raise FileExistsError(str(target))
        os.chmod(temp, _mode_for(target))  # mkstemp makes the file private (0600)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


def _mode_for(target: Path) -> int:
    """The mode a written file gets: that of the file it replaces, else 0666 less the umask."""
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def repository_root(start: Path | None = None) -> Path:
    """The nearest enclosing directory with a ``.git``, else *start* (the working directory)."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return here
