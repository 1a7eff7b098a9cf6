"""'Already gone is done': a user the vendor no longer has (deleted, or deactivated meanwhile) has no
access left to end, so the step is done, said in plain words with the time the vendor said so."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from bot.revocation.contract import CallRecord, StepOutcome


def already_done(vendor: str, calls: Iterable[CallRecord], why: str = "", **data: object) -> StepOutcome:
    """ok=True, already_done=True; `calls` keep the vendor's request ids as the evidence."""
    at = datetime.now(UTC).strftime("%H:%M")
    summary = f"Already done (not found in {vendor} at {at} UTC)" + (f": {why}" if why else "")
    return StepOutcome(True, summary, tuple(calls), data={"not_found_at": at, **data}, already_done=True)
