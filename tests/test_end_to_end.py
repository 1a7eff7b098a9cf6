"""The whole slice through Slack's HTTP layer: command → modal → channel → checklist → archive."""

from __future__ import annotations

import pytest

from bot.checklist.models import DONE
from standins.slack_driver import wait_for
from tests.flows import click_item, complete_all, open_case


@pytest.fixture
def org_config(cast):
    # No identity system is configured here, so the manager is named an admin to be allowed to start.
    return cast.config(admins=[cast.manager])


async def test_offboarding_end_to_end(bot):
    slack, cast = bot.slack, bot.cast
    case = await open_case(bot, {"mailbox": "shared", "backup_data": "yes"})

    # The room: a private channel named by Slack's rules, the right people, never the departing person.
    channel = slack.channels[case.channel_id]
    assert channel["name"] == "offboard-jane-doe-2026-12-04"
    assert channel["is_private"] is True
    assert {cast.manager, cast.hr, cast.it, cast.security} <= channel["members"]
    assert cast.subject not in channel["members"]
    invites = slack.api_calls("conversations.invite")
    assert all(cast.subject not in call["users"] for call in invites)
    topic = slack.api_calls("conversations.setTopic")[-1]
    assert "Jane Doe" in topic["topic"] and "2026-12-04" in topic["topic"]

    # The case in the database: cutoff at 17:00 in Jane's zone (Los Angeles, UTC-8 in December).
    assert case.status == "open"
    assert case.cutoff_at.isoformat() == "2026-12-05T01:00:00+00:00"
    items = await bot.runtime.cases.items(case.id)
    keys = {i.key for i in items}
    assert {"final-pay", "mailbox-shared", "data-backup", "badge"} <= keys
    assert "mailbox-delegate" not in keys and "phone-forward" not in keys
    assert not any(i.kind == "revocation" for i in items)  # no identity system configured here

    # The checklist message groups items by role and shows progress.
    first = slack.messages[case.channel_id][0]
    assert any(
        b.get("block_id") == "progress" and f"0/{len(items)} done" in b["text"]["text"]
        for b in first["blocks"]
    )
    # The cutoff in each reader's own time (Slack date formatting) and a countdown as of the update.
    assert "<!date^1796432400^{date_short_pretty} at {time}|2026-12-05 01:00 UTC> (in 9 days 10 h)" in str(
        first["blocks"]
    )
    role_headers = [b["block_id"] for b in first["blocks"] if b.get("block_id", "").startswith("role:")]
    assert role_headers[0] == "role:hr"

    # Every item clicked by its role; the message is updated in place.
    await complete_all(bot, case)
    # The message is updated after the item is saved: wait for the last click's update to land.
    await wait_for(lambda: len(slack.api_calls("chat.update")) >= len(items), what="an update per click")
    updates = slack.api_calls("chat.update")
    assert all(call["channel"] == case.channel_id for call in updates)

    # Closed: archive post with who and when, channel archived, case closed, chain intact.
    await wait_for(lambda: slack.channels[case.channel_id]["is_archived"], what="channel archived")
    closed = await bot.runtime.cases.get(case.id)
    assert closed.status == "closed" and closed.open_subject is None
    archive = slack.messages[cast.archive]
    assert archive, "nothing posted to the archive channel"
    text = str(archive[0]["blocks"])
    assert "Final pay confirmed" in text and f"<@{cast.hr}>" in text
    assert "2026-11-25T15:00:00Z" in text  # UTC ISO time of each completion
    events = await bot.runtime.evidence.events(case.id)
    assert events[-1].kind == "archive.posted"
    assert await bot.runtime.evidence.verify(case.id) == {case.id: []}
    done_items = await bot.runtime.cases.items(case.id)
    assert all(i.status == DONE and i.done_at is not None for i in done_items)


async def test_wrong_role_click_is_refused_and_changes_nothing(bot):
    slack, cast = bot.slack, bot.cast
    case = await open_case(bot)
    updates_before = len(slack.api_calls("chat.update"))
    status, _ = await click_item(bot, case, "final-pay", cast.it)  # an HR item, clicked by IT
    assert status == 200
    await wait_for(lambda: slack.ephemeral, what="ephemeral refusal")
    refusal = slack.ephemeral[-1]
    assert refusal["user"] == cast.it and "Only HR can do this" in refusal["text"]
    item = await bot.runtime.checklist.item(case.id, "final-pay")
    assert item.status == "open" and item.done_by is None
    assert len(slack.api_calls("chat.update")) == updates_before
    kinds = [e.kind for e in await bot.runtime.evidence.events(case.id)]
    assert "refused" in kinds


async def test_double_click_marks_once(bot):
    case = await open_case(bot)
    for _ in range(3):
        await click_item(bot, case, "final-pay", bot.cast.hr)

    async def done():
        return (await bot.runtime.checklist.item(case.id, "final-pay")).status == DONE

    await wait_for(done)
    await wait_for(lambda: any("already done" in e["text"] for e in bot.slack.ephemeral), what="already done")
    events = [e for e in await bot.runtime.evidence.events(case.id) if e.kind == "item.done"]
    assert len(events) == 1


async def test_name_taken_picks_another_valid_name(bot):
    bot.slack.add_channel("CTAKEN", "offboard-jane-doe-2026-12-04", is_private=True)
    case = await open_case(bot)
    name = bot.slack.channels[case.channel_id]["name"]
    assert name == "offboard-jane-doe-2026-12-04-2"
    attempts = [c["name"] for c in bot.slack.api_calls("conversations.create")]
    assert attempts == ["offboard-jane-doe-2026-12-04", "offboard-jane-doe-2026-12-04-2"]


async def test_healthz(bot):
    async with bot.driver.session.get(bot.url + "/healthz") as resp:
        assert resp.status == 200
