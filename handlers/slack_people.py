"""People and user groups, read from Slack."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ports import Person


def to_person(user: dict) -> Person:
    profile = user.get("profile") or {}
    return Person(
        id=user["id"],
        name=user.get("name") or user["id"],
        real_name=profile.get("real_name") or user.get("real_name") or "",
        email=profile.get("email"),
        tz=user.get("tz") or "UTC",
        is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
        deleted=bool(user.get("deleted")),
    )


class SlackPeople:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def person(self, user_id: str) -> Person | None:
        try:
            resp = await self.client.users_info(user=user_id)
        except SlackApiError as e:
            if e.response.get("error") == "user_not_found":
                return None
            raise
        return to_person(resp["user"])

    async def by_email(self, email: str) -> Person | None:
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
