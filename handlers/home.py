"""App Home: the viewer's open cases, upcoming cutoffs and overdue items."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.cases.overview import overview
from handlers.render.home import home_view


def register(app: AsyncApp) -> None:
    @app.event("app_home_opened")
    async def home(event: dict[str, Any], context: Any, client: Any) -> None:
        if event.get("tab", "home") != "home":
            return
        runtime = context["runtime"]
        user = event["user"]
        roles = await runtime.roles.roles_of(user)
        view = await overview(runtime.db, runtime.clock, user, roles)
        await client.views_publish(user_id=user, view=home_view(view))
