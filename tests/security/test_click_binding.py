"""A click acts only on the case whose channel (and, in a batch, whose thread) it was pressed in: a
button value naming another case is refused, changes nothing, and is recorded on the case it named."""

from __future__ import annotations

from datetime import date

from bot.cases.requests import OffboardRequest
from handlers import ids
from standins.slack_driver import wait_for
from tests.flows import open_case, page_of


async def test_click_naming_case_b_in_case_a_channel_is_refused(bot):
    slack, cast, runtime = bot.slack, bot.cast, bot.runtime
    case_a = await open_case(bot, by=cast.hr)
    req = OffboardRequest(cast.colleague, cast.hr, date(2026, 12, 4), template="employee")
    case_b = await runtime.offboarding.start(req, subject_email=cast.email(cast.colleague))
    assert case_b.channel_id and case_b.channel_id != case_a.channel_id

    refused_before = [e for e in await runtime.evidence.events(case_b.id) if e.kind == "refused"]
    updates_before = len(slack.api_calls("chat.update"))
    # HR may mark final pay done, but this button names case B and is pressed on case A's checklist.
    status, _ = await bot.driver.click(
        cast.hr, ids.ITEM_DONE, ids.item_value(case_b.id, "final-pay"),
        channel=case_a.channel_id, ts=page_of(case_a, "final-pay"),
    )  # fmt: skip
    assert status == 200
    await wait_for(lambda: [e for e in slack.ephemeral if e["user"] == cast.hr], what="refusal")
    refusal = [e for e in slack.ephemeral if e["user"] == cast.hr][-1]
    assert "belongs to another offboarding" in refusal["text"]
    assert refusal["channel"] == case_a.channel_id

    for case in (case_a, case_b):
        assert (await runtime.checklist.item(case.id, "final-pay")).status == "open"
    assert len(slack.api_calls("chat.update")) == updates_before
    refused = [e for e in await runtime.evidence.events(case_b.id) if e.kind == "refused"]
    assert len(refused) == len(refused_before) + 1 and refused[-1].actor == cast.hr
    assert case_a.channel_id in refused[-1].data
    assert await runtime.evidence.verify(case_b.id) == {case_b.id: []}

    # The same click in case B's own channel is taken.
    await bot.driver.click(
        cast.hr, ids.ITEM_DONE, ids.item_value(case_b.id, "final-pay"),
        channel=case_b.channel_id, ts=page_of(case_b, "final-pay"),
    )  # fmt: skip

    async def done() -> bool:
        return (await runtime.checklist.item(case_b.id, "final-pay")).status == "done"

    await wait_for(done, what="final pay done in case B")
