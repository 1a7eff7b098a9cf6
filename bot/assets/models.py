"""An asset on a case: a device the person must hand back, tracked from return request to its end."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime

REGISTER, INTUNE = "register", "intune"
SOURCES = (REGISTER, INTUNE)

REQUESTED, LABEL_SENT, RECEIVED, WIPED, REASSIGNED, RETIRED = (
    "requested",
    "label_sent",
    "received",
    "wiped",
    "reassigned",
    "retired",
)
STATES = (REQUESTED, LABEL_SENT, RECEIVED, WIPED, REASSIGNED, RETIRED)
# The only moves there are. requested → received directly: handed over in person, no label needed.
NEXT: dict[str, tuple[str, ...]] = {
    REQUESTED: (LABEL_SENT, RECEIVED),
    LABEL_SENT: (RECEIVED,),
    RECEIVED: (WIPED,),
    WIPED: (REASSIGNED, RETIRED),
    REASSIGNED: (),
    RETIRED: (),
}
FINAL = (REASSIGNED, RETIRED)
AWAITING_RETURN = (REQUESTED, LABEL_SENT)
STATE_NAMES = {
    REQUESTED: "return requested",
    LABEL_SENT: "label sent",
    RECEIVED: "received",
    WIPED: "wiped",
    REASSIGNED: "reassigned",
    RETIRED: "retired",
}


class Asset(Base):
    __tablename__ = "assets"
    __table_args__ = (UniqueConstraint("case_id", "source", "asset_tag"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))  # register | intune
    asset_tag: Mapped[str] = mapped_column(String(100))  # the register's tag, or the Intune device id
    kind: Mapped[str] = mapped_column(String(32))  # laptop, phone, monitor, device…
    description: Mapped[str] = mapped_column(String(255), default="")
    serial: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16), default=REQUESTED, index=True)
    return_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    label_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wiped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # reassigned or retired
    outcome: Mapped[str | None] = mapped_column(String(16))  # reassigned | retired
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last overdue reminder
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def label(self) -> str:
        """How people name it: "Laptop ABC-123"."""
        name = self.asset_tag if self.source == REGISTER or not self.description else self.description
        return f"{self.kind.capitalize()} {name}"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL
