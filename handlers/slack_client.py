"""The Slack Web API client, with calls queued per method (and per channel for posting).

slack_sdk's retry handler sleeps through a 429's Retry-After and tries again, but each call does so
alone: hundreds of background updates at a layoff's cutoff (results, reminders, the summary) would all
wake at once, find the limit spent again, and give up after the handler's last retry — messages lost.
Here at most a few calls per key are in flight, so the others wait their turn instead of spending
retries; a call that meets a 429 holds its slot while the handler waits, which slows the whole key.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from handlers.render.guard import guard_call

# Keyed per channel: chat.postMessage's limit is about one message a second per channel; the others
# are keyed per channel too, so one busy channel does not hold every other channel's updates.
PER_CHANNEL = {"chat.postMessage", "chat.update", "chat.postEphemeral"}
# At most this many calls in flight per key. With 8, a 500-person layoff lost one reminder after 30
# retries (bench/layoff.py); with 4, none.
IN_FLIGHT = 4


class PacedWebClient(AsyncWebClient):
    def __init__(self, *args: Any, in_flight: int = IN_FLIGHT, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slots: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(in_flight))

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:  # type: ignore[override]
        kwargs = guard_call(api_method, kwargs)  # nothing from input becomes a live mention
        key = api_method
        if api_method in PER_CHANNEL:
            args = kwargs.get("json") or kwargs.get("data") or kwargs.get("params") or {}
            key = f"{api_method}:{args.get('channel', '') if isinstance(args, dict) else ''}"
        async with self._slots[key]:
            return await super().api_call(api_method, **kwargs)
