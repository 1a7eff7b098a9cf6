"""Slack stand-in: users.info, users.lookupByEmail, usergroups.*; guests and (de)activation hooks."""

from __future__ import annotations

import time
from typing import Any

from standins.slack_core import SlackCore, SlackError, _bool


class UsersMethods(SlackCore):
    """Who is who: members, guests, deactivated accounts and user groups."""

    def _m_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"user": self._user_obj(self._user(p.get("user")))}

    def _m_users_lookupByEmail(self, p: dict[str, Any]) -> dict[str, Any]:
        email = str(p.get("email") or "").lower()
        for user in self.users.values():
            if email and user["profile"].get("email", "").lower() == email:
                return {"user": self._user_obj(user)}
        raise SlackError("users_not_found")

    def _m_usergroups_users_list(self, p: dict[str, Any]) -> dict[str, Any]:
        group = str(p.get("usergroup") or "")
        if group not in self.usergroups:
            raise SlackError("no_such_subteam")
        return {"users": list(self.usergroups[group])}

    def _m_usergroups_list(self, p: dict[str, Any]) -> dict[str, Any]:
        groups = []
        for gid, members in self.usergroups.items():
            group = {"id": gid, "team_id": self.team_id, "is_usergroup": True, "user_count": len(members),
                     **self.usergroup_meta.get(gid, {})}  # fmt: skip
            if _bool(p.get("include_users")):
                group["users"] = list(members)
            groups.append(group)
        return {"usergroups": groups}

    # -- seeding and test hooks -----------------------------------------------------------------
    def add_guest(
        self, id: str, name: str, email: str | None, *, single_channel: bool = False, **extra: Any
    ) -> dict[str, Any]:
        """A guest as users.info shows one: multi-channel guests are `is_restricted`; single-channel
        guests are both `is_restricted` and `is_ultra_restricted` (Slack's user object reference)."""
        return self.add_user(id, name, email, is_restricted=True, is_ultra_restricted=single_channel, **extra)

    def deactivate_user(self, user_id: str) -> None:
        """Deactivate as an admin would (also what SCIM DELETE does): users.info shows `deleted: true`
        and the account's sessions end, since a deactivated member is signed out everywhere."""
        user = self._user(user_id)
        user.update(deleted=True, updated=int(time.time()))
        self.sessions.pop(user_id, None)

    def reactivate_user(self, user_id: str) -> None:
        """Test hook: an admin brings a deactivated account back (`deleted: false` again), e.g. to
        simulate drift after offboarding. Sessions stay ended until the user signs in (add_session)."""
        self._user(user_id).update(deleted=False, updated=int(time.time()))
