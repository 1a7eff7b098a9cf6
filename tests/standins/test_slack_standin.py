"""The Slack stand-in, driven by the real slack_sdk AsyncWebClient (and Bolt, for the payload builders)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from standins.slack_api import SlackStandIn
from standins.slack_blocks import check_blocks, check_view
from standins.slack_signing import block_action_body, sign, slash_command_body, view_submission_body
from tests.specs import shared_spec

TOKEN = "xoxb-test"
VECTOR = shared_spec("slack/examples/request-signing-test-vector.txt")


@pytest.fixture
async def slack():
    standin = SlackStandIn(token=TOKEN)
    standin.add_user("U1", "alice", "alice@example.com")
    standin.add_user("U2", "bob", "Bob@Example.com", tz="Europe/Berlin")
    standin.add_user("U3", "carol", "carol@example.com", tz="Asia/Kolkata")
    standin.add_channel("C1", "general", members={"UBOT", "U1"})
    standin.add_channel("CPRIV", "secret", is_private=True, members={"U1"})
    standin.add_usergroup("S1", ["U1", "U2"], handle="it-admins")
    await standin.start()
    yield standin
    await standin.stop()


@pytest.fixture
def client(slack: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=slack.url)


async def error_of(call) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call
    return caught.value.response["error"]


def section(text: str, **extra) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def checklist(n: int) -> list[dict]:
    """A checklist message like the bot's: a header, then one section with a Done button per task."""
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": "Offboarding: Jane Doe"}}]
    for k in range(1, n):
        button = {"type": "button", "text": {"type": "plain_text", "text": "Done"},
                  "action_id": f"done_{k}", "value": f"task:{k}"}  # fmt: skip
        blocks.append(
            section(f":white_square: *Task {k}*: revoke access", block_id=f"t{k}", accessory=button)
        )
    return blocks


# -- auth --------------------------------------------------------------------------------------
async def test_auth_test_names_the_bot(client: AsyncWebClient) -> None:
    resp = await client.auth_test()
    assert (resp["user_id"], resp["bot_id"], resp["team_id"]) == ("UBOT", "BBOT", "T0001")


async def test_missing_and_wrong_tokens(slack: SlackStandIn) -> None:
    assert await error_of(AsyncWebClient(base_url=slack.url).auth_test()) == "not_authed"
    assert (
        await error_of(AsyncWebClient(token="xoxb-other", base_url=slack.url).auth_test()) == "invalid_auth"
    )


async def test_token_param_is_accepted_and_unknown_method_refused(slack: SlackStandIn) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(slack.url + "auth.test", data={"token": TOKEN}) as r:
            assert (await r.json())["ok"] is True
    client = AsyncWebClient(token=TOKEN, base_url=slack.url)
    with pytest.raises(SlackApiError) as caught:
        await client.api_call("foo.bar")
    assert caught.value.response.status_code == 200
    assert caught.value.response.data == {"ok": False, "error": "unknown_method", "req_method": "foo.bar"}


# -- conversations -----------------------------------------------------------------------------
async def test_create_channel_makes_the_bot_creator_and_member(slack, client) -> None:
    resp = await client.conversations_create(name="offboard-jdoe", is_private=True)
    channel = slack.channels[resp["channel"]["id"]]
    assert channel["is_private"] and channel["creator"] == "UBOT" and channel["members"] == {"UBOT"}
    assert resp["channel"]["is_member"] is True
    assert slack.api_calls("conversations.create")[0] == {"name": "offboard-jdoe", "is_private": "1"}


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("Offboard Jdoe", "invalid_name_specials"),
        ("offboard.jdoe", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
        ("", "invalid_name_required"),
        ("---", "invalid_name_punctuation"),
        ("general", "name_taken"),
    ],
)
async def test_create_channel_refusals(client, name: str, error: str) -> None:
    assert await error_of(client.conversations_create(name=name)) == error


async def test_name_taken_counts_archived_channels(slack, client) -> None:
    slack.add_channel("COLD", "offboard-old", is_archived=True)
    assert await error_of(client.conversations_create(name="offboard-old")) == "name_taken"
    assert (await client.conversations_create(name="x" * 80))["ok"]


async def test_invite_adds_new_members_and_skips_present_ones(slack, client) -> None:
    await client.conversations_invite(channel="C1", users=["U1", "U2"])
    assert slack.channels["C1"]["members"] == {"UBOT", "U1", "U2"}
    call = slack.calls("POST", "conversations.invite")[0]
    assert call.query == {"channel": "C1", "users": "U1,U2"}  # slack_sdk puts these in the query string


async def test_invite_refusals(slack, client) -> None:
    slack.add_channel("CARCH", "old", members={"UBOT"}, is_archived=True)
    slack.add_user("U9", "x", "x@example.com")
    invite = client.conversations_invite
    assert await error_of(invite(channel="CNOPE", users="U2")) == "channel_not_found"
    assert await error_of(invite(channel="CARCH", users="U2")) == "is_archived"
    assert await error_of(invite(channel="C1", users="U1")) == "already_in_channel"
    assert await error_of(invite(channel="C1", users=["UBOT", "U2"])) == "cant_invite_self"
    assert await error_of(invite(channel="C1", users=["U2", "UGHOST"])) == "user_not_found"
    assert await error_of(invite(channel="CPRIV", users="U2")) == "not_in_channel"
    assert await error_of(invite(channel="C1", users=[f"U{n}" for n in range(101)])) == "too_many_users"
    assert slack.channels["C1"]["members"] == {"UBOT", "U1"}  # refusals change nothing


async def test_archive_then_already_archived_then_posting_refused(slack, client) -> None:
    await client.conversations_archive(channel="C1")
    assert slack.channels["C1"]["is_archived"]
    assert await error_of(client.conversations_archive(channel="C1")) == "already_archived"
    assert await error_of(client.chat_postMessage(channel="C1", text="hi")) == "is_archived"
    assert await error_of(client.conversations_archive(channel="CNOPE")) == "channel_not_found"


async def test_kick_set_topic_info_members(slack, client) -> None:
    await client.conversations_setTopic(channel="C1", topic="Offboarding Jane")
    info = await client.conversations_info(channel="C1", include_num_members=True)
    assert info["channel"]["topic"]["value"] == "Offboarding Jane" and info["channel"]["num_members"] == 2
    assert await error_of(client.conversations_setTopic(channel="C1", topic="x" * 251)) == "too_long"
    await client.conversations_kick(channel="C1", user="U1")
    assert slack.channels["C1"]["members"] == {"UBOT"}
    assert await error_of(client.conversations_kick(channel="C1", user="U1")) == "not_in_channel"
    assert await error_of(client.conversations_kick(channel="C1", user="UBOT")) == "cant_kick_self"
    assert await error_of(client.conversations_info(channel="CPRIV")) == "channel_not_found"


async def test_members_paginate_with_cursors(slack, client) -> None:
    slack.add_channel("CBIG", "big", members={"UBOT", *(f"U{n:03d}" for n in range(5))})
    seen, cursor = [], None
    while True:
        resp = await client.conversations_members(channel="CBIG", limit=2, cursor=cursor)
        seen += resp["members"]
        cursor = resp["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(slack.channels["CBIG"]["members"])


async def test_history_and_replies(client) -> None:
    parent = await client.chat_postMessage(channel="C1", text="checklist")
    await client.chat_postMessage(channel="C1", text="done: email", thread_ts=parent["ts"])
    history = await client.conversations_history(channel="C1")
    assert [m["text"] for m in history["messages"]] == ["checklist"]
    assert history["messages"][0]["reply_count"] == 1
    replies = await client.conversations_replies(channel="C1", ts=parent["ts"])
    assert [m["text"] for m in replies["messages"]] == ["checklist", "done: email"]
    assert await error_of(client.conversations_replies(channel="C1", ts="1.2")) == "thread_not_found"


# -- chat --------------------------------------------------------------------------------------
async def test_post_message_timestamps_are_unique_and_increasing(slack, client) -> None:
    ts = [(await client.chat_postMessage(channel="C1", text=f"m{n}"))["ts"] for n in range(3)]
    assert ts == sorted(ts) and len(set(ts)) == 3 and ts[0] == "1700000000.000100"
    assert [m["text"] for m in slack.messages["C1"]] == ["m0", "m1", "m2"]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
async def test_post_message_refusals(slack, client) -> None:
    slack.add_channel("COUT", "elsewhere")
    assert await error_of(client.chat_postMessage(channel="CNOPE", text="x")) == "channel_not_found"
    assert await error_of(client.chat_postMessage(channel="COUT", text="x")) == "not_in_channel"
    assert await error_of(client.chat_postMessage(channel="C1")) == "no_text"


async def test_post_to_a_user_id_opens_a_dm(slack, client) -> None:
    resp = await client.chat_postMessage(channel="U2", text="Your access ends Friday")
    assert resp["channel"].startswith("D") and slack.messages[resp["channel"]][0]["text"].startswith("Your")


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
async def test_update_edits_and_keeps_blocks_when_omitted(slack, client) -> None:
    posted = await client.chat_postMessage(channel="C1", text="v1", blocks=[section("v1")])
    updated = await client.chat_update(channel="C1", ts=posted["ts"], text="v2")
    message = slack.messages["C1"][0]
    assert updated["ts"] == posted["ts"] and message["text"] == "v2"
    assert message["blocks"] == [section("v1")] and message["edited"]["user"] == "UBOT"
    assert await error_of(client.chat_update(channel="C1", ts="1.000001", text="x")) == "message_not_found"
    assert await error_of(client.chat_update(channel="C1", ts=posted["ts"])) == "no_text"


async def test_post_ephemeral(slack, client) -> None:
    resp = await client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert slack.ephemeral == [{"channel": "C1", "user": "U1", "text": "only you", "blocks": None,
                                "thread_ts": None, "message_ts": resp["message_ts"]}]  # fmt: skip
    assert (
        await error_of(client.chat_postEphemeral(channel="C1", user="U2", text="x")) == "user_not_in_channel"
    )


async def test_permalink(client) -> None:
    posted = await client.chat_postMessage(channel="C1", text="x")
    link = (await client.chat_getPermalink(channel="C1", message_ts=posted["ts"]))["permalink"]
    assert link.endswith("/archives/C1/p1700000000000100")


# -- block kit ---------------------------------------------------------------------------------
async def test_checklist_of_50_blocks_passes_and_51_fails(client) -> None:
    assert (await client.chat_postMessage(channel="C1", text="checklist", blocks=checklist(50)))["ok"]
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C1", text="checklist", blocks=checklist(51))
    assert caught.value.response["error"] == "invalid_blocks"
    assert caught.value.response["response_metadata"]["messages"] == [
        "[ERROR] no more than 50 items allowed [json-pointer:/blocks]"
    ]


async def test_bulky_blocks_are_msg_blocks_too_long(client) -> None:
    blocks = [section("x" * 1000) for _ in range(20)]
    assert (
        await error_of(client.chat_postMessage(channel="C1", text="x", blocks=blocks))
        == "msg_blocks_too_long"
    )


def _button(**kw) -> dict:
    return {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": "go", **kw}


def _opts(n: int, text: str = "o", value: str = "v") -> list[dict]:
    return [{"text": {"type": "plain_text", "text": text}, "value": f"{value}{i}"} for i in range(n)]


@pytest.mark.parametrize(
    ("blocks", "problem"),
    [
        ([section("x" * 3001)], "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}], "no more than 10 items"),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
            "/blocks/0/fields/0/text",
        ),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "less than 151 characters"),
        (
            [{"type": "actions", "elements": [_button(action_id=f"a{i}") for i in range(26)]}],
            "no more than 25",
        ),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}], "no more than 10 items"),
        ([{"type": "actions", "elements": [_button(text={"type": "plain_text", "text": "b" * 76})]}], "76"),
        ([{"type": "actions", "elements": [_button(value="v" * 2001)]}], "/elements/0/value"),
        ([{"type": "actions", "elements": [_button(action_id="a" * 256)]}], "/elements/0/action_id"),
        (
            [section("x", block_id="b" * 256)],
            "must be less than 256 characters [json-pointer:/blocks/0/block_id]",
        ),
        ([section("x", block_id="b"), section("y", block_id="b")], "duplicate block_id: b"),
        ([section("x", accessory={"type": "static_select", "action_id": "s", "options": _opts(101)})], "100"),
        ([section("x", accessory={"type": "static_select", "options": _opts(1, text="t" * 76)})], "76"),
        ([section("x", accessory={"type": "static_select", "options": _opts(1, value="v" * 151)})], "151"),
        ([section("x", accessory={"type": "radio_buttons", "options": _opts(11)})], "no more than 10 items"),
        ([section("x", accessory={"type": "checkboxes", "options": _opts(11)})], "no more than 10 items"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], "must be plain_text"),
        ([section("")], "must be more than 0 characters"),
        ([{"type": "sections"}], "unsupported type: sections"),
    ],
)
def test_check_blocks_limits(blocks: list[dict], problem: str) -> None:
    problems = check_blocks(blocks, "message")
    assert any(problem in p for p in problems), problems


def test_check_blocks_accepts_everything_at_the_limit() -> None:
    blocks = [
        section("x" * 3000, block_id="b" * 255),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2000}] * 10},
        {"type": "header", "text": {"type": "plain_text", "text": "h" * 150}},
        {"type": "actions", "elements": [_button(action_id=f"a{i}", value="v" * 2000) for i in range(25)]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 10},
        section("s", accessory={"type": "static_select", "action_id": "s", "options": _opts(100, "t" * 75)}),
        section("r", accessory={"type": "radio_buttons", "options": _opts(10, value="v" * 140)}),
    ]
    assert check_blocks(blocks, "modal") == []
    assert check_blocks([section("x")] * 100, "home") == []
    assert check_blocks([section("x")] * 101, "home") == [
        "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"
    ]


INPUT = {
    "type": "input",
    "label": {"type": "plain_text", "text": "Why"},
    "element": {"type": "plain_text_input"},
}


def _modal(**kw) -> dict:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Offboard"}, "blocks": [], **kw}


@pytest.mark.parametrize(
    ("view", "problem"),
    [
        (_modal(title={"type": "plain_text", "text": "t" * 25}), "/view/title/text"),
        (_modal(submit={"type": "plain_text", "text": "s" * 25}), "/view/submit/text"),
        (_modal(close={"type": "plain_text", "text": "c" * 25}), "/view/close/text"),
        (_modal(private_metadata="m" * 3001), "/view/private_metadata"),
        (_modal(blocks=[section("x")] * 101), "no more than 100 items"),
        (_modal(blocks=[INPUT]), "must define `submit`"),
    ],
)
def test_check_view_limits(view: dict, problem: str) -> None:
    assert any(problem in p for p in check_view(view)), check_view(view)


# -- views -------------------------------------------------------------------------------------
async def test_views_open_update_push_publish(slack, client) -> None:
    opened = (await client.views_open(trigger_id="1.2.a", view=_modal(callback_id="offboard")))["view"]
    assert slack.views_opened[0]["id"] == opened["id"] and opened["callback_id"] == "offboard"
    new = _modal(title={"type": "plain_text", "text": "Step 2"})
    updated = (await client.views_update(view_id=opened["id"], view=new, hash=opened["hash"]))["view"]
    assert updated["id"] == opened["id"] and updated["title"]["text"] == "Step 2"
    assert (
        await error_of(client.views_update(view_id=opened["id"], view=new, hash=opened["hash"]))
        == "hash_conflict"
    )
    assert await error_of(client.views_update(view_id="VNOPE", view=new)) == "not_found"
    await client.views_push(trigger_id="1.2.b", view=_modal())
    assert len(slack.views_opened) == 2
    home = {"type": "home", "blocks": [section("x")] * 100}
    await client.views_publish(user_id="U1", view=home)
    assert slack.home_views["U1"]["blocks"] == home["blocks"]


async def test_views_trigger_refusals(slack, client) -> None:
    slack.expired_trigger_ids.add("1.2.old")
    with pytest.raises(SlackApiError) as caught:
        await client.views_open(trigger_id="", view=_modal())
    assert caught.value.response["error"] == "invalid_arguments"
    assert await error_of(client.views_open(trigger_id="1.2.old", view=_modal())) == "expired_trigger_id"
    await client.views_open(trigger_id="1.2.once", view=_modal())
    assert await error_of(client.views_open(trigger_id="1.2.once", view=_modal())) == "exchanged_trigger_id"


async def test_views_refuse_bad_views_with_slack_messages(client) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.views_open(
            trigger_id="1.2.c", view=_modal(title={"type": "plain_text", "text": "t" * 25})
        )
    assert caught.value.response["error"] == "invalid_arguments"
    assert caught.value.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    home = {"type": "home", "blocks": [section("x")] * 101}
    assert await error_of(client.views_publish(user_id="U1", view=home)) == "invalid_arguments"


# -- users and usergroups ----------------------------------------------------------------------
async def test_users_info_computes_tz_offset(client) -> None:
    user = (await client.users_info(user="U2"))["user"]
    expected = datetime.now(ZoneInfo("Europe/Berlin")).utcoffset().total_seconds()
    assert (user["tz"], user["tz_offset"]) == ("Europe/Berlin", expected)
    assert (await client.users_info(user="U3"))["user"]["tz_offset"] == 19800
    assert user["profile"]["email"] == "Bob@Example.com" and user["is_bot"] is False
    assert await error_of(client.users_info(user="UGHOST")) == "user_not_found"


async def test_lookup_by_email(client) -> None:
    assert (await client.users_lookupByEmail(email="bob@example.com"))["user"]["id"] == "U2"
    assert await error_of(client.users_lookupByEmail(email="nobody@example.com")) == "users_not_found"


async def test_usergroups(client) -> None:
    assert (await client.usergroups_users_list(usergroup="S1"))["users"] == ["U1", "U2"]
    assert await error_of(client.usergroups_users_list(usergroup="SNOPE")) == "no_such_subteam"
    groups = (await client.usergroups_list(include_users=True))["usergroups"]
    assert groups[0]["handle"] == "it-admins" and groups[0]["users"] == ["U1", "U2"]


# -- rate limits and faults --------------------------------------------------------------------
async def test_tier_2_method_gets_429_with_retry_after(slack, client) -> None:
    for n in range(20):
        await client.conversations_create(name=f"c{n}")
    with pytest.raises(SlackApiError) as caught:
        await client.conversations_create(name="c20")
    assert caught.value.response.status_code == 429
    assert caught.value.response["error"] == "ratelimited"
    assert int(caught.value.response.headers["Retry-After"]) >= 1


async def test_rate_limit_handler_retries_to_success() -> None:
    async with SlackStandIn(rate_window=0.3) as slack:
        slack.limits["conversations.create"] = 1
        client = AsyncWebClient(token=TOKEN, base_url=slack.url)
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
        await client.conversations_create(name="first")
        assert (await client.conversations_create(name="second"))["ok"]
        assert [r.status for r in slack.calls(path="conversations.create")] == [200, 429, 200]


async def test_post_message_limit_is_per_channel(slack, client) -> None:
    slack.limits["chat.postMessage"] = 2
    slack.add_channel("C2", "other", members={"UBOT"})
    for _ in range(2):
        await client.chat_postMessage(channel="C1", text="x")
    assert await error_of(client.chat_postMessage(channel="C1", text="x")) == "ratelimited"
    assert (await client.chat_postMessage(channel="C2", text="x"))["ok"]


async def test_rate_limits_off_and_retry_after_override() -> None:
    async with SlackStandIn(rate_limits=False) as slack:
        client = AsyncWebClient(token=TOKEN, base_url=slack.url)
        for n in range(25):
            await client.conversations_create(name=f"c{n}")
    async with SlackStandIn(rate_window=0.1, retry_after_override=0) as slack:
        slack.limits["users.info"] = 0
        async with aiohttp.ClientSession() as http:
            async with http.get(slack.url + "users.info", params={"token": TOKEN, "user": "UBOT"}) as r:
                assert (r.status, r.headers["Retry-After"]) == (429, "0")


async def test_injected_faults(slack, client) -> None:
    slack.inject(r"conversations\.create", 200, body={"ok": False, "error": "name_taken"})
    assert await error_of(client.conversations_create(name="fresh")) == "name_taken"
    slack.inject(r"chat\.postMessage", 500)
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C1", text="x")
    assert (caught.value.response.status_code, caught.value.response["error"]) == (500, "fatal_error")
    slack.inject(r"users\.info", 429, headers={"Retry-After": "0"})
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    assert (await client.users_info(user="U1"))["ok"]
    assert [r.status for r in slack.calls(path="users.info")] == [429, 200]


# -- journal -----------------------------------------------------------------------------------
async def test_journal_keeps_params_as_sent(slack, client) -> None:
    blocks = [section("hello", block_id="b1")]
    await client.chat_postMessage(channel="C1", text="hi", blocks=blocks)
    await client.users_info(user="U1")
    post = slack.calls(path="chat.postMessage")[0]
    assert post.method == "POST" and post.headers["Authorization"] == f"Bearer {TOKEN}"
    assert post.body == {"channel": "C1", "text": "hi", "blocks": blocks}
    info = slack.calls(path="users.info")[0]
    assert (info.method, info.query, info.body) == ("GET", {"user": "U1"}, {"user": "U1"})


async def test_form_body_json_strings_are_parsed(slack) -> None:
    blocks = [section("from a form")]
    form = {"channel": "C1", "text": "x", "blocks": json.dumps(blocks)}
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        async with http.post(slack.url + "chat.postMessage", data=form) as r:
            assert (await r.json())["ok"]
    assert slack.api_calls("chat.postMessage") == [{"channel": "C1", "text": "x", "blocks": blocks}]
    assert slack.messages["C1"][0]["blocks"] == blocks


# -- signing and payloads ----------------------------------------------------------------------
def test_sign_matches_slacks_official_test_vector() -> None:
    text = VECTOR.read_text()
    body = text.split("raw body (application/x-www-form-urlencoded, a slash command):\n")[1].splitlines()[0]
    headers = sign(body, "8f742231b10e8888abcd99yyyzzz85a5", 1531420618)
    assert headers == {
        "X-Slack-Request-Timestamp": "1531420618",
        "X-Slack-Signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    }
    assert sign(body.encode(), "8f742231b10e8888abcd99yyyzzz85a5", 1531420618) == headers


def test_sign_passes_slack_sdks_verifier() -> None:
    body = slash_command_body("/offboard", "@jane", "U1", "alice", "C1", "1.2.a")
    headers = sign(body, "s3cret")
    verifier = SignatureVerifier("s3cret")
    assert verifier.is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    assert abs(int(headers["X-Slack-Request-Timestamp"]) - time.time()) < 5


def test_slash_command_body_is_slacks_form() -> None:
    fields = parse_qs(slash_command_body("/offboard", "jane doe", "U1", "alice", "C1", "1.2.a"))
    assert fields["command"] == ["/offboard"] and fields["text"] == ["jane doe"]
    assert fields["team_id"] == ["T0001"] and fields["trigger_id"] == ["1.2.a"]
    assert fields["response_url"][0].startswith("https://hooks.slack.com/commands/")


async def test_bolt_accepts_the_payloads(client) -> None:
    seen: dict[str, dict] = {}
    app = AsyncApp(client=client, signing_secret="s3cret")

    @app.command("/offboard")
    async def on_command(ack, command):
        await ack()
        seen["command"] = command

    @app.action("done_1")
    async def on_action(ack, body, action):
        await ack()
        seen["action"] = {**action, "container": body["container"], "user": body["user"]["id"]}

    @app.view("offboard_form")
    async def on_view(ack, view, body):
        await ack()
        seen["view"] = {**view, "user": body["user"]["id"]}

    bodies = [
        slash_command_body("/offboard", "jane", "U1", "alice", "C1", "1.2.a"),
        block_action_body("U1", "done_1", "task:1", "t1", "C1", "1700000000.000100"),
        view_submission_body(
            "U1", "offboard_form", {"b": {"a": {"type": "plain_text_input", "value": "x"}}}, "m"
        ),
    ]
    for body in bodies:
        headers = {"content-type": "application/x-www-form-urlencoded", **sign(body, "s3cret")}
        response = await app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
        assert response.status == 200, response.body
    assert seen["command"]["text"] == "jane" and seen["command"]["user_id"] == "U1"
    assert seen["action"]["value"] == "task:1" and seen["action"]["block_id"] == "t1"
    assert seen["action"]["container"] == {"type": "message", "message_ts": "1700000000.000100",
                                           "channel_id": "C1", "is_ephemeral": False}  # fmt: skip
    assert (
        seen["view"]["state"]["values"]["b"]["a"]["value"] == "x" and seen["view"]["private_metadata"] == "m"
    )


def test_block_action_from_a_view() -> None:
    payload = json.loads(parse_qs(block_action_body("U1", "pick", None, "b", view_id="V1"))["payload"][0])
    assert payload["container"] == {"type": "view", "view_id": "V1"} and payload["view"]["id"] == "V1"
    assert "channel" not in payload and "value" not in payload["actions"][0]
