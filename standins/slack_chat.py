"""Slack stand-in: auth.test, api.test and chat.* (postMessage, update, postEphemeral, getPermalink)."""

from __future__ import annotations

from typing import Any

from standins.slack_blocks import blocks_size_problem, check_blocks
from standins.slack_core import MAX_TEXT, SlackCore, SlackError


class ChatMethods(SlackCore):
    """Posting and editing messages as the bot."""

    def _content(self, params: dict[str, Any]) -> None:
        """Refuse a message without text/blocks, or with blocks Slack would refuse."""
        blocks = params.get("blocks")
        if not params.get("text") and not blocks and not params.get("attachments"):
            raise SlackError("no_text")
        if blocks is None:
            return
        too_long = blocks_size_problem(blocks) if isinstance(blocks, list) else None
        problems = [p for p in check_blocks(blocks, "message") if p != too_long]
        if problems:
            raise SlackError("invalid_blocks", response_metadata={"messages": problems})
        if too_long:
            raise SlackError("msg_blocks_too_long", response_metadata={"messages": [too_long]})

    def _find_message(self, channel_id: str, ts: Any) -> dict[str, Any]:
        for message in self.messages[channel_id]:
            if message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    def _m_api_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"args": {k: v for k, v in p.items() if k != "token"}}

    def _m_auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"url": f"https://{self.domain}.slack.com/", "team": self.team,
                "user": self.users[self.bot_user_id]["name"], "team_id": self.team_id,
                "user_id": self.bot_user_id, "bot_id": self.bot_id, "is_enterprise_install": False}  # fmt: skip

    def _m_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p, allow_dm=True)
        self._postable(channel)
        self._content(p)
        message = {"type": "message", "ts": self._next_ts(), "text": str(p.get("text") or "")[:MAX_TEXT],
                   "blocks": p.get("blocks"), "thread_ts": p.get("thread_ts"), "user": self.bot_user_id,
                   "bot_id": self.bot_id, "team": self.team_id, "edited": None}  # fmt: skip
        self.messages[channel["id"]].append(message)
        return {"channel": channel["id"], "ts": message["ts"], "message": self._public(message)}

    def _m_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p)
        if channel["is_archived"]:
            raise SlackError("is_archived")
        message = self._find_message(channel["id"], p.get("ts"))
        if message["user"] != self.bot_user_id:
            raise SlackError("cant_update_message")
        self._content(p)
        if "text" in p:
            message["text"] = str(p["text"])[:MAX_TEXT]
        if "blocks" in p:  # omitted blocks are kept, as Slack documents
            message["blocks"] = p["blocks"]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {"channel": channel["id"], "ts": message["ts"], "text": message["text"],
                "message": self._public(message)}  # fmt: skip

    def _m_chat_postEphemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p)
        self._postable(channel)
        if str(p.get("user") or "") not in channel["members"]:
            raise SlackError("user_not_in_channel")
        self._content(p)
        ts = self._next_ts()
        self.ephemeral.append({"channel": channel["id"], "user": p["user"], "text": p.get("text"),
                               "blocks": p.get("blocks"), "thread_ts": p.get("thread_ts"), "message_ts": ts})  # fmt: skip
        return {"message_ts": ts}

    def _m_chat_getPermalink(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p)
        ts = self._find_message(channel["id"], p.get("message_ts"))["ts"]
        link = f"https://{self.domain}.slack.com/archives/{channel['id']}/p{ts.replace('.', '')}"
        return {"channel": channel["id"], "permalink": link}
