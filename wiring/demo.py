"""`offboard-bot demo`: a whole offboarding against in-process stand-ins. No credentials, no network."""

from __future__ import annotations

import logging
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.clock import SystemClock
from bot.config import Settings, load_org_config
from bot.workdays import non_working_reason
from handlers import ids
from handlers.render.assets import ASSET_STEP, step_value
from standins.cast import Cast, seed, seed_identity
from standins.graph_api import GraphStandIn
from standins.okta_api import OktaStandIn
from standins.slack_api import SlackStandIn
from standins.slack_driver import SlackDriver, wait_for
from wiring.server import start

SECRET = "demo-signing-secret"
TOKEN = "xoxb-demo"


def blocks_as_text(blocks: list[dict[str, Any]]) -> str:
    """Roughly what a person sees in Slack, for a terminal."""
    lines = []
    for b in blocks:
        if b.get("type") == "header":
            lines.append(f"== {b['text']['text']} ==")
        elif b.get("type") in ("section", "context"):
            texts = (
                [b["text"]["text"]] if b.get("text") else [e.get("text", "") for e in b.get("elements", [])]
            )
            button = (b.get("accessory") or {}).get("text", {}).get("text")
            lines.append("  ".join(texts) + (f"   [{button}]" if button else ""))
        elif b.get("type") == "divider":
            lines.append("-" * 40)
    return "\n".join(lines)


def next_working_day(start: date, days: int) -> date:
    day = start + timedelta(days=days)
    while non_working_reason(day, "US"):
        day += timedelta(days=1)
    return day


def say(who: str, text: str) -> None:
    print(f"\n--- {who} ---\n{text}")


async def run_demo() -> int:
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    slack = SlackStandIn(token=TOKEN)
    okta = OktaStandIn(token="demo-okta-token")
    graph = GraphStandIn(token="demo-graph-token")
    for standin in (slack, okta, graph):
        await standin.start()
    cast: Cast = seed(slack)
    seed_identity(okta, graph, cast)
    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "offboard.yml"
        # No admins: Microsoft Graph says Maria is Jane's manager, which is what lets her start.
        config_path.write_text(yaml.safe_dump(cast.config(auto_revoke_at_cutoff=True)))
        env = {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/demo.db",
            "OFFBOARD_CONFIG": str(config_path),
            "PORT": "0",
            "OKTA_ORG_URL": okta.url,
            "OKTA_API_TOKEN": "demo-okta-token",
            "GRAPH_BASE_URL": graph.url,
            "GRAPH_ACCESS_TOKEN": "demo-graph-token",
        }
        settings = Settings.from_env(env)
        runner, runtime, port = await start(
            settings, host="127.0.0.1", config=load_org_config(config_path), clock=SystemClock()
        )
        try:
            async with SlackDriver(f"http://127.0.0.1:{port}", SECRET) as driver:
                await _script(runtime, driver, slack, cast)
        finally:
            await runner.cleanup()
            await runtime.close()
            for standin in (slack, okta, graph):
                await standin.stop()
    return 0


async def _script(runtime: Any, driver: SlackDriver, slack: SlackStandIn, cast: Cast) -> None:
    last_day = next_working_day(datetime.now(UTC).date(), 7)
    say("Maria (manager) types", f"/offboard <@{cast.subject}|jane>")
    await driver.command(cast.manager, f"<@{cast.subject}|jane>")
    await wait_for(lambda: slack.views_opened, what="the form")
    view = slack.views_opened[-1]
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    say("Maria sees a form", "\n".join(f"  • {label}" for label in labels))
    say("Maria submits", f"last day {last_day}, voluntary, employee checklist, mailbox → shared mailbox")
    await driver.submit(cast.manager, view, {"last_day": last_day.isoformat(), "mailbox": "shared"})

    async def posted() -> Any:
        case = await runtime.cases.open_case_for(cast.subject)
        return case if case and case.messages.get("checklist") else None

    async def ready() -> Any:
        case = await posted()
        events = {e.kind for e in await runtime.evidence.events(case.id)} if case else set()
        return case if "access.inventory" in events else None

    case = await wait_for(ready, what="the checklist and the access inventory")
    channel = slack.channels[case.channel_id]
    members = ", ".join(
        slack.users[m]["real_name"] for m in sorted(channel["members"]) if m != slack.bot_user_id
    )
    say("The bot opens a private channel", f"#{channel['name']} with {members}\ntopic: {channel['topic']}")
    say(f"Everyone in #{channel['name']} sees", blocks_as_text(slack.messages[case.channel_id][0]["blocks"]))

    thread = [m for m in slack.messages[case.channel_id] if m.get("thread_ts")]
    say("In the Access revocation thread", "\n\n".join(blocks_as_text(m["blocks"]) for m in thread))

    say("Ivan (IT) clicks Revoke all", "and confirms")
    panel = case.messages["revocation"]["panel_ts"]
    posted_before = len(slack.messages[case.channel_id])
    await driver.click(
        cast.it, ids.REVOKE_ALL, ids.item_value(case.id, "*"), channel=case.channel_id, ts=panel
    )

    async def verified() -> bool:
        return any(e.kind == "access.verified" for e in await runtime.evidence.events(case.id))

    await wait_for(verified, limit=60, what="revocation and verification")
    await wait_for(lambda: len(slack.messages[case.channel_id]) >= posted_before + 2, what="results posted")
    new = [m for m in slack.messages[case.channel_id][posted_before:] if m.get("thread_ts")]
    say(
        "The thread shows each call's result, then the verification",
        "\n\n".join(blocks_as_text(m["blocks"]) for m in new),
    )

    items = [i for i in await runtime.cases.items(case.id) if i.status != "done"]
    first = items[0]
    say("Ivan (IT) clicks an HR item", first.title)
    await driver.click(
        cast.it, ids.ITEM_DONE, ids.item_value(case.id, first.key), channel=case.channel_id, ts="0"
    )
    await wait_for(lambda: slack.ephemeral, what="the refusal")
    say("Only Ivan sees", slack.ephemeral[-1]["text"])

    owners = {"hr": cast.hr, "it": cast.it, "security": cast.security, "manager": cast.manager}
    case = await runtime.cases.get(case.id)  # page refs now include the items the inventory added
    for item in items:
        page = next(p["ts"] for p in case.messages["checklist"] if item.key in p["keys"])
        await driver.click(
            owners[item.role],
            ids.ITEM_DONE,
            ids.item_value(case.id, item.key),
            channel=case.channel_id,
            ts=page,
        )

        async def done(key: str = item.key) -> bool:
            return (await runtime.checklist.item(case.id, key)).status == "done"

        await wait_for(done, what=item.key)
    say(
        "Each owner clicks their remaining items",
        f"{len(items)} items done, the checklist updated in place each time",
    )

    for asset in await runtime.assets.assets(case.id):
        for state in ("received", "wiped", "retired"):
            value = step_value(case.id, asset.id, state)
            await driver.click(cast.it, f"{ASSET_STEP}:{state}", value, channel=case.channel_id, ts="0")

            async def moved(asset_id: int = asset.id, to: str = state) -> bool:
                return any(a.id == asset_id and a.state == to for a in await runtime.assets.assets(case.id))

            await wait_for(moved, what=f"asset {state}")
        say(
            "Ivan tracks the returned device",
            f"{asset.description or asset.asset_tag}: received → wiped → retired",
        )
    await wait_for(lambda: slack.messages[cast.archive], what="the archive post")
    say("#offboarding-archive receives", blocks_as_text(slack.messages[cast.archive][0]["blocks"]))
    closed = await runtime.cases.get(case.id)
    archived = slack.channels[case.channel_id]["is_archived"]
    say("Afterwards", f"case {closed.id} is {closed.status}; #{channel['name']} archived: {archived}")
