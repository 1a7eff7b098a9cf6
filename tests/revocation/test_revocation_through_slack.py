"""Revocation from the case thread, through signed Slack requests, against the Okta and Graph stand-ins."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from bot.checklist.models import DONE
from handlers import ids
from handlers.metadata import Sealer
from handlers.render.form import offboard_form
from standins.slack_driver import wait_for
from tests.conftest import SIGNING_SECRET
from tests.flows import click_revocation, open_case, step_settled
from tests.revocation.conftest import writes

OKTA_STEPS = [
    "okta.suspend",
    "okta.clear_sessions",
    "okta.revoke_grants",
    "okta.reset_factors",
    "okta.remove_groups",
]


async def revocation_items(bot, case):
    return [i for i in await bot.runtime.cases.items(case.id) if i.kind == "revocation"]


async def test_manager_from_graph_may_start_and_steps_are_on_the_checklist(bot, directory):
    case = await open_case(bot)  # Maria is Jane's manager in Microsoft Graph; she is no admin
    keys = [i.key for i in await revocation_items(bot, case)]
    assert keys[:5] == OKTA_STEPS
    assert {
        "graph.block_sign_in",
        "graph.revoke_sessions",
        "graph.remove_licenses",
        "graph.retire_devices",
    } <= set(keys)
    panel = bot.slack.messages[case.channel_id]
    thread = [m for m in panel if m.get("thread_ts") == case.messages["checklist"][0]["ts"]]
    assert thread, "no Access revocation thread"
    text = str(thread[0]["blocks"])
    assert "Access revocation" in text and "Revoke all" in text and "Preview" in text
    buttons = [b["accessory"] for b in thread[0]["blocks"] if b.get("accessory")]
    assert all("confirm" in b for b in buttons)


async def test_each_step_by_click(bot, okta, graph, directory):
    case = await open_case(bot)
    for item in await revocation_items(bot, case):
        await click_revocation(bot, case, ids.REVOKE_STEP, item.key, bot.cast.it)
        done = await step_settled(bot, case.id, item.key)
        assert done.status == DONE, (item.key, done.detail)
        assert done.done_by == bot.cast.it and done.result["request_ids"], item.key
    state = okta.user_state(directory.okta_user)
    assert state["status"] == "SUSPENDED"
    assert state["grants"] == [] and state["factors"] == [] and state["sessions"] == 0
    assert state["oauth_tokens_revoked"] is True and state["groups"] == ["Everyone"]
    assert graph.users[directory.graph_user].enabled is False
    assert okta.spec_violations == [] and graph.spec_violations == []
    events = [e for e in await bot.runtime.evidence.events(case.id) if e.kind == "step.done"]
    assert len(events) == len(await revocation_items(bot, case))
    assert any("request_ids" in e.data for e in events)

    def result_posted():
        replies = [m for m in bot.slack.messages[case.channel_id] if m.get("thread_ts")]
        return any(
            ":white_check_mark:" in str(m["blocks"]) and "request id" in str(m["blocks"]) for m in replies
        )

    await wait_for(result_posted, what="a result with its request id")


async def test_revoke_all_once_per_step(bot, okta, graph, directory):
    case = await open_case(bot)
    await click_revocation(bot, case, ids.REVOKE_ALL, "*", bot.cast.security)
    for item in await revocation_items(bot, case):
        assert (await step_settled(bot, case.id, item.key)).status == DONE
    assert len(okta.calls("POST", r"/lifecycle/suspend$")) == 1
    assert len(graph.calls("POST", r"/revokeSignInSessions$")) == 1
    assert len(graph.calls("POST", r"/retire$")) == 1


async def test_preview_sends_nothing(bot, okta, graph, directory):
    case = await open_case(bot)
    okta_writes, graph_writes = len(writes(okta)), len(writes(graph))
    await click_revocation(bot, case, ids.REVOKE_PREVIEW, "*", bot.cast.it)

    def previews():
        return [
            m
            for m in bot.slack.messages[case.channel_id]
            if m.get("text") == "Revocation preview (nothing sent)"
        ]

    await wait_for(previews, what="preview posted")
    preview = str(previews()[0]["blocks"])
    assert f"POST /api/v1/users/{directory.okta_user}/lifecycle/suspend" in preview
    assert f"/users/{directory.graph_user}/revokeSignInSessions" in preview
    assert len(writes(okta)) == okta_writes and len(writes(graph)) == graph_writes
    assert all(i.status == "open" for i in await revocation_items(bot, case))


@pytest.fixture
def org_config(cast):
    return cast.config(admins=[])


async def test_429_then_success_ends_done(bot, okta, directory):
    case = await open_case(bot)
    okta.inject(r"POST .*/lifecycle/suspend", 429)
    await click_revocation(bot, case, ids.REVOKE_STEP, "okta.suspend", bot.cast.it)
    done = await step_settled(bot, case.id, "okta.suspend")
    assert done.status == DONE
    assert [r.status for r in okta.calls("POST", "/lifecycle/suspend")] == [429, 200]


async def test_403_fails_with_retry_then_retry_succeeds(bot, okta, directory):
    case = await open_case(bot)
    okta.inject(r"POST .*/lifecycle/suspend", 403, times=-1)
    await click_revocation(bot, case, ids.REVOKE_STEP, "okta.suspend", bot.cast.it)
    failed = await step_settled(bot, case.id, "okta.suspend")
    assert failed.status == "failed" and "403" in failed.detail
    assert len(okta.calls("POST", "/lifecycle/suspend")) == 1  # a permanent 4xx is not retried

    def retry_offered():
        replies = [m for m in bot.slack.messages[case.channel_id] if m.get("thread_ts")]
        return any(":x:" in str(m["blocks"]) and ids.REVOKE_RETRY in str(m["blocks"]) for m in replies)

    await wait_for(retry_offered, what="a failed result with Retry")
    okta.clear_faults()
    await click_revocation(bot, case, ids.REVOKE_RETRY, "okta.suspend", bot.cast.it)

    async def fixed():
        return (await bot.runtime.checklist.item(case.id, "okta.suspend")).status == DONE

    await wait_for(fixed, what="retry succeeded")
    assert okta.user_state(directory.okta_user)["status"] == "SUSPENDED"


async def test_twenty_concurrent_clicks_make_one_call(bot, okta, directory):
    case = await open_case(bot)
    await asyncio.gather(
        *(click_revocation(bot, case, ids.REVOKE_STEP, "okta.suspend", bot.cast.it) for _ in range(20))
    )
    await step_settled(bot, case.id, "okta.suspend")
    await asyncio.sleep(0.3)  # let any late duplicate show itself
    assert len(okta.calls("POST", "/lifecycle/suspend")) == 1
    assert len([e for e in await bot.runtime.evidence.events(case.id) if e.kind == "step.done"]) == 1


async def test_wrong_role_makes_no_call(bot, okta, graph, directory):
    case = await open_case(bot)
    before = (len(writes(okta)), len(writes(graph)))
    await click_revocation(bot, case, ids.REVOKE_ALL, "*", bot.cast.hr)
    await wait_for(lambda: bot.slack.ephemeral, what="refusal")
    assert "Only IT or Security" in bot.slack.ephemeral[-1]["text"]
    assert (len(writes(okta)), len(writes(graph))) == before
    assert all(i.status == "open" for i in await revocation_items(bot, case))


async def test_unknown_okta_user_is_not_done(bot, okta, directory):
    okta.org.users[directory.okta_user].profile.update(
        login="someone@example.com", email="someone@example.com"
    )
    case = await open_case(bot)
    await click_revocation(bot, case, ids.REVOKE_STEP, "okta.suspend", bot.cast.it)
    failed = await step_settled(bot, case.id, "okta.suspend")
    assert failed.status == "failed" and failed.detail == "no Okta user with login jane@example.com"


async def test_outsider_may_not_start(bot, directory):
    # Refused before any form opens (after the ack: the check reads the directories).
    await bot.driver.command(bot.cast.outsider, f"<@{bot.cast.subject}|jane>")
    await wait_for(lambda: bot.slack.ephemeral, what="refusal")
    assert "Only HR, the person's manager" in bot.slack.ephemeral[-1]["text"]
    assert bot.slack.ephemeral[-1]["user"] == bot.cast.outsider
    assert bot.slack.views_opened == []
    # And a genuine form in an outsider's hands (sealed for them) still starts nothing.
    view = {**offboard_form(bot.cast.subject, "CGENERAL", bot.runtime.templates, date(2026, 11, 25)), "id": "V9"}
    view = Sealer(SIGNING_SECRET).seal(view, bot.cast.outsider)
    await bot.driver.submit(bot.cast.outsider, view, {"last_day": "2026-12-04"})
    await wait_for(lambda: bot.slack.messages.get("D" + bot.cast.outsider), what="refusal by message")
    assert "Only HR, the person's manager" in bot.slack.messages["D" + bot.cast.outsider][-1]["text"]
    assert bot.slack.api_calls("conversations.create") == []
    assert await bot.runtime.cases.open_case_for(bot.cast.subject) is None
