"""A person whose directory name is `<!channel>` (and whose Okta/Graph groups carry mentions) is
offboarded end to end: form, channel, checklist, revocation results, verification, archive. Nothing
the Slack stand-in received broadcasts or mentions anyone because of those names."""

from __future__ import annotations

import pytest

from standins.slack_driver import wait_for
from tests.flows import complete_all, open_case
from tests.revocation.conftest import directory, graph, okta, settings_env  # noqa: F401 (fixtures)
from tests.revocation.test_access_review import revoke_all
from tests.security.helpers import CHANNEL_NAME, bot_mentions, live_sequences, requested_channel_names

NAME = "<!channel> Jane <@UOLIVER> <!subteam^SEVIL> <#CEVIL|general> <https://evil.example|Doe> & co"
GROUP = "<!here> VPN <@UOLIVER>"


@pytest.fixture
def org_config(cast):
    # Equipment has its own suite; here the case closes once the checklist and revocation are done.
    return cast.config(admins=[], assets={"intune": False})


async def test_broadcast_name_offboarded_end_to_end(bot, okta, graph, directory) -> None:  # noqa: F811
    user = bot.slack.users[bot.cast.subject]
    user["real_name"] = user["profile"]["real_name"] = user["profile"]["display_name"] = NAME
    evil_group = okta.add_group(GROUP)
    okta.add_member(evil_group, directory.okta_user)
    graph_group = graph.add_group("@everyone <!everyone>")
    graph.add_member(graph_group, directory.graph_user)

    case = await open_case(bot)
    assert case.subject_name == NAME  # stored as the directory gave it; escaped only when shown
    before = len(bot.slack.api_calls("views.publish"))
    event = {"type": "app_home_opened", "user": bot.cast.manager, "tab": "home", "channel": "D1"}
    assert (await bot.driver.event(event))[0] == 200
    await wait_for(lambda: len(bot.slack.api_calls("views.publish")) > before, what="App Home")
    assert "&lt;!channel&gt; Jane" in str(bot.slack.home_views[bot.cast.manager])
    result = await revoke_all(bot, case)
    assert all(check["gone"] for check in result["systems"].values()), result
    await complete_all(bot, await bot.runtime.cases.get(case.id))
    await wait_for(lambda: bot.slack.messages[bot.cast.archive], what="archive")
    await wait_for(lambda: bot.slack.channels[case.channel_id]["is_archived"], what="room archived")

    live = live_sequences(bot.slack, bot_mentions(bot.cast, bot.slack))
    assert not live, live
    names = requested_channel_names(bot.slack)
    assert len(names) == 1 and CHANNEL_NAME.fullmatch(names[0]), names
    assert names[0].startswith("offboard-channel-jane-uoliver-") and names[0].endswith("-2026-12-04")
    # The name is shown, escaped, where people read it: the room's topic and the archive record.
    topic = bot.slack.channels[case.channel_id]["topic"]
    assert "&lt;!channel&gt; Jane &lt;@UOLIVER&gt;" in topic and "&amp; co" in topic
    archive = str(bot.slack.messages[bot.cast.archive])
    assert "&lt;!channel&gt; Jane &lt;@UOLIVER&gt;" in archive
    thread = str(bot.slack.messages[case.channel_id])
    assert "&lt;!here&gt; VPN &lt;@UOLIVER&gt;" in thread  # the Okta group, in the access inventory
