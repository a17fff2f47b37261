"""``jointgov init [PATH]``: a new agreement skeleton with every section of the format and guidance comments.

The skeleton is ``templates/skeleton.yaml`` (package data) with its title and
agreement id filled in. It is valid against the format (no JG0xx finding), and
its placeholders (``unknown``, empty lists, ``TODO`` texts, commented-out keys)
are chosen so that ``jointgov check`` reports what is left to agree.

Its first line is a modeline for editors (yaml-language-server): the format's JSON Schema is
``jointgov.schema.json`` at the root of the repository of agreements (the folder of the jointgov
configuration, else of ``.git``), written there by ``jointgov schema > jointgov.schema.json``; the
modeline names it relative to the new file.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
import unicodedata
from importlib import resources
from pathlib import Path
from typing import TextIO

from jointgov.files import check_outputs, repository_root, write_atomic
from jointgov.model import EXIT_CLEAN, ConfigError

DEFAULT_TITLE = "New partnership agreement"
SCHEMA_FILE = "jointgov.schema.json"
"""Where editors find the format's JSON Schema: this file at the root of the repository of agreements."""

TOP_LEVEL_KEYS = (
    "jointgov", "agreement", "parties", "approvals", "consultations", "successors", "joint_posts", "protocols",
    "dispute_routes", "secondments", "pooled_budgets", "governance_bodies", "lead_providers", "outcomes", "review",
    "triggers", "exit", "communication", "clauses", "waivers", "variations",
)
"""Every top-level key of format version 1, in the format's order: the skeleton has each of them."""

_TITLE_MARK = "__TITLE__"
_ID_MARK = "__ID__"

SKELETON_IDS = frozenset({
    "council", "nhs-body", "joint-director", "joint-post-protocol", "crisis-communication", "partnership-route",
    "seconded-staff", "pooled-fund", "partnership-board",
})
"""The ids the template defines: the agreement's own id must differ from them."""

RESERVED_WORDS = frozenset({
    "any", "joint", "unknown", "mediator", "arbitrator", "expert", "court", "proportional", "host", "by-agreement",
})
"""Words with a fixed meaning in the format, which cannot be ids."""

_MAX_ID_LENGTH = 60


def template_text() -> str:
    """The raw skeleton template shipped in the package (``templates/skeleton.yaml``)."""
    return resources.files("jointgov").joinpath("templates", "skeleton.yaml").read_text(encoding="utf-8")


def agreement_id(title: str) -> str:
    """A lowercase slug id for the agreement, derived from *title*.

    Accents are dropped, runs of other characters become one hyphen, and the
    result is cut to a readable length. A title with no usable letters or
    digits, or whose slug would clash with an id of the skeleton or a reserved
    word, gets a safe id instead.
    """
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if len(slug) > _MAX_ID_LENGTH:
        slug = slug[:_MAX_ID_LENGTH].rsplit("-", 1)[0] or slug[:_MAX_ID_LENGTH]
        slug = slug.strip("-")
    if not slug:
        return "new-agreement"
    if slug in SKELETON_IDS or slug in RESERVED_WORDS:
        return f"{slug}-agreement"
    return slug


def yaml_text(value: str) -> str:
    """*value* as a YAML double-quoted scalar (a JSON string is one), safe whatever it contains."""
    return json.dumps(value, ensure_ascii=False)


def render(title: str = DEFAULT_TITLE) -> str:
    """The skeleton agreement as YAML text, titled *title*.

    Raises ``ValueError`` when *title* is blank (the format requires a title).
    """
    if not title.strip():
        raise ValueError("the title must not be empty")
    text = template_text()
    if text.count(_TITLE_MARK) != 1 or text.count(_ID_MARK) != 1:  # a broken template is a bug, not user error
        raise RuntimeError("templates/skeleton.yaml must hold __TITLE__ and __ID__ exactly once each")
    # both quoted: an id such as ``yes`` or ``2024`` would otherwise be read as a boolean or a number
    return text.replace(_TITLE_MARK, yaml_text(title.strip())).replace(_ID_MARK, yaml_text(agreement_id(title)))


def schema_home(folder: Path) -> Path:
    """The root of the repository of agreements that holds *folder*: where its jointgov configuration is, else its
    ``.git``, else *folder* itself; the schema for editors is ``jointgov.schema.json`` there."""
    from jointgov.config import find

    found = find(folder)
    return found[0].parent if found else repository_root(folder)


def modeline(target: Path) -> str:
    """The yaml-language-server modeline for a new agreement at *target*: the schema, relative to the file."""
    folder = target.resolve().parent
    relative = os.path.relpath(schema_home(folder) / SCHEMA_FILE, folder)
    return f"# yaml-language-server: $schema={Path(relative).as_posix()}\n"


def run(path: str, force: bool = False, title: str | None = None, out: TextIO | None = None) -> int:
    """Write a new agreement skeleton to *path*: every section of the format, with guidance comments.

    An existing file is left untouched unless *force* is true (a ConfigError: exit 2). The file is
    written atomically. Prints the path written and the command that checks it.
    """
    out = out or sys.stdout
    target = Path(path)
    if target.is_dir():
        raise ConfigError(f"{path} is a directory: give the path of the agreement file to write")
    if target.exists() and not force:
        raise ConfigError(f"{path} already exists: not overwritten (use --force to replace it)")
    check_outputs([("PATH", path)], [])  # never a device, a named pipe, or a directory that cannot be written
    try:
        text = render(DEFAULT_TITLE if title is None else title)
    except ValueError as exc:
        raise ConfigError(f"--title: {exc}") from exc
    text = modeline(target) + text
    try:
        write_atomic(target, text, overwrite=force)
    except FileExistsError as exc:  # created meanwhile by someone else
        raise ConfigError(f"{path} already exists: not overwritten (use --force to replace it)") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    out.write(f"wrote {path}\n")
    out.write(f"fill it in, then run: jointgov check {shlex.quote(path)}\n")
    schema = schema_home(target.resolve().parent) / SCHEMA_FILE
    if not schema.is_file():
        out.write(f"for editors, write the schema its first line names: jointgov schema > {shlex.quote(str(schema))}\n")
    return EXIT_CLEAN
