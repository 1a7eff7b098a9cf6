"""`offboard-bot serve` as a real process: /healthz once ready, a signed /offboard handled."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import aiohttp
import pytest
import yaml

from standins.slack_driver import SlackDriver, wait_for
from tests.conftest import BOT_TOKEN, SIGNING_SECRET


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def healthy(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as session, session.get(url + "/healthz") as resp:
            return resp.status == 200
    except aiohttp.ClientError:
        return False


@pytest.fixture
def org_config(cast):
    return cast.config(admins=[cast.manager])


async def test_serve_answers_healthz_and_a_signed_offboard(settings_env, slack, cast, tmp_path: Path):
    port = free_port()
    env = {**os.environ, **settings_env, "PORT": str(port)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wiring", "serve", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_for(lambda: healthy(url), limit=30, what="/healthz")
        async with SlackDriver(url, SIGNING_SECRET) as driver:
            status, _ = await driver.command(cast.manager, f"<@{cast.subject}|jane>")
            assert status == 200
            await wait_for(lambda: slack.views_opened, what="views.open from the served bot")
            assert slack.views_opened[-1]["callback_id"] == "offboard_form"
            status, _ = await driver.post(
                "token=x&command=%2Foffboard", headers={"X-Slack-Signature": "v0=bad"}
            )
            assert status == 401
    finally:
        proc.terminate()
        output = (await proc.communicate())[0].decode()
    assert BOT_TOKEN not in output and SIGNING_SECRET not in output


def test_serve_refuses_bad_config_naming_the_key(tmp_path: Path, capsys, monkeypatch):
    from wiring.cli import main

    bad = tmp_path / "bad.yml"
    bad.write_text(
        yaml.safe_dump(
            {
                "roles": {
                    "hr": {"usergroup": "SHR"},
                    "it": {"usergroup": "SIT"},
                    "security": {"usergroup": "SSEC"},
                },
                "archive_channel": "CARCHIVE",
                "workday_end": "25:99",
                "auto_revoke": True,
            }
        )
    )
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("OFFBOARD_CONFIG", str(bad))
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "workday_end: Value error, must be HH:MM" in err
    assert "auto_revoke: unknown key" in err


def test_serve_requires_tokens(monkeypatch, capsys):
    from wiring.cli import main

    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert main(["serve"]) == 2
    assert "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET" in capsys.readouterr().err
