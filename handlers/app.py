"""The Bolt app, built in one factory: listeners, the case/roles middleware and the error handler."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from handlers import case_actions, checklist_actions, commands, errors, form, home, ids, revocation_actions

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
LISTENERS = (commands, form, checklist_actions, revocation_actions, case_actions, home)


def case_id_in(body: dict[str, Any]) -> int | None:
    """The case a request is about: from a button's value or a modal's private metadata."""
    for action in body.get("actions") or []:
        value = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
        if "|" in value:
            head = value.split("|", 1)[0]
            if head.isdigit():
                return int(head)
    meta = (body.get("view") or {}).get("private_metadata") or ""
    if meta.startswith("{"):
        try:
            value = json.loads(meta).get("case")
        except ValueError:
            return None
        return int(value) if isinstance(value, int) else None
    return None


def create_app(runtime: Runtime, client: AsyncWebClient) -> AsyncApp:
    app = AsyncApp(
        client=client,
        signing_secret=runtime.settings.slack_signing_secret,
        token=runtime.settings.slack_bot_token,
        logger=logging.getLogger("slack_bolt"),
    )

    @app.middleware
    async def resolve_case_and_roles(context: Any, body: dict[str, Any], next: Any) -> Any:
        """Once per request: the case it concerns and the acting person's roles in it."""
        context["runtime"] = runtime
        user = (
            (body.get("user") or {}).get("id") or body.get("user_id") or (body.get("event") or {}).get("user")
        )
        case = None
        case_id = case_id_in(body)
        if case_id is not None:
            case = await runtime.cases.find(case_id)
        context["case"] = case
        context["actor"] = user
        context["roles"] = await runtime.offboarding.roles_for(user, case) if user else frozenset()
        return await next()

    for module in LISTENERS:
        module.register(app)
    errors.register(app)
    return app


__all__ = ["create_app", "ids"]
