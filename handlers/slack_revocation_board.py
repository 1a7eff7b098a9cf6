"""The revocation thread in Slack, under the first checklist message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.cases.models import Case
from bot.checklist.models import ChecklistItem
from bot.revocation.contract import PlannedCall
from handlers.render import revocation as render


class SlackRevocationBoard:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def show_panel(self, case: Case, items: Sequence[ChecklistItem]) -> dict[str, Any]:
        if not case.channel_id or not case.messages.get("checklist"):
            return {}
        blocks = render.panel_blocks(case, items)
        text = f"Access revocation for {case.subject_name}"
        current = case.messages.get("revocation")
        if current:
            await self.client.chat_update(
                channel=case.channel_id, ts=current["panel_ts"], text=text, blocks=blocks
            )
            return {}
        thread = case.messages["checklist"][0]["ts"]
        resp = await self.client.chat_postMessage(
            channel=case.channel_id, thread_ts=thread, text=text, blocks=blocks
        )
        return {"revocation": {"thread_ts": thread, "panel_ts": resp["ts"]}}

    async def show_result(self, case: Case, item: ChecklistItem) -> None:
        thread = (case.messages.get("revocation") or {}).get("thread_ts")
        if not case.channel_id or not thread:
            return
        await self.client.chat_postMessage(
            channel=case.channel_id,
            thread_ts=thread,
            text=f"{item.title}: {item.status}",
            blocks=render.result_blocks(case, item),
        )

    async def show_preview(self, case: Case, plans: dict[str, list[PlannedCall] | str]) -> None:
        thread = (case.messages.get("revocation") or {}).get("thread_ts")
        if not case.channel_id:
            return
        await self.client.chat_postMessage(
            channel=case.channel_id,
            thread_ts=thread,
            text="Revocation preview (nothing sent)",
            blocks=render.preview_blocks(plans),
        )
