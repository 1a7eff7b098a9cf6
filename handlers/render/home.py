"""The App Home tab."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.cases.overview import Overview
from handlers.render.text import channel_link, clip, escape, pack_lines, slack_date

MAX_LINES = 30


def _channel(case: Any) -> str:
    return channel_link(case.channel_id) if case.channel_id else "(channel not created yet)"


def _who(case: Any) -> str:
    return clip(escape(case.subject_name), 300)


def home_view(view: Overview) -> dict[str, Any]:
    blocks: list[Any] = [HeaderBlock(text="Offboarding")]

    def section(title: str, lines: list[str], empty: str) -> None:
        blocks.append(SectionBlock(text=f"*{title}*"))
        shown = lines[:MAX_LINES] or [f"_{empty}_"]
        blocks.extend(SectionBlock(text=chunk) for chunk in pack_lines(shown, 2900))
        if len(lines) > MAX_LINES:
            blocks.append(
                ContextBlock(elements=[MarkdownTextObject(text=f"…and {len(lines) - MAX_LINES} more")])
            )
        blocks.append(DividerBlock())

    section(
        "Your open cases",
        [f"• {_who(c)} — last day {c.last_day:%d %b %Y} · {_channel(c)}" for c in view.cases],
        "No open offboardings.",
    )
    section(
        "Cutoffs in the next 14 days",
        [f"• {_who(c)} — {slack_date(c.cutoff_at)} · {_channel(c)}" for c in view.upcoming],
        "None.",
    )
    section(
        "Overdue items you own",
        [
            f"• {clip(escape(i.title), 300)} — {_who(c)}, due {slack_date(i.due_at, '{date_short_pretty}')} · "
            f"{_channel(c)}"
            for c, i in view.overdue
        ],
        "Nothing overdue.",
    )
    return View(type="home", blocks=blocks[:100]).to_dict()
