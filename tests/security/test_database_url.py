"""DATABASE_URL: the spellings people paste reach the shipped async drivers; anything else is one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import Settings, normalise_database_url
from bot.db import Database, jobs_url
from bot.errors import ConfigError
from tests.databases import PG_ADMIN, postgres_reason

ROOT = Path(__file__).resolve().parents[2]
PG_REST = PG_ADMIN.partition("://")[2]  # postgres@127.0.0.1:5432/test
POSTGRES_SPELLINGS = [
    "postgres",
    "postgresql",
    "postgresql+psycopg",
    "postgresql+asyncpg",
    "postgresql+psycopg2",
]


@pytest.mark.parametrize("scheme", POSTGRES_SPELLINGS + [s.upper() for s in POSTGRES_SPELLINGS[:2]])
def test_postgres_spellings_use_psycopg3(scheme: str) -> None:
    url = f"{scheme}://offboard:pw@db.internal:5433/offboard?sslmode=require"
    assert (
        normalise_database_url(url)
        == "postgresql+psycopg://offboard:pw@db.internal:5433/offboard?sslmode=require"
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite://", "sqlite+aiosqlite://"),
        ("sqlite:///offboard.db", "sqlite+aiosqlite:///offboard.db"),
        ("sqlite:////var/lib/offboard.db", "sqlite+aiosqlite:////var/lib/offboard.db"),
        ("sqlite+aiosqlite:///offboard.db", "sqlite+aiosqlite:///offboard.db"),
    ],
)
def test_sqlite_spellings_use_aiosqlite(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected
    assert Settings.from_env({"DATABASE_URL": given}).database_url == expected


@pytest.mark.parametrize(
    "bad",
    ["mysql://root:hunter2@db/offboard", "offboard.db", "postgres://", "sqlite:offboard.db", "http://db/x"],
)
def test_other_urls_are_one_config_error(bad: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"DATABASE_URL": bad})
    message = str(raised.value)
    assert message.startswith("DATABASE_URL: ") and "\n" not in message
    assert "postgresql" in message and "sqlite" in message  # says what is accepted
    assert "hunter2" not in message  # a URL's password is never repeated


async def test_in_memory_sqlite_connects() -> None:
    url = normalise_database_url("sqlite://")
    assert jobs_url(url) == "sqlite://"
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await db.dispose()


@pytest.mark.parametrize("scheme", POSTGRES_SPELLINGS)
async def test_postgres_spellings_connect(scheme: str) -> None:
    reason = postgres_reason()
    if reason:
        pytest.skip(reason)
    db = Database(normalise_database_url(f"{scheme}://{PG_REST}"))
    try:
        assert db.is_postgres
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("SELECT current_database()"))).scalar_one() == "test"
    finally:
        await db.dispose()


@pytest.mark.parametrize("command", [["serve"], ["db", "upgrade"]])
def test_cli_exits_2_with_one_line(command: list[str], tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": "mysql://root:hunter2@db/offboard", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "wiring", *command],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and "hunter2" not in done.stderr
    assert lines[0].startswith("offboard-bot: DATABASE_URL: ") and "postgresql" in lines[0]
