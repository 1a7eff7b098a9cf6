"""What the domain needs from the chat workspace, as small interfaces (Slack implements them in handlers/)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.cases.models import Case
    from bot.checklist.models import ChecklistItem
    from bot.notices import Notice


# How people are named in input (forms, commands, CSV cells): one pattern each, for every reader.
USER_ID = r"[UW][A-Z0-9]{2,}"
MENTION = re.compile(rf"<@({USER_ID})(?:\|[^>]*)?>")  # how a chat client sends "@Jane" in text
USER_REF = re.compile(rf"<?@?({USER_ID})(?:\|[^>]*)?>?")  # a bare id, "@U…" or a mention
EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    real_name: str = ""
    email: str | None = None
    tz: str = "UTC"
    is_bot: bool = False
    deleted: bool = False

    @property
    def display(self) -> str:
        return self.real_name or self.name


class People(Protocol):
    async def person(self, user_id: str) -> Person | None: ...
    async def by_email(self, email: str) -> Person | None: ...
    async def group_members(self, group_id: str) -> frozenset[str]: ...


class Workspace(Protocol):
    """The case's room and the messages that show it. Returns refs the domain persists on the case."""

    async def open_room(self, case: Case, invitees: Sequence[str]) -> tuple[str, str]: ...

    async def show_checklist(
        self, case: Case, items: Sequence[ChecklistItem], changed: Sequence[str] | None = None
    ) -> dict[str, Any]: ...

    async def notify(self, case: Case, notice: Notice) -> None:
        """Tell the people on the case; the chat side words it and picks the place."""
        ...

    async def notify_person(self, user_id: str, notice: Notice) -> None: ...

    async def post_archive(
        self,
        case: Case,
        items: Sequence[ChecklistItem],
        final_hash: str,
        final_seq: int,
        notes: Sequence[str] = (),
    ) -> None: ...

    async def close_room(self, case: Case) -> None: ...
