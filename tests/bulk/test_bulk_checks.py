"""Every row is checked before anything starts; problems are listed by row, and nothing changes."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.cases.models import Batch
from tests.bulk.conftest import check_batch, csv_of, error_lines, open_bulk_form, submit_and_wait


async def nothing_started(bot) -> None:
    assert bot.slack.api_calls("conversations.create") == []
    assert await bot.runtime.cases.open_cases() == []
    async with bot.runtime.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Batch)) == 0


async def test_every_bad_row_is_named_and_nothing_starts(bot, leavers):
    cast = bot.cast
    rows = [
        f"{leavers[0]},2026-12-04,employee,voluntary,",  # row 2: fine
        "nobody@example.com,2026-12-04,employee,voluntary,",
        f"{leavers[1]},2026-12-05,employee,voluntary,",  # a Saturday
        f"{leavers[2]},2026-12-04,janitor,voluntary,",
        f"{leavers[0]},2026-12-04,employee,voluntary,",  # twice
        f"{cast.other_bot},2026-12-04,employee,voluntary,",
        f"{cast.hr},2026-12-04,employee,voluntary,",  # the person starting the batch
        f"{leavers[3]},2026-11-20,employee,voluntary,",
        f"{leavers[4]},2026-12-04,employee,fired,",
        f"{leavers[5]},04/12/2026,employee,voluntary,mailbox=delegate:nobody",
    ]
    view = await check_batch(bot, cast.hr, csv_of(rows))
    assert error_lines(view) == [
        "Row 3, user: no Slack user nobody@example.com",
        "Row 4, last_day: Sat 05 Dec 2026 is Saturday, not a working day. The working day before is Fri 04 Dec 2026.",
        "Row 5, template: unknown template 'janitor' (known: contractor, employee, involuntary)",
        "Row 6, user: Person Number0001 is also on row 2",
        "Row 7, user: Helper Bot is a bot, not a person.",
        "Row 8, user: You cannot offboard yourself.",
        "Row 9, last_day: Fri 20 Nov 2026 is in the past (Person Number0004's time zone).",
        "Row 10, reason: must be voluntary or involuntary; got 'fired'",
        "Row 11, last_day: '04/12/2026' is not a date like 2026-12-04",
        "Row 11, options: mailbox=delegate:<who> needs a Slack user id or an email",
    ]
    assert "10 problem(s)" in str(view["blocks"])
    # The pasted text comes back, to be fixed in place.
    text_input = next(b for b in view["blocks"] if b.get("block_id") == "csv_text")
    assert text_input["element"]["initial_value"].startswith("user,last_day")
    await nothing_started(bot)


async def test_only_hr_or_an_admin_may_start_a_batch(bot, leavers):
    cast = bot.cast
    status, body = await bot.driver.command(cast.manager, "", command="/offboard-bulk")
    assert status == 200 and not body

    def refused():
        return [e for e in bot.slack.ephemeral if e["user"] == cast.manager]

    from standins.slack_driver import wait_for

    said = await wait_for(refused, what="the refusal")
    assert "Only HR or an offboarding admin can start a batch offboarding." in said[0]["text"]
    assert bot.slack.views_opened == []
    await nothing_started(bot)


async def test_an_empty_submission_asks_for_the_csv(bot, leavers):
    form = await open_bulk_form(bot, bot.cast.hr)
    status, body = await bot.driver.submit(bot.cast.hr, form, {})
    assert status == 200
    assert body == {
        "response_action": "errors",
        "errors": {"csv_text": "Paste the CSV here, or upload a file below."},
    }
    await nothing_started(bot)


async def test_a_file_slack_will_not_hand_over_is_explained(bot, leavers):
    cast = bot.cast
    form = await open_bulk_form(bot, cast.hr)
    file = bot.slack.add_file(cast.hr, "layoff.csv", b"user,last_day,template,reason\n")
    bot.slack.file_scope = False  # the app lacks files:read: Slack serves its sign-in page
    view = await submit_and_wait(bot, cast.hr, form, {"csv_file": [file]})
    assert error_lines(view) == ["Slack did not hand over the file (the app needs the files:read scope)."]
    await nothing_started(bot)
