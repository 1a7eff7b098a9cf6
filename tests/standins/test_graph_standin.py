"""The Graph stand-in on its own, over raw HTTP: auth, error shapes, spec checks, throttling, tenant rules."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import aiohttp
import pytest

from standins.graph_api import GraphStandIn
from standins.graph_state import MAILBOX_SETTINGS_PROPERTIES, USER_PROPERTIES
from tests.specs import shared_spec

AUTH = {"Authorization": "Bearer test-token"}
CSDL = shared_spec("graph/graph-v1.0-csdl-offboarding-slice.xml")
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def graph():
    async with GraphStandIn(page_size=2) as stand_in:
        yield stand_in


def assert_odata_error(body: dict, code: str) -> None:
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert set(body["error"]["innerError"]) == {"date", "request-id", "client-request-id"}


async def test_url_ends_in_v1_and_every_answer_carries_request_ids(graph, http):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1\.0", graph.url)
    uid = graph.add_user("adele@contoso.com", "Adele Vance")
    async with http.get(f"{graph.url}/users/{uid}", headers={"client-request-id": "mine-1"}) as resp:
        assert resp.status == 200
        assert resp.headers["client-request-id"] == "mine-1"
        assert GUID.match(resp.headers["request-id"])
        assert resp.headers["request-id"] == graph.request_ids[-1]
    assert graph.requests[-1].path == f"/users/{uid}"


async def test_missing_bearer_token_is_401_invalid_authentication_token(graph):
    async with aiohttp.ClientSession() as anonymous, anonymous.get(f"{graph.url}/users") as resp:
        assert resp.status == 401
        body = await resp.json()
    assert_odata_error(body, "InvalidAuthenticationToken")
    assert body["error"]["innerError"]["request-id"] == resp.headers["request-id"]
    assert graph.spec_violations == []


async def test_user_by_upn_default_properties_and_select(graph, http):
    graph.add_user("adele@contoso.com", "Adele Vance", mail="adele.vance@contoso.com")
    async with http.get(f"{graph.url}/users/ADELE@contoso.com") as resp:
        user = await resp.json()
    assert user["mail"] == "adele.vance@contoso.com"
    assert "accountEnabled" not in user  # Graph's default property set leaves it out
    async with http.get(
        f"{graph.url}/users/adele@contoso.com", params={"$select": "id,accountEnabled"}
    ) as resp:
        assert set(await resp.json()) == {"@odata.context", "id", "accountEnabled"}
    async with http.get(f"{graph.url}/users/adele@contoso.com", params={"$select": "acountEnabled"}) as resp:
        assert resp.status == 400
    assert graph.spec_violations == [
        "Could not find a property named 'acountEnabled' on type 'microsoft.graph.user'."
    ]


async def test_unknown_user_is_404_request_resource_not_found(graph, http):
    async with http.get(f"{graph.url}/users/nobody@contoso.com") as resp:
        assert resp.status == 404
        assert_odata_error(await resp.json(), "Request_ResourceNotFound")


async def test_filter_by_mail_and_unsupported_filter(graph, http):
    graph.add_user("a@contoso.com", mail="alias@contoso.com")
    async with http.get(f"{graph.url}/users", params={"$filter": "mail eq 'ALIAS@contoso.com'"}) as resp:
        assert [u["userPrincipalName"] for u in (await resp.json())["value"]] == ["a@contoso.com"]
    async with http.get(f"{graph.url}/users", params={"$filter": "startswith(mail,'a')"}) as resp:
        assert resp.status == 400
        assert_odata_error(await resp.json(), "Request_UnsupportedQuery")
    assert len(graph.spec_violations) == 1


async def test_patch_checks_properties_against_the_csdl(graph, http):
    uid = graph.add_user("a@contoso.com")
    async with http.patch(f"{graph.url}/users/{uid}", json={"accountEnabled": False}) as resp:
        assert resp.status == 204
    assert graph.users[uid].enabled is False
    assert graph.spec_violations == []
    async with http.patch(f"{graph.url}/users/{uid}", json={"acountEnabled": False}) as resp:
        assert resp.status == 400
    async with http.patch(f"{graph.url}/users/{uid}", json={"assignedLicenses": []}) as resp:
        assert resp.status == 400
    assert len(graph.spec_violations) == 2


async def test_unknown_path_and_method_are_spec_violations(graph, http):
    uid = graph.add_user("a@contoso.com")
    async with http.post(f"{graph.url}/users/{uid}/revokeSessions") as resp:
        assert resp.status == 400
    async with http.delete(f"{graph.url}/users/{uid}/authentication/methods/x") as resp:
        assert resp.status == 405  # authentication/methods/{id} offers GET and PATCH only
    async with http.delete(f"{graph.url}/users/{uid}/authentication/passwordMethods/x") as resp:
        assert resp.status == 405
    async with http.put(f"{graph.url}/users/{uid}") as resp:
        assert resp.status == 405
    assert len(graph.spec_violations) == 4


async def test_namespace_qualified_action_is_accepted(graph, http):
    uid = graph.add_user("a@contoso.com")
    async with http.post(f"{graph.url}/users/{uid}/microsoft.graph.revokeSignInSessions") as resp:
        assert (await resp.json())["value"] is True
    assert graph.users[uid].sessions_valid_from is not None


async def test_group_assigned_license_cannot_be_removed_per_user(graph, http):
    uid = graph.add_user("a@contoso.com")
    e5 = graph.add_sku("SPE_E5")
    staff = graph.add_group("All staff")
    graph.assign_license(uid, e5, by_group=staff)
    body = {"addLicenses": [], "removeLicenses": [e5]}
    async with http.post(f"{graph.url}/users/{uid}/assignLicense", json=body) as resp:
        assert resp.status == 400
        assert "inherited from a group" in (await resp.json())["error"]["message"]
    async with http.post(f"{graph.url}/users/{uid}/assignLicense", json={"removeLicenses": [e5]}) as resp:
        assert resp.status == 400  # addLicenses is required too
    assert len(graph.spec_violations) == 1
    # leaving the group is what ends the licence
    async with http.delete(f"{graph.url}/groups/{staff}/members/{uid}/$ref") as resp:
        assert resp.status == 204
    assert graph.users[uid].license_states == []


async def test_default_auth_method_goes_last(graph, http):
    uid = graph.add_user("a@contoso.com")
    phone = graph.add_auth_method(uid, "phone", default=True)
    app = graph.add_auth_method(uid, "microsoftAuthenticator")
    async with http.delete(f"{graph.url}/users/{uid}/authentication/phoneMethods/{phone}") as resp:
        assert resp.status == 400
        assert_odata_error(await resp.json(), "badRequest")
    async with http.delete(f"{graph.url}/users/{uid}/authentication/fido2Methods/{app}") as resp:
        assert resp.status == 404  # wrong kind for that id
    for path in (f"microsoftAuthenticatorMethods/{app}", f"phoneMethods/{phone}"):
        async with http.delete(f"{graph.url}/users/{uid}/authentication/{path}") as resp:
            assert resp.status == 204
    async with http.get(f"{graph.url}/users/{uid}/authentication/methods") as resp:
        kinds = [m["@odata.type"] for m in (await resp.json())["value"]]
    assert kinds == ["#microsoft.graph.passwordAuthenticationMethod"]


async def test_dynamic_and_sticky_groups(graph, http):
    uid = graph.add_user("a@contoso.com")
    dynamic, sticky = graph.add_group("Dyn", dynamic=True), graph.add_group("Sticky")
    graph.add_member(dynamic, uid)
    graph.add_member(sticky, uid)
    graph.sticky_groups.add((sticky, uid))
    async with http.delete(f"{graph.url}/groups/{dynamic}/members/{uid}/$ref") as resp:
        assert resp.status == 400
    async with http.delete(f"{graph.url}/groups/{sticky}/members/{uid}/$ref") as resp:
        assert resp.status == 204
    assert uid in graph.groups[sticky].members


async def test_reenable_after_disable(graph, http):
    uid = graph.add_user("a@contoso.com")
    graph.reenable_after_disable = True
    async with http.patch(f"{graph.url}/users/{uid}", json={"accountEnabled": False}) as resp:
        assert resp.status == 204
    assert graph.users[uid].enabled is True


async def test_paging_follows_next_link(graph, http):
    uid = graph.add_user("a@contoso.com")
    for name in "ABCDE":
        graph.add_member(graph.add_group(name), uid)
    names, url = [], f"{graph.url}/users/{uid}/memberOf"
    while url:
        async with http.get(url) as resp:
            page = await resp.json()
        names += [g["displayName"] for g in page["value"]]
        url = page.get("@odata.nextLink")
    assert names == list("ABCDE")


async def test_rate_limit_counts_writes_in_a_sliding_window(http):
    clock = Clock()
    graph = GraphStandIn(rate_limit=2, rate_window=150.0, clock=clock)
    await graph.start()
    try:
        uid = graph.add_user("a@contoso.com")
        url = f"{graph.url}/users/{uid}/revokeSignInSessions"
        for _ in range(2):
            async with http.post(url) as resp:
                assert resp.status == 200
        clock.now += 100
        async with http.post(url) as resp:
            assert resp.status == 429
            assert resp.headers["Retry-After"] == "50"
            assert_odata_error(await resp.json(), "TooManyRequests")
        async with http.get(f"{graph.url}/users/{uid}") as resp:
            assert resp.status == 200  # reads are not counted
        clock.now += 50
        async with http.post(url) as resp:
            assert resp.status == 200
        graph.retry_after = 7
        graph.rate_limit = 0
        async with http.post(url) as resp:
            assert resp.headers["Retry-After"] == "7"
    finally:
        await graph.stop()


async def test_injected_faults_render_odata_errors_and_are_journaled(graph, http):
    uid = graph.add_user("a@contoso.com")
    graph.inject(r"POST .*/revokeSignInSessions", 429)
    graph.inject(r"GET .*/users/", 503, headers={"Retry-After": "3"})
    async with http.post(f"{graph.url}/users/{uid}/revokeSignInSessions") as resp:
        assert (resp.status, resp.headers["Retry-After"]) == (429, "1")
        assert_odata_error(await resp.json(), "TooManyRequests")
    async with http.get(f"{graph.url}/users/{uid}") as resp:
        assert (resp.status, resp.headers["Retry-After"]) == (503, "3")
        assert resp.headers["request-id"]
    assert [(r.method, r.status) for r in graph.requests] == [("POST", 429), ("GET", 503)]


async def test_onedrive_invite_and_mailbox_rules(graph, http):
    uid = graph.add_user("a@contoso.com")
    async with http.get(f"{graph.url}/users/{uid}/drive") as resp:
        drive = (await resp.json())["id"]
    body = {"recipients": [{"email": "boss@contoso.com"}], "roles": ["owner"], "requireSignIn": True}
    async with http.post(f"{graph.url}/drives/{drive}/items/root/invite", json=body) as resp:
        assert resp.status == 400
    body["roles"] = ["write"]
    async with http.post(f"{graph.url}/drives/{drive}/items/root/invite", json=body) as resp:
        assert (await resp.json())["value"][0]["roles"] == ["write"]
    rule = {"displayName": "fwd", "actions": {"forwardTo": [{"emailAddress": {"address": "b@contoso.com"}}]}}
    async with http.post(f"{graph.url}/users/{uid}/mailFolders/inbox/messageRules", json=rule) as resp:
        assert resp.status == 201
    rule["actions"]["forwardingSmtpAddress"] = "x"
    async with http.post(f"{graph.url}/users/{uid}/mailFolders/inbox/messageRules", json=rule) as resp:
        assert resp.status == 400
    assert len(graph.spec_violations) == 2


@pytest.mark.skipif(not CSDL.exists(), reason="specs checkout not present")
def test_embedded_property_lists_match_the_csdl_slice():
    ns = {"e": "http://docs.oasis-open.org/odata/ns/edm"}
    root = ET.parse(CSDL).getroot()

    def props(kind: str, name: str) -> set[str]:
        node = root.find(f".//e:{kind}[@Name='{name}']", ns)
        assert node is not None
        return {p.get("Name") for p in node.findall("e:Property", ns)}

    assert props("EntityType", "user") | {"id", "deletedDateTime"} == set(USER_PROPERTIES)
    assert props("ComplexType", "mailboxSettings") == set(MAILBOX_SETTINGS_PROPERTIES)
