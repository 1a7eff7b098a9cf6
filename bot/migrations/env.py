"""Alembic environment: runs migrations through a synchronous connection to the bot's database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import bot.models  # noqa: F401  (registers every table on the metadata)
from bot.db import Base, sync_url

config = context.config
url = config.get_main_option("sqlalchemy.url") or ""


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(sync_url(url), poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
