"""What a simulation finds: a verdict per scenario, the runs it is the worst of, their traces and causes.

Plain data (no engine): reporters read it without importing the machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jointgov.model import NOT_APPLICABLE, VERDICTS

RANK = {NOT_APPLICABLE: -1} | {v: k for k, v in enumerate(VERDICTS)}
"""A verdict's severity (higher is worse; not applicable is below every verdict a run can have)."""


@dataclass(frozen=True)
class Cause:
    """A field that caused a verdict, where it is (or would be) in the file."""

    verdict: str
    pointer: str
    line: int
    column: int
    field: str
    message: str


@dataclass(frozen=True)
class Step:
    """One step of a trace."""

    number: int
    stage: str
    says: str
    pointer: str
    line: int
    column: int
    acting: str = ""
    consent: str = ""
    days: int | None = None
    elapsed: int = 0
    verdict: str = ""
    untimed: bool = False
    """The step should have a time limit and has none."""


@dataclass(frozen=True)
class Run:
    """The scenario followed for one subject (a party, a post, a budget)."""

    subject: dict[str, str]
    label: str
    event: str
    verdict: str
    days: int
    steps: tuple[Step, ...]
    causes: tuple[Cause, ...]


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario's outcome in one agreement: the worst of its runs."""

    name: str
    title: str
    event: str
    verdict: str
    runs: tuple[Run, ...]
    note: str = ""
    """Why the scenario does not apply (no joint post, no pooled budget ...); its verdict is then not-applicable."""

    @property
    def worst(self) -> Run | None:
        """The run that decided the verdict: the worst, and of those the longest path (for a scenario resolved
        jointly, the run that sets the worst-case days); the first in subject order on a tie."""
        return max(self.runs, key=_severity) if self.runs else None

    @property
    def days(self) -> int | None:
        """Worst-case days to a joint decision (resolved-jointly), or the days of the worst run's path."""
        if not self.runs:
            return None
        if self.verdict == "resolved-jointly":
            return max(r.days for r in self.runs)
        worst = self.worst
        return worst.days if worst else None


@dataclass
class FileSimulation:
    """Every scenario's result for one file, or why it could not be simulated."""

    path: str
    title: str = ""
    sha256: str = ""
    results: list[ScenarioResult] = field(default_factory=list)
    error: str = ""
    """Set when the file cannot be simulated (unreadable, or not a valid agreement)."""

    def verdicts(self) -> list[str]:
        """The verdicts of the scenarios that applied."""
        return [r.verdict for r in self.results if r.verdict != NOT_APPLICABLE]


def _severity(run: Run) -> tuple[int, int]:
    """How bad a run is: its verdict's rank, then its days (the longer path is the worse case)."""
    return RANK[run.verdict], run.days
