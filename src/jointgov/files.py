"""Files: which ones a run reads, how each is read (once, bounded), and how jointgov writes its own.

Input files are never written; every file jointgov writes is written whole or not at all.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

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
        elif os.path.lexists(given):  # a file, or an entry that cannot be read (reported like one in a directory)
            found.append(given)
            named.add(os.path.normpath(given))
        else:
            raise ConfigError(f"{given}: no such file or directory")
    where = base or Path.cwd()
    unique = dict.fromkeys(os.path.normpath(p) for p in found)
    matched = {p: first_match(p, exclude, where) for p in unique}
    kept = sorted(p for p, pattern in matched.items() if pattern is None)
    return kept, [(p, pattern, p in named) for p, pattern in sorted(matched.items()) if pattern is not None]


def shown(path: str) -> str:
    """*path* as reports show it: a file name that is not UTF-8 keeps its other bytes as ``\\xNN``, so every
    report can be written (JSON, SARIF and XML hold Unicode text only)."""
    if not any("\udc80" <= ch <= "\udcff" for ch in path):
        return path
    return "".join(f"\\x{ord(ch) - 0xDC00:02x}" if "\udc80" <= ch <= "\udcff" else ch for ch in path)


def _kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bounded(path: str | Path, limits: Limits | None = None, max_bytes: int | None = None) -> bytes:
    """The bytes of the regular file *path*, at most one more than ``limits.max_bytes`` (or *max_bytes*: the
    reader reports a file over the limit); OSError when it cannot be read or is not a regular file.

    It is opened without blocking and its type checked before anything is read, so a named pipe, a device
    or a directory (named ``*.yaml``, or as the baseline or register) is refused at once instead of blocking
    the run or reading without end.
    """
    bound = max_bytes if max_bytes is not None else (limits or Limits()).max_bytes
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    handle = os.open(path, flags)
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, f"{_kind(info.st_mode)}, not a regular file", str(path))
        os.set_blocking(handle, True)
        chunks: list[bytes] = []
        left = bound + 1
        want = info.st_size + 1  # the whole file, as it usually stays, in one read (and the next says it ended)
        while left > 0:
            chunk = os.read(handle, min(left, want))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
            want = 1 << 16
        return b"".join(chunks)
    finally:
        os.close(handle)


_SPECIAL = ("/dev/", "/proc/")
"""Where names stand for devices and other processes' files (``/dev/stdout``, ``/proc/self/fd/1``): never an
output, even when one resolves to a regular file (the file standard output was redirected to)."""


def check_outputs(outputs: Sequence[tuple[str, str]], inputs: Iterable[str | None]) -> None:
    """Refuse (ConfigError, exit 2) an output path of a run before anything is written: one that resolves to
    a file the run reads (the same file by any name: a symbolic or hard link, ``./a.yaml``), one that exists
    and is not a regular file (a directory, a device such as ``/dev/null``, a named pipe, ``/proc/self/fd/1``),
    one whose directory cannot be written, and one named twice. *outputs* are (option, path) pairs."""
    read: dict[tuple[int, int], str] = {}
    for name in inputs:
        if name:
            try:
                known = os.stat(name)
            except OSError:
                continue
            read.setdefault((known.st_dev, known.st_ino), name)
    seen: dict[object, str] = {}
    for option, path in outputs:
        where = f"{option} {shown(path)}"
        if not path:
            raise ConfigError(f"{option}: expected a file name")
        try:
            info: os.stat_result | None = os.stat(path)
        except FileNotFoundError:
            info = None
        except OSError as exc:
            raise ConfigError(f"{where}: cannot write there: {exc.strerror or exc}") from exc
        real = os.path.realpath(path)
        key: object = real
        if any(p.startswith(_SPECIAL) for p in (os.path.abspath(path), real)):
            raise ConfigError(f"{where}: a special file (under /dev or /proc), not a regular file: jointgov writes "
                              "regular files only")
        if info is not None:
            if not stat.S_ISREG(info.st_mode):
                raise ConfigError(f"{where}: {_kind(info.st_mode)}, not a regular file: jointgov writes regular "
                                  "files only")
            key = (info.st_dev, info.st_ino)
            if key in read:
                raise ConfigError(f"{where}: that is {shown(read[key])}, which this run reads: writing the report "
                                  "there would overwrite it; choose another file")
        directory = os.path.dirname(real) or "."
        while not os.path.exists(directory):  # made when the report is written
            directory = os.path.dirname(directory)
        if not os.path.isdir(directory):
            raise ConfigError(f"{where}: {shown(directory)} is not a directory")
        if not os.access(directory, os.W_OK | os.X_OK):
            raise ConfigError(f"{where}: the directory {shown(directory)} cannot be written")
        if key in seen:
            raise ConfigError(f"{where}: the same file as {seen[key]}: each output of a run needs its own file")
        seen[key] = where


def write_atomic(path: str | Path, text: str, *, overwrite: bool = True) -> None:
    """Write *text* to *path* through a temporary file in the same directory and an atomic rename."""
    write_all([(str(path), text)], overwrite=overwrite)


def write_all(items: Sequence[tuple[str, str]], *, overwrite: bool = True) -> None:
    """Write each (path, text) whole, or none of them (OSError, FileExistsError without *overwrite*).

    Every text goes to a temporary file beside its target first (written and synced); only when all are
    written are they renamed into place, with interruptions (SIGINT, SIGTERM) held until the last rename,
    so a run interrupted or failing while writing leaves either every report or none. A symbolic link is
    written through (its target is replaced, not the link).
    """
    if not items:
        return
    import tempfile  # only when there is something to write: a check that prints its report never needs it

    staged: list[tuple[str, Path]] = []
    try:
        for path, text in items:
            target = Path(os.path.realpath(path))
            if not overwrite and target.exists():
                raise FileExistsError(str(path))
            if (target.exists() and not target.is_file()) or str(target).startswith(("/dev/", "/proc/")):
                # the last line of defence (check_outputs says it first, in words): a rename never replaces a
                # device, a pipe or a directory
                raise OSError(errno.EISDIR if target.is_dir() else errno.EINVAL, "not a regular file", str(path))
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((temp, target))
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temp, _mode_for(target))  # mkstemp makes the file private (0600)
        with _held():
            for temp, target in staged:
                if not overwrite and target.exists():
                    raise FileExistsError(str(target))
                os.replace(temp, target)
    finally:
        for temp, _ in staged:
            try:
                os.unlink(temp)
            except FileNotFoundError:
                pass


def write_outputs(items: Sequence[tuple[str, str]]) -> None:
    """``write_all`` for a command's outputs: a file that cannot be written is a ConfigError (exit 2)."""
    try:
        write_all(items)
    except OSError as exc:
        raise ConfigError(f"cannot write {shown(str(exc.filename or ''))}: {exc.strerror or exc}: no report was "
                          "written") from exc


@contextlib.contextmanager
def streamed_output(path: str) -> Iterator[tuple[TextIO, Callable[[], None]]]:
    """A report written as the run goes, still whole or not at all: yields the stream (a temporary file beside
    *path*) and the function that puts it in place (synced, then renamed over *path*, interruptions held);
    leaving the block without calling it, whatever the reason, removes the temporary file and leaves *path* as it
    was. A file that cannot be written is a ConfigError (exit 2), as in ``write_outputs``."""
    import tempfile  # only when a report is written to a file

    target = Path(os.path.realpath(path))

    def refused(exc: OSError) -> ConfigError:
        return ConfigError(f"cannot write {shown(path)}: {exc.strerror or exc}: no report was written")

    if (target.exists() and not target.is_file()) or str(target).startswith(("/dev/", "/proc/")):
        raise refused(OSError(errno.EISDIR if target.is_dir() else errno.EINVAL, "not a regular file"))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise refused(exc) from exc
    stream = os.fdopen(handle, "w", encoding="utf-8", newline="")

    def commit() -> None:
        try:
            stream.flush()
            os.fsync(stream.fileno())
            stream.close()
            os.chmod(temp, _mode_for(target))  # mkstemp makes the file private (0600)
            with _held():
                os.replace(temp, target)
        except OSError as exc:
            raise refused(exc) from exc

    try:
        yield stream, commit
    finally:
        stream.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


@contextlib.contextmanager
def _held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the duration (they are delivered after), where the platform can."""
    import signal
    import threading

    block = getattr(signal, "pthread_sigmask", None)
    if block is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = block(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        block(signal.SIG_SETMASK, previous)


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
