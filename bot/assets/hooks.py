"""When a case's room is ready: attach the register's assets and the Intune devices, then show them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from bot.assets.models import Asset
from bot.assets.register import AssetInput, devices_from_access
from bot.assets.service import AssetService, Seat
from bot.cases.flow import CaseHooks
from bot.cases.models import Case

log = logging.getLogger(__name__)


# -- when a case opens -----------------------------------------------------------------------------
class AssetBoard(Protocol):
    """Where the case's assets are shown (Slack implements it): returns refs to keep on the case."""

    async def show(self, case: Case, assets: Sequence[Asset], seats: Sequence[Seat]) -> dict[str, Any]: ...


class Register(Protocol):
    def assets_for(self, email: str | None) -> list[AssetInput]: ...


DeviceLookup = Callable[[Case], Awaitable[list[AssetInput]]]


def graph_devices(revocations: Any) -> DeviceLookup | None:
    """The person's Intune managed devices, through the configured Graph system; None without Graph."""
    system = revocations.systems.get("graph")
    if system is None:
        return None

    async def lookup(case: Case) -> list[AssetInput]:
        from bot.revocation.contract import StepOptions

        subject = await revocations.subject(system, case)
        if subject is None:
            return []
        state = await system.read_access(subject, StepOptions())
        return devices_from_access(state.entries)

    return lookup


class AssetHooks(CaseHooks):
    """When the room is ready: attach the register's assets and the Intune devices, then show them."""

    def __init__(
        self,
        service: AssetService,
        cases: Any,  # CaseService: get, save_messages
        board: AssetBoard,
        register: Register | None = None,
        devices: DeviceLookup | None = None,
    ) -> None:
        self.service = service
        self.cases = cases
        self.board = board
        self.register = register
        self.devices = devices

    async def room_ready(self, case: Case) -> None:
        if not case.subject_email:
            return  # a client offboarding: no company equipment to track
        found: list[AssetInput] = []
        if self.register is not None:
            found += await asyncio.to_thread(self.register.assets_for, case.subject_email)
        if self.devices is not None:
            try:
                found += await self.devices(case)
            except Exception as e:  # Graph down: the register's assets are still worth showing
                log.warning("Intune devices of case %s could not be read: %s", case.id, type(e).__name__)
        if found:
            await self.service.attach(case.id, found)
        await self.show(case.id)

    async def show(self, case_id: int) -> None:
        """Post or update the case's assets message (nothing when it has no assets and no seats)."""
        case = await self.cases.get(case_id)
        assets = await self.service.assets(case_id)
        seats = await self.service.reclaimable_seats(case_id)
        if not assets and not seats and not case.messages.get("assets"):
            return
        refs = await self.board.show(case, assets, seats)
        if refs:
            await self.cases.save_messages(case_id, refs)
