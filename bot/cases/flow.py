"""The offboarding as it unfolds: open → room → checklist → items done → archive.

This is the one place that strings the services together; each service keeps its own rules.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import date

from bot import permissions
from bot.cases.background import Background
from bot.cases.models import CANCELLED, Case
from bot.cases.requests import OffboardRequest
from bot.cases.service import CaseService
from bot.checklist.models import ChecklistItem
from bot.checklist.service import ChecklistService
from bot.errors import Conflict, NotAllowed
from bot.evidence.service import BOT, Evidence
from bot.notices import CloseBlocked, LastDayMoved
from bot.ports import Workspace
from bot.roles import RoleDirectory

log = logging.getLogger(__name__)

# Finds the Slack id of a person's manager from the identity systems (None when unknown).
ManagerLookup = Callable[[str, str | None], Awaitable[str | None]]


class CaseHooks:
    """What other concerns (revocation, schedule) do when a case changes. Defaults do nothing."""

    async def opened(self, case: Case) -> None: ...
    async def opened_many(self, cases: Sequence[Case]) -> None:
        for case in cases:
            await self.opened(case)

    async def room_ready(self, case: Case) -> None: ...
    async def rescheduled(self, case: Case) -> None: ...
    async def finished(self, case: Case) -> None: ...


class Offboarding:
    def __init__(
        self,
        cases: CaseService,
        checklist: ChecklistService,
        roles: RoleDirectory,
        workspace: Workspace,
        evidence: Evidence,
        manager_of: ManagerLookup | None = None,
    ) -> None:
        self.cases = cases
        self.checklist = checklist
        self.roles = roles
        self.workspace = workspace
        self.evidence = evidence
        self.manager_of = manager_of
        self.background = Background(cases, evidence, workspace)
        self.hooks: list[CaseHooks] = []
        # Checks that can keep a finished case open (e.g. access not verified gone): reasons, or [].
        self.close_guards: list[Callable[[int], Awaitable[list[str]]]] = []
        # Lines other concerns add to the archived record (e.g. verification per system).
        self.record_notes: list[Callable[[int], Awaitable[list[str]]]] = []

    # -- who is acting ----------------------------------------------------------------------
    async def roles_for(self, actor: str, case: Case | None) -> frozenset[str]:
        roles = set(await self.roles.roles_of(actor))
        if case is not None:
            if actor == case.manager_id:
                roles.add("manager")
            if actor == case.subject_id:
                roles = {"subject"}
        return frozenset(roles)

    async def refuse(self, case: Case | None, actor: str, action: str, error: NotAllowed) -> None:
        if case is not None:
            await self.evidence.record(case.id, "refused", actor, action=action, why=error.message)
        log.info("refused %s by %s: %s", action, actor, error.message)

    # -- opening ----------------------------------------------------------------------------
    async def check_may_open(
        self, actor: str, subject_id: str, subject_email: str | None = None
    ) -> str | None:
        """Raise NotAllowed unless the actor may offboard the subject; returns the known manager id."""
        roles = set(await self.roles.roles_of(actor))
        manager = await self.manager_of(subject_id, subject_email) if self.manager_of else None
        if manager and manager == actor:
            roles.add("manager")
        permissions.check_open(frozenset(roles), is_self=actor == subject_id)
        return manager

    async def start(self, req: OffboardRequest, *, subject_email: str | None = None) -> Case:
        manager = await self.check_may_open(req.requested_by, req.subject_id, subject_email)
        return await self.launch(await self.cases.open(req, manager_id=manager or req.requested_by))

    async def launch(self, case: Case) -> Case:
        """A case just opened: tell the other concerns, then set up its room."""
        await self.opened(case)
        return await self.setup_room(case)

    async def opened(self, case: Case) -> None:
        await self.opened_many([case])

    async def opened_many(self, cases: Sequence[Case]) -> None:
        for hook in self.hooks:
            await hook.opened_many(cases)  # involuntary exits start revoking here, before any room exists

    async def setup_room(self, case: Case, *, shared: tuple[str, str] | None = None) -> Case:
        """The case's own private channel, or (a batch) a thread in the batch's channel: `shared`."""
        if shared is None:
            channel_id, name = await self.workspace.open_room(case, await self.room_invitees(case))
        else:
            channel_id, name = shared
            await self.cases.save_messages(case.id, {"shared_room": True})
        await self.cases.attach_room(case.id, channel_id, name)
        await self.show(await self.cases.get(case.id))
        case = await self.cases.get(case.id)  # now with the checklist's message refs
        for hook in self.hooks:
            await hook.room_ready(case)
        return await self.cases.get(case.id)

    async def staff(self, *also: str) -> set[str]:
        """HR, IT and security, and whoever else is named."""
        people = set(also)
        for role in ("hr", "it", "security"):
            people |= await self.roles.members(role)
        return people

    async def room_invitees(self, case: Case) -> list[str]:
        """Who a case's own channel invites: its manager, who opened it and the staff; never the person."""
        return sorted((await self.staff(case.manager_id, case.requested_by)) - {case.subject_id})

    async def show(self, case: Case, changed: Sequence[str] | None = None) -> None:
        refs = await self.workspace.show_checklist(case, await self.cases.items(case.id), changed)
        if refs:
            await self.cases.save_messages(case.id, refs)

    # -- items ------------------------------------------------------------------------------
    async def complete_item(self, case: Case, key: str, actor: str, roles: frozenset[str]) -> ChecklistItem:
        """`roles` are the actor's roles in this case, resolved once per request."""
        await self.cases.ensure_open(case)
        case_id = case.id
        item = await self.checklist.item(case_id, key)
        try:
            permissions.check_item(roles, item.role, item.kind, item.title)
        except NotAllowed as e:
            await self.refuse(case, actor, f"complete {key}", e)
            raise
        if item.kind == "revocation":
            raise Conflict("Revocation steps are done by running them, from the Access revocation thread.")
        if self.cases.templates.get(case.template).closure_approval == key:
            still_open = await self.checklist.open_count(case_id) - 1
            if still_open > 0:
                raise Conflict(f"Closure is approved last: {still_open} other item(s) are still open.")
        done = await self.checklist.complete(case_id, key, actor)
        await self.show(case, [key])
        await self.maybe_close(case_id, actor)
        return done

    async def maybe_close(self, case_id: int, actor: str) -> bool:
        if await self.checklist.open_count(case_id):
            return False
        for guard in self.close_guards:
            blocking = await guard(case_id)
            if blocking:
                await self.workspace.notify(await self.cases.get(case_id), CloseBlocked(tuple(blocking)))
                return False
        if not await self.cases.finish(case_id, actor):
            return False
        await self.archive(await self.cases.get(case_id))
        return True

    async def check_case_admin(self, case: Case, actor: str, roles: frozenset[str], action: str) -> None:
        await self.cases.ensure_open(case)
        try:
            permissions.check_case_admin(roles, action)
        except NotAllowed as e:
            await self.refuse(case, actor, action, e)
            raise

    async def change_last_day(self, case: Case, day: date, actor: str, roles: frozenset[str]) -> Case:
        await self.check_case_admin(case, actor, roles, "change the last day")
        case = await self.cases.change_last_day(case, day, actor)
        for hook in self.hooks:
            await hook.rescheduled(case)
        await self.show(case)
        await self.workspace.notify(case, LastDayMoved(actor, day))
        return case

    async def cancel(self, case: Case, actor: str, roles: frozenset[str], reason: str) -> None:
        await self.check_case_admin(case, actor, roles, "cancel an offboarding")
        case_id = case.id
        if await self.cases.finish(case_id, actor, status=CANCELLED, reason=reason):
            await self.archive(await self.cases.get(case_id))

    async def archive(self, case: Case) -> None:
        """Post the completed record to the archive channel, then archive the room."""
        events = await self.evidence.events(case.id)
        last = events[-1]
        notes = [line for source in self.record_notes for line in await source(case.id)]
        await self.workspace.post_archive(case, await self.cases.items(case.id), last.hash, last.seq, notes)
        await self.evidence.record(case.id, "archive.posted", BOT, final_seq=last.seq, final_hash=last.hash)
        for hook in self.hooks:
            await hook.finished(case)
        if case.channel_id:
            await self.workspace.close_room(case)
