"""Slack stand-in: admin.users.session.reset (signs a user out of their web and/or mobile sessions).

Only an org admin's user token with `admin.users:write` may call it (the spec slice's `token`
parameter); the core's auth answers a bot token with `not_allowed_token_type` and a user token without
the scope with `missing_scope`. Success is the brief `{"ok": true}` of the spec's 200 example.
"""

from __future__ import annotations

import time
from typing import Any

from standins.slack_core import SlackCore, SlackError, _bool


class AdminMethods(SlackCore):
    """Session state per user (self.sessions) and the admin method that clears it."""

    def _m_admin_users_session_reset(self, p: dict[str, Any]) -> dict[str, Any]:
        user_id = str(p.get("user_id") or "")
        if not user_id:
            # Slack's answer to a missing required argument (the spec's common error enums).
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: user_id"]},
            )
        self._user(user_id)
        web_only, mobile_only = _bool(p.get("web_only")), _bool(p.get("mobile_only"))
        # docs.slack.dev/reference/methods/admin.users.session.reset: "By default, this method resets
        # all sessions for a given user. Use the web_only and mobile_only parameters to wipe only web
        # or only mobile sessions."
        kinds = {"web"} if web_only else {"mobile"} if mobile_only else {"web", "mobile"}
        if web_only and mobile_only:
            kinds = {"web", "mobile"}
        before = self.sessions.get(user_id, [])
        ended = [s for s in before if s["type"] in kinds]
        self.sessions[user_id] = [s for s in before if s["type"] not in kinds]
        self.session_resets.append({
            "user_id": user_id, "at": time.time(), "web_only": web_only, "mobile_only": mobile_only,
            "ended": [s["id"] for s in ended],
        })  # fmt: skip
        return {}

    def active_sessions(self, user_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        """The user's signed-in sessions now (of one kind, "web" or "mobile", if given)."""
        return [s for s in self.sessions.get(user_id, []) if kind is None or s["type"] == kind]
