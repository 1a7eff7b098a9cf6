"""Correctly signed but odd payloads the fuzzers found, pinned down one by one (SQLite and PostgreSQL).

tests/security/test_fuzz.py keeps these inputs out of its random draws so it stays about the rest.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from handlers import ids
from standins.slack_blocks import check_view
from standins.slack_driver import wait_for
from tests.flows import open_case, page_of
from tests.security.helpers import count_rows, open_form, submission

SQLITE_MAX = 2**63 - 1  # SQLite INTEGER
POSTGRES_MAX = 2**31 - 1  # cases.id is INTEGER (int4) on PostgreSQL
# For behaviour that cannot differ between databases and costs Bolt's 3-second ack timeout to show.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def org_config(cast):
    return cast.config(admins=[cast.manager])


async def _click_is_turned_away(bot, value: str) -> None:
    slack, cast = bot.slack, bot.cast
    case = await open_case(bot)
    items = [(i.key, i.status) for i in await bot.runtime.cases.items(case.id)]
    events = await count_rows(bot, "events")
    seen = len(slack.ephemeral)
    status, answer = await bot.driver.click(
        cast.hr, ids.ITEM_DONE, value, channel=case.channel_id, ts=page_of(case, "final-pay")
    )
    assert status == 200, (value, status, answer)
    await wait_for(lambda: len(slack.ephemeral) > seen, what="an answer to the click")
    shown = [e["text"] for e in slack.ephemeral[seen:]]
    assert all(t.startswith(":no_entry:") for t in shown), shown  # a refusal, not an apology for a crash
    assert [(i.key, i.status) for i in await bot.runtime.cases.items(case.id)] == items
    assert await count_rows(bot, "events") == events


@pytest.mark.parametrize("value", ["²|final-pay", "①|final-pay"])
async def test_click_value_with_a_digit_int_cannot_read(bot, value):
    await _click_is_turned_away(bot, value)


@pytest.mark.parametrize("case_id", [POSTGRES_MAX + 1, SQLITE_MAX + 1, 10**20])
async def test_click_value_with_a_case_id_beyond_the_column(bot, case_id):
    await _click_is_turned_away(bot, f"{case_id}|final-pay")


@SQLITE_ONLY
async def test_submission_whose_private_metadata_is_not_an_object(bot):
    cast = bot.cast
    view = await open_form(bot, cast.manager, cast.subject)
    forged = [
        (callback, meta)
        for callback, metas in (
            (ids.OFFBOARD_FORM, ("not json", "[1]", "null")),
            (ids.OFFBOARD_CONFIRM, ("[1]", "null")),
        )
        for meta in metas
    ]

    async def submit(callback: str, meta: str) -> tuple[str, str, int, object, float]:
        started = time.monotonic()
        body = submission({**view, "callback_id": callback, "private_metadata": meta}, cast.manager)
        status, answer = await bot.driver.post(body)
        return callback, meta, status, answer, time.monotonic() - started

    results = await asyncio.gather(*(submit(c, m) for c, m in forged))  # concurrently: each may take 3 s
    assert await count_rows(bot, "cases") == 0
    wrong = [
        r for r in results
        if not (r[2] == 200 and r[4] < 2.5 and isinstance(r[3], dict) and r[3].get("response_action") in ("errors", "update"))
    ]  # fmt: skip
    assert wrong == [], wrong


@SQLITE_ONLY
async def test_involuntary_confirmation_with_long_notes_is_a_view_slack_accepts(bot):
    cast = bot.cast
    notes = ["引き継ぎ資料は共有ドライブにあります。" * 30, "ü" * 600, "\n" * 1400]
    assert all(len(n) <= 2000 for n in notes)  # within the form's own max_length
    views = [await open_form(bot, cast.manager, cast.subject) for _ in notes]
    answers = await asyncio.gather(
        *(
            bot.driver.post(submission(v, cast.manager, {"reason": "involuntary", "notes": n}))
            for v, n in zip(views, notes, strict=True)
        )
    )
    wrong = [
        (repr(n[:10]), status, answer if status != 200 else check_view(answer["view"]))
        for n, (status, answer) in zip(notes, answers, strict=True)
        if status != 200 or answer.get("response_action") != "push" or check_view(answer["view"])
    ]
    assert wrong == [], wrong
