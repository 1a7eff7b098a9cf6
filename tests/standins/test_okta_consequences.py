"""The Okta stand-in's consequences: a deactivated user's answers, deletion, the call timeline, admin
roles, apps and the app sessions they leave, and drift after an offboarding. Driven over HTTP with
the okta 3.x SDK (`okta.client.Client`) where practical, raw aiohttp otherwise."""

from __future__ import annotations

import pytest

from standins.cast import seed_identity, seed_privileges

AUTH = {"Authorization": "SSWS test-token"}


@pytest.fixture
async def sdk(okta, monkeypatch):
    from okta.client import Client

    monkeypatch.setenv("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")  # the SDK's only switch for http
    client = Client({"orgUrl": okta.url, "token": "test-token", "rateLimit": {"maxRetries": 0}})
    yield client
    session = getattr(client.get_request_executor(), "_http_client", None)
    if session is not None and getattr(session, "_session", None) is not None:
        await session._session.close()


def status_of(result: tuple) -> int:
    """okta 3.x answers in several shapes ((data, response, error), (response, error), an ApiResponse
    first): the HTTP status of whichever element carries one."""
    for item in result:
        for name in ("status", "status_code"):
            value = getattr(item, name, None)
            if isinstance(value, int):
                return value
    raise AssertionError(f"no HTTP status in {result!r}")


# -- a deactivated user --------------------------------------------------------------------------------
async def test_a_deactivated_users_factors_are_out_of_reach_and_deactivating_again_is_404(okta, sdk):
    uid = okta.add_user("ann@example.com")
    factor = okta.add_factor(uid)
    okta.add_grant(uid)
    okta.add_session(uid)
    assert status_of(await sdk.deactivate_user(uid)) == 200
    for call in (
        sdk.list_factors(uid),
        sdk.unenroll_factor(uid, factor),
        sdk.reset_factors(uid),
        sdk.deactivate_user(uid),
    ):
        result = await call
        assert status_of(result) == 404
        assert result[-1].error_code == "E0000007"
        assert result[-1].error_summary == f"Not found: Resource not found: {uid} (User)"
    suspend = await sdk.suspend_user(uid)
    assert (status_of(suspend), suspend[-1].error_code) == (400, "E0000001")
    assert status_of(await sdk.revoke_user_sessions(uid, oauth_tokens=True)) == 204  # nothing left to end
    assert status_of(await sdk.revoke_user_grants(uid)) == 204
    assert okta.user_state(uid)["factors"] == ["token:software:totp"]  # never unenrolled
    assert okta.spec_violations == []


async def test_the_timeline_tells_whether_factors_were_cleared_while_the_user_could_still_sign_in(okta, http):
    good, late = okta.add_user("ann@example.com"), okta.add_user("bob@example.com")
    f_good, f_late = okta.add_factor(good), okta.add_factor(late)
    await http.post(f"{okta.url}/api/v1/users/{good}/lifecycle/suspend")
    await http.delete(f"{okta.url}/api/v1/users/{good}/factors/{f_good}")
    await http.post(f"{okta.url}/api/v1/users/{good}/lifecycle/deactivate")
    await http.post(f"{okta.url}/api/v1/users/{late}/lifecycle/deactivate")
    async with http.delete(f"{okta.url}/api/v1/users/{late}/factors/{f_late}") as resp:
        assert resp.status == 404
    assert okta.status_during("DELETE", f"/users/{good}/factors/") == ["SUSPENDED"]
    assert okta.status_during("DELETE", f"/users/{late}/factors/") == ["DEPROVISIONED"]
    deactivate = [e for e in okta.timeline if e["path"].endswith("/deactivate")]
    assert [(e["status_before"], e["status_after"], e["http_status"]) for e in deactivate] == [
        ("SUSPENDED", "DEPROVISIONED", 200),
        ("ACTIVE", "DEPROVISIONED", 200),
    ]
    assert [e["seq"] for e in okta.timeline] == list(range(len(okta.timeline)))


async def test_delete_deactivates_first_then_deletes_and_the_user_is_then_unknown(okta, http):
    uid = okta.add_user("ann@example.com")
    for _ in range(2):
        async with http.delete(f"{okta.url}/api/v1/users/{uid}") as resp:
            assert resp.status == 204
    for method, path in [
        ("GET", ""),
        ("POST", "/lifecycle/suspend"),
        ("DELETE", "/sessions"),
        ("GET", "/factors"),
        ("GET", "/roles"),
        ("DELETE", ""),
    ]:
        async with http.request(method, f"{okta.url}/api/v1/users/{uid}{path}") as resp:
            assert resp.status == 404, path
            body = await resp.json()
        assert body["errorCode"] == "E0000007"
        assert body["errorSummary"] == f"Not found: Resource not found: {uid} (User)"
    assert okta.spec_violations == []


# -- admin roles -----------------------------------------------------------------------------------------
async def test_admin_roles_are_listed_and_unassigned(okta, sdk, http):
    uid = okta.add_user("ann@example.com")
    super_admin = okta.add_role(uid, "SUPER_ADMIN")
    okta.add_role(uid, "HELP_DESK_ADMIN")
    roles, _, err = await sdk.list_assigned_roles_for_user(uid)
    assert err is None
    listed = {r.actual_instance.type.value: r.actual_instance.label for r in roles}
    assert listed == {"SUPER_ADMIN": "Super Administrator", "HELP_DESK_ADMIN": "Help Desk Administrator"}
    assert status_of(await sdk.unassign_role_from_user(uid, super_admin)) == 204
    assert okta.role_types(uid) == ["HELP_DESK_ADMIN"]
    async with http.delete(f"{okta.url}/api/v1/users/{uid}/roles/{super_admin}") as resp:
        assert resp.status == 404
    okta.reassign_role(uid)  # drift
    assert okta.role_types(uid) == ["HELP_DESK_ADMIN", "SUPER_ADMIN"]
    assert okta.spec_violations == []


# -- apps and app sessions ------------------------------------------------------------------------------
async def test_apps_by_user_and_unassigning_ends_only_a_provisioned_apps_session(okta, http):
    uid, other = okta.add_user("ann@example.com"), okta.add_user("bob@example.com")
    github = okta.add_app_link(uid, "GitHub", "github", provisioned=True)
    wiki = okta.add_app_link(uid, "Wiki", "wiki_saml", provisioned=False)
    okta.add_app_link(other, "Jira", "jira")
    async with http.get(f"{okta.url}/api/v1/apps", params={"filter": f'user.id eq "{uid}"'}) as resp:
        apps = {a["id"]: a for a in await resp.json()}
    assert set(apps) == {github, wiki}
    assert "PUSH_USER_DEACTIVATION" in apps[github]["features"] and apps[wiki]["features"] == []
    for app in (github, wiki):
        async with http.delete(f"{okta.url}/api/v1/apps/{app}/users/{uid}") as resp:
            assert resp.status == 204
    assert okta.app_sessions_alive(uid) == {"GitHub": False, "Wiki": True}
    assert [(h["kind"], h["label"], h["why"]) for h in okta.harms] == [
        ("app_session_alive", "Wiki", "unassigned")
    ]
    async with http.delete(f"{okta.url}/api/v1/apps/{github}/users/{uid}") as resp:
        assert resp.status == 404
        assert (await resp.json())["errorSummary"] == f"Not found: Resource not found: {uid} (AppUser)"
    async with http.get(f"{okta.url}/api/v1/apps", params={"filter": 'name eq "x"'}) as resp:
        assert (resp.status, (await resp.json())["errorCode"]) == (400, "E0000031")
    assert okta.spec_violations == []


async def test_suspend_keeps_every_app_session_and_deactivate_ends_only_provisioned_ones(okta, sdk):
    uid = okta.add_user("ann@example.com")
    okta.add_app_link(uid, "GitHub", "github", provisioned=True)
    okta.add_app_link(uid, "Wiki", "wiki_saml", provisioned=False)
    okta.add_session(uid)
    apps, _, err = await sdk.list_applications(filter=f'user.id eq "{uid}"')
    assert err is None and sorted(a.label for a in apps) == ["GitHub", "Wiki"]
    await sdk.suspend_user(uid)
    await sdk.revoke_user_sessions(uid, oauth_tokens=True)  # Okta's sessions only, not the apps'
    assert okta.app_sessions_alive(uid) == {"GitHub": True, "Wiki": True}
    await sdk.deactivate_user(uid)
    assert okta.app_sessions_alive(uid) == {"GitHub": False, "Wiki": True}
    assert [(h["label"], h["why"]) for h in okta.harms] == [("Wiki", "deactivated")]
    assert okta.user_state(uid)["app_links"] == []


async def test_drift_hooks_reactivate_and_readd(okta, http):
    uid = okta.add_user("ann@example.com")
    group = okta.add_group("VPN users")
    okta.add_member(group, uid)
    await http.delete(f"{okta.url}/api/v1/groups/{group}/users/{uid}")
    await http.post(f"{okta.url}/api/v1/users/{uid}/lifecycle/deactivate")
    okta.reactivate(uid)
    okta.readd_member(group, uid)
    assert okta.user_state(uid)["status"] == "ACTIVE"
    assert okta.user_state(uid)["groups"] == ["Everyone", "VPN users"]
    async with http.get(f"{okta.url}/api/v1/users/{uid}/factors") as resp:
        assert resp.status == 200  # reachable again


async def test_seed_privileges_gives_jane_super_admin_and_an_sso_only_app(okta):
    found = seed_identity(okta, None)
    given = seed_privileges(okta, None, found)
    assert okta.role_types(found.okta_user) == ["SUPER_ADMIN"]
    assert okta.app_sessions_alive(found.okta_user) == {"GitHub": True, "Team wiki": True}
    assert given.okta_sso_app and not given.graph_roles


async def test_activate_brings_a_deactivated_user_back_as_provisioned_not_an_active_one(okta, http):
    uid = okta.add_user("ann@example.com")
    url = f"{okta.url}/api/v1/users/{uid}/lifecycle/activate"
    async with http.post(url) as resp:
        assert (resp.status, (await resp.json())["errorCode"]) == (403, "E0000016")
    await http.post(f"{okta.url}/api/v1/users/{uid}/lifecycle/deactivate")
    async with http.post(url, params={"sendEmail": "false"}) as resp:
        assert resp.status == 200
        assert (await resp.json())["activationToken"]
    assert okta.user_state(uid)["status"] == "PROVISIONED"
    assert okta.spec_violations == []
