"""Clicks on the equipment message, and the Slack side of showing it (post once, then update in place).

The message refs live on the case: messages["assets"] = {"pages": [{"ts": …, "ids": [asset ids]}]}.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Sequence
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.assets.models import Asset
from bot.assets.service import Seat
from bot.cases.models import Case
from bot.clock import Clock, SystemClock
from bot.errors import Conflict, NotFound
from handlers.errors import after_ack
from handlers.render import assets as render
from handlers.slack_workspace import room_thread

log = logging.getLogger(__name__)
STEP_ACTION = re.compile(rf"^{render.ASSET_STEP}(:[a-z_]+)?$")


class SlackAssetBoard:
    def __init__(self, client: Any, clock: Clock | None = None) -> None:
        self.client = client
        self.clock = clock or SystemClock()

    async def show(
        self,
        case: Case,
        assets: Sequence[Asset],
        seats: Sequence[Seat],
        changed: Collection[int] | None = None,
    ) -> dict[str, Any]:
        """Post the pages not posted yet, update the others (only the first and those holding a
        `changed` asset, when given). Returns {"assets": {...}} when the refs changed, else {}."""
        if not case.channel_id:
            return {}
        now = self.clock.now()
        text = render.page_text(case, assets)
        posted = list((case.messages.get("assets") or {}).get("pages") or [])
        refs = []
        for n, ids in enumerate(render.pages(assets)):
            blocks = render.page_blocks(case, assets, ids, seats, first=n == 0, now=now)
            if n < len(posted):
                ts = posted[n]["ts"]
                if n == 0 or changed is None or set(ids) & set(changed) or ids != posted[n].get("ids"):
                    try:
                        await self.client.chat_update(
                            channel=case.channel_id, ts=ts, text=text, blocks=blocks
                        )
                    except SlackApiError as e:  # deleted by someone, or the room archived
                        log.warning(
                            "assets page of case %s not updated: %s", case.id, e.response.get("error")
                        )
            else:
                resp = await self.client.chat_postMessage(
                    channel=case.channel_id, text=text, blocks=blocks, thread_ts=room_thread(case)
                )
                ts = resp["ts"]
            refs.append({"ts": ts, "ids": ids})
        return {"assets": {"pages": refs}} if refs != posted else {}


async def refresh(runtime: Any, client: Any, case_id: int, changed: Collection[int] | None = None) -> None:
    """Show a case's equipment as it is now, and keep the message refs."""
    service = runtime.assets
    case = await runtime.cases.get(case_id)
    board = SlackAssetBoard(client, runtime.clock)
    refs = await board.show(
        case, await service.assets(case_id), await service.reclaimable_seats(case_id), changed
    )
    if refs:
        await runtime.cases.save_messages(case_id, refs)


def register(app: AsyncApp) -> None:
    @app.action(STEP_ACTION)
    @after_ack
    async def asset_step(ack: Any, action: dict[str, Any], context: Any, body: Any, client: Any) -> None:
        await ack()
        runtime = context["runtime"]
        if getattr(runtime, "assets", None) is None:
            raise Conflict("Equipment tracking is not set up.")
        case, roles = await context["acting"].case()
        case_id, asset_id, state = render.parse_step_value(action.get("value", ""))
        if case_id != case.id:
            raise NotFound("That asset is not part of this offboarding.")
        await runtime.assets.move(case, asset_id, state, context["actor"], roles)
        await refresh(runtime, client, case.id, changed={asset_id})
        await runtime.offboarding.maybe_close(
            case.id, context["actor"]
        )  # the last return may finish the case
