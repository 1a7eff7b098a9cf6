"""The Bolt app, built in one factory: listeners, the case/roles middleware and the error handler."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import NotAllowed
from handlers import (
    asset_actions,
    bulk,
    case_actions,
    checklist_actions,
    commands,
    errors,
    form,
    home,
    ids,
    revocation_actions,
)
from handlers.acting import Acting, case_id_in, clicked_at
from handlers.metadata import Sealer

if TYPE_CHECKING:
    from handlers.services import Services

log = logging.getLogger(__name__)
LISTENERS = (asset_actions, bulk, commands, form, checklist_actions, revocation_actions, case_actions, home)


def create_app(runtime: Services, client: AsyncWebClient, *, verify: bool = True) -> AsyncApp:
    """`verify=False`: the caller checked the request signature already (wiring/server.py does, before
    Bolt parses the body); Socket Mode needs no signature."""
    app = AsyncApp(
        client=client,
        signing_secret=runtime.settings.slack_signing_secret,
        request_verification_enabled=verify,
        logger=logging.getLogger("slack_bolt"),
    )

    sealer = Sealer(runtime.settings.slack_signing_secret)

    @app.middleware
    async def acting_person(context: Any, body: dict[str, Any], next: Any) -> Any:
        """Once per request: who acts and on which case. Reading them waits until after the ack."""
        user = (
            (body.get("user") or {}).get("id") or body.get("user_id") or (body.get("event") or {}).get("user")
        )
        context["runtime"] = runtime
        context["actor"] = user
        context["acting"] = Acting(runtime, user, case_id_in(body), clicked_at(body))
        context["seal"] = lambda view: sealer.seal(view, user or "")
        if body.get("type") == "view_submission":  # checked here, locally, before any listener runs
            try:
                context["form"] = sealer.open(body.get("view") or {}, user or "")
            except NotAllowed as e:
                context["form_refused"] = e
        return await next()

    for module in LISTENERS:
        module.register(app)
    errors.register(app)
    return app


__all__ = ["create_app", "ids"]
