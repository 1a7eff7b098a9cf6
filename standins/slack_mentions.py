"""Live Slack control sequences in everything the stand-in received, for hostile-input tests.

Slack turns `<...>` sequences into broadcasts, mentions and links (docs.slack.dev "Formatting text for
app surfaces": <!channel>, <!here>, <!everyone>, <!subteam^ID>, <@U..>/<@W..>, <#C..>, <url|label>).
Text that escaped `<`, `>` and `&` (`&lt;!channel&gt;`) is shown literally, so it is not live.

Which strings count, and why:
- top-level `text` of chat.* calls (also the notification fallback when blocks are present), the
  `topic`/`purpose` of conversations.setTopic/setPurpose and bookmarks' `title`: counted as written.
- inside blocks, views (modals and App Home) and attachments' blocks: only text objects of type
  `mrkdwn`. A `plain_text` object never renders mentions (Block Kit's text object reference), so
  titles, labels, button texts and plain options are walked but do not count; rich_text elements of
  type user/channel/usergroup/broadcast/link are structural mentions and count as their `<...>` form.
- attachments' `text`, `pretext`, `footer` and `fields[].value` (legacy attachments parse mentions).
- with `parse=full` or `link_names`, Slack also links bare `@channel`/`@here`/`@everyone` (and
  user group handles), so those count too.
Every received request counts, even one refused or rate-limited: the point is what was sent.
"""

from __future__ import annotations

import re
from typing import Any

from standins.slack_core import SlackCore

LIVE = re.compile(
    r"<(?:!(?:channel|here|everyone)(?:\|[^>]*)?|!subteam\^[A-Z0-9]+(?:\|[^>]*)?|@[UW][A-Z0-9]+(?:\|[^>]*)?"
    r"|#C[A-Z0-9]+(?:\|[^>]*)?|(?:https?://|mailto:)[^>|]*(?:\|[^>]*)?)>"
)
BARE_BROADCAST = re.compile(r"(?<![\w<!&])@(channel|here|everyone)\b")
TEXT_KEYS = ("text", "topic", "purpose")
ATTACHMENT_KEYS = ("text", "pretext", "footer")


def live_tokens(text: str) -> list[str]:
    """Every live control sequence in one mrkdwn string, as written (label included)."""
    return LIVE.findall(text) if isinstance(text, str) else []


def _rich_element(element: dict[str, Any]) -> str | None:
    """A rich_text element that is itself a mention, in the `<...>` form it renders like."""
    kind = element.get("type")
    if kind == "user" and element.get("user_id"):
        return f"<@{element['user_id']}>"
    if kind == "channel" and element.get("channel_id"):
        return f"<#{element['channel_id']}>"
    if kind == "usergroup" and element.get("usergroup_id"):
        return f"<!subteam^{element['usergroup_id']}>"
    if kind == "broadcast" and element.get("range") in ("channel", "here", "everyone"):
        return f"<!{element['range']}>"
    if kind == "link" and element.get("url"):
        label = element.get("text")
        return f"<{element['url']}|{label}>" if label else f"<{element['url']}>"
    return None


def block_tokens(node: Any) -> list[str]:
    """Live sequences anywhere in blocks/a view: mrkdwn text objects and rich_text mention elements."""
    found: list[str] = []
    if isinstance(node, list):
        for item in node:
            found += block_tokens(item)
    elif isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            found += live_tokens(node["text"])
        elif (token := _rich_element(node)) is not None:
            found.append(token)
        for value in node.values():
            if isinstance(value, (list, dict)):
                found += block_tokens(value)
    return found


def attachment_tokens(attachments: Any) -> list[str]:
    found: list[str] = []
    for attachment in attachments if isinstance(attachments, list) else []:
        if not isinstance(attachment, dict):
            continue
        for key in ATTACHMENT_KEYS:
            found += live_tokens(attachment.get(key, ""))
        for field in attachment.get("fields") or []:
            found += live_tokens(field.get("value", "")) if isinstance(field, dict) else []
        found += block_tokens(attachment.get("blocks"))
    return found


class MentionScan(SlackCore):
    """`live_mentions()`: what a hostile-input test asserts on."""

    def live_mentions(self) -> list[tuple[str, str]]:
        """(Slack method, live sequence) for every live control sequence in every request received,
        in arrival order. E.g. assert not [t for _, t in slack.live_mentions() if t.startswith("<!")]."""
        found: list[tuple[str, str]] = []
        for record in self.requests:
            if not record.path.startswith("/api/") or not isinstance(record.body, dict):
                continue
            method = record.path.removeprefix("/api/")
            found += [(method, token) for token in self._request_tokens(method, record.body)]
        return found

    def _request_tokens(self, method: str, params: dict[str, Any]) -> list[str]:
        tokens: list[str] = []
        keys = (*TEXT_KEYS, "title") if method.startswith("bookmarks.") else TEXT_KEYS
        for key in keys:
            text = params.get(key)
            if isinstance(text, str):
                tokens += live_tokens(text)
                tokens += self._bare_tokens(text, params)
        tokens += block_tokens(params.get("blocks"))
        tokens += attachment_tokens(params.get("attachments"))
        tokens += block_tokens(params.get("view"))
        return tokens

    def _bare_tokens(self, text: str, params: dict[str, Any]) -> list[str]:
        """chat.postMessage's `parse=full` / `link_names=true` make Slack link bare names too."""
        link_names = str(params.get("link_names", "")).lower() in ("1", "true")
        if params.get("parse") != "full" and not link_names:
            return []
        tokens = [f"<!{name}>" for name in BARE_BROADCAST.findall(text)]
        for gid, meta in self.usergroup_meta.items():
            if re.search(rf"(?<![\w<]){re.escape('@' + meta['handle'])}\b", text):
                tokens.append(f"<!subteam^{gid}>")
        return tokens
