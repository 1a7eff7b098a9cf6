"""Timed work: cutoff at the end of the last working day, reminders, the daily digest.

The database is the source of truth. APScheduler (with its job store in the same database) wakes the
bot on time; every firing is claimed with a conditional UPDATE, so a job fired twice, by two
replicas, or again after a restart, does its work once. On start, jobs are rebuilt from the open
cases, and anything that came due while the bot was down runs once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text

from bot.assets.service import AssetService
from bot.cases.flow import CaseHooks, Offboarding
from bot.cases.models import OPEN, Case
from bot.checklist.models import DONE, ChecklistItem
from bot.clock import Clock
from bot.config import OrgConfig
from bot.db import Database, jobs_url
from bot.revocation.flow import RevocationFlow
from bot.schedule import jobs
from bot.schedule.runs import VERIFY_AFTER, ScheduledRuns

log = logging.getLogger(__name__)
LEADER_LOCK = 0x0FF0_B0A7  # PostgreSQL advisory lock key: one replica runs the scheduler
FIRE = "bot.schedule.jobs:fire"

STALE_CLAIM = timedelta(minutes=10)  # far beyond one step's retries and backoff

JOB_NAMES = {
    "cutoff": "The access cutoff",
    "remind": "Reminders",
    "verify": "The verification an hour after cutoff",
    "tick": "The scheduler's minute check",
    "digest": "The daily digest",
}


class Schedule(ScheduledRuns, CaseHooks):
    def __init__(
        self,
        db: Database,
        clock: Clock,
        config: OrgConfig,
        offboarding: Offboarding,
        revocation: RevocationFlow | None,
        *,
        concurrency: int = 50,
        run_scheduler: bool = True,
        assets: AssetService | None = None,
    ) -> None:
        self.assets = assets
        self.db = db
        self.clock = clock
        self.config = config
        self.offboarding = offboarding
        self.revocation = revocation
        self.cases = offboarding.cases
        self.workspace = offboarding.workspace
        self.evidence = offboarding.evidence
        self.background = offboarding.background
        self._limit = asyncio.Semaphore(concurrency)
        self._run_scheduler = run_scheduler
        self._scheduler = None
        self._leader_conn = None
        self._leader_task: asyncio.Task | None = None
        self._known: dict[str, datetime | None] = {}
        self.is_leader = False

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        if await self._try_lead():
            await self._become_leader()
        elif self.db.is_postgres:
            self._leader_task = asyncio.create_task(self._wait_for_leadership())

    async def _try_lead(self) -> bool:
        if not self.db.is_postgres:
            return True
        conn = await self.db.engine.connect()
        got = (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK})).scalar()
        if got:
            self._leader_conn = conn  # the lock lives as long as this connection
            return True
        await conn.close()
        return False

    async def _wait_for_leadership(self) -> None:
        while not self.is_leader:
            await asyncio.sleep(5)
            if await self._try_lead():
                await self._become_leader()

    async def _become_leader(self) -> None:
        self.is_leader = True
        jobs.register(self)
        if self._run_scheduler:
            from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
            from apscheduler.schedulers.asyncio import AsyncIOScheduler

            self._scheduler = AsyncIOScheduler(
                jobstores={"default": SQLAlchemyJobStore(url=jobs_url(self.db.url))},
                # A job that comes due while the loop is busy (hundreds share a layoff minute) is late,
                # never dropped: no misfire grace limit, and reconciliation catches anything else.
                job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
                timezone="UTC",
            )
            self._scheduler.start()
            self._scheduler.add_job(
                FIRE, "interval", seconds=60, args=("tick", 0), id="tick", replace_existing=True
            )
            self._scheduler.add_job(
                FIRE, "cron", hour=14, minute=0, args=("digest", 0), id="digest", replace_existing=True
            )
        await self.reconcile()

    async def stop(self) -> None:
        if self._leader_task:
            self._leader_task.cancel()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        jobs.unregister(self)
        if self._leader_conn is not None:
            await self._leader_conn.close()
            self._leader_conn = None
        self.is_leader = False

    # -- jobs ---------------------------------------------------------------------------------
    # Two jobs per case at most, with fixed ids: its cutoff, and its next reminder. `_known` mirrors
    # the job store so that planning writes only what changed (10,000 open cases start in seconds).
    async def _apply(self, wanted: dict[str, tuple[datetime | None, int]]) -> None:
        """Write the jobs that changed, in one trip off the event loop (the job store is synchronous)."""
        changes = {
            job_id: (when, case_id)
            for job_id, (when, case_id) in wanted.items()
            if self._known.get(job_id) != when
        }
        if self._scheduler is None or not changes:
            return
        for job_id, (when, _) in changes.items():
            if when is None:
                self._known.pop(job_id, None)
            else:
                self._known[job_id] = when
        await asyncio.to_thread(_write_jobs, self._scheduler, changes)

    def job_ids(self) -> list[str]:
        return sorted(job.id for job in self._scheduler.get_jobs()) if self._scheduler else []

    def _wanted(self, case: Case, next_due: datetime | None) -> dict[str, datetime | None]:
        now = self.clock.now()
        open_ = case.status == OPEN
        return {
            f"case:{case.id}:cutoff": max(case.cutoff_at, now)
            if open_ and case.cutoff_done_at is None
            else None,
            f"case:{case.id}:remind": max(next_due, now) if open_ and next_due is not None else None,
            # Read every system again an hour after cutoff: a revocation may take a while to show.
            f"case:{case.id}:verify": max(case.cutoff_at + VERIFY_AFTER, now)
            if open_ and self.revocation is not None
            else None,
        }

    async def plan(self, case: Case, next_due: datetime | None = None, *, lookup: bool = True) -> None:
        """(Re)build a case's jobs from the database."""
        if not self.is_leader:
            return
        await self.plan_many([case], None if lookup else {case.id: next_due} if next_due else {})

    async def plan_many(self, cases: Sequence[Case], due: dict[int, datetime] | None = None) -> None:
        """Several cases' jobs in one write to the job store; `due`: their next reminders, if known."""
        if not self.is_leader or not cases:
            return
        if due is None:
            due = await self._next_due([c.id for c in cases])
        await self._apply(
            {
                job_id: (when, case.id)
                for case in cases
                for job_id, when in self._wanted(case, due.get(case.id)).items()
            }
        )

    async def _next_due(self, case_ids: list[int] | None = None) -> dict[int, datetime]:
        """Per case, the earliest due time of an item still open and not yet reminded."""
        query = (
            select(ChecklistItem.case_id, func.min(ChecklistItem.due_at))
            .where(ChecklistItem.status != DONE, ChecklistItem.reminded_at.is_(None))
            .group_by(ChecklistItem.case_id)
        )
        if case_ids is not None:
            query = query.where(ChecklistItem.case_id.in_(case_ids))
        async with self.db.sessions() as session:
            rows = await session.execute(query)
        return {case_id: due for case_id, due in rows}

    async def reconcile(self) -> None:
        """On start: every open case's jobs from the database, then whatever is already due."""
        if self._scheduler is not None:
            jobs_now = await asyncio.to_thread(self._scheduler.get_jobs)
            self._known = {job.id: job.next_run_time for job in jobs_now}
        open_cases = await self.cases.open_cases()
        next_due = await self._next_due()
        open_ids = {c.id for c in open_cases}
        wanted: dict[str, tuple[datetime | None, int]] = {
            job_id: (None, 0)
            for job_id in self._known
            if job_id.startswith("case:") and int(job_id.split(":")[1]) not in open_ids
        }
        for case in open_cases:
            for job_id, when in self._wanted(case, next_due.get(case.id)).items():
                wanted[job_id] = (when, case.id)
        await self._apply(wanted)
        await self.tick()

    # -- hooks --------------------------------------------------------------------------------
    async def opened_many(self, cases: Sequence[Case]) -> None:
        await self.plan_many(cases)  # before any room: a batch's rooms may take minutes

    async def room_ready(self, case: Case) -> None:
        await self.plan(case)

    async def rescheduled(self, case: Case) -> None:
        await self.plan(case)

    async def finished(self, case: Case) -> None:
        await self.plan(case)  # closed: both jobs go

    # -- firing -------------------------------------------------------------------------------
    async def fire(self, kind: str, case_id: int) -> None:
        work = {
            "cutoff": lambda: self.cutoff(case_id),
            "remind": lambda: self.remind(case_id),
            "verify": lambda: self.verify_late(case_id),
            "tick": self.tick,
            "digest": self.digest,
        }.get(kind)
        if work is not None:
            await self.background.run(work(), JOB_NAMES.get(kind, kind), case_id or None)

    async def tick(self) -> None:
        """Everything due by the domain clock and not yet done: cutoffs first, then reminders."""
        now = self.clock.now()
        released: dict[int, set[str]] = {}
        for case_id, key in await self.offboarding.checklist.release_stale_steps(STALE_CLAIM):
            released.setdefault(case_id, set()).add(key)
        for case_id, keys in released.items():
            if self.revocation is not None:  # show them failed, with Retry
                items = [i for i in await self.cases.items(case_id) if i.key in keys]
                await self.revocation.after(await self.cases.get(case_id), items)
        async with self.db.sessions() as session:
            cutoffs = list(
                await session.scalars(
                    select(Case.id).where(
                        Case.status == OPEN, Case.cutoff_done_at.is_(None), Case.cutoff_at <= now
                    )
                )
            )
            reminders = list(
                await session.scalars(
                    select(ChecklistItem.case_id)
                    .join(Case, Case.id == ChecklistItem.case_id)
                    .where(
                        Case.status == OPEN,
                        ChecklistItem.status != DONE,
                        ChecklistItem.reminded_at.is_(None),
                        ChecklistItem.due_at <= now,
                    )
                    .distinct()
                )
            )
        await asyncio.gather(*(self._bounded(self.cutoff(cid), "cutoff", cid) for cid in cutoffs))
        await self._plan_strangers()
        await asyncio.gather(*(self._bounded(self.remind(cid), "remind", cid) for cid in reminders))
        if self.assets is not None:
            for case_id, notice in await self.assets.remind_overdue(now):
                await self.workspace.notify(await self.cases.get(case_id), notice)

    async def _plan_strangers(self) -> None:
        """Jobs for cases another process opened (`offboard-bot bulk`): on time from the next tick on."""
        if self._scheduler is None:
            return
        async with self.db.sessions() as session:
            waiting = await session.scalars(
                select(Case.id).where(Case.status == OPEN, Case.cutoff_done_at.is_(None))
            )
            strangers = [cid for cid in waiting if f"case:{cid}:cutoff" not in self._known]
            cases = (
                list(await session.scalars(select(Case).where(Case.id.in_(strangers)))) if strangers else []
            )
        await self.plan_many(cases)

    async def _bounded(self, work: Coroutine[Any, Any, Any], kind: str, case_id: int) -> None:
        async with self._limit:
            await self.background.run(work, JOB_NAMES[kind], case_id)


def _write_jobs(scheduler: Any, changes: dict[str, tuple[datetime | None, int]]) -> None:
    from apscheduler.jobstores.base import JobLookupError

    for job_id, (when, case_id) in changes.items():
        if when is None:
            try:
                scheduler.remove_job(job_id)
            except JobLookupError:
                pass
        else:
            kind = job_id.split(":")[2]
            scheduler.add_job(
                FIRE, "date", run_date=when, args=(kind, case_id), id=job_id, replace_existing=True
            )
