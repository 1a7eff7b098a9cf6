"""Database plumbing: the declarative base, a UTC datetime type, engine and session factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, TypeDecorator, event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no time zone, PostgreSQL and SQLite must agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def sync_url(url: str) -> str:
    """The same database through a synchronous driver (Alembic, APScheduler's job store)."""
    return url.replace("sqlite+aiosqlite://", "sqlite://")


def jobs_url(url: str) -> str:
    """Where APScheduler keeps its jobs. PostgreSQL: the same database. SQLite: a file beside it, because
    APScheduler's store writes synchronously from the event loop and would wait on the bot's own write
    lock in the same file (a stalled loop, "database is locked"). The database stays the source of
    truth either way: jobs are rebuilt from it on start."""
    if url.startswith("sqlite"):
        path = url.partition(":///")[2]
        if not path or ":memory:" in path:  # an in-memory database keeps its jobs in memory too
            return "sqlite://"
        stem = path[:-3] if path.endswith(".db") else path
        return f"sqlite:///{stem}.jobs.db"
    return sync_url(url)


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            # Concurrent Slack requests share one file: wait for the write lock instead of failing.
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock()

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write transaction. On SQLite it takes the write lock up front (BEGIN IMMEDIATE): a deferred
        transaction that read before another writer committed would fail when it tries to write."""
        if self.engine.dialect.name != "sqlite":
            async with self.sessions() as session, session.begin():
                yield session
            return
        # One writer at a time in this process: waiting here is cheaper than SQLite's busy loop.
        async with self._write_lock, self.sessions() as session, session.begin():
            await session.execute(text("BEGIN IMMEDIATE"))
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
