"""Per-person channels (config) are made in the background, while access is already being revoked."""

from __future__ import annotations

import pytest

from standins.cast import seed_departures
from tests.bulk.test_batch_end_to_end import graph, okta, settings_env, start_batch  # noqa: F401  (fixtures)


@pytest.fixture
def org_config(cast):
    return cast.config(admins=[], bulk={"person_channels": True})


async def test_person_channels_come_after_access_is_gone(bot, okta, graph):  # noqa: F811
    """Involuntary: revocation starts when the batch starts; the per-person channels are made later,
    in the background, and each points to the person's thread."""
    people = seed_departures(bot.slack, okta, graph, 4, bot.cast)
    slow = 2.0
    bot.slack.inject(r"conversations\.create", 0, times=-1, delay=slow)  # every channel takes 2 s to make

    await start_batch(bot, people, reason="involuntary")
    await bot.runtime.revocation.settle()
    await bot.runtime.bulk.settle()
    slack = bot.slack
    created = slack.api_calls("conversations.create")
    assert len(created) == 5 and created[0]["name"].startswith("offboard-batch-")
    assert sorted(c["name"] for c in created[1:]) == [
        f"offboard-person-number{n:04d}-2026-12-04" for n in range(1, 5)
    ]
    first_channel_made = min(r.at for r in slack.requests if r.path == "/api/conversations.create") + slow
    suspends = [r for r in okta.requests if r.path.endswith("/lifecycle/suspend") and r.status == 200]
    assert len(suspends) == 4
    assert max(r.at for r in suspends) < first_channel_made  # access ended before any channel existed
    for case in [c for c in await bot.runtime.cases.open_cases() if c.batch_id]:
        own = case.messages["person_channel"]["id"]
        assert "are in the batch thread" in slack.messages[own][0]["text"]
        assert bot.cast.subject not in slack.channels[own]["members"]
