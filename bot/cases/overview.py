"""What a person should look at: their open cases, upcoming cutoffs and overdue items (App Home)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from bot.cases.models import OPEN, Case
from bot.checklist.models import DONE, ChecklistItem
from bot.clock import Clock
from bot.db import Database


@dataclass(frozen=True)
class Overview:
    cases: list[Case]
    upcoming: list[Case]  # cutoff within the next 14 days
    overdue: list[tuple[Case, ChecklistItem]]  # items this person's roles own


async def overview(db: Database, clock: Clock, user_id: str, org_roles: frozenset[str]) -> Overview:
    now = clock.now()
    async with db.sessions() as session:
        open_cases = list(
            await session.scalars(select(Case).where(Case.status == OPEN).order_by(Case.cutoff_at))
        )
        overdue_rows = list(
            await session.execute(
                select(Case, ChecklistItem)
                .join(ChecklistItem, ChecklistItem.case_id == Case.id)
                .where(Case.status == OPEN, ChecklistItem.status != DONE, ChecklistItem.due_at < now)
                .order_by(ChecklistItem.due_at)
            )
        )
    staff = bool(org_roles & {"hr", "it", "security", "admin"})
    mine = [c for c in open_cases if staff or c.manager_id == user_id or c.requested_by == user_id]
    mine = [c for c in mine if c.subject_id != user_id]
    ids = {c.id for c in mine}

    def owns(case: Case, item: ChecklistItem) -> bool:
        if item.role == "manager":
            return case.manager_id == user_id
        return item.role in org_roles or (item.role == "it" and "security" in org_roles)

    return Overview(
        cases=mine,
        upcoming=[c for c in mine if now <= c.cutoff_at <= now + timedelta(days=14)],
        overdue=[(c, i) for c, i in overdue_rows if c.id in ids and owns(c, i)],
    )
