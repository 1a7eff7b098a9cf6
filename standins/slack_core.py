"""The Slack stand-in's core: server, journal, auth, rate limits and seeding (see standins.slack_api).

Serves GET and POST like Slack does, with params merged from the query string, a form body or a JSON
body (slack_sdk uses all three, see the specs README's probe notes).

Rate limits: every method with a tier gets `limits[method]` requests per `rate_window` seconds (Slack's
minute by default); chat.postMessage counts per channel. Over the limit: HTTP 429, `Retry-After` in
whole seconds (>= 1, as HTTP requires). Benchmarks that shrink `rate_window` can set
`retry_after_override` so clients do not sleep real seconds; slack_sdk's retry handler int()-parses the
header (and adds up to 1 s of jitter), so give it an int such as 0.
"""

from __future__ import annotations

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
# Scopes an org admin's user token (xoxp-) gets unless a test says otherwise: `admin` for SCIM
# (https://api.slack.com/scim "An OAuth token with the admin scope is required"), admin.users:* for
# the admin.users.* methods (scope named in the spec slice's `token` parameter).
ADMIN_SCOPES = frozenset({"admin", "admin.users:read", "admin.users:write"})
# Methods that only an admin user token may call, and the scope each needs.
ADMIN_METHODS = {
    "admin.users.session.reset": "admin.users:write",
}
# Where the journal middleware leaves the merged params for the handler (RequestKey: aiohttp >= 3.11).
_PARAMS: Any = web.RequestKey("slack_params", dict) if hasattr(web, "RequestKey") else "slack_params"
_ERROR: Any = web.RequestKey("slack_error", str) if hasattr(web, "RequestKey") else "slack_error"
_SCOPE: Any = web.RequestKey("slack_scope", dict) if hasattr(web, "RequestKey") else "slack_scope"


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


class SlackCore(StandIn):
    """One workspace in memory plus the HTTP plumbing; the API families are mixins on top of it."""

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
        admin_tokens: Any = (),
    ) -> None:
        super().__init__()
        self.tokens = {token}
        self.revoked_tokens: set[str] = set()
        # Org admin user tokens (xoxp-) -> their scopes; see add_admin_token.
        self.admin_tokens: dict[str, set[str]] = {}
        for admin_token in admin_tokens:
            self.add_admin_token(admin_token)
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
        # Signed-in sessions per user id ({"id", "type": "web"|"mobile", "created"}); deactivation and
        # admin.users.session.reset end them. session_resets records each reset (who, when, what).
        self.sessions: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.session_resets: list[dict[str, Any]] = []
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

    def add_admin_token(self, token: str, scopes: Any = ADMIN_SCOPES) -> None:
        """Accept `token` as an org admin's user token (xoxp-) with `scopes` (SCIM needs `admin`)."""
        self.admin_tokens[token] = set(scopes)

    def add_session(self, user_id: str, kind: str = "web") -> dict[str, Any]:
        """Sign `user_id` in on a web or mobile client (a session admin.users.session.reset can end)."""
        session = {"id": self._new_id("SESS"), "type": kind, "created": time.time()}
        self.sessions[user_id].append(session)
        return session

    # -- journal --------------------------------------------------------------------------------
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
            return web.json_response({"ok": False, "error": error, **request.get(_SCOPE, {})})
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
        if name in ADMIN_METHODS:
            return self._admin_auth_error(request, str(token), ADMIN_METHODS[name])
        return None if token in self.tokens or token in self.admin_tokens else "invalid_auth"

    def _admin_auth_error(self, request: web.Request, token: str, scope: str) -> str | None:
        """admin.* methods take only an admin's user token. A bot token gets Slack's common error
        `not_allowed_token_type` ("The token type used in this request is not allowed", listed in
        the spec's error enums); a user token without the scope gets `missing_scope` + needed/provided
        (the fields of api-response-shapes/admin.users.session.reset.json)."""
        if token in self.tokens:
            return "not_allowed_token_type"
        if token not in self.admin_tokens:
            return "invalid_auth"
        if scope not in self.admin_tokens[token]:
            request[_SCOPE] = {"needed": scope, "provided": ",".join(sorted(self.admin_tokens[token]))}
            return "missing_scope"
        return None

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

    def _postable(self, channel: dict[str, Any]) -> None:
        if channel["is_archived"]:
            raise SlackError("is_archived")
        if not self._bot_in(channel) and (channel["is_private"] or not self.chat_write_public):
            raise SlackError("not_in_channel")

    def _bot_in(self, channel: dict[str, Any]) -> bool:
        return self.bot_user_id in channel["members"]

    @staticmethod
    def _public(message: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in message.items() if v is not None}
