"""Buttons in the Access revocation thread: run or retry a step, revoke all, preview, inventory."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import permissions
from bot.errors import Conflict, InvalidRequest, NotAllowed
from handlers import ids
from handlers.errors import after_ack
from handlers.forms import AcceptForm
from handlers.render import case_forms


async def _flow(context: Any) -> tuple[Any, Any, frozenset[str]]:
    """The revocation flow, the case and the actor's roles (read after the ack)."""
    flow = context["runtime"].revocation
    if flow is None:
        raise Conflict("No identity system (Okta or Microsoft Graph) is configured.")
    case, roles = await context["acting"].case()
    return flow, case, roles


def register(app: AsyncApp) -> None:
    @app.action(re.compile(f"^({ids.REVOKE_STEP}|{ids.REVOKE_RETRY})$"))
    @after_ack
    async def run_step(ack: Any, action: dict[str, Any], context: Any, body: Any, client: Any) -> None:
        await ack()
        flow, case, roles = await _flow(context)
        _, key = ids.parse_item_value(action.get("value", ""))
        await flow.click_step(case, key, context["actor"], roles)

    @app.action(ids.REVOKE_ALL)
    @after_ack
    async def revoke_all(ack: Any, context: Any, body: Any, client: Any) -> None:
        await ack()
        flow, case, roles = await _flow(context)
        await flow.click_all(case, context["actor"], roles)

    @app.action(ids.REVOKE_PREVIEW)
    @after_ack
    async def preview(ack: Any, context: Any, body: Any, client: Any) -> None:
        await ack()
        flow, case, roles = await _flow(context)
        await flow.click_preview(case, context["actor"], roles)

    @app.action(ids.REFRESH_INVENTORY)
    @after_ack
    async def refresh(ack: Any, context: Any, body: Any, client: Any) -> None:
        await ack()
        flow, case, roles = await _flow(context)
        await flow.click_refresh(case, context["actor"], roles)

    @app.action(ids.ACCEPT_REMAINDER)
    @after_ack
    async def accept(ack: Any, context: Any, body: Any, client: Any) -> None:
        await ack()
        flow, case, roles = await _flow(context)
        try:
            permissions.check_accept_remainder(roles)
        except NotAllowed as e:
            await flow.offboarding.refuse(case, context["actor"], "accept remainder", e)
            raise
        view = case_forms.accept_remainder(case.id)
        await client.views_open(trigger_id=body["trigger_id"], view=context["seal"](view))

    @app.view(ids.ACCEPT_FORM)
    @after_ack
    async def accept_submit(ack: Any, view: dict[str, Any], context: Any, body: Any, client: Any) -> None:
        try:
            reason = AcceptForm.read(view).reason
        except InvalidRequest as e:
            await ack(response_action="errors", errors=e.fields)
            return
        await ack()
        flow, case, roles = await _flow(context)
        await flow.accept_remainder(case, context["actor"], roles, reason)
