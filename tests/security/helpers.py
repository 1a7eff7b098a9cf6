"""Small steps shared by the security suites: counting rows, opening the form, reading the archive."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text

from standins.slack_driver import state_values, wait_for
from standins.slack_signing import view_submission_body

HASH_IN_ARCHIVE = re.compile(r"event (\d+), SHA-256 `([0-9a-f]{64})`")


async def count_rows(bot: Any, table: str) -> int:
    async with bot.runtime.db.engine.connect() as conn:
        return (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()


async def open_form(bot: Any, by: str, subject: str) -> dict[str, Any]:
    """`/offboard <@subject>` as `by`; the modal Slack was asked to open."""
    opened = len(bot.slack.views_opened)
    status, body = await bot.driver.command(by, f"<@{subject}>")
    assert status == 200 and not body, body
    await wait_for(lambda: len(bot.slack.views_opened) > opened, what="views.open")
    return bot.slack.views_opened[-1]


def submission(view: dict[str, Any], by: str, answers: dict[str, Any] | None = None) -> str:
    """The body Slack would send when `by` submits `view` with `answers` ({block_id: value})."""
    return view_submission_body(
        by,
        view["callback_id"],
        state_values(view, {"last_day": "2026-12-04", **(answers or {})}),
        private_metadata=view.get("private_metadata", ""),
        view_id=view["id"],
    )


def archive_hash(bot: Any) -> tuple[int, str]:
    """(event number, SHA-256) quoted in the archive post of the (only) closed case."""
    posts = bot.slack.messages[bot.cast.archive]
    assert posts, "nothing posted to the archive channel"
    found = HASH_IN_ARCHIVE.findall(str([p["blocks"] for p in posts]))
    assert len(found) == 1, found
    return int(found[0][0]), found[0][1]


def all_text_shown(slack: Any) -> str:
    """Everything the bot made visible in Slack: messages, ephemerals, modals, Home tabs."""
    parts: list[str] = []
    for msgs in slack.messages.values():
        parts += [str(m.get("text")) + str(m.get("blocks")) for m in msgs]
    parts += [str(e.get("text")) + str(e.get("blocks")) for e in slack.ephemeral]
    parts += [str(v) for v in slack.views.values()]
    parts += [str(v) for v in slack.views_opened]
    parts += [str(v) for v in slack.home_views.values()]
    return "\n".join(parts)
