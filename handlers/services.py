"""Everything the Slack side acts through: the domain services and the Slack client, built by the wiring."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from slack_sdk.web.async_client import AsyncWebClient

from bot.assets.service import AssetService
from bot.bulk.service import BulkOffboarding
from bot.cases.flow import Offboarding
from bot.cases.service import CaseService
from bot.checklist.service import ChecklistService
from bot.checklist.templates import TemplateSet
from bot.clock import Clock
from bot.config import OrgConfig, Settings
from bot.db import Database
from bot.evidence.service import Evidence
from bot.revocation.flow import RevocationFlow
from bot.roles import RoleDirectory
from bot.schedule.service import Schedule

WORK_SLOTS = 16


@dataclass
class Services:
    settings: Settings
    config: OrgConfig
    clock: Clock
    db: Database
    templates: TemplateSet
    slack: AsyncWebClient
    evidence: Evidence
    roles: RoleDirectory
    cases: CaseService
    checklist: ChecklistService
    offboarding: Offboarding
    revocation: RevocationFlow | None = None
    schedule: Schedule | None = None
    assets: AssetService | None = None
    bulk: BulkOffboarding | None = None

    # Work done after Slack's ack runs a few at a time, so a burst of clicks cannot starve the acks.
    work_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(WORK_SLOTS))

    async def close(self) -> None:
        if self.schedule is not None:
            await self.schedule.stop()
        if self.bulk is not None:
            await self.bulk.settle()
        if self.revocation is not None:
            await self.revocation.settle()
            await self.revocation.service.aclose()
        await self.db.dispose()
        if self.slack.session is not None:
            await self.slack.session.close()
