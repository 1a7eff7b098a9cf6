"""The Graph stand-in's consequences: group licences, Exchange mailboxes losing their licence, out of
office and forwarding, OneDrive permissions, Intune retire/wipe, Entra roles and PIM, ownerships,
unknown users, and drift after an offboarding. Driven over HTTP, with msgraph-sdk where practical."""

from __future__ import annotations

import json

import aiohttp
import pytest

from bot.revocation.graph_client import build_client
from bot.revocation.pacing import Pacer
from bot.revocation.retry import RetryPolicy
from standins.cast import seed_identity, seed_privileges
from standins.graph_api import GraphStandIn
from standins.graph_directory import BUILT_IN_ROLES

AUTH = {"Authorization": "Bearer test-token"}
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"


@pytest.fixture
async def graph():
    async with GraphStandIn() as stand_in:
        yield stand_in


@pytest.fixture
async def sdk(graph):
    """The GraphServiceClient the bot builds (static token), on the stand-in."""
    handle = build_client(
        graph.url, access_token="test-token", tenant_id=None, client_id=None, client_secret=None,
        retry=RetryPolicy(attempts=1, sdk_retries=0), timeout=10.0, pacer=Pacer("graph", max_concurrency=4),
    )  # fmt: skip
    yield handle.client
    await handle.aclose()


def error_code(body: dict) -> str:
    return body["error"]["code"]


async def remove_licence(http, graph, uid: str, sku: str) -> aiohttp.ClientResponse:
    body = {"addLicenses": [], "removeLicenses": [sku]}
    async with http.post(f"{graph.url}/users/{uid}/assignLicense", json=body) as resp:
        await resp.read()
        return resp


# -- licences ----------------------------------------------------------------------------------------
async def test_group_licences_show_in_states_cannot_be_removed_per_user_and_go_with_the_group(graph, http):
    uid = graph.add_user("jane@contoso.com")
    e5, visio = graph.add_sku("SPE_E5"), graph.add_sku("VISIOCLIENT")
    licensing = graph.add_group("Licensing E5")
    graph.assign_license(uid, e5, by_group=licensing)
    graph.assign_license(uid, visio)
    async with http.get(
        f"{graph.url}/users/{uid}", params={"$select": "assignedLicenses,licenseAssignmentStates"}
    ) as resp:
        user = await resp.json()
    assert {s["skuId"]: s["assignedByGroup"] for s in user["licenseAssignmentStates"]} == {
        e5: licensing,
        visio: None,
    }
    assert sorted(lic["skuId"] for lic in user["assignedLicenses"]) == sorted([e5, visio])
    body = {"addLicenses": [], "removeLicenses": [e5]}
    async with http.post(f"{graph.url}/users/{uid}/assignLicense", json=body) as resp:
        assert resp.status == 400
        err = (await resp.json())["error"]
    assert err["message"] == (
        "User license is inherited from a group membership and it cannot be removed directly from the user."
    )
    async with http.delete(f"{graph.url}/groups/{licensing}/members/{uid}/$ref") as resp:
        assert resp.status == 204
    assert [s["skuId"] for s in graph.users[uid].license_states] == [visio]


# -- Exchange mailbox ----------------------------------------------------------------------------------
async def test_removing_the_last_exchange_licence_disconnects_a_user_mailbox_and_is_recorded(graph, http):
    uid = graph.add_user("jane@contoso.com")
    e3, ems = graph.add_sku("SPE_E3"), graph.add_sku("EMS")
    graph.assign_license(uid, e3)
    graph.assign_license(uid, ems)
    assert (await remove_licence(http, graph, uid, ems)).status == 200
    assert graph.harms == []  # EMS carries no Exchange plan
    async with http.get(f"{graph.url}/users/{uid}/mailboxSettings") as resp:
        assert (await resp.json())["userPurpose"] == "user"
    assert (await remove_licence(http, graph, uid, e3)).status == 200  # Graph says nothing
    assert [(h["kind"], h["user"], h["via"]) for h in graph.harms] == [
        ("mailbox_unlicensed", uid, "assignLicense")
    ]
    for method, path, body in [
        ("GET", "mailboxSettings", None),
        ("PATCH", "mailboxSettings", {"automaticRepliesSetting": {"status": "alwaysEnabled"}}),
        ("GET", "mailFolders/inbox/messageRules", None),
        ("POST", "mailFolders/inbox/messageRules", {"displayName": "x", "actions": {"delete": True}}),
    ]:
        async with http.request(method, f"{graph.url}/users/{uid}/{path}", json=body) as resp:
            assert resp.status == 404
            err = (await resp.json())["error"]
            assert err["code"] == "MailboxNotEnabledForRESTAPI"
            assert err["message"] == "The mailbox is either inactive, soft-deleted, or is hosted on-premise."
    graph.readd_licence(uid, e3)  # within Exchange's grace period the mailbox comes back
    async with http.get(f"{graph.url}/users/{uid}/mailboxSettings") as resp:
        assert resp.status == 200
    assert len(graph.harms) == 1


async def test_leaving_a_licensing_group_unlicenses_the_mailbox_too(graph, http):
    uid = graph.add_user("jane@contoso.com")
    group = graph.add_group("E5 users")
    graph.assign_license(uid, graph.add_sku("SPE_E5"), by_group=group)
    async with http.delete(f"{graph.url}/groups/{group}/members/{uid}/$ref") as resp:
        assert resp.status == 204
    assert [(h["kind"], h["via"]) for h in graph.harms] == [("mailbox_unlicensed", f"group:{group}")]


async def test_a_shared_mailbox_may_lose_its_licence_without_harm(graph, http):
    uid = graph.add_user("jane@contoso.com")
    sku = graph.add_sku("ENTERPRISEPACK")
    graph.assign_license(uid, sku)
    graph.convert_to_shared(uid)  # Exchange Online: Set-Mailbox -Type Shared
    assert (await remove_licence(http, graph, uid, sku)).status == 200
    assert graph.harms == []
    async with http.get(f"{graph.url}/users/{uid}/mailboxSettings") as resp:
        assert (resp.status, (await resp.json())["userPurpose"]) == (200, "shared")
    async with http.patch(f"{graph.url}/users/{uid}/mailboxSettings", json={"userPurpose": "user"}) as resp:
        assert resp.status == 400  # read-only in Graph
    assert graph.spec_violations == ["Property 'userPurpose' is read-only and cannot be set."]


async def test_out_of_office_forwarding_and_onedrive_access_are_stored_and_read_back(graph, sdk):
    from msgraph.generated.drives.item.items.item.invite.invite_post_request_body import (
        InvitePostRequestBody,
    )
    from msgraph.generated.models.automatic_replies_setting import AutomaticRepliesSetting
    from msgraph.generated.models.automatic_replies_status import AutomaticRepliesStatus
    from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
    from msgraph.generated.models.drive_recipient import DriveRecipient
    from msgraph.generated.models.email_address import EmailAddress
    from msgraph.generated.models.external_audience_scope import ExternalAudienceScope
    from msgraph.generated.models.mailbox_settings import MailboxSettings
    from msgraph.generated.models.message_rule import MessageRule
    from msgraph.generated.models.message_rule_actions import MessageRuleActions
    from msgraph.generated.models.recipient import Recipient

    uid = graph.add_user("jane@contoso.com")
    graph.assign_license(uid, graph.add_sku("SPE_E3"))
    me = sdk.users.by_user_id(uid)
    auto = AutomaticRepliesSetting(
        status=AutomaticRepliesStatus.Scheduled,
        external_audience=ExternalAudienceScope.ContactsOnly,
        internal_reply_message="Jane has left; write to Maria.",
        external_reply_message="Jane has left.",
        scheduled_start_date_time=DateTimeTimeZone(date_time="2026-12-01T08:00:00", time_zone="UTC"),
        scheduled_end_date_time=DateTimeTimeZone(date_time="2027-03-01T08:00:00", time_zone="UTC"),
    )
    await me.mailbox_settings.patch(MailboxSettings(automatic_replies_setting=auto))
    back = (await me.mailbox_settings.get()).automatic_replies_setting
    assert back.status == AutomaticRepliesStatus.Scheduled
    assert back.external_audience == ExternalAudienceScope.ContactsOnly
    assert back.scheduled_end_date_time.date_time == "2027-03-01T08:00:00"
    assert back.internal_reply_message == "Jane has left; write to Maria."

    rules = me.mail_folders.by_mail_folder_id("inbox").message_rules
    to = [Recipient(email_address=EmailAddress(address="maria@contoso.com"))]
    await rules.post(MessageRule(display_name="fwd", actions=MessageRuleActions(redirect_to=to)))
    listed = (await rules.get()).value
    assert [r.actions.redirect_to[0].email_address.address for r in listed] == ["maria@contoso.com"]

    drive = await me.drive.get()
    invite = InvitePostRequestBody(
        recipients=[DriveRecipient(email="maria@contoso.com")],
        roles=["write"],
        require_sign_in=True,
        retain_inherited_permissions=True,
    )
    await sdk.drives.by_drive_id(drive.id).items.by_drive_item_id("root").invite.post(invite)
    perms = (await sdk.drives.by_drive_id(drive.id).items.by_drive_item_id("root").permissions.get()).value
    assert [(p.roles, p.granted_to_v2.user.additional_data.get("email")) for p in perms] == [
        (["write"], "maria@contoso.com")
    ]
    assert graph.spec_violations == []


async def test_a_badly_shaped_schedule_is_refused(graph, http):
    uid = graph.add_user("jane@contoso.com")
    auto = {"status": "scheduled", "scheduledStartDateTime": "2026-12-01T08:00:00Z"}
    async with http.patch(
        f"{graph.url}/users/{uid}/mailboxSettings", json={"automaticRepliesSetting": auto}
    ) as resp:
        assert resp.status == 400
    assert "dateTimeTimeZone" in graph.spec_violations[0]


# -- Intune ---------------------------------------------------------------------------------------------
async def test_wipe_then_retire_pending_actions_complete_after_reads(graph, http, sdk):
    uid = graph.add_user("jane@contoso.com")
    laptop = graph.add_device(uid, "JANE-LAPTOP")
    graph.device_action_reads = 2
    from msgraph.generated.device_management.managed_devices.item.wipe.wipe_post_request_body import (
        WipePostRequestBody,
    )

    await sdk.device_management.managed_devices.by_managed_device_id(laptop).wipe.post(
        WipePostRequestBody(keep_enrollment_data=False, keep_user_data=False)
    )
    device = await sdk.device_management.managed_devices.by_managed_device_id(laptop).get()
    assert device.management_state.value == "wipePending"
    assert device.managed_device_owner_type.value == "company"
    assert [(a.action_name, a.action_state.value) for a in device.device_action_results] == [
        ("wipe", "pending")
    ]
    async with http.get(f"{graph.url}/users/{uid}/managedDevices") as resp:
        assert [d["id"] for d in (await resp.json())["value"]] == [laptop]  # the second read completes it
    async with http.get(f"{graph.url}/users/{uid}/managedDevices") as resp:
        assert (await resp.json())["value"] == []  # wiped: no longer managed
    async with http.post(f"{graph.url}/deviceManagement/managedDevices/{laptop}/retire") as resp:
        assert resp.status == 404
    history = graph.device_history(laptop)
    assert history["wiped_at"] and history["retired_at"] is None and not history["managed"]
    assert graph.harms == []


async def test_retiring_an_unwiped_company_device_is_a_harm_and_it_can_no_longer_be_wiped(graph, http):
    uid = graph.add_user("jane@contoso.com")
    laptop = graph.add_device(uid, "JANE-LAPTOP")
    phone = graph.add_device(uid, "JANE-IPHONE", "iOS", owner="personal")
    for device in (laptop, phone):
        async with http.post(f"{graph.url}/deviceManagement/managedDevices/{device}/retire") as resp:
            assert resp.status == 204
    assert [(h["kind"], h["device"]) for h in graph.harms] == [("company_device_retired_unwiped", laptop)]
    async with http.post(f"{graph.url}/deviceManagement/managedDevices/{laptop}/wipe", json={}) as resp:
        assert resp.status == 400  # a retire is under way
    graph.complete_device_actions()
    async with http.post(f"{graph.url}/deviceManagement/managedDevices/{laptop}/wipe", json={}) as resp:
        assert resp.status == 404
        err = (await resp.json())["error"]
    assert err["code"] == "ResourceNotFound"
    assert json.loads(err["message"])["_version"] == 3
    assert graph.device_history(laptop)["wiped_at"] is None


async def test_wiping_a_personal_device_is_recorded(graph, http):
    uid = graph.add_user("jane@contoso.com")
    phone = graph.add_device(uid, "JANE-PIXEL", "Android", owner="personal")
    async with http.post(f"{graph.url}/deviceManagement/managedDevices/{phone}/wipe") as resp:
        assert resp.status == 204
    assert [h["kind"] for h in graph.harms] == ["personal_device_wiped"]
    async with http.post(
        f"{graph.url}/deviceManagement/managedDevices/{phone}/wipe", json={"eraseEverything": True}
    ) as resp:
        assert resp.status == 400
    assert graph.spec_violations and "wipe: unknown parameters" in graph.spec_violations[0]


# -- roles, PIM, ownerships --------------------------------------------------------------------------
async def test_admin_roles_are_listed_with_their_definition_and_removed(graph, http, sdk):
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.role_management.directory.role_assignments.role_assignments_request_builder import (
        RoleAssignmentsRequestBuilder,
    )

    uid, other = graph.add_user("jane@contoso.com"), graph.add_user("bob@contoso.com")
    ga = graph.add_role(uid)
    graph.add_role(uid, "Exchange Administrator")
    graph.add_role(other, GLOBAL_ADMIN)
    query = RoleAssignmentsRequestBuilder.RoleAssignmentsRequestBuilderGetQueryParameters(
        filter=f"principalId eq '{uid}'", expand=["roleDefinition"]
    )
    found = await sdk.role_management.directory.role_assignments.get(
        request_configuration=RequestConfiguration(query_parameters=query)
    )
    assert sorted(a.role_definition.display_name for a in found.value) == [
        "Exchange Administrator",
        "Global Administrator",
    ]
    assert {a.role_definition.template_id for a in found.value} >= {GLOBAL_ADMIN}
    await sdk.role_management.directory.role_assignments.by_unified_role_assignment_id(ga).delete()
    assert graph.roles_of(uid) == ["Exchange Administrator"]
    async with http.delete(f"{graph.url}/roleManagement/directory/roleAssignments/{ga}") as resp:
        assert (resp.status, error_code(await resp.json())) == (404, "Request_ResourceNotFound")
    async with http.get(
        f"{graph.url}/roleManagement/directory/roleAssignments", params={"$filter": "startswith(x,'a')"}
    ) as resp:
        assert resp.status == 400
    graph.reassign_role(uid)  # drift: someone gives it back
    assert graph.roles_of(uid) == ["Exchange Administrator", "Global Administrator"]
    assert BUILT_IN_ROLES[GLOBAL_ADMIN] == "Global Administrator"


async def test_pim_eligibilities_are_listed_and_removed_by_an_admin_remove_request(graph, http):
    uid = graph.add_user("jane@contoso.com")
    graph.add_eligible_role(uid, "Privileged Role Administrator")
    url = f"{graph.url}/roleManagement/directory/roleEligibilitySchedules"
    async with http.get(url, params={"$filter": f"principalId eq '{uid}'"}) as resp:
        [schedule] = (await resp.json())["value"]
    assert schedule["status"] == "Provisioned" and schedule["memberType"] == "Direct"
    body = {
        "action": "adminRemove",
        "principalId": uid,
        "roleDefinitionId": schedule["roleDefinitionId"],
        "directoryScopeId": "/",
        "justification": "offboarding",
    }
    requests = f"{graph.url}/roleManagement/directory/roleEligibilityScheduleRequests"
    async with http.post(requests, json=body) as resp:
        assert (resp.status, (await resp.json())["status"]) == (201, "Revoked")
    async with http.get(url, params={"$filter": f"principalId eq '{uid}'"}) as resp:
        assert (await resp.json())["value"] == []
    async with http.post(requests, json=body) as resp:
        assert (resp.status, error_code(await resp.json())) == (400, "RoleAssignmentDoesNotExist")


async def test_owned_objects_know_their_owners(graph, http):
    jane, bob = graph.add_user("jane@contoso.com"), graph.add_user("bob@contoso.com")
    team = graph.add_owned("group", "Project Falcon", [jane])
    app = graph.add_owned("application", "Payroll sync", [jane, bob])
    sp = graph.add_owned("servicePrincipal", "Payroll sync", [jane])
    async with http.get(f"{graph.url}/users/{jane}/ownedObjects") as resp:
        owned = {o["id"]: o["@odata.type"] for o in (await resp.json())["value"]}
    assert owned == {
        team: "#microsoft.graph.group",
        app: "#microsoft.graph.application",
        sp: "#microsoft.graph.servicePrincipal",
    }
    sole = []
    for kind, oid in (("groups", team), ("applications", app), ("servicePrincipals", sp)):
        async with http.get(f"{graph.url}/{kind}/{oid}/owners") as resp:
            if [o["id"] for o in (await resp.json())["value"]] == [jane]:
                sole.append(oid)
    assert sole == [team, sp]
    async with http.get(f"{graph.url}/applications/{team}/owners") as resp:
        assert resp.status == 404


# -- unknown users and drift ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ""),
        ("PATCH", ""),
        ("POST", "/revokeSignInSessions"),
        ("POST", "/assignLicense"),
        ("GET", "/memberOf"),
        ("GET", "/manager"),
        ("GET", "/authentication/methods"),
        ("GET", "/mailboxSettings"),
        ("PATCH", "/mailboxSettings"),
        ("GET", "/mailFolders/inbox/messageRules"),
        ("POST", "/mailFolders/inbox/messageRules"),
        ("GET", "/managedDevices"),
        ("GET", "/drive"),
        ("GET", "/ownedObjects"),
        ("DELETE", "/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7"),
    ],
)
async def test_an_unknown_user_is_404_request_resource_not_found_everywhere(graph, http, method, path):
    body = {} if method != "GET" else None
    async with http.request(method, f"{graph.url}/users/nobody@contoso.com{path}", json=body) as resp:
        assert resp.status == 404
        err = (await resp.json())["error"]
    assert err["code"] == "Request_ResourceNotFound"
    assert set(err["innerError"]) == {"date", "request-id", "client-request-id"}


async def test_drift_hooks_put_access_back(graph, http):
    uid = graph.add_user("jane@contoso.com")
    sku, group = graph.add_sku("SPE_E3"), graph.add_group("VPN users")
    graph.assign_license(uid, sku)
    graph.add_member(group, uid)
    async with http.patch(f"{graph.url}/users/{uid}", json={"accountEnabled": False}) as resp:
        assert resp.status == 204
    assert (await remove_licence(http, graph, uid, sku)).status == 200
    async with http.delete(f"{graph.url}/groups/{group}/members/{uid}/$ref") as resp:
        assert resp.status == 204
    graph.reenable_account(uid)
    graph.readd_licence(uid, sku)
    graph.readd_member(group, uid)
    async with http.get(
        f"{graph.url}/users/{uid}", params={"$select": "accountEnabled,assignedLicenses"}
    ) as resp:
        user = await resp.json()
    assert user["accountEnabled"] is True
    assert [lic["skuId"] for lic in user["assignedLicenses"]] == [sku]
    async with http.get(f"{graph.url}/users/{uid}/memberOf") as resp:
        assert [g["id"] for g in (await resp.json())["value"]] == [group]


async def test_seed_privileges_gives_jane_roles_and_sole_ownerships(graph, http):
    found = seed_identity(None, graph)
    given = seed_privileges(None, graph, found)
    assert graph.roles_of(found.graph_user) == ["Global Administrator"]
    async with http.get(f"{graph.url}/users/{found.graph_user}/ownedObjects") as resp:
        assert sorted(o["id"] for o in (await resp.json())["value"]) == sorted(given.graph_owned)
    assert len(given.graph_eligible) == 1 and not given.okta_roles
