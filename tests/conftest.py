"""Fixtures: databases (SQLite and PostgreSQL), the Slack stand-in with its cast, and the bot itself."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot.clock import FakeClock
from bot.config import Settings, load_org_config
from handlers.services import Services
from standins.cast import Cast, seed
from standins.slack_api import SlackStandIn
from standins.slack_driver import SlackDriver
from tests.databases import PostgresDatabase, postgres_reason
from wiring.server import start

SIGNING_SECRET = "test-signing-secret-8f2a"
BOT_TOKEN = "xoxb-test-token-77c1"
# Wednesday 25 Nov 2026, 15:00 UTC. Thursday the 26th is Thanksgiving (a US public holiday).
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabase | None]:
    reason = postgres_reason()
    if reason:
        yield None
        return
    db = PostgresDatabase()
    db.create()
    try:
        yield db
    finally:
        db.drop()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'offboard.db'}"
    pg: PostgresDatabase | None = request.getfixturevalue("postgres")
    if pg is None:
        pytest.skip(postgres_reason() or "PostgreSQL not reachable")
    pg.reset()
    return pg.url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    # Slack's per-minute tier limits, on a clock ten times faster: still enforced (429 + Retry-After),
    # without a test waiting most of a minute when a busy case reaches them.
    async with SlackStandIn(token=BOT_TOKEN, rate_window=6.0) as standin:
        yield standin


@pytest.fixture
def cast(slack: SlackStandIn) -> Cast:
    return seed(slack)


@pytest.fixture
def org_config(tmp_path: Path, cast: Cast) -> dict:
    return cast.config(admins=[])


@dataclass
class Bot:
    runtime: Services
    url: str
    driver: SlackDriver
    slack: SlackStandIn
    cast: Cast
    clock: FakeClock


@pytest.fixture
def settings_env(slack: SlackStandIn, database_url: str, tmp_path: Path, org_config: dict) -> dict[str, str]:
    config_path = tmp_path / "offboard.yml"
    config_path.write_text(yaml.safe_dump(org_config))
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": database_url,
        "OFFBOARD_CONFIG": str(config_path),
        "PORT": "0",
    }


@asynccontextmanager
async def running_bot(
    settings_env: dict[str, str], slack: SlackStandIn, cast: Cast, clock: FakeClock
) -> AsyncIterator[Bot]:
    """The bot as `offboard-bot serve` runs it: migrated, scheduler started, HTTP on a free port."""
    settings = Settings.from_env(settings_env)
    config = load_org_config(settings.config_path or "")
    runner, runtime, port = await start(settings, host="127.0.0.1", config=config, clock=clock)
    url = f"http://127.0.0.1:{port}"
    async with SlackDriver(url, SIGNING_SECRET, slack) as driver:
        try:
            yield Bot(runtime, url, driver, slack, cast, clock)
        finally:
            await runner.cleanup()
            await runtime.close()


@pytest.fixture
async def bot(
    settings_env: dict[str, str], slack: SlackStandIn, cast: Cast, clock: FakeClock
) -> AsyncIterator[Bot]:
    async with running_bot(settings_env, slack, cast, clock) as running:
        yield running
