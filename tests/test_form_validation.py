"""Bad input gets a clear message inside the modal (or an ephemeral) and changes nothing."""

from __future__ import annotations

import pytest

from standins.slack_driver import wait_for
from tests.flows import open_case


@pytest.fixture
def org_config(cast):
    return cast.config(admins=[cast.manager])


async def submit_for(bot, subject_text: str, answers: dict, by: str | None = None):
    by = by or bot.cast.manager
    before = len(bot.slack.views_opened)
    status, body = await bot.driver.command(by, subject_text)
    assert status == 200, body
    await wait_for(lambda: len(bot.slack.views_opened) > before, what="views.open")
    return await bot.driver.submit(by, bot.slack.views_opened[-1], answers)


async def assert_nothing_happened(bot):
    assert bot.slack.api_calls("conversations.create") == []
    assert await bot.runtime.cases.open_cases() == []


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-11-20", "is in the past"),
        (
            "2026-11-26",
            "public holiday (Thanksgiving Day), not a working day. The working day before is Wed 25 Nov 2026",
        ),
        ("2026-11-28", "is Saturday, not a working day. The working day before is Fri 27 Nov 2026"),
    ],
)
async def test_bad_last_day(bot, day, expected):
    status, body = await submit_for(bot, f"<@{bot.cast.subject}|jane>", {"last_day": day})
    assert status == 200
    assert body["response_action"] == "errors"
    assert expected in body["errors"]["last_day"]
    await assert_nothing_happened(bot)


async def test_bot_user_refused(bot):
    _, body = await submit_for(bot, f"<@{bot.cast.other_bot}|helperbot>", {"last_day": "2026-12-04"})
    assert body["response_action"] == "errors"
    assert "is a bot" in body["errors"]["last_day"]
    await assert_nothing_happened(bot)


async def test_unknown_user_refused(bot):
    _, body = await submit_for(bot, "<@UNOBODY1|ghost>", {"last_day": "2026-12-04"})
    assert body["response_action"] == "errors"
    assert "Unknown person" in body["errors"]["last_day"]
    await assert_nothing_happened(bot)


async def test_deleted_user_refused(bot):
    bot.slack.add_user("UGONE", "gone", "gone@example.com", deleted=True)
    _, body = await submit_for(bot, "<@UGONE>", {"last_day": "2026-12-04"})
    assert body["response_action"] == "errors"
    await assert_nothing_happened(bot)


async def test_self_refused_at_command(bot):
    status, body = await bot.driver.command(bot.cast.manager, f"<@{bot.cast.manager}|maria>")
    assert status == 200 and "cannot offboard yourself" in body  # a plain-text reply is shown only to them
    assert bot.slack.views_opened == []


@pytest.mark.parametrize("text", ["", "jane", "<@UJANE> <@UCOLIN>", "<#C123|general>"])
async def test_usage_when_no_single_mention(bot, text):
    status, body = await bot.driver.command(bot.cast.manager, text)
    assert status == 200 and body.startswith("Usage: `/offboard @person`")
    assert bot.slack.views_opened == []


async def test_second_offboarding_of_same_person_refused(bot):
    case = await open_case(bot)
    _, body = await submit_for(bot, f"<@{bot.cast.subject}|jane>", {"last_day": "2026-12-07"})
    assert body["response_action"] == "errors"
    assert "already has an open offboarding" in body["errors"]["last_day"]
    assert len(bot.slack.api_calls("conversations.create")) == 1
    assert [c.id for c in await bot.runtime.cases.open_cases()] == [case.id]


async def test_delegate_required_when_mailbox_delegated(bot):
    _, body = await submit_for(
        bot, f"<@{bot.cast.subject}|jane>", {"last_day": "2026-12-04", "mailbox": "delegate"}
    )
    assert body["errors"] == {"mailbox_delegate": "Choose who gets access to the mailbox."}
    await assert_nothing_happened(bot)


async def test_mention_without_name_is_accepted(bot):
    before = len(bot.slack.views_opened)
    status, _ = await bot.driver.command(bot.cast.manager, f"<@{bot.cast.subject}>")
    assert status == 200
    await wait_for(lambda: len(bot.slack.views_opened) > before)
    assert bot.cast.subject in bot.slack.views_opened[-1]["private_metadata"]
