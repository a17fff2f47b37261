"""Writing files safely: every file jointgov writes is written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


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
