"""Drives the bot the way Slack does: signed HTTP requests to /slack/events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from standins.slack_signing import block_action_body, sign, slash_command_body, view_submission_body


def default_value(element: dict[str, Any]) -> dict[str, Any] | None:
    """What Slack puts in view.state for an input the user left at its initial value."""
    kind = element["type"]
    if kind == "datepicker":
        return {"type": kind, "selected_date": element.get("initial_date")}
    if kind in ("static_select", "radio_buttons"):
        return {"type": kind, "selected_option": element.get("initial_option")}
    if kind == "users_select":
        return {"type": kind, "selected_user": element.get("initial_user")}
    if kind == "plain_text_input":
        return {"type": kind, "value": element.get("initial_value")}
    if kind == "file_input":
        return {"type": kind, "files": []}
    return None


def state_values(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """view.state.values for a modal: initial values, with `answers` {block_id: value} filled in."""
    values: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        state = default_value(element)
        if state is None:
            continue
        if block["block_id"] in answers:
            answer = answers[block["block_id"]]
            kind = element["type"]
            if kind == "datepicker":
                state["selected_date"] = answer
            elif kind in ("static_select", "radio_buttons"):
                option = next((o for o in element.get("options", []) if o["value"] == answer), None)
                state["selected_option"] = option or {
                    "value": answer,
                    "text": {"type": "plain_text", "text": answer},
                }
            elif kind == "users_select":
                state["selected_user"] = answer
            elif kind == "file_input":
                state["files"] = answer  # file objects, as SlackStandIn.add_file returns them
            else:
                state["value"] = answer
        values[block["block_id"]] = {element["action_id"]: state}
    return values


class SlackDriver:
    def __init__(self, bot_url: str, signing_secret: str, slack: Any = None) -> None:
        """`slack`: the Slack stand-in, so a click carries its message as Slack sends it (thread_ts)."""
        self.url = bot_url.rstrip("/") + "/slack/events"
        self.secret = signing_secret
        self.slack = slack
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> SlackDriver:
        self.session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.session:
            await self.session.close()

    async def post(
        self, body: str, *, headers: dict[str, str] | None = None, signed: bool = True
    ) -> tuple[int, Any]:
        assert self.session is not None
        all_headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signed:
            all_headers.update(sign(body, self.secret))
        all_headers.update(headers or {})
        async with self.session.post(self.url, data=body.encode(), headers=all_headers) as resp:
            text = await resp.text()
            try:
                return resp.status, json.loads(text) if text else None
            except ValueError:
                return resp.status, text

    async def event(self, event: dict[str, Any], *, team_id: str = "T0001") -> tuple[int, Any]:
        """An Events API callback, as Slack posts it (JSON)."""
        body = json.dumps(
            {
                "token": "verification-token",
                "team_id": team_id,
                "api_app_id": "A0001",
                "event": {"event_ts": "1700000000.000100", **event},
                "type": "event_callback",
                "event_id": f"Ev{abs(hash(json.dumps(event, sort_keys=True))) % 10**10:010d}",
                "event_time": 1700000000,
            }
        )
        return await self.post(body, headers={"Content-Type": "application/json"})

    async def command(
        self,
        user_id: str,
        text: str,
        *,
        channel: str = "CGENERAL",
        name: str = "",
        command: str = "/offboard",
    ) -> tuple[int, Any]:
        body = slash_command_body(command, text, user_id, name or user_id.lower(), channel)
        return await self.post(body)

    async def submit(
        self,
        user_id: str,
        view: dict[str, Any],
        answers: dict[str, Any] | None = None,
    ) -> tuple[int, Any]:
        body = view_submission_body(
            user_id,
            view["callback_id"],
            state_values(view, answers or {}),
            private_metadata=view.get("private_metadata", ""),
            view_id=view.get("id", "V0001"),
        )
        return await self.post(body)

    async def click(
        self, user_id: str, action_id: str, value: str, *, channel: str, ts: str, block_id: str = ""
    ) -> tuple[int, Any]:
        message = self._message(channel, ts)
        thread = {"thread_ts": message["thread_ts"]} if message.get("thread_ts") else {}
        body = block_action_body(user_id, action_id, value, block_id, channel, ts, message=thread)
        return await self.post(body)

    def _message(self, channel: str, ts: str) -> dict[str, Any]:
        posted = (getattr(self.slack, "messages", None) or {}).get(channel) or []
        return next((m for m in posted if m.get("ts") == ts), {})


async def wait_for(
    condition: Callable[[], Any] | Callable[[], Awaitable[Any]], limit: float = 15.0, what: str = ""
) -> Any:
    """Poll until `condition()` is truthy: listeners keep working after Slack's ack has been sent."""
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.02)
