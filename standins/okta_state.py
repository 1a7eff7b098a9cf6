"""The in-memory Okta org behind `OktaStandIn`: users, groups, factors, grants, app links, sessions.

Shapes of the JSON it renders follow the recorded Okta traffic in specs/okta/cassettes and the
examples in specs/okta/okta-offboarding-slice.yaml.
"""

from __future__ import annotations

import re
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any

_ALNUM = string.ascii_letters + string.digits

# Okta enrols these together: unenrolling Okta Verify push also unenrols Okta's TOTP and
# signed_nonce factors (spec: unenrollFactor note).
_PUSH_CASCADE = {("token:software:totp", "OKTA"), ("signed_nonce", "OKTA"), ("push", "OKTA")}

_FACTOR_PREFIX = {"push": "opf", "token:software:totp": "ost", "sms": "sms", "call": "clf", "email": "emf"}


def okta_id(prefix: str) -> str:
    """An id shaped like Okta's: a 3-character prefix and 17 random letters/digits (20 in all)."""
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(17))


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ts))


@dataclass
class User:
    id: str
    status: str
    profile: dict[str, Any]
    created: float
    status_changed: float
    sessions: list[str] = field(default_factory=list)
    oauth_tokens_revoked: bool = False


@dataclass
class Group:
    id: str
    name: str
    type: str  # OKTA_GROUP | APP_GROUP | BUILT_IN
    created: float
    description: str | None = None


@dataclass
class Factor:
    id: str
    factor_type: str
    provider: str
    created: float
    status: str = "ACTIVE"


@dataclass
class Grant:
    id: str
    scope_id: str
    client_id: str
    created: float


@dataclass
class AppLink:
    id: str
    label: str
    app_name: str
    app_instance_id: str
    app_assignment_id: str
    provisioned: bool  # pushed/deprovisioned by Okta (not exposed by the appLinks API itself)
    sort_order: int = 0


class OktaOrg:
    """Plain dicts keyed by id, so tests can inspect and seed them directly."""

    def __init__(self, clock: Any = time.time) -> None:
        self.clock = clock
        self.users: dict[str, User] = {}
        self.groups: dict[str, Group] = {}
        self.members: dict[str, set[str]] = {}  # group id -> user ids
        self.factors: dict[str, dict[str, Factor]] = {}  # user id -> factor id -> factor
        self.grants: dict[str, dict[str, Grant]] = {}
        self.app_links: dict[str, list[AppLink]] = {}
        self.everyone_id = self.add_group("Everyone", "BUILT_IN", "All users in your organization")

    # -- seeding -----------------------------------------------------------------------------
    def add_user(
        self,
        login: str,
        first: str = "",
        last: str = "",
        status: str = "ACTIVE",
        manager_id: str | None = None,
    ) -> str:
        uid = okta_id("00u")
        now = self.clock()
        profile: dict[str, Any] = {
            "firstName": first or login.split("@")[0].split(".")[0].title(),
            "lastName": last or "User",
            "mobilePhone": None,
            "secondEmail": None,
            "login": login,
            "email": login,
        }
        if manager_id:
            profile["managerId"] = manager_id
        self.users[uid] = User(uid, status, profile, now, now)
        self.members[self.everyone_id].add(uid)
        self.factors[uid], self.grants[uid], self.app_links[uid] = {}, {}, []
        return uid

    def add_group(self, name: str, type: str = "OKTA_GROUP", description: str | None = None) -> str:
        gid = okta_id("00g")
        self.groups[gid] = Group(gid, name, type, self.clock(), description)
        self.members[gid] = set()
        return gid

    def add_member(self, group_id: str, user_id: str) -> None:
        self.members[group_id].add(user_id)

    def add_factor(
        self, user_id: str, factor_type: str = "token:software:totp", provider: str = "GOOGLE"
    ) -> str:
        fid = okta_id(_FACTOR_PREFIX.get(factor_type, "uft"))
        self.factors[user_id][fid] = Factor(fid, factor_type, provider, self.clock())
        return fid

    def add_grant(self, user_id: str, scope: str = "okta.users.read") -> str:
        gid = okta_id("oag")
        self.grants[user_id][gid] = Grant(gid, scope, okta_id("0oa"), self.clock())
        return gid

    def add_app_link(self, user_id: str, label: str, app_name: str, provisioned: bool = True) -> str:
        links = self.app_links[user_id]
        link = AppLink(
            okta_id("00u"), label, app_name, okta_id("0oa"), okta_id("0ua"), provisioned, len(links)
        )
        links.append(link)
        return link.app_instance_id

    def add_session(self, user_id: str) -> str:
        sid = okta_id("102")
        self.users[user_id].sessions.append(sid)
        return sid

    # -- lookups and changes ------------------------------------------------------------------
    def find_user(self, id_or_login: str) -> User | None:
        """By id, login, or unambiguous login shortname (what /users/{id} accepts)."""
        if id_or_login in self.users:
            return self.users[id_or_login]
        key = id_or_login.lower()
        by_login = [u for u in self.users.values() if u.profile["login"].lower() == key]
        if by_login:
            return by_login[0]
        short = [u for u in self.users.values() if u.profile["login"].lower().split("@")[0] == key]
        return short[0] if len(short) == 1 else None

    def set_status(self, user: User, status: str) -> None:
        user.status, user.status_changed = status, self.clock()

    def groups_of(self, user_id: str) -> list[Group]:
        return [g for gid, g in self.groups.items() if user_id in self.members[gid]]

    def unenroll(self, user_id: str, factor_id: str) -> None:
        factors = self.factors[user_id]
        gone = factors.pop(factor_id)
        if (gone.factor_type, gone.provider) == ("push", "OKTA"):
            for fid, f in list(factors.items()):
                if (f.factor_type, f.provider) in _PUSH_CASCADE:
                    del factors[fid]

    def user_state(self, user_id: str) -> dict[str, Any]:
        """A summary for assertions: what the person can still reach."""
        u = self.users[user_id]
        return {
            "status": u.status,
            "groups": sorted(g.name for g in self.groups_of(user_id)),
            "factors": sorted(f.factor_type for f in self.factors[user_id].values()),
            "grants": sorted(g.scope_id for g in self.grants[user_id].values()),
            "sessions": len(u.sessions),
            "oauth_tokens_revoked": u.oauth_tokens_revoked,
            "app_links": sorted(a.label for a in self.app_links[user_id]),
        }

    # -- search / filter ------------------------------------------------------------------------
    def query_users(self, expr: str, *, case_sensitive: bool) -> list[User]:
        """Users matching an Okta `search` (case-insensitive values) or `filter` expression."""
        tree = _Parser(expr).parse()
        return [u for u in self.users.values() if _matches(tree, u, case_sensitive)]

    # -- JSON -----------------------------------------------------------------------------------
    def user_json(self, u: User, base: str) -> dict[str, Any]:
        href = f"{base}/api/v1/users/{u.id}"
        return {
            "id": u.id,
            "status": u.status,
            "created": iso(u.created),
            "activated": iso(u.created) if u.status != "STAGED" else None,
            "statusChanged": iso(u.status_changed),
            "lastLogin": None,
            "lastUpdated": iso(u.status_changed),
            "passwordChanged": iso(u.created),
            "type": {"id": "otyc04qb2rUDcq2YA4x6"},
            "profile": dict(u.profile),
            "credentials": {
                "password": {},
                "emails": [{"value": u.profile["email"], "status": "VERIFIED", "type": "PRIMARY"}],
                "provider": {"type": "OKTA", "name": "OKTA"},
            },
            "_links": {"self": {"href": href}},
        }

    def group_json(self, g: Group, base: str) -> dict[str, Any]:
        href = f"{base}/api/v1/groups/{g.id}"
        object_class = "okta:windows_security_principal" if g.type == "APP_GROUP" else "okta:user_group"
        return {
            "id": g.id,
            "created": iso(g.created),
            "lastUpdated": iso(g.created),
            "lastMembershipUpdated": iso(self.clock()),
            "objectClass": [object_class],
            "type": g.type,
            "profile": self._group_profile(g),
            "_links": {"users": {"href": f"{href}/users"}, "apps": {"href": f"{href}/apps"}},
        }

    @staticmethod
    def _group_profile(g: Group) -> dict[str, Any]:
        # Okta sends "description": null for groups created without one (recordings); the spec says string.
        profile: dict[str, Any] = {"name": g.name, "description": g.description}
        if g.type == "APP_GROUP":  # imported from a directory (Active Directory shape)
            profile.update(
                description=g.description or g.name,
                windowsDomainQualifiedName=f"EXAMPLE\\{g.name}",
                samAccountName=g.name,
                dn=f"CN={g.name},OU=Groups,DC=example,DC=com",
                externalId=g.id[3:],
            )
        return profile

    def factor_json(self, user: User, f: Factor, base: str) -> dict[str, Any]:
        href = f"{base}/api/v1/users/{user.id}/factors/{f.id}"
        login = user.profile["login"]
        profile: dict[str, Any] = {
            "sms": {"phoneNumber": "+1-555-415-1337"},
            "call": {"phoneNumber": "+1-555-415-1337"},
            "email": {"email": user.profile["email"]},
            "push": {
                "credentialId": login,
                "deviceType": "SmartPhone_IPhone",
                "name": "iPhone",
                "platform": "IOS",
            },
        }.get(f.factor_type, {"credentialId": login})
        return {
            "id": f.id,
            "factorType": f.factor_type,
            "provider": f.provider,
            "vendorName": f.provider,
            "status": f.status,
            "created": iso(f.created),
            "lastUpdated": iso(f.created),
            "profile": profile,
            "_links": {
                "self": {"href": href, "hints": {"allow": ["GET", "DELETE"]}},
                "user": {"href": f"{base}/api/v1/users/{user.id}", "hints": {"allow": ["GET"]}},
            },
        }

    def grant_json(self, user_id: str, g: Grant, base: str) -> dict[str, Any]:
        return {
            "id": g.id,
            "status": "ACTIVE",
            "created": iso(g.created),
            "lastUpdated": iso(g.created),
            "issuer": base,
            "clientId": g.client_id,
            "userId": user_id,
            "scopeId": g.scope_id,
            "source": "END_USER",
            "_links": {"self": {"href": f"{base}/api/v1/users/{user_id}/grants/{g.id}"}},
        }

    def app_link_json(self, a: AppLink, base: str) -> dict[str, Any]:
        return {
            "id": a.id,
            "label": a.label,
            "linkUrl": f"{base}/home/{a.app_name}/{a.app_instance_id}/{a.sort_order}",
            "logoUrl": f"{base}/img/logos/{a.app_name}.png",
            "appName": a.app_name,
            "appInstanceId": a.app_instance_id,
            "appAssignmentId": a.app_assignment_id,
            "credentialsSetup": False,
            "hidden": False,
            "sortOrder": a.sort_order,
        }


class QueryError(ValueError):
    """An Okta search/filter expression the stand-in (and Okta's subset) cannot parse."""


_TOKEN = re.compile(r'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([A-Za-z_][\w.]*))')


class _Parser:
    """expr := term ("or" term)* ; term := factor ("and" factor)* ; factor := "(" expr ")" | attr op "value"."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text.rstrip()):
            m = _TOKEN.match(text, pos)
            if not m:
                raise QueryError(f"cannot parse near {text[pos : pos + 20]!r}")
            pos = m.end()
            if m.group(1) or m.group(2):
                self.tokens.append(("paren", m.group(1) or m.group(2)))
            elif m.group(3) is not None:
                self.tokens.append(("str", re.sub(r"\\(.)", r"\1", m.group(3))))
            else:
                self.tokens.append(("word", m.group(4)))
        self.i = 0

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _next(self) -> tuple[str, str]:
        tok = self._peek()
        if tok is None:
            raise QueryError("unexpected end of expression")
        self.i += 1
        return tok

    def parse(self) -> Any:
        tree = self._expr()
        if self._peek() is not None:
            raise QueryError(f"unexpected {self._peek()[1]!r}")  # type: ignore[index]
        return tree

    def _expr(self) -> Any:
        node = self._term()
        while self._peek() in (("word", "or"), ("word", "OR")):
            self.i += 1
            node = ("or", node, self._term())
        return node

    def _term(self) -> Any:
        node = self._factor()
        while self._peek() in (("word", "and"), ("word", "AND")):
            self.i += 1
            node = ("and", node, self._factor())
        return node

    def _factor(self) -> Any:
        tok = self._next()
        if tok == ("paren", "("):
            node = self._expr()
            if self._next() != ("paren", ")"):
                raise QueryError("missing )")
            return node
        attr, op, value = tok, self._next(), self._next()
        if (
            attr[0] != "word"
            or op[0] != "word"
            or op[1].lower() not in ("eq", "sw", "co")
            or value[0] != "str"
        ):
            raise QueryError('expected: attribute eq|sw|co "value"')
        return ("cmp", attr[1], op[1].lower(), value[1])


def _matches(node: Any, u: User, case_sensitive: bool) -> bool:
    if node[0] == "or":
        return _matches(node[1], u, case_sensitive) or _matches(node[2], u, case_sensitive)
    if node[0] == "and":
        return _matches(node[1], u, case_sensitive) and _matches(node[2], u, case_sensitive)
    _, attr, op, want = node
    if attr.startswith("profile."):
        have = u.profile.get(attr.removeprefix("profile."))
    else:
        have = {"id": u.id, "status": u.status}.get(attr)
    if have is None:
        return False
    have = str(have)
    if not case_sensitive:
        have, want = have.lower(), want.lower()
    return {"eq": have == want, "sw": have.startswith(want), "co": want in have}[op]
