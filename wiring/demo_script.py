"""The demo's case, step by step: Maria offboards Jane; IT revokes, everyone ticks their items, the
laptop comes back, and the record goes to the archive. Every click goes through the bot's HTTP endpoint
as Slack would send it; what the story shows is read back from the stand-ins and the database."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot.workdays import non_working_reason
from handlers import ids
from handlers.render.assets import ASSET_STEP, step_value
from standins.cast import Cast
from standins.slack_api import SlackStandIn
from standins.slack_driver import SlackDriver, wait_for
from wiring.demo_story import Story


def next_working_day(start: date, days: int) -> date:
    day = start + timedelta(days=days)
    while non_working_reason(day, "US"):
        day += timedelta(days=1)
    return day


async def script(runtime: Any, driver: SlackDriver, slack: SlackStandIn, cast: Cast, story: Story) -> None:
    case = await _open(runtime, driver, slack, cast, story)
    await _revoke(runtime, driver, cast, story, case)
    await _refusal(runtime, driver, slack, cast, story, case)
    await _checklist(runtime, driver, cast, story, case)
    await _equipment(runtime, driver, cast, story, case)
    await wait_for(lambda: slack.messages[cast.archive], what="the archive post")
    await story.settle()
    closed = await runtime.cases.get(case.id)
    channel = slack.channels[case.channel_id]
    story.say("bot", "posts the record to #offboarding-archive", f"case {closed.id} {closed.status}")
    story.posts()
    archived = "archived" if channel["is_archived"] else "still open"
    story.say("bot", f"closes the case channel #{channel['name']}", archived)


async def _open(runtime: Any, driver: SlackDriver, slack: SlackStandIn, cast: Cast, story: Story) -> Any:
    maria, jane = story.actor(cast.manager), story.render.person(cast.subject)
    await driver.command(cast.manager, f"<@{cast.subject}|jane>")
    await wait_for(lambda: slack.views_opened, what="the form")
    view = slack.views_opened[-1]
    story.say(maria, f"/offboard @{jane}", "form opened")
    story.show(story.render.blocks(b for b in view["blocks"] if b["type"] == "input"))

    story.later(3)
    last_day = next_working_day(story.clock.now().date(), 7)
    await driver.submit(cast.manager, view, {"last_day": last_day.isoformat(), "mailbox": "shared"})

    async def ready() -> Any:
        case = await runtime.cases.open_case_for(cast.subject)
        if not case or not case.messages.get("checklist") or not case.messages.get("assets"):
            return None
        events = {e.kind for e in await runtime.evidence.events(case.id)}
        return case if "access.inventory" in events else None

    case = await wait_for(ready, what="the checklist and the access inventory")
    await story.settle(quiet=0.3)
    choices = f"last day {last_day:%a %d %b %Y}, voluntary, employee checklist, mailbox made shared"
    story.say(maria, f"submits the form: {choices}", f"case {case.id} opened")
    channel = slack.channels[case.channel_id]
    members = ", ".join(story.render.person(m) for m in sorted(channel["members"]) if m != slack.bot_user_id)
    story.say("bot", f"opens private channel #{channel['name']}", f"invites {members}; not {jane}")
    story.show([f"topic: {channel['topic']}"])
    story.say(
        "bot",
        f"posts the checklist, reads what {jane.split()[0]} can reach in Okta and Microsoft 365",
        "asks for the laptop back",
    )
    story.posts()
    return case


async def _revoke(runtime: Any, driver: SlackDriver, cast: Cast, story: Story, case: Any) -> None:
    story.later(17)
    story.say(story.actor(cast.it), "clicks [Revoke all] in the thread and confirms", "every step runs")
    panel = case.messages["revocation"]["panel_ts"]
    await driver.click(
        cast.it, ids.REVOKE_ALL, ids.item_value(case.id, "*"), channel=case.channel_id, ts=panel
    )

    async def verified() -> bool:
        return any(e.kind == "access.verified" for e in await runtime.evidence.events(case.id))

    await wait_for(verified, limit=60, what="revocation and verification")
    await story.settle()
    story.say("bot", "runs each call, then reads every system again", "results and verification posted")
    story.posts()


async def _refusal(
    runtime: Any, driver: SlackDriver, slack: SlackStandIn, cast: Cast, story: Story, case: Any
) -> None:
    first = next(i for i in await runtime.cases.items(case.id) if i.status != "done")
    story.later(10)
    before = len(slack.ephemeral)
    await driver.click(
        cast.it, ids.ITEM_DONE, ids.item_value(case.id, first.key), channel=case.channel_id, ts="0"
    )
    await wait_for(lambda: len(slack.ephemeral) > before, what="the refusal")
    await story.settle()
    story.say(story.actor(cast.it), f"clicks [Done] on “{first.title}”", "refused: it is an HR item")
    story.posts()


async def _checklist(runtime: Any, driver: SlackDriver, cast: Cast, story: Story, case: Any) -> None:
    owners = {"hr": cast.hr, "it": cast.it, "security": cast.security, "manager": cast.manager}
    items = await runtime.cases.items(case.id)
    case = await runtime.cases.get(case.id)  # page refs now include the items the inventory added
    for item in (i for i in items if i.status != "done"):
        story.later(2)
        page = next(p["ts"] for p in case.messages["checklist"] if item.key in p["keys"])
        who = owners[item.role]
        await driver.click(
            who, ids.ITEM_DONE, ids.item_value(case.id, item.key), channel=case.channel_id, ts=page
        )

        async def done(key: str = item.key) -> bool:
            return (await runtime.checklist.item(case.id, key)).status == "done"

        await wait_for(done, what=item.key)
        await story.settle()
        now = await runtime.cases.items(case.id)
        progress = f"{sum(i.status == 'done' for i in now)}/{len(now)} done"
        edited = "checklist updated in place" if story.updates() else "checklist unchanged"
        story.say(story.actor(who), f"[Done] {item.title}", f"{edited}, {progress}")
        story.posts()


async def _equipment(runtime: Any, driver: SlackDriver, cast: Cast, story: Story, case: Any) -> None:
    for asset in await runtime.assets.assets(case.id):
        for state in ("received", "wiped", "retired"):
            story.later(5)
            value = step_value(case.id, asset.id, state)
            await driver.click(cast.it, f"{ASSET_STEP}:{state}", value, channel=case.channel_id, ts="0")

            async def moved(asset_id: int = asset.id, to: str = state) -> bool:
                return any(a.id == asset_id and a.state == to for a in await runtime.assets.assets(case.id))

            await wait_for(moved, what=f"asset {state}")
            await story.settle()
            name = asset.description or asset.asset_tag
            story.say(story.actor(cast.it), f"marks {name} {state}", "equipment record updated")
            if state != "retired":  # the last step closes the case: its posts belong to the archive line
                story.posts()
