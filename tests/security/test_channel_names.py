"""Channel names from names in any script: readable, within Slack's rules, never empty."""

from __future__ import annotations

import re

import pytest

from handlers.slack_workspace import MAX_CHANNEL_NAME, channel_name, channel_slug
from standins.slack_driver import wait_for
from tests.flows import open_case
from tests.security.helpers import CHANNEL_NAME, requested_channel_names

DAY = "2026-12-09"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("José Núñez-O'Brien", "offboard-jose-nunez-obrien-2026-12-09"),
        ("Zoë D’Arcy", "offboard-zoe-darcy-2026-12-09"),
        ("李小龍", "offboard-li-xiao-long-2026-12-09"),
        ("Владимир Набоков", "offboard-vladimir-nabokov-2026-12-09"),
        ("Σωκράτης", "offboard-sokratis-2026-12-09"),
        ("Jane 😀 Doe", "offboard-jane-doe-2026-12-09"),
        ("<!channel> Jane", "offboard-channel-jane-2026-12-09"),
        ("Ja\u200bne\u202e Doe", "offboard-jane-doe-2026-12-09"),
        ("e\u0301clair", "offboard-eclair-2026-12-09"),  # a combining accent
    ],
)
def test_readable_names(name: str, expected: str) -> None:
    assert channel_name(name, DAY, fallback="UJANE") == expected


@pytest.mark.parametrize("name", ["", "😀🎉", "‏‎", "'''", "---", "\u200b"])
def test_nothing_readable_falls_back_to_the_user_id(name: str) -> None:
    assert channel_slug(name) == ""
    assert channel_name(name, DAY, fallback="U0123ABCD") == "offboard-u0123abcd-2026-12-09"


def test_long_names_keep_the_date_and_suffix() -> None:
    for suffix in ("", "-2", "-a1b2c3"):
        name = channel_name("Maximiliana " * 30, DAY, suffix, "UX")
        assert len(name) <= MAX_CHANNEL_NAME
        assert name.endswith(f"-{DAY}{suffix}") and name.startswith("offboard-maximiliana-")
        assert CHANNEL_NAME.fullmatch(name) and "--" not in name
    cjk = channel_name("李" * 100, DAY, "-10", "UX")
    assert len(cjk) <= MAX_CHANNEL_NAME and cjk.endswith(f"-{DAY}-10") and re.search(r"-li-li-", cjk)


@pytest.fixture
def org_config(cast):
    return cast.config(admins=[cast.manager])


async def test_channel_created_with_the_transliterated_name(bot) -> None:
    """Signed /offboard → form → the stand-in saw conversations.create with the readable name."""
    bot.slack.users[bot.cast.subject]["profile"]["real_name"] = "José Núñez-O'Brien"
    bot.slack.users[bot.cast.subject]["real_name"] = "José Núñez-O'Brien"
    case = await open_case(bot, {"last_day": DAY})
    await wait_for(lambda: requested_channel_names(bot.slack), what="conversations.create")
    assert requested_channel_names(bot.slack) == ["offboard-jose-nunez-obrien-2026-12-09"]
    assert bot.slack.channels[case.channel_id]["name"] == "offboard-jose-nunez-obrien-2026-12-09"
