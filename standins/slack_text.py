"""What a person would read in Slack, as plain terminal text, from what the Slack stand-in received.

Slack's client resolves mentions, group handles, channel links and date tokens itself; a terminal
cannot, so the demo asks this module, using the stand-in's own directory of users, groups and
channels. Dates are shown in UTC (the demo's one viewer is the terminal) and say so.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from standins.slack_api import SlackStandIn

TOKEN = re.compile(r"<([^<>\n]+)>")
# mrkdwn emphasis only counts at word edges, as in Slack: `clear_sessions` stays as it is.
EMPHASIS = [
    re.compile(rf"(?<![\w{m}]){re.escape(m)}(?=\S)([^\n]+?)(?<=\S){re.escape(m)}(?![\w{m}])") for m in "*_~"
]
EMOJI = {
    "white_check_mark": "✅", "x": "❌", "no_entry": "⛔", "warning": "⚠️",
    "hourglass_flowing_sand": "⏳", "white_square": "☐", "point_right": "👉", "wastebasket": "🗑",
    "recycle": "♻️", "package": "📦", "inbox_tray": "📥", "broom": "🧹", "label": "🏷",
    "memory": "📝", "lock": "🔒", "bell": "🔔",
}  # fmt: skip
EMOJI_CODE = re.compile(r":([a-z0-9_+-]+):")
TIME_TOKENS = ("{time}", "{time_secs}")


def slack_date(ts: int, fmt: str) -> str:
    """A `<!date^ts^fmt|…>` token as text: Slack's date tokens, in UTC, as "Thu 10 Dec 2026 01:00 UTC"."""
    when = datetime.fromtimestamp(ts, UTC)
    day = f"{when:%a %d %b %Y}"
    words = {
        "date_num": f"{when:%Y-%m-%d}",
        "time": f"{when:%H:%M}",
        "time_secs": f"{when:%H:%M:%S}",
        "ago": day,  # "3 minutes ago" needs a viewer's now; the date says as much in a record
    }
    for name in ("date", "date_short", "date_long", "date_pretty", "date_short_pretty", "date_long_pretty"):
        words[name] = day
    text = re.sub(r"\{(\w+)\}", lambda m: words.get(m.group(1), m.group(0)), fmt)
    return text + " UTC" if any(t in fmt for t in TIME_TOKENS) else text


class SlackText:
    """Renders mrkdwn and Block Kit as the stand-in's workspace would show them."""

    def __init__(self, slack: SlackStandIn) -> None:
        self.slack = slack

    # -- names -----------------------------------------------------------------------------------
    def person(self, user_id: str, label: str = "") -> str:
        user = self.slack.users.get(user_id)
        return user["real_name"] if user else label or user_id

    def group(self, group_id: str, label: str = "") -> str:
        meta = self.slack.usergroup_meta.get(group_id)
        return "@" + (meta["handle"] if meta else label.lstrip("@") or group_id)

    def channel(self, channel_id: str, label: str = "") -> str:
        channel = self.slack.channels.get(channel_id)
        return "#" + (channel["name"] if channel else label or channel_id)

    # -- mrkdwn ----------------------------------------------------------------------------------
    def token(self, inner: str) -> str:
        """One `<…>` token: a mention, a channel, a group, a date, or a link."""
        ref, _, label = inner.partition("|")
        if ref.startswith("@"):
            return "@" + self.person(ref[1:], label)
        if ref.startswith("#"):
            return self.channel(ref[1:], label)
        if ref.startswith("!subteam^"):
            return self.group(ref.removeprefix("!subteam^"), label)
        if ref.startswith("!date^"):
            parts = ref.split("^")
            try:
                return slack_date(int(parts[1]), parts[2] if len(parts) > 2 else "{date_num}")
            except (IndexError, ValueError):
                return label or ref
        if ref.startswith("!"):
            return "@" + ref[1:]  # <!here>, <!channel>, <!everyone>
        return f"{label} ({ref})" if label and label != ref else ref

    def mrkdwn(self, text: str) -> str:
        # Tokens first, held as placeholders so emphasis is stripped around them and never inside
        # a name or a URL; entities last, so an escaped `&lt;` never becomes a token.
        found: list[str] = []

        def hold(m: re.Match[str]) -> str:
            found.append(self.token(m.group(1)))
            return f"\x00{len(found) - 1}\x00"

        out = TOKEN.sub(hold, text)
        for pattern in EMPHASIS:
            out = pattern.sub(r"\1", out)
        out = EMOJI_CODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), out)
        out = re.sub(r"\x00(\d+)\x00", lambda m: found[int(m.group(1))], out)
        return html.unescape(out)

    def text(self, obj: dict[str, Any] | None) -> str:
        """A text object (plain_text or mrkdwn)."""
        if not obj:
            return ""
        raw = str(obj.get("text", ""))
        return self.mrkdwn(raw) if obj.get("type", "mrkdwn") == "mrkdwn" else html.unescape(raw)

    # -- blocks ----------------------------------------------------------------------------------
    def element(self, el: dict[str, Any]) -> str:
        """An interactive element as the control a person sees: [Button], [Choose ▾], [⋯]."""
        kind = el.get("type", "")
        if kind == "button":
            return f"[{self.text(el.get('text'))}]"
        if kind == "overflow":
            return "[⋯]"
        if kind in ("image",):
            return ""
        label = self.text(el.get("initial_option", {}).get("text")) or self.text(el.get("placeholder"))
        return f"[{label or kind} ▾]"

    def block(self, b: dict[str, Any]) -> list[str]:
        kind = b.get("type")
        if kind == "header":
            return [f"== {self.text(b.get('text'))} =="]
        if kind == "divider":
            return ["─" * 40]
        if kind == "section":
            lines = self.text(b.get("text")).splitlines() or [""]
            if b.get("fields"):
                lines += ["   ".join(self.text(f) for f in b["fields"])]
            control = self.element(b["accessory"]) if b.get("accessory") else ""
            if control:
                lines[-1] = f"{lines[-1]}   {control}".strip()
            return lines
        if kind == "context":
            parts = [self.text(e) for e in b.get("elements", []) if e.get("type") != "image"]
            return ["  ".join(p for p in parts if p)]
        if kind == "actions":
            return [" ".join(c for c in (self.element(e) for e in b.get("elements", [])) if c)]
        if kind == "input":
            return [f"• {self.text(b.get('label'))}"]
        if kind == "image":
            return [f"[image: {b.get('alt_text', '')}]"]
        if kind == "rich_text":
            return "".join(_rich_text(b)).splitlines()
        return []

    def blocks(self, blocks: Iterable[dict[str, Any]]) -> list[str]:
        return [line for b in blocks for line in self.block(b)]

    def message(self, message: dict[str, Any]) -> list[str]:
        """A posted message: its blocks when it has them (Slack shows those), else its text."""
        if message.get("blocks"):
            return self.blocks(message["blocks"])
        return self.mrkdwn(str(message.get("text", ""))).splitlines()


def _rich_text(obj: dict[str, Any]) -> Iterable[str]:
    """Plain text of a rich_text tree (the bot posts none today; users' messages may)."""
    if obj.get("type") in ("text", "link"):
        yield str(obj.get("text") or obj.get("url", ""))
    for child in obj.get("elements", []):
        yield from _rich_text(child)
    if obj.get("type") in ("rich_text_section", "rich_text_preformatted", "rich_text_quote"):
        yield "\n"
