"""People and user groups, read from Slack."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ports import Person

# A directory name is stored (cases.subject_name is 255 characters) and shown: control characters
# (PostgreSQL refuses NUL) and anything past a readable length stop here.
NAME_CHARS = 250
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]+")


def directory_name(value: object) -> str:
    text = _CONTROLS.sub(" ", str(value or "")).strip()
    return text if len(text) <= NAME_CHARS else text[: NAME_CHARS - 1] + "…"


def to_person(user: dict) -> Person:
    profile = user.get("profile") or {}
    return Person(
        id=user["id"],
        name=directory_name(user.get("name")) or user["id"],
        real_name=directory_name(profile.get("real_name") or user.get("real_name")),
        email=profile.get("email"),
        tz=user.get("tz") or "UTC",
        is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
        deleted=bool(user.get("deleted")),
    )


class SlackPeople:
    """Lookups are remembered for a minute: a batch is checked, then checked again when it starts,
    and users.info (Tier 4) / users.lookupByEmail (Tier 3) would otherwise spend the limit twice."""

    def __init__(self, client: AsyncWebClient, ttl: float = 60.0) -> None:
        self.client = client
        self.ttl = ttl
        self._seen: dict[tuple[str, str], tuple[float, Person | None]] = {}

    async def person(self, user_id: str) -> Person | None:
        return await self._remembered(("id", user_id), self._person)

    async def by_email(self, email: str) -> Person | None:
        return await self._remembered(("email", email.lower()), self._by_email)

    async def _remembered(
        self, key: tuple[str, str], look: Callable[[str], Awaitable[Person | None]]
    ) -> Person | None:
        now = time.monotonic()
        seen = self._seen.get(key)
        if seen is not None and now - seen[0] < self.ttl:
            return seen[1]
        if len(self._seen) > 50_000:  # a bound, not an LRU: lookups come in bursts
            self._seen.clear()
        found = await look(key[1])
        self._seen[key] = (now, found)
        return found

    async def _person(self, user_id: str) -> Person | None:
        try:
            resp = await self.client.users_info(user=user_id)
        except SlackApiError as e:
            if e.response.get("error") == "user_not_found":
                return None
            raise
        return to_person(resp["user"])

    async def _by_email(self, email: str) -> Person | None:
        try:
            resp = await self.client.users_lookupByEmail(email=email)
        except SlackApiError as e:
            if e.response.get("error") == "users_not_found":
                return None
            raise
        return to_person(resp["user"])

    async def group_members(self, group_id: str) -> frozenset[str]:
        resp = await self.client.usergroups_users_list(usergroup=group_id)
        return frozenset(resp.get("users") or [])
