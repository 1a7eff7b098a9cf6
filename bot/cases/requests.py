"""What the offboarding form asks, as the domain receives it (no Slack payload shapes here)."""

from __future__ import annotations

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

    def options(self) -> dict[str, Any]:
        keys = ("mailbox", "mailbox_delegate", "phone", "phone_forward_to", "backup_data")
        data = asdict(self)
        return {k: data[k] for k in keys}
