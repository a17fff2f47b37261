"""What a governance diff finds: the changes between two versions of an agreement, and each file's comparison."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from jointgov.model import Finding

MARKERS = {"weakens": "[-]", "strengthens": "[+]", "changes": "[~]"}
"""The effects, with the marker the Markdown report shows next to each."""
Listed = tuple[Finding, bool]
"""A finding, and whether a waiver covers it."""


@dataclass(frozen=True)
class Change:
    """One governance-relevant change, at the new file's line and column (None: the file is gone)."""

    path: str
    line: int | None
    column: int | None
    pointer: str
    item: str
    field: str
    old: Any
    new: Any
    effect: str
    explanation: str
    clause: str = ""
    """The clause, as a variation names it: keys from the section down, list items by their key, joined by dots
    (``exit.notice_days``, ``joint_posts.ce-dss.removal.decided_by``)."""
    agreed: dict[str, Any] | None = None
    """The variation recorded in the new version that covers this change (``jointgov.diff.variations``)."""

    def as_dict(self) -> dict[str, Any]:
        """The change as the JSON report's stable object."""
        return dataclasses.asdict(self)


@dataclass
class FileDiff:
    """The comparison of one agreement's two versions."""

    path: str
    old: str
    status: str = "unchanged"
    """``changed``, ``unchanged``, ``new``, ``removed``, ``unreadable`` (the new version is no valid agreement) or
    ``skipped`` (neither version is an agreement: ``jointgov.pipeline.checker.not_an_agreement``)."""
    changes: list[Change] = field(default_factory=list)
    introduced: list[Listed] = field(default_factory=list)
    resolved: list[Listed] = field(default_factory=list)
    error: Finding | None = None
    skipped: str = ""
    """Why the file is not an agreement, when it is skipped."""
