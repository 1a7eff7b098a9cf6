"""A workspace with people leaving together, and helpers to drive /offboard-bulk through Slack."""

from __future__ import annotations

import html
from typing import Any

import pytest

from handlers import ids
from standins.cast import seed_departures
from standins.slack_driver import wait_for


@pytest.fixture
def leavers(slack, cast) -> list[str]:
    return seed_departures(slack, None, None, 6, cast)


def csv_of(rows: list[str], header: str = "user,last_day,template,reason,options") -> str:
    return "\n".join([header, *rows]) + "\n"


async def open_bulk_form(bot: Any, by: str) -> dict[str, Any]:
    before = len(bot.slack.views_opened)
    status, body = await bot.driver.command(by, "", command="/offboard-bulk")
    assert status == 200 and not body, body
    await wait_for(lambda: len(bot.slack.views_opened) > before, what="views.open")
    return bot.slack.views_opened[-1]


async def submit_and_wait(bot: Any, by: str, view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """Submit a bulk view; the ack shows "checking", then the result replaces it: return that view."""
    shown = bot.slack.views[view["id"]]["hash"]
    status, body = await bot.driver.submit(by, view, answers)
    assert status == 200, body
    assert body["response_action"] == "update" and "Checking" in str(body["view"]), body

    def replaced() -> dict[str, Any] | None:
        current = bot.slack.views[view["id"]]
        return current if current["hash"] != shown else None

    return await wait_for(replaced, limit=60, what="the checked view")


async def check_batch(bot: Any, by: str, csv_text: str, *, upload: bool = False) -> dict[str, Any]:
    form = await open_bulk_form(bot, by)
    if upload:
        file = bot.slack.add_file(by, "layoff.csv", csv_text.encode())
        return await submit_and_wait(bot, by, form, {"csv_file": [file]})
    return await submit_and_wait(bot, by, form, {"csv_text": csv_text})


def error_lines(view: dict[str, Any]) -> list[str]:
    assert view["callback_id"] == ids.BULK_FORM, view
    text = "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    # As the reader sees them: Slack shows &lt; as <.
    return [html.unescape(line[2:]) for line in text.splitlines() if line.startswith("• ")]
