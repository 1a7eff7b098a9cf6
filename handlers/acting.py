"""Who is acting, on which case: resolved once per request, after Slack's ack, never before it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.errors import NotAllowed, NotFound
from handlers.metadata import unsealed

if TYPE_CHECKING:
    from bot.cases.models import Case
    from handlers.services import Services

CASE_ID = re.compile(r"[0-9]{1,9}")  # ASCII digits only, and within a 32-bit integer column


def case_id_in(body: dict[str, Any]) -> int | None:
    """The case a request is about: from a button's value or a modal's private metadata."""
    for action in body.get("actions") or []:
        value = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
        head = value.split("|", 1)[0] if "|" in value else ""
        if CASE_ID.fullmatch(head):
            return int(head)
    meta = unsealed(body.get("view") or {})
    value = meta.get("case")
    return value if isinstance(value, int) and 0 < value < 2**31 else None


def clicked_at(body: dict[str, Any]) -> tuple[str, str] | None:
    """(channel, thread root) of a click on a message; None for anything else (a modal, App Home)."""
    container = body.get("container") or {}
    if body.get("type") != "block_actions" or container.get("type") != "message":
        return None
    message = body.get("message") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id") or ""
    return channel, message.get("thread_ts") or message.get("ts") or container.get("message_ts") or ""


def belongs(case: Case, where: tuple[str, str]) -> bool:
    """A click on a case's message happens in its channel and, in a batch's shared channel, in its
    own thread."""
    channel, root = where
    if channel != case.channel_id:
        return False
    pages = case.messages.get("checklist") or []
    return not case.messages.get("shared_room") or bool(pages and pages[0].get("ts") == root)


@dataclass
class Acting:
    runtime: Services
    user: str | None
    case_id: int | None
    where: tuple[str, str] | None = None  # for a click on a message: (channel, thread root)
    _resolved: tuple[Case | None, frozenset[str]] | None = field(default=None, repr=False)

    async def resolve(self) -> tuple[Case | None, frozenset[str]]:
        """The case (None when the request names none) and the actor's roles in it; read once."""
        if self._resolved is None:
            case = await self.runtime.cases.find(self.case_id) if self.case_id is not None else None
            roles = await self.runtime.offboarding.roles_for(self.user, case) if self.user else frozenset()
            self._resolved = (case, roles)
        return self._resolved

    async def case(self) -> tuple[Case, frozenset[str]]:
        """Like resolve, for requests that must name an existing case."""
        case, roles = await self.resolve()
        if case is None:
            raise NotFound("That offboarding no longer exists.")
        if self.where is not None and not belongs(case, self.where):
            # A button's value names another case than the one whose channel/thread it was pressed in.
            refusal = NotAllowed("That button belongs to another offboarding; nothing was changed.")
            channel, root = self.where
            await self.runtime.offboarding.refuse(
                case, self.user or "", f"click from channel {channel} thread {root}", refusal
            )
            raise refusal
        return case, roles
