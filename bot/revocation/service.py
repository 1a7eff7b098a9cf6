"""Running revocation steps: each claimed in the database first, so it runs once whoever asks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, Protocol

from bot.cases.models import Case
from bot.checklist.models import DONE, ChecklistItem
from bot.checklist.service import ChecklistService
from bot.config import OrgConfig
from bot.errors import Conflict, NotFound
from bot.evidence.service import Evidence
from bot.ports import People
from bot.revocation.contract import (
    IdentitySystem,
    LookupFailed,
    PlannedCall,
    StepOptions,
    StepOutcome,
    Subject,
    step_order,
    waves,
)
from bot.revocation.titles import step_title

log = logging.getLogger(__name__)


class RevocationBoard(Protocol):
    """Where IT sees revocation: the thread under the checklist (Slack implements it)."""

    async def show_panel(self, case: Case, items: Sequence[ChecklistItem]) -> dict[str, Any]: ...
    async def show_results(self, case: Case, items: Sequence[ChecklistItem]) -> None: ...
    async def show_preview(self, case: Case, plans: dict[str, list[PlannedCall] | str]) -> None: ...
    async def show_inventory(
        self, case: Case, inventory: dict[str, Any], changes: dict[str, Any]
    ) -> None: ...
    async def show_verification(self, case: Case, checks: list[Any], blocking: list[str]) -> None: ...


class RevocationService:
    def __init__(
        self,
        systems: dict[str, IdentitySystem],
        checklist: ChecklistService,
        evidence: Evidence,
        people: People,
        config: OrgConfig,
        *,
        concurrency: int = 200,
    ) -> None:
        """concurrency: steps in flight at once; each system's Pacer bounds and paces the HTTP requests."""
        self.systems = systems
        self.checklist = checklist
        self.evidence = evidence
        self.people = people
        self.config = config
        self._subjects: dict[tuple[str, str], Subject] = {}
        self._limit = asyncio.Semaphore(concurrency)

    # -- what steps exist ---------------------------------------------------------------------
    def base_options(self, options: dict[str, Any]) -> StepOptions:
        keep = (*self.config.okta.keep_groups, *self.config.graph.keep_groups)
        return StepOptions(
            mailbox=options.get("mailbox", "none"),
            phone=options.get("phone", "none"),
            backup_data=bool(options.get("backup_data")),
            auto_reply=options.get("auto_reply") or None,
            forward_mail=bool(options.get("mail_forward_to")),
            keep_groups=tuple(keep),
            cutoff_action=self.config.okta.cutoff_action,
        )

    def catalogue(self, system: str, options: dict[str, Any]) -> list[tuple[str, str]]:
        """Steps a case gets for a template's revocation item; none when the system is not configured."""
        found = self.systems.get(system)
        if found is None:
            return []
        return [(step, step_title(step)) for step in found.step_names(self.base_options(options))]

    async def options_for(self, case: Case) -> StepOptions:
        base = self.base_options(case.options)

        async def email(user_id: str | None) -> str | None:
            if not user_id:
                return None
            person = await self.people.person(user_id)
            return person.email if person else None

        return StepOptions(
            **{
                **asdict(base),
                "manager_email": await email(case.manager_id),
                "mailbox_delegate_email": await email(case.options.get("mailbox_delegate")),
                "forward_to_email": await email(case.options.get("phone_forward_to")),
                "mail_forward_to_email": await email(case.options.get("mail_forward_to")),
                "cutoff_at": case.cutoff_at,
            }
        )

    # -- running ------------------------------------------------------------------------------
    async def subject(self, system: IdentitySystem, case: Case) -> Subject | None:
        key = (system.name, case.subject_email or "")
        if key not in self._subjects:
            if not case.subject_email:
                return None
            found = await system.find_subject(case.subject_email)
            if found is None:
                return None
            self._subjects[key] = found
        return self._subjects[key]

    async def run_step(self, case: Case, key: str, actor: str) -> ChecklistItem | None:
        """Run one step if this caller wins the claim; None when it was running or done already."""
        item = await self.checklist.item(case.id, key)
        if item.kind != "revocation" or not item.step:
            raise Conflict("That item is not a revocation step.")
        system = self.systems.get(item.step.split(".", 1)[0])
        if system is None:
            raise NotFound(f"{step_title(item.step)}: that system is not configured.")
        if not await self.checklist.claim_step(case.id, key, actor):
            return None
        outcome = await self._outcome(system, case, item.step)
        result = {
            "ok": outcome.ok,
            "calls": [asdict(c) for c in outcome.calls],
            "request_ids": outcome.request_ids,
            **({"manual": outcome.manual} if outcome.manual else {}),
            **({"data": outcome.data} if outcome.data else {}),
            **({"already_done": True} if outcome.already_done else {}),
        }
        await self.checklist.finish_step(
            case.id, key, actor, ok=outcome.ok, detail=outcome.summary, result=result
        )
        return await self.checklist.item(case.id, key)

    async def _outcome(self, system: IdentitySystem, case: Case, step: str) -> StepOutcome:
        async with self._limit:
            try:
                subject = await self.subject(system, case)
                if subject is None:
                    return StepOutcome(
                        ok=False,
                        summary=f"no {_system_name(system.name)} user with login {case.subject_email}",
                    )
                return await system.run(step, subject, await self.options_for(case))
            except LookupFailed as e:
                return StepOutcome(ok=False, summary=f"{_system_name(system.name)} could not be asked: {e}")
            except Exception as e:  # an adapter bug must not leave the step 'running' forever
                log.exception("step %s failed unexpectedly", step)
                return StepOutcome(ok=False, summary=f"unexpected error ({type(e).__name__})")

    async def pending_steps(self, items: Sequence[ChecklistItem]) -> list[ChecklistItem]:
        return [i for i in items if i.kind == "revocation" and i.status != DONE]

    async def run_all(self, case: Case, items: Sequence[ChecklistItem], actor: str) -> list[ChecklistItem]:
        """Every open step: systems in parallel; within a system, in the rounds its declared order
        allows (a step starts once the steps it waits for have finished, whatever their outcome)."""
        by_system: dict[str, list[ChecklistItem]] = {}
        for item in await self.pending_steps(items):
            by_system.setdefault((item.step or "").split(".", 1)[0], []).append(item)

        async def one(item: ChecklistItem) -> ChecklistItem | None:
            return await self.run_step(case, item.key, actor)

        async def one_system(name: str, steps: list[ChecklistItem]) -> list[ChecklistItem]:
            done: list[ChecklistItem | None] = []
            for wave in self.rounds(name, case, steps):
                done += await asyncio.gather(*(one(item) for item in wave))
            return [d for d in done if d is not None]

        results = await asyncio.gather(*(one_system(n, s) for n, s in by_system.items()))
        return [item for batch in results for item in batch]

    def rounds(self, name: str, case: Case, steps: list[ChecklistItem]) -> list[list[ChecklistItem]]:
        """A system's open steps in rounds, by the order it declares (contract.step_order); a step it
        no longer declares (configuration changed since the case opened) runs in the first round."""
        system = self.systems.get(name)
        if system is None:
            return [steps]
        by_step = {item.step: item for item in steps}
        declared = step_order(system, self.base_options(case.options))
        after = {s: tuple(w for w in declared.get(s, ()) if w in by_step) for s in by_step}
        return [[by_step[s] for s in wave] for wave in waves(list(by_step), after)]

    async def preview(self, case: Case, items: Sequence[ChecklistItem]) -> dict[str, list[PlannedCall] | str]:
        """Exactly what would be sent, per step, without sending anything."""
        plans: dict[str, list[PlannedCall] | str] = {}
        options = await self.options_for(case)
        for item in await self.pending_steps(items):
            system = self.systems.get((item.step or "").split(".", 1)[0])
            if system is None or item.step is None:
                continue
            try:
                subject = await self.subject(system, case)
                if subject is None:
                    plans[item.step] = f"no {_system_name(system.name)} user with login {case.subject_email}"
                    continue
                plans[item.step] = await system.plan(item.step, subject, options)
            except LookupFailed as e:
                plans[item.step] = f"{_system_name(system.name)} could not be asked: {e}"
        return plans

    async def manager_slack_id(self, subject_id: str, email: str | None) -> str | None:
        """The departing person's manager, from Microsoft Graph, else Okta, mapped to Slack by email."""
        if not email:
            return None
        for name in ("graph", "okta"):
            system = self.systems.get(name)
            if system is None:
                continue
            try:
                subject = await system.find_subject(email)
                manager_email = await system.manager_of(subject) if subject else None
            except LookupFailed:
                log.warning("%s could not be asked for the manager", name)
                continue
            if manager_email:
                person = await self.people.by_email(manager_email)
                if person is not None:
                    return person.id
        return None

    async def aclose(self) -> None:
        for system in self.systems.values():
            await system.aclose()


def _system_name(name: str) -> str:
    return {"okta": "Okta", "graph": "Microsoft Graph"}.get(name, name)
