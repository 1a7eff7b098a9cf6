"""Equipment through signed Slack requests: attached when the room opens (register and Intune), moved
by clicks, refused for the wrong role, a double click done once, freed licence seats listed.

The asset listener and service are wired here the way the lead wires them in the app (see the report).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers import ids
from handlers.render.assets import step_value
from standins.cast import Directory, seed_identity
from standins.graph_api import GraphStandIn
from standins.slack_blocks import check_blocks
from standins.slack_driver import wait_for
from tests.flows import click_revocation, open_case, step_settled

GRAPH_TOKEN = "graph-test-token-assets-41"


@pytest.fixture
async def graph() -> AsyncIterator[GraphStandIn]:
    async with GraphStandIn(token=GRAPH_TOKEN) as standin:
        yield standin


@pytest.fixture
def directory(graph, cast) -> Directory:
    return seed_identity(None, graph, cast)


@pytest.fixture
def settings_env(settings_env, graph, directory) -> dict[str, str]:
    return {**settings_env, "GRAPH_BASE_URL": graph.url, "GRAPH_ACCESS_TOKEN": GRAPH_TOKEN}


@pytest.fixture
def register_path(tmp_path: Path, cast) -> Path:
    path = tmp_path / "assets.csv"
    jane = cast.email(cast.subject)
    path.write_text(
        "owner_email,asset_tag,kind,description,serial\n"
        f"{jane},LT-0042,laptop,MacBook Pro 14,C02XYZ\n"
        f"{jane.upper()},PH-7,phone,iPhone 15,\n"
        f"{cast.email(cast.colleague)},LT-0001,laptop,Someone else's,\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def org_config(cast, register_path):
    return cast.config(assets={"register": str(register_path)})


def message(bot, case, ts: str) -> dict:
    return next(m for m in bot.slack.messages[case.channel_id] if m["ts"] == ts)


async def test_equipment_from_register_and_intune_moved_by_clicks(bot, directory) -> None:
    cast, rt = bot.cast, bot.runtime

    async def shown():
        current = await rt.cases.get(opened.id)
        return current if current.messages.get("assets") else None

    opened = await open_case(bot)
    case = await wait_for(shown, what="assets posted")
    assets = {a.asset_tag: a for a in await rt.assets.assets(case.id)}
    assert set(assets) == {"LT-0042", "PH-7", directory.devices[0]}
    assert assets[directory.devices[0]].source == "intune"
    assert assets[directory.devices[0]].description == "JANE-LAPTOP (Windows)"
    (page,) = case.messages["assets"]["pages"]
    shown_blocks = message(bot, case, page["ts"])["blocks"]
    assert check_blocks(shown_blocks, "message") == []
    assert "Equipment: Jane Doe" in json.dumps(shown_blocks)

    laptop = assets["LT-0042"]

    async def click(user: str, asset_id: int, state: str) -> None:
        status, _ = await bot.driver.click(
            user,
            f"asset_step:{state}",
            step_value(case.id, asset_id, state),
            channel=case.channel_id,
            ts=page["ts"],
        )
        assert status == 200

    # HR may not move equipment: an ephemeral refusal, nothing changes.
    await click(cast.hr, laptop.id, "received")
    await wait_for(
        lambda: any("Only IT or Security" in (e.get("text") or "") for e in bot.slack.ephemeral),
        what="refusal",
    )
    assert (await rt.assets.asset(laptop.id)).state == "requested"

    # IT double-clicks "Received": it happens once, and the message shows it.
    await asyncio.gather(click(cast.it, laptop.id, "received"), click(cast.it, laptop.id, "received"))

    async def received() -> bool:
        blocks = json.dumps(message(bot, case, page["ts"])["blocks"])
        return (await rt.assets.asset(laptop.id)).state == "received" and "*received*" in blocks

    await wait_for(received, what="received shown")
    events = [e for e in await rt.evidence.events(case.id) if e.kind == "asset.received"]
    assert len(events) == 1 and events[0].actor == cast.it

    # Wiping the phone before it is back is refused, naming where it is.
    await click(cast.security, assets["PH-7"].id, "wiped")
    await wait_for(
        lambda: any("is return requested" in (e.get("text") or "") for e in bot.slack.ephemeral),
        what="conflict",
    )

    # Revocation removes the licence; the next refresh lists the seat as reclaimable.
    await click_revocation(bot, case, ids.REVOKE_STEP, "graph.remove_licenses", cast.it)
    assert (await step_settled(bot, case.id, "graph.remove_licenses")).status == "done"
    await click(cast.it, laptop.id, "wiped")

    async def seats_shown() -> bool:
        blocks = json.dumps(message(bot, case, page["ts"])["blocks"])
        return "Reclaimable licence seats" in blocks and "SPE_E5" in blocks and "*wiped*" in blocks

    await wait_for(seats_shown, what="seats shown")
    assert check_blocks(message(bot, case, page["ts"])["blocks"], "message") == []
    assert await rt.evidence.verify(case.id) == {case.id: []}
