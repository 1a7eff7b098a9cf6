"""App Home: each viewer sees the cases, cutoffs and overdue items that are theirs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from standins.slack_driver import wait_for
from tests.flows import open_case


@pytest.fixture
def org_config(cast):
    return cast.config(admins=[cast.manager])


async def home_of(bot, user: str) -> str:
    before = len([r for r in bot.slack.requests if r.path == "/api/views.publish"])
    status, _ = await bot.driver.event(
        {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D1"}
    )
    assert status == 200
    await wait_for(lambda: len(bot.slack.api_calls("views.publish")) > before, what="views.publish")
    call = bot.slack.api_calls("views.publish")[-1]
    assert call["user_id"] == user
    return str(call["view"]["blocks"])


async def test_home_for_each_role(bot):
    case = await open_case(bot)
    for user in (bot.cast.hr, bot.cast.it, bot.cast.security, bot.cast.manager):
        text = await home_of(bot, user)
        assert "Jane Doe" in text and f"<#{case.channel_id}>" in text
        assert "Nothing overdue." in text
    outsider = await home_of(bot, bot.cast.outsider)
    assert "Jane Doe" not in outsider and "No open offboardings." in outsider
    subject = await home_of(bot, bot.cast.subject)
    assert "Jane Doe" not in subject  # the departing person never sees their own case


async def test_upcoming_cutoff_and_overdue_items(bot):
    await open_case(bot)
    text = await home_of(bot, bot.cast.hr)
    upcoming = text.split("Cutoffs in the next 14 days")[1].split("Overdue items")[0]
    assert "Jane Doe" in upcoming
    bot.clock.advance(timedelta(days=8))  # past the last day: HR items are overdue
    hr = await home_of(bot, bot.cast.hr)
    overdue = hr.split("Overdue items you own")[1]
    assert "Final pay confirmed with payroll" in overdue
    assert "Knowledge transfer done" not in overdue  # a manager item
    manager = (await home_of(bot, bot.cast.manager)).split("Overdue items you own")[1]
    assert "Knowledge transfer done" in manager and "Final pay" not in manager
