"""The revocation thread in Slack, under the first checklist message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.cases.models import Case
from bot.checklist.models import ChecklistItem
from bot.revocation.contract import PlannedCall
from handlers.render import access
from handlers.render import revocation as render
from handlers.render.text import clip, escape


class SlackRevocationBoard:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def show_panel(self, case: Case, items: Sequence[ChecklistItem]) -> dict[str, Any]:
        if not case.channel_id or not case.messages.get("checklist"):
            return {}
        blocks = render.panel_blocks(case, items)
        text = f"Access revocation for {clip(escape(case.subject_name), 1000)}"
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

    async def show_results(self, case: Case, items: Sequence[ChecklistItem]) -> None:
        thread = (case.messages.get("revocation") or {}).get("thread_ts")
        if not case.channel_id or not thread or not items:
            return
        text = clip("; ".join(f"{escape(i.title)}: {escape(i.status)}" for i in items), 3000)
        for blocks in render.result_blocks(case, items):
            await self.client.chat_postMessage(
                channel=case.channel_id, thread_ts=thread, text=text, blocks=blocks
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

    async def _thread_post(self, case: Case, text: str, blocks: list[dict[str, Any]]) -> None:
        thread = (case.messages.get("revocation") or {}).get("thread_ts")
        if case.channel_id and thread:
            await self.client.chat_postMessage(
                channel=case.channel_id, thread_ts=thread, text=text, blocks=blocks
            )

    async def show_inventory(self, case: Case, inventory: dict[str, Any], changes: dict[str, Any]) -> None:
        blocks = access.inventory_blocks(case, inventory, changes)
        await self._thread_post(case, f"Access inventory for {clip(escape(case.subject_name), 1000)}", blocks)

    async def show_verification(self, case: Case, checks: list[Any], blocking: list[str]) -> None:
        gone = all(c.gone for c in checks)
        text = (
            "Access verified gone"
            if gone
            else "Access still there: " + "; ".join(escape(b) for b in blocking[:5])
        )
        text = clip(text, 3000)
        await self._thread_post(case, text, access.verification_blocks(case, checks, blocking))
