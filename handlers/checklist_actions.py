"""Clicks on checklist items."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers import ids
from handlers.errors import after_ack


def register(app: AsyncApp) -> None:
    @app.action(ids.ITEM_DONE)
    @after_ack
    async def item_done(ack: Any, action: dict[str, Any], context: Any, body: Any, client: Any) -> None:
        await ack()
        case, roles = await context["acting"].case()
        _, key = ids.parse_item_value(action.get("value", ""))
        await context["runtime"].offboarding.complete_item(case, key, context["actor"], roles)
