"""What Slack sends *to* the bot: signed request headers and payload bodies, for tests.

Signing follows Slack's v0 scheme (HMAC-SHA256 of `v0:{timestamp}:{raw body}`), checked against the
official test vector in /work/shared/specs/slack/examples/request-signing-test-vector.txt.
Payload shapes follow Slack's real payloads as recorded by java-slack-sdk (examples/java-sdk-shape_*.json)
and bolt-python's scenario tests: slash commands arrive form-encoded, interactions as `payload=<json>`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

TEAM_DOMAIN = "offboard-test"
API_APP_ID = "A0001"
VERIFICATION_TOKEN = "verification-token"  # legacy field Slack still sends; Bolt ignores it
_counter = itertools.count(1)


def sign(body: bytes | str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack would add to `body`: X-Slack-Request-Timestamp and X-Slack-Signature."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    raw = body.encode() if isinstance(body, str) else body
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def new_trigger_id() -> str:
    """A fresh trigger_id shaped like Slack's (`<digits>.<digits>.<hex>`)."""
    return f"{int(time.time())}{next(_counter):03d}.{API_APP_ID[1:]}.{secrets.token_hex(16)}"


def _user(user_id: str, user_name: str | None, team_id: str) -> dict[str, str]:
    name = user_name or user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team(team_id: str) -> dict[str, Any]:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def _payload_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))})


def slash_command_body(
    command: str,
    text: str,
    user_id: str,
    user_name: str,
    channel_id: str,
    trigger_id: str | None = None,
    team_id: str = "T0001",
    *,
    channel_name: str = "general",
    response_url: str | None = None,
) -> str:
    """A slash command's form-urlencoded body, fields in the order Slack sends them."""
    response_url = response_url or f"https://hooks.slack.com/commands/{team_id}/{next(_counter)}/x"
    fields = {
        "token": VERIFICATION_TOKEN, "team_id": team_id, "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id, "channel_name": channel_name, "user_id": user_id,
        "user_name": user_name, "command": command, "text": text, "api_app_id": API_APP_ID,
        "is_enterprise_install": "false", "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }  # fmt: skip
    return urlencode(fields)


def block_action_body(
    user_id: str,
    action_id: str,
    value: str | None = None,
    block_id: str = "",
    channel_id: str | None = None,
    message_ts: str | None = None,
    *,
    view_id: str | None = None,
    view: dict[str, Any] | None = None,
    message: dict[str, Any] | None = None,
    trigger_id: str | None = None,
    user_name: str | None = None,
    team_id: str = "T0001",
    action_type: str = "button",
    action: dict[str, Any] | None = None,
    state_values: dict[str, Any] | None = None,
) -> str:
    """A block_actions payload body: from a message (channel_id + message_ts) or a view (view_id).

    `action` adds fields to the action (e.g. selected_option for a static_select); `message` and
    `view` add fields to the payload's message or view (e.g. their blocks).
    """
    act = {"action_id": action_id, "block_id": block_id, "type": action_type,
           "action_ts": f"{time.time():.6f}"}  # fmt: skip
    if value is not None:
        act["value"] = value
    act.update(action or {})
    payload: dict[str, Any] = {
        "type": "block_actions", "user": _user(user_id, user_name, team_id), "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN, "trigger_id": trigger_id or new_trigger_id(), "team": _team(team_id),
        "enterprise": None, "is_enterprise_install": False, "state": {"values": state_values or {}},
    }  # fmt: skip
    if view_id is not None:
        payload["container"] = {"type": "view", "view_id": view_id}
        payload["view"] = {"id": view_id, "team_id": team_id, "type": "modal", "callback_id": "",
                           "private_metadata": "", "state": {"values": state_values or {}},
                           "hash": f"{int(time.time())}.abc", "app_id": API_APP_ID, **(view or {})}  # fmt: skip
    else:
        payload["container"] = {"type": "message", "message_ts": message_ts, "channel_id": channel_id,
                                "is_ephemeral": False}  # fmt: skip
        payload["channel"] = {"id": channel_id, "name": "offboarding"}
        payload["message"] = {"type": "message", "user": "UBOT", "bot_id": "BBOT", "ts": message_ts,
                              "text": "", "team": team_id, **(message or {})}  # fmt: skip
        payload["response_url"] = f"https://hooks.slack.com/actions/{team_id}/{next(_counter)}/x"
    payload["actions"] = [act]
    return _payload_body(payload)


def view_submission_body(
    user_id: str,
    callback_id: str,
    state_values: dict[str, Any],
    private_metadata: str = "",
    view_id: str = "V0001",
    *,
    user_name: str | None = None,
    team_id: str = "T0001",
    blocks: list[dict[str, Any]] | None = None,
    title: str = "Offboard",
    trigger_id: str | None = None,
    view_hash: str | None = None,
) -> str:
    """A view_submission payload body; `state_values` is view.state.values ({block_id: {action_id: ...}})."""
    view = {
        "id": view_id, "team_id": team_id, "type": "modal", "blocks": blocks or [],
        "private_metadata": private_metadata, "callback_id": callback_id,
        "state": {"values": state_values}, "hash": view_hash or f"{int(time.time())}.abc",
        "title": {"type": "plain_text", "text": title, "emoji": True},
        "clear_on_close": False, "notify_on_close": False,
        "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
        "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
        "previous_view_id": None, "root_view_id": view_id, "app_id": API_APP_ID, "external_id": "",
        "app_installed_team_id": team_id, "bot_id": "BBOT",
    }  # fmt: skip
    payload = {
        "type": "view_submission", "team": _team(team_id), "user": _user(user_id, user_name, team_id),
        "api_app_id": API_APP_ID, "token": VERIFICATION_TOKEN, "trigger_id": trigger_id or new_trigger_id(),
        "view": view, "response_urls": [], "is_enterprise_install": False, "enterprise": None,
    }  # fmt: skip
    return _payload_body(payload)
