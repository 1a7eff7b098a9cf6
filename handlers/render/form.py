"""The `/offboard` modal."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.checklist.templates import TemplateSet
from handlers import ids
from handlers.render.text import mention, plain

MAILBOX_OPTIONS = {
    "none": "Leave as is",
    "shared": "Convert to a shared mailbox",
    "delegate": "Give a colleague access",
    "backup_delete": "Back up, then delete",
}
PHONE_OPTIONS = {
    "none": "Nothing to do",
    "disable": "Disable the number",
    "forward": "Forward calls to someone",
}


def _options(choices: dict[str, str]) -> list[Option]:
    # Option texts are plain_text of at most 75 characters; template titles come from files.
    return [Option(value=k, text=plain(v, 75)) for k, v in choices.items()]


def _initial(choices: dict[str, str], value: str) -> Option:
    return Option(value=value, text=plain(choices[value], 75))


def offboard_form(
    subject_id: str,
    channel_id: str,
    templates: TemplateSet,
    today: date,
    person: dict[str, Any] | None = None,
) -> dict[str, Any]:
    template_choices = {name: templates.templates[name].title for name in templates.names("employee")}
    first = "employee" if "employee" in template_choices else next(iter(template_choices))
    metadata = json.dumps({"subject": subject_id, "channel": channel_id, "person": person or {}})
    name = (person or {}).get("real_name") or (person or {}).get("name") or "They"
    reply = templates.templates[first].auto_reply.replace("{name}", name)[:1000]
    blocks = [
        SectionBlock(
            block_id="who", text=f"Offboarding {mention(subject_id)}. Everything here can be changed later."
        ),
        InputBlock(
            block_id="last_day",
            label="Last working day",
            element=DatePickerElement(action_id="value", initial_date=today.isoformat()),
        ),
        InputBlock(
            block_id="reason",
            label="Reason",
            element=RadioButtonsElement(
                action_id="value",
                options=_options(
                    {"voluntary": "Voluntary", "involuntary": "Involuntary (access ends at once)"}
                ),
                initial_option=Option(value="voluntary", text="Voluntary"),
            ),
        ),
        InputBlock(
            block_id="template",
            label="Checklist",
            element=StaticSelectElement(
                action_id="value",
                options=_options(template_choices),
                initial_option=_initial(template_choices, first),
            ),
        ),
        InputBlock(
            block_id="mailbox",
            label="Mailbox",
            element=StaticSelectElement(
                action_id="value",
                options=_options(MAILBOX_OPTIONS),
                initial_option=_initial(MAILBOX_OPTIONS, "none"),
            ),
        ),
        InputBlock(
            block_id="mailbox_delegate",
            label="Colleague who gets the mailbox",
            optional=True,
            element=UserSelectElement(action_id="value"),
        ),
        InputBlock(
            block_id="mail_forward_to",
            label="Forward their email to",
            optional=True,
            element=UserSelectElement(action_id="value"),
        ),
        InputBlock(
            block_id="auto_reply",
            label="Out-of-office reply (from the cutoff)",
            optional=True,
            hint="Internal and external senders get it. Leave empty for none.",
            element=PlainTextInputElement(
                action_id="value",
                multiline=True,
                max_length=1000,
                **({"initial_value": reply} if reply else {}),
            ),
        ),
        InputBlock(
            block_id="phone",
            label="Phone",
            element=StaticSelectElement(
                action_id="value",
                options=_options(PHONE_OPTIONS),
                initial_option=_initial(PHONE_OPTIONS, "none"),
            ),
        ),
        InputBlock(
            block_id="phone_forward_to",
            label="Forward calls to",
            optional=True,
            element=UserSelectElement(action_id="value"),
        ),
        InputBlock(
            block_id="backup_data",
            label="Back up their files and data",
            element=RadioButtonsElement(
                action_id="value",
                options=_options({"yes": "Yes", "no": "No"}),
                initial_option=Option(value="no", text="No"),
            ),
        ),
        InputBlock(
            block_id="notes",
            label="Notes",
            optional=True,
            element=PlainTextInputElement(action_id="value", multiline=True, max_length=2000),
        ),
    ]
    view = View(
        type="modal",
        callback_id=ids.OFFBOARD_FORM,
        title="Offboard",
        submit="Start offboarding",
        close="Cancel",
        private_metadata=metadata,
        blocks=blocks,
    )
    return view.to_dict()


def client_form(name: str, owner: str, templates: TemplateSet, today: date) -> dict[str, Any]:
    choices = {n: templates.templates[n].title for n in templates.names("client")}
    first = "client" if "client" in choices else next(iter(choices))
    blocks = [
        InputBlock(
            block_id="client_name",
            label="Client",
            element=PlainTextInputElement(action_id="value", initial_value=name[:80], max_length=80),
        ),
        InputBlock(
            block_id="last_day",
            label="Last day of the engagement",
            element=DatePickerElement(action_id="value", initial_date=today.isoformat()),
        ),
        InputBlock(
            block_id="account_owner",
            label="Account owner (approves closure)",
            element=UserSelectElement(action_id="value", initial_user=owner),
        ),
        InputBlock(
            block_id="template",
            label="Checklist",
            element=StaticSelectElement(
                action_id="value", options=_options(choices), initial_option=_initial(choices, first)
            ),
        ),
        InputBlock(
            block_id="notes",
            label="Notes",
            optional=True,
            element=PlainTextInputElement(action_id="value", multiline=True, max_length=2000),
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.CLIENT_FORM,
        title="Offboard a client",
        submit="Start",
        close="Cancel",
        blocks=blocks,
    ).to_dict()
