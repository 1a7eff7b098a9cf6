"""The in-memory Microsoft Graph tenant behind GraphStandIn: objects, seeding helpers, JSON shapes.

Property names come from the CSDL slice in the specs (graph-v1.0-csdl-offboarding-slice.xml: user,
mailboxSettings, automaticRepliesSetting); messageRule, messageRuleActions and the driveItem invite
parameters are not in that slice and follow the Graph v1.0 reference pages instead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# microsoft.graph.user structural properties (CSDL slice), plus the key and the directoryObject base.
USER_PROPERTIES = frozenset(
    """id deletedDateTime aboutMe accountEnabled ageGroup assignedLicenses assignedPlans authorizationInfo
    birthday businessPhones city companyName consentProvidedForMinor country createdDateTime creationType
    customSecurityAttributes department deviceEnrollmentLimit displayName employeeHireDate employeeId
    employeeLeaveDateTime employeeOrgData employeeType externalUserState externalUserStateChangeDateTime
    faxNumber givenName hireDate identities identityParentId imAddresses interests isManagementRestricted
    isResourceAccount jobTitle lastPasswordChangeDateTime legalAgeGroupClassification
    licenseAssignmentStates mail mailboxSettings mailNickname mobilePhone mySite officeLocation
    onPremisesDistinguishedName onPremisesDomainName onPremisesExtensionAttributes onPremisesImmutableId
    onPremisesLastSyncDateTime onPremisesProvisioningErrors onPremisesSamAccountName
    onPremisesSecurityIdentifier onPremisesSyncEnabled onPremisesUserPrincipalName otherMails
    passwordPolicies passwordProfile pastProjects postalCode preferredDataLocation preferredLanguage
    preferredName print provisionedPlans proxyAddresses responsibilities schools securityIdentifier
    serviceProvisioningErrors showInAddressList signInActivity signInSessionsValidFromDateTime skills state
    streetAddress surname usageLocation userPrincipalName userType""".split()
)
# Set by Graph itself; a PATCH naming them is rejected.
USER_READ_ONLY = frozenset(
    """id deletedDateTime assignedLicenses assignedPlans licenseAssignmentStates provisionedPlans
    createdDateTime signInSessionsValidFromDateTime signInActivity securityIdentifier
    lastPasswordChangeDateTime onPremisesSyncEnabled onPremisesLastSyncDateTime""".split()
)
# What GET /users/{id} returns without $select (Graph's documented default set).
USER_DEFAULT_SELECT = (
    "businessPhones displayName givenName jobTitle mail mobilePhone officeLocation preferredLanguage "
    "surname userPrincipalName id"
).split()
MAILBOX_SETTINGS_PROPERTIES = frozenset(
    "archiveFolder automaticRepliesSetting dateFormat delegateMeetingMessageDeliveryOptions language "
    "timeFormat timeZone userPurpose workingHours".split()
)
AUTO_REPLIES_PROPERTIES = frozenset(
    "externalAudience externalReplyMessage internalReplyMessage scheduledEndDateTime "
    "scheduledStartDateTime status".split()
)
AUTO_REPLIES_STATUS = frozenset({"disabled", "alwaysEnabled", "scheduled"})
EXTERNAL_AUDIENCE = frozenset({"none", "contactsOnly", "all"})
# From the Graph v1.0 reference (messageRule, messageRuleActions, driveItem: invite).
MESSAGE_RULE_PROPERTIES = frozenset(
    "id displayName sequence isEnabled conditions actions exceptions hasError isReadOnly".split()
)
MESSAGE_RULE_ACTIONS = frozenset(
    "assignCategories copyToFolder delete forwardAsAttachmentTo forwardTo markAsRead markImportance "
    "moveToFolder permanentDelete redirectTo stopProcessingRules".split()
)
INVITE_PARAMETERS = frozenset(
    "recipients message requireSignIn sendInvitation roles expirationDateTime password "
    "retainInheritedPermissions".split()
)
PASSWORD_METHOD_ID = "28c10230-6103-485e-b985-444c60001490"  # the fixed id Graph gives every password


@dataclass(frozen=True)
class AuthKind:
    odata_type: str
    segment: str  # /users/{id}/authentication/<segment>/{method-id}
    preferred: str | None  # userPreferredMethodForSecondaryAuthentication value when it is the default


AUTH_KINDS: dict[str, AuthKind] = {
    "password": AuthKind("#microsoft.graph.passwordAuthenticationMethod", "passwordMethods", None),
    "microsoftAuthenticator": AuthKind(
        "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod", "microsoftAuthenticatorMethods", "push"
    ),
    "phone": AuthKind("#microsoft.graph.phoneAuthenticationMethod", "phoneMethods", "sms"),
    "softwareOath": AuthKind(
        "#microsoft.graph.softwareOathAuthenticationMethod", "softwareOathMethods", "oath"
    ),
    "fido2": AuthKind("#microsoft.graph.fido2AuthenticationMethod", "fido2Methods", None),
    "email": AuthKind("#microsoft.graph.emailAuthenticationMethod", "emailMethods", None),
    "windowsHelloForBusiness": AuthKind(
        "#microsoft.graph.windowsHelloForBusinessAuthenticationMethod", "windowsHelloForBusinessMethods", None
    ),
    "temporaryAccessPass": AuthKind(
        "#microsoft.graph.temporaryAccessPassAuthenticationMethod", "temporaryAccessPassMethods", None
    ),
}
DELETABLE_SEGMENTS = {k.segment: name for name, k in AUTH_KINDS.items() if name != "password"}


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class User:
    id: str
    upn: str
    mail: str | None
    display: str
    enabled: bool = True
    license_states: list[dict[str, Any]] = field(default_factory=list)  # licenseAssignmentState dicts
    manager_id: str | None = None
    methods: list[dict[str, Any]] = field(default_factory=list)  # authenticationMethod JSON
    default_method: str | None = None  # id of the default (preferred) MFA method
    mailbox: dict[str, Any] = field(default_factory=dict)
    rules: list[dict[str, Any]] = field(default_factory=list)
    sessions_valid_from: str | None = None
    drive_id: str = field(default_factory=new_id)
    extra: dict[str, Any] = field(default_factory=dict)  # other properties set by PATCH


@dataclass
class Group:
    id: str
    name: str
    dynamic: bool = False
    mail_enabled: bool = False
    unified: bool = False
    members: set[str] = field(default_factory=set)
    skus: set[str] = field(default_factory=set)  # licenses the group assigns to its members


@dataclass
class Device:
    id: str
    name: str
    os: str
    user_id: str
    state: str = "managed"
    owner: str = "company"  # managedDeviceOwnerType: unknown | company | personal
    actions: list[dict[str, Any]] = field(default_factory=list)  # deviceActionResult JSON


class GraphTenant:
    """Users, licenses, groups, methods, devices and drives, with the seeding helpers tests use."""

    def __init__(self, domain: str = "contoso.com") -> None:
        self.domain = domain
        self.tenant_id = new_id()
        self.users: dict[str, User] = {}
        self.skus: dict[str, str] = {}  # skuId -> skuPartNumber
        self.groups: dict[str, Group] = {}
        self.devices: dict[str, Device] = {}
        self.drive_permissions: dict[str, list[dict[str, Any]]] = {}  # drive id -> permissions

    # -- seeding ------------------------------------------------------------------------------
    def add_user(self, upn: str, display: str = "", mail: str | None = None, enabled: bool = True) -> str:
        uid = new_id()
        user = User(uid, upn, mail if mail is not None else upn, display or upn.split("@")[0], enabled)
        user.methods.append(
            {"@odata.type": AUTH_KINDS["password"].odata_type, "id": PASSWORD_METHOD_ID, "password": None}
        )
        user.mailbox = {
            "archiveFolder": new_id(),
            "timeZone": "UTC",
            "automaticRepliesSetting": {"status": "disabled", "externalAudience": "all"},
            "language": {"locale": "en-US", "displayName": "English (United States)"},
        }
        self.users[uid] = user
        self.drive_permissions[user.drive_id] = []
        return uid

    def add_sku(self, part_number: str) -> str:
        sku_id = new_id()
        self.skus[sku_id] = part_number
        return sku_id

    def assign_license(self, user_id: str, sku_id: str, by_group: str | None = None) -> None:
        """Directly, or through `by_group` (which then assigns it to all its members, this user included)."""
        if by_group is None:
            self._add_state(self.users[user_id], sku_id, None)
            return
        group = self.groups[by_group]
        group.skus.add(sku_id)
        group.members.add(user_id)
        for member in group.members:
            self._add_state(self.users[member], sku_id, by_group)

    def add_group(
        self, name: str, dynamic: bool = False, *, mail_enabled: bool = False, unified: bool = False
    ) -> str:
        """A security group; `dynamic` for rule-based membership; mail_enabled without unified = a
        distribution list / mail-enabled security group (Graph cannot change its members)."""
        gid = new_id()
        self.groups[gid] = Group(gid, name, dynamic, mail_enabled or unified, unified)
        return gid

    def add_member(self, group_id: str, user_id: str) -> None:
        group = self.groups[group_id]
        group.members.add(user_id)
        for sku in group.skus:
            self._add_state(self.users[user_id], sku, group_id)

    def add_auth_method(self, user_id: str, kind: str, default: bool = False) -> str:
        if kind not in AUTH_KINDS or kind == "password":
            raise ValueError(f"unknown or implicit authentication method kind {kind!r}")
        if default and AUTH_KINDS[kind].preferred is None:
            raise ValueError(f"{kind} cannot be the default MFA method")
        user = self.users[user_id]
        mid = new_id()
        method: dict[str, Any] = {
            "@odata.type": AUTH_KINDS[kind].odata_type,
            "id": mid,
            "createdDateTime": now_iso(),
        }
        if kind == "phone":
            taken = [m.get("phoneType") for m in user.methods]
            free = [t for t in ("mobile", "alternateMobile", "office") if t not in taken]
            if not free:
                raise ValueError("a user has at most three phone methods")
            method.update(
                phoneNumber=f"+1 555010{len(user.methods)}", phoneType=free[0], smsSignInState="notSupported"
            )
        elif kind in ("microsoftAuthenticator", "fido2", "windowsHelloForBusiness"):
            method["displayName"] = f"{kind} device"
        elif kind == "email":
            method["emailAddress"] = f"{user.upn.split('@')[0]}@personal.example"
        user.methods.append(method)
        if default:
            user.default_method = mid
        return mid

    def add_device(self, user_id: str, name: str, os: str = "Windows", owner: str = "company") -> str:
        did = new_id()
        self.devices[did] = Device(did, name, os, user_id, owner=owner)
        return did

    def finish_device_action(self, device_id: str, state: str = "done") -> None:
        """The device checked in: its latest remote action (retire/wipe) reaches `state`."""
        action = self.devices[device_id].actions[-1]
        action.update(actionState=state, lastUpdatedDateTime=now_iso())

    def set_manager(self, user_id: str, manager_id: str) -> None:
        self.users[user_id].manager_id = manager_id

    # -- lookups and changes -----------------------------------------------------------------
    def find_user(self, key: str) -> User | None:
        """By object id or userPrincipalName (case-insensitive), as Graph's /users/{id | upn}."""
        if key in self.users:
            return self.users[key]
        low = key.lower()
        return next((u for u in self.users.values() if u.upn.lower() == low), None)

    def groups_of(self, user_id: str) -> list[Group]:
        return [g for g in self.groups.values() if user_id in g.members]

    def leave_group(self, group: Group, user_id: str) -> None:
        group.members.discard(user_id)
        user = self.users[user_id]
        user.license_states = [s for s in user.license_states if s["assignedByGroup"] != group.id]

    def _add_state(self, user: User, sku_id: str, group_id: str | None) -> None:
        if any(s["skuId"] == sku_id and s["assignedByGroup"] == group_id for s in user.license_states):
            return
        user.license_states.append(
            {
                "skuId": sku_id,
                "assignedByGroup": group_id,
                "disabledPlans": [],
                "state": "Active",
                "error": "None",
                "lastUpdatedDateTime": now_iso(),
            }
        )

    # -- JSON shapes ---------------------------------------------------------------------------
    def user_json(self, user: User, select: list[str] | None = None) -> dict[str, Any]:
        skus = list(dict.fromkeys(s["skuId"] for s in user.license_states))
        full: dict[str, Any] = {
            "id": user.id,
            "userPrincipalName": user.upn,
            "mail": user.mail,
            "displayName": user.display,
            "givenName": user.display.split(" ")[0],
            "surname": user.display.split(" ")[-1],
            "businessPhones": [],
            "jobTitle": None,
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": "en-US",
            "accountEnabled": user.enabled,
            "assignedLicenses": [{"skuId": s, "disabledPlans": []} for s in skus],
            "licenseAssignmentStates": [dict(s) for s in user.license_states],
            "signInSessionsValidFromDateTime": user.sessions_valid_from,
            "userType": "Member",
            **user.extra,
        }
        wanted = select or USER_DEFAULT_SELECT
        return {k: full.get(k) for k in wanted}

    def group_json(self, group: Group) -> dict[str, Any]:
        types = (["Unified"] if group.unified else []) + (["DynamicMembership"] if group.dynamic else [])
        return {
            "@odata.type": "#microsoft.graph.group",
            "id": group.id,
            "displayName": group.name,
            "groupTypes": types,
            "mailEnabled": group.mail_enabled,
            "securityEnabled": not group.unified,
            "membershipRule": 'user.department -eq "Sales"' if group.dynamic else None,
            "membershipRuleProcessingState": "On" if group.dynamic else None,
        }

    def device_json(self, device: Device) -> dict[str, Any]:
        user = self.users[device.user_id]
        return {
            "@odata.type": "#microsoft.graph.managedDevice",
            "id": device.id,
            "deviceName": device.name,
            "operatingSystem": device.os,
            "userId": user.id,
            "userPrincipalName": user.upn,
            "emailAddress": user.mail,
            "managementState": device.state,
            "managedDeviceOwnerType": device.owner,
            "complianceState": "compliant",
            "deviceActionResults": [dict(a) for a in device.actions],
        }

    def sku_json(self, sku_id: str) -> dict[str, Any]:
        used = sum(1 for u in self.users.values() if any(s["skuId"] == sku_id for s in u.license_states))
        return {
            "id": f"{self.tenant_id}_{sku_id}",
            "skuId": sku_id,
            "skuPartNumber": self.skus[sku_id],
            "appliesTo": "User",
            "capabilityStatus": "Enabled",
            "consumedUnits": used,
            "prepaidUnits": {"enabled": 25, "suspended": 0, "warning": 0, "lockedOut": 0},
            "servicePlans": [],
        }

    def registration_json(self, user: User) -> dict[str, Any]:
        preferred = "none"
        for m in user.methods:
            if m["id"] == user.default_method:
                kind = next(k for k in AUTH_KINDS.values() if k.odata_type == m["@odata.type"])
                preferred = kind.preferred or "none"
        registered = [
            m["@odata.type"].split(".")[-1].replace("AuthenticationMethod", "") for m in user.methods
        ]
        return {
            "id": user.id,
            "userPrincipalName": user.upn,
            "userDisplayName": user.display,
            "userType": "member",
            "isAdmin": False,
            "isMfaRegistered": len(user.methods) > 1,
            "isMfaCapable": len(user.methods) > 1,
            "isSystemPreferredAuthenticationMethodEnabled": False,
            "systemPreferredAuthenticationMethods": [],
            "methodsRegistered": registered,
            "userPreferredMethodForSecondaryAuthentication": preferred,
            "lastUpdatedDateTime": now_iso(),
        }
