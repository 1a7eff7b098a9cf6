"""What the offboarding form asks, as the domain receives it (no Slack payload shapes here)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

REASONS = ("voluntary", "involuntary")
MAILBOX = ("none", "shared", "delegate", "backup_delete")
PHONE = ("none", "disable", "forward")


@dataclass(frozen=True)
class OffboardRequest:
    subject_id: str
    requested_by: str
    last_day: date | None
    reason: str = "voluntary"
    template: str = "employee"
    mailbox: str = "none"
    mailbox_delegate: str | None = None
    phone: str = "none"
    phone_forward_to: str | None = None
    backup_data: bool = False
    notes: str = ""
    mail_forward_to: str | None = None  # who receives their email from the cutoff on
    auto_reply: str = ""  # out-of-office reply, internal and external, from the cutoff on

    def options(self) -> dict[str, Any]:
        keys = (
            "mailbox",
            "mailbox_delegate",
            "phone",
            "phone_forward_to",
            "backup_data",
            "mail_forward_to",
            "auto_reply",
        )
        data = asdict(self)
        return {k: data[k] for k in keys}


@dataclass(frozen=True)
class ClientRequest:
    """`/offboard-client <name>`: a client engagement ends."""

    client_name: str
    requested_by: str
    account_owner: str
    last_day: date | None
    template: str = "client"
    notes: str = ""


def client_subject(name: str) -> str:
    """Clients are not Slack users: a stable id from the name keeps one open case per client."""
    return "client:" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:56]


def request_to_dict(req: OffboardRequest) -> dict[str, Any]:
    data = asdict(req)
    data["last_day"] = req.last_day.isoformat() if req.last_day else None
    return data


def request_from_dict(data: dict[str, Any]) -> OffboardRequest:
    fields = {k: data[k] for k in OffboardRequest.__dataclass_fields__ if k in data}
    day = fields.get("last_day")
    fields["last_day"] = date.fromisoformat(day) if isinstance(day, str) and day else None
    return OffboardRequest(**fields)
