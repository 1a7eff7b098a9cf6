"""The demo's narrator: one line per thing that happened, at the demo clock's time, and under it what
the bot posted to Slack, read back from the Slack stand-in and rendered as a person would see it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from bot.clock import FakeClock
from standins.cast import Cast
from standins.slack_api import SlackStandIn
from standins.slack_text import SlackText

ACTOR_WIDTH = 16
INDENT = " " * 7  # under the "HH:MM  " column


class Story:
    def __init__(
        self, slack: SlackStandIn, clock: FakeClock, cast: Cast, write: Callable[[str], None] = print
    ) -> None:
        self.slack, self.clock, self.write = slack, clock, write
        self.render = SlackText(slack)
        self.roles = {cast.manager: "manager", cast.hr: "HR", cast.it: "IT", cast.security: "security"}
        self._told: dict[str, int] = {}  # messages per channel already shown
        self._ephemeral = 0
        self._updates = 0
        self.seen()

    # -- who and when ----------------------------------------------------------------------------
    def actor(self, user_id: str) -> str:
        """ "Maria (manager)": a first name is enough in a story; the role says why they may act."""
        first = self.render.person(user_id).split()[0]
        role = self.roles.get(user_id)
        return f"{first} ({role})" if role else first

    def later(self, minutes: int) -> None:
        """People do not click at machine speed: the demo clock moves between steps, and every
        timestamp the bot records or posts comes from it."""
        self.clock.advance(timedelta(minutes=minutes))

    def say(self, who: str, action: str, outcome: str = "") -> None:
        arrow = f"  → {outcome}" if outcome else ""
        self.write(f"{self.clock.now():%H:%M}  {who:<{ACTOR_WIDTH}}  {action}{arrow}")

    def show(self, lines: Iterable[str], heading: str = "") -> None:
        """An indented block: what a message or a form looks like in Slack."""
        if heading:
            self.write(f"{INDENT}{heading}")
        for line in lines:
            self.write(f"{INDENT}│ {line}".rstrip())

    # -- what the bot posted ---------------------------------------------------------------------
    def seen(self) -> None:
        """Mark everything Slack has received so far as told."""
        self._told = {ch: len(msgs) for ch, msgs in self.slack.messages.items()}
        self._ephemeral = len(self.slack.ephemeral)
        self._updates = len(self.slack.api_calls("chat.update"))

    def updates(self) -> int:
        """Messages the bot edited in place since the last look (checklist, panels, asset board)."""
        return len(self.slack.api_calls("chat.update")) - self._updates

    def where(self, channel_id: str, message: dict[str, Any]) -> str:
        name = self.render.channel(channel_id)
        return f"bot in {name}, in the thread" if message.get("thread_ts") else f"bot in {name}"

    def posts(self) -> None:
        """Show, in the order Slack received them, the messages posted since the last look."""
        new = [
            (float(m["ts"]), ch, m)
            for ch, msgs in list(self.slack.messages.items())
            for m in msgs[self._told.get(ch, 0) :]
        ]
        for _, channel_id, message in sorted(new, key=lambda t: t[0]):
            self.show(self.render.message(message), self.where(channel_id, message))
        for e in self.slack.ephemeral[self._ephemeral :]:
            heading = f"only {self.render.person(e['user']).split()[0]} sees, in {self.render.channel(e['channel'])}"
            self.show(self.render.message(e), heading)
        self.seen()

    async def settle(self, quiet: float = 0.1, limit: float = 15.0) -> None:
        """Wait until the bot has stopped calling Slack: its listeners keep working after the ack,
        and a story told before they finish would show half a step."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        count = -1
        while count != len(self.slack.requests) and loop.time() < deadline:
            count = len(self.slack.requests)
            await asyncio.sleep(quiet)
