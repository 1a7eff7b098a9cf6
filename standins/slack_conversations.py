"""Slack stand-in: conversations.* (create, invite, archive, kick, setTopic/Purpose, info, members, history...), bookmarks.add."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

from standins.slack_core import CHANNEL_NAME, SlackCore, SlackError, _bool, _list


class ConversationsMethods(SlackCore):
    """Channels the bot creates, joins, reads and archives."""

    def _channel_obj(self, ch: dict[str, Any], num_members: bool = False) -> dict[str, Any]:
        obj = {"id": ch["id"], "name": ch["name"], "is_channel": not ch["is_im"], "is_group": False,
               "is_im": ch["is_im"], "is_mpim": False, "is_private": ch["is_private"],
               "created": ch["created"], "is_archived": ch["is_archived"], "is_general": False,
               "unlinked": 0, "name_normalized": ch["name"], "is_shared": False, "is_ext_shared": False,
               "is_org_shared": False, "is_pending_ext_shared": False, "creator": ch["creator"],
               "is_member": self._bot_in(ch), "previous_names": [], "context_team_id": self.team_id,
               "topic": {"value": ch["topic"], "creator": ch.get("topic_creator", ""),
                         "last_set": ch.get("topic_last_set", 0)},
               "purpose": {"value": ch.get("purpose", ""), "creator": ch.get("purpose_creator", ""),
                           "last_set": ch.get("purpose_last_set", 0)}}  # fmt: skip
        if num_members:
            obj["num_members"] = len(ch["members"])
        return obj

    def _m_conversations_create(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p.get("name") or "")
        if not name:
            raise SlackError("invalid_name_required")
        if len(name) > 80:
            raise SlackError("invalid_name_maxlength")
        if not CHANNEL_NAME.fullmatch(name):
            raise SlackError("invalid_name_specials")
        if not re.search(r"[a-z0-9]", name):
            raise SlackError("invalid_name_punctuation")
        if any(c["name"] == name for c in self.channels.values() if not c["is_im"]):
            raise SlackError("name_taken")
        channel = self.add_channel(self._new_id("C"), name, _bool(p.get("is_private")), {self.bot_user_id})
        return {"channel": self._channel_obj(channel)}

    def _m_conversations_invite(self, p: dict[str, Any]) -> dict[str, Any]:
        users = _list(p.get("users"))
        if not users:
            raise SlackError("no_user")
        if len(users) > 100:
            raise SlackError("too_many_users")
        channel = self._channel(p)
        if channel["is_archived"]:
            raise SlackError("is_archived")
        if not self._bot_in(channel):
            raise SlackError("not_in_channel")
        if channel["is_im"]:
            raise SlackError("method_not_supported_for_channel_type")
        if self.bot_user_id in users:
            raise SlackError("cant_invite_self")
        if unknown := [u for u in users if u not in self.users]:
            errors = [{"user": u, "ok": False, "error": "user_not_found"} for u in unknown]
            raise SlackError("user_not_found", errors=errors)
        if not (new := [u for u in users if u not in channel["members"]]):
            errors = [{"user": u, "ok": False, "error": "already_in_channel"} for u in users]
            raise SlackError("already_in_channel", errors=errors)
        channel["members"].update(new)
        return {"channel": self._channel_obj(channel)}

    def _m_conversations_archive(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p)
        if channel["is_archived"]:
            raise SlackError("already_archived")
        if channel["is_im"]:
            raise SlackError("method_not_supported_for_channel_type")
        channel["is_archived"] = True
        return {}

    def _m_conversations_kick(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p)
        user = self._user(p.get("user"))["id"]
        if user == self.bot_user_id:
            raise SlackError("cant_kick_self")
        if user not in channel["members"]:
            raise SlackError("not_in_channel")
        channel["members"].discard(user)
        return {}

    def _m_conversations_setTopic(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p)
        self._postable(channel)
        topic = str(p.get("topic") or "")
        if len(topic) > 250:
            raise SlackError("too_long")
        channel.update(topic=topic, topic_creator=self.bot_user_id, topic_last_set=int(time.time()))
        return {"channel": self._channel_obj(channel)}

    def _m_conversations_setPurpose(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p)
        self._postable(channel)
        purpose = str(p.get("purpose") or "")
        if len(purpose) > 250:  # same cap as the topic
            raise SlackError("too_long")
        channel.update(purpose=purpose, purpose_creator=self.bot_user_id, purpose_last_set=int(time.time()))
        return {"channel": self._channel_obj(channel)}

    def _m_bookmarks_add(self, p: dict[str, Any]) -> dict[str, Any]:
        """A link bookmark in a channel's header (bookmarks.add: channel_id, title, type=link, link)."""
        channel = self._channel({"channel": p.get("channel_id")})
        if not p.get("title") or p.get("type") != "link":
            raise SlackError("invalid_arguments")
        bookmark = {"id": self._new_id("Bk"), "channel_id": channel["id"], "title": str(p["title"]),
                    "link": str(p.get("link") or ""), "emoji": p.get("emoji"), "type": "link",
                    "date_created": int(time.time()), "created_by": self.bot_user_id}  # fmt: skip
        channel.setdefault("bookmarks", []).append(bookmark)
        return {"bookmark": bookmark}

    def _m_conversations_info(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p, visible=True)
        return {"channel": self._channel_obj(channel, _bool(p.get("include_num_members")))}

    def _m_conversations_members(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p, visible=True)
        try:
            limit = int(p.get("limit") or 100)
            start = (
                int(base64.b64decode(p["cursor"]).decode().removeprefix("offset:")) if p.get("cursor") else 0
            )
        except ValueError:
            raise SlackError("invalid_cursor") from None
        if not 1 <= limit <= 1000:
            raise SlackError("invalid_limit")
        members = sorted(channel["members"])
        more = start + limit < len(members)
        cursor = base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else ""
        return {"members": members[start : start + limit], "response_metadata": {"next_cursor": cursor}}

    def _m_conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        msgs = self.messages[self._channel(p, visible=True)["id"]]
        top = [self._with_replies(m, msgs) for m in msgs if m["thread_ts"] in (None, m["ts"])]
        top = top[::-1][: int(p.get("limit") or 100)]
        return {"messages": top, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def _m_conversations_replies(self, p: dict[str, Any]) -> dict[str, Any]:
        msgs = self.messages[self._channel(p, visible=True)["id"]]
        parent = next((m for m in msgs if m["ts"] == p.get("ts")), None)
        if parent is None:
            raise SlackError("thread_not_found")
        replies = [self._public(m) for m in msgs if m["thread_ts"] == parent["ts"] and m is not parent]
        return {"messages": [self._with_replies(parent, msgs), *replies], "has_more": False}

    def _with_replies(self, message: dict[str, Any], msgs: list[dict[str, Any]]) -> dict[str, Any]:
        count = sum(1 for m in msgs if m["thread_ts"] == message["ts"] and m is not message)
        return {
            **self._public(message),
            **({"reply_count": count, "thread_ts": message["ts"]} if count else {}),
        }
