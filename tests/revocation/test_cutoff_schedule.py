"""Cutoff at the end of the last day: restarts, two replicas, reschedule, cancel, reminders."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.checklist.models import DONE
from standins.slack_driver import wait_for
from tests.conftest import running_bot
from tests.flows import open_case
from tests.revocation.conftest import writes

CUTOFF = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # Fri 4 Dec 2026, 17:00 in Los Angeles


def suspends(okta) -> int:
    return len(okta.calls("POST", r"/lifecycle/suspend$"))


async def test_cutoff_missed_while_down_runs_once_at_start(
    settings_env, slack, cast, clock, okta, graph, directory
):
    async with running_bot(settings_env, slack, cast, clock) as bot:
        case = await open_case(bot)
        assert case.cutoff_at == CUTOFF
        assert f"case:{case.id}:cutoff" in bot.runtime.schedule.job_ids()
        assert suspends(okta) == 0
    clock.set(CUTOFF + timedelta(hours=3))  # the bot was down across the cutoff
    async with running_bot(settings_env, slack, cast, clock) as bot:
        await bot.runtime.revocation.settle()
        assert suspends(okta) == 1
        reloaded = await bot.runtime.cases.get(case.id)
        assert reloaded.cutoff_done_at == CUTOFF + timedelta(hours=3)
        items = [i for i in await bot.runtime.cases.items(case.id) if i.kind == "revocation"]
        assert all(i.status == DONE and i.done_by == "bot" for i in items)
        kinds = [e.kind for e in await bot.runtime.evidence.events(case.id)]
        assert kinds.count("cutoff") == 1
        assert f"case:{case.id}:cutoff" not in bot.runtime.schedule.job_ids()
    calls = len(writes(okta)) + len(writes(graph))
    async with running_bot(settings_env, slack, cast, clock) as bot:
        await bot.runtime.schedule.tick()
        await bot.runtime.revocation.settle()
    assert len(writes(okta)) + len(writes(graph)) == calls  # a second start runs nothing more


async def test_two_replicas_one_cutoff_one_set_of_calls(
    settings_env, slack, cast, clock, okta, graph, directory
):
    async with running_bot(settings_env, slack, cast, clock) as first:
        case = await open_case(first)
        async with running_bot(settings_env, slack, cast, clock) as second:
            if first.runtime.db.is_postgres:
                assert first.runtime.schedule.is_leader and not second.runtime.schedule.is_leader
            clock.set(CUTOFF)
            # Both replicas try, as two schedulers sharing a job store would.
            await asyncio.gather(
                first.runtime.schedule.fire("cutoff", case.id),
                second.runtime.schedule.fire("cutoff", case.id),
            )
            await asyncio.gather(first.runtime.revocation.settle(), second.runtime.revocation.settle())
    assert suspends(okta) == 1
    assert len(graph.calls("POST", r"/revokeSignInSessions$")) == 1


async def test_change_last_day_reschedules_and_cancel_removes_jobs(bot, okta, directory):
    case = await open_case(bot)
    schedule = bot.runtime.schedule
    old = await bot.runtime.cases.get(case.id)
    roles = await bot.runtime.offboarding.roles_for(bot.cast.hr, old)
    await bot.runtime.offboarding.change_last_day(old, datetime(2026, 12, 11).date(), bot.cast.hr, roles)
    moved = await bot.runtime.cases.get(case.id)
    assert moved.cutoff_at == datetime(2026, 12, 12, 1, 0, tzinfo=UTC)
    job = schedule._scheduler.get_job(f"case:{case.id}:cutoff")
    assert job.next_run_time == moved.cutoff_at
    clock = bot.clock
    clock.set(CUTOFF + timedelta(hours=1))  # the old cutoff passes: nothing happens
    await schedule.tick()
    assert suspends(okta) == 0
    await bot.runtime.offboarding.cancel(moved, bot.cast.hr, roles, "Jane decided to stay")
    assert f"case:{case.id}:cutoff" not in schedule.job_ids()
    assert f"case:{case.id}:remind" not in schedule.job_ids()
    cancelled = await bot.runtime.cases.get(case.id)
    assert cancelled.status == "cancelled" and cancelled.open_subject is None
    archive = str(bot.slack.messages[bot.cast.archive][0]["blocks"])
    assert "cancelled" in archive and "Jane decided to stay" in archive
    clock.set(moved.cutoff_at + timedelta(hours=1))
    await schedule.tick()
    assert suspends(okta) == 0


async def test_change_last_day_button_refused_for_it(bot, directory):
    from handlers import ids

    case = await open_case(bot)
    await bot.driver.click(
        bot.cast.it, ids.CHANGE_DAY, ids.item_value(case.id, "case"), channel=case.channel_id,
        ts=case.messages["checklist"][0]["ts"],
    )  # fmt: skip
    await wait_for(lambda: bot.slack.ephemeral, what="refusal")
    assert "Only the manager or HR can change the last day" in bot.slack.ephemeral[-1]["text"]
    assert bot.slack.views_opened[-1]["callback_id"] == "offboard_form"  # no new modal


async def test_reminders_once_per_item_mentioning_the_group(bot, directory):
    case = await open_case(bot)
    bot.clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))  # -3d items (end of Tue 1 Dec LA) are due
    await bot.runtime.schedule.tick()
    posts = [m for m in bot.slack.messages[case.channel_id] if "Reminder" in (m.get("text") or "")]
    assert any("<!subteam^SHR>" in m["text"] and "Final pay confirmed" in m["text"] for m in posts)
    assert not any("Badge" in m["text"] for m in posts)  # due at cutoff, not yet
    await bot.runtime.schedule.tick()
    again = [m for m in bot.slack.messages[case.channel_id] if "Reminder" in (m.get("text") or "")]
    assert len(again) == len(posts)
    assert f"case:{case.id}:remind" in bot.runtime.schedule.job_ids()  # the next one is planned


@pytest.fixture
def org_config(cast):
    return cast.config(admins=[])


async def test_many_cases_share_one_cutoff_minute(bot, okta, graph, cast):
    bot.slack.rate_limits = False  # this is about the scheduler; Slack's limits have their own tests
    for n in range(12):
        uid = f"ULEAVER{n:02d}"
        bot.slack.add_user(uid, f"leaver{n}", f"leaver{n}@example.com", tz="UTC")
        okta.add_user(f"leaver{n}@example.com", f"Leaver{n}", "X")
        case = await bot.runtime.offboarding.start(
            __import__("bot.cases.requests", fromlist=["OffboardRequest"]).OffboardRequest(
                subject_id=uid, requested_by=cast.hr, last_day=datetime(2026, 12, 4).date()
            )
        )
        assert case.cutoff_at == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    bot.clock.set(datetime(2026, 12, 4, 17, 0, 30, tzinfo=UTC))
    await bot.runtime.schedule.tick()
    await bot.runtime.revocation.settle()
    assert suspends(okta) == 12
    assert len({r.path for r in okta.calls("POST", r"/lifecycle/suspend$")}) == 12


async def test_a_step_cut_off_by_a_restart_is_released_with_retry(bot, okta, directory):
    case = await open_case(bot)
    assert await bot.runtime.checklist.claim_step(
        case.id, "okta.suspend", bot.cast.it
    )  # then the process "dies"
    await bot.runtime.schedule.tick()
    assert (await bot.runtime.checklist.item(case.id, "okta.suspend")).status == "running"  # not yet stale
    bot.clock.advance(timedelta(minutes=11))
    await bot.runtime.schedule.tick()
    item = await bot.runtime.checklist.item(case.id, "okta.suspend")
    assert item.status == "failed" and item.detail.startswith("Interrupted")
    assert "step.interrupted" in [e.kind for e in await bot.runtime.evidence.events(case.id)]
    await bot.runtime.revocation.run_all(case, bot.cast.it)  # a retry now runs it, once
    assert (await bot.runtime.checklist.item(case.id, "okta.suspend")).status == "done"
    assert len(okta.calls("POST", r"/lifecycle/suspend$")) == 1
