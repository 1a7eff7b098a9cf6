"""`offboard-bot demo`: a whole offboarding against in-process stand-ins. No credentials, no network.

The output is a story (wiring/demo_script.py, told by wiring/demo_story.py); library logs would drown
it, so they are held back unless `--verbose`, and shown only if the demo fails."""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from datetime import UTC, datetime, time
from logging.handlers import BufferingHandler
from pathlib import Path

import yaml

from bot.clock import FakeClock
from bot.config import Settings, load_org_config
from standins.cast import Cast, seed, seed_identity
from standins.graph_api import GraphStandIn
from standins.okta_api import OktaStandIn
from standins.slack_api import SlackStandIn
from standins.slack_driver import SlackDriver
from wiring.demo_script import script
from wiring.demo_story import Story
from wiring.server import start

SECRET = "demo-signing-secret"
TOKEN = "xoxb-demo"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
START = time(9, 0)  # the demo's working day starts at 09:00 UTC, today


def main(verbose: bool = False) -> int:
    """Run the demo; logs go to stderr with `verbose`, else are kept and shown only on failure."""
    if verbose:
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, force=True)
        return asyncio.run(run_demo())
    held = BufferingHandler(capacity=10_000)
    held.setFormatter(logging.Formatter(LOG_FORMAT))
    # force: replaces any handler set before, so nothing reaches stderr through it or lastResort.
    logging.basicConfig(level=logging.WARNING, handlers=[held], force=True)
    logging.captureWarnings(True)  # Python warnings (deprecations …) too
    try:
        code = asyncio.run(run_demo())
    except BaseException:
        _replay(held)
        raise
    if code:
        _replay(held)
    return code


def _replay(held: BufferingHandler) -> None:
    """The demo failed: what the libraries logged is now the useful part."""
    for record in held.buffer:
        print(held.format(record), file=sys.stderr)


async def run_demo() -> int:
    # A fake clock starting today at 09:00: the story reads like a working day, minutes apart, and
    # the case's cutoff (a week out) stays in the future for the real-time scheduler.
    clock = FakeClock(datetime.combine(datetime.now(UTC).date(), START, UTC))
    # The demo plays a morning in seconds: calls Slack would see minutes apart (the role groups are
    # re-read once their 60 s cache expires on the demo clock) arrive within one real minute, so
    # Slack's per-minute tiers would only measure the compression. Tests cover the limits.
    slack = SlackStandIn(token=TOKEN, rate_limits=False)
    okta = OktaStandIn(token="demo-okta-token")
    graph = GraphStandIn(token="demo-graph-token")
    for standin in (slack, okta, graph):
        await standin.start()
    cast: Cast = seed(slack)
    seed_identity(okta, graph, cast)
    story = Story(slack, clock, cast)
    print(
        f"offboard demo · {clock.now():%a %d %b %Y} · times in UTC · Slack, Okta and Microsoft 365"
        " are in-process stand-ins\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "offboard.yml"
        # No admins: Microsoft Graph says Maria is Jane's manager, which is what lets her start.
        config_path.write_text(yaml.safe_dump(cast.config(auto_revoke_at_cutoff=True)))
        env = {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/demo.db",
            "OFFBOARD_CONFIG": str(config_path),
            "PORT": "0",
            "OKTA_ORG_URL": okta.url,
            "OKTA_API_TOKEN": "demo-okta-token",
            "GRAPH_BASE_URL": graph.url,
            "GRAPH_ACCESS_TOKEN": "demo-graph-token",
        }
        settings = Settings.from_env(env)
        runner, runtime, port = await start(
            settings, host="127.0.0.1", config=load_org_config(config_path), clock=clock
        )
        story.seen()  # the seeded workspace is the setting, not part of the story
        try:
            async with SlackDriver(f"http://127.0.0.1:{port}", SECRET, slack) as driver:
                await script(runtime, driver, slack, cast, story)
        finally:
            await runner.cleanup()
            await runtime.close()
            for standin in (slack, okta, graph):
                await standin.stop()
    return 0
