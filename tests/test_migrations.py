"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import bot.models  # noqa: F401  (every table on the metadata)
from bot.db import Base, sync_url
from bot.migrate import upgrade


def ours(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """APScheduler keeps its own table in the same PostgreSQL database; it is not ours to migrate."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table != "apscheduler_jobs"


async def test_migrations_match_the_models(database_url):
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": ours})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
