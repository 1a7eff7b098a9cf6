"""The scheduled work itself, per kind: the cutoff, the late verification, reminders, the daily digest.
Each claims its work in the database first, so a job fired twice (replicas, restarts) acts once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, select, update

from bot.cases.models import OPEN, Case
from bot.checklist.models import DONE, ChecklistItem
from bot.evidence.service import BOT
from bot.notices import CutoffNeedsPeople, ItemsDue, OverdueDigest

VERIFY_AFTER = timedelta(hours=1)
LATE_CHECK = "one hour after cutoff"


class ScheduledRuns:
    """Part of Schedule, whose __init__ holds the state these use."""

    db: Any
    clock: Any
    config: Any
    cases: Any
    evidence: Any
    workspace: Any
    offboarding: Any
    revocation: Any

    async def cutoff(self, case_id: int) -> bool:
        """Access ends: claim the cutoff once, then revoke (or call IT in) and record it."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            claimed = await session.execute(
                update(Case)
                .where(Case.id == case_id, Case.status == OPEN, Case.cutoff_done_at.is_(None))
                .values(cutoff_done_at=now)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return False
            auto = self.config.auto_revoke_at_cutoff and self.revocation is not None
            await self.evidence.add(session, case_id, "cutoff", BOT, at=now.isoformat(), auto_revoke=auto)
        case = await self.cases.get(case_id)
        if auto:
            assert self.revocation is not None
            await self.revocation.run_all(case, BOT, show_later=True)
        else:
            await self.workspace.notify(case, CutoffNeedsPeople(case.subject_name))
        return True

    async def verify_late(self, case_id: int) -> bool:
        """The second verification, an hour after cutoff; once per case."""
        if self.revocation is None:
            return False
        case = await self.cases.get(case_id)
        events = await self.evidence.events(case_id)
        if case.status != OPEN or any(e.kind == "access.verified" and LATE_CHECK in e.data for e in events):
            return False
        await self.revocation.verify(case, BOT, LATE_CHECK)
        await self.offboarding.maybe_close(case_id, BOT)
        return True

    async def remind(self, case_id: int) -> int:
        """Remind each role of its items that are due and still open; each item once."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            due = list(
                await session.scalars(
                    select(ChecklistItem).where(
                        ChecklistItem.case_id == case_id,
                        ChecklistItem.status != DONE,
                        ChecklistItem.reminded_at.is_(None),
                        ChecklistItem.due_at <= now,
                    )
                )
            )
            if not due:
                return 0
            claimed = await session.execute(
                update(ChecklistItem)
                .where(and_(ChecklistItem.id.in_([i.id for i in due]), ChecklistItem.reminded_at.is_(None)))
                .values(reminded_at=now)
            )
            if claimed.rowcount != len(due):  # type: ignore[attr-defined]
                await session.rollback()
                return 0  # another replica is reminding these
            await self.evidence.add(session, case_id, "reminder", BOT, items=[i.key for i in due])
        case = await self.cases.get(case_id)
        await self.plan(case)  # the next reminder
        if case.status != OPEN:
            return 0
        by_role: dict[str, list[ChecklistItem]] = {}
        for item in due:
            by_role.setdefault(item.role, []).append(item)
        for role, items in by_role.items():
            await self.workspace.notify(case, ItemsDue(role, tuple(i.title for i in items)))
        return len(due)

    async def digest(self) -> dict[str, int]:
        """DM each owner the overdue items of every open case: who gets how many."""
        now = self.clock.now() - timedelta(minutes=1)
        async with self.db.sessions() as session:
            rows = list(
                await session.execute(
                    select(Case, ChecklistItem)
                    .join(ChecklistItem, ChecklistItem.case_id == Case.id)
                    .where(Case.status == OPEN, ChecklistItem.status != DONE, ChecklistItem.due_at <= now)
                )
            )
        per_person: dict[str, list[tuple[str, str]]] = {}
        for case, item in rows:
            owners = (
                {case.manager_id}
                if item.role == "manager"
                else set(await self.offboarding.roles.members(item.role))
            )
            for owner in owners:
                per_person.setdefault(owner, []).append((case.subject_name, item.title))
        for person, lines in per_person.items():
            await self.workspace.notify_person(person, OverdueDigest(tuple(lines)))
        return {p: len(v) for p, v in per_person.items()}
