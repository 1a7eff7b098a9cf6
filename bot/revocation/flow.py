"""Revocation inside a case: the thread's panel, clicks from IT, runs at cutoff, results shown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from bot import permissions
from bot.cases.flow import CaseHooks, Offboarding
from bot.cases.models import Case
from bot.checklist.models import ChecklistItem
from bot.errors import NotAllowed
from bot.evidence.service import BOT
from bot.revocation.review import AccessReview
from bot.revocation.service import RevocationBoard, RevocationService

log = logging.getLogger(__name__)
SHOW_AT_ONCE = 4


class RevocationFlow(CaseHooks):
    def __init__(
        self,
        service: RevocationService,
        board: RevocationBoard,
        offboarding: Offboarding,
        review: AccessReview,
    ) -> None:
        self.service = service
        self.board = board
        self.offboarding = offboarding
        self.review = review
        self.cases = offboarding.cases
        self.background = offboarding.background
        # Results shown in the background go to Slack a few at a time: at a layoff's cutoff hundreds
        # of cases finish together, and a herd of retries would outlast slack_sdk's retry budget.
        self._showing = asyncio.Semaphore(SHOW_AT_ONCE)
        # Told whenever steps of a case finish (a batch's summary counts them).
        self.listeners: list[Callable[[Case], Awaitable[None]]] = []
        self._revoking = 0  # scheduled runs in progress
        self._quiet = asyncio.Event()
        self._quiet.set()
        offboarding.close_guards.append(review.blocking)
        offboarding.record_notes.append(review.record_lines)

    # -- hooks --------------------------------------------------------------------------------
    async def opened(self, case: Case) -> None:
        if case.reason == "involuntary":
            # Access ends now: do not wait for the channel to be set up.
            self.background.spawn(self.run_all(case, BOT), "Revoking access at once", case.id)

    async def room_ready(self, case: Case) -> None:
        items = await self.cases.items(case.id)
        if not any(i.kind == "revocation" for i in items):
            return
        refs = await self.board.show_panel(case, items)
        if refs:
            await self.cases.save_messages(case.id, refs)
        await self.refresh_inventory(await self.cases.get(case.id), BOT)

    async def refresh_inventory(self, case: Case, actor: str) -> None:
        inventory, changes = await self.review.inventory(case, actor)
        case = await self.cases.get(case.id)
        await self.board.show_inventory(case, inventory, changes)
        await self.offboarding.show(case)  # manual items may have been added

    async def verify(self, case: Case, actor: str, reason: str) -> None:
        checks = await self.review.verify(case, actor, reason)
        case = await self.cases.get(case.id)
        await self.board.show_verification(case, checks, await self.review.blocking(case.id))

    async def settle(self) -> None:
        """Wait for background runs (tests, shutdown)."""
        await self.background.settle()

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

    async def run_all(self, case: Case, actor: str, *, show_later: bool = False) -> list[ChecklistItem]:
        """Every open step. With show_later (the scheduler at cutoff), Slack is updated in the
        background once no scheduled run is revoking: revocations for the next cases must never
        wait on Slack's rate limits, nor share the CPU with showing results."""
        if not show_later:
            finished = await self.service.run_all(case, await self.cases.items(case.id), actor)
            await self.after(case, finished)
            return finished
        self._revoking += 1
        self._quiet.clear()
        try:
            finished = await self.service.run_all(case, await self.cases.items(case.id), actor)
        finally:
            self._revoking -= 1
            if not self._revoking:
                self._quiet.set()
        await self._tell_listeners(case, finished)  # now: a batch's summary should not wait for Slack
        self.background.spawn(self._show_later(case, finished), "Showing the cutoff's results", case.id)
        return finished

    async def _show_later(self, case: Case, finished: Sequence[ChecklistItem]) -> None:
        while self._revoking:  # a cutoff's burst: the CPU goes to revoking, results are shown after
            await self._quiet.wait()
        async with self._showing:
            await self.after(case, finished, told=True)

    async def _tell_listeners(self, case: Case, finished: Sequence[ChecklistItem]) -> None:
        for listener in self.listeners if finished else ():
            await listener(case)

    async def after(self, case: Case, finished: Sequence[ChecklistItem], *, told: bool = False) -> None:
        """Show what happened: a reply per step, the panel and the checklist updated, maybe close.
        `told`: the listeners already know of these steps."""
        if not finished:
            return
        if not told:
            await self._tell_listeners(case, finished)
        case = await self.cases.get(case.id)
        if case.messages.get("revocation"):
            await self.board.show_results(case, finished)
            await self.board.show_panel(case, await self.cases.items(case.id))
        if case.messages.get("checklist"):
            await self.offboarding.show(case, [i.key for i in finished])
        items = await self.cases.items(case.id)
        if not await self.service.pending_steps(items):
            await self.verify(case, BOT, "after the revocation steps")
        await self.offboarding.maybe_close(case.id, BOT)

    async def click_refresh(self, case: Case, actor: str, roles: frozenset[str]) -> None:
        await self._authorise(case, actor, roles, "refresh inventory")
        await self.refresh_inventory(case, actor)

    async def accept_remainder(self, case: Case, actor: str, roles: frozenset[str], reason: str) -> None:
        await self.cases.ensure_open(case)
        await self.review.accept(case, actor, roles, reason)
        await self.offboarding.maybe_close(case.id, actor)
