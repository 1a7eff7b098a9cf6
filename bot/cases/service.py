"""Cases: finding, changing and closing them (opening is bot/cases/opening.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import select, update

from bot import workdays as cal
from bot.cases.models import CANCELLED, CLOSED, OPEN, Case
from bot.cases.opening import CaseOpening
from bot.checklist.models import ChecklistItem
from bot.checklist.templates import TemplateSet
from bot.clock import Clock
from bot.config import OrgConfig
from bot.db import Database
from bot.errors import Conflict, InvalidRequest, NotFound
from bot.evidence.service import BOT, Evidence
from bot.ports import People

# (template, form options) -> the revocation steps of configured systems, e.g. ["okta.suspend", …]
StepCatalogue = Callable[[str, dict], list[tuple[str, str]]]



class CaseService(CaseOpening):
    def __init__(
        self,
        db: Database,
        clock: Clock,
        config: OrgConfig,
        templates: TemplateSet,
        people: People,
        evidence: Evidence,
        steps: StepCatalogue,
    ) -> None:
        self.db = db
        self.clock = clock
        self.config = config
        self.templates = templates
        self.people = people
        self.evidence = evidence
        self.steps = steps

    # -- reading ----------------------------------------------------------------------------
    async def find(self, case_id: int) -> Case | None:
        async with self.db.sessions() as session:
            return await session.get(Case, case_id)

    async def get(self, case_id: int) -> Case:
        case = await self.find(case_id)
        if case is None:
            raise NotFound(f"There is no offboarding case {case_id}.")
        return case

    async def items(self, case_id: int) -> list[ChecklistItem]:
        async with self.db.sessions() as session:
            rows = await session.scalars(
                select(ChecklistItem).where(ChecklistItem.case_id == case_id).order_by(ChecklistItem.position)
            )
            return list(rows)

    async def open_case_for(self, subject_id: str) -> Case | None:
        async with self.db.sessions() as session:
            return await session.scalar(select(Case).where(Case.open_subject == subject_id))

    async def open_cases(self) -> Sequence[Case]:
        async with self.db.sessions() as session:
            return list(await session.scalars(select(Case).where(Case.status == OPEN).order_by(Case.id)))

    # -- updating ---------------------------------------------------------------------------
    async def attach_room(self, case_id: int, channel_id: str, name: str) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                update(Case).where(Case.id == case_id).values(channel_id=channel_id, channel_name=name)
            )
            await self.evidence.add(session, case_id, "room.opened", BOT, channel=channel_id, name=name)

    async def set_manager(self, case_id: int, manager_id: str) -> None:
        """The manager found in Okta/Graph after the case opened (batches look managers up later)."""
        async with self.db.transaction() as session:
            await session.execute(update(Case).where(Case.id == case_id).values(manager_id=manager_id))
            await self.evidence.add(session, case_id, "manager.found", BOT, manager=manager_id)

    async def add_items(
        self, case: Case, new: list[tuple[str, str]], *, role: str, kind: str, actor: str, due: str = "+1d"
    ) -> list[str]:
        """Add items found after the case opened (e.g. manual removals); keys already there are skipped."""
        added: list[str] = []
        async with self.db.transaction() as session:
            existing = set(
                await session.scalars(select(ChecklistItem.key).where(ChecklistItem.case_id == case.id))
            )
            position = len(existing)
            for key, title in new:
                if key in existing:
                    continue
                existing.add(key)
                session.add(
                    ChecklistItem(
                        case_id=case.id,
                        key=key,
                        position=position,
                        title=title[:200],
                        role=role,
                        due=due,
                        due_at=cal.due_at(
                            due, case.last_day, case.subject_tz, self.config.workday_end, case.cutoff_at
                        ),
                        kind=kind,
                        status="open",
                        result={},
                        attempts=0,
                        help="",
                        detail="",
                    )
                )
                position += 1
                added.append(key)
            if added:
                await self.evidence.add(session, case.id, "items.added", actor, items=added)
        return added

    async def save_messages(self, case_id: int, messages: dict) -> None:
        async with self.db.transaction() as session:
            case = await session.get(Case, case_id, with_for_update=True)
            assert case is not None
            case.messages = {**case.messages, **messages}

    async def finish(self, case_id: int, actor: str, *, status: str = CLOSED, reason: str = "") -> bool:
        """Close or cancel, once: True only for the caller that made the change."""
        assert status in (CLOSED, CANCELLED)
        async with self.db.transaction() as session:
            result = await session.execute(
                update(Case)
                .where(Case.id == case_id, Case.status == OPEN)
                .values(
                    status=status, open_subject=None, closed_at=self.clock.now(), close_reason=reason or None
                )
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return False
            await self.evidence.add(session, case_id, f"case.{status}", actor, reason=reason)
        return True

    async def ensure_open(self, case: Case) -> None:
        if not case.is_open:
            raise Conflict(f"This offboarding is {case.status}; nothing more can change.")

    # -- changes ----------------------------------------------------------------------------
    async def change_last_day(self, case: Case, day: date, actor: str) -> Case:
        """Move the last day: new cutoff, new due times; reminders for moved items may fire again."""
        problem = self.day_problem(day, case.subject_tz, case.subject_name)
        if problem:
            raise InvalidRequest(problem, {"last_day": problem})
        if case.cutoff_done_at is not None:
            raise Conflict("Access has already been cut off; the last day can no longer change.")
        immediate = case.reason == "involuntary" or self.templates.get(case.template).cutoff == "immediate"
        cutoff = cal.cutoff_at(
            day, case.subject_tz, self.config.workday_end, immediate=immediate, now=self.clock.now()
        )
        async with self.db.transaction() as session:
            row = await session.get(Case, case.id, with_for_update=True)
            assert row is not None
            old = row.last_day
            row.last_day, row.cutoff_at = day, cutoff
            items = await session.scalars(select(ChecklistItem).where(ChecklistItem.case_id == case.id))
            for item in items:
                item.due_at = cal.due_at(item.due, day, row.subject_tz, self.config.workday_end, cutoff)
                item.reminded_at = None
            await self.evidence.add(
                session,
                case.id,
                "last_day.changed",
                actor,
                old=old.isoformat(),
                new=day.isoformat(),
                cutoff_at=cutoff.isoformat(),
            )
        return await self.get(case.id)
