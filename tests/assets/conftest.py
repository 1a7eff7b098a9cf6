"""A migrated database (SQLite file, and PostgreSQL when it answers) with one open case in it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest

from bot.assets.service import AssetService
from bot.cases.models import OPEN, Case
from bot.clock import FakeClock
from bot.db import Database
from bot.evidence.service import Evidence
from bot.migrate import upgrade

SUBJECT = "UJANE"
MANAGER = "UMARIA"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(upgrade, database_url)  # runs 0001 and 0002_assets
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def evidence(db: Database, clock: FakeClock) -> Evidence:
    return Evidence(db, clock)


@pytest.fixture
def service(db: Database, clock: FakeClock, evidence: Evidence) -> AssetService:
    return AssetService(db, clock, evidence)


async def make_case(db: Database, clock: FakeClock, subject: str = SUBJECT, status: str = OPEN) -> Case:
    now = clock.now()
    case = Case(
        open_subject=subject if status == OPEN else None,
        subject_id=subject,
        subject_name="Jane Doe",
        subject_email="jane@example.com",
        subject_tz="UTC",
        requested_by=MANAGER,
        manager_id=MANAGER,
        template="default",
        reason="voluntary",
        last_day=date(2026, 12, 4),
        cutoff_at=now + timedelta(days=9),
        options={},
        notes="",
        status=status,
        messages={},
        created_at=now,
    )
    async with db.transaction() as session:
        session.add(case)
        await session.flush()
    return case


@pytest.fixture
async def case(db: Database, clock: FakeClock) -> Case:
    return await make_case(db, clock)
