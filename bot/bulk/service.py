"""Layoff day: many departures checked as one batch, started together, followed in one channel.

A batch is checked row by row first (nothing starts while any row is wrong), saved as a draft, then
started once: every case opens in one transaction, then the cases' cutoffs are scheduled and
involuntary exits start revoking at once. Slack comes last and in the background — the coordination
channel, a thread per person, optional per-person channels — so access never waits on Slack's limits.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from sqlalchemy import select

from bot.bulk.rows import BatchInvalid, Row, RowError, Who, parse, parse_options, sha256, who
from bot.cases.flow import CaseHooks, Offboarding
from bot.cases.models import DRAFT, Batch, Case
from bot.cases.requests import REASONS, OffboardRequest
from bot.checklist.models import DONE, FAILED, ChecklistItem
from bot.checklist.templates import Template
from bot.config import OrgConfig
from bot.errors import Conflict, InvalidRequest, NotAllowed, NotFound
from bot.evidence.service import BOT
from bot.ports import People, Person

log = logging.getLogger(__name__)
LOOKUPS_AT_ONCE = 8  # Slack user lookups while checking rows (Tier 3/4 limits; the retry handler waits)
FIELD_COLUMN = {
    "subject": "user",
    "last_day": "last_day",
    "template": "template",
    "reason": "reason",
    "mailbox": "options",
    "mailbox_delegate": "options",
    "phone": "options",
    "phone_forward_to": "options",
}


@dataclass
class Planned:
    row: Row
    request: OffboardRequest
    subject: Person
    template: Template
    manager: str | None  # from the CSV; else looked up in the background


@dataclass
class Plan:
    """A batch whose every row is valid, saved as a draft until someone starts it."""

    batch_id: int
    rows: list[Planned]

    @property
    def involuntary(self) -> int:
        return sum(1 for p in self.rows if p.request.reason == "involuntary")

    def by_template(self) -> dict[str, int]:
        return dict(Counter(p.template.name for p in self.rows))

    @property
    def last_days(self) -> tuple[date, date]:
        days = [p.request.last_day for p in self.rows if p.request.last_day]
        return min(days), max(days)


@dataclass
class Summary:
    """Progress across a batch, as its summary message shows it."""

    batch: Batch
    size: int
    revoked: int = 0
    pending: int = 0
    failed: int = 0
    cut_off: int = 0
    rooms_ready: int = 0
    closed: int = 0
    failed_cases: list[tuple[int, str]] = field(default_factory=list)


class BatchRoom(Protocol):
    """The batch's place in the chat workspace (Slack implements it in handlers/)."""

    async def open_room(self, batch: Batch, invitees: Sequence[str]) -> tuple[str, str]: ...
    async def show_summary(self, summary: Summary) -> str | None: ...
    async def open_person_channel(self, case: Case, invitees: Sequence[str]) -> tuple[str, str]: ...


class BulkOffboarding(CaseHooks):
    def __init__(
        self,
        offboarding: Offboarding,
        people: People,
        config: OrgConfig,
        room: BatchRoom,
        *,
        summary_every: float = 2.0,
    ) -> None:
        self.offboarding = offboarding
        self.cases = offboarding.cases
        self.db = self.cases.db
        self.clock = self.cases.clock
        self.people = people
        self.config = config
        self.room = room
        self.summary_every = summary_every
        self.background = offboarding.background
        self._dirty: set[int] = set()
        self._locks: dict[int, asyncio.Lock] = {}

    # -- checking -----------------------------------------------------------------------------
    async def check_may_start(self, actor: str) -> None:
        roles = await self.offboarding.roles.roles_of(actor)
        if not roles & {"hr", "admin"}:
            raise NotAllowed("Only HR or an offboarding admin can start a batch offboarding.")

    async def check(self, text: str, actor: str, *, person_channels: bool | None = None) -> Plan:
        """Every row checked; raise BatchInvalid listing each problem by row. Saves a draft when clean."""
        await self.check_may_start(actor)
        planned = await self._plan_rows(text, actor)
        batch = Batch(
            created_by=actor,
            created_at=self.clock.now(),
            source=text,
            source_sha256=sha256(text),
            size=len(planned),
            person_channels=self.config.bulk.person_channels if person_channels is None else person_channels,
        )
        async with self.db.transaction() as session:
            session.add(batch)
        return Plan(batch.id, planned)

    async def _plan_rows(self, text: str, actor: str) -> list[Planned]:
        rows = parse(text)
        limit = asyncio.Semaphore(LOOKUPS_AT_ONCE)

        async def one(row: Row) -> Planned | None:
            async with limit:
                return await self._plan_row(row, actor)

        planned = await asyncio.gather(*(one(row) for row in rows))
        seen: dict[str, int] = {}
        for row, plan in zip(rows, planned, strict=True):
            if plan is None:
                continue
            first = seen.setdefault(plan.subject.id, row.number)
            if first != row.number:
                row.problem("user", f"{plan.subject.display} is also on row {first}")
        errors = [e for row in rows for e in row.errors]
        if errors:
            raise BatchInvalid(errors)
        return [p for p in planned if p is not None]

    async def _person(self, row: Row, column: str, named: Who | None) -> Person | None:
        if named is None:
            row.problem(column, "name the person by Slack user id (U…) or email")
            return None
        if named.slack_id:
            person = await self.people.person(named.slack_id)
        else:
            person = await self.people.by_email(named.email or "")
        if person is None or person.deleted:
            row.problem(column, f"no Slack user {named}")
            return None
        return person

    async def _plan_row(self, row: Row, actor: str) -> Planned | None:
        subject = await self._person(row, "user", who(row.user))
        try:
            last_day = date.fromisoformat(row.last_day)
        except ValueError:
            row.problem("last_day", f"'{row.last_day}' is not a date like 2026-12-04")
            last_day = None
        options = parse_options(row)
        delegate = forward = manager = None
        if options.mailbox_delegate is not None:
            delegate = await self._person(row, "options", options.mailbox_delegate)
        if options.phone_forward_to is not None:
            forward = await self._person(row, "options", options.phone_forward_to)
        if row.manager:
            manager = await self._person(row, "manager", who(row.manager))
        template_name, reason = row.template.lower(), row.reason.lower()
        known = self.cases.templates.names("employee")
        if template_name not in known:
            row.problem("template", f"unknown template '{row.template}' (known: {', '.join(sorted(known))})")
        if reason not in REASONS:
            row.problem("reason", f"must be voluntary or involuntary; got '{row.reason}'")
        if subject is None or last_day is None:
            return None
        reported = {e.column for e in row.errors}
        request = OffboardRequest(
            subject_id=subject.id,
            requested_by=actor,
            last_day=last_day,
            # A bad template or reason is reported above; check the rest of the row all the same.
            reason=reason if reason in REASONS else "voluntary",
            template=template_name if template_name in known else "employee",
            mailbox=options.mailbox,
            mailbox_delegate=delegate.id if delegate else None,
            phone=options.phone,
            phone_forward_to=forward.id if forward else None,
            backup_data=options.backup_data,
            notes=row.notes[:2000],
        )
        try:
            subject, template = await self.cases.validate(request)
        except InvalidRequest as e:
            for name, message in (e.fields or {"": e.message}).items():
                if FIELD_COLUMN.get(name, name) not in reported:
                    row.problem(FIELD_COLUMN.get(name, name), message)
            return None
        if row.errors:
            return None
        return Planned(row, request, subject, template, manager.id if manager else None)

    # -- starting -----------------------------------------------------------------------------
    async def draft(self, batch_id: int) -> Batch:
        async with self.db.sessions() as session:
            batch = await session.get(Batch, batch_id)
        if batch is None:
            raise NotFound("That batch no longer exists.")
        return batch

    async def start(self, batch_id: int, actor: str) -> list[Case]:
        """Start a checked draft: rows are checked again (minutes may have passed), then all open."""
        await self.check_may_start(actor)
        batch = await self.draft(batch_id)
        if batch.status != DRAFT:
            raise Conflict("This batch has already been started.")
        planned = await self._plan_rows(batch.source, actor)
        entries = []
        for p in planned:
            case, opened = self.cases.new_case(p.request, p.subject, p.template, p.manager)
            entries.append((case, p.template, {**opened, "row": p.row.number}))
        cases = await self.cases.open_batch(batch_id, entries)
        await self.offboarding.opened_many(cases)  # cutoffs scheduled; involuntary exits revoke now
        known_managers = {p.subject.id for p in planned if p.manager}
        self.background.spawn(self._set_up(batch_id, [c.id for c in cases], known_managers), "Batch set-up")
        return cases

    async def _set_up(self, batch_id: int, case_ids: list[int], known_managers: set[str]) -> None:
        """The batch in Slack: its channel and summary, then a thread per person, then person channels."""
        batch = await self.draft(batch_id)
        channel_id, name = await self.room.open_room(
            batch, sorted(await self.offboarding.staff(batch.created_by))
        )
        async with self.db.transaction() as session:
            row = await session.get(Batch, batch_id)
            assert row is not None
            row.channel_id, row.channel_name = channel_id, name
        await self.refresh_summary(batch_id)
        limit = asyncio.Semaphore(self.config.bulk.setup_concurrency)

        async def thread(case_id: int) -> None:
            async with limit:
                case = await self.cases.get(case_id)
                if case.subject_id not in known_managers:
                    await self._find_manager(case)
                await self.offboarding.setup_room(await self.cases.get(case_id), shared=(channel_id, name))
                self.touch(batch_id)

        await self._each(thread, case_ids)
        if batch.person_channels:
            await self._each(self._person_channel, case_ids)

    async def _each(self, work: Any, case_ids: list[int]) -> None:
        """One failing case must not stop the others; its failure is reported and the rest go on."""
        await asyncio.gather(*(self.background.run(work(cid), "Batch set-up", cid) for cid in case_ids))

    async def _find_manager(self, case: Case) -> None:
        if self.offboarding.manager_of is None:
            return
        manager = await self.offboarding.manager_of(case.subject_id, case.subject_email)
        if manager and manager != case.manager_id:
            await self.cases.set_manager(case.id, manager)

    async def _person_channel(self, case_id: int) -> None:
        case = await self.cases.get(case_id)
        if not case.is_open or case.messages.get("person_channel"):
            return
        channel_id, name = await self.room.open_person_channel(
            case, await self.offboarding.room_invitees(case)
        )
        await self.cases.save_messages(case_id, {"person_channel": {"id": channel_id, "name": name}})
        await self.offboarding.evidence.record(case_id, "room.opened", BOT, channel=channel_id, name=name)

    # -- progress -----------------------------------------------------------------------------
    async def finished(self, case: Case) -> None:
        if case.batch_id:
            self.touch(case.batch_id)

    async def steps_finished(self, case: Case) -> None:
        if case.batch_id:
            self.touch(case.batch_id)

    def touch(self, batch_id: int) -> None:
        """Something changed: refresh the summary soon, once for a burst (chat.update is Tier 3)."""
        if batch_id in self._dirty:
            return
        self._dirty.add(batch_id)
        self.background.spawn(self._refresh_later(batch_id), "Batch summary update")

    async def _refresh_later(self, batch_id: int) -> None:
        await asyncio.sleep(self.summary_every)
        self._dirty.discard(batch_id)
        await self.refresh_summary(batch_id)

    async def refresh_summary(self, batch_id: int) -> Summary:
        async with self._locks.setdefault(batch_id, asyncio.Lock()):
            summary = await self.summary(batch_id)
            if summary.batch.channel_id:
                ts = await self.room.show_summary(summary)
                if ts and ts != summary.batch.summary_ts:
                    async with self.db.transaction() as session:
                        row = await session.get(Batch, batch_id)
                        assert row is not None
                        row.summary_ts = ts
            return summary

    async def summary(self, batch_id: int) -> Summary:
        async with self.db.sessions() as session:
            batch = await session.get(Batch, batch_id)
            if batch is None:
                raise NotFound("That batch no longer exists.")
            cases = list(
                await session.scalars(select(Case).where(Case.batch_id == batch_id).order_by(Case.id))
            )
            steps = await session.execute(
                select(ChecklistItem.case_id, ChecklistItem.status)
                .join(Case, Case.id == ChecklistItem.case_id)
                .where(Case.batch_id == batch_id, ChecklistItem.kind == "revocation")
            )
        per_case: dict[int, list[str]] = {}
        for case_id, status in steps:
            per_case.setdefault(case_id, []).append(status)
        summary = Summary(batch, len(cases))
        for case in cases:
            statuses = per_case.get(case.id, [])
            if FAILED in statuses:
                summary.failed += 1
                summary.failed_cases.append((case.id, case.subject_name))
            elif statuses and all(s == DONE for s in statuses):
                summary.revoked += 1
            else:
                summary.pending += 1
            summary.cut_off += case.cutoff_done_at is not None
            summary.rooms_ready += bool(case.messages.get("checklist"))
            summary.closed += not case.is_open
        return summary

    # -- background work ----------------------------------------------------------------------
    async def settle(self) -> None:
        """Wait for background set-up and summary updates (tests, the CLI, shutdown)."""
        await self.background.settle()


__all__ = ["BatchInvalid", "BulkOffboarding", "Plan", "RowError", "Summary"]
