"""Small steps shared by the security suites: counting rows, opening the form, reading the archive."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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


# -- what Slack would make live -------------------------------------------------------------------

TOKEN = re.compile(r"<([^<>]*)>")
BARE_BROADCAST = re.compile(r"(?<![\w.@])@(channel|here|everyone)\b", re.IGNORECASE)
SHOWN_ARGS = ("text", "topic", "purpose", "title")
BLOCK_ARGS = ("blocks", "view", "attachments")
CHANNEL_NAME = re.compile(r"[a-z0-9_-]{1,80}")


def _text_objects(node: Any) -> list[str]:
    if isinstance(node, list):
        return [t for n in node for t in _text_objects(n)]
    if not isinstance(node, dict):
        return []
    found = [t for v in node.values() for t in _text_objects(v)]
    if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
        found.append(node["text"])
    return found


def shown_texts(slack: Any) -> list[tuple[str, str]]:
    """(method, text) for every text any call to the stand-in asked Slack to show: message and
    ephemeral `text`, every text object in blocks, modals and Home tabs, topics, purposes, bookmarks."""
    shown: list[tuple[str, str]] = []
    for call in slack.requests:
        method = call.path.rsplit("/", 1)[-1]
        params = call.body if isinstance(call.body, dict) else {}
        shown += [(method, params[k]) for k in SHOWN_ARGS if isinstance(params.get(k), str)]
        shown += [(method, t) for k in BLOCK_ARGS for t in _text_objects(params.get(k))]
    return shown


def live_sequences(slack: Any, allowed: set[str]) -> list[tuple[str, str]]:
    """Every control sequence Slack would act on that is not one of `allowed` (the bot's own
    mentions: "@U…", "!subteam^S…", "#C…"), and every bare @channel/@here/@everyone. Dates pass."""
    found: list[tuple[str, str]] = []
    for method, shown in shown_texts(slack):
        for m in TOKEN.finditer(shown):
            inner = m.group(1)
            if inner.startswith("!date^") or inner in allowed:
                continue
            found.append((method, m.group()))
        found += [(method, m.group()) for m in BARE_BROADCAST.finditer(shown)]
    return found


def bot_mentions(cast: Any, slack: Any) -> set[str]:
    """The sequences the bot may write itself: people in a case, role groups, channels it created."""
    people = [cast.manager, cast.hr, cast.it, cast.security, cast.subject, cast.colleague]
    groups = [cast.hr_group, cast.it_group, cast.security_group]
    return {f"@{p}" for p in people} | {f"!subteam^{g}" for g in groups} | {f"#{c}" for c in slack.channels}


def requested_channel_names(slack: Any) -> list[str]:
    """Every name the bot asked conversations.create for, taken ones included (Slack answers those
    with HTTP 200 and `name_taken`)."""
    return [
        str(call.body.get("name")) for call in slack.requests if call.path.endswith("/conversations.create")
    ]


def draw(strategy: st.SearchStrategy, n: int) -> list[Any]:
    """Let Hypothesis generate `n` examples and keep them, to replay against one bot afterwards."""
    examples: list[Any] = []

    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(strategy)
    def collect(example: Any) -> None:
        examples.append(example)

    collect()
    return examples
