"""The versions ``jointgov diff --git REV`` compares: each agreement changed since a git revision.

Files are chosen as ``jointgov check DIR`` chooses them (``*.yaml``/``*.yml``, no hidden
directories, the configuration's exclude globs, never the organisations register).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from jointgov.files import REGISTRY_NAME, YAML_SUFFIXES, excluded, read_bounded
from jointgov.files import shown as printable
from jointgov.model import ConfigError, Limits

Version = tuple[str, str, bytes | None, bytes | None]
"""(path shown, old version's label, old bytes, new bytes); None: that version does not exist."""


def read_version(path: Path, limits: Limits) -> bytes:
    """The bytes of one version on disk (bounded); a file that cannot be read is a usage error."""
    try:
        return read_bounded(path, limits)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def _git(root: Path | None, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "--literal-pathspecs", *args], cwd=root, capture_output=True, check=False,
                              stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise ConfigError(f"--git: cannot run git: {exc.strerror or exc}") from exc


def git_versions(rev: str, paths: Sequence[str], limits: Limits, exclude: Sequence[str] = (),
                 base: Path | None = None) -> list[Version]:
    """Each agreement changed under *paths* (default: the whole repository) since *rev*, with both versions."""
    done = _git(None, "rev-parse", "--show-toplevel")
    if done.returncode:
        raise ConfigError("--git: not a git repository: " + done.stderr.decode(errors="replace").strip())
    root = Path(done.stdout.decode().strip()).resolve()
    against = rev  # what git diff compares with: the revision, or the empty tree for HEAD before the first commit
    if not rev or rev.startswith("-") or _git(root, "rev-parse", "--verify", "-q", f"{rev}^{{commit}}").returncode:
        if rev != "HEAD" or _git(root, "symbolic-ref", "-q", "HEAD").returncode:
            raise ConfigError(f"--git: unknown revision '{rev}'")
        against = _git(root, "hash-object", "-t", "tree", "--stdin").stdout.decode().strip()
    specs = []
    for given in paths:
        try:
            specs.append(Path(given).resolve().relative_to(root).as_posix())
        except ValueError:
            raise ConfigError(f"{given}: outside the git repository {root}") from None
        if not Path(given).exists() and _git(root, "cat-file", "-e", f"{rev}:{specs[-1]}").returncode:
            raise ConfigError(f"{given}: no such file or directory (nor at {rev})")

    def wanted(name: str | None) -> str | None:  # an agreement file, found as `jointgov check DIR` would
        hidden = name not in specs and any(p.startswith(".") for p in (name or ".").split("/"))
        ok = name and name.endswith(YAML_SUFFIXES) and not hidden and Path(name).name != REGISTRY_NAME \
            and not excluded(str(root / name), exclude, base or root)  # the register is not an agreement
        return name if ok else None

    listed = _git(root, "diff", "--name-status", "-z", "-M", "--no-ext-diff", against, "--", *specs)
    if listed.returncode:
        raise ConfigError("--git: git diff failed: " + listed.stderr.decode(errors="replace").strip())
    words, pairs = listed.stdout.decode("utf-8", "surrogateescape").split("\0"), []
    while len(words) > 1:
        status, *names = words[:3 if words[0][:1] in ("R", "C") else 2]
        words = words[1 + len(names):]
        # added or copied: a new agreement; deleted: removed; modified, renamed ...: both versions
        before = None if status[:1] in ("A", "C") else names[0]
        pairs.append((wanted(before), None if status[:1] == "D" else wanted(names[-1])))
    untracked = _git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", *specs).stdout
    pairs += [(None, wanted(n)) for n in untracked.decode("utf-8", "surrogateescape").split("\0") if n]
    versions: list[Version] = []
    for before, after in sorted({p for p in pairs if p != (None, None)}, key=lambda p: p[1] or p[0] or ""):
        shown = _git(root, "show", f"{rev}:{before}") if before else None
        if shown is not None and shown.returncode:
            raise ConfigError(f"--git: cannot read {rev}:{before}: {shown.stderr.decode(errors='replace').strip()}")
        where = root / (after or before or "")
        relative = os.path.relpath(where)
        versions.append((printable(where.as_posix() if relative.startswith("..") else Path(relative).as_posix()),
                         f"{rev}:{before or after}", shown.stdout if shown else None,
                         read_version(where, limits) if after else None))
    return versions
