"""The last guard before Slack: every text a call makes visible goes through `defuse`.

Renderers escape raw values themselves (handlers/render/text.py); this catches what they cannot:
texts the domain or a listener built by interpolation. `defuse` keeps the bot's own mentions, channel
links and dates and is idempotent on escaped text, so well-rendered payloads pass unchanged; an
injected `<!channel>`, `<#C…|x>` or `<https://evil|label>` arrives escaped whatever its path.
"""

from __future__ import annotations

from typing import Any

from handlers.render.text import defuse

# Top-level arguments shown as text, per method.
SHOWN = {
    "chat.postMessage": ("text",),
    "chat.update": ("text",),
    "chat.postEphemeral": ("text",),
    "chat.scheduleMessage": ("text",),
    "conversations.setTopic": ("topic",),
    "conversations.setPurpose": ("purpose",),
    "bookmarks.add": ("title",),
    "bookmarks.edit": ("title",),
}
# Arguments holding Block Kit: their text objects are shown.
STRUCTURED = ("blocks", "view", "attachments")


def _texts(node: Any) -> Any:
    """A copy of `node` with every text object's text defused (other strings, e.g. values and
    private_metadata, are data and stay as they are)."""
    if isinstance(node, list):
        return [_texts(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _texts(v) for k, v in node.items()}
    if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
        out["text"] = defuse(node["text"])
    return out


def guard_args(api_method: str, args: dict[str, Any]) -> dict[str, Any]:
    shown = SHOWN.get(api_method, ())
    if not any(k in args for k in (*shown, *STRUCTURED)):
        return args
    out = dict(args)
    for key in shown:
        if isinstance(out.get(key), str):
            out[key] = defuse(out[key])
    for key in STRUCTURED:
        if isinstance(out.get(key), (list, dict)):
            out[key] = _texts(out[key])
    return out


def guard_call(api_method: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """slack_sdk passes arguments as `json`, `data` or `params`; guard whichever holds them."""
    for where in ("json", "data", "params"):
        if isinstance(kwargs.get(where), dict):
            kwargs = {**kwargs, where: guard_args(api_method, kwargs[where])}
    return kwargs
