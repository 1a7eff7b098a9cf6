"""Route handlers of the Graph stand-in (see graph_api.GraphStandIn): users, licenses, groups,
authentication methods, mailbox, devices, OneDrive, SKUs — with Graph's OData error shapes.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from standins.graph_state import (
    AUTH_KINDS,
    DELETABLE_SEGMENTS,
    PASSWORD_METHOD_ID,
    USER_PROPERTIES,
    USER_READ_ONLY,
    GraphTenant,
    User,
    now_iso,
)

GRAPH_CONTEXT = "https://graph.microsoft.com/v1.0/$metadata"
ERROR_CODES = {
    400: ("BadRequest", "Bad request."),
    401: ("InvalidAuthenticationToken", "Access token validation failure. Invalid audience."),
    403: ("Authorization_RequestDenied", "Insufficient privileges to complete the operation."),
    404: ("Request_ResourceNotFound", "Resource does not exist."),
    409: ("Conflict", "Conflict."),
    429: ("TooManyRequests", "Too many requests."),
    500: ("generalException", "An unspecified error has occurred."),
    502: ("BadGateway", "Bad gateway."),
    503: ("serviceNotAvailable", "The service is temporarily unavailable."),
    504: ("GatewayTimeout", "The gateway timed out."),
}
REQUEST_IDS: contextvars.ContextVar[tuple[str, str]] = contextvars.ContextVar("graph_ids", default=("", ""))
Handler = Callable[..., Awaitable[web.Response]]
U = r"(?P<u>[^/]+)"  # a user id or UPN
# Messages real Graph returns (seen in Graph docs issues); the dynamic-group one is the stand-in's own.
MSG_INHERITED_LICENSE = (
    "User license is inherited from a group membership and it cannot be removed directly from the user."
)
MSG_DEFAULT_METHOD = (
    "Cannot delete default method with other methods configured. "
    "Please change default method before deletion."
)


def odata_error(status: int, code: str | None = None, message: str | None = None) -> web.Response:
    default_code, default_message = ERROR_CODES.get(status, ("UnknownError", "Unknown error."))
    rid, crid = REQUEST_IDS.get()
    date = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    inner = {"date": date, "request-id": rid, "client-request-id": crid}
    body = {
        "error": {"code": code or default_code, "message": message or default_message, "innerError": inner}
    }
    return web.json_response(body, status=status)


def not_found(what: str) -> web.Response:
    return odata_error(
        404,
        "Request_ResourceNotFound",
        f"Resource '{what}' does not exist or one of its queried reference-property objects are not present.",
    )


class GraphRoutes(GraphTenant):
    """Handlers; GraphStandIn routes requests to them. Each gets (request, parsed body, path params)."""

    url: str
    page_size: int
    spec_violations: list[str]
    sticky_groups: set[tuple[str, str]]
    reenable_after_disable: bool

    def base_path(self) -> str:
        return "/v1.0"

    def violation(self, what: str, status: int = 400, code: str = "BadRequest") -> web.Response:
        self.spec_violations.append(what)
        return odata_error(status, code, what)

    def _page(self, request: web.Request, items: list[dict[str, Any]], context: str) -> web.Response:
        query = dict(request.query)
        start = int(query.pop("$skiptoken", "0") or 0)
        size = min(int(query.get("$top", self.page_size)), self.page_size)
        body: dict[str, Any] = {
            "@odata.context": f"{GRAPH_CONTEXT}#{context}",
            "value": items[start : start + size],
        }
        if start + size < len(items):
            path = request.path.removeprefix(self.base_path())
            body["@odata.nextLink"] = f"{self.url}{path}?{urlencode({**query, '$skiptoken': start + size})}"
        return web.json_response(body)

    def _user(self, key: str) -> User | None:
        return self.find_user(key)

    def _select(self, request: web.Request) -> list[str] | web.Response | None:
        raw = request.query.get("$select")
        if not raw:
            return None
        names = [n.strip() for n in raw.split(",") if n.strip()]
        unknown = [n for n in names if n not in USER_PROPERTIES]
        if unknown:
            return self.violation(
                f"Could not find a property named '{unknown[0]}' on type 'microsoft.graph.user'."
            )
        return names

    # -- users ---------------------------------------------------------------------------------
    async def list_users(self, request: web.Request, body: Any) -> web.Response:
        select = self._select(request)
        if isinstance(select, web.Response):
            return select
        users = list(self.users.values())
        if flt := request.query.get("$filter"):
            wanted: list[tuple[str, str]] = []
            for clause in re.split(r"\s+or\s+", flt.strip()):
                m = re.fullmatch(r"(mail|userPrincipalName)\s+eq\s+'((?:[^']|'')*)'", clause.strip())
                if not m:
                    return self.violation(
                        f"Unsupported $filter clause: {clause!r}", 400, "Request_UnsupportedQuery"
                    )
                wanted.append((m.group(1), m.group(2).replace("''", "'").lower()))
            users = [
                u
                for u in users
                if any(((u.mail if p == "mail" else u.upn) or "").lower() == v for p, v in wanted)
            ]
        return self._page(request, [self.user_json(u, select) for u in users], "users")

    async def get_user(self, request: web.Request, body: Any, u: str) -> web.Response:
        select = self._select(request)
        if isinstance(select, web.Response):
            return select
        user = self._user(u)
        if user is None:
            return not_found(u)
        return web.json_response(
            {"@odata.context": f"{GRAPH_CONTEXT}#users/$entity", **self.user_json(user, select)}
        )

    async def patch_user(self, request: web.Request, body: Any, u: str) -> web.Response:
        user = self._user(u)
        if user is None:
            return not_found(u)
        if not isinstance(body, dict):
            return self.violation("PATCH /users/{id}: the body must be a JSON object")
        for key, value in body.items():
            if key.startswith("@odata."):
                continue
            if key not in USER_PROPERTIES:
                return self.violation(
                    f"Property '{key}' does not exist as a declared property or extension property."
                )
            if key in USER_READ_ONLY:
                return self.violation(f"Property '{key}' is read-only and cannot be set.")
            if key == "accountEnabled":
                if not isinstance(value, bool):
                    return self.violation("accountEnabled must be a boolean")
                user.enabled = value or self.reenable_after_disable
            else:
                user.extra[key] = value
        return web.Response(status=204)

    async def revoke_sessions(self, request: web.Request, body: Any, u: str) -> web.Response:
        user = self._user(u)
        if user is None:
            return not_found(u)
        if body not in (None, {}):
            return self.violation("revokeSignInSessions takes no parameters")
        user.sessions_valid_from = now_iso()
        return web.json_response({"@odata.context": f"{GRAPH_CONTEXT}#Edm.Boolean", "value": True})

    async def assign_license_action(self, request: web.Request, body: Any, u: str) -> web.Response:
        user = self._user(u)
        if user is None:
            return not_found(u)
        if not isinstance(body, dict) or set(body) - {"addLicenses", "removeLicenses"}:
            return self.violation(f"assignLicense: unknown parameters in {body!r}")
        add, remove = body.get("addLicenses"), body.get("removeLicenses")
        if not isinstance(add, list) or not isinstance(remove, list):
            return self.violation(
                "assignLicense: addLicenses and removeLicenses are both required (may be empty)"
            )
        for sku in remove:
            states = [s for s in user.license_states if s["skuId"] == sku]
            if not isinstance(sku, str) or sku not in self.skus:
                return odata_error(
                    400,
                    "Request_BadRequest",
                    f"License {sku} does not correspond to a valid company License.",
                )
            if not states:
                return odata_error(400, "Request_BadRequest", "User does not have a corresponding license.")
            if all(s["assignedByGroup"] for s in states):
                return odata_error(
                    400,
                    "Request_BadRequest",
                    MSG_INHERITED_LICENSE,
                )
        for lic in add:
            if not isinstance(lic, dict) or lic.get("skuId") not in self.skus:
                return odata_error(
                    400,
                    "Request_BadRequest",
                    f"License {lic!r} does not correspond to a valid company License.",
                )
        user.license_states = [
            s for s in user.license_states if not (s["skuId"] in remove and not s["assignedByGroup"])
        ]
        for lic in add:
            self.assign_license(user.id, lic["skuId"])
        self.licences_changed(user, "assignLicense")
        return web.json_response({"@odata.context": f"{GRAPH_CONTEXT}#users/$entity", **self.user_json(user)})

    async def member_of(self, request: web.Request, body: Any, u: str) -> web.Response:
        user = self._user(u)
        if user is None:
            return not_found(u)
        return self._page(request, [self.group_json(g) for g in self.groups_of(user.id)], "directoryObjects")

    async def get_manager(self, request: web.Request, body: Any, u: str) -> web.Response:
        user = self._user(u)
        if user is None:
            return not_found(u)
        if user.manager_id is None:
            return not_found("manager")
        manager = self.user_json(
            self.users[user.manager_id], ["id", "displayName", "mail", "userPrincipalName"]
        )
        body = {
            "@odata.context": f"{GRAPH_CONTEXT}#directoryObjects/$entity",
            "@odata.type": "#microsoft.graph.user",
        }
        return web.json_response({**body, **manager})

    async def remove_member(self, request: web.Request, body: Any, g: str, u: str) -> web.Response:
        group = self.groups.get(g)
        user = self._user(u)
        if group is None:
            return not_found(g)
        if user is None or user.id not in group.members:
            return not_found(u)
        if group.dynamic:
            return odata_error(
                400, "Request_BadRequest", "Cannot add or remove members of a dynamic membership group."
            )
        if group.mail_enabled and not group.unified:
            return odata_error(
                400,
                "Request_BadRequest",
                "Cannot Update a mail-enabled security groups and or distribution list.",
            )
        if (group.id, user.id) not in self.sticky_groups:
            self.leave_group(group, user.id)
        return web.Response(status=204)

    # -- authentication methods ----------------------------------------------------------------
    async def list_methods(self, request: web.Request, body: Any, u: str) -> web.Response:
        user = self._user(u)
        if user is None:
            return not_found(u)
        return self._page(
            request, [dict(m) for m in user.methods], f"users('{user.id}')/authentication/methods"
        )

    async def delete_method(
        self, request: web.Request, body: Any, u: str, seg: str, mid: str
    ) -> web.Response:
        if seg not in DELETABLE_SEGMENTS:
            return self.violation(
                f"DELETE /users/{{id}}/authentication/{seg}/{{id}} is not an operation Graph offers", 405
            )
        user = self._user(u)
        if user is None:
            return not_found(u)
        kind = DELETABLE_SEGMENTS[seg]
        method = next((m for m in user.methods if m["id"] == mid), None)
        if method is None or method["@odata.type"] != AUTH_KINDS[kind].odata_type:
            return odata_error(404, "itemNotFound", f"Authentication method '{mid}' not found.")
        others = [m for m in user.methods if m["id"] not in (mid, PASSWORD_METHOD_ID)]
        if user.default_method == mid and others:
            return odata_error(
                400,
                "badRequest",
                MSG_DEFAULT_METHOD,
            )
        user.methods.remove(method)
        if user.default_method == mid:
            user.default_method = None
        return web.Response(status=204)

    async def registration(self, request: web.Request, body: Any, u: str) -> web.Response:
        user = self._user(u)
        if user is None:
            return not_found(u)
        context = f"{GRAPH_CONTEXT}#reports/authenticationMethods/userRegistrationDetails/$entity"
        return web.json_response({"@odata.context": context, **self.registration_json(user)})
