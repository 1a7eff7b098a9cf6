"""What the domain tells the people on a case, as typed notices. The chat side decides the words,
the mentions and where each one goes (which channel, which thread); the domain only says what happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Notice:
    """Base of every notice."""


@dataclass(frozen=True)
class CloseBlocked(Notice):
    """Every item is done, but something (access still there, equipment out) keeps the case open."""

    reasons: tuple[str, ...]


@dataclass(frozen=True)
class LastDayMoved(Notice):
    actor: str
    day: date


@dataclass(frozen=True)
class CutoffNeedsPeople(Notice):
    """Cutoff came and the bot does not revoke by itself: IT and security must run the steps."""

    subject_name: str


@dataclass(frozen=True)
class ItemsDue(Notice):
    """A role's items that are due and still open (role "manager": the case's manager)."""

    role: str
    titles: tuple[str, ...]


@dataclass(frozen=True)
class OverdueAsset:
    label: str
    serial: str
    state: str  # in words, e.g. "label sent"
    due: date | None


@dataclass(frozen=True)
class AssetsOverdue(Notice):
    """Equipment not returned by its deadline: IT is called in."""

    assets: tuple[OverdueAsset, ...]


@dataclass(frozen=True)
class OverdueDigest(Notice):
    """To one person: their overdue items across every open case, as (person leaving, item title)."""

    lines: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class WorkFailed(Notice):
    """Background work (a cutoff, an involuntary exit's revocation, a gate, a verification) failed.
    `retry`: the case's revocation panel offers Retry for it."""

    what: str
    error: str
    retry: bool = True
