"""No secret in any log line, any message posted to Slack, or the exported record.

Everything is captured at DEBUG, from every logger (including ones that do not propagate), from before
the bot starts until it stops: a full case, a refused click, an error the bot has to apologise for,
a forged request, the archive, and the export in all three formats.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.evidence.export import render_export
from handlers import ids
from standins.slack_driver import wait_for
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.flows import click_item, complete_all, open_case, page_of
from tests.security.helpers import all_text_shown


@pytest.fixture
def org_config(cast):
    return cast.config(admins=[cast.manager])


class Everything(logging.Handler):
    """Keeps each record fully formatted: message, arguments, traceback and stack."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record) + " " + repr(record.args) + " " + repr(record.__dict__))
        except Exception as e:  # a record that cannot be formatted is still evidence
            self.lines.append(f"<unformattable {record.name}: {type(e).__name__}> {record.msg!r}")


@pytest.fixture(autouse=True)
def all_logs(caplog) -> Iterator[Everything]:
    """Autouse, so it is in place before the `bot` fixture starts the server."""
    caplog.set_level(logging.DEBUG)
    handler = Everything()
    root = logging.getLogger()
    loggers = [root] + [
        lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    saved = [(lg, lg.level, lg.disabled) for lg in loggers]
    for lg in loggers:
        lg.disabled = False
        if lg is not root:
            lg.setLevel(logging.NOTSET)  # inherit DEBUG from the root
        if lg is root or not lg.propagate:
            lg.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        for lg, level, disabled in saved:
            lg.setLevel(level)
            lg.disabled = disabled
            lg.removeHandler(handler)


def secret_values(bot: Any) -> list[str]:
    values = {SIGNING_SECRET, BOT_TOKEN, *bot.runtime.settings.secrets()}
    assert SIGNING_SECRET in bot.runtime.settings.secrets() and BOT_TOKEN in bot.runtime.settings.secrets()
    return sorted(values)


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in text]


async def test_no_secret_in_logs_messages_or_export(bot, all_logs, caplog):
    slack, cast = bot.slack, bot.cast
    case = await open_case(bot, {"mailbox": "shared", "backup_data": "yes", "notes": "hand over the keys"})

    # A refused click (IT on an HR item).
    await click_item(bot, case, "final-pay", cast.it)
    await wait_for(lambda: any(e["user"] == cast.it for e in slack.ephemeral), what="refusal")
    # Slack failing under the bot, so it logs an error with its traceback and apologises.
    apologies = len([e for e in slack.ephemeral if "Something went wrong" in (e["text"] or "")])
    slack.inject(r"/api/chat\.update$", 500, times=6)
    await bot.driver.click(
        cast.hr,
        ids.ITEM_DONE,
        ids.item_value(case.id, "leave-payout"),
        channel=case.channel_id,
        ts=page_of(case, "leave-payout"),
    )
    await wait_for(
        lambda: len([e for e in slack.ephemeral if "Something went wrong" in (e["text"] or "")]) > apologies,
        what="apology",
    )
    # A forged request (wrong signing secret): Bolt logs what it refused.
    status, _ = await bot.driver.post(
        "command=%2Foffboard&text=x", headers={"X-Slack-Signature": "v0=00"}, signed=False
    )
    assert status == 401

    await complete_all(bot, case)
    await wait_for(lambda: slack.channels[case.channel_id]["is_archived"], what="channel archived")
    exports = {fmt: await render_export(bot.runtime.db, case.id, fmt) for fmt in ("json", "md", "csv")}
    assert json.loads(exports["json"])["case"]["status"] == "closed"

    secrets = secret_values(bot)
    logged = "\n".join(all_logs.lines) + "\n" + caplog.text
    assert len(all_logs.lines) > 50, "the log capture saw almost nothing"
    assert "slack_sdk" in logged  # the Web API client's own debug lines were captured too
    assert leaks(logged, secrets) == [], "a secret was written to the log"

    # What reached Slack, minus the request headers (the Authorization header is Slack's side).
    sent = "\n".join(
        json.dumps({"path": r.path, "query": r.query, "body": r.body}, default=str) for r in slack.requests
    )
    assert any(r.path == "/api/chat.postMessage" for r in slack.requests)
    assert leaks(sent, secrets) == [], "a secret was sent to Slack in a request body"
    assert leaks(all_text_shown(slack), secrets) == [], "a secret is shown in Slack"
    for fmt, out in exports.items():
        assert leaks(out, secrets) == [], f"a secret is in the {fmt} export"
