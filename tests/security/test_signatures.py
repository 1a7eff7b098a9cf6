"""Slack's request signing: what Slack did not sign (or signed for another body or time) runs nothing.

Every forged request here carries something that *would* act if it ran: `/offboard <@jane>` (which opens
a modal) and a valid form submission (which opens a case and a channel). "Runs nothing" is checked
where it shows: no Slack Web API call at all reached the stand-in, and no row was written.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import date

import pytest

from bot.cases.requests import OffboardRequest
from bot.checklist.models import DONE
from handlers import ids
from handlers.form import start
from standins.slack_driver import wait_for
from standins.slack_signing import block_action_body, sign, slash_command_body
from tests.conftest import SIGNING_SECRET
from tests.flows import open_case, page_of
from tests.security.helpers import count_rows, open_form, submission

FIVE_MINUTES = 5 * 60


@pytest.fixture
def org_config(cast):
    return cast.config(admins=[cast.manager])


def _no_headers(body: str) -> tuple[str, dict[str, str]]:
    return body, {}


def _wrong_secret(body: str) -> tuple[str, dict[str, str]]:
    return body, sign(body, "not-the-signing-secret")


def _forged_digest(body: str) -> tuple[str, dict[str, str]]:
    headers = sign(body, SIGNING_SECRET)
    digest = headers["X-Slack-Signature"]
    headers["X-Slack-Signature"] = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    return body, headers


def _stale(body: str) -> tuple[str, dict[str, str]]:
    # Correctly signed, but with a timestamp six minutes old: outside Slack's five-minute window.
    return body, sign(body, SIGNING_SECRET, int(time.time()) - FIVE_MINUTES - 60)


def _from_the_future(body: str) -> tuple[str, dict[str, str]]:
    return body, sign(body, SIGNING_SECRET, int(time.time()) + FIVE_MINUTES + 60)


def _altered(body: str) -> tuple[str, dict[str, str]]:
    headers = sign(body, SIGNING_SECRET)
    altered = body.replace("UJANE", "UCOLIN")
    assert altered != body
    return altered, headers


def _signature_without_timestamp(body: str) -> tuple[str, dict[str, str]]:
    headers = sign(body, SIGNING_SECRET)
    del headers["X-Slack-Request-Timestamp"]
    return body, headers


def _no_version_prefix(body: str) -> tuple[str, dict[str, str]]:
    headers = sign(body, SIGNING_SECRET)
    headers["X-Slack-Signature"] = headers["X-Slack-Signature"].removeprefix("v0=")
    return body, headers


ATTACKS: dict[str, Callable[[str], tuple[str, dict[str, str]]]] = {
    "no-signature-headers": _no_headers,
    "wrong-secret": _wrong_secret,
    "forged-digest": _forged_digest,
    "timestamp-6-minutes-old": _stale,
    "timestamp-6-minutes-ahead": _from_the_future,
    "body-altered-after-signing": _altered,
    "signature-without-timestamp": _signature_without_timestamp,
    "digest-without-v0-prefix": _no_version_prefix,
}


async def _forged_requests_run_nothing(bot, attack: Callable[[str], tuple[str, dict[str, str]]]) -> None:
    slack, cast = bot.slack, bot.cast
    view = await open_form(bot, cast.manager, cast.subject)  # a genuine modal, to forge its submission
    bodies = {
        "command": slash_command_body(
            "/offboard", f"<@{cast.subject}|jane>", cast.manager, "maria", cast.general
        ),
        "submission": submission(view, cast.manager),
    }
    await asyncio.sleep(0.05)
    calls_before = len(slack.requests)
    for kind, genuine in bodies.items():
        body, headers = attack(genuine)
        status, answer = await bot.driver.post(body, headers=headers, signed=False)
        assert status == 401, (kind, status, answer)
    await asyncio.sleep(0.2)  # listeners run after the HTTP answer: give anything that started time to show
    made = [(r.method, r.path) for r in slack.requests[calls_before:]]
    assert made == [], f"forged requests made Slack Web API calls: {made}"
    assert await count_rows(bot, "cases") == 0
    assert await count_rows(bot, "events") == 0


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
async def test_unsigned_or_mis_signed_requests_are_refused_and_run_nothing(bot, attack):
    await _forged_requests_run_nothing(bot, ATTACKS[attack])


@pytest.mark.parametrize("timestamp", ["abc", ""])
async def test_malformed_timestamp_is_refused_and_runs_nothing(bot, timestamp):
    def malformed(body: str) -> tuple[str, dict[str, str]]:
        return body, {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + "0" * 64}

    await _forged_requests_run_nothing(bot, malformed)


@pytest.mark.parametrize("timing", ["sequential", "concurrent"])
async def test_replayed_form_submission_opens_one_case_and_one_channel(bot, timing):
    """A signed body replayed inside the 5-minute window passes Slack's scheme; it must not act twice."""
    slack, cast = bot.slack, bot.cast
    view = await open_form(bot, cast.manager, cast.subject)
    body = submission(view, cast.manager)
    headers = sign(body, SIGNING_SECRET)  # one signature, sent twice: an exact replay

    async def send() -> tuple[int, object]:
        return await bot.driver.post(body, headers=headers, signed=False)

    if timing == "sequential":
        answers = [await send(), await send()]
    else:
        answers = list(await asyncio.gather(send(), send()))
    assert [status for status, _ in answers] == [200, 200], answers

    async def checklist_posted():
        case = await bot.runtime.cases.open_case_for(cast.subject)
        return case if case and case.messages.get("checklist") else None

    case = await wait_for(checklist_posted, what="checklist posted")

    def replay_turned_away() -> bool:
        # The replay is answered with a form error, or (when it raced past validation) a DM.
        refused = [a for _, a in answers if isinstance(a, dict) and a.get("response_action") == "errors"]
        # (Its wording is checked in test_the_losing_double_submit_is_told_why below.)
        dms = [m for m in slack.messages.get("D" + cast.manager, []) if m["text"].startswith(":no_entry:")]
        return bool(refused or dms)

    try:
        await wait_for(replay_turned_away, what="the replay turned away")
    except TimeoutError:
        calls = [(r.path, r.status, r.body.get("channel")) for r in slack.requests]
        shown = {k: [m["text"] for m in v] for k, v in slack.messages.items()}
        cases = await count_rows(bot, "cases")
        raise AssertionError(
            f"replay neither refused nor reported: {answers=} {cases=} {shown=} {calls=}"
        ) from None
    await asyncio.sleep(0.2)
    assert await count_rows(bot, "cases") == 1
    assert len(slack.api_calls("conversations.create")) == 1
    rooms = [c for c in slack.channels.values() if c["name"].startswith("offboard-")]
    assert [c["id"] for c in rooms] == [case.channel_id]
    opened = [e for e in await bot.runtime.evidence.events(case.id) if e.kind == "case.opened"]
    assert len(opened) == 1


@pytest.mark.parametrize("timing", ["after-first-finished", "while-first-runs"])
async def test_slack_retry_of_a_checklist_click_marks_the_item_once(bot, timing):
    """Slack re-sends a request it got no timely answer for, with X-Slack-Retry-Num: same body, same effect."""
    slack, cast = bot.slack, bot.cast
    case = await open_case(bot)
    key = "final-pay"
    body = block_action_body(
        cast.hr, ids.ITEM_DONE, ids.item_value(case.id, key), "", case.channel_id, page_of(case, key)
    )
    headers = sign(body, SIGNING_SECRET)
    retry = {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    updates_before = len(slack.api_calls("chat.update"))

    async def item_done() -> bool:
        return (await bot.runtime.checklist.item(case.id, key)).status == DONE

    if timing == "after-first-finished":
        status, _ = await bot.driver.post(body, headers=headers, signed=False)
        assert status == 200
        await wait_for(item_done, what="item done")
        await wait_for(lambda: len(slack.api_calls("chat.update")) > updates_before, what="chat.update")
        updates_after_first = len(slack.api_calls("chat.update"))
        status, _ = await bot.driver.post(body, headers=retry, signed=False)
        assert status == 200
    else:
        first, second = await asyncio.gather(
            bot.driver.post(body, headers=headers, signed=False),
            bot.driver.post(body, headers=retry, signed=False),
        )
        assert (first[0], second[0]) == (200, 200), (first, second)
        await wait_for(item_done, what="item done")
        updates_after_first = None

    await wait_for(
        lambda: any("already done" in (e["text"] or "") for e in slack.ephemeral if e["user"] == cast.hr),
        what="the retry answered 'already done'",
    )
    await asyncio.sleep(0.1)
    item = await bot.runtime.checklist.item(case.id, key)
    assert item.status == DONE and item.done_by == cast.hr
    events = await bot.runtime.evidence.events(case.id)
    assert [e.data for e in events if e.kind == "item.done"] == ['{"item":"final-pay","note":""}']
    if updates_after_first is not None:
        assert len(slack.api_calls("chat.update")) == updates_after_first, "the retry updated the checklist"
    assert await bot.runtime.evidence.verify(case.id) == {case.id: []}


async def test_the_losing_double_submit_is_told_why(bot):
    """The loser of the race above, made deterministic: the case exists when its start() runs."""
    slack, cast = bot.slack, bot.cast
    await open_case(bot)
    req = OffboardRequest(cast.subject, cast.manager, date(2026, 12, 4), template="employee")
    await start(bot.runtime, bot.runtime.slack, req, cast.email(cast.subject))
    dms = [m["text"] for m in slack.messages.get("D" + cast.manager, [])]
    assert len(dms) == 1 and "already has an open offboarding" in dms[0], dms
    assert await count_rows(bot, "cases") == 1
