"""Checklist state changes, each claimed in the database so a double click changes nothing twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from bot.checklist.models import DONE, FAILED, OPEN, RUNNING, ChecklistItem
from bot.clock import Clock
from bot.db import Database
from bot.errors import Conflict, NotFound
from bot.evidence.service import BOT, Evidence

INTERRUPTED = "Interrupted: the bot stopped during this call. Check the system, then Retry."


class ChecklistService:
    def __init__(self, db: Database, clock: Clock, evidence: Evidence) -> None:
        self.db = db
        self.clock = clock
        self.evidence = evidence

    async def item(self, case_id: int, key: str) -> ChecklistItem:
        async with self.db.sessions() as session:
            item = await session.scalar(
                select(ChecklistItem).where(ChecklistItem.case_id == case_id, ChecklistItem.key == key)
            )
        if item is None:
            raise NotFound("That checklist item no longer exists.")
        return item

    async def complete(self, case_id: int, key: str, actor: str, *, note: str = "") -> ChecklistItem:
        """Mark a task done. Raises Conflict when someone else already did."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            result = await session.execute(
                update(ChecklistItem)
                .where(
                    ChecklistItem.case_id == case_id, ChecklistItem.key == key, ChecklistItem.status == OPEN
                )
                .values(status=DONE, done_by=actor, done_at=now, detail=note)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                current = await session.scalar(
                    select(ChecklistItem).where(ChecklistItem.case_id == case_id, ChecklistItem.key == key)
                )
                if current is None:
                    raise NotFound("That checklist item no longer exists.")
                raise Conflict(f"“{current.title}” is already {current.status}.", by=current.done_by)
            await self.evidence.add(session, case_id, "item.done", actor, item=key, note=note)
        return await self.item(case_id, key)

    async def claim_step(self, case_id: int, key: str, actor: str) -> bool:
        """Move a revocation step to running. Only one caller (click, retry, job, replica) wins."""
        async with self.db.transaction() as session:
            result = await session.execute(
                update(ChecklistItem)
                .where(
                    ChecklistItem.case_id == case_id,
                    ChecklistItem.key == key,
                    ChecklistItem.status.in_((OPEN, FAILED)),
                )
                .values(
                    status=RUNNING,
                    attempts=ChecklistItem.attempts + 1,
                    done_by=actor,
                    started_at=self.clock.now(),
                )
            )
            return result.rowcount == 1  # type: ignore[attr-defined]

    async def finish_step(
        self, case_id: int, key: str, actor: str, *, ok: bool, detail: str, result: dict[str, Any]
    ) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                update(ChecklistItem)
                .where(
                    ChecklistItem.case_id == case_id,
                    ChecklistItem.key == key,
                    ChecklistItem.status == RUNNING,
                )
                .values(
                    status=DONE if ok else FAILED,
                    done_by=actor,
                    done_at=self.clock.now(),
                    detail=detail,
                    result=result,
                )
            )
            await self.evidence.add(
                session,
                case_id,
                "step.done" if ok else "step.failed",
                actor,
                item=key,
                detail=detail,
                **result,
            )

    async def release_stale_steps(self, older_than: timedelta) -> list[tuple[int, str]]:
        """Steps left `running` by a process that stopped mid-call become `failed` (with Retry), so
        nothing stays stuck; what the vendor did meanwhile is for IT to check before retrying."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            stale = list(
                await session.execute(
                    select(ChecklistItem.case_id, ChecklistItem.key).where(
                        ChecklistItem.status == RUNNING, ChecklistItem.started_at < now - older_than
                    )
                )
            )
            for case_id, key in stale:
                result = await session.execute(
                    update(ChecklistItem)
                    .where(
                        ChecklistItem.case_id == case_id,
                        ChecklistItem.key == key,
                        ChecklistItem.status == RUNNING,
                    )
                    .values(status=FAILED, detail=INTERRUPTED, done_at=now)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    await self.evidence.add(session, case_id, "step.interrupted", BOT, item=key)
        return [(case_id, key) for case_id, key in stale]

    async def open_count(self, case_id: int) -> int:
        async with self.db.sessions() as session:
            return int(
                await session.scalar(
                    select(func.count())
                    .select_from(ChecklistItem)
                    .where(ChecklistItem.case_id == case_id, ChecklistItem.status != DONE)
                )
                or 0
            )
