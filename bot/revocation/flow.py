"""Revocation inside a case: the thread's panel, clicks from IT, runs at cutoff, results shown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bot import permissions
from bot.cases.flow import CaseHooks, Offboarding
from bot.cases.models import Case
from bot.checklist.models import ChecklistItem
from bot.errors import NotAllowed
from bot.revocation.service import BOT, RevocationBoard, RevocationService

log = logging.getLogger(__name__)


class RevocationFlow(CaseHooks):
    def __init__(self, service: RevocationService, board: RevocationBoard, offboarding: Offboarding) -> None:
        self.service = service
        self.board = board
        self.offboarding = offboarding
        self.cases = offboarding.cases
        self._tasks: set[asyncio.Task] = set()

    # -- hooks --------------------------------------------------------------------------------
    async def opened(self, case: Case) -> None:
        if case.reason == "involuntary":
            # Access ends now: do not wait for the channel to be set up.
            task = asyncio.create_task(self.run_all(case, BOT))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def room_ready(self, case: Case) -> None:
        items = await self.cases.items(case.id)
        if not any(i.kind == "revocation" for i in items):
            return
        refs = await self.board.show_panel(case, items)
        if refs:
            await self.cases.save_messages(case.id, refs)

    async def settle(self) -> None:
        """Wait for background runs (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- actions ------------------------------------------------------------------------------
    async def _authorise(self, case: Case, actor: str, roles: frozenset[str], action: str) -> None:
        await self.cases.ensure_open(case)
        try:
            permissions.check_item(roles, "it", "revocation", "revocation steps")
        except NotAllowed as e:
            await self.offboarding.refuse(case, actor, action, e)
            raise

    async def click_step(self, case: Case, key: str, actor: str, roles: frozenset[str]) -> None:
        await self._authorise(case, actor, roles, f"run {key}")
        finished = await self.service.run_step(case, key, actor)
        await self.after(case, [finished] if finished else [])

    async def click_all(self, case: Case, actor: str, roles: frozenset[str]) -> None:
        await self._authorise(case, actor, roles, "revoke all")
        await self.run_all(case, actor)

    async def click_preview(self, case: Case, actor: str, roles: frozenset[str]) -> None:
        await self._authorise(case, actor, roles, "preview")
        plans = await self.service.preview(case, await self.cases.items(case.id))
        await self.offboarding.evidence.record(case.id, "revocation.previewed", actor, steps=sorted(plans))
        await self.board.show_preview(await self.cases.get(case.id), plans)

    async def run_all(self, case: Case, actor: str) -> list[ChecklistItem]:
        finished = await self.service.run_all(case, await self.cases.items(case.id), actor)
        await self.after(case, finished)
        return finished

    async def after(self, case: Case, finished: Sequence[ChecklistItem]) -> None:
        """Show what happened: a reply per step, the panel and the checklist updated, maybe close."""
        if not finished:
            return
        case = await self.cases.get(case.id)
        if case.messages.get("revocation"):
            for item in finished:
                await self.board.show_result(case, item)
            await self.board.show_panel(case, await self.cases.items(case.id))
        if case.messages.get("checklist"):
            await self.offboarding.show(case, [i.key for i in finished])
        await self.offboarding.maybe_close(case.id, BOT)
