"""The reads GraphSystem's steps and verification share: user, licences, groups, methods, devices.

Everything here is GET; `read_access` turns the reads into an AccessState for inventory and verification.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.revocation.contract import AccessEntry, AccessState, LookupFailed, StepOptions, Subject
from bot.revocation.graph_client import CALLS, GraphFailure

# short kind -> (URL segment, SDK attribute on .authentication, SDK item accessor)
METHOD_KINDS: dict[str, tuple[str, str, str]] = {
    "phone": ("phoneMethods", "phone_methods", "by_phone_authentication_method_id"),
    "microsoftAuthenticator": (
        "microsoftAuthenticatorMethods",
        "microsoft_authenticator_methods",
        "by_microsoft_authenticator_authentication_method_id",
    ),
    "softwareOath": (
        "softwareOathMethods",
        "software_oath_methods",
        "by_software_oath_authentication_method_id",
    ),
    "fido2": ("fido2Methods", "fido2_methods", "by_fido2_authentication_method_id"),
    "email": ("emailMethods", "email_methods", "by_email_authentication_method_id"),
    "windowsHelloForBusiness": (
        "windowsHelloForBusinessMethods",
        "windows_hello_for_business_methods",
        "by_windows_hello_for_business_authentication_method_id",
    ),
    "temporaryAccessPass": (
        "temporaryAccessPassMethods",
        "temporary_access_pass_methods",
        "by_temporary_access_pass_authentication_method_id",
    ),
    "platformCredential": (
        "platformCredentialMethods",
        "platform_credential_methods",
        "by_platform_credential_authentication_method_id",
    ),
}
# userPreferredMethodForSecondaryAuthentication -> (kind, phoneType)
PREFERRED = {
    "push": ("microsoftAuthenticator", None),
    "oath": ("softwareOath", None),
    "sms": ("phone", "mobile"),
    "voiceMobile": ("phone", "mobile"),
    "voiceAlternateMobile": ("phone", "alternateMobile"),
    "voiceOffice": ("phone", "office"),
}
RETIRING = {"retirePending", "retireIssued", "wipePending", "wipeIssued"}


def _text(value: Any) -> str | None:
    """An SDK enum or a plain string as text."""
    return None if value is None else str(getattr(value, "value", value))


class GraphReads:
    """Mixin: needs `_graph()` (a GraphServiceClient) and `_call(send)` from GraphSystem."""

    _sku_cache: dict[str, str] | None

    def _graph(self) -> Any:
        raise NotImplementedError

    async def _call(self, send: Callable[[], Awaitable[Any]], *, idempotent: bool = True) -> Any:
        raise NotImplementedError

    async def _all(self, builder: Any, config: Any = None) -> list[Any]:
        """Every item of a collection, following @odata.nextLink."""
        page = await self._call(lambda: builder.get(request_configuration=config))
        items = list(page.value or []) if page else []
        while page is not None and page.odata_next_link:
            link = page.odata_next_link
            page = await self._call(lambda link=link: builder.with_url(link).get())
            items += list(page.value or []) if page else []
        return items

    async def _read_user(self, user_id: str, fields: list[str]) -> Any:
        from kiota_abstractions.base_request_configuration import RequestConfiguration
        from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

        query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(select=fields)
        builder = self._graph().users.by_user_id(user_id)
        return await self._call(
            lambda: builder.get(request_configuration=RequestConfiguration(query_parameters=query))
        )

    async def _find_user(self, email: str, fields: list[str]) -> Any:
        """By userPrincipalName (the key Graph accepts in the path), then by mail. None when neither."""
        from kiota_abstractions.base_request_configuration import RequestConfiguration
        from msgraph.generated.users.users_request_builder import UsersRequestBuilder

        try:
            return await self._read_user(email, fields)
        except GraphFailure as failure:
            if failure.status not in (400, 404):
                raise
        quoted = email.replace("'", "''")
        query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            filter=f"mail eq '{quoted}'", select=fields
        )
        found = await self._all(self._graph().users, RequestConfiguration(query_parameters=query))
        return found[0] if found else None

    async def _sku_names(self, needed: list[str] | None = None) -> dict[str, str]:
        """skuId -> skuPartNumber, cached; read again when a needed id is not in the cache."""
        if self._sku_cache is None or any(sku not in self._sku_cache for sku in needed or []):
            skus = await self._call(lambda: self._graph().subscribed_skus.get())
            self._sku_cache = {str(s.sku_id): s.sku_part_number or str(s.sku_id) for s in (skus.value or [])}
        return self._sku_cache

    async def _groups(self, user_id: str) -> list[Any]:
        from msgraph.generated.models.group import Group

        items = await self._all(self._graph().users.by_user_id(user_id).member_of)
        return [g for g in items if isinstance(g, Group)]

    async def _methods(self, user_id: str) -> list[Any]:
        return await self._all(self._graph().users.by_user_id(user_id).authentication.methods)

    async def _default_method_id(self, user_id: str, methods: list[Any]) -> str | None:
        """The default MFA method, from the registration report; None when it cannot be read (the
        steps then fall back to retrying a rejected delete last)."""
        builder = self._graph().reports.authentication_methods.user_registration_details
        try:
            details = await self._call(lambda: builder.by_user_registration_details_id(user_id).get())
        except GraphFailure:
            return None
        kind, phone_type = PREFERRED.get(
            _text(details.user_preferred_method_for_secondary_authentication) or "", ("", None)
        )
        for method in methods:
            if self._method_kind(method) == kind:
                if phone_type is None or _text(getattr(method, "phone_type", None)) == phone_type:
                    return method.id
        return None

    @staticmethod
    def _method_kind(method: Any) -> str:
        name = (method.odata_type or "").removeprefix("#microsoft.graph.")
        return name.removesuffix("AuthenticationMethod")

    def _method_builder(self, user_id: str, kind: str, method_id: str) -> Any:
        if kind not in METHOD_KINDS:
            return None
        _, attr, by = METHOD_KINDS[kind]
        collection = getattr(self._graph().users.by_user_id(user_id).authentication, attr)
        return getattr(collection, by)(method_id)

    async def _forward_rules(self, user_id: str) -> list[set[str]]:
        rules = await self._all(
            self._graph().users.by_user_id(user_id).mail_folders.by_mail_folder_id("inbox").message_rules
        )
        found = []
        for rule in rules:
            actions = rule.actions
            recipients = (actions.forward_to or []) + (actions.redirect_to or []) if actions else []
            found.append({(r.email_address.address or "").lower() for r in recipients if r.email_address})
        return found

    async def _devices(self, user_id: str) -> list[Any]:
        return await self._all(self._graph().users.by_user_id(user_id).managed_devices)

    @staticmethod
    def _device_retiring(device: Any) -> bool:
        return _text(device.management_state) in RETIRING

    @staticmethod
    def _license_split(user: Any) -> tuple[list[str], dict[str, list[str]]]:
        """(directly assigned sku ids, {sku id: [group ids it comes through]})."""
        direct: list[str] = []
        through: dict[str, list[str]] = {}
        states = user.license_assignment_states
        if states is None:  # not selected / not returned: treat assignedLicenses as direct
            return [str(lic.sku_id) for lic in user.assigned_licenses or []], {}
        for state in states:
            sku = str(state.sku_id)
            if state.assigned_by_group:
                through.setdefault(sku, []).append(state.assigned_by_group)
            elif sku not in direct:
                direct.append(sku)
        return direct, through

    @staticmethod
    def _group_verdict(group: Any, options: StepOptions) -> str:
        """remove | kept | dynamic | mail (distribution list or mail-enabled security group)."""
        types = group.group_types or []
        if group.id in options.keep_groups or group.display_name in options.keep_groups:
            return "kept"
        if "DynamicMembership" in types:
            return "dynamic"
        if group.mail_enabled and "Unified" not in types:
            return "mail"
        return "remove"

    async def manager_of(self, subject: Subject) -> str | None:
        """The manager's mail (or UPN), e.g. to prefill who gets the OneDrive; None when none is set."""
        token = CALLS.set([])
        try:
            manager = await self._call(lambda: self._graph().users.by_user_id(subject.id).manager.get())
        except GraphFailure as failure:
            if failure.status == 404:
                return None
            raise LookupFailed(failure.words()) from None
        finally:
            CALLS.reset(token)
        extra = getattr(manager, "additional_data", None) or {}
        return (
            getattr(manager, "mail", None)
            or extra.get("mail")
            or getattr(manager, "user_principal_name", None)
        )

    # -- inventory / verification ----------------------------------------------------------------
    async def read_access(self, subject: Subject, options: StepOptions) -> AccessState:
        entries: list[AccessEntry] = []
        remaining: list[str] = []
        notes = ["sign-in session revocation cannot be read back"]
        token = CALLS.set([])
        try:
            groups: dict[str, Any] = {}
            try:
                for group in await self._groups(subject.id):
                    groups[group.id] = group
                    verdict = self._group_verdict(group, options)
                    ends = "graph.remove_groups" if verdict == "remove" else "manual"
                    detail = {
                        "kept": "kept as asked",
                        "dynamic": "dynamic membership rule",
                        "mail": "mail-enabled",
                    }
                    entries.append(
                        AccessEntry(
                            "group", group.display_name or group.id, group.id, ends, detail.get(verdict, "")
                        )
                    )
                    if verdict != "kept":
                        remaining.append(f"still a member of group '{group.display_name}'")
            except GraphFailure as failure:
                notes.append(f"group memberships could not be read: {failure.words()}")
                remaining.append("group memberships could not be checked")
            try:
                fields = ["id", "accountEnabled", "assignedLicenses", "licenseAssignmentStates"]
                user = await self._read_user(subject.id, fields)
                enabled = user.account_enabled is not False
                name = "sign-in enabled" if enabled else "sign-in blocked"
                entries.append(
                    AccessEntry(
                        "account", name, subject.id, "graph.block_sign_in", f"accountEnabled={enabled}"
                    )
                )
                if enabled:
                    remaining.append("account still enabled (sign-in not blocked)")
                direct, through = self._license_split(user)
                names = await self._sku_names([*direct, *through])
                for sku in direct:
                    part = names.get(sku, sku)
                    entries.append(
                        AccessEntry("license", part, sku, "graph.remove_licenses", "assigned directly")
                    )
                    remaining.append(f"licence {part} still assigned directly")
                for sku, gids in through.items():
                    for gid in gids:
                        group = groups.get(gid)
                        gname = group.display_name if group else gid
                        removable = group is not None and self._group_verdict(group, options) == "remove"
                        ends = "graph.remove_groups" if removable else "manual"
                        part = names.get(sku, sku)
                        entries.append(AccessEntry("license", part, sku, ends, f"assigned by group {gname}"))
                        remaining.append(f"licence {part} still assigned through group '{gname}'")
            except GraphFailure as failure:
                notes.append(f"account and licences could not be read: {failure.words()}")
                remaining.append("account and licences could not be checked")
            try:
                for method in await self._methods(subject.id):
                    kind = self._method_kind(method)
                    if kind == "password":
                        detail = "cannot be deleted through Graph; blocked sign-in covers it"
                        entries.append(
                            AccessEntry("auth_method", kind, method.id, "graph.block_sign_in", detail)
                        )
                        continue
                    entries.append(AccessEntry("auth_method", kind, method.id, "graph.remove_auth_methods"))
                    remaining.append(f"sign-in method {kind} still registered")
            except GraphFailure as failure:
                notes.append(f"sign-in methods could not be read: {failure.words()}")
                remaining.append("sign-in methods could not be checked")
            try:
                for device in await self._devices(subject.id):
                    label = f"{device.device_name} ({device.operating_system})"
                    state = _text(device.management_state) or "unknown"
                    if _text(device.managed_device_owner_type) != "personal":  # wiped once returned
                        detail = f"{state}; company device: stays managed until returned, then wiped"
                        entries.append(AccessEntry("device", label, device.id, "manual", detail))
                        continue
                    entries.append(AccessEntry("device", label, device.id, "graph.retire_devices", state))
                    if not self._device_retiring(device):
                        remaining.append(f"device {label} not retired")
            except GraphFailure as failure:
                notes.append(f"managed devices could not be read: {failure.words()}")
                remaining.append("managed devices could not be checked")
        finally:
            CALLS.reset(token)
        return AccessState("graph", tuple(entries), tuple(remaining), tuple(notes))
