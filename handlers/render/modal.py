"""The small modals every form shares: a message (a refusal, a result) and "checking…"."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import SectionBlock
from slack_sdk.models.views import View

from handlers.render.text import clip, defuse


def modal(title: str, blocks: list[Any], **kw: Any) -> dict[str, Any]:
    return View(type="modal", title=title, close=kw.pop("close", "Close"), blocks=blocks, **kw).to_dict()


def message_view(text: str, title: str = "Offboard") -> dict[str, Any]:
    """`text` may quote domain messages (CSV cells, names): defused, then clipped to a section's limit."""
    return modal(title, [SectionBlock(text=clip(defuse(text), 3000))])


def checking_view(what: str, title: str = "Offboard") -> dict[str, Any]:
    return modal(title, [SectionBlock(text=f":hourglass_flowing_sand: {what}")])
