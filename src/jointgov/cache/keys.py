"""The keys of the results cache: everything a file's result, or the repository pass's outcome, depends on."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

FORMAT = 2
"""The layout of the stored values: raised when it changes (old entries are then misses)."""


def _canonical(value: Any) -> Any:
    """*value* as plain JSON values, the same for equal values in every process (sets sorted, types named)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"~": type(value).__qualname__,
                **{f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, Mapping):
        return ["~map", sorted(([_canonical(k), _canonical(v)] for k, v in value.items()), key=json.dumps)]
    if isinstance(value, (set, frozenset)):
        return ["~set", sorted((_canonical(v) for v in value), key=json.dumps)]
    if isinstance(value, (list, tuple)):
        return ["~list", [_canonical(v) for v in value]]
    if isinstance(value, (_dt.date, _dt.time)):
        return ["~" + type(value).__name__, value.isoformat()]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return ["~" + type(value).__qualname__, repr(value)]


def digest(value: Any) -> str:
    """The SHA-256 of *value*'s canonical form (``_canonical``)."""
    return hashlib.sha256(json.dumps(_canonical(value), sort_keys=True).encode()).hexdigest()


def code_fingerprint() -> str:
    """The jointgov code and the rule engine's build this process runs: the name, size and time of change of each
    module file (a changed module, a reinstall or another engine gives another key)."""
    import jointgov
    from jointgov.pipeline.engine import native_build

    found: list[tuple[str, int, int]] = []
    root = Path(jointgov.__file__).parent
    for directory, folders, names in os.walk(root):
        folders.sort()
        for name in sorted(names):
            if name.endswith((".py", ".json")):
                path = os.path.join(directory, name)
                info = os.stat(path)
                found.append((os.path.relpath(path, root), info.st_size, info.st_mtime_ns))
    return digest([found, native_build()])


def run_key(catalogue_digest: str, options: Any, **extra: Any) -> str:
    """The key of everything a file's result depends on besides the file: the jointgov version and code, the
    Python and PyYAML builds, the catalogue, the run's *options* (every field of them) and *extra* (the
    scenarios of ``--simulate``, what the repository rules take from each agreement)."""
    import yaml

    import jointgov

    return digest({"format": FORMAT, "version": jointgov.__version__, "code": code_fingerprint(),
                   "python": sys.version, "yaml": [yaml.__version__, bool(getattr(yaml, "__with_libyaml__", False))],
                   "catalogue": catalogue_digest, "options": options, "extra": extra})


def file_key(run: str, path: str, content: str, agreement: bool) -> bytes:
    """The key of one file's result: the run's key, the path it is reported under, the SHA-256 of its bytes, and
    whether the configuration makes it an agreement whatever it holds."""
    return hashlib.sha256(f"file\0{run}\0{path}\0{content}\0{agreement}".encode("utf-8", "surrogateescape")).digest()


def repository_key(run: str, register: tuple[str, str] | None, agreements: Iterable[tuple[str, str]]) -> bytes:
    """The key of the repository pass: the run's key, the register (path, digest), and every agreement's
    (path, digest) in the order the pass sees them."""
    h = hashlib.sha256(f"repository\0{run}\0{register!r}".encode("utf-8", "surrogateescape"))
    for path, content in agreements:
        h.update(f"\0{path}\0{content}".encode("utf-8", "surrogateescape"))
    return h.digest()


def content_digest(path: str, max_bytes: int) -> str | None:
    """The SHA-256 of the file's bytes, read as the checker reads them (None when it cannot be read or is over
    the limit: such a file is always checked)."""
    from jointgov.files import read_bounded

    try:
        raw = read_bounded(path, max_bytes=max_bytes)
    except OSError:
        return None
    return hashlib.sha256(raw).hexdigest() if len(raw) <= max_bytes else None
