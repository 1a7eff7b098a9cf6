"""A local Okta management API for the offboarding endpoints, checked against the vendor's spec.

Every request is validated against specs/okta/okta-offboarding-slice.yaml (violations -> 400 and
`spec_violations`), authenticated like Okta (`SSWS<token>`, with or without a space), counted
against a rate limit and a concurrency limit, and answered with Okta's headers
(x-okta-request-id, x-rate-limit-*, Date) and error body shape.
"""

from __future__ import annotations

import contextvars
import json
import math
import time
import uuid
from collections.abc import Callable
from email.utils import formatdate
from pathlib import Path
from typing import Any

from aiohttp import web

from standins.base import Fault, Recorded, StandIn
from standins.okta_access import OktaAccessMixin
from standins.okta_spec import spec_checker
from standins.okta_state import OktaOrg, QueryError, User, okta_id
from standins.okta_wire import _ERRORS, _Bucket, _not_found, okta_error

_RATE = web.RequestKey("okta_rate", tuple)
_BARE = web.ResponseKey("okta_bare", bool)  # send only the fault's own headers
_current: contextvars.ContextVar[web.Request | None] = contextvars.ContextVar("okta_request", default=None)


class OktaStandIn(OktaAccessMixin, StandIn):
    def __init__(
        self,
        token: str = "test-token",
        *,
        rate_limit: int = 600,
        rate_window: float = 60.0,
        clock: Callable[[], float] = time.time,
        concurrency_limit: int = 75,
        spec_path: str | Path | None = None,
    ) -> None:
        super().__init__()
        self.token = token
        self.rate_limit, self.rate_window, self.clock = rate_limit, rate_window, clock
        self.concurrency_limit = concurrency_limit
        self.org = OktaOrg(clock)
        self.spec_violations: list[str] = []
        self.rate_limited = 0  # 429s served by the rate limiter
        self.concurrency_limited = 0  # 429s served by the concurrency limit
        self.max_in_flight = 0
        self.deactivate_status = 200  # 200 `{}` (2025 recordings) or 204 (older recordings)
        self._in_flight = 0
        self._buckets = {"read": _Bucket(), "write": _Bucket()}
        self._explicit_header_faults: list[Fault] = []
        self._checker = spec_checker(Path(spec_path) if spec_path else None)
        self._init_access()

    # -- seeding and inspection (see OktaOrg) ---------------------------------------------------
    def add_user(
        self, login: str, first: str = "", last: str = "", status: str = "ACTIVE", manager_id=None
    ) -> str:
        return self.org.add_user(login, first, last, status, manager_id)

    def add_group(self, name: str, type: str = "OKTA_GROUP") -> str:
        return self.org.add_group(name, type)

    def add_member(self, group_id: str, user_id: str) -> None:
        self.org.add_member(group_id, user_id)

    def add_factor(
        self, user_id: str, factor_type: str = "token:software:totp", provider: str = "GOOGLE"
    ) -> str:
        return self.org.add_factor(user_id, factor_type, provider)

    def add_grant(self, user_id: str, scope: str = "okta.users.read") -> str:
        return self.org.add_grant(user_id, scope)

    def add_session(self, user_id: str) -> str:
        return self.org.add_session(user_id)

    def user_state(self, user_id: str) -> dict[str, Any]:
        return self.org.user_state(user_id)

    @property
    def everyone_id(self) -> str:
        return self.org.everyone_id

    # -- faults ---------------------------------------------------------------------------------
    def inject(self, match: str, status: int, *, times=1, headers=None, body=None, delay=0.0) -> Fault:
        """As StandIn.inject; passing `headers` (even {}) sends exactly those, without x-rate-limit-*."""
        fault = super().inject(match, status, times=times, headers=headers, body=body, delay=delay)
        if headers is not None:
            self._explicit_header_faults.append(fault)
        return fault

    def error_response(self, status: int, fault: Fault) -> web.Response:
        if fault.body is not None:
            if isinstance(fault.body, (dict, list)):
                resp = web.json_response(fault.body, status=status)
            else:
                resp = web.Response(status=status, text=str(fault.body), content_type="application/json")
        elif status < 400:
            resp = web.Response(status=status)
        else:
            code, summary = _ERRORS.get(status, ("E0000009", "Internal Server Error"))
            request = _current.get()
            last = request.path.rstrip("/").rsplit("/", 1)[-1] if request is not None else ""
            resp = okta_error(status, code, summary.format(id=last))
        if any(f is fault for f in self._explicit_header_faults):
            resp[_BARE] = True
            resp.headers.update(fault.headers)
        elif status == 429:  # the window resets now: the SDK waits reset - Date + 1 s
            now = int(self.clock())
            resp.headers.update({"x-rate-limit-limit": str(self.rate_limit), "x-rate-limit-remaining": "0"})
            resp.headers["x-rate-limit-reset"] = str(now)
        return resp

    # -- request pipeline -----------------------------------------------------------------------
    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._okta_middleware, self._fault_middleware])
        self.routes(app)
        return app

    @web.middleware
    async def _okta_middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        raw = await request.read()
        rec = Recorded(request.method, request.path, dict(request.query), dict(request.headers), _parse(raw))
        self.requests.append(rec)
        token = _current.set(request)
        event = self.note_call(request)
        self._in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            resp = await self._answer(request, raw, handler)
        finally:
            self._in_flight -= 1
            _current.reset(token)
        rec.status = resp.status
        self.noted(event, resp.status)
        resp.headers.setdefault("x-okta-request-id", uuid.uuid4().hex)
        if not resp.get(_BARE):
            resp.headers.setdefault("Date", formatdate(self.clock(), usegmt=True))
            limit, remaining, reset = request.get(_RATE) or self._rate(request, take=False)[1:]
            resp.headers.setdefault("x-rate-limit-limit", str(limit))
            resp.headers.setdefault("x-rate-limit-remaining", str(remaining))
            resp.headers.setdefault("x-rate-limit-reset", str(reset))
        return resp

    async def _answer(self, request: web.Request, raw: bytes, handler: Any) -> web.StreamResponse:
        if self._in_flight > self.concurrency_limit:
            self.concurrency_limited += 1
            reset = str(math.ceil(self.clock()) + 1)  # Okta's concurrency 429: limit 0, remaining 0
            headers = {"x-rate-limit-limit": "0", "x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}
            return okta_error(429, "E0000047", _ERRORS[429][1], headers=headers)
        if not self._authorized(request.headers.get("Authorization", "")):
            return okta_error(401, "E0000011", "Invalid token provided")
        problems = self._checker.check(request, raw)
        if problems:
            self.spec_violations.append(f"{request.method} {request.path_qs}: {'; '.join(problems)}")
            return okta_error(
                400, "E0000001", "Api validation failed: request does not match the spec", *problems
            )
        allowed, limit, remaining, reset = self._rate(request, take=True)
        request[_RATE] = (limit, remaining, reset)
        if not allowed:
            self.rate_limited += 1
            return okta_error(429, "E0000047", _ERRORS[429][1])
        return await handler(request)

    def _authorized(self, header: str) -> bool:
        return header in (f"SSWS{self.token}", f"SSWS {self.token}")

    def _rate(self, request: web.Request, *, take: bool) -> tuple[bool, int, int, int]:
        bucket = self._buckets["read" if request.method == "GET" else "write"]
        now = self.clock()
        bucket.roll(now, self.rate_window)
        reset = math.ceil(bucket.start + self.rate_window)
        if bucket.used >= self.rate_limit:
            return False, self.rate_limit, 0, reset
        if take:
            bucket.used += 1
        return True, self.rate_limit, self.rate_limit - bucket.used, reset

    # -- routes ---------------------------------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/api/v1/users", self._list_users)
        r.add_get("/api/v1/users/{id}", self._get_user)
        r.add_post("/api/v1/users/{id}/lifecycle/{action}", self._lifecycle)
        r.add_delete("/api/v1/users/{userId}/sessions", self._revoke_sessions)
        r.add_get("/api/v1/users/{userId}/grants", self._list_grants)
        r.add_delete("/api/v1/users/{userId}/grants", self._revoke_grants)
        r.add_get("/api/v1/users/{userId}/factors", self.gate(self._list_factors))
        r.add_get("/api/v1/users/{userId}/factors/{factorId}", self.gate(self._get_factor))
        r.add_delete("/api/v1/users/{userId}/factors/{factorId}", self.gate(self._unenroll_factor))
        r.add_get("/api/v1/users/{id}/groups", self._list_user_groups)
        r.add_delete("/api/v1/groups/{groupId}/users/{userId}", self._unassign)
        r.add_get("/api/v1/users/{id}/appLinks", self._list_app_links)
        self.access_routes(r)
        r.add_route("*", "/{tail:.*}", self._not_implemented)

    def _base(self, request: web.Request) -> str:
        return f"http://{request.host}"

    def _user(self, request: web.Request, key: str = "id") -> User | None:
        ref = request.match_info[key]
        return self.org.find_user(ref) if key == "id" else self.org.users.get(ref)

    async def _list_users(self, request: web.Request) -> web.Response:
        q = request.query
        try:
            if "search" in q:
                users = self.org.query_users(q["search"], case_sensitive=False)
            elif "filter" in q:
                users = self.org.query_users(q["filter"], case_sensitive=True)
            elif "q" in q:
                prefix = q["q"].lower()
                users = [
                    u
                    for u in self.org.users.values()
                    if u.status != "DEPROVISIONED"
                    and any(
                        str(u.profile.get(k, "")).lower().startswith(prefix)
                        for k in ("firstName", "lastName", "email")
                    )
                ]
            else:
                users = [u for u in self.org.users.values() if u.status != "DEPROVISIONED"]
        except QueryError as exc:
            return okta_error(400, "E0000031", "Invalid search criteria.", str(exc))
        limit = int(q.get("limit", 10 if "q" in q else 200))
        base = self._base(request)
        return web.json_response([self.org.user_json(u, base) for u in users[:limit]])

    async def _get_user(self, request: web.Request) -> web.Response:
        user = self._user(request)
        if user is None:
            return _not_found(request.match_info["id"])
        return web.json_response(self.org.user_json(user, self._base(request)))

    async def _lifecycle(self, request: web.Request) -> web.Response:
        user, action = self._user(request), request.match_info["action"]
        if user is None:
            return _not_found(request.match_info["id"])
        if action == "suspend":
            if user.status != "ACTIVE":  # Okta: "Perform this operation only on users with an ACTIVE status"
                return okta_error(
                    400,
                    "E0000001",
                    "Api validation failed: suspendUser",
                    "Cannot suspend a user that is not active",
                )
            self.org.set_status(user, "SUSPENDED")
        elif action == "unsuspend":
            if user.status != "SUSPENDED":
                return okta_error(
                    400,
                    "E0000001",
                    "Api validation failed: unsuspendUser",
                    "Cannot unsuspend a user that is not suspended",
                )
            self.org.set_status(user, "ACTIVE")
        elif user.status == "DEPROVISIONED" and action in ("deactivate", "reset_factors"):
            return _not_found(request.match_info["id"])  # okta-sdk-java#721, and see okta_access
        elif action == "deactivate":
            self.org.set_status(user, "DEPROVISIONED")
            user.sessions.clear()
            self.deprovision_apps(user)  # deprovisioned from all assigned apps
            if self.deactivate_status == 204:
                return web.Response(status=204)
        elif action == "reset_factors":
            self.org.factors[user.id].clear()
        elif action == "activate":  # activateUser: STAGED or DEPROVISIONED only; PROVISIONED until sign-in
            if user.status not in ("STAGED", "DEPROVISIONED"):
                return okta_error(403, "E0000016", "Activation failed because the user is already active")
            self.org.set_status(user, "PROVISIONED")
            if request.query.get("sendEmail") == "false":
                token = okta_id("act")
                return web.json_response(
                    {"activationUrl": f"{self._base(request)}/welcome/{token}", "activationToken": token}
                )
        else:
            return await self._not_implemented(request)
        return web.json_response({})

    async def _revoke_sessions(self, request: web.Request) -> web.Response:
        user = self._user(request, "userId")
        if user is None:
            return _not_found(request.match_info["userId"])
        user.sessions.clear()
        if request.query.get("oauthTokens") == "true":
            user.oauth_tokens_revoked = True
        return web.Response(status=204)

    async def _list_grants(self, request: web.Request) -> web.Response:
        user = self._user(request, "userId")
        if user is None:
            return _not_found(request.match_info["userId"])
        base = self._base(request)
        grants = self.org.grants[user.id].values()
        return web.json_response([self.org.grant_json(user.id, g, base) for g in grants])

    async def _revoke_grants(self, request: web.Request) -> web.Response:
        user = self._user(request, "userId")
        if user is None:
            return _not_found(request.match_info["userId"])
        self.org.grants[user.id].clear()
        return web.Response(status=204)

    async def _list_factors(self, request: web.Request) -> web.Response:
        user = self._user(request, "userId")
        if user is None:
            return _not_found(request.match_info["userId"])
        base = self._base(request)
        return web.json_response(
            [self.org.factor_json(user, f, base) for f in self.org.factors[user.id].values()]
        )

    async def _get_factor(self, request: web.Request) -> web.Response:
        user, fid = self._user(request, "userId"), request.match_info["factorId"]
        if user is None:
            return _not_found(request.match_info["userId"])
        if fid not in self.org.factors[user.id]:
            return _not_found(fid, "UserFactor")
        return web.json_response(
            self.org.factor_json(user, self.org.factors[user.id][fid], self._base(request))
        )

    async def _unenroll_factor(self, request: web.Request) -> web.Response:
        user, fid = self._user(request, "userId"), request.match_info["factorId"]
        if user is None:
            return _not_found(request.match_info["userId"])
        if fid not in self.org.factors[user.id]:
            return _not_found(fid, "UserFactor")
        self.org.unenroll(user.id, fid)
        return web.Response(status=204)

    async def _list_user_groups(self, request: web.Request) -> web.Response:
        user = self._user(request)
        if user is None:
            return _not_found(request.match_info["id"])
        base = self._base(request)
        return web.json_response([self.org.group_json(g, base) for g in self.org.groups_of(user.id)])

    async def _unassign(self, request: web.Request) -> web.Response:
        gid, uid = request.match_info["groupId"], request.match_info["userId"]
        group = self.org.groups.get(gid)
        if group is None:
            return _not_found(gid, "UserGroup")
        if uid not in self.org.users:
            return _not_found(uid)
        if group.type != "OKTA_GROUP":  # spec: memberships can be modified only for OKTA_GROUP groups
            return okta_error(403, "E0000006", _ERRORS[403][1])
        self.org.members[gid].discard(uid)  # not a member: nothing to do, still 204
        return web.Response(status=204)

    async def _list_app_links(self, request: web.Request) -> web.Response:
        user = self._user(request)
        if user is None:
            return _not_found(request.match_info["id"])
        base = self._base(request)
        return web.json_response([self.org.app_link_json(a, base) for a in self.org.app_links[user.id]])

    async def _not_implemented(self, request: web.Request) -> web.Response:
        """In the spec (it passed validation) but not needed by the bot, so not served here."""
        return okta_error(
            501, "E0000009", f"Not implemented by the Okta stand-in: {request.method} {request.path}"
        )


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
