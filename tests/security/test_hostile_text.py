"""Hostile text from people and directories: names, notes and CSV cells full of Slack control sequences,
invisible and right-to-left characters, emoji, combining marks and 10,000-character strings.

Hypothesis draws the examples first (as in test_fuzz.py), then each test replays them against one bot
and scans everything the Slack stand-in received: no live mention or broadcast, valid channel names,
no crash. The explicit end-to-end case with a `<!channel>` name is in test_broadcast_name.py.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from hypothesis import strategies as st

from handlers.slack_workspace import MAX_CHANNEL_NAME, channel_slug
from standins.slack_driver import wait_for
from tests.bulk.conftest import check_batch, error_lines
from tests.security.helpers import CHANNEL_NAME, bot_mentions, draw, live_sequences, requested_channel_names

EXAMPLES = 25
DAY = "2026-12-04"
CONTROL = [
    "<!channel>", "<!here>", "<!everyone>", "<!channel|channel>", "<!subteam^SEVIL>", "<!subteam^SEVIL|@evil>",
    "<@UEVIL>", "<@UOLIVER>", "<@UOLIVER|oliver>", "<#CEVIL>", "<#CEVIL|general>", "<https://evil.example|click>",
    "<mailto:x@evil.example|mail>", "<!date^1^{date}|x>", "@channel", "@here", "@everyone", "&lt;!here&gt;",
    "&amp;", "&", "<", ">", "|", "*", "_", "~", "`", "```", ":", "^",
]  # fmt: skip
ODD = [
    "\u200b", "\u200d", "\u2060", "\ufeff", "\u202e", "\u202d", "\u2066", "\u2069", "\u200f", "😀",
    "👩\u200d👩\u200d👧", "🇺🇸", "e\u0301", "\u0301\u0301\u0301", "李小龍", "José", "محمد", "עברית", "\n", "\t",
    " ", "Jane", "O'Brien",
]  # fmt: skip
FRAGMENTS = st.sampled_from(CONTROL + ODD)
hostile = st.one_of(
    st.lists(st.one_of(FRAGMENTS, st.text(max_size=4)), min_size=1, max_size=30).map("".join),
    st.builds(lambda piece, n: (piece * n)[:10_000], FRAGMENTS, st.integers(300, 10_000)),
    st.text(min_size=1, max_size=120),
)


@pytest.fixture
def org_config(cast):
    return cast.config(admins=[cast.manager])


def assert_nothing_live(bot: Any, people: list[str] = ()) -> None:  # type: ignore[assignment]
    """`people`: further users the bot itself mentions (the subjects of these cases)."""
    allowed = bot_mentions(bot.cast, bot.slack) | {f"@{p}" for p in people}
    live = live_sequences(bot.slack, allowed)
    assert not live, live[:10]


async def offboard(bot: Any, subject: str, notes: str) -> Any:
    """/offboard <@subject> by the manager (an admin), the form submitted with `notes`; the case once
    its checklist is posted."""
    opened = len(bot.slack.views_opened)
    status, body = await bot.driver.command(bot.cast.manager, f"<@{subject}>")
    assert status == 200, body
    await wait_for(lambda: len(bot.slack.views_opened) > opened, what="views.open")
    view = bot.slack.views_opened[-1]
    status, body = await bot.driver.submit(bot.cast.manager, view, {"last_day": DAY, "notes": notes})
    assert status == 200 and not body, body

    async def posted() -> Any:
        case = await bot.runtime.cases.open_case_for(subject)
        return case if case and case.messages.get("checklist") else None

    return await wait_for(posted, limit=60, what=f"checklist of {subject}")


async def test_hostile_directory_names_and_notes(bot) -> None:
    examples = draw(st.tuples(hostile, hostile, st.booleans()), EXAMPLES)
    for n, (name, notes, as_handle) in enumerate(examples):
        subject = f"UHOST{n:04d}"
        # Slack's directory: the real name, or (when it is empty) the handle the bot falls back to.
        user = bot.slack.add_user(subject, "hostile", f"host{n}@example.com", real_name="x")
        user["real_name"] = user["profile"]["real_name"] = "" if as_handle else name
        user["profile"]["display_name"] = name
        if as_handle:
            user["name"] = name
        case = await offboard(bot, subject, notes[:2000])  # the form's notes field holds 2,000
        channel = bot.slack.channels[case.channel_id]["name"]
        slug = channel_slug(case.subject_name)
        assert re.fullmatch(rf"offboard-[a-z0-9_-]+-{DAY}(-[0-9a-f]+)?", channel), channel  # -2 … when taken
        assert (slug[:8] if slug else subject.lower()) in channel, (name[:80], channel)
    names = requested_channel_names(bot.slack)
    rooms = [c for c in bot.slack.channels.values() if c["name"].startswith("offboard-")]
    assert len(rooms) == len(examples) <= len(names)
    assert all(CHANNEL_NAME.fullmatch(c) and len(c) <= MAX_CHANNEL_NAME for c in names), names
    assert_nothing_live(bot, [f"UHOST{n:04d}" for n in range(len(examples))])


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["user", "last_day", "template", "reason", "options", "manager", "notes"])
    writer.writerows(rows)
    return out.getvalue()


async def test_hostile_csv_cells(bot) -> None:
    cells = st.lists(hostile, min_size=7, max_size=7)
    examples = draw(st.lists(cells, min_size=1, max_size=3), EXAMPLES)
    for rows in examples:
        text = csv_text(rows)
        view = await check_batch(bot, bot.cast.hr, text, upload=len(text) > 3000)
        assert error_lines(view), view  # every row is wrong somewhere: the problems are listed
    assert await bot.runtime.cases.open_case_for(bot.cast.subject) is None
    assert_nothing_live(bot)
