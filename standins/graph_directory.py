"""Entra directory extras behind the Graph stand-in: admin roles (active and PIM-eligible), objects a
user owns (groups, applications, service principals) and their owners, OneDrive permissions, and test
hooks that simulate drift after an offboarding (an account re-enabled, a licence, group or role back).

Shapes follow the Graph v1.0 reference: unifiedRoleAssignment, unifiedRoleDefinition,
unifiedRoleEligibilitySchedule, unifiedRoleEligibilityScheduleRequest (action adminRemove), and
user: List ownedObjects; built-in role ids are the role templateIds from "Microsoft Entra built-in roles".
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from standins.graph_routes import GRAPH_CONTEXT, not_found, odata_error
from standins.graph_state import Group, User, new_id, now_iso

BUILT_IN_ROLES = {
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
    "fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
    "29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
    "194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
    "729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
    "3a2c62db-5318-420d-8d74-23affee5d9d5": "Intune Administrator",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
}
OWNED_KINDS = {
    "group": "#microsoft.graph.group",
    "application": "#microsoft.graph.application",
    "servicePrincipal": "#microsoft.graph.servicePrincipal",
}
FILTER_CLAUSE = re.compile(r"(principalId|roleDefinitionId)\s+eq\s+'([^']*)'")


@dataclass
class OwnedObject:
    id: str
    kind: str  # group | application | servicePrincipal
    name: str
    owners: set[str] = field(default_factory=set)
    app_id: str = field(default_factory=new_id)


def _assignment_id() -> str:
    """Shaped like Graph's role assignment ids (URL-safe base64 of the role and principal, plus -1)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=") + "-1"


class DirectoryMixin:
    """Roles, ownerships, drift hooks; GraphStandIn mixes it in."""

    users: dict[str, User]
    groups: dict[str, Group]
    drive_permissions: dict[str, list[dict[str, Any]]]
    find_user: Any
    violation: Any
    _page: Any
    add_group: Any
    add_member: Any
    assign_license: Any

    def _init_directory(self) -> None:
        self.role_assignments: dict[str, dict[str, Any]] = {}  # id -> unifiedRoleAssignment
        self.role_eligibilities: dict[str, dict[str, Any]] = {}  # id -> unifiedRoleEligibilitySchedule
        self.owned: dict[str, OwnedObject] = {}  # groups, applications, service principals with owners

    # -- seeding -----------------------------------------------------------------------------------
    @staticmethod
    def role_id(role: str) -> str:
        """A built-in role by templateId or display name."""
        if role in BUILT_IN_ROLES:
            return role
        found = [rid for rid, name in BUILT_IN_ROLES.items() if name.lower() == role.lower()]
        if not found:
            raise ValueError(f"unknown built-in role {role!r}")
        return found[0]

    def add_role(self, user_id: str, role: str = "Global Administrator") -> str:
        """An active directory role assignment at tenant scope; returns its id."""
        aid = _assignment_id()
        self.role_assignments[aid] = {
            "id": aid,
            "principalId": self.users[user_id].id,
            "roleDefinitionId": self.role_id(role),
            "directoryScopeId": "/",
            "appScopeId": None,
            "condition": None,
        }
        return aid

    def add_eligible_role(self, user_id: str, role: str = "Global Administrator") -> str:
        """A PIM eligibility (the user can activate the role when needed); returns the schedule id."""
        sid = new_id()
        stamp = now_iso()
        self.role_eligibilities[sid] = {
            "id": sid,
            "principalId": self.users[user_id].id,
            "roleDefinitionId": self.role_id(role),
            "directoryScopeId": "/",
            "appScopeId": None,
            "memberType": "Direct",
            "status": "Provisioned",
            "createdUsing": sid,
            "createdDateTime": stamp,
            "modifiedDateTime": None,
            "scheduleInfo": {
                "startDateTime": stamp,
                "recurrence": None,
                "expiration": {"type": "noExpiration", "endDateTime": None, "duration": None},
            },
        }
        return sid

    def add_owned(self, kind: str, name: str, owners: list[str]) -> str:
        """A group, application or servicePrincipal owned by `owners` (user ids); returns its id."""
        if kind not in OWNED_KINDS:
            raise ValueError(f"kind is one of {sorted(OWNED_KINDS)}, not {kind!r}")
        oid = self.add_group(name) if kind == "group" else new_id()
        self.owned[oid] = OwnedObject(oid, kind, name, set(owners))
        return oid

    def roles_of(self, user_id: str) -> list[str]:
        """Display names of the user's active role assignments, for assertions."""
        return sorted(
            BUILT_IN_ROLES[a["roleDefinitionId"]]
            for a in self.role_assignments.values()
            if a["principalId"] == user_id
        )

    # -- drift after an offboarding (someone or something puts access back) -------------------------
    def reenable_account(self, user_id: str) -> None:
        self.users[user_id].enabled = True

    def readd_licence(self, user_id: str, sku_id: str, by_group: str | None = None) -> None:
        self.assign_license(user_id, sku_id, by_group)

    def readd_member(self, group_id: str, user_id: str) -> None:
        self.add_member(group_id, user_id)

    def reassign_role(self, user_id: str, role: str = "Global Administrator") -> str:
        return self.add_role(user_id, role)

    # -- JSON --------------------------------------------------------------------------------------
    @staticmethod
    def role_definition_json(rid: str) -> dict[str, Any]:
        return {
            "id": rid,
            "templateId": rid,
            "displayName": BUILT_IN_ROLES[rid],
            "description": f"Built-in role: {BUILT_IN_ROLES[rid]}.",
            "isBuiltIn": True,
            "isEnabled": True,
            "resourceScopes": ["/"],
            "version": "1",
            "rolePermissions": [{"allowedResourceActions": [], "condition": None}],
        }

    def owned_json(self, obj: OwnedObject) -> dict[str, Any]:
        body: dict[str, Any] = {"@odata.type": OWNED_KINDS[obj.kind], "id": obj.id, "displayName": obj.name}
        if obj.kind != "group":
            body["appId"] = obj.app_id
        return body

    def _filtered(
        self, request: web.Request, items: list[dict[str, Any]]
    ) -> list[dict[str, Any]] | web.Response:
        flt = request.query.get("$filter")
        if not flt:
            return items
        wanted = {}
        for clause in re.split(r"\s+and\s+", flt.strip()):
            m = FILTER_CLAUSE.fullmatch(clause.strip())
            if not m:
                return self.violation(
                    f"Unsupported $filter clause: {clause!r}", 400, "Request_UnsupportedQuery"
                )
            wanted[m.group(1)] = m.group(2)
        return [i for i in items if all(i[k] == v for k, v in wanted.items())]

    def _expand_problem(self, request: web.Request) -> web.Response | None:
        """Only roleDefinition and principal can be expanded on role assignments/schedules."""
        for name in request.query.get("$expand", "").split(","):
            if name.strip() and name.strip() not in ("roleDefinition", "principal"):
                return self.violation(f"Could not find a navigation property named '{name.strip()}'.")
        return None

    def _expand(self, request: web.Request, item: dict[str, Any]) -> dict[str, Any]:
        expand = {e.strip() for e in request.query.get("$expand", "").split(",")}
        out = dict(item)
        if "roleDefinition" in expand:
            out["roleDefinition"] = self.role_definition_json(item["roleDefinitionId"])
        if "principal" in expand:
            user = self.users.get(item["principalId"])
            out["principal"] = {"@odata.type": "#microsoft.graph.user", "id": item["principalId"]}
            if user is not None:
                out["principal"].update(displayName=user.display, userPrincipalName=user.upn)
        return out

    # -- routes ------------------------------------------------------------------------------------
    async def list_role_definitions(self, request: web.Request, body: Any) -> web.Response:
        items = [self.role_definition_json(r) for r in BUILT_IN_ROLES]
        return self._page(request, items, "roleManagement/directory/roleDefinitions")

    async def get_role_definition(self, request: web.Request, body: Any, r: str) -> web.Response:
        if r not in BUILT_IN_ROLES:
            return not_found(r)
        return web.json_response(self.role_definition_json(r))

    async def list_role_assignments(self, request: web.Request, body: Any) -> web.Response:
        return self._list_roles(request, self.role_assignments, "roleAssignments")

    async def get_role_assignment(self, request: web.Request, body: Any, a: str) -> web.Response:
        item = self.role_assignments.get(a)
        if item is None:
            return not_found(a)
        return self._expand_problem(request) or web.json_response(self._expand(request, item))

    async def delete_role_assignment(self, request: web.Request, body: Any, a: str) -> web.Response:
        if self.role_assignments.pop(a, None) is None:
            return not_found(a)
        return web.Response(status=204)

    async def list_role_eligibilities(self, request: web.Request, body: Any) -> web.Response:
        return self._list_roles(request, self.role_eligibilities, "roleEligibilitySchedules")

    def _list_roles(self, request: web.Request, table: dict[str, dict[str, Any]], name: str) -> web.Response:
        items = self._filtered(request, list(table.values()))
        if isinstance(items, web.Response):
            return items
        if (problem := self._expand_problem(request)) is not None:
            return problem
        expanded = [self._expand(request, i) for i in items]
        return self._page(request, expanded, f"roleManagement/directory/{name}")

    async def eligibility_request(self, request: web.Request, body: Any) -> web.Response:
        """POST roleEligibilityScheduleRequests: only action adminRemove (ending an eligibility) is served."""
        if not isinstance(body, dict) or not {"action", "principalId", "roleDefinitionId"} <= set(body):
            return self.violation(
                "roleEligibilityScheduleRequest needs action, principalId and roleDefinitionId"
            )
        if body["action"] != "adminRemove":
            return self.violation(
                f"action {body['action']!r} is not served by the stand-in (only adminRemove)"
            )
        scope = body.get("directoryScopeId", "/")
        match = [
            sid
            for sid, e in self.role_eligibilities.items()
            if (e["principalId"], e["roleDefinitionId"], e["directoryScopeId"])
            == (body["principalId"], body["roleDefinitionId"], scope)
        ]
        if not match:
            return odata_error(400, "RoleAssignmentDoesNotExist", "The Role assignment does not exist.")
        for sid in match:
            del self.role_eligibilities[sid]
        answer = {
            "@odata.context": f"{GRAPH_CONTEXT}#roleManagement/directory/roleEligibilityScheduleRequests/$entity",
            "id": new_id(),
            "status": "Revoked",
            "createdDateTime": now_iso(),
            "directoryScopeId": scope,
            **{
                k: v
                for k, v in body.items()
                if k in ("action", "principalId", "roleDefinitionId", "justification")
            },
        }
        return web.json_response(answer, status=201)

    async def owned_objects(self, request: web.Request, body: Any, u: str) -> web.Response:
        user = self.find_user(u)
        if user is None:
            return not_found(u)
        items = [self.owned_json(o) for o in self.owned.values() if user.id in o.owners]
        return self._page(request, items, "directoryObjects")

    async def owners(self, request: web.Request, body: Any, kind: str, o: str) -> web.Response:
        obj = self.owned.get(o)
        expected = {"groups": "group", "applications": "application", "servicePrincipals": "servicePrincipal"}
        if obj is None or obj.kind != expected[kind]:
            if kind == "groups" and o in self.groups:  # a group nobody was recorded as owning
                return self._page(request, [], "directoryObjects")
            return not_found(o)
        items = [
            {
                "@odata.type": "#microsoft.graph.user",
                "id": uid,
                "displayName": self.users[uid].display if uid in self.users else None,
                "userPrincipalName": self.users[uid].upn if uid in self.users else None,
            }
            for uid in sorted(obj.owners)
        ]
        return self._page(request, items, "directoryObjects")

    async def drive_item_permissions(
        self, request: web.Request, body: Any, d: str, item: str
    ) -> web.Response:
        if d not in self.drive_permissions:
            return odata_error(404, "itemNotFound", "The resource could not be found.")
        if item != "root":
            return odata_error(404, "itemNotFound", "Item not found")
        perms = [{k: v for k, v in p.items() if not k.startswith("_")} for p in self.drive_permissions[d]]
        return self._page(request, perms, f"drives('{d}')/items('root')/permissions")
