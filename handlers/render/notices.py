"""The words, mentions and place of each domain notice and refusal (bot/notices.py, bot/errors.py)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import singledispatch

from bot.checklist.templates import ROLE_NAMES
from bot.errors import DomainError
from bot.notices import (
    AssetsOverdue,
    CloseBlocked,
    CutoffNeedsPeople,
    ItemsDue,
    LastDayMoved,
    Notice,
    OverdueDigest,
    WorkFailed,
)
from handlers.render.text import escape, mention, usergroup


def group(role_groups: Mapping[str, str], role: str) -> str:
    return usergroup(role_groups[role])


def error_text(error: DomainError) -> str:
    """A refusal as the person who acted reads it, naming whoever did the earlier action."""
    text = escape(error.message)
    if error.by:
        head, dot = (text[:-1], ".") if text.endswith(".") else (text, "")
        text = f"{head} by {mention(error.by)}{dot}"
    return text


@singledispatch
def notice_text(notice: Notice, role_groups: Mapping[str, str], manager_id: str = "") -> str:
    raise TypeError(f"no words for {type(notice).__name__}")


@notice_text.register
def _(notice: CloseBlocked, role_groups: Mapping[str, str], manager_id: str = "") -> str:
    reasons = "; ".join(escape(r) for r in notice.reasons[:10])
    return f"Every item is done, but the case stays open: {reasons}."


@notice_text.register
def _(notice: LastDayMoved, role_groups: Mapping[str, str], manager_id: str = "") -> str:
    return (
        f"{mention(notice.actor)} moved the last day to {notice.day:%a %d %b %Y}; "
        "cutoff and reminders are rescheduled."
    )


@notice_text.register
def _(notice: CutoffNeedsPeople, role_groups: Mapping[str, str], manager_id: str = "") -> str:
    groups = " ".join(group(role_groups, r) for r in ("it", "security"))
    return (
        f"{groups} Access cutoff for {escape(notice.subject_name)} is now. Please run the revocation steps."
    )


@notice_text.register
def _(notice: ItemsDue, role_groups: Mapping[str, str], manager_id: str = "") -> str:
    who = mention(manager_id) if notice.role == "manager" else group(role_groups, notice.role)
    titles = "\n".join(f"• {escape(t)}" for t in notice.titles)
    return f"{who} Reminder — due and still open ({ROLE_NAMES[notice.role]}):\n{titles}"


@notice_text.register
def _(notice: AssetsOverdue, role_groups: Mapping[str, str], manager_id: str = "") -> str:
    lines = []
    for a in notice.assets:
        due = a.due.strftime("%Y-%m-%d") if a.due else "?"
        serial = f", serial {escape(a.serial)}" if a.serial else ""
        lines.append(f"• {escape(a.label)}{serial} — {a.state}, due back {due}")
    head = f"{group(role_groups, 'it')} " if "it" in role_groups else ""
    return f"{head}Equipment not returned by its deadline:\n" + "\n".join(lines)


@notice_text.register
def _(notice: OverdueDigest, role_groups: Mapping[str, str], manager_id: str = "") -> str:
    lines = "\n".join(f"• {escape(name)}: {escape(title)}" for name, title in notice.lines)
    return "Your overdue offboarding items:\n" + lines


@notice_text.register
def _(notice: WorkFailed, role_groups: Mapping[str, str], manager_id: str = "") -> str:
    retry = " Use Retry on the failed steps in the Access revocation thread." if notice.retry else ""
    return (
        f"{group(role_groups, 'security')} :x: {escape(notice.what)} failed: {escape(notice.error)}.{retry}"
    )


def in_revocation_thread(notice: Notice) -> bool:
    """Notices about revocation go under the revocation panel; the rest to the case's room."""
    return isinstance(notice, CutoffNeedsPeople | WorkFailed)
