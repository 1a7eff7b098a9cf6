from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime

OPEN, CLOSED, CANCELLED = "open", "closed", "cancelled"
DRAFT, STARTED = "draft", "started"  # a batch is checked (draft), then started once


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Set to subject_id while the case is open, NULL after: the unique index refuses a second open
    # case for the same person even when two replicas race.
    open_subject: Mapped[str | None] = mapped_column(String(64), unique=True)
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    subject_name: Mapped[str] = mapped_column(String(255))
    subject_email: Mapped[str | None] = mapped_column(String(320))
    subject_tz: Mapped[str] = mapped_column(String(64), default="UTC")
    requested_by: Mapped[str] = mapped_column(String(64))
    manager_id: Mapped[str] = mapped_column(String(64))
    template: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))
    last_day: Mapped[date] = mapped_column(Date)
    cutoff_at: Mapped[datetime] = mapped_column(UTCDateTime)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=OPEN, index=True)
    channel_id: Mapped[str | None] = mapped_column(String(64))
    channel_name: Mapped[str | None] = mapped_column(String(80))
    # Where the case is shown in Slack: checklist pages [{ts, keys}], revocation thread ts…
    messages: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cutoff_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def is_open(self) -> bool:
        return self.status == OPEN


class Batch(Base):
    """A group of departures started together (layoff day): one coordination channel, one summary."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel_id: Mapped[str | None] = mapped_column(String(64))
    summary_ts: Mapped[str | None] = mapped_column(String(32))
    cutoff_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the earliest of its cases
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    # The CSV as submitted: kept so the evidence of every case names exactly what HR sent.
    source: Mapped[str] = mapped_column(Text, default="")
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    person_channels: Mapped[bool] = mapped_column(Boolean, default=False)
    channel_name: Mapped[str | None] = mapped_column(String(80))
