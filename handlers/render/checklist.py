"""The checklist message(s) and the archive post."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.cases.models import Case
from bot.checklist.models import DONE, FAILED, RUNNING, ChecklistItem
from bot.checklist.templates import ROLE_NAMES
from handlers import ids
from handlers.render.text import clip, escape, mention, pack_lines, plain, slack_date, utc_iso

# 20 items a page keeps a page under 50 blocks (items + role headers + header) and well under the
# ~13k characters at which Slack answers msg_blocks_too_long, even when every item is done.
ITEMS_PER_PAGE = 20
ARCHIVE_BLOCKS_PER_MESSAGE = 45
MESSAGE_CHARS = 11_000
REASON = {"voluntary": "Voluntary", "involuntary": "Involuntary"}


def ordered(items: Sequence[ChecklistItem]) -> list[ChecklistItem]:
    """Grouped by owning role, roles in the order the template first names them (an involuntary
    exit lists security first), template order inside each group."""
    rank: dict[str, int] = {}
    for item in sorted(items, key=lambda i: i.position):
        rank.setdefault(item.role, len(rank))
    return sorted(items, key=lambda i: (rank[i.role], i.position))


def pages(items: Sequence[ChecklistItem]) -> list[list[str]]:
    keys = [i.key for i in ordered(items)]
    return [keys[i : i + ITEMS_PER_PAGE] for i in range(0, len(keys), ITEMS_PER_PAGE)] or [[]]


def progress(items: Sequence[ChecklistItem]) -> str:
    done = sum(1 for i in items if i.status == DONE)
    return f"{done}/{len(items)} done"


def countdown(cutoff: datetime, now: datetime) -> str:
    """ "in 3 days 4 h" as of the last update (Slack cannot tick a clock in a message)."""
    left = cutoff - now
    if left.total_seconds() <= 0:
        return "passed"
    days, hours = left.days, left.seconds // 3600
    minutes = (left.seconds % 3600) // 60
    if days:
        return f"in {days} day{'s' if days != 1 else ''} {hours} h"
    return f"in {hours} h {minutes} min" if hours else f"in {minutes} min"


def header_blocks(case: Case, items: Sequence[ChecklistItem], now: datetime | None = None) -> list[Block]:
    facts = [
        f"*Last day:* {case.last_day:%a %d %b %Y}",
        f"*Access cutoff:* {slack_date(case.cutoff_at, '{date_short_pretty} at {time}')}"
        + (f" ({countdown(case.cutoff_at, now)})" if now and case.cutoff_done_at is None else ""),
        f"*Reason:* {REASON.get(case.reason) or escape(case.reason)}",
        f"*Template:* {escape(case.template)}",
        f"*Manager:* {mention(case.manager_id, 'nobody')}",
    ]
    blocks: list[Block] = [
        HeaderBlock(block_id="head", text=plain(f"Offboarding: {case.subject_name}", 150)),
        ContextBlock(block_id="facts", elements=[MarkdownTextObject(text=clip(" · ".join(facts), 3000))]),
        SectionBlock(block_id="progress", text=f"*Progress:* {progress(items)}"),
    ]
    if case.is_open:
        value = ids.item_value(case.id, "case")
        blocks.append(
            ActionsBlock(
                block_id="case",
                elements=[
                    ButtonElement(text="Change last day", action_id=ids.CHANGE_DAY, value=value),
                    ButtonElement(
                        text="Cancel offboarding", action_id=ids.CANCEL_CASE, value=value, style="danger"
                    ),
                ],
            )
        )
    return blocks


def item_text(item: ChecklistItem) -> str:
    title = clip(escape(item.title), 1000)
    role = ROLE_NAMES.get(item.role) or escape(item.role)
    if item.status == DONE:
        by = mention(item.done_by)
        when = slack_date(item.done_at) if item.done_at else ""
        extra = f"\n{clip(escape(item.detail), 600)}" if item.detail else ""
        return f":white_check_mark: ~{title}~ · {role} · done by {by} {when}{extra}"
    due = slack_date(item.due_at, "{date_short_pretty}") if item.due != "cutoff" else "at cutoff"
    if item.status == RUNNING:
        return f":hourglass_flowing_sand: *{title}* · {role} · running…"
    if item.status == FAILED:
        return f":x: *{title}* · {role} · failed: {clip(escape(item.detail), 600)}"
    hint = " · run it from the *Access revocation* thread" if item.kind == "revocation" else ""
    return f":white_square: *{title}* · {role} · due {due}{hint}"


def item_block(case: Case, item: ChecklistItem) -> Block:
    accessory = None
    if item.status not in (DONE, RUNNING) and item.kind != "revocation" and case.is_open:
        accessory = ButtonElement(
            text="Done", action_id=ids.ITEM_DONE, value=ids.item_value(case.id, item.key)
        )
    return SectionBlock(block_id=f"item:{item.key}", text=clip(item_text(item), 3000), accessory=accessory)


def page_blocks(
    case: Case, items: Sequence[ChecklistItem], keys: list[str], first: bool, now: datetime | None = None
) -> list[dict[str, Any]]:
    by_key = {i.key: i for i in items}
    blocks: list[Block] = header_blocks(case, items, now) if first else []
    role = None
    for key in keys:
        item = by_key[key]
        if item.role != role:
            role = item.role
            # Items added later can bring a role back on the same page: block ids must stay unique.
            n = sum(1 for b in blocks if (b.block_id or "").startswith(f"role:{role}"))
            block_id = f"role:{role}" if n == 0 else f"role:{role}:{n + 1}"
            blocks.append(SectionBlock(block_id=block_id, text=f"*{ROLE_NAMES.get(role) or escape(role)}*"))
        blocks.append(item_block(case, item))
    return [b.to_dict() for b in blocks]


def page_text(case: Case, items: Sequence[ChecklistItem]) -> str:
    return f"Offboarding checklist for {clip(escape(case.subject_name), 1000)}: {progress(items)}"


def archive_messages(
    case: Case, items: Sequence[ChecklistItem], final_hash: str, final_seq: int, notes: Sequence[str] = ()
) -> list[list[dict[str, Any]]]:
    """The closed case as a record: every item with who and when (Slack date and UTC ISO)."""
    closed = case.closed_at
    summary = [
        f"*Person:* {clip(escape(case.subject_name), 500)} ({mention(case.subject_id, 'no Slack user')})",
        f"*Status:* {escape(case.status)}"
        + (f" — {clip(escape(case.close_reason), 2000)}" if case.close_reason else ""),
        f"*Last day:* {case.last_day.isoformat()} · *Cutoff:* {utc_iso(case.cutoff_at)}",
        f"*Opened:* {utc_iso(case.created_at)}" + (f" · *Closed:* {utc_iso(closed)}" if closed else ""),
        f"*Manager:* {mention(case.manager_id, 'nobody')} · *Template:* {escape(case.template)}"
        f" · *Reason:* {escape(case.reason)}",
    ]
    lines = []
    for item in ordered(items):
        role = ROLE_NAMES.get(item.role) or escape(item.role)
        if item.status == DONE and item.done_at:
            by = mention(item.done_by)
            line = f"✅ {escape(item.title)} ({role}) — {by}, {slack_date(item.done_at)} ({utc_iso(item.done_at)})"
            if item.detail:
                line += f" — {escape(item.detail)}"
        else:
            line = f"▫️ {escape(item.title)} ({role}) — {item.status}"
        lines.append(line)
    blocks: list[Block] = [
        HeaderBlock(text=plain(f"Offboarding record: {case.subject_name}", 150)),
        SectionBlock(text=clip("\n".join(summary), 3000)),
        DividerBlock(),
    ]
    blocks += [SectionBlock(text=chunk) for chunk in pack_lines(lines, 2900)]
    if notes:
        blocks += [SectionBlock(text=chunk) for chunk in pack_lines([escape(n) for n in notes], 2900)]
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Evidence record: case {case.id}, event {final_seq}, SHA-256 `{final_hash}` "
                    f"— check with `offboard-bot verify {case.id}`"
                )
            ]
        )
    )
    return split_messages([b.to_dict() for b in blocks])


def split_messages(blocks: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Messages under Slack's block count and its ~13k-character msg_blocks_too_long limit."""
    messages: list[list[dict[str, Any]]] = [[]]
    size = 0
    for block in blocks:
        block_size = len(json.dumps(block))
        if messages[-1] and (
            len(messages[-1]) >= ARCHIVE_BLOCKS_PER_MESSAGE or size + block_size > MESSAGE_CHARS
        ):
            messages.append([])
            size = 0
        messages[-1].append(block)
        size += block_size
    return messages
