"""Clicks on checklist items."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.errors import NotFound
from handlers import ids
from handlers.errors import after_ack


def register(app: AsyncApp) -> None:
    @app.action(ids.ITEM_DONE)
    @after_ack
    async def item_done(ack: Any, action: dict[str, Any], context: Any, body: Any, client: Any) -> None:
        await ack()
        case = context["case"]
        if case is None:
            raise NotFound("That offboarding no longer exists.")
        _, key = ids.parse_item_value(action.get("value", ""))
        await context["runtime"].offboarding.complete_item(case, key, context["actor"], context["roles"])
