"""Microsoft Graph v1.0 stand-in: the endpoints the offboarding adapter calls, as msgraph-sdk sends them.

Paths, bodies and error shapes follow the specs in /work/shared/specs/graph (CSDL slice, PowerShell
OpenAPI excerpts, msgraph-sdk request-builder templates, sample mocks from the Graph docs). Anything the
stand-in does not know (path, method, property) is answered 400/405 and appended to `spec_violations`.
The journal (`requests`) records every request, faults included, with paths relative to `.url`.
"""

from __future__ import annotations

import contextvars
import json
import math
import re
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from aiohttp import web

from standins.base import Fault, Recorded, StandIn
from standins.graph_routes import GRAPH_CONTEXT, REQUEST_IDS, GraphRoutes, Handler, U, not_found, odata_error
from standins.graph_state import INVITE_PARAMETERS, new_id, now_iso

WIPE_PARAMETERS = frozenset({"keepEnrollmentData", "keepUserData", "macOsUnlockCode", "persistEsimDataPlan"})
_RECORD: contextvars.ContextVar[Recorded] = contextvars.ContextVar("graph_record")


class GraphStandIn(GraphRoutes, StandIn):
    """A Graph tenant on 127.0.0.1; `.url` ends in /v1.0 like https://graph.microsoft.com/v1.0."""

    def __init__(
        self,
        *,
        rate_limit: int = 3000,
        rate_window: float = 150.0,
        clock: Callable[[], float] = time.time,
        retry_after: int | None = None,
        page_size: int = 100,
        token: str | None = None,
        domain: str = "contoso.com",
    ) -> None:
        StandIn.__init__(self)
        GraphRoutes.__init__(self, domain)
        self.rate_limit = rate_limit  # writes per window (Graph: identity writes 3,000 per 2.5 min)
        self.rate_window = rate_window
        self.clock = clock
        self.retry_after = retry_after  # None: seconds until the window frees a slot
        self.page_size = page_size
        self.token = token  # None: any non-empty bearer token is accepted
        self.spec_violations: list[str] = []
        self.request_ids: list[str] = []  # the request-id answered to requests[i]
        self.sticky_groups: set[tuple[str, str]] = set()  # (group id, user id): DELETE says 204, member stays
        self.reenable_after_disable = False  # PATCH accountEnabled=false says 204, account stays enabled
        self._writes: deque[float] = deque()
        self._table: list[tuple[str, re.Pattern[str], Handler]] = [
            (m, re.compile(f"^{p}$"), h)
            for m, p, h in [
                ("GET", r"/users", self.list_users),
                ("GET", rf"/users/{U}", self.get_user),
                ("PATCH", rf"/users/{U}", self.patch_user),
                ("POST", rf"/users/{U}/revokeSignInSessions", self.revoke_sessions),
                ("POST", rf"/users/{U}/assignLicense", self.assign_license_action),
                ("GET", rf"/users/{U}/memberOf", self.member_of),
                ("GET", rf"/users/{U}/manager", self.get_manager),
                ("GET", rf"/users/{U}/authentication/methods", self.list_methods),
                ("DELETE", rf"/users/{U}/authentication/(?P<seg>\w+)/(?P<mid>[^/]+)", self.delete_method),
                ("GET", rf"/users/{U}/mailboxSettings", self.get_mailbox),
                ("PATCH", rf"/users/{U}/mailboxSettings", self.patch_mailbox),
                ("GET", rf"/users/{U}/mailFolders/(?P<f>[^/]+)/messageRules", self.list_rules),
                ("POST", rf"/users/{U}/mailFolders/(?P<f>[^/]+)/messageRules", self.create_rule),
                ("GET", rf"/users/{U}/managedDevices", self.list_devices),
                ("GET", rf"/users/{U}/drive", self.get_drive),
                ("POST", r"/drives/(?P<d>[^/]+)/items/(?P<item>[^/]+)/invite", self.invite),
                ("GET", r"/subscribedSkus", self.list_skus),
                ("GET", rf"/reports/authenticationMethods/userRegistrationDetails/{U}", self.registration),
                ("GET", r"/deviceManagement/managedDevices/(?P<d>[^/]+)", self.get_device),
                ("POST", r"/deviceManagement/managedDevices/(?P<d>[^/]+)/retire", self.retire),
                ("POST", r"/deviceManagement/managedDevices/(?P<d>[^/]+)/wipe", self.wipe),
                ("DELETE", r"/groups/(?P<g>[^/]+)/members/(?P<u>[^/]+)/\$ref", self.remove_member),
            ]
        ]

    # -- plumbing ------------------------------------------------------------------------------
    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._journal, self._fault_middleware])
        self.routes(app)
        return app

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/{tail:.*}", self._dispatch)

    def error_response(self, status: int, fault: Fault) -> web.Response:
        if fault.body is not None:
            resp = web.json_response(fault.body, status=status)
        else:
            resp = odata_error(status)
        if status == 429 and not fault.headers:
            resp.headers["Retry-After"] = "1"
        resp.headers.update(fault.headers)
        return resp

    @web.middleware
    async def _journal(self, request: web.Request, handler: Any) -> web.StreamResponse:
        rid = new_id()
        crid = request.headers.get("client-request-id", rid)
        REQUEST_IDS.set((rid, crid))
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        path = request.path.removeprefix(self.base_path())
        rec = Recorded(request.method, path, dict(request.query), dict(request.headers), body)
        self.requests.append(rec)
        self.request_ids.append(rid)
        _RECORD.set(rec)
        resp = await handler(request)
        rec.status = resp.status
        resp.headers["request-id"] = rid
        resp.headers["client-request-id"] = crid
        return resp

    async def _dispatch(self, request: web.Request) -> web.Response:
        rec = _RECORD.get()
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.startswith("Bearer ") else ""
        if not token:
            return odata_error(401, "InvalidAuthenticationToken", "Access token is empty.")
        if self.token is not None and token != self.token:
            return odata_error(401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed.")
        if request.method != "GET" and (limited := self._throttle()) is not None:
            return limited
        # Graph also accepts namespace-qualified actions (/users/{id}/microsoft.graph.assignLicense).
        path = re.sub(r"/microsoft\.graph\.(?=\w+$)", "/", rec.path)
        known_path = False
        for method, pattern, handler in self._table:
            match = pattern.match(path)
            if match:
                known_path = True
                if method == request.method:
                    return await handler(request, rec.body, **match.groupdict())
        if known_path:
            return self.violation(f"{request.method} {path}: method not allowed", 405, "Request_BadRequest")
        return self.violation(f"{request.method} {path}: Resource not found for the segment")

    def _throttle(self) -> web.Response | None:
        now = self.clock()
        while self._writes and self._writes[0] <= now - self.rate_window:
            self._writes.popleft()
        if len(self._writes) >= self.rate_limit:
            wait = self.retry_after
            if wait is None:
                wait = max(1, math.ceil(self._writes[0] + self.rate_window - now))
            resp = odata_error(429, "TooManyRequests", "Too many requests. Retry after the indicated time.")
            resp.headers["Retry-After"] = str(wait)
            return resp
        self._writes.append(now)
        return None

    # -- devices and OneDrive ------------------------------------------------------------------
    async def list_devices(self, request: web.Request, body: Any, u: str) -> web.Response:
        user = self._user(u)
        if user is None:
            return not_found(u)
        items = [self.device_json(d) for d in self.devices.values() if d.user_id == user.id]
        return self._page(request, items, f"users('{user.id}')/managedDevices")

    async def retire(self, request: web.Request, body: Any, d: str) -> web.Response:
        device = self.devices.get(d)
        if device is None:
            return not_found(d)
        if body not in (None, {}):
            return self.violation("retire takes no parameters")
        device.state = "retirePending"
        device.actions.append(_action("retire"))
        return web.Response(status=204)

    async def get_device(self, request: web.Request, body: Any, d: str) -> web.Response:
        device = self.devices.get(d)
        if device is None:
            return not_found(d)
        context = f"{GRAPH_CONTEXT}#deviceManagement/managedDevices/$entity"
        return web.json_response({"@odata.context": context, **self.device_json(device)})

    async def wipe(self, request: web.Request, body: Any, d: str) -> web.Response:
        """CSDL action wipe(keepEnrollmentData, keepUserData, macOsUnlockCode, persistEsimDataPlan)."""
        device = self.devices.get(d)
        if device is None:
            return not_found(d)
        if body is not None and (not isinstance(body, dict) or set(body) - WIPE_PARAMETERS):
            return self.violation(f"wipe: unknown parameters in {body!r}")
        device.state = "wipePending"
        device.actions.append(_action("wipe"))
        return web.Response(status=204)

    async def get_drive(self, request: web.Request, body: Any, u: str) -> web.Response:
        user = self._user(u)
        if user is None:
            return not_found(u)
        owner = {"user": {"id": user.id, "displayName": user.display, "email": user.mail}}
        return web.json_response(
            {
                "@odata.context": f"{GRAPH_CONTEXT}#drives/$entity",
                "id": user.drive_id,
                "driveType": "business",
                "owner": owner,
                "webUrl": f"https://contoso-my.sharepoint.com/personal/{re.sub(r'[@.]', '_', user.upn)}",
            }
        )

    async def invite(self, request: web.Request, body: Any, d: str, item: str) -> web.Response:
        if d not in self.drive_permissions:
            return odata_error(404, "itemNotFound", "The resource could not be found.")
        if item != "root":
            return odata_error(404, "itemNotFound", "Item not found")
        if not isinstance(body, dict) or set(body) - INVITE_PARAMETERS:
            return self.violation(f"invite: unknown parameters in {body!r}")
        recipients, roles = body.get("recipients"), body.get("roles")
        if not recipients or not all(isinstance(r, dict) and r.get("email") for r in recipients):
            return self.violation("invite: recipients must be a non-empty list of driveRecipient with email")
        if not roles or set(roles) - {"read", "write"}:
            return self.violation(f"invite: roles must be read and/or write, got {roles!r}")
        if body.get("retainInheritedPermissions") is False:
            self.drive_permissions[d].clear()  # documented: existing permissions are dropped on first share
        granted = []
        for r in recipients:
            perm = {
                "@odata.type": "#microsoft.graph.permission",
                "id": new_id(),
                "roles": list(roles),
                "grantedToV2": {"user": {"email": r["email"], "displayName": r["email"]}},
                "invitation": {"email": r["email"], "signInRequired": bool(body.get("requireSignIn"))},
            }
            self.drive_permissions[d].append({**perm, "_body": body})
            granted.append(perm)
        return web.json_response(
            {"@odata.context": f"{GRAPH_CONTEXT}#Collection(permission)", "value": granted}
        )

    async def list_skus(self, request: web.Request, body: Any) -> web.Response:
        items = [self.sku_json(s) for s in self.skus]
        return web.json_response({"@odata.context": f"{GRAPH_CONTEXT}#subscribedSkus", "value": items})


def _action(name: str) -> dict[str, Any]:
    """A deviceActionResult as Intune lists it while the device has not checked in yet."""
    at = now_iso()
    return {"actionName": name, "actionState": "pending", "startDateTime": at, "lastUpdatedDateTime": at}
