"""The Okta stand-in's access beyond the user record: admin roles, app assignments and the app
sessions they leave behind, what Okta answers for a deactivated user, a journal of every call with
the user's status at the time, and hooks that simulate drift after an offboarding.

What it follows (Okta management API, the spec copy in standins/specs):
- unenrollFactor: "You can't unenroll a factor from a deactivated user." A DEPROVISIONED user's
  factors, a second deactivate and profile updates answer 404 E0000007 "(User)", as reported against
  real orgs in okta/okta-sdk-java#646 and #721. Clearing sessions or grants of a deactivated user has
  nothing left to clear: 204 (not documented either way).
- deactivateUser: "The user is deprovisioned from all assigned apps". unassignUserFromApplication:
  "If the app is enabled for provisioning and configured to deactivate users, the user is also
  deactivated in the target app." revokeUserSessions: "doesn't clear the sessions created for web or
  native apps." suspendUser: "Their group and app assignments are retained."
  So an app's own session ends only where Okta deprovisions the user in that app (a provisioned app,
  on unassignment or deactivation); SSO-only apps keep theirs, and the stand-in records that in
  `harms` (kind "app_session_alive") because Okta accepts it without a word.
- deleteUser: on a user that is not DEPROVISIONED it deactivates; on a DEPROVISIONED one it deletes.
"""

from __future__ import annotations

import re
import time
from typing import Any

from aiohttp import web

from standins.okta_state import AppLink, OktaOrg, User, iso, okta_id
from standins.okta_wire import _not_found, okta_error

# Okta standard admin roles: type -> label (Okta docs, "Standard roles").
ROLE_LABELS = {
    "SUPER_ADMIN": "Super Administrator",
    "ORG_ADMIN": "Organizational Administrator",
    "APP_ADMIN": "Application Administrator",
    "USER_ADMIN": "Group Administrator",
    "GROUP_MEMBERSHIP_ADMIN": "Group Membership Administrator",
    "HELP_DESK_ADMIN": "Help Desk Administrator",
    "READ_ONLY_ADMIN": "Read-only Administrator",
    "MOBILE_ADMIN": "Mobile Administrator",
    "API_ACCESS_MANAGEMENT_ADMIN": "API Access Management Administrator",
    "REPORT_ADMIN": "Report Administrator",
}
# Application.features of an app Okta provisions and deprovisions (Okta Application object).
PROVISIONING_FEATURES = [
    "PUSH_NEW_USERS",
    "PUSH_PROFILE_UPDATES",
    "PUSH_USER_DEACTIVATION",
    "REACTIVATE_USERS",
]
_USER_IN_PATH = re.compile(r"^/api/v1/(?:users/([^/]+)|(?:groups|apps)/[^/]+/users/([^/]+))")
_APP_FILTER = re.compile(r'(user\.id|status)\s+eq\s+"([^"]*)"')


class OktaAccessMixin:
    """Roles, apps, app sessions, deactivated-user rules, the call timeline and drift hooks."""

    org: OktaOrg
    clock: Any

    def _init_access(self) -> None:
        self.roles: dict[str, dict[str, dict[str, Any]]] = {}  # user id -> role assignment id -> role
        # user id -> app instance id -> whether the user's own session in that app is still alive
        self.app_sessions: dict[str, dict[str, bool]] = {}
        self.harms: list[dict[str, Any]] = []
        # Every request: seq, method, path, user (id or None), status_before, status_after, http_status
        self.timeline: list[dict[str, Any]] = []
        self.apps: dict[str, AppLink] = {}  # app instance id -> how it was seeded (label, provisioned)

    # -- seeding and inspection -----------------------------------------------------------------
    def add_app_link(self, user_id: str, label: str, app_name: str, provisioned: bool = True) -> str:
        """Assign the user to a new app instance (provisioned: Okta pushes deactivation to it)."""
        app_id = self.org.add_app_link(user_id, label, app_name, provisioned)
        self.apps[app_id] = self.org.app_links[user_id][-1]
        self.app_sessions.setdefault(user_id, {})[app_id] = True
        return app_id

    def assign_app(self, app_id: str, user_id: str) -> None:
        """Assign another user to an existing app instance; their session in it is alive."""
        model = self._app(app_id)
        if model is None:
            raise KeyError(app_id)
        links = self.org.app_links[user_id]
        links.append(
            AppLink(
                okta_id("00u"),
                model.label,
                model.app_name,
                app_id,
                okta_id("0ua"),
                model.provisioned,
                len(links),
            )
        )
        self.app_sessions.setdefault(user_id, {})[app_id] = True

    def add_role(self, user_id: str, role_type: str = "SUPER_ADMIN") -> str:
        if role_type not in ROLE_LABELS:
            raise ValueError(f"unknown standard role {role_type!r}")
        rid = okta_id("ra1")
        now = iso(self.clock())
        self.roles.setdefault(user_id, {})[rid] = {
            "id": rid,
            "label": ROLE_LABELS[role_type],
            "type": role_type,
            "status": "ACTIVE",
            "created": now,
            "lastUpdated": now,
            "assignmentType": "USER",
        }
        return rid

    def role_types(self, user_id: str) -> list[str]:
        return sorted(r["type"] for r in self.roles.get(user_id, {}).values())

    def app_sessions_alive(self, user_id: str) -> dict[str, bool]:
        """{app label: session still alive} for every app the user ever had a session in."""
        labels = {app_id: a.label for app_id, a in self.apps.items()}
        labels.update({a.app_instance_id: a.label for links in self.org.app_links.values() for a in links})
        return {labels.get(app, app): alive for app, alive in self.app_sessions.get(user_id, {}).items()}

    def status_during(self, method: str, path: str) -> list[str | None]:
        """The user's status when each call whose method matches and path matches the regex arrived."""
        return [
            e["status_before"] for e in self.timeline if e["method"] == method and re.search(path, e["path"])
        ]

    # -- drift after an offboarding ---------------------------------------------------------------
    def reactivate(self, user_id: str) -> None:
        """An admin re-activated the account and the person signed in again."""
        self.org.set_status(self.org.users[user_id], "ACTIVE")

    def readd_member(self, group_id: str, user_id: str) -> None:
        self.org.add_member(group_id, user_id)

    def reassign_role(self, user_id: str, role_type: str = "SUPER_ADMIN") -> str:
        return self.add_role(user_id, role_type)

    # -- consequences ---------------------------------------------------------------------------
    def _end_app(self, user: User, link: AppLink, why: str) -> None:
        """The user leaves an app: its session ends only if Okta deprovisions the user there."""
        self.apps.setdefault(link.app_instance_id, link)
        sessions = self.app_sessions.setdefault(user.id, {})
        if link.provisioned:
            sessions[link.app_instance_id] = False
        elif sessions.get(link.app_instance_id):
            self.harms.append(
                {
                    "kind": "app_session_alive",
                    "user": user.id,
                    "app": link.app_instance_id,
                    "label": link.label,
                    "why": why,  # "unassigned" | "deactivated"
                    "time": time.time(),
                }
            )

    def deprovision_apps(self, user: User) -> None:
        """Deactivation: Okta deprovisions the user from all assigned apps."""
        for link in self.org.app_links[user.id]:
            self._end_app(user, link, "deactivated")
        self.org.app_links[user.id] = []

    # -- journal (called by the Okta middleware) ----------------------------------------------------
    def note_call(self, request: web.Request) -> dict[str, Any]:
        m = _USER_IN_PATH.match(request.path)
        user = self.org.find_user(m.group(1) or m.group(2)) if m else None
        event = {
            "seq": len(self.timeline),
            "method": request.method,
            "path": request.path,
            "user": user.id if user else None,
            "status_before": user.status if user else None,
            "status_after": None,
            "http_status": None,
            "time": self.clock(),
        }
        self.timeline.append(event)
        return event

    def noted(self, event: dict[str, Any], status: int) -> None:
        user = self.org.users.get(event["user"] or "")
        event.update(http_status=status, status_after=user.status if user else None)

    # -- deactivated users -------------------------------------------------------------------------
    def gate(self, handler: Any, key: str = "userId") -> Any:
        """Wrap a factor route: a deactivated user's factors are out of reach (404 E0000007 User)."""

        async def gated(request: web.Request) -> web.StreamResponse:
            ref = request.match_info[key]
            user = self.org.users.get(ref) or self.org.find_user(ref)
            if user is not None and user.status == "DEPROVISIONED":
                return _not_found(ref)
            return await handler(request)

        return gated

    async def _delete_user(self, request: web.Request) -> web.Response:
        ref = request.match_info["id"]
        user = self.org.find_user(ref)
        if user is None:
            return _not_found(ref)
        if user.status != "DEPROVISIONED":  # the first delete deactivates (deleteUser)
            self.org.set_status(user, "DEPROVISIONED")
            user.sessions.clear()
            self.deprovision_apps(user)
            return web.Response(status=204)
        del self.org.users[user.id]
        for members in self.org.members.values():
            members.discard(user.id)
        return web.Response(status=204)

    # -- roles ---------------------------------------------------------------------------------------
    def access_routes(self, r: web.UrlDispatcher) -> None:
        r.add_delete("/api/v1/users/{id}", self._delete_user)
        r.add_get("/api/v1/users/{userId}/roles", self._list_roles)
        r.add_delete("/api/v1/users/{userId}/roles/{roleAssignmentId}", self._unassign_role)
        r.add_get("/api/v1/apps", self._list_apps)
        r.add_get("/api/v1/apps/{appId}/users", self._list_app_users)
        r.add_delete("/api/v1/apps/{appId}/users/{userId}", self._unassign_app)

    def _base(self, request: web.Request) -> str:
        return f"http://{request.host}"

    async def _list_roles(self, request: web.Request) -> web.Response:
        uid = request.match_info["userId"]
        if uid not in self.org.users:
            return _not_found(uid)
        href = f"{self._base(request)}/api/v1/users/{uid}"
        roles = [{**r, "_links": {"assignee": {"href": href}}} for r in self.roles.get(uid, {}).values()]
        return web.json_response(roles)

    async def _unassign_role(self, request: web.Request) -> web.Response:
        uid, rid = request.match_info["userId"], request.match_info["roleAssignmentId"]
        if uid not in self.org.users:
            return _not_found(uid)
        if self.roles.get(uid, {}).pop(rid, None) is None:
            return _not_found(rid, "Role")
        return web.Response(status=204)

    # -- apps ------------------------------------------------------------------------------------------
    def _app(self, app_id: str) -> AppLink | None:
        if app_id in self.apps:
            return self.apps[app_id]
        links = (a for user_links in self.org.app_links.values() for a in user_links)
        return next((a for a in links if a.app_instance_id == app_id), None)

    def _app_json(self, link: AppLink, base: str) -> dict[str, Any]:
        href = f"{base}/api/v1/apps/{link.app_instance_id}"
        return {
            "id": link.app_instance_id,
            "name": link.app_name,
            "label": link.label,
            "status": "ACTIVE",
            "signOnMode": "SAML_2_0",
            "features": PROVISIONING_FEATURES if link.provisioned else [],
            "created": iso(self.clock()),
            "lastUpdated": iso(self.clock()),
            "accessibility": {"selfService": False, "errorRedirectUrl": None, "loginRedirectUrl": None},
            "visibility": {"autoSubmitToolbar": False, "hide": {"iOS": False, "web": False}},
            "_links": {"users": {"href": f"{href}/users"}, "groups": {"href": f"{href}/groups"}},
        }

    async def _list_apps(self, request: web.Request) -> web.Response:
        wanted: dict[str, str] = {}
        if flt := request.query.get("filter"):
            for clause in re.split(r"\s+and\s+", flt.strip()):
                m = _APP_FILTER.fullmatch(clause.strip())
                if not m:
                    return okta_error(400, "E0000031", "Invalid search criteria.", f"unsupported: {clause}")
                wanted[m.group(1)] = m.group(2)
        if "user.id" in wanted:
            links = self.org.app_links.get(wanted["user.id"], [])
        else:
            seen: dict[str, AppLink] = dict(self.apps)
            for user_links in self.org.app_links.values():
                for a in user_links:
                    seen.setdefault(a.app_instance_id, a)
            links = list(seen.values())
        if wanted.get("status", "ACTIVE") != "ACTIVE":
            links = []
        limit = int(request.query.get("limit", 20))
        return web.json_response([self._app_json(a, self._base(request)) for a in links[:limit]])

    async def _list_app_users(self, request: web.Request) -> web.Response:
        app_id = request.match_info["appId"]
        if self._app(app_id) is None:
            return _not_found(app_id, "AppInstance")
        found = []
        for uid, links in self.org.app_links.items():
            for a in links:
                if a.app_instance_id == app_id:
                    user = self.org.users[uid]
                    found.append(
                        {
                            "id": uid,
                            "externalId": None,
                            "created": iso(user.created),
                            "lastUpdated": iso(user.status_changed),
                            "scope": "USER",
                            "status": "PROVISIONED" if a.provisioned else "ACTIVE",
                            "syncState": "SYNCHRONIZED" if a.provisioned else "DISABLED",
                            "credentials": {"userName": user.profile["login"]},
                            "profile": {},
                        }
                    )
        return web.json_response(found)

    async def _unassign_app(self, request: web.Request) -> web.Response:
        app_id, uid = request.match_info["appId"], request.match_info["userId"]
        if self._app(app_id) is None:
            return _not_found(app_id, "AppInstance")
        user = self.org.users.get(uid)
        if user is None:
            return _not_found(uid)
        links = self.org.app_links[uid]
        link = next((a for a in links if a.app_instance_id == app_id), None)
        if link is None:
            return _not_found(uid, "AppUser")
        links.remove(link)
        self._end_app(user, link, "unassigned")
        return web.Response(status=204)
