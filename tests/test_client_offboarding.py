"""`/offboard-client <name>`: a client's engagement ends; the account owner approves closure last."""

from __future__ import annotations

from bot.checklist.models import DONE
from standins.slack_driver import wait_for
from tests.flows import click_item, owner_of, page_of


async def start_client(bot, name: str = "Acme Corp", answers: dict | None = None):
    before = len(bot.slack.views_opened)
    status, body = await bot.driver.command(bot.cast.colleague, name, command="/offboard-client")
    assert status == 200, body
    await wait_for(lambda: len(bot.slack.views_opened) > before, what="client form")
    view = bot.slack.views_opened[-1]
    return await bot.driver.submit(bot.cast.colleague, view, {"last_day": "2026-12-04", **(answers or {})})


async def test_client_case_closes_only_after_the_account_owner_approves_last(bot):
    status, body = await start_client(bot)
    assert status == 200 and not body

    async def posted():
        case = await bot.runtime.cases.open_case_for("client:acme-corp")
        return case if case and case.messages.get("checklist") else None

    case = await wait_for(posted, what="client checklist")
    assert case.subject_name == "Acme Corp" and case.manager_id == bot.cast.colleague
    channel = bot.slack.channels[case.channel_id]
    assert channel["name"] == "offboard-acme-corp-2026-12-04" and bot.cast.colleague in channel["members"]
    items = await bot.runtime.cases.items(case.id)
    assert not any(i.kind == "revocation" for i in items)

    # Closure approved first: refused, nothing changes.
    await click_item(bot, case, "final-closure", bot.cast.colleague)
    await wait_for(lambda: any("approved last" in e["text"] for e in bot.slack.ephemeral), what="refusal")
    assert (await bot.runtime.checklist.item(case.id, "final-closure")).status == "open"

    # The account owner acts as the manager role: the cast maps "manager" to Maria, so click as the owner.
    for item in items:
        if item.key == "final-closure":
            continue
        who = bot.cast.colleague if item.role == "manager" else owner_of(bot.cast, item.role)
        await click_item(bot, case, item.key, who)

        async def done(key=item.key):
            return (await bot.runtime.checklist.item(case.id, key)).status == DONE

        await wait_for(done, what=item.key)
    assert (await bot.runtime.cases.get(case.id)).status == "open"
    await bot.driver.click(
        bot.cast.colleague, "item_done", f"{case.id}|final-closure", channel=case.channel_id,
        ts=page_of(case, "final-closure"),
    )  # fmt: skip
    await wait_for(lambda: bot.slack.messages[bot.cast.archive], what="archive post")
    assert (await bot.runtime.cases.get(case.id)).status == "closed"


async def test_client_form_errors(bot):
    await start_client(bot, "Globex")
    status, body = await start_client(bot, "Globex")
    assert (
        body["response_action"] == "errors"
        and "already has an open offboarding" in body["errors"]["client_name"]
    )
    status, body = await start_client(bot, "Initech", {"last_day": "2026-11-26"})
    assert "Thanksgiving" in body["errors"]["last_day"]
    status, body = await bot.driver.command(bot.cast.colleague, "  ", command="/offboard-client")
    assert status == 200 and body.startswith("Usage: `/offboard-client")
