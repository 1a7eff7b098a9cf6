"""Opening cases: the rules for a valid request, the cutoff, the checklist a template gives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot import workdays as cal
from bot.cases.models import DRAFT, OPEN, STARTED, Batch, Case
from bot.cases.requests import MAILBOX, PHONE, REASONS, ClientRequest, OffboardRequest, client_subject
from bot.checklist.models import ChecklistItem
from bot.checklist.templates import Template
from bot.errors import Conflict, InvalidRequest
from bot.ports import Person


class CaseOpening:
    """The opening half of CaseService, whose __init__ holds the state these methods use."""

    db: Any
    clock: Any
    config: Any
    templates: Any
    people: Any
    evidence: Any
    steps: Any

    # -- validation -------------------------------------------------------------------------
    async def validate(
        self, req: OffboardRequest, subject: Person | None = None
    ) -> tuple[Person, Template]:
        """Raise InvalidRequest naming each bad field; changes nothing. `subject`: the person as read
        when the form was opened (no directory lookup then), else they are looked up."""
        errors: dict[str, str] = {}
        if subject is None or subject.id != req.subject_id:
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
        if req.mail_forward_to and req.mail_forward_to == req.subject_id:
            errors["mail_forward_to"] = "Forward their email to someone else."
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
