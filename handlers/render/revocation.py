"""The Access revocation thread: a panel of steps with buttons, and one reply per result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.cases.models import Case
from bot.checklist.models import DONE, FAILED, RUNNING, ChecklistItem
from bot.revocation.contract import PlannedCall
from bot.revocation.titles import step_title
from handlers import ids
from handlers.render.checklist import split_messages
from handlers.render.text import clip, escape, pack_lines, plain, slack_date

ICON = {DONE: ":white_check_mark:", FAILED: ":x:", RUNNING: ":hourglass_flowing_sand:"}


def _confirm(title: str, text: str, go: str) -> ConfirmObject:
    """`text` is raw: a confirm dialog's text is a 300-character text object like any other."""
    return ConfirmObject(title=title, text=plain(text, 300), confirm=go, deny="Cancel", style="danger")


def step_line(item: ChecklistItem) -> str:
    icon = ICON.get(item.status, ":white_square:")
    line = f"{icon} *{clip(escape(item.title), 500)}*"
    if item.status in (DONE, FAILED) and item.done_at:
        line += f" · {slack_date(item.done_at)}"
        ids_ = (item.result or {}).get("request_ids") or []
        if ids_:
            line += " · request id " + ", ".join(f"`{clip(escape(i), 100)}`" for i in ids_[:3])
        if (item.result or {}).get("data", {}).get("dry_run"):
            line += " · _dry-run_"
        line += f"\n{clip(escape(item.detail), 1500)}"
        manual = (item.result or {}).get("manual")
        if manual:
            line += f"\n:point_right: Manual step: `{clip(escape(manual), 500)}`"
    elif item.status == RUNNING:
        line += " · running…"
    return line


def panel_blocks(case: Case, items: Sequence[ChecklistItem]) -> list[dict[str, Any]]:
    steps = [i for i in items if i.kind == "revocation"]
    blocks: list[Any] = [
        SectionBlock(
            block_id="rev:head",
            text=f"*Access revocation* for {clip(escape(case.subject_name), 1000)} · cutoff "
            f"{slack_date(case.cutoff_at, '{date_short_pretty} at {time}')}",
        )
    ]
    for item in steps:
        value = ids.item_value(case.id, item.key)
        button = None
        if item.status not in (DONE, RUNNING) and case.is_open:
            verb = "Retry" if item.status == FAILED else "Run"
            button = ButtonElement(
                text=verb,
                action_id=ids.REVOKE_STEP,
                value=value,
                confirm=_confirm(
                    f"{verb} this step?", f"{step_title(item.step or '')} for {case.subject_name}.", verb
                ),
            )
        blocks.append(
            SectionBlock(block_id=f"rev:{item.key}", text=clip(step_line(item), 3000), accessory=button)
        )
    if case.is_open:
        value = ids.item_value(case.id, "*")
        buttons = [ButtonElement(text="Refresh inventory", action_id=ids.REFRESH_INVENTORY, value=value)]
        if any(i.status != DONE for i in steps):
            buttons = [
                ButtonElement(text="Preview", action_id=ids.REVOKE_PREVIEW, value=value),
                ButtonElement(
                    text="Revoke all",
                    action_id=ids.REVOKE_ALL,
                    value=value,
                    style="danger",
                    confirm=_confirm(
                        "Revoke all access?",
                        f"Every open step runs now for {case.subject_name}. This cannot be undone.",
                        "Revoke all",
                    ),
                ),
                *buttons,
            ]
        blocks.append(ActionsBlock(block_id="rev:actions", elements=buttons))
    return [b.to_dict() for b in blocks]


def result_blocks(case: Case, items: Sequence[ChecklistItem]) -> list[list[dict[str, Any]]]:
    """Results of the steps that just ran, in as few messages as fit: one post per run keeps a
    "Revoke all" within chat.postMessage's one-message-a-second limit per channel."""
    blocks = []
    for item in items:
        retry = None
        if item.status == FAILED and case.is_open:
            retry = ButtonElement(
                text="Retry",
                action_id=ids.REVOKE_RETRY,
                value=ids.item_value(case.id, item.key),
                confirm=_confirm("Retry this step?", step_title(item.step or ""), "Retry"),
            )
        blocks.append(
            SectionBlock(
                block_id=f"res:{item.key}", text=clip(step_line(item), 3000), accessory=retry
            ).to_dict()
        )
    return split_messages(blocks)


def preview_blocks(plans: dict[str, list[PlannedCall] | str]) -> list[dict[str, Any]]:
    lines = ["*Preview* — nothing has been sent. These calls would be:"]
    for step, calls in plans.items():
        if isinstance(calls, str):
            lines.append(f"• {escape(step_title(step))}: {escape(calls)}")
        elif not calls:
            lines.append(f"• {escape(step_title(step))}: nothing to send")
        else:
            for c in calls:
                lines.append(
                    f"• {escape(step_title(step))}: `{escape(c.method)} {escape(c.path)}` (target `{escape(c.target)}`)"
                )
    blocks = [SectionBlock(text=chunk).to_dict() for chunk in pack_lines(lines, 2900)][:45]
    note = ContextBlock(elements=[MarkdownTextObject(text="Preview only: no request was sent.")])
    return [*blocks, note.to_dict()]
