"""Opening, finding and closing cases. The rules for a valid request live here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot import workdays as cal
from bot.cases.models import CANCELLED, CLOSED, DRAFT, OPEN, STARTED, Batch, Case
from bot.cases.requests import MAILBOX, PHONE, REASONS, ClientRequest, OffboardRequest, client_subject
from bot.checklist.models import ChecklistItem
from bot.checklist.templates import Template, TemplateSet
from bot.clock import Clock
from bot.config import OrgConfig
from bot.db import Database
from bot.errors import Conflict, InvalidRequest, NotFound
from bot.evidence.service import Evidence
from bot.ports import People, Person

# (template, form options) -> the revocation steps of configured systems, e.g. ["okta.suspend", …]
StepCatalogue = Callable[[str, dict], list[tuple[str, str]]]


class CaseService:
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

    # -- validation -------------------------------------------------------------------------
    async def validate(self, req: OffboardRequest) -> tuple[Person, Template]:
        """Raise InvalidRequest naming each bad field; changes nothing."""
        errors: dict[str, str] = {}
        subject = await self.people.person(req.subject_id)
        if subject is None or subject.deleted:
            raise InvalidRequest(
                "I can't find that person in this workspace.", {"subject": "Unknown person."}
            )
        if subject.is_bot:
            errors["subject"] = f"{subject.display} is a bot, not a person."
        elif subject.id == req.requested_by:
            errors["subject"] = "You cannot offboard yourself."
        elif await self.open_case_for(subject.id) is not None:
            errors["subject"] = f"{subject.display} already has an open offboarding."
        template = self.templates.templates.get(req.template)
        if template is None:
            errors["template"] = "Choose a checklist template."
        if req.reason not in REASONS:
            errors["reason"] = "Choose voluntary or involuntary."
        if req.mailbox not in MAILBOX:
            errors["mailbox"] = "Choose what happens to the mailbox."
        if req.mailbox == "delegate" and not req.mailbox_delegate:
            errors["mailbox_delegate"] = "Choose who gets access to the mailbox."
        if req.phone not in PHONE:
            errors["phone"] = "Choose what happens to the phone number."
        if req.phone == "forward" and not req.phone_forward_to:
            errors["phone_forward_to"] = "Choose who receives forwarded calls."
        if req.last_day is None:
            errors["last_day"] = "Pick the last working day."
        elif req.reason != "involuntary":
            problem = self.day_problem(req.last_day, subject.tz, subject.display)
            if problem:
                errors["last_day"] = problem
        if errors:
            raise InvalidRequest("Please fix the highlighted fields.", errors)
        assert template is not None
        return subject, template

    def day_problem(self, day: date, tz: str, who: str) -> str | None:
        """Why `day` cannot be a last working day (past, weekend, holiday, already over), or None."""
        now = self.clock.now()
        today = cal.local_today(now, tz)
        country = self.config.holidays_country
        if day < today:
            return f"{day:%a %d %b %Y} is in the past ({who}'s time zone)."
        reason = cal.non_working_reason(day, country)
        if reason:
            prev = cal.previous_working_day(day, country)
            hint = f" The working day before is {prev:%a %d %b %Y}." if prev >= today else ""
            return f"{day:%a %d %b %Y} is {reason}, not a working day.{hint}"
        if day == today and now >= cal.local_end_of_day(day, tz, self.config.workday_end):
            return "Today's working day has already ended; pick a later day or 'involuntary'."
        return None

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

    def _cutoff(self, req: OffboardRequest, subject: Person, template: Template | None = None) -> datetime:
        immediate = req.reason == "involuntary" or (template is not None and template.cutoff == "immediate")
        assert req.last_day is not None
        return cal.cutoff_at(
            req.last_day, subject.tz, self.config.workday_end, immediate=immediate, now=self.clock.now()
        )

    # -- opening ----------------------------------------------------------------------------
    async def open(self, req: OffboardRequest, *, manager_id: str | None = None) -> Case:
        subject, template = await self.validate(req)
        case, opened = self.new_case(req, subject, template, manager_id)
        return await self._insert(case, template, subject.display, **opened)

    def new_case(
        self, req: OffboardRequest, subject: Person, template: Template, manager_id: str | None
    ) -> tuple[Case, dict[str, Any]]:
        """A validated request as an unsaved case, and what its `case.opened` event records."""
        now = self.clock.now()
        last_day = req.last_day or cal.local_today(now, subject.tz)
        req_day = OffboardRequest(**{**req.__dict__, "last_day": last_day})
        cutoff = self._cutoff(req_day, subject, template)
        case = Case(
            open_subject=subject.id,
            subject_id=subject.id,
            subject_name=subject.display,
            subject_email=subject.email,
            subject_tz=subject.tz,
            requested_by=req.requested_by,
            manager_id=manager_id or req.requested_by,
            template=template.name,
            reason=req.reason,
            last_day=last_day,
            cutoff_at=cutoff,
            options=req.options(),
            notes=req.notes[:3000],
            status=OPEN,
            messages={},
            created_at=now,
        )
        opened = {
            "subject": subject.id,
            "subject_email": subject.email,
            "template": template.name,
            "reason": req.reason,
            "last_day": last_day.isoformat(),
            "cutoff_at": cutoff.isoformat(),
            "options": req.options(),
        }
        return case, opened

    async def open_batch(
        self, batch_id: int, entries: Sequence[tuple[Case, Template, dict[str, Any]]]
    ) -> list[Case]:
        """A checked draft batch starts: all its cases, items and first events in one transaction,
        all or none. Starting a batch twice (double submit, second replica) is refused."""
        try:
            async with self.db.transaction() as session:
                batch = await session.get(Batch, batch_id, with_for_update=True)
                if batch is None or batch.status != DRAFT:
                    raise Conflict("This batch has already been started.")
                batch.status = STARTED
                batch.cutoff_at = min((case.cutoff_at for case, _, _ in entries), default=None)
                for case, template, opened in entries:
                    case.batch_id = batch_id
                    await self._add(
                        session, case, template, batch=batch_id, source_sha256=batch.source_sha256, **opened
                    )
        except IntegrityError:
            raise Conflict(
                "Someone opened an offboarding for a person in this batch meanwhile; nothing was started. "
                "Check the batch again."
            ) from None
        return [case for case, _, _ in entries]

    async def _insert(self, case: Case, checklist: Template, who: str, **opened: Any) -> Case:
        """The case, its items and its first event, in one transaction."""
        try:
            async with self.db.transaction() as session:
                await self._add(session, case, checklist, **opened)
        except IntegrityError:
            # Another request (double submit, second replica) opened one first.
            message = f"{who} already has an open offboarding."
            raise InvalidRequest(message, {"subject": message}) from None
        return case

    async def _add(self, session: Any, case: Case, checklist: Template, **opened: Any) -> None:
        session.add(case)
        await session.flush()
        for item in self._items(case, checklist):
            session.add(item)
        await self.evidence.add(session, case.id, "case.opened", case.requested_by, **opened)

    async def open_client(self, req: ClientRequest) -> Case:
        """A client offboarding: the subject is the client, the account owner acts as its manager."""
        errors: dict[str, str] = {}
        name = " ".join(req.client_name.split())
        if not name or len(name) > 80:
            errors["client_name"] = "Name the client (at most 80 characters)."
        template = self.templates.templates.get(req.template)
        if template is None or template.audience != "client":
            errors["template"] = "Choose a client checklist."
        owner = await self.people.person(req.account_owner) if req.account_owner else None
        if owner is None or owner.is_bot or owner.deleted:
            errors["account_owner"] = "Choose the account owner."
        subject_id = client_subject(name)
        if name and await self.open_case_for(subject_id) is not None:
            errors["client_name"] = f"{name} already has an open offboarding."
        if req.last_day is None:
            errors["last_day"] = "Pick the last day of the engagement."
        elif owner is not None:
            problem = self.day_problem(req.last_day, owner.tz, owner.display)
            if problem:
                errors["last_day"] = problem
        if errors:
            raise InvalidRequest("Please fix the highlighted fields.", errors)
        assert template is not None and owner is not None and req.last_day is not None
        now = self.clock.now()
        cutoff = cal.cutoff_at(req.last_day, owner.tz, self.config.workday_end, immediate=False, now=now)
        case = Case(
            open_subject=subject_id,
            subject_id=subject_id,
            subject_name=name,
            subject_email=None,
            subject_tz=owner.tz,
            requested_by=req.requested_by,
            manager_id=owner.id,
            template=template.name,
            reason="client",
            last_day=req.last_day,
            cutoff_at=cutoff,
            options={},
            notes=req.notes[:3000],
            status=OPEN,
            messages={},
            created_at=now,
        )
        return await self._insert(
            case,
            template,
            name,
            client=name,
            account_owner=owner.id,
            template=template.name,
            last_day=req.last_day.isoformat(),
        )

    def _items(self, case: Case, template: Template) -> list[ChecklistItem]:
        opts = {**case.options, "reason": case.reason}
        items: list[ChecklistItem] = []
        for t in template.items:
            if any(opts.get(k) != v for k, v in t.when.items()):
                continue
            if t.kind == "revocation":
                expanded = [(key, title) for key, title in self.steps(t.system or "", opts)]
            else:
                expanded = [(t.id, t.title)]
            for key, title in expanded:
                items.append(
                    ChecklistItem(
                        case_id=case.id,
                        key=key,
                        position=len(items),
                        title=title,
                        role=t.role,
                        due=t.due,
                        due_at=cal.due_at(
                            t.due, case.last_day, case.subject_tz, self.config.workday_end, case.cutoff_at
                        ),
                        kind=t.kind,
                        step=key if t.kind == "revocation" else None,
                        help=t.help,
                        status="open",
                        result={},
                        attempts=0,
                    )
                )
        return items

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
            await self.evidence.add(session, case_id, "room.opened", "bot", channel=channel_id, name=name)

    async def set_manager(self, case_id: int, manager_id: str) -> None:
        """The manager found in Okta/Graph after the case opened (batches look managers up later)."""
        async with self.db.transaction() as session:
            await session.execute(update(Case).where(Case.id == case_id).values(manager_id=manager_id))
            await self.evidence.add(session, case_id, "manager.found", "bot", manager=manager_id)

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
