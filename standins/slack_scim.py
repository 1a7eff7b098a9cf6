"""Slack stand-in: SCIM v1.1 Users (https://api.slack.com/scim/v1/), the API slack_sdk's AsyncSCIMClient
speaks. Its base_url is joined as f"{base_url}Users/{id}", so pass `scim_url` (ending in /scim/v1/).

What Slack documents (api.slack.com/scim, docs.slack.dev/reference/scim-api/scim-api-1.1):
- GET /Users/<id>, GET /Users (paginated: startIndex from 1, count; `filter`), PATCH /Users/<id>
  ("overwriting specified values"), DELETE /Users/<id> ("Sets a Slack user to deactivated").
- "An OAuth token with the admin scope is required to access the SCIM API", sent as a Bearer header.
- Errors are `{"Errors": {"description": ..., "code": <http status>}}` (the shape of java-slack-sdk's
  json-logs/samples/scim/v1/Users/*.json); an unknown token answers 401 `invalid_authentication`
  (asserted against the live API in java-slack-sdk's test_with_remote_apis/scim/ApiTest.java). The same
  test shows DELETE is idempotent with an empty body, and a deleted user reads back `active: false`.
Not found in Slack's material: the exact 403 description for a token without `admin` (e.g. a bot's
xoxb-), nor the 404/400 descriptions; the strings below are marked as this stand-in's choice.
PATCH takes Slack's v1 form (`{"active": false}`) and, as IdPs send it, a SCIM 2.0 PatchOp
(`{"Operations": [{"op": "replace", "path": "active", "value": false}]}`).
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from standins.slack_users import UsersMethods

SCIM_PREFIX = "/scim/v1"
CORE_SCHEMA = "urn:scim:schemas:core:1.0"
GUEST_SCHEMA = "urn:scim:schemas:extension:slack:guest:1.0"  # as in java-slack-sdk's v1 Users sample
# Stand-in's choices where Slack's docs gave no string (see module docstring).
SCIM_FORBIDDEN = "missing_scope"
SCIM_NOT_FOUND = "user_not_found"
SCIM_BAD_REQUEST = "invalid_request"
FILTER = re.compile(
    r"""^\s*(?:filter=)?\s*([\w.]+)\s+eq\s+(?:"([^"]*)"|'([^']*)'|(\S+))\s*$""", re.IGNORECASE
)


class ScimError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


def _truthy(value: Any) -> bool:
    """SCIM booleans arrive as JSON booleans, or as strings ("False") from some IdPs' PatchOps."""
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1"):
        return True
    if str(value).lower() in ("false", "0"):
        return False
    raise ScimError(400, SCIM_BAD_REQUEST)


class ScimUsers(UsersMethods):
    """/scim/v1/Users on the same server; `scim_calls` records every call (method, user, body, status)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scim_calls: list[dict[str, Any]] = []

    @property
    def scim_url(self) -> str:
        """Base URL to give AsyncSCIMClient(base_url=...) (and the bot's SLACK_SCIM_URL)."""
        return f"http://127.0.0.1:{self.port}{SCIM_PREFIX}/"

    def scim_routes(self, app: web.Application) -> None:
        app.router.add_get(f"{SCIM_PREFIX}/Users", self._scim)
        for method in ("GET", "PATCH", "DELETE"):
            app.router.add_route(method, f"{SCIM_PREFIX}/Users/{{id}}", self._scim)

    async def _scim(self, request: web.Request) -> web.Response:
        user_id = request.match_info.get("id")
        raw = await request.read()
        call = {"method": request.method, "path": request.path, "user_id": user_id, "query": dict(request.query),
                "body": None, "status": 0, "at": time.time()}  # fmt: skip
        self.scim_calls.append(call)
        try:
            call["body"] = json.loads(raw) if raw else None
        except ValueError:
            call["body"] = raw.decode(errors="replace")
        try:
            self._scim_auth(request)
            status, body = self._scim_answer(request.method, user_id, request.query, call["body"])
        except ScimError as e:
            status, body = e.code, {"Errors": {"description": e.description, "code": e.code}}
        call["status"] = status
        if body is None:
            return web.Response(status=status)
        return web.json_response(body, status=status)

    def _scim_auth(self, request: web.Request) -> None:
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        if token in self.admin_tokens and token not in self.revoked_tokens:
            if "admin" not in self.admin_tokens[token]:
                raise ScimError(403, SCIM_FORBIDDEN)
            return
        if token in self.tokens and token not in self.revoked_tokens:
            raise ScimError(403, SCIM_FORBIDDEN)  # a bot token: known, but never has `admin`
        raise ScimError(401, "invalid_authentication")

    def _scim_answer(
        self, method: str, user_id: str | None, query: Any, body: Any
    ) -> tuple[int, dict[str, Any] | None]:
        if user_id is None:
            return 200, self._scim_search(query)
        user = self.users.get(user_id)
        if user is None:
            raise ScimError(404, SCIM_NOT_FOUND)
        if method == "DELETE":
            self.deactivate_user(user_id)
            return 204, None
        if method == "PATCH":
            if not isinstance(body, dict):
                raise ScimError(400, SCIM_BAD_REQUEST)
            self._scim_patch(user, body)
        return 200, self.scim_user(user_id)

    def _scim_search(self, query: Any) -> dict[str, Any]:
        try:
            start = max(1, int(query.get("startIndex") or 1))
            count = max(0, min(1000, int(query.get("count") or 100)))
        except ValueError:
            raise ScimError(400, SCIM_BAD_REQUEST) from None
        users = [u for u in self.users.values() if self._scim_match(u, query.get("filter"))]
        page = users[start - 1 : start - 1 + count]
        return {"totalResults": len(users), "itemsPerPage": len(page), "startIndex": start,
                "schemas": [CORE_SCHEMA], "Resources": [self.scim_user(u["id"]) for u in page]}  # fmt: skip

    def _scim_match(self, user: dict[str, Any], expr: str | None) -> bool:
        """Slack's filters are `attribute eq "value"` (api.slack.com/scim#filter); the ones an
        offboarding bot needs: userName, email(s), id, externalId, displayName, active, restricted."""
        if not expr:
            return True
        found = FILTER.match(expr)
        if not found:
            raise ScimError(400, SCIM_BAD_REQUEST)
        attr, value = found.group(1).lower(), next(g for g in found.groups()[1:] if g is not None)
        profile = user["profile"]
        fields = {
            "username": user["name"], "id": user["id"], "externalid": user.get("external_id", ""),
            "displayname": profile.get("display_name", ""), "email": profile.get("email", ""),
            "emails": profile.get("email", ""), "emails.value": profile.get("email", ""),
        }  # fmt: skip
        if attr in fields:
            return str(fields[attr]).lower() == value.lower()
        if attr == "active":
            return _truthy(value) is not user["deleted"]
        if attr == "restricted":
            return _truthy(value) is bool(user["is_restricted"])
        raise ScimError(400, SCIM_BAD_REQUEST)

    def _scim_patch(self, user: dict[str, Any], body: dict[str, Any]) -> None:
        changes: dict[str, Any] = {}
        operations = body.get("Operations", body.get("operations"))
        if operations is None:  # Slack's v1 form: the attributes to overwrite
            changes = {k: v for k, v in body.items() if k != "schemas"}
        else:  # SCIM 2.0 PatchOp: replace/add with a path, or with an object of attributes
            for op in operations if isinstance(operations, list) else []:
                if str(op.get("op", "")).lower() not in ("replace", "add"):
                    raise ScimError(400, SCIM_BAD_REQUEST)
                if op.get("path"):
                    changes[str(op["path"])] = op.get("value")
                elif isinstance(op.get("value"), dict):
                    changes.update(op["value"])
                else:
                    raise ScimError(400, SCIM_BAD_REQUEST)
        if "active" in changes:
            active = _truthy(changes["active"])
            if active and user["deleted"]:
                self.reactivate_user(user["id"])
            elif not active and not user["deleted"]:
                self.deactivate_user(user["id"])
        if isinstance(changes.get("userName"), str):
            user["name"] = changes["userName"]
        for attr, key in (("displayName", "display_name"), ("title", "title")):
            if isinstance(changes.get(attr), str):
                user["profile"][key] = changes[attr]

    def scim_user(self, user_id: str) -> dict[str, Any]:
        """A user as SCIM v1 shows it (fields of python-slack-sdk's test_response.py sample)."""
        user = self.users[user_id]
        profile = user["profile"]
        given, _, family = str(profile.get("real_name", "")).partition(" ")
        created = datetime.fromtimestamp(user.get("created", user["updated"]), UTC).isoformat()
        obj: dict[str, Any] = {
            "schemas": [CORE_SCHEMA], "id": user["id"], "externalId": user.get("external_id", ""),
            "meta": {"created": created, "location": f"{self.scim_url}Users/{user['id']}"},
            "userName": user["name"], "nickName": user["name"],
            "name": {"givenName": profile.get("first_name", given), "familyName": profile.get("last_name", family)},
            "displayName": profile.get("display_name", ""), "profileUrl": f"https://{self.domain}.slack.com/team/{user['name']}",
            "title": profile.get("title", ""), "timezone": user["tz"], "active": not user["deleted"],
            "emails": [{"value": profile["email"], "primary": True}] if profile.get("email") else [],
            "photos": [], "groups": [
                {"value": gid, "display": self.usergroup_meta.get(gid, {}).get("name", gid)}
                for gid, members in self.usergroups.items() if user["id"] in members
            ],
        }  # fmt: skip
        if user["is_restricted"]:  # guests carry Slack's guest extension: multi- or single-channel
            obj["schemas"].append(GUEST_SCHEMA)
            obj[GUEST_SCHEMA] = {"type": "single" if user["is_ultra_restricted"] else "multi"}
        return obj
