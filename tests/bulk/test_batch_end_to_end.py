"""Layoff day through Slack: a 50-person CSV uploaded, checked, confirmed; one coordination channel with
a summary and a thread per person; every access revoked at the shared cutoff, each case with its own
complete evidence record; a storm of 429s slows the batch and loses nothing."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from bot.checklist.models import DONE
from handlers import ids
from standins.cast import seed_departures
from standins.graph_api import GraphStandIn
from standins.okta_api import OktaStandIn
from standins.slack_api import SlackStandIn
from tests.bulk.conftest import check_batch, csv_of
from tests.conftest import BOT_TOKEN
from tests.revocation.conftest import GRAPH_TOKEN, OKTA_TOKEN

AFTER_CUTOFF = datetime(2026, 12, 5, 1, 1, tzinfo=UTC)  # 17:00 on Fri 4 Dec in every US zone has passed


@pytest.fixture
async def slack():
    # Slack's tier limits on a clock thirty times faster: enforced, without minutes of waiting.
    async with SlackStandIn(token=BOT_TOKEN, rate_window=2.0) as standin:
        yield standin


# Okta's and Graph's windows (60 s, 150 s) thirty times faster too, their limits per window unchanged.
@pytest.fixture
async def okta():
    async with OktaStandIn(token=OKTA_TOKEN, rate_window=2.0) as standin:
        yield standin


@pytest.fixture
async def graph():
    async with GraphStandIn(token=GRAPH_TOKEN, rate_window=5.0) as standin:
        yield standin


@pytest.fixture
def settings_env(settings_env, okta, graph):
    return {
        **settings_env,
        "OKTA_ORG_URL": okta.url,
        "OKTA_API_TOKEN": OKTA_TOKEN,
        "GRAPH_BASE_URL": graph.url,
        "GRAPH_ACCESS_TOKEN": GRAPH_TOKEN,
    }


def rows_for(people: list[str], reason: str = "voluntary") -> list[str]:
    options = ("", "mailbox=shared", "phone=disable; backup_data=no")
    return [f"{p},2026-12-04,employee,{reason},{options[n % 3]}" for n, p in enumerate(people)]


async def start_batch(bot, people: list[str], reason: str = "voluntary") -> int:
    hr = bot.cast.hr
    view = await check_batch(bot, hr, csv_of(rows_for(people, reason)), upload=True)
    assert view["callback_id"] == ids.BULK_CONFIRM, view
    assert f"{len(people)} departures" in str(view["blocks"])
    before = bot.slack.views[view["id"]]["hash"]
    status, body = await bot.driver.submit(hr, view)
    assert status == 200 and body["response_action"] == "update", body

    def started():
        current = bot.slack.views[view["id"]]
        return current if current["hash"] != before and "started" in str(current["blocks"]) else None

    from standins.slack_driver import wait_for

    await wait_for(started, limit=60, what="batch started")
    batch_id = int(str(bot.slack.views[view["id"]]["blocks"]).split("Batch ")[1].split(" ")[0])
    await bot.runtime.bulk.settle()
    return batch_id


async def revoke_at_cutoff(bot) -> None:
    bot.clock.set(AFTER_CUTOFF)
    await bot.runtime.schedule.tick()  # what the scheduler runs each minute, and on start
    await bot.runtime.revocation.settle()
    await bot.runtime.bulk.settle()


async def assert_every_record_complete(bot, batch_id: int) -> None:
    cases = [c for c in await bot.runtime.cases.open_cases() if c.batch_id == batch_id]
    for case in cases:
        items = await bot.runtime.cases.items(case.id)
        steps = [i for i in items if i.kind == "revocation"]
        assert steps and all(i.status == DONE for i in steps), (case.id, [(i.key, i.detail) for i in steps])
        events = await bot.runtime.evidence.events(case.id)
        opened = json.loads(next(e for e in events if e.kind == "case.opened").data)
        assert opened["batch"] == batch_id and opened["row"] >= 2
        assert sum(e.kind == "cutoff" for e in events) == 1
        done = [json.loads(e.data)["item"] for e in events if e.kind == "step.done"]
        assert sorted(done) == sorted(i.key for i in steps)  # each step once, none missing
        assert await bot.runtime.evidence.verify(case.id) == {case.id: []}


async def test_fifty_people_one_channel_every_access_revoked_at_cutoff(bot, okta, graph):
    people = seed_departures(bot.slack, okta, graph, 50, bot.cast)
    batch_id = await start_batch(bot, people)
    slack = bot.slack

    # One coordination channel, with HR, IT and security; no channel per person (the default).
    created = slack.api_calls("conversations.create")
    assert [c["name"] for c in created] == [f"offboard-batch-{batch_id}-2026-12-04"]
    channel = next(c for c in slack.channels.values() if c["name"] == created[0]["name"])
    assert {bot.cast.hr, bot.cast.it, bot.cast.security} <= channel["members"]
    assert not set(people) & channel["members"]
    # The summary first, then one message per person; everything else about a person is in its thread.
    top = [m for m in slack.messages[channel["id"]] if not m.get("thread_ts") or m["thread_ts"] == m["ts"]]
    assert top[0]["text"].startswith(f"Batch {batch_id}: 50 departures")
    assert len(top) == 51
    cases = [c for c in await bot.runtime.cases.open_cases() if c.batch_id == batch_id]
    assert len(cases) == 50 and all(c.channel_id == channel["id"] for c in cases)
    threads = {c.messages["checklist"][0]["ts"] for c in cases}
    assert threads == {m["ts"] for m in top[1:]}
    assert all(c.messages["revocation"]["thread_ts"] in threads for c in cases)
    # Before the cutoff nothing was written to Okta or Graph (the inventory only reads).
    assert not [r for r in okta.requests if r.method != "GET"]
    assert not [r for r in graph.requests if r.method != "GET"]

    await revoke_at_cutoff(bot)

    suspended = [r.path for r in okta.requests if r.path.endswith("/lifecycle/suspend") and r.status == 200]
    assert len(suspended) == len(set(suspended)) == 50  # every person once, nobody twice
    disabled = [
        r.path
        for r in graph.requests
        if r.method == "PATCH" and r.status == 204 and (r.body or {}).get("accountEnabled") is False
    ]
    assert len(disabled) == len(set(disabled)) == 50
    assert okta.spec_violations == [] and graph.spec_violations == []
    await assert_every_record_complete(bot, batch_id)
    summary = slack.messages[channel["id"]][0]
    assert summary["ts"] == top[0]["ts"] and "revoked 50 · pending 0 · failed 0" in summary["text"]


async def test_a_429_storm_slows_the_batch_but_loses_nothing(bot, okta, graph):
    people = seed_departures(bot.slack, okta, graph, 20, bot.cast)
    batch_id = await start_batch(bot, people)
    okta.inject(r"^POST /api/v1/users/[^/]+/lifecycle/suspend$", 429, times=10)
    okta.inject(r"^DELETE /api/v1/users/[^/]+/sessions$", 429, times=10)
    graph.inject(r"^PATCH /v1\.0/users/[^/]+$", 429, times=10, headers={"Retry-After": "1"})
    started = asyncio.get_running_loop().time()

    await revoke_at_cutoff(bot)

    took = asyncio.get_running_loop().time() - started
    assert took >= 1.0  # Okta's reset and Graph's Retry-After were waited for
    throttled = [r for r in okta.requests if r.status == 429] + [r for r in graph.requests if r.status == 429]
    assert len(throttled) == 30  # every injected 429 was met, and answered with patience
    suspended = [r.path for r in okta.requests if r.path.endswith("/lifecycle/suspend") and r.status == 200]
    assert len(suspended) == len(set(suspended)) == 20
    await assert_every_record_complete(bot, batch_id)
    summary = await bot.runtime.bulk.summary(batch_id)
    assert (summary.revoked, summary.pending, summary.failed) == (20, 0, 0)
