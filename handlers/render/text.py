"""Small text helpers for Slack mrkdwn, and the one escaping rule for text that came from people.

The rule (handlers/render/text.py is the only place that knows it):

- `escape(value)` for every value from people or directories (names, titles, notes, reasons, CSV cells,
  Okta/Graph names, vendor error texts), in mrkdwn and plain_text alike: Slack decodes the same three
  entities everywhere ("All text in Slack uses the same system of escaping").
- `mention(user_id)`, `channel_link(id)`, `usergroup(id)` and `slack_date(...)` for the bot's own
  control sequences; they accept ids of Slack's shape only.
- `clip(text, limit)` after escaping: never cuts an entity or a control sequence in half.
- `plain(value, limit)` = clip(escape(value)) for plain_text fields (headers, titles, labels, options).
- `defuse(text)` for text built elsewhere (the domain's messages, error texts): keeps the bot's own
  sequences and escapes everything else. It is idempotent on escaped text, so handlers/slack_client.py
  also runs it over every outgoing text as a last guard.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.ports import USER_ID

# Bidi embeddings/overrides/isolates reorder what follows them (a name can spoof the text after it);
# C0 controls other than tab and newline have no business in a message.
_UNSHOWN = re.compile(r"[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b-\x1f\x7f]")
# "@channel" typed as a word is parsed as a broadcast by some clients and legacy `parse=full`:
# a word joiner after the @ keeps it readable and inert.
_BARE_BROADCAST = re.compile(r"(?<![\w.@])@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
# The control sequences the bot itself writes, each only in the shape Slack gives ids.
_OWN = re.compile(
    r"<@[UW][A-Z0-9]{2,}>"
    r"|<#[CG][A-Z0-9]{2,}>"
    r"|<!subteam\^S[A-Z0-9]{2,}>"
    r"|<!date\^\d{1,12}\^[^<>|&]*\|[^<>&@]*>"
)
_ENTITY = re.compile(r"&(?:amp|lt|gt);")
_USER_ID = re.compile(USER_ID)  # the one user-id pattern (bot/ports.py)
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")
_GROUP_ID = re.compile(r"S[A-Z0-9]{2,}")


def slack_date(when: datetime, fmt: str = "{date_short_pretty} {time}") -> str:
    """A date each reader sees in their own time zone, with a UTC fallback for old clients."""
    fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(when.timestamp())}^{fmt}|{fallback}>"


def utc_iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def escape(value: object) -> str:
    """A raw value as inert Slack text: `&`, `<`, `>` as entities, spoofing controls dropped."""
    text = _UNSHOWN.sub("", str(value))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BARE_BROADCAST.sub("@\u2060", text)


def defuse(text: str) -> str:
    """Text that mixes the bot's own sequences with raw values: keep the former, escape the rest.
    Existing entities are kept, so escaped text passes unchanged."""
    out: list[str] = []
    last = 0
    for m in _OWN.finditer(text):
        out += [_escape_keeping_entities(text[last : m.start()]), m.group()]
        last = m.end()
    out.append(_escape_keeping_entities(text[last:]))
    return "".join(out)


def _escape_keeping_entities(text: str) -> str:
    parts = _ENTITY.split(text)
    entities = _ENTITY.findall(text)
    escaped = [escape(p) for p in parts]
    return "".join(e + (entities[i] if i < len(entities) else "") for i, e in enumerate(escaped))


def mention(user_id: str | None, nobody: str = "the bot") -> str:
    """`<@U…>` for a Slack user id; anything else (the bot's "bot", garbage) is shown inert."""
    if not user_id or user_id == "bot":
        return nobody
    return f"<@{user_id}>" if _USER_ID.fullmatch(user_id) else escape(user_id)


def channel_link(channel_id: str) -> str:
    return f"<#{channel_id}>" if _CHANNEL_ID.fullmatch(channel_id) else escape(channel_id)


def usergroup(group_id: str) -> str:
    return f"<!subteam^{group_id}>" if _GROUP_ID.fullmatch(group_id) else escape(group_id)


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, with "…" when cut; never inside `&amp;` or a `<…>` sequence."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[: max(limit, 0)]
    cut = limit - 1
    amp = text.rfind("&", max(0, cut - 4), cut)
    if amp != -1 and any(e.startswith(text[amp:cut]) for e in ("&amp;", "&lt;", "&gt;")):
        cut = amp
    # Only the bot's own sequences (mentions, links, dates: under 120 characters) hold raw "<".
    lt = text.rfind("<", max(0, cut - 120), cut)
    if lt != -1 and ">" not in text[lt:cut] and text[lt + 1 : lt + 2] in ("@", "#", "!"):
        cut = lt
    return text[:cut] + "…"


def plain(value: object, limit: int = 150) -> str:
    """A raw value for a plain_text field (header, modal title, label, option): escaped, then clipped."""
    return clip(escape(value), limit)


def pack_lines(lines: list[str], limit: int) -> list[str]:
    """Join lines into chunks of at most `limit` characters (a long line is clipped)."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = clip(line, limit)
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks
