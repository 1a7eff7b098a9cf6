"""Steps shared by the end-to-end suites: open a case through Slack, click items as their owners."""

from __future__ import annotations

from typing import Any

from bot.checklist.models import DONE
from handlers import ids
from standins.slack_driver import wait_for


async def open_case(bot: Any, answers: dict[str, Any] | None = None, *, by: str | None = None) -> Any:
    """`/offboard @jane`, fill the form, submit; returns the case once its checklist is posted."""
    cast = bot.cast
    by = by or cast.manager
    opened = len(bot.slack.views_opened)
    status, body = await bot.driver.command(by, f"<@{cast.subject}|jane>")
    assert status == 200, body
    await wait_for(lambda: len(bot.slack.views_opened) > opened, what="views.open")
    view = bot.slack.views_opened[-1]
    status, body = await bot.driver.submit(by, view, {"last_day": "2026-12-04", **(answers or {})})
    assert status == 200 and not body, body

    async def posted() -> Any:
        case = await bot.runtime.cases.open_case_for(cast.subject)
        if not case or not case.messages.get("checklist"):
            return None
        if bot.runtime.revocation is None:
            return case
        # With an identity system configured, the room is ready once the access inventory is recorded.
        kinds = {e.kind for e in await bot.runtime.evidence.events(case.id)}
        shown = any(
            m.get("text", "").startswith("Access inventory") for m in bot.slack.messages[case.channel_id]
        )
        return await bot.runtime.cases.get(case.id) if "access.inventory" in kinds and shown else None

    return await wait_for(posted, what="checklist posted")


def page_of(case: Any, key: str) -> str:
    for page in case.messages["checklist"]:
        if key in page["keys"]:
            return page["ts"]
    raise AssertionError(f"{key} is on no checklist page")


def owner_of(cast: Any, role: str) -> str:
    return {"hr": cast.hr, "it": cast.it, "security": cast.security, "manager": cast.manager}[role]


async def click_item(bot: Any, case: Any, key: str, user: str) -> tuple[int, Any]:
    return await bot.driver.click(
        user, ids.ITEM_DONE, ids.item_value(case.id, key), channel=case.channel_id, ts=page_of(case, key)
    )


async def complete_all(bot: Any, case: Any) -> None:
    for item in await bot.runtime.cases.items(case.id):
        if item.status == DONE:
            continue
        status, _ = await click_item(bot, case, item.key, owner_of(bot.cast, item.role))
        assert status == 200

        async def done(key: str = item.key) -> bool:
            return (await bot.runtime.checklist.item(case.id, key)).status == DONE

        await wait_for(done, what=f"{item.key} done")


async def click_revocation(bot: Any, case: Any, action_id: str, key: str, user: str) -> tuple[int, Any]:
    case = await bot.runtime.cases.get(case.id)
    panel = case.messages["revocation"]["panel_ts"]
    return await bot.driver.click(
        user, action_id, ids.item_value(case.id, key), channel=case.channel_id, ts=panel
    )


async def step_settled(bot: Any, case_id: int, key: str) -> Any:
    async def settled() -> Any:
        item = await bot.runtime.checklist.item(case_id, key)
        return item if item.status in ("done", "failed") else None

    return await wait_for(settled, what=f"{key} settled")
