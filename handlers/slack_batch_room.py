"""A batch's place in Slack: its coordination channel, the summary message, optional person channels."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.web.async_client import AsyncWebClient

from bot.bulk.service import Summary
from bot.cases.models import Batch, Case
from bot.clock import Clock
from handlers.render import batch as render
from handlers.render.text import clip, escape
from handlers.slack_workspace import SlackWorkspace, room_thread


class SlackBatchRoom:
    def __init__(self, client: AsyncWebClient, workspace: SlackWorkspace, clock: Clock) -> None:
        self.client = client
        self.workspace = workspace
        self.clock = clock

    async def open_room(self, batch: Batch, invitees: Sequence[str]) -> tuple[str, str]:
        day = batch.cutoff_at.date().isoformat() if batch.cutoff_at else batch.created_at.date().isoformat()
        return await self.workspace.private_channel(
            lambda suffix: f"offboard-batch-{batch.id}-{day}{suffix}",
            invitees,
            f"Batch offboarding {batch.id} · {batch.size} departures · summary pinned at the top",
        )

    async def show_summary(self, summary: Summary) -> str | None:
        batch = summary.batch
        text = render.summary_text(summary)
        blocks = render.summary_blocks(summary, self.clock.now())
        if batch.summary_ts:
            await self.client.chat_update(
                channel=batch.channel_id, ts=batch.summary_ts, text=text, blocks=blocks
            )
            return batch.summary_ts
        resp = await self.client.chat_postMessage(channel=batch.channel_id, text=text, blocks=blocks)
        return resp["ts"]

    async def open_person_channel(self, case: Case, invitees: Sequence[str]) -> tuple[str, str]:
        """A room to talk about one person; the checklist itself stays in the batch thread."""
        channel_id, name = await self.workspace.open_room(case, invitees)
        thread = room_thread(case)
        if case.channel_id and thread:
            link = (await self.client.chat_getPermalink(channel=case.channel_id, message_ts=thread))[
                "permalink"
            ]
            text = (
                f"The checklist and access revocation for {clip(escape(case.subject_name), 1000)}"
                f" are in the batch thread: {link}"
            )
            await self.client.chat_postMessage(channel=channel_id, text=text)
        return channel_id, name
