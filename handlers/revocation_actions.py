"""Buttons in the Access revocation thread: run a step, retry it, revoke all, preview."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.errors import Conflict, NotFound
from handlers import ids
from handlers.errors import after_ack


def _flow(context: Any) -> Any:
    flow = context["runtime"].revocation
    if flow is None:
        raise Conflict("No identity system (Okta or Microsoft Graph) is configured.")
    if context["case"] is None:
        raise NotFound("That offboarding no longer exists.")
    return flow


def register(app: AsyncApp) -> None:
    @app.action(re.compile(f"^({ids.REVOKE_STEP}|{ids.REVOKE_RETRY})$"))
    @after_ack
    async def run_step(ack: Any, action: dict[str, Any], context: Any, body: Any, client: Any) -> None:
        await ack()
        _, key = ids.parse_item_value(action.get("value", ""))
        await _flow(context).click_step(context["case"], key, context["actor"], context["roles"])

    @app.action(ids.REVOKE_ALL)
    @after_ack
    async def revoke_all(ack: Any, context: Any, body: Any, client: Any) -> None:
        await ack()
        await _flow(context).click_all(context["case"], context["actor"], context["roles"])

    @app.action(ids.REVOKE_PREVIEW)
    @after_ack
    async def preview(ack: Any, context: Any, body: Any, client: Any) -> None:
        await ack()
        await _flow(context).click_preview(context["case"], context["actor"], context["roles"])
