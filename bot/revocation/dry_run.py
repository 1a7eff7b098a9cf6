"""The dry-run twin of any identity system: reads and plans, never writes."""

from __future__ import annotations

from bot.revocation.contract import (
    AccessState,
    IdentitySystem,
    PlannedCall,
    StepOptions,
    StepOutcome,
    Subject,
    step_order,
)


def describe(calls: list[PlannedCall]) -> str:
    if not calls:
        return "nothing to send"
    return "; ".join(f"{c.method} {c.path}" for c in calls)


class DryRunSystem:
    def __init__(self, real: IdentitySystem) -> None:
        self.real = real
        self.name = real.name
        self.independent_after_first = real.independent_after_first

    def step_names(self, options: StepOptions) -> list[str]:
        return self.real.step_names(options)

    def step_after(self, options: StepOptions) -> dict[str, tuple[str, ...]]:
        return step_order(self.real, options)

    async def find_subject(self, email: str) -> Subject | None:
        return await self.real.find_subject(email)

    async def plan(self, step: str, subject: Subject, options: StepOptions) -> list[PlannedCall]:
        return await self.real.plan(step, subject, options)

    async def run(self, step: str, subject: Subject, options: StepOptions) -> StepOutcome:
        calls = await self.real.plan(step, subject, options)
        return StepOutcome(
            ok=True,
            summary=f"dry-run: would send {describe(calls)}",
            data={"dry_run": True, "planned": [f"{c.method} {c.path}" for c in calls]},
        )

    async def read_access(self, subject: Subject, options: StepOptions) -> AccessState:
        return await self.real.read_access(subject, options)

    async def manager_of(self, subject: Subject) -> str | None:
        return await self.real.manager_of(subject)

    async def aclose(self) -> None:
        await self.real.aclose()
