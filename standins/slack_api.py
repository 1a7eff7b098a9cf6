"""A local stand-in for the Slack Web API (slack.com/api/<method>), for tests and benchmarks.

Built from Slack's published material in /work/shared/specs/slack/: error codes from each method's
`default` error enum in slack_web_openapi_v2.json, object shapes from api-response-shapes/, limits and
rate-limit tiers from the specs README. Serves GET and POST like Slack does, with params merged from
the query string, a form body or a JSON body (slack_sdk uses all three, see the README's probe notes).

Rate limits: every method with a tier gets `limits[method]` requests per `rate_window` seconds (Slack's
minute by default); chat.postMessage counts per channel. Over the limit: HTTP 429, `Retry-After` in
whole seconds (>= 1, as HTTP requires). Benchmarks that shrink `rate_window` can set
`retry_after_override` so clients do not sleep real seconds; slack_sdk's retry handler int()-parses the
header (and adds up to 1 s of jitter), so give it an int such as 0.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import re
import time
from collections import defaultdict, deque
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from standins.base import Fault, Recorded, StandIn
from standins.slack_blocks import blocks_size_problem, check_blocks, check_view

# Requests per window, from Slack's tiers (Tier 2 = 20/min, Tier 3 = 50/min, Tier 4 = 100/min).
TIER_LIMITS = {
    "conversations.create": 20,
    "conversations.archive": 20,
    "usergroups.users.list": 20,
    "usergroups.list": 20,
    "conversations.invite": 50,
    "conversations.kick": 50,
    "conversations.setTopic": 50,
    "conversations.info": 50,
    "conversations.history": 50,
    "conversations.replies": 50,
    "chat.update": 50,
    "users.lookupByEmail": 50,
    "views.open": 100,
    "views.push": 100,
    "views.update": 100,
    "views.publish": 100,
    "users.info": 100,
    "conversations.members": 100,
    "chat.postEphemeral": 100,
    "chat.postMessage": 60,  # per channel: "about 1 per second", short bursts allowed
}
CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")
JSON_PARAMS = ("blocks", "view", "attachments", "metadata")  # JSON strings inside form bodies
MAX_TEXT = 40_000  # Slack truncates longer top-level text
# Where the journal middleware leaves the merged params for the handler (RequestKey: aiohttp >= 3.11).
_PARAMS: Any = web.RequestKey("slack_params", dict) if hasattr(web, "RequestKey") else "slack_params"
_ERROR: Any = web.RequestKey("slack_error", str) if hasattr(web, "RequestKey") else "slack_error"


class SlackError(Exception):
    """An `ok: false` answer; `extra` goes next to `error` (e.g. response_metadata)."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def _bool(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true")


def _list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v.strip() for v in str(value or "").split(",") if v.strip()]


def _invalid_arguments(messages: list[str]) -> SlackError:
    return SlackError("invalid_arguments", response_metadata={"messages": messages})


class SlackStandIn(StandIn):
    """Slack Web API stand-in holding one workspace in memory; seed it with add_user/add_channel/..."""

    def __init__(
        self,
        token: str = "xoxb-test",
        *,
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        team_id: str = "T0001",
        team: str = "Offboard Test",
        app_id: str = "A0001",
        rate_limits: bool = True,
        rate_window: float = 60.0,
        retry_after_override: float | None = None,
        chat_write_public: bool = False,
    ) -> None:
        super().__init__()
        self.tokens = {token}
        self.revoked_tokens: set[str] = set()
        self.bot_user_id, self.bot_id, self.team_id, self.team, self.app_id = (
            bot_user_id, bot_id, team_id, team, app_id,
        )  # fmt: skip
        self.domain = re.sub(r"[^a-z0-9-]", "-", team.lower())
        self.rate_limits = rate_limits
        self.rate_window = rate_window
        self.retry_after_override = retry_after_override
        self.limits = dict(TIER_LIMITS)
        # With the chat:write.public scope a bot may post to public channels it is not in.
        self.chat_write_public = chat_write_public
        # Workspace state: plain dicts and lists, for tests to seed and inspect.
        self.users: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.usergroup_meta: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.ephemeral: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}  # view id -> current view object
        self.views_opened: list[dict[str, Any]] = []  # by views.open and views.push, in order
        self.home_views: dict[str, dict[str, Any]] = {}  # user id -> published Home tab
        self.expired_trigger_ids: set[str] = set()
        self.used_trigger_ids: set[str] = set()  # a trigger_id works once; then `exchanged_trigger_id`
        self._ids = itertools.count(1)
        self._ts_us = 1_700_000_000_000_000
        self._hits: dict[tuple[str, ...], deque[float]] = defaultdict(deque)
        self.files: dict[str, tuple[dict[str, Any], bytes]] = {}  # id -> (file object, content)
        self.file_scope = True  # the token has files:read; without it file URLs give the sign-in page
        self.add_user(bot_user_id, "offboard-bot", None, is_bot=True, real_name="Offboard Bot")

    # -- seeding --------------------------------------------------------------------------------
    def add_user(
        self,
        id: str,
        name: str,
        email: str | None,
        tz: str = "America/New_York",
        is_bot: bool = False,
        real_name: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Add a user shaped like users.info's `user`; `extra` sets other fields (deleted=True, ...)."""
        real = real_name or name.replace(".", " ").title()
        profile = {"real_name": real, "real_name_normalized": real, "display_name": name,
                   "display_name_normalized": name, "team": self.team_id}  # fmt: skip
        if email is not None:
            profile["email"] = email
        if is_bot:
            profile.update(bot_id=self.bot_id, api_app_id=self.app_id, always_active=True)
        user = {"id": id, "team_id": self.team_id, "name": name, "deleted": False, "real_name": real,
                "tz": tz, "is_admin": False, "is_owner": False, "is_restricted": False,
                "is_ultra_restricted": False, "is_bot": is_bot, "is_app_user": False,
                "updated": int(time.time()), "profile": profile, **extra}  # fmt: skip
        self.users[id] = user
        return self._user_obj(user)

    def add_usergroup(self, id: str, members: Any, handle: str | None = None) -> None:
        self.usergroups[id] = list(members)
        self.usergroup_meta[id] = {"handle": handle or id.lower(), "name": handle or id}

    def add_channel(
        self, id: str, name: str, is_private: bool = False, members: Any = (), **extra: Any
    ) -> dict[str, Any]:
        channel = {"id": id, "name": name, "is_private": is_private, "is_archived": False,
                   "members": set(members), "topic": "", "creator": self.bot_user_id,
                   "created": int(time.time()), "is_im": False, **extra}  # fmt: skip
        self.channels[id] = channel
        return channel

    # -- journal --------------------------------------------------------------------------------
    def add_file(self, user: str, name: str, content: bytes, filetype: str = "csv") -> dict[str, Any]:
        """A file the user uploaded (e.g. through a modal's file_input), as Slack's file object.
        Its content is served at url_private(_download) to requests with a valid bearer token."""
        file_id = self._new_id("F")
        url = f"{self.url.removesuffix('/api/')}/files-pri/{self.team_id}-{file_id}/{name}"
        now = int(time.time())
        obj = {
            "id": file_id, "created": now, "timestamp": now, "name": name, "title": name,
            "mimetype": "text/csv" if filetype == "csv" else "application/octet-stream",
            "filetype": filetype, "pretty_type": filetype.upper(), "user": user, "user_team": self.team_id,
            "editable": False, "size": len(content), "mode": "hosted", "is_external": False,
            "external_type": "", "is_public": False, "public_url_shared": False, "display_as_bot": False,
            "username": "", "url_private": url, "url_private_download": f"{url}?dl=1", "permalink": f"https://{self.domain}.slack.com/files/{user}/{file_id}/{name}",
            "comments_count": 0, "is_starred": False, "shares": {}, "channels": [], "groups": [], "ims": [],
        }  # fmt: skip
        self.files[file_id] = (obj, content)
        return obj

    def api_calls(self, name: str) -> list[dict[str, Any]]:
        """Merged params of every call of Slack method `name`, in order (rate-limited ones too)."""
        return [r.body for r in self.requests if r.path == f"/api/{name}"]

    # -- StandIn hooks --------------------------------------------------------------------------
    def base_path(self) -> str:
        return "/api/"

    def make_app(self) -> web.Application:
        # Journal first, so requests answered by an injected fault are recorded too.
        app = web.Application(middlewares=[self._journal, self._fault_middleware])
        self.routes(app)
        return app

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/api/{method}", self._dispatch)
        app.router.add_get("/files-pri/{team_file}/{name}", self._file)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        """Private file URLs need `Authorization: Bearer <token>`; without one Slack answers with its
        sign-in page (HTML, 200), not an error."""
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        found = self.files.get(request.match_info["team_file"].partition("-")[2])
        if token not in self.tokens or token in self.revoked_tokens or not self.file_scope:
            return web.Response(text="<!DOCTYPE html><html><title>Slack</title>Sign in</html>", content_type="text/html")
        if found is None or found[0]["name"] != request.match_info["name"]:
            return web.Response(status=404, text="file_not_found")
        obj, content = found
        return web.Response(body=content, content_type=obj["mimetype"])

    def error_response(self, status: int, fault: Fault) -> web.Response:
        headers = dict(fault.headers)
        if isinstance(fault.body, dict):
            return web.json_response(fault.body, status=status, headers=headers)
        error = fault.body or ("ratelimited" if status == 429 else "fatal_error")
        if status == 429 and not any(k.lower() == "retry-after" for k in headers):
            headers["Retry-After"] = self._retry_after(1.0)
        return web.json_response({"ok": False, "error": error}, status=status, headers=headers)

    # -- plumbing -------------------------------------------------------------------------------
    @web.middleware
    async def _journal(self, request: web.Request, handler: Any) -> web.StreamResponse:
        params: dict[str, Any] = dict(request.query)
        raw = await request.read()
        if raw and request.content_type == "application/json":
            try:
                data = json.loads(raw)
            except ValueError:
                data = None
            if not isinstance(data, dict):
                request[_ERROR] = "invalid_json"
            else:
                params.update(data)
        elif raw:
            params.update((await request.post()).items())
        for key in JSON_PARAMS:
            if isinstance(params.get(key), str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    pass
        request[_PARAMS] = params
        record = Recorded(request.method, request.path, dict(request.query), dict(request.headers), params)
        self.requests.append(record)
        response = await handler(request)
        record.status = response.status
        return response

    async def _dispatch(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        params = request[_PARAMS]
        handler = getattr(self, "_m_" + name.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method", "req_method": name})
        if error := request.get(_ERROR) or self._auth_error(request, params, name):
            return web.json_response({"ok": False, "error": error})
        wait = self._take_rate(name, params)
        if wait is not None:
            headers = {"Retry-After": self._retry_after(wait)}
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)
        try:
            body = {"ok": True, **handler(params)}
        except SlackError as e:
            body = {"ok": False, "error": e.error, **e.extra}
        return web.json_response(body)

    def _auth_error(self, request: web.Request, params: dict[str, Any], name: str) -> str | None:
        if name == "api.test":
            return None
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else params.get("token")
        if not token:
            return "not_authed"
        if token in self.revoked_tokens:
            return "token_revoked"
        return None if token in self.tokens else "invalid_auth"

    def _take_rate(self, name: str, params: dict[str, Any]) -> float | None:
        """Count this call; seconds until a slot frees if it is over the method's limit."""
        limit = self.limits.get(name)
        if not self.rate_limits or limit is None:
            return None
        key = (name, str(params.get("channel", ""))) if name == "chat.postMessage" else (name,)
        now, hits = time.monotonic(), self._hits[key]
        while hits and hits[0] <= now - self.rate_window:
            hits.popleft()
        if len(hits) >= limit:
            return hits[0] + self.rate_window - now if hits else self.rate_window
        hits.append(now)
        return None

    def _retry_after(self, wait: float) -> str:
        if self.retry_after_override is not None:
            value = self.retry_after_override
            return str(int(value)) if float(value).is_integer() else str(value)
        return str(max(1, math.ceil(wait)))

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def _next_ts(self) -> str:
        self._ts_us += 100
        return f"{self._ts_us // 1_000_000}.{self._ts_us % 1_000_000:06d}"

    def _user_obj(self, user: dict[str, Any]) -> dict[str, Any]:
        """users.info's `user`, with tz_offset/tz_label as of now (they change with DST)."""
        now = datetime.now(ZoneInfo(user["tz"]))
        offset = now.utcoffset()
        return {**user, "tz_offset": int(offset.total_seconds()) if offset else 0, "tz_label": now.tzname()}

    def _user(self, user_id: Any, error: str = "user_not_found") -> dict[str, Any]:
        if str(user_id or "") not in self.users:
            raise SlackError(error)
        return self.users[str(user_id)]

    def _channel(self, params: dict[str, Any], *, allow_dm: bool = False, visible: bool = False) -> dict:
        """The channel named by `channel` (an id, or a name as chat.* allow; a user id opens a DM)."""
        ref = str(params.get("channel") or "")
        channel = self.channels.get(ref) or next(
            (c for c in self.channels.values() if c["name"] == ref.lstrip("#") and not c["is_im"]), None
        )
        if channel is None and allow_dm and ref in self.users:
            channel = self.channels.get("D" + ref) or self.add_channel(
                "D" + ref, ref, is_private=True, members={self.bot_user_id, ref}, is_im=True
            )
        if channel is None or (visible and channel["is_private"] and not self._bot_in(channel)):
            raise SlackError("channel_not_found")
        return channel

    def _bot_in(self, channel: dict[str, Any]) -> bool:
        return self.bot_user_id in channel["members"]

    def _channel_obj(self, ch: dict[str, Any], num_members: bool = False) -> dict[str, Any]:
        obj = {"id": ch["id"], "name": ch["name"], "is_channel": not ch["is_im"], "is_group": False,
               "is_im": ch["is_im"], "is_mpim": False, "is_private": ch["is_private"],
               "created": ch["created"], "is_archived": ch["is_archived"], "is_general": False,
               "unlinked": 0, "name_normalized": ch["name"], "is_shared": False, "is_ext_shared": False,
               "is_org_shared": False, "is_pending_ext_shared": False, "creator": ch["creator"],
               "is_member": self._bot_in(ch), "previous_names": [], "context_team_id": self.team_id,
               "topic": {"value": ch["topic"], "creator": ch.get("topic_creator", ""),
                         "last_set": ch.get("topic_last_set", 0)},
               "purpose": {"value": "", "creator": "", "last_set": 0}}  # fmt: skip
        if num_members:
            obj["num_members"] = len(ch["members"])
        return obj

    def _postable(self, channel: dict[str, Any]) -> None:
        if channel["is_archived"]:
            raise SlackError("is_archived")
        if not self._bot_in(channel) and (channel["is_private"] or not self.chat_write_public):
            raise SlackError("not_in_channel")

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

    @staticmethod
    def _public(message: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in message.items() if v is not None}

    # -- methods: auth and chat -----------------------------------------------------------------
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

    # -- methods: conversations -----------------------------------------------------------------
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

    # -- methods: views -------------------------------------------------------------------------
    def _checked_view(self, p: dict[str, Any], kind: str | None) -> dict[str, Any]:
        view = p.get("view")
        if not isinstance(view, dict):
            raise _invalid_arguments(["[ERROR] missing required field: view [json-pointer:/view]"])
        if problems := check_view(view):
            raise _invalid_arguments(problems)
        if kind and view["type"] != kind:
            raise _invalid_arguments([f"[ERROR] must be `{kind}` [json-pointer:/view/type]"])
        return view

    def _trigger(self, p: dict[str, Any]) -> str:
        trigger = str(p.get("trigger_id") or p.get("interactivity_pointer") or "")
        if not trigger:
            raise _invalid_arguments(["invalid `trigger_id`"])  # the spec's own example refusal
        if trigger in self.expired_trigger_ids:
            raise SlackError("expired_trigger_id")
        if trigger in self.used_trigger_ids:
            raise SlackError("exchanged_trigger_id")
        return trigger

    def _store_view(self, view: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
        view_id = previous["id"] if previous else self._new_id("V")
        obj = {"id": view_id, "team_id": self.team_id, "private_metadata": "", "callback_id": "",
               "external_id": "", "state": {"values": {}}, "clear_on_close": False,
               "notify_on_close": False, "close": None, "submit": None, "previous_view_id": None,
               "root_view_id": previous["root_view_id"] if previous else view_id, "app_id": self.app_id,
               "app_installed_team_id": self.team_id, "bot_id": self.bot_id, **view,
               "hash": f"{int(time.time())}.{next(self._ids):08x}"}  # fmt: skip
        self.views[view_id] = obj
        return obj

    def _open(self, p: dict[str, Any]) -> dict[str, Any]:
        trigger = self._trigger(p)
        view = self._store_view(self._checked_view(p, "modal"))
        self.used_trigger_ids.add(trigger)
        self.views_opened.append(view)
        return {"view": view}

    _m_views_open = _open
    _m_views_push = _open

    def _m_views_update(self, p: dict[str, Any]) -> dict[str, Any]:
        ref, ext = p.get("view_id"), p.get("external_id")
        if not ref and not ext:
            raise _invalid_arguments(["[ERROR] must provide `view_id` or `external_id`"])
        current = self.views.get(str(ref)) if ref else None
        if ext and current is None:
            current = next((v for v in self.views.values() if v["external_id"] == ext), None)
        if current is None:
            raise SlackError("not_found")
        if p.get("hash") and p["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        return {"view": self._store_view(self._checked_view(p, current["type"]), current)}

    def _m_views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self._user(p.get("user_id"))["id"]
        view = self._checked_view(p, "home")
        current = self.home_views.get(user)
        if current and p.get("hash") and p["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        self.home_views[user] = self._store_view(view, current)
        return {"view": self.home_views[user]}

    # -- methods: users and usergroups ----------------------------------------------------------
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
