"""GraphSystem (official msgraph-sdk) against the Graph stand-in: every step, faults, plans, verification."""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from bot.revocation.contract import LookupFailed, NotReady, StepOptions, Subject, step_order, waves
from bot.revocation.graph import GraphSystem
from standins.graph_api import GraphStandIn

# msgraph-sdk 1.65 / kiota warn about their own deprecated classes when those modules are imported.
pytestmark = [
    pytest.mark.filterwarnings("ignore:This class is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:GetQueryParameters is deprecated:DeprecationWarning"),
]
MAILBOX_OPTIONS = StepOptions(
    auto_reply="Adele has left. Please write to Boss.",
    forward_mail=True,
    mail_forward_to_email="boss@contoso.com",
    forward_to_email="phone.person@contoso.com",  # the phone-forwarding person: never used for mail
)


@dataclass
class Tenant:
    graph: GraphStandIn
    adele: str
    boss: str
    e3: str
    e5: str
    staff: str
    sales: str
    dynamic: str
    phone: str
    app: str
    fido: str
    laptop: str
    iphone: str


@pytest.fixture
async def graph():
    stand_in = GraphStandIn(page_size=2)  # small pages: every list read follows @odata.nextLink
    await stand_in.start()
    yield stand_in
    await stand_in.stop()
    assert stand_in.spec_violations == []


@pytest.fixture
def tenant(graph: GraphStandIn) -> Tenant:
    adele = graph.add_user("adele@contoso.com", "Adele Vance", mail="adele.vance@contoso.com")
    boss = graph.add_user("boss@contoso.com", "Boss Person")
    graph.set_manager(adele, boss)
    e3, e5 = graph.add_sku("ENTERPRISEPACK"), graph.add_sku("SPE_E5")
    graph.assign_license(adele, e3)
    staff = graph.add_group("All staff")
    graph.assign_license(adele, e5, by_group=staff)
    sales, dynamic = graph.add_group("Sales"), graph.add_group("Everyone in Sales", dynamic=True)
    graph.add_member(sales, adele)
    graph.add_member(dynamic, adele)
    phone = graph.add_auth_method(adele, "phone", default=True)
    app = graph.add_auth_method(adele, "microsoftAuthenticator")
    fido = graph.add_auth_method(adele, "fido2")
    laptop = graph.add_device(adele, "LAPTOP-7", owner="personal")
    iphone = graph.add_device(adele, "iPhone", os="iOS", owner="personal")
    return Tenant(graph, adele, boss, e3, e5, staff, sales, dynamic, phone, app, fido, laptop, iphone)


@pytest.fixture
async def system(graph: GraphStandIn):
    gs = GraphSystem.from_settings(graph.url, access_token="test-token", backoff=0.01)
    yield gs
    await gs.aclose()


@pytest.fixture
async def adele(system: GraphSystem, tenant: Tenant) -> Subject:
    subject = await system.find_subject("adele@contoso.com")
    assert subject is not None
    tenant.graph.requests.clear()
    tenant.graph.request_ids.clear()
    return subject


def writes(graph: GraphStandIn) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in graph.requests if r.method != "GET"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_find_subject_by_upn_by_mail_and_not_found(system, tenant):
    by_upn = await system.find_subject("adele@contoso.com")
    by_mail = await system.find_subject("adele.vance@contoso.com")
    assert by_upn == by_mail
    assert (by_upn.system, by_upn.id, by_upn.login, by_upn.display) == (
        "graph",
        tenant.adele,
        "adele@contoso.com",
        "Adele Vance",
    )
    assert await system.find_subject("nobody@contoso.com") is None
    assert tenant.graph.requests[-1].query["$filter"] == "mail eq 'nobody@contoso.com'"


async def test_find_subject_raises_lookup_failed_when_graph_cannot_be_asked(system, tenant):
    tenant.graph.inject(r"GET .*/users/", 403)
    with pytest.raises(LookupFailed, match="403 Authorization_RequestDenied"):
        await system.find_subject("adele@contoso.com")
    offline = GraphSystem(f"http://127.0.0.1:{free_port()}/v1.0", access_token="t", backoff=0.01, retries=1)
    with pytest.raises(LookupFailed, match="could not be reached"):
        await offline.find_subject("adele@contoso.com")
    await offline.aclose()


async def test_manager_of(system, tenant, adele):
    assert await system.manager_of(adele) == "boss@contoso.com"
    boss = await system.find_subject("boss@contoso.com")
    assert await system.manager_of(boss) is None


async def test_step_names_in_order(system):
    assert system.step_names(StepOptions()) == [
        "graph.block_sign_in",
        "graph.revoke_sessions",
        "graph.remove_licenses",
        "graph.remove_groups",
        "graph.remove_auth_methods",
        "graph.retire_devices",
    ]
    everything = StepOptions(mailbox="shared", backup_data=True, manager_email="boss@contoso.com")
    assert system.step_names(everything)[2:4] == ["graph.mailbox", "graph.onedrive_access"]


async def test_block_sign_in_then_again_is_a_no_op(system, tenant, adele):
    outcome = await system.run("graph.block_sign_in", adele, StepOptions())
    assert outcome.ok and "Sign-in blocked" in outcome.summary
    patch = tenant.graph.calls("PATCH")
    assert [(r.path, r.body) for r in patch] == [
        (f"/users/{tenant.adele}", {"@odata.type": "#microsoft.graph.user", "accountEnabled": False})
    ]
    assert tenant.graph.users[tenant.adele].enabled is False
    again = await system.run("graph.block_sign_in", adele, StepOptions())
    assert again.ok and "already blocked" in again.summary
    assert len(tenant.graph.calls("PATCH")) == 1


async def test_revoke_sessions(system, tenant, adele):
    outcome = await system.run("graph.revoke_sessions", adele, StepOptions())
    assert outcome.ok and "few minutes" in outcome.summary
    assert writes(tenant.graph) == [("POST", f"/users/{tenant.adele}/revokeSignInSessions")]
    assert tenant.graph.requests[-1].body is None


async def test_remove_licenses_direct_only_and_reports_group_licences(system, tenant, adele):
    outcome = await system.run("graph.remove_licenses", adele, StepOptions())
    assert outcome.ok
    post = tenant.graph.calls("POST", r"/assignLicense$")
    assert [r.body for r in post] == [{"addLicenses": [], "removeLicenses": [tenant.e3]}]
    assert outcome.data["removed_skus"] == [{"sku_id": tenant.e3, "part_number": "ENTERPRISEPACK"}]
    assert "SPE_E5 (through group 'All staff')" in outcome.summary
    assert "cannot be removed per user" in outcome.summary
    assert [s["skuId"] for s in tenant.graph.users[tenant.adele].license_states] == [tenant.e5]
    again = await system.run("graph.remove_licenses", adele, StepOptions())
    assert again.ok and again.summary.startswith("No directly assigned licences")
    assert "removed_skus" not in again.data


async def test_remove_groups_skips_dynamic_and_kept_groups(system, tenant, adele):
    dl = tenant.graph.add_group("Sales DL", mail_enabled=True)
    tenant.graph.add_member(dl, tenant.adele)
    outcome = await system.run("graph.remove_groups", adele, StepOptions(keep_groups=("Sales",)))
    assert outcome.ok
    assert writes(tenant.graph) == [("DELETE", f"/groups/{tenant.staff}/members/{tenant.adele}/$ref")]
    assert "dynamic membership: Everyone in Sales" in outcome.summary
    assert "Kept as asked: Sales" in outcome.summary
    assert outcome.manual == "Remove-DistributionGroupMember -Identity 'Sales DL' -Member adele@contoso.com"
    # leaving 'All staff' also ended the licence it assigned
    assert tenant.graph.users[tenant.adele].license_states[0]["skuId"] == tenant.e3


async def test_remove_auth_methods_deletes_the_default_last(system, tenant, adele):
    outcome = await system.run("graph.remove_auth_methods", adele, StepOptions())
    assert outcome.ok, outcome.summary
    base = f"/users/{tenant.adele}/authentication"
    assert writes(tenant.graph) == [
        ("DELETE", f"{base}/microsoftAuthenticatorMethods/{tenant.app}"),
        ("DELETE", f"{base}/fido2Methods/{tenant.fido}"),
        ("DELETE", f"{base}/phoneMethods/{tenant.phone}"),
    ]
    assert "password itself cannot be deleted" in outcome.summary
    methods = tenant.graph.users[tenant.adele].methods
    assert [m["@odata.type"] for m in methods] == ["#microsoft.graph.passwordAuthenticationMethod"]


async def test_remove_auth_methods_without_the_registration_report_retries_the_default_last(
    system, tenant, adele
):
    tenant.graph.inject(r"userRegistrationDetails", 403, times=-1)
    tenant.graph.users[tenant.adele].methods.sort(
        key=lambda m: m["id"] != tenant.phone
    )  # default listed first
    outcome = await system.run("graph.remove_auth_methods", adele, StepOptions())
    assert outcome.ok, outcome.summary
    deletes = [(r.path.rsplit("/", 1)[-1], r.status) for r in tenant.graph.calls("DELETE")]
    assert deletes[0] == (tenant.phone, 400) and deletes[-1] == (tenant.phone, 204)


async def test_auto_reply_and_forwarding_are_their_own_steps(system, tenant, adele):
    assert system.step_names(MAILBOX_OPTIONS)[2:4] == ["graph.auto_reply", "graph.forward_mail"]
    outcome = await system.run("graph.auto_reply", adele, MAILBOX_OPTIONS)
    assert outcome.ok and outcome.manual is None
    patch = tenant.graph.calls("PATCH", r"/mailboxSettings$")[0]
    text = "Adele has left. Please write to Boss."
    assert patch.body == {
        "automaticRepliesSetting": {
            "status": "alwaysEnabled",
            "externalAudience": "all",
            "internalReplyMessage": text,
            "externalReplyMessage": text,
        }
    }
    forward = await system.run("graph.forward_mail", adele, MAILBOX_OPTIONS)
    assert forward.ok, forward.summary
    rule = tenant.graph.calls("POST", r"/mailFolders/inbox/messageRules$")[0].body
    assert rule["actions"]["forwardTo"] == [{"emailAddress": {"address": "boss@contoso.com"}}]
    again = await system.run("graph.forward_mail", adele, MAILBOX_OPTIONS)
    assert again.ok and "already forwarded" in again.summary
    assert len(tenant.graph.calls("POST", r"/messageRules$")) == 1
    same = await system.run("graph.auto_reply", adele, MAILBOX_OPTIONS)
    assert same.ok and "already set" in same.summary
    assert len(tenant.graph.calls("PATCH")) == 1


async def test_auto_reply_is_scheduled_from_the_cutoff(system, tenant, adele):
    cutoff = datetime(2030, 6, 28, 19, 30, tzinfo=timezone(timedelta(hours=2)))
    options = StepOptions(auto_reply="Gone <fishing>", cutoff_at=cutoff)
    planned = await system.plan("graph.auto_reply", adele, options)
    outcome = await system.run("graph.auto_reply", adele, options)
    assert outcome.ok and "from 2030-06-28 17:30 UTC (the cutoff) for 90 days" in outcome.summary
    body = tenant.graph.calls("PATCH", r"/mailboxSettings$")[0].body
    assert (
        body
        == planned[0].body
        == {
            "automaticRepliesSetting": {
                "status": "scheduled",
                "externalAudience": "all",
                "internalReplyMessage": "Gone &lt;fishing&gt;",
                "externalReplyMessage": "Gone &lt;fishing&gt;",
                "scheduledStartDateTime": {"dateTime": "2030-06-28T17:30:00", "timeZone": "UTC"},
                "scheduledEndDateTime": {"dateTime": "2030-09-26T17:30:00", "timeZone": "UTC"},
            }
        }
    )
    assert (await system.plan("graph.auto_reply", adele, options)) == []


async def test_forwarding_and_onedrive_exist_before_their_person_is_known(system, tenant, adele):
    options = StepOptions(forward_mail=True, backup_data=True, forward_to_email="phone.person@contoso.com")
    names = system.step_names(options)
    assert "graph.forward_mail" in names and "graph.onedrive_access" in names
    for step in ("graph.forward_mail", "graph.onedrive_access"):
        with pytest.raises(NotReady):
            await system.plan(step, adele, options)
        outcome = await system.run(step, adele, options)
        assert not outcome.ok and outcome.summary.startswith("Not run: ")
    assert writes(tenant.graph) == []


def test_step_after_puts_licences_and_groups_after_the_data_steps(system):
    options = StepOptions(
        mailbox="shared", auto_reply="x", forward_mail=True, backup_data=True, keep_groups=()
    )
    names = system.step_names(options)
    after = system.step_after(options)
    assert list(after) == names and step_order(system, options) == after
    data = ("graph.mailbox", "graph.auto_reply", "graph.forward_mail", "graph.onedrive_access")
    assert set(data) <= set(names)
    for step in ("graph.remove_licenses", "graph.remove_groups"):
        assert set(data) <= set(after[step]), step
    rounds = waves(names, after)
    assert rounds[0] == ["graph.block_sign_in"]
    assert "graph.remove_licenses" in rounds[2] and set(data) <= set(rounds[1])
    assert waves(system.step_names(StepOptions()), system.step_after(StepOptions()))[0] == [
        "graph.block_sign_in"
    ]


async def test_a_deleted_user_is_already_done(system, tenant, adele):
    del tenant.graph.users[tenant.adele]
    outcome = await system.run("graph.block_sign_in", adele, StepOptions())
    assert (outcome.ok, outcome.already_done) == (True, True), outcome.summary
    assert re.fullmatch(
        r"Already done \(not found in Microsoft Graph at \d\d:\d\d UTC\): .*", outcome.summary
    )
    assert [(c.method, c.status) for c in outcome.calls] == [("GET", 404), ("GET", 404)]  # no retry loop
    assert outcome.request_ids == tenant.graph.request_ids and len(tenant.graph.requests) == 2


async def test_intune_retires_personal_devices_only_and_wipes_company_devices_when_asked(
    system, tenant, adele
):
    graph = tenant.graph
    desk = graph.add_device(tenant.adele, "DESK-1", owner="company")
    outcome = await system.run("graph.retire_devices", adele, StepOptions())
    assert outcome.ok, outcome.summary
    assert sorted(writes(graph)) == sorted(
        ("POST", f"/deviceManagement/managedDevices/{d}/retire") for d in (tenant.laptop, tenant.iphone)
    )
    assert "Not retired, company-owned or of unknown owner: DESK-1 (Windows)" in outcome.summary
    assert "Pending until the device checks in: " in outcome.summary
    states = {d["name"]: (d["owner"], d["action"], d["state"]) for d in outcome.data["devices"]}
    assert states == {
        "LAPTOP-7 (Windows)": ("personal", "retire", "pending"),
        "iPhone (iOS)": ("personal", "retire", "pending"),
        "DESK-1 (Windows)": ("company", None, "kept"),
    }
    # A completed retire leaves Intune's management: the device is no longer listed (graph_intune.py).
    graph.complete_device_actions(tenant.laptop)
    assert (await system.device_action_state(tenant.laptop)).state == "gone"
    desk_state = await system.device_action_state(desk)
    assert (desk_state.owner, desk_state.action, desk_state.state) == ("company", None, "none")

    assert [(c.method, c.path, c.body) for c in system.plan_wipe(desk)] == [
        (
            "POST",
            f"/deviceManagement/managedDevices/{desk}/wipe",
            {"keepEnrollmentData": False, "keepUserData": False, "persistEsimDataPlan": False},
        )
    ]
    graph.requests.clear()
    wiped = await system.wipe_device(desk)
    assert wiped.ok and wiped.summary == "Wipe sent for DESK-1 (Windows): pending until the device checks in."
    assert [(r.method, r.path, r.body) for r in graph.requests] == [
        ("GET", f"/deviceManagement/managedDevices/{desk}", None),
        (
            "POST",
            f"/deviceManagement/managedDevices/{desk}/wipe",
            {"keepEnrollmentData": False, "keepUserData": False, "persistEsimDataPlan": False},
        ),
        ("GET", f"/deviceManagement/managedDevices/{desk}", None),
    ]
    assert wiped.data == {"device": desk, "action": "wipe", "state": "pending"}
    assert wiped.request_ids == graph.request_ids[-3:]
    again = await system.wipe_device(desk)
    assert again.ok and "already pending" in again.summary and len(graph.calls("POST")) == 1
    graph.complete_device_actions(desk)  # the wipe completes: Intune drops the device's record
    assert (await system.device_action_state(desk)).state == "gone"


async def test_read_access_leaves_company_devices_to_the_equipment_flow(system, tenant, adele):
    tenant.graph.add_device(tenant.adele, "DESK-1", owner="company")
    state = await system.read_access(adele, StepOptions())
    desk = next(e for e in state.entries if e.name == "DESK-1 (Windows)")
    assert desk.ends_by == "manual" and "wiped" in desk.detail
    assert not any("DESK-1" in r for r in state.remaining)


async def test_shared_and_delegated_mailbox_become_exchange_commands(system, tenant, adele):
    shared = await system.run("graph.mailbox", adele, StepOptions(mailbox="shared"))
    assert shared.ok and shared.manual == "Set-Mailbox -Identity adele@contoso.com -Type Shared"
    options = StepOptions(mailbox="delegate", mailbox_delegate_email="boss@contoso.com")
    delegate = await system.run("graph.mailbox", adele, options)
    assert delegate.manual == (
        "Add-MailboxPermission -Identity adele@contoso.com -User boss@contoso.com "
        "-AccessRights FullAccess -InheritanceType All"
    )
    assert writes(tenant.graph) == []


async def test_onedrive_access_for_the_manager(system, tenant, adele):
    options = StepOptions(backup_data=True, manager_email="boss@contoso.com")
    outcome = await system.run("graph.onedrive_access", adele, options)
    assert outcome.ok
    drive = tenant.graph.users[tenant.adele].drive_id
    invite = tenant.graph.calls("POST")[0]
    assert invite.path == f"/drives/{drive}/items/root/invite"
    assert invite.body["recipients"] == [{"email": "boss@contoso.com"}] and invite.body["roles"] == ["write"]
    assert invite.body["retainInheritedPermissions"] is True
    assert tenant.graph.drive_permissions[drive][0]["grantedToV2"]["user"]["email"] == "boss@contoso.com"


async def test_retire_devices_once(system, tenant, adele):
    outcome = await system.run("graph.retire_devices", adele, StepOptions())
    assert outcome.ok and "LAPTOP-7 (Windows), iPhone (iOS)" in outcome.summary
    assert sorted(writes(tenant.graph)) == sorted(
        ("POST", f"/deviceManagement/managedDevices/{d}/retire") for d in (tenant.laptop, tenant.iphone)
    )
    again = await system.run("graph.retire_devices", adele, StepOptions())
    assert again.ok and "Already being retired" in again.summary
    assert len(writes(tenant.graph)) == 2


async def test_plan_lists_exactly_the_writes_run_sends(system, tenant, adele):
    options = StepOptions(
        **vars(MAILBOX_OPTIONS) | {"backup_data": True, "manager_email": "boss@contoso.com"}
    )
    for step in system.step_names(options):
        tenant.graph.requests.clear()
        planned = await system.plan(step, adele, options)
        assert writes(tenant.graph) == [], step
        await system.run(step, adele, options)
        assert [(p.method, p.path) for p in planned] == writes(tenant.graph), step
        sent = [r.body for r in tenant.graph.requests if r.method != "GET"]
        for plan, body in zip(planned, sent, strict=True):
            if plan.body is not None:
                assert {k: v for k, v in body.items() if not k.startswith("@odata")} == plan.body


async def test_403_is_a_failed_outcome_in_plain_words_without_retries(system, tenant, adele):
    tenant.graph.inject(r"PATCH /v1.0/users/", 403)
    outcome = await system.run("graph.block_sign_in", adele, StepOptions())
    assert not outcome.ok
    assert outcome.summary.startswith("Graph said 403 Authorization_RequestDenied: Insufficient privileges")
    assert [(c.method, c.status) for c in outcome.calls] == [("GET", 200), ("PATCH", 403)]


async def test_429_with_retry_after_is_retried_by_the_sdk(system, tenant, adele):
    tenant.graph.inject(r"POST .*/revokeSignInSessions", 429)  # Retry-After: 1
    started = time.monotonic()
    outcome = await system.run("graph.revoke_sessions", adele, StepOptions())
    assert outcome.ok
    assert time.monotonic() - started >= 0.9
    assert [c.status for c in outcome.calls] == [429, 200]


async def test_500_then_success_is_retried(system, tenant, adele):
    tenant.graph.inject(r"POST .*/retire$", 500)
    outcome = await system.run("graph.retire_devices", adele, StepOptions())
    assert outcome.ok
    assert [c.status for c in outcome.calls if c.method == "POST"] == [500, 204, 204]


async def test_503_then_success_is_retried_by_the_sdk(system, tenant, adele):
    tenant.graph.inject(r"PATCH /v1.0/users/", 503)
    outcome = await system.run("graph.block_sign_in", adele, StepOptions())
    assert outcome.ok
    assert [c.status for c in outcome.calls if c.method == "PATCH"] == [503, 204]


async def test_membership_gone_meanwhile_counts_as_done(system, tenant, adele):
    tenant.graph.inject(r"DELETE .*/\$ref$", 404)
    outcome = await system.run("graph.remove_groups", adele, StepOptions())
    assert outcome.ok
    assert [c.status for c in outcome.calls if c.method == "DELETE"] == [404, 204]


async def test_timeout_then_success_is_retried(graph, tenant, adele):
    quick = GraphSystem(graph.url, access_token="t", backoff=0.01, timeout=0.3)
    graph.inject(r"POST .*/revokeSignInSessions", 0, delay=1.0)  # status 0: delay, then answer normally
    outcome = await quick.run("graph.revoke_sessions", adele, StepOptions())
    await quick.aclose()
    assert outcome.ok
    assert [c.status for c in outcome.calls] == [None, 200]


async def test_connection_refused_is_a_failed_outcome_not_an_exception(adele):
    offline = GraphSystem(f"http://127.0.0.1:{free_port()}/v1.0", access_token="t", backoff=0.01, retries=1)
    outcome = await offline.run("graph.revoke_sessions", adele, StepOptions())
    await offline.aclose()
    assert not outcome.ok and "could not be reached" in outcome.summary
    assert [c.status for c in outcome.calls] == [None, None]


async def test_request_ids_are_recorded_per_call(system, tenant, adele):
    outcome = await system.run("graph.retire_devices", adele, StepOptions())
    assert outcome.request_ids == tenant.graph.request_ids
    assert len(set(outcome.request_ids)) == 4  # list, two retires, the read-back list


async def test_read_access_before_and_after_with_a_sticky_group(system, tenant, adele):
    options = StepOptions()
    before = await system.read_access(adele, options)
    kinds = sorted({e.kind for e in before.entries})
    assert kinds == ["account", "auth_method", "device", "group", "license"]
    licences = {e.name: (e.ends_by, e.detail) for e in before.entries if e.kind == "license"}
    assert licences == {
        "ENTERPRISEPACK": ("graph.remove_licenses", "assigned directly"),
        "SPE_E5": ("graph.remove_groups", "assigned by group All staff"),
    }
    assert "account still enabled (sign-in not blocked)" in before.remaining
    assert before.notes == ("sign-in session revocation cannot be read back",)

    tenant.graph.sticky_groups.add((tenant.sales, tenant.adele))
    for step in system.step_names(options):
        assert (await system.run(step, adele, options)).ok, step
    after = await system.read_access(adele, options)
    assert sorted(after.remaining) == [
        "still a member of group 'Everyone in Sales'",
        "still a member of group 'Sales'",
    ]
    dynamic = next(e for e in after.entries if e.name == "Everyone in Sales")
    assert (dynamic.ends_by, dynamic.detail) == ("manual", "dynamic membership rule")


async def test_read_access_sees_an_account_that_came_back(system, tenant, adele):
    tenant.graph.reenable_after_disable = True
    assert (await system.run("graph.block_sign_in", adele, StepOptions())).ok
    after = await system.read_access(adele, StepOptions())
    assert "account still enabled (sign-in not blocked)" in after.remaining


async def test_read_access_says_what_it_could_not_check(system, tenant, adele):
    tenant.graph.inject(r"GET .*/managedDevices", 403)
    state = await system.read_access(adele, StepOptions())
    assert "managed devices could not be checked" in state.remaining
    assert any("403 Authorization_RequestDenied" in n for n in state.notes)


async def test_client_secret_settings_build_without_network(graph):
    gs = GraphSystem.from_settings(graph.url, tenant_id="t", client_id="c", client_secret="s")
    assert gs._graph() is not None
    await gs.aclose()
    with pytest.raises(ValueError):
        GraphSystem.from_settings(graph.url)
