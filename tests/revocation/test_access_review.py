"""Access inventory and verification: what the person could reach, and proof that it is gone."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.checklist.models import DONE
from handlers import ids
from standins.slack_driver import wait_for
from tests.flows import click_revocation, complete_all, open_case
from tests.revocation.conftest import writes


async def verifications(bot, case_id):
    return [
        json.loads(e.data) for e in await bot.runtime.evidence.events(case_id) if e.kind == "access.verified"
    ]


async def revoke_all(bot, case):
    await click_revocation(bot, case, ids.REVOKE_ALL, "*", bot.cast.it)

    async def verified():
        return await verifications(bot, case.id)

    return (await wait_for(verified, what="verification"))[-1]


async def test_full_case_ends_verified_gone_and_inventory_lists_manual_app(bot, okta, graph, directory):
    case = await open_case(bot)
    manual = [i for i in await bot.runtime.cases.items(case.id) if i.key.startswith("manual.okta.app.")]
    assert [(i.role, i.kind) for i in manual] == [("it", "manual")]
    assert "GitHub" in manual[0].title
    inventory = str(bot.slack.messages[case.channel_id])
    assert "Access inventory" in inventory and "SPE_E5" in inventory and "JANE-LAPTOP" in inventory
    result = await revoke_all(bot, case)
    assert {name: check["gone"] for name, check in result["systems"].items()} == {"okta": True, "graph": True}
    assert "sign-in session revocation cannot be read back" in result["systems"]["graph"]["notes"]
    await complete_all(bot, await bot.runtime.cases.get(case.id))
    await wait_for(lambda: bot.slack.messages[bot.cast.archive], what="archive")
    archive = str(bot.slack.messages[bot.cast.archive])
    assert "Verification okta: access verified gone" in archive
    assert "Verification graph: access verified gone" in archive


async def test_remaining_access_blocks_closure_until_security_accepts(bot, okta, graph, directory):
    graph.sticky_groups.add((directory.graph_groups[0], directory.graph_user))  # DELETE says 204, stays
    case = await open_case(bot)
    result = await revoke_all(bot, case)
    assert result["systems"]["okta"]["gone"] is True
    graph_check = result["systems"]["graph"]
    assert graph_check["gone"] is False and any("All Engineering" in r for r in graph_check["remaining"])

    def remainder_shown():
        thread = str(bot.slack.messages[case.channel_id])
        return ":x: *Microsoft 365*: still there" in thread and ids.ACCEPT_REMAINDER in thread

    await wait_for(remainder_shown, what="verification with Accept remainder")

    await complete_all(bot, await bot.runtime.cases.get(case.id))
    await wait_for(
        lambda: any("stays open" in (m.get("text") or "") for m in bot.slack.messages[case.channel_id]),
        what="closure refused",
    )
    assert (await bot.runtime.cases.get(case.id)).status == "open"

    # IT may not accept; security may, with a reason.
    panel_ts = (await bot.runtime.cases.get(case.id)).messages["revocation"]["panel_ts"]
    value = ids.item_value(case.id, "accept")
    await bot.driver.click(bot.cast.it, ids.ACCEPT_REMAINDER, value, channel=case.channel_id, ts=panel_ts)
    await wait_for(lambda: any("Only Security" in e["text"] for e in bot.slack.ephemeral), what="refusal")
    opened = len(bot.slack.views_opened)
    await bot.driver.click(
        bot.cast.security, ids.ACCEPT_REMAINDER, value, channel=case.channel_id, ts=panel_ts
    )
    await wait_for(lambda: len(bot.slack.views_opened) > opened, what="accept form")
    form = bot.slack.views_opened[-1]
    assert form["callback_id"] == ids.ACCEPT_FORM
    reason = "Group is synced from the HR system and drops her tomorrow"
    status, body = await bot.driver.submit(bot.cast.security, form, {"reason": reason})
    assert status == 200 and not body

    async def closed():
        return (await bot.runtime.cases.get(case.id)).status == "closed"

    await wait_for(closed, what="closed after acceptance")
    accepted = [e for e in await bot.runtime.evidence.events(case.id) if e.kind == "remainder.accepted"]
    assert len(accepted) == 1 and accepted[0].actor == bot.cast.security
    assert json.loads(accepted[0].data)["reason"] == reason
    await wait_for(lambda: bot.slack.messages[bot.cast.archive], what="archive post")
    assert reason in str(bot.slack.messages[bot.cast.archive])


async def test_account_enabled_again_shows_in_verification(bot, okta, graph, directory):
    graph.reenable_after_disable = True
    case = await open_case(bot)
    result = await revoke_all(bot, case)
    assert result["systems"]["graph"]["gone"] is False
    assert any("enabled" in r for r in result["systems"]["graph"]["remaining"])


async def test_second_verification_an_hour_after_cutoff_runs_once(bot, okta, graph, directory):
    case = await open_case(bot)
    schedule = bot.runtime.schedule
    job = schedule._scheduler.get_job(f"case:{case.id}:verify")
    assert job.next_run_time == case.cutoff_at + timedelta(hours=1)
    bot.clock.set(case.cutoff_at + timedelta(hours=1))
    await schedule.tick()  # the cutoff itself: revocations run, then the first verification
    await bot.runtime.revocation.settle()
    assert len(await verifications(bot, case.id)) == 1
    await schedule.fire("verify", case.id)
    await schedule.fire("verify", case.id)
    checks = await verifications(bot, case.id)
    assert [c["reason"] for c in checks] == ["after the revocation steps", "one hour after cutoff"]


@pytest.fixture
def org_config(cast, request):
    # Equipment tracking has its own tests; here the device would keep the case open.
    return cast.config(dry_run=getattr(request, "param", False), assets={"intune": False})


@pytest.mark.parametrize("org_config", [True], indirect=True)
async def test_dry_run_sends_nothing(bot, okta, graph, directory):
    case = await open_case(bot)
    before = (len(writes(okta)), len(writes(graph)))
    await click_revocation(bot, case, ids.REVOKE_ALL, "*", bot.cast.it)

    async def all_done():
        steps = [i for i in await bot.runtime.cases.items(case.id) if i.kind == "revocation"]
        return steps if all(i.status == DONE for i in steps) else None

    steps = await wait_for(all_done, what="dry-run steps")
    assert all(i.result["data"]["dry_run"] and i.detail.startswith("dry-run: would send") for i in steps)
    assert (len(writes(okta)), len(writes(graph))) == before
    await wait_for(
        lambda: "_dry-run_" in str(bot.slack.messages[case.channel_id]), what="dry-run results shown"
    )


async def test_involuntary_exit_revokes_at_once_after_confirm(bot, okta, directory):
    before = len(bot.slack.views_opened)
    await bot.driver.command(bot.cast.manager, f"<@{bot.cast.subject}|jane>")
    await wait_for(lambda: len(bot.slack.views_opened) > before)
    status, body = await bot.driver.submit(
        bot.cast.manager, bot.slack.views_opened[-1], {"reason": "involuntary", "last_day": "2026-11-25"}
    )
    assert body["response_action"] == "push" and body["view"]["callback_id"] == ids.OFFBOARD_CONFIRM
    assert okta.calls("POST", "/lifecycle/suspend") == []  # nothing before the confirmation
    confirm = {**body["view"], "id": "V0002"}
    status, body = await bot.driver.submit(bot.cast.manager, confirm)
    assert status == 200 and body == {"response_action": "clear"}
    await wait_for(lambda: okta.calls("POST", "/lifecycle/suspend"), what="suspend at once")
    case = await bot.runtime.cases.open_case_for(bot.cast.subject)
    assert case.reason == "involuntary" and case.cutoff_at == bot.clock.now()


async def test_refresh_inventory_shows_what_changed(bot, okta, graph, directory):
    case = await open_case(bot)
    graph.add_member(graph.add_group("Late Joiners"), directory.graph_user)
    panel = (await bot.runtime.cases.get(case.id)).messages["revocation"]["panel_ts"]
    value = ids.item_value(case.id, "*")
    await bot.driver.click(bot.cast.hr, ids.REFRESH_INVENTORY, value, channel=case.channel_id, ts=panel)
    await wait_for(
        lambda: any("Only IT or Security" in e["text"] for e in bot.slack.ephemeral), what="refusal"
    )
    await bot.driver.click(bot.cast.it, ids.REFRESH_INVENTORY, value, channel=case.channel_id, ts=panel)

    def changes():
        return [
            m
            for m in bot.slack.messages[case.channel_id]
            if "Changes since the last read" in str(m.get("blocks"))
        ]

    posted = await wait_for(changes, what="inventory differences")
    assert "Late Joiners" in str(posted[-1]["blocks"])
    kinds = [e.kind for e in await bot.runtime.evidence.events(case.id)]
    assert kinds.count("access.inventory") == 2


async def test_daily_digest_lists_each_owner_their_overdue_items(bot, directory):
    await open_case(bot)
    bot.clock.advance(timedelta(days=8))  # Thu 3 Dec 15:00 UTC: the -5d, -3d and -2d items are overdue
    sent = await bot.runtime.schedule.digest()
    assert sent[bot.cast.hr] == 3 and sent[bot.cast.manager] == 1  # knowledge transfer (-2d)
    assert bot.cast.outsider not in sent and bot.cast.subject not in sent
    dm = [m for m in bot.slack.messages.get(f"D{bot.cast.hr}", [])]
    assert dm and "Final pay confirmed with payroll" in dm[-1]["text"]
