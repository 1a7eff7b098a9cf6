"""The Slack stand-in's admin surface: SCIM v1 Users, admin.users.session.reset, guests and
(re)activation, driven by slack_sdk's own AsyncSCIMClient and AsyncWebClient."""

from __future__ import annotations

import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.scim.async_client import AsyncSCIMClient
from slack_sdk.scim.v1.user import User
from slack_sdk.web.async_client import AsyncWebClient

from standins.slack_api import SlackStandIn

BOT = "xoxb-test"
ADMIN = "xoxp-org-admin"


@pytest.fixture
async def slack():
    standin = SlackStandIn(token=BOT, admin_tokens=[ADMIN])
    standin.add_user("U1", "alice", "alice@example.com", real_name="Alice Archer")
    standin.add_user("U2", "bob", "Bob@Example.com", tz="Europe/Berlin")
    standin.add_guest("U3", "gina", "gina@partner.example")
    standin.add_guest("U4", "sam", "sam@partner.example", single_channel=True)
    standin.add_usergroup("S1", ["U1", "U2"], handle="it-admins")
    await standin.start()
    yield standin
    await standin.stop()


@pytest.fixture
def scim(slack: SlackStandIn) -> AsyncSCIMClient:
    return AsyncSCIMClient(token=ADMIN, base_url=slack.scim_url)


@pytest.fixture
def bot(slack: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=BOT, base_url=slack.url)


@pytest.fixture
def admin(slack: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=ADMIN, base_url=slack.url)


async def error_of(call) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        await call
    return caught.value


# -- SCIM: reading ---------------------------------------------------------------------------------
async def test_scim_url_is_the_v1_base_the_sdk_joins_paths_to(slack, scim) -> None:
    assert slack.scim_url.endswith("/scim/v1/")
    resp = await scim.read_user("U1")
    assert resp.status_code == 200
    assert resp.url == f"{slack.scim_url}Users/U1"
    user = resp.user
    assert (user.id, user.user_name, user.active) == ("U1", "alice", True)
    assert user.emails[0].value == "alice@example.com"
    assert (user.name.given_name, user.name.family_name) == ("Alice", "Archer")
    assert [g.value for g in user.groups] == ["S1"]
    assert resp.body["schemas"] == ["urn:scim:schemas:core:1.0"]
    assert resp.body["meta"]["location"] == f"{slack.scim_url}Users/U1"


async def test_scim_read_unknown_user_is_404_in_slacks_error_shape(scim) -> None:
    resp = await scim.read_user("U404")
    assert resp.status_code == 404
    assert resp.errors.code == 404
    assert set(resp.body) == {"Errors"}


async def test_scim_search_filters_and_paginates(slack, scim) -> None:
    everyone = await scim.search_users(count=100, start_index=1)
    assert everyone.status_code == 200
    assert everyone.body["totalResults"] == len(slack.users)
    assert everyone.body["schemas"] == ["urn:scim:schemas:core:1.0"]

    by_email = await scim.search_users(count=10, start_index=1, filter='email eq "bob@example.com"')
    assert [u.id for u in by_email.users] == ["U2"]  # emails compare case-insensitively
    by_name = await scim.search_users(count=10, start_index=1, filter='userName eq "alice"')
    assert [u.id for u in by_name.users] == ["U1"]
    guests = await scim.search_users(count=10, start_index=1, filter="restricted eq 1")
    assert sorted(u.id for u in guests.users) == ["U3", "U4"]

    page = await scim.search_users(count=2, start_index=2)
    assert (page.body["startIndex"], page.body["itemsPerPage"]) == (2, 2)
    assert [u.id for u in page.users] == [u["id"] for u in everyone.body["Resources"][1:3]]

    bad = await scim.search_users(count=10, start_index=1, filter="userName sw al")
    assert bad.status_code == 400 and bad.errors.code == 400


async def test_scim_guests_carry_slacks_guest_extension(scim) -> None:
    multi = (await scim.read_user("U3")).body
    single = (await scim.read_user("U4")).body
    ext = "urn:scim:schemas:extension:slack:guest:1.0"
    assert (multi[ext]["type"], single[ext]["type"]) == ("multi", "single")
    assert ext in multi["schemas"]
    assert ext not in (await scim.read_user("U1")).body


# -- SCIM: deactivation ----------------------------------------------------------------------------
async def test_scim_delete_deactivates_and_users_info_shows_deleted(slack, scim, bot) -> None:
    slack.add_session("U1", "web")
    slack.add_session("U1", "mobile")
    resp = await scim.delete_user("U1")
    assert (resp.status_code, resp.raw_body) == (204, "")
    assert (await bot.users_info(user="U1"))["user"]["deleted"] is True
    assert (await scim.read_user("U1")).user.active is False
    assert slack.active_sessions("U1") == []  # a deactivated member is signed out everywhere
    again = await scim.delete_user("U1")  # idempotent, as the live API is
    assert again.status_code == 204
    assert [(c["method"], c["user_id"], c["status"]) for c in slack.scim_calls] == [
        ("DELETE", "U1", 204), ("GET", "U1", 200), ("DELETE", "U1", 204),
    ]  # fmt: skip


async def test_scim_patch_active_in_slacks_v1_form(slack, scim, bot) -> None:
    resp = await scim.patch_user("U2", {"active": False})
    assert resp.status_code == 200
    assert resp.user.active is False
    assert (await bot.users_info(user="U2"))["user"]["deleted"] is True
    # The SDK fills in SCIM v1's schema; the stand-in records the body as sent.
    assert slack.scim_calls[-1]["body"] == {"active": False, "schemas": ["urn:scim:schemas:core:1.0"]}

    back = await scim.patch_user("U2", User(active=True))
    assert back.user.active is True
    assert (await bot.users_info(user="U2"))["user"]["deleted"] is False


async def test_scim_patch_accepts_a_scim2_patchop(slack, scim) -> None:
    patch_op = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": "False"}],
    }
    resp = await scim.patch_user("U1", patch_op)
    assert (resp.status_code, resp.user.active) == (200, False)
    by_value = {"Operations": [{"op": "replace", "value": {"active": True}}]}
    assert (await scim.patch_user("U1", by_value)).user.active is True
    removal = {"Operations": [{"op": "remove", "path": "active"}]}
    assert (await scim.patch_user("U1", removal)).status_code == 400
    assert slack.users["U1"]["deleted"] is False


async def test_scim_refuses_bot_and_unknown_tokens(slack) -> None:
    as_bot = AsyncSCIMClient(token=BOT, base_url=slack.scim_url)
    refused = await as_bot.delete_user("U1")
    assert refused.status_code == 403
    assert refused.errors.code == 403
    assert slack.users["U1"]["deleted"] is False

    unknown = await AsyncSCIMClient(token="xoxp-nobody", base_url=slack.scim_url).read_user("U1")
    # The live API's answer to an unknown token (java-slack-sdk's remote SCIM tests).
    assert unknown.status_code == 401
    assert unknown.body == {"Errors": {"description": "invalid_authentication", "code": 401}}

    slack.add_admin_token("xoxp-no-admin-scope", scopes={"admin.users:read"})
    no_scope = await AsyncSCIMClient(token="xoxp-no-admin-scope", base_url=slack.scim_url).read_user("U1")
    assert no_scope.status_code == 403
    assert [c["status"] for c in slack.scim_calls] == [403, 401, 403]


# -- admin.users.session.reset ---------------------------------------------------------------------
async def test_session_reset_ends_every_session_and_is_recorded(slack, admin) -> None:
    slack.add_session("U1", "web")
    slack.add_session("U1", "mobile")
    slack.add_session("U2", "web")
    before = time.time()
    resp = await admin.admin_users_session_reset(user_id="U1")
    assert resp.data == {"ok": True}
    assert slack.active_sessions("U1") == []
    assert len(slack.active_sessions("U2")) == 1  # nobody else's
    [reset] = slack.session_resets
    assert reset["user_id"] == "U1" and len(reset["ended"]) == 2 and reset["at"] >= before


async def test_session_reset_web_only_and_mobile_only(slack, admin) -> None:
    web = slack.add_session("U1", "web")
    mobile = slack.add_session("U1", "mobile")
    await admin.admin_users_session_reset(user_id="U1", web_only=True)
    assert slack.active_sessions("U1") == [mobile]
    assert slack.session_resets[-1]["ended"] == [web["id"]]
    await admin.admin_users_session_reset(user_id="U1", mobile_only=True)
    assert slack.active_sessions("U1") == []


async def test_session_reset_refuses_bot_token_and_missing_scope(slack, bot) -> None:
    slack.add_session("U1")
    err = await error_of(bot.admin_users_session_reset(user_id="U1"))
    assert err.response["error"] == "not_allowed_token_type"
    slack.add_admin_token("xoxp-reader", scopes={"admin.users:read"})
    reader = AsyncWebClient(token="xoxp-reader", base_url=slack.url)
    err = await error_of(reader.admin_users_session_reset(user_id="U1"))
    assert err.response["error"] == "missing_scope"
    assert err.response["needed"] == "admin.users:write"
    assert err.response["provided"] == "admin.users:read"
    assert len(slack.active_sessions("U1")) == 1 and slack.session_resets == []
    assert len(slack.api_calls("admin.users.session.reset")) == 2  # refused calls are journaled too


async def test_session_reset_unknown_or_missing_user(admin) -> None:
    assert (await error_of(admin.admin_users_session_reset(user_id="U404"))).response[
        "error"
    ] == "user_not_found"
    missing = await error_of(admin.api_call("admin.users.session.reset", params={}))
    assert missing.response["error"] == "invalid_arguments"


async def test_admin_token_also_reads_like_a_user_token(admin) -> None:
    assert (await admin.users_info(user="U1"))["user"]["id"] == "U1"


# -- users: guests and reactivation ------------------------------------------------------------------
async def test_users_info_shows_guests(bot) -> None:
    member = (await bot.users_info(user="U1"))["user"]
    multi = (await bot.users_info(user="U3"))["user"]
    single = (await bot.users_info(user="U4"))["user"]
    assert (member["is_restricted"], member["is_ultra_restricted"]) == (False, False)
    assert (multi["is_restricted"], multi["is_ultra_restricted"]) == (True, False)
    assert (single["is_restricted"], single["is_ultra_restricted"]) == (True, True)


async def test_reactivate_hook_brings_a_deactivated_account_back(slack, scim, bot) -> None:
    await scim.delete_user("U2")
    assert (await bot.users_info(user="U2"))["user"]["deleted"] is True
    slack.reactivate_user("U2")
    assert (await bot.users_info(user="U2"))["user"]["deleted"] is False
    assert (await scim.read_user("U2")).user.active is True
    assert slack.active_sessions("U2") == []  # back, but not signed in until a new session
    slack.deactivate_user("U2")
    assert (await scim.read_user("U2")).user.active is False
