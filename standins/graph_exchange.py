"""Exchange Online behind the Graph stand-in: mailbox settings, automatic replies, inbox rules, and what
happens to a mailbox when its last Exchange licence goes.

What it follows:
- mailboxSettings.userPurpose (user, linked, shared, room, equipment, others) is read-only in Graph
  (Graph v1.0 reference, mailboxSettings resource type); converting a mailbox to shared is an Exchange
  Online command (`Set-Mailbox -Type Shared`), simulated here by `convert_to_shared(uid)`.
- A user mailbox whose Exchange licence is removed is disconnected (Microsoft 365 docs: a shared
  mailbox needs no licence; a user mailbox does, and is deleted 30 days after its licence goes).
  Graph accepts the licence removal without a word; the stand-in records it in `harms` and from then
  on answers mailbox calls as Exchange Online answers for a mailbox it no longer serves:
  404 MailboxNotEnabledForRESTAPI (message seen in microsoftgraph/microsoft-graph-docs-contrib#6519 and
  other reports). A licence given back reconnects it (the 30-day grace period).
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from standins.graph_routes import GRAPH_CONTEXT, not_found, odata_error
from standins.graph_state import (
    AUTO_REPLIES_PROPERTIES,
    AUTO_REPLIES_STATUS,
    EXTERNAL_AUDIENCE,
    MAILBOX_SETTINGS_PROPERTIES,
    MESSAGE_RULE_ACTIONS,
    MESSAGE_RULE_PROPERTIES,
    User,
    new_id,
    now_iso,
)

# SKUs (skuPartNumber) that carry an Exchange Online service plan (EXCHANGE_S_*), from Microsoft's
# "Product names and service plan identifiers for licensing" table. Others (EMS, AAD_PREMIUM,
# POWER_BI_PRO, VISIOCLIENT, …) do not; `add_sku(..., exchange=)` overrides.
EXCHANGE_SKUS = frozenset(
    """SPE_E3 SPE_E5 SPE_F1 ENTERPRISEPACK ENTERPRISEPREMIUM ENTERPRISEPREMIUM_NOPSTNCONF STANDARDPACK
    DESKLESSPACK O365_BUSINESS_ESSENTIALS O365_BUSINESS_PREMIUM SPB SMB_BUSINESS_ESSENTIALS
    SMB_BUSINESS_PREMIUM EXCHANGESTANDARD EXCHANGEENTERPRISE EXCHANGEDESKLESS EXCHANGEARCHIVE_ADDON
    M365EDU_A3_FACULTY M365EDU_A5_FACULTY DEVELOPERPACK_E5""".split()
)
USER_PURPOSES = frozenset({"user", "linked", "shared", "room", "equipment", "others"})
MSG_MAILBOX_GONE = "The mailbox is either inactive, soft-deleted, or is hosted on-premise."
RULE_RECIPIENT_ACTIONS = ("forwardTo", "redirectTo", "forwardAsAttachmentTo")


def mailbox_gone() -> web.Response:
    return odata_error(404, "MailboxNotEnabledForRESTAPI", MSG_MAILBOX_GONE)


class ExchangeMixin:
    """Mailbox state and routes; GraphStandIn mixes it in (it needs the tenant's users and skus)."""

    users: dict[str, User]
    skus: dict[str, str]
    harms: list[dict[str, Any]]
    find_user: Any
    violation: Any
    _page: Any

    def _init_exchange(self) -> None:
        self.sku_exchange: dict[str, bool] = {}  # skuId -> carries Exchange Online
        self.exchange_licensed: set[str] = set()  # user ids whose mailbox has a licence now
        self.mailbox_lost: set[str] = set()  # user mailboxes disconnected by a licence removal

    # -- seeding and hooks -----------------------------------------------------------------------
    def set_sku_exchange(self, sku_id: str, exchange: bool | None) -> None:
        part = self.skus[sku_id]
        self.sku_exchange[sku_id] = part.upper() in EXCHANGE_SKUS if exchange is None else exchange

    def convert_to_shared(self, user_id: str) -> None:
        """IT ran `Set-Mailbox -Identity <upn> -Type Shared` in Exchange Online (Graph cannot)."""
        user = self.users[user_id]
        if user_id in self.mailbox_lost:
            raise ValueError("the mailbox lost its licence: Exchange needs it licensed to convert it")
        user.mailbox["userPurpose"] = "shared"

    def mailbox_purpose(self, user_id: str) -> str:
        return str(self.users[user_id].mailbox.get("userPurpose", "user"))

    def has_exchange(self, user: User) -> bool:
        return any(self.sku_exchange.get(s["skuId"], False) for s in user.license_states)

    def licences_changed(self, user: User, via: str) -> None:
        """Called after every change of a user's licences (direct, group, seeding)."""
        now_licensed = self.has_exchange(user)
        was_licensed = user.id in self.exchange_licensed
        if now_licensed:
            self.exchange_licensed.add(user.id)
            self.mailbox_lost.discard(user.id)  # licensed again within the grace period
            return
        self.exchange_licensed.discard(user.id)
        if was_licensed and self.mailbox_purpose(user.id) != "shared":
            self.mailbox_lost.add(user.id)
            self.harms.append(
                {
                    "kind": "mailbox_unlicensed",
                    "user": user.id,
                    "upn": user.upn,
                    "via": via,  # "assignLicense" or "group:<id>"
                    "at": now_iso(),
                    "time": time.time(),
                }
            )

    def _mailbox_user(self, u: str) -> User | web.Response:
        user = self.find_user(u)
        if user is None:
            return not_found(u)
        if user.id in self.mailbox_lost:
            return mailbox_gone()
        return user

    # -- routes ------------------------------------------------------------------------------------
    async def get_mailbox(self, request: web.Request, body: Any, u: str) -> web.Response:
        user = self._mailbox_user(u)
        if isinstance(user, web.Response):
            return user
        return web.json_response(
            {"@odata.context": f"{GRAPH_CONTEXT}#users('{user.id}')/mailboxSettings", **user.mailbox}
        )

    async def patch_mailbox(self, request: web.Request, body: Any, u: str) -> web.Response:
        user = self._mailbox_user(u)
        if isinstance(user, web.Response):
            return user
        if not isinstance(body, dict) or set(body) - MAILBOX_SETTINGS_PROPERTIES - {
            "@odata.context",
            "@odata.type",
        }:
            return self.violation(f"PATCH mailboxSettings: unknown properties in {body!r}")
        if "userPurpose" in body:  # read-only (Graph v1.0 mailboxSettings)
            return self.violation("Property 'userPurpose' is read-only and cannot be set.")
        auto = body.get("automaticRepliesSetting")
        if auto is not None:
            problem = _auto_replies_problem(auto)
            if problem:
                return self.violation(problem)
            user.mailbox["automaticRepliesSetting"] = {
                **user.mailbox.get("automaticRepliesSetting", {}),
                **{k: v for k, v in auto.items() if not k.startswith("@")},
            }
        user.mailbox.update(
            {k: v for k, v in body.items() if k != "automaticRepliesSetting" and not k.startswith("@")}
        )
        return await self.get_mailbox(request, None, u)

    async def list_rules(self, request: web.Request, body: Any, u: str, f: str) -> web.Response:
        user = self._mailbox_user(u)
        if isinstance(user, web.Response):
            return user
        return self._page(
            request, [dict(r) for r in user.rules], f"users('{user.id}')/mailFolders('{f}')/messageRules"
        )

    async def create_rule(self, request: web.Request, body: Any, u: str, f: str) -> web.Response:
        user = self._mailbox_user(u)
        if isinstance(user, web.Response):
            return user
        if f != "inbox":
            return not_found(f)
        if not isinstance(body, dict) or set(body) - MESSAGE_RULE_PROPERTIES - {"@odata.type"}:
            return self.violation(f"messageRule: unknown properties in {body!r}")
        actions = body.get("actions")
        if not body.get("displayName") or not isinstance(actions, dict) or not actions:
            return self.violation("messageRule: displayName and actions are required")
        if set(actions) - MESSAGE_RULE_ACTIONS - {"@odata.type"}:
            return self.violation(f"messageRuleActions: unknown properties in {actions!r}")
        for name in RULE_RECIPIENT_ACTIONS:
            for recipient in actions.get(name) or []:
                if not isinstance(recipient, dict) or "address" not in (recipient.get("emailAddress") or {}):
                    return self.violation(
                        f"{name}: each recipient needs emailAddress.address, got {recipient!r}"
                    )
        rule = {
            "id": new_id(),
            "isEnabled": True,
            "hasError": False,
            "isReadOnly": False,
            "sequence": 1,
            **body,
        }
        user.rules.append(rule)
        return web.json_response(
            {"@odata.context": f"{GRAPH_CONTEXT}#messageRules/$entity", **rule}, status=201
        )


def _auto_replies_problem(auto: Any) -> str | None:
    """What is wrong with an automaticRepliesSetting body (Graph v1.0 automaticRepliesSetting), if anything."""
    if not isinstance(auto, dict) or set(auto) - AUTO_REPLIES_PROPERTIES - {"@odata.type"}:
        return f"automaticRepliesSetting: unknown properties in {auto!r}"
    if auto.get("status", "disabled") not in AUTO_REPLIES_STATUS:
        return f"automaticRepliesSetting.status {auto.get('status')!r} is not a valid value"
    if auto.get("externalAudience", "none") not in EXTERNAL_AUDIENCE:
        return f"externalAudience {auto.get('externalAudience')!r} is not a valid value"
    for key in ("scheduledStartDateTime", "scheduledEndDateTime"):
        value = auto.get(key)
        # dateTimeTimeZone: {"dateTime": "2026-12-01T08:00:00", "timeZone": "UTC"}
        if value is not None and (
            not isinstance(value, dict)
            or not isinstance(value.get("dateTime"), str)
            or not isinstance(value.get("timeZone"), str)
            or set(value) - {"dateTime", "timeZone", "@odata.type"}
        ):
            return f"{key} must be a dateTimeTimeZone (dateTime, timeZone), got {value!r}"
    return None
