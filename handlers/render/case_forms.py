"""Small modals: confirm an involuntary exit, change the last day, cancel an offboarding."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_sdk.models.blocks import DatePickerElement, InputBlock, PlainTextInputElement, SectionBlock
from slack_sdk.models.views import View

from handlers import ids
from handlers.render.text import clip, mention

FREE_TEXT = ("notes", "auto_reply")


def fit_metadata(request: dict[str, Any], limit: int = 3000) -> str:
    """The request as private metadata within Slack's 3,000 characters: the free-text fields are cut
    to one length that fits (JSON escaping can make one character of text cost six)."""
    texts = {k: str(request.get(k) or "") for k in FREE_TEXT}
    longest = max(len(t) for t in texts.values())

    def encoded(n: int) -> str:
        cut = {k: clip(t, n) if n < len(t) else t for k, t in texts.items()}
        return json.dumps({"request": {**request, **cut}})

    if len(encoded(longest)) <= limit:
        return encoded(longest)
    low, high = 0, longest  # the longest cut that fits lies in [low, high)
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if len(encoded(mid)) <= limit else (low, mid)
    return encoded(low)


def confirm_involuntary(request: dict[str, Any], subject_id: str) -> dict[str, Any]:
    # Room left in Slack's 3,000 characters for the seal around the metadata (handlers/metadata.py).
    return View(
        type="modal",
        callback_id=ids.OFFBOARD_CONFIRM,
        title="Involuntary exit",
        submit="End access now",
        close="Back",
        private_metadata=fit_metadata(request, 2800),
        blocks=[
            SectionBlock(
                text=f":warning: {mention(subject_id)}'s access will be cut off *now*: Okta and Microsoft 365 "
                "revocations start as soon as you confirm, before the channel is set up."
            )
        ],
    ).to_dict()


def case_modal(
    case_id: int, callback_id: str, title: str, submit: str, close: str, blocks: list[Any]
) -> dict[str, Any]:
    """A small modal about one case: the case id travels in its private metadata."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=title,
        submit=submit,
        close=close,
        private_metadata=json.dumps({"case": case_id}),
        blocks=blocks,
    ).to_dict()


def _reason(label: str, min_length: int, max_length: int) -> InputBlock:
    element = PlainTextInputElement(
        action_id="value", multiline=True, min_length=min_length, max_length=max_length
    )
    return InputBlock(block_id="reason", label=label, element=element)


def change_last_day(case_id: int, current: date) -> dict[str, Any]:
    day = DatePickerElement(action_id="value", initial_date=current.isoformat())
    blocks = [InputBlock(block_id="last_day", label="New last working day", element=day)]
    return case_modal(case_id, ids.CHANGE_DAY_FORM, "Change last day", "Reschedule", "Cancel", blocks)


def cancel_case(case_id: int) -> dict[str, Any]:
    blocks = [_reason("Why is it cancelled?", 3, 1000)]
    return case_modal(case_id, ids.CANCEL_FORM, "Cancel offboarding", "Cancel offboarding", "Keep it", blocks)


def accept_remainder(case_id: int) -> dict[str, Any]:
    note = SectionBlock(
        text="Verification shows access that remains. Accepting it lets the case close; "
        "your reason is kept in the evidence record."
    )
    blocks = [note, _reason("Why is this acceptable?", 10, 2000)]
    return case_modal(case_id, ids.ACCEPT_FORM, "Accept remainder", "Accept", "Cancel", blocks)
