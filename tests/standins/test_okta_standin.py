"""The Okta stand-in on its own, over raw HTTP: auth, headers, error shapes, spec checks, limits, org rules."""

from __future__ import annotations

import asyncio
import json
import re
import warnings
from email.utils import parsedate_to_datetime

import aiohttp
import pytest
from multidict import CIMultiDict, MultiDict

from standins.okta_api import OktaStandIn
from standins.okta_spec import spec_checker

AUTH = {"Authorization": "SSWS test-token"}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def assert_okta_error(body: dict, code: str) -> None:
    assert body["errorCode"] == code
    assert body["errorLink"] == code
    assert body["errorSummary"]
    assert re.fullmatch(r"oae\w{17}", body["errorId"])
    assert isinstance(body["errorCauses"], list)


async def test_every_answer_carries_okta_headers_and_a_unique_request_id(okta, http):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", okta.url)
    uid = okta.add_user("ann@example.com", "Ann", "Lee")
    ids = set()
    for path in (f"/api/v1/users/{uid}", "/api/v1/users/00unknown", "/api/v1/nothing"):
        async with http.get(okta.url + path) as resp:
            ids.add(resp.headers["x-okta-request-id"])
            assert int(resp.headers["x-rate-limit-limit"]) == 600
            assert 0 <= int(resp.headers["x-rate-limit-remaining"]) < 600
            assert (
                int(resp.headers["x-rate-limit-reset"])
                >= parsedate_to_datetime(resp.headers["Date"]).timestamp()
            )
    assert len(ids) == 3
    assert [r.status for r in okta.requests] == [200, 404, 400]


async def test_user_shape_follows_the_recordings(okta, http):
    manager = okta.add_user("boss@example.com")
    uid = okta.add_user("ann@example.com", "Ann", "Lee", manager_id=manager)
    async with http.get(f"{okta.url}/api/v1/users/ann%40example.com") as resp:  # login works as {id}
        user = await resp.json()
    assert re.fullmatch(r"00u\w{17}", user["id"]) and user["id"] == uid
    assert user["status"] == "ACTIVE"
    assert user["profile"]["login"] == user["profile"]["email"] == "ann@example.com"
    assert user["profile"]["managerId"] == manager
    assert user["credentials"]["provider"] == {"type": "OKTA", "name": "OKTA"}
    assert user["_links"]["self"]["href"].endswith(f"/api/v1/users/{uid}")


@pytest.mark.parametrize("header", ["SSWS test-token", "SSWStest-token"])
async def test_ssws_token_with_or_without_a_space_is_accepted(okta, header):
    async with (
        aiohttp.ClientSession() as s,
        s.get(f"{okta.url}/api/v1/users", headers={"Authorization": header}) as r,
    ):
        assert r.status == 200


@pytest.mark.parametrize(
    "header", [None, "Bearer test-token", "SSWS wrong", "SSWS  test-token", "ssws test-token"]
)
async def test_anything_else_is_401_invalid_token(okta, header):
    headers = {"Authorization": header} if header else {}
    async with aiohttp.ClientSession() as s, s.get(f"{okta.url}/api/v1/users", headers=headers) as resp:
        assert resp.status == 401
        assert_okta_error(await resp.json(), "E0000011")
        assert (await resp.json())["errorSummary"] == "Invalid token provided"
    assert okta.spec_violations == []


@pytest.mark.parametrize(
    ("method", "path", "expect"),
    [
        ("GET", "/api/v1/users/{uid}/lifecycle/suspend", "OperationNotFound"),
        ("POST", "/api/v1/users/{uid}/lifecycle/explode", "PathNotFound"),
        ("DELETE", "/api/v1/users/{uid}/sessions?oauthTokens=yes", "not true/false"),
        ("DELETE", "/api/v1/users/{uid}/sessions?oauthToken=true", "undeclared query parameter 'oauthToken'"),
        ("GET", "/api/v1/users/{uid}/grants?limit=many", "limit"),
        ("GET", "/api/v1/users/{uid}/grants?limit=500", "greater than the maximum of 200"),
    ],
)
async def test_requests_outside_the_spec_are_400_and_recorded(okta, http, method, path, expect):
    uid = okta.add_user("ann@example.com")
    async with http.request(method, okta.url + path.format(uid=uid)) as resp:
        assert resp.status == 400
        assert_okta_error(await resp.json(), "E0000001")
    assert len(okta.spec_violations) == 1
    assert expect in okta.spec_violations[0]
    assert okta.user_state(uid)["status"] == "ACTIVE"


async def test_suspend_only_from_active_and_deactivate_from_anything(okta, http):
    uid = okta.add_user("ann@example.com")
    okta.add_session(uid)
    async with http.post(f"{okta.url}/api/v1/users/{uid}/lifecycle/suspend") as resp:
        assert (resp.status, await resp.json()) == (200, {})
    async with http.post(f"{okta.url}/api/v1/users/{uid}/lifecycle/suspend") as resp:
        assert resp.status == 400
        body = await resp.json()
        assert_okta_error(body, "E0000001")
        assert body["errorCauses"] == [{"errorSummary": "Cannot suspend a user that is not active"}]
    assert okta.user_state(uid)["status"] == "SUSPENDED"
    async with http.post(f"{okta.url}/api/v1/users/{uid}/lifecycle/deactivate") as resp:
        assert (resp.status, await resp.json()) == (200, {})
    assert okta.user_state(uid) | {"groups": []} == okta.user_state(uid) | {
        "status": "DEPROVISIONED",
        "sessions": 0,
        "groups": [],
    }
    okta.deactivate_status = 204  # the older recordings
    other = okta.add_user("bob@example.com")
    async with http.post(f"{okta.url}/api/v1/users/{other}/lifecycle/deactivate") as resp:
        assert (resp.status, await resp.read()) == (204, b"")
    assert okta.spec_violations == []


async def test_unknown_user_is_404_e0000007_naming_the_id(okta, http):
    async with http.post(f"{okta.url}/api/v1/users/00uNOPE/lifecycle/suspend") as resp:
        assert resp.status == 404
        body = await resp.json()
    assert_okta_error(body, "E0000007")
    assert body["errorSummary"] == "Not found: Resource not found: 00uNOPE (User)"


async def test_group_membership_rules(okta, http):
    uid = okta.add_user("ann@example.com")
    eng, ad = okta.add_group("Engineering"), okta.add_group("AD Staff", "APP_GROUP")
    okta.add_member(eng, uid)
    okta.add_member(ad, uid)
    async with http.get(f"{okta.url}/api/v1/users/{uid}/groups") as resp:
        types = {g["profile"]["name"]: g["type"] for g in await resp.json()}
    assert types == {"Everyone": "BUILT_IN", "Engineering": "OKTA_GROUP", "AD Staff": "APP_GROUP"}
    for gid in (okta.everyone_id, ad):  # Okta changes memberships of OKTA_GROUP groups only
        async with http.delete(f"{okta.url}/api/v1/groups/{gid}/users/{uid}") as resp:
            assert resp.status == 403
            assert_okta_error(await resp.json(), "E0000006")
    for _ in range(2):  # removing a non-member is still 204
        async with http.delete(f"{okta.url}/api/v1/groups/{eng}/users/{uid}") as resp:
            assert resp.status == 204
    async with http.delete(f"{okta.url}/api/v1/groups/00gGONE/users/{uid}") as resp:
        assert (await resp.json())["errorSummary"] == "Not found: Resource not found: 00gGONE (UserGroup)"
    assert okta.user_state(uid)["groups"] == ["AD Staff", "Everyone"]


async def test_search_is_case_insensitive_filter_is_not_and_listing_hides_deprovisioned(okta, http):
    ann = okta.add_user("ann@example.com")
    gone = okta.add_user("gone@example.com", status="DEPROVISIONED")

    async def ids(query: str) -> list[str] | int:
        async with http.get(f"{okta.url}/api/v1/users{query}") as resp:
            return [u["id"] for u in await resp.json()] if resp.status == 200 else resp.status

    assert await ids('?search=profile.login eq "ANN@example.com"') == [ann]
    assert await ids('?filter=profile.login eq "ANN@example.com"') == []
    assert await ids('?search=profile.email eq "nobody@x" or profile.login eq "gone@example.com"') == [gone]
    assert await ids("") == [ann]
    assert await ids('?search=profile.login eq ann@example.com"') == 400  # Okta: E0000031


async def test_unenrolling_okta_verify_push_takes_okta_totp_with_it(okta, http):
    uid = okta.add_user("ann@example.com")
    push = okta.add_factor(uid, "push", "OKTA")
    okta.add_factor(uid, "token:software:totp", "OKTA")
    okta.add_factor(uid, "token:software:totp", "GOOGLE")
    okta.add_factor(uid, "sms", "OKTA")
    async with http.delete(f"{okta.url}/api/v1/users/{uid}/factors/{push}") as resp:
        assert resp.status == 204
    assert okta.user_state(uid)["factors"] == ["sms", "token:software:totp"]
    async with http.get(f"{okta.url}/api/v1/users/{uid}/factors/{push}") as resp:
        assert (await resp.json())["errorSummary"].endswith(f"{push} (UserFactor)")


async def test_rate_limit_window_429_e0000047_then_reset(http):
    clock = Clock()
    okta = OktaStandIn(rate_limit=2, rate_window=60.0, clock=clock)
    await okta.start()
    try:
        uid = okta.add_user("ann@example.com")
        statuses = []
        for _ in range(3):
            async with http.delete(f"{okta.url}/api/v1/users/{uid}/grants") as resp:
                statuses.append(resp.status)
                headers, body = resp.headers, await resp.read()
        assert statuses == [204, 204, 429]
        assert_okta_error(json.loads(body), "E0000047")
        assert headers["x-rate-limit-remaining"] == "0"
        assert headers["x-rate-limit-reset"] == str(int(clock.now + 60))
        assert parsedate_to_datetime(headers["Date"]).timestamp() == clock.now
        async with http.get(f"{okta.url}/api/v1/users/{uid}/grants") as resp:  # reads count apart
            assert resp.status == 200
        clock.now += 60
        async with http.delete(f"{okta.url}/api/v1/users/{uid}/grants") as resp:
            assert (resp.status, resp.headers["x-rate-limit-remaining"]) == (204, "1")
        assert okta.rate_limited == 1
    finally:
        await okta.stop()


async def test_concurrency_limit_answers_429_with_limit_zero(http):
    okta = OktaStandIn(concurrency_limit=2)
    await okta.start()
    try:
        okta.inject("GET /api/v1/users$", 0, times=-1, delay=0.2)  # slow answers, no error

        async def one() -> tuple[int, str]:
            async with http.get(f"{okta.url}/api/v1/users") as resp:
                return resp.status, resp.headers["x-rate-limit-limit"]

        answers = await asyncio.gather(*(one() for _ in range(4)))
        assert sorted(answers) == [(200, "600"), (200, "600"), (429, "0"), (429, "0")]
        assert okta.concurrency_limited == 2
    finally:
        await okta.stop()


async def test_injected_faults_render_okta_errors_and_429_headers(okta, http):
    uid = okta.add_user("ann@example.com")
    url = f"{okta.url}/api/v1/users/{uid}/sessions"
    okta.inject("DELETE .*/sessions$", 429)
    async with http.delete(url) as resp:
        assert resp.status == 429
        assert_okta_error(await resp.json(), "E0000047")
        assert resp.headers["x-rate-limit-remaining"] == "0"
        assert (
            int(resp.headers["x-rate-limit-reset"]) <= parsedate_to_datetime(resp.headers["Date"]).timestamp()
        )
    okta.inject("DELETE .*/sessions$", 429, headers={})  # exactly the headers given: no rate-limit ones
    async with http.delete(url) as resp:
        assert resp.status == 429
        assert not any(h.lower().startswith("x-rate-limit") for h in resp.headers)
    okta.inject("DELETE .*/sessions$", 404)
    async with http.delete(url) as resp:
        assert (await resp.json())["errorSummary"] == "Not found: Resource not found: sessions (User)"
    okta.inject("DELETE .*/sessions$", 500, body={"oops": True})
    async with http.delete(url) as resp:
        assert (resp.status, await resp.json()) == (500, {"oops": True})
    async with http.delete(url) as resp:
        assert resp.status == 204
    assert [r.status for r in okta.calls("DELETE", "/sessions$")] == [429, 429, 404, 500, 204]
    assert okta.spec_violations == []


class _SpecRequest:
    """openapi-core's Request protocol over one client-side request (no body)."""

    def __init__(self, method: str, resp: aiohttp.ClientResponse) -> None:
        from openapi_core.datatypes import RequestParameters

        self.host_url, self.path = "https://okta.example.com", resp.url.path
        self.method, self.body, self.content_type = method.lower(), None, ""
        self.parameters = RequestParameters(query=MultiDict(resp.url.query), header=CIMultiDict(AUTH))


class _SpecResponse:
    """openapi-core's Response protocol over one client-side response."""

    def __init__(self, resp: aiohttp.ClientResponse, body: bytes) -> None:
        self.status_code, self.headers, self.data = resp.status, resp.headers, body
        self.content_type = resp.content_type if body else ""


async def test_answers_match_the_spec_response_schemas_except_where_okta_itself_differs(okta, http):
    uid = okta.add_user("ann@example.com", "Ann", "Lee")
    okta.add_member(okta.org.add_group("Engineering", description="Builders"), uid)
    okta.add_member(okta.add_group("AD Staff", "APP_GROUP"), uid)
    factor = okta.add_factor(uid)
    for kind, provider in (("push", "OKTA"), ("sms", "OKTA"), ("email", "OKTA"), ("webauthn", "FIDO")):
        okta.add_factor(uid, kind, provider)
    okta.add_grant(uid)
    okta.add_app_link(uid, "Slack", "slack")
    checked = []
    for method, path in [
        ("GET", f"/api/v1/users/{uid}"),
        ("GET", '/api/v1/users?search=profile.login eq "ann@example.com"'),
        ("GET", f"/api/v1/users/{uid}/groups"),
        ("GET", f"/api/v1/users/{uid}/factors"),
        ("GET", f"/api/v1/users/{uid}/factors/{factor}"),
        ("GET", f"/api/v1/users/{uid}/grants"),
        ("GET", f"/api/v1/users/{uid}/appLinks"),
        ("POST", f"/api/v1/users/{uid}/lifecycle/suspend"),  # 200 {}: the spec declares no content
        ("POST", f"/api/v1/users/{uid}/lifecycle/suspend"),  # 400
        ("GET", "/api/v1/users/00uNOPE"),
    ]:
        async with http.request(method, okta.url + path) as resp:
            request, response = _SpecRequest(method, resp), _SpecResponse(resp, await resp.read())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            errors = spec_checker().openapi.unmarshal_response(request, response).errors
        checked.append((method, resp.status, [type(e).__name__ for e in errors]))
    known = ("POST", 200, ["DataValidationError"])  # real Okta answers lifecycle calls with JSON {}
    assert [c for c in checked if c[2] and c != known] == []
    assert okta.spec_violations == []
