"""Batch offboarding in Slack: the /offboard-bulk modal's views and the batch's summary message."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.blocks.block_elements import FileInputElement  # not re-exported by blocks

from bot.bulk.service import Plan, Summary
from handlers import ids
from handlers.render import modal
from handlers.render.text import clip, escape, mention, pack_lines, slack_date

COLUMNS = (
    "One row per person. Columns: `user` (Slack user ID or email), `last_day` (YYYY-MM-DD), `template`, "
    "`reason` (voluntary or involuntary); optional `options` (e.g. `mailbox=shared; phone=disable; "
    "backup_data=yes`), `manager`, `notes`. Nothing starts until every row is valid, and you confirm first."
)
EXAMPLE = "user,last_day,template,reason,options\nU0123ABCD,2026-12-04,employee,involuntary,mailbox=shared"
ERRORS_SHOWN = 40  # a modal holds 100 blocks; each section up to 3,000 characters


TITLE = "Offboard a batch"


def bulk_form(errors: list[str] | None = None, text: str = "") -> dict[str, Any]:
    blocks: list[Any] = [SectionBlock(text=COLUMNS)]
    if errors:
        shown = [f"• {escape(e)}" for e in errors[:ERRORS_SHOWN]]
        if len(errors) > ERRORS_SHOWN:
            shown.append(f"…and {len(errors) - ERRORS_SHOWN} more.")
        head = f":x: *{len(errors)} problem(s); nothing was started.* Fix them and check again:"
        blocks.append(SectionBlock(text=head))
        blocks += [SectionBlock(text=chunk) for chunk in pack_lines(shown, 2900)]
    blocks += [
        InputBlock(
            block_id="csv_text",
            label="Paste the CSV",
            optional=True,
            element=PlainTextInputElement(
                action_id="csv_text",
                multiline=True,
                max_length=3000,
                initial_value=text if text and len(text) <= 3000 else None,
                placeholder=clip(EXAMPLE, 150),
            ),
        ),
        InputBlock(
            block_id="csv_file",
            label="…or upload a CSV file (for more than a few dozen rows)",
            optional=True,
            element=FileInputElement(action_id="csv_file", filetypes=["csv", "txt"], max_files=1),
        ),
        ContextBlock(elements=[MarkdownTextObject(text=f"Example:\n```{EXAMPLE}```")]),
    ]
    return modal.modal(TITLE, blocks, callback_id=ids.BULK_FORM, submit="Check", close="Cancel")


def checking_view(what: str = "Checking every row…") -> dict[str, Any]:
    return modal.checking_view(f"{what} A large batch can take a minute.", TITLE)


def message_view(text: str) -> dict[str, Any]:
    return modal.message_view(text, TITLE)


def confirm_view(plan: Plan) -> dict[str, Any]:
    first, last = plan.last_days
    days = f"{first:%a %d %b %Y}" if first == last else f"{first:%a %d %b} to {last:%a %d %b %Y}"
    templates = ", ".join(f"{n} {escape(name)}" for name, n in sorted(plan.by_template().items()))
    lines = [
        f"*{len(plan.rows)} departures*, all rows valid.",
        f"Last working days: {days}. Templates: {templates}.",
        "Access ends at the end of each person's last working day, in their time zone.",
    ]
    if plan.involuntary:
        lines.append(
            f":warning: *{plan.involuntary} involuntary*: their access is cut the moment you press Start."
        )
    lines.append(
        "A coordination channel opens with a summary and a thread per person; "
        "it fills in over a few minutes. Revocations never wait for it."
    )
    return modal.modal(
        "Start the batch?",
        [SectionBlock(text=clip("\n".join(lines), 3000))],
        callback_id=ids.BULK_CONFIRM,
        submit="Start batch",
        close="Back",
        private_metadata=json.dumps({"batch": plan.batch_id}),
    )


def started_view(count: int, batch_id: int) -> dict[str, Any]:
    return message_view(
        f":white_check_mark: Batch {batch_id} started: {count} offboardings are open. "
        "You'll be invited to its coordination channel as it is set up."
    )


def summary_text(summary: Summary) -> str:
    return (
        f"Batch {summary.batch.id}: {summary.size} departures · revoked {summary.revoked} · "
        f"pending {summary.pending} · failed {summary.failed}"
    )


def summary_blocks(summary: Summary, now: datetime) -> list[dict[str, Any]]:
    batch = summary.batch
    cutoff = f" · first cutoff {slack_date(batch.cutoff_at)}" if batch.cutoff_at else ""
    counts = (
        f":white_check_mark: *Revoked* {summary.revoked}   :hourglass_flowing_sand: *Pending* {summary.pending}"
        f"   :x: *Failed* {summary.failed}"
    )
    progress = (
        f"Access cut off: {summary.cut_off}/{summary.size} · threads ready: {summary.rooms_ready}/{summary.size}"
        f" · closed: {summary.closed}/{summary.size}"
    )
    blocks: list[Any] = [
        HeaderBlock(text=clip(f"Batch offboarding {batch.id}: {summary.size} departures", 150)),
        SectionBlock(text=f"Started by {mention(batch.created_by)}{cutoff}. One thread per person below."),
        SectionBlock(text=counts),
        SectionBlock(text=progress),
    ]
    if summary.failed_cases:
        names = ", ".join(escape(name) for _, name in summary.failed_cases[:30])
        more = f" and {len(summary.failed_cases) - 30} more" if len(summary.failed_cases) > 30 else ""
        blocks.append(SectionBlock(text=clip(f"*Failed steps, Retry in their threads:* {names}{more}", 3000)))
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text=f"Updated {slack_date(now, '{time_secs}')}")])
    )
    return [b.to_dict() for b in blocks]
