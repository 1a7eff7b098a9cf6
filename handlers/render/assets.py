"""The case's equipment message(s): one section per asset with its state, who and when, and a button
for each next step; the licence seats revocation freed. Split into pages well under Block Kit limits."""

from __future__ import annotations

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

from bot.assets.models import (
    AWAITING_RETURN,
    FINAL,
    INTUNE,
    LABEL_SENT,
    NEXT,
    REASSIGNED,
    RECEIVED,
    REQUESTED,
    RETIRED,
    STATE_NAMES,
    WIPED,
    Asset,
)
from bot.assets.service import Seat
from bot.cases.models import Case
from bot.errors import InvalidRequest
from handlers.render.text import clip, escape, mention, pack_lines, plain, slack_date

ASSET_STEP = "asset_step"
# Worst case (every field at its register limit, full history, two buttons) an asset is ~1.6k
# characters of JSON: 5 a page stays under Slack's ~13k msg_blocks_too_long with the seats on page 1.
ASSETS_PER_PAGE = 5
SEAT_LINES = 20
BUTTON = {
    LABEL_SENT: "Label sent",
    RECEIVED: "Received",
    WIPED: "Wiped",
    REASSIGNED: "Reassigned",
    RETIRED: "Retired",
}
ICON = {
    REQUESTED: ":package:",
    LABEL_SENT: ":label:",
    RECEIVED: ":inbox_tray:",
    WIPED: ":broom:",
    REASSIGNED: ":recycle:",
    RETIRED: ":wastebasket:",
}


def step_value(case_id: int, asset_id: int, state: str) -> str:
    return f"{case_id}|{asset_id}:{state}"


def parse_step_value(value: str) -> tuple[int, int, str]:
    """`<case_id>|<asset_id>:<next_state>` → (case_id, asset_id, next_state)."""
    case_id, _, rest = value.partition("|")
    asset_id, _, state = rest.partition(":")
    if not (case_id.isdigit() and asset_id.isdigit() and state):
        raise InvalidRequest("That button is not an asset step.")
    return int(case_id), int(asset_id), state


def pages(assets: Sequence[Asset]) -> list[list[int]]:
    """Asset ids per message, in the order they were attached; pages only grow, so each keeps its ts."""
    ids = [a.id for a in sorted(assets, key=lambda a: a.id)]
    return [ids[i : i + ASSETS_PER_PAGE] for i in range(0, len(ids), ASSETS_PER_PAGE)] or [[]]


def summary(assets: Sequence[Asset], now: datetime | None = None) -> str:
    back = sum(1 for a in assets if a.state not in AWAITING_RETURN)
    done = sum(1 for a in assets if a.state in FINAL)
    late = len(overdue(assets, now)) if now else 0
    text = f"{len(assets)} asset(s) · {back} returned · {done} reassigned or retired"
    return text + (f" · :warning: {late} overdue" if late else "")


def overdue(assets: Sequence[Asset], now: datetime | None) -> list[Asset]:
    if now is None:
        return []
    return [
        a
        for a in assets
        if a.state in AWAITING_RETURN and a.return_deadline is not None and a.return_deadline <= now
    ]


def _who(user: str | None) -> str:
    return mention(user)


def asset_text(asset: Asset, now: datetime | None = None) -> str:
    # Escaped first, then clipped: escaping lengthens text, and the limits are Slack's.
    kind = clip(escape(asset.kind.capitalize()), 32)
    if asset.source == INTUNE:
        name = f"*{kind}* {clip(escape(asset.description or asset.asset_tag), 150)} · Intune"
    else:
        desc = f" — {clip(escape(asset.description), 150)}" if asset.description else ""
        name = f"*{kind}* `{clip(escape(asset.asset_tag), 100)}`{desc}"
    if asset.serial:
        name += f" · serial `{clip(escape(asset.serial), 60)}`"
    state = f"*{STATE_NAMES[asset.state]}* · {_who(asset.updated_by)} {slack_date(asset.updated_at)}"
    if asset.state in AWAITING_RETURN and asset.return_deadline is not None:
        late = now is not None and asset.return_deadline <= now
        due = slack_date(asset.return_deadline, "{date_short_pretty}")
        state += f" · {':warning: overdue, was ' if late else ''}due back {due}"
    history = [
        f"{STATE_NAMES[s]} {slack_date(when, '{date_short_pretty}')}"
        for s, when in (
            (LABEL_SENT, asset.label_sent_at),
            (RECEIVED, asset.received_at),
            (WIPED, asset.wiped_at),
            (asset.outcome or REASSIGNED, asset.closed_at),
        )
        if when is not None and s != asset.state
    ]
    lines = [f"{ICON.get(asset.state, '')} {name}", state]
    if history:
        lines.append("Earlier: " + " · ".join(history))
    return clip("\n".join(lines), 3000)


def _button(case: Case, asset: Asset, state: str) -> ButtonElement:
    return ButtonElement(
        text=BUTTON[state],
        action_id=f"{ASSET_STEP}:{state}",  # distinct within an actions block, as Slack requires
        value=step_value(case.id, asset.id, state),
        style="primary" if state in (RECEIVED, WIPED) else None,
    )


def asset_blocks(case: Case, asset: Asset, now: datetime | None = None) -> list[Block]:
    """A section; its one next step as the section's button, or an actions row when there are two."""
    steps = list(NEXT[asset.state]) if case.is_open else []
    accessory = _button(case, asset, steps[0]) if len(steps) == 1 else None
    blocks: list[Block] = [
        SectionBlock(block_id=f"asset:{asset.id}", text=asset_text(asset, now), accessory=accessory)
    ]
    if len(steps) > 1:
        blocks.append(
            ActionsBlock(block_id=f"asset_next:{asset.id}", elements=[_button(case, asset, s) for s in steps])
        )
    return blocks


def seat_lines(seats: Sequence[Seat]) -> list[str]:
    lines = [
        f"• *{clip(escape(s.part_number), 100)}* — removed by {_who(s.removed_by)}"
        + (f" {slack_date(s.removed_at, '{date_short_pretty}')}" if s.removed_at else "")
        for s in seats[:SEAT_LINES]
    ]
    if len(seats) > SEAT_LINES:
        lines.append(f"… and {len(seats) - SEAT_LINES} more")
    return lines


def page_blocks(
    case: Case,
    assets: Sequence[Asset],
    ids: Sequence[int],
    seats: Sequence[Seat] = (),
    *,
    first: bool,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    by_id = {a.id: a for a in assets}
    blocks: list[Block] = []
    if first:
        blocks += [
            HeaderBlock(block_id="assets_head", text=plain(f"Equipment: {case.subject_name}", 150)),
            ContextBlock(
                block_id="assets_summary",
                elements=[
                    MarkdownTextObject(
                        text=summary(assets, now) if assets else "No equipment on record for this person."
                    )
                ],
            ),
        ]
        if seats:
            text = pack_lines(
                ["*Reclaimable licence seats* (removed by revocation):", *seat_lines(seats)], 2000
            )[0]
            blocks.append(SectionBlock(block_id="assets_seats", text=text))
        if ids:
            blocks.append(DividerBlock(block_id="assets_divider"))
    else:
        blocks.append(
            ContextBlock(
                block_id="assets_more",
                elements=[
                    MarkdownTextObject(text=clip(f"Equipment: {escape(case.subject_name)} (continued)", 3000))
                ],
            )
        )
    for asset_id in ids:
        if asset_id in by_id:
            blocks += asset_blocks(case, by_id[asset_id], now)
    return [b.to_dict() for b in blocks]


def page_text(case: Case, assets: Sequence[Asset]) -> str:
    done = sum(1 for a in assets if a.state in FINAL)
    who = clip(escape(case.subject_name), 1000)
    return f"Equipment to return for {who}: {done}/{len(assets)} reassigned or retired"


def messages(
    case: Case, assets: Sequence[Asset], seats: Sequence[Seat] = (), now: datetime | None = None
) -> list[list[dict[str, Any]]]:
    """Every page's blocks, in order."""
    return [
        page_blocks(case, assets, ids, seats, first=n == 0, now=now) for n, ids in enumerate(pages(assets))
    ]
