"""Equipment to hand back: attached when a case opens, moved through its return, reminded when late.

Each asset moves requested → label_sent → received → wiped → reassigned | retired (or requested →
received when handed over in person). Every move is claimed with a conditional UPDATE, so a double
click, or two people clicking at once, moves it once; each move is an evidence event `asset.<state>`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.assets.models import (
    AWAITING_RETURN,
    FINAL,
    LABEL_SENT,
    NEXT,
    RECEIVED,
    REQUESTED,
    STATE_NAMES,
    STATES,
    WIPED,
    Asset,
)
from bot.assets.register import AssetInput
from bot.cases.models import OPEN, Case
from bot.checklist.models import DONE, ChecklistItem
from bot.clock import Clock
from bot.db import Database
from bot.errors import Conflict, InvalidRequest, NotAllowed, NotFound
from bot.evidence.service import BOT, Evidence
from bot.notices import AssetsOverdue, OverdueAsset

log = logging.getLogger(__name__)
MOVERS = ("it", "security")
# The column that records when an asset reached each state.
STAMP = {LABEL_SENT: "label_sent_at", RECEIVED: "received_at", WIPED: "wiped_at"}


def check_asset(roles: frozenset[str]) -> None:
    """Moving equipment through its return: IT or Security (never the person leaving)."""
    if "subject" in roles or not roles.intersection(MOVERS):
        raise NotAllowed("Only IT or Security can update returned equipment.")


@dataclass(frozen=True)
class Seat:
    """A licence seat freed by revocation, that can be given to someone else."""

    sku_id: str
    part_number: str
    item_key: str
    removed_at: datetime | None
    removed_by: str | None


class AssetService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        evidence: Evidence,
        *,
        return_days: int = 14,
        remind_every: timedelta = timedelta(days=1),
    ) -> None:
        self.db = db
        self.clock = clock
        self.evidence = evidence
        self.return_days = return_days
        self.remind_every = remind_every

    # -- reading ------------------------------------------------------------------------------
    async def assets(self, case_id: int) -> list[Asset]:
        async with self.db.sessions() as session:
            rows = await session.scalars(select(Asset).where(Asset.case_id == case_id).order_by(Asset.id))
            return list(rows)

    async def asset(self, asset_id: int) -> Asset:
        async with self.db.sessions() as session:
            found = await session.get(Asset, asset_id)
        if found is None:
            raise NotFound("That asset no longer exists.")
        return found

    async def open_count(self, case_id: int) -> int:
        """Assets not yet reassigned or retired."""
        return sum(1 for a in await self.assets(case_id) if not a.is_final)

    async def blocking(self, case_id: int) -> list[str]:
        """A close guard: equipment still on its way back or not yet dealt with."""
        left = [a for a in await self.assets(case_id) if not a.is_final]
        if not left:
            return []
        names = ", ".join(f"{a.label} ({STATE_NAMES[a.state]})" for a in left[:5])
        more = f" and {len(left) - 5} more" if len(left) > 5 else ""
        return [f"{len(left)} asset(s) not yet reassigned or retired: {names}{more}"]

    # -- attaching ----------------------------------------------------------------------------
    async def attach(
        self,
        case_id: int,
        assets: Iterable[AssetInput],
        *,
        actor: str = BOT,
        return_deadline: datetime | None = None,
    ) -> list[Asset]:
        """Add assets to a case, each once (attaching the same register row again changes nothing).
        The return deadline defaults to the cutoff plus `return_days`. Returns the assets added."""
        wanted: dict[tuple[str, str], AssetInput] = {}
        for a in assets:
            wanted.setdefault((a.source, a.asset_tag), a)
        if not wanted:
            return []
        now = self.clock.now()
        async with self.db.transaction() as session:
            case = await session.get(Case, case_id)
            if case is None:
                raise NotFound("That offboarding no longer exists.")
            deadline = return_deadline or case.cutoff_at + timedelta(days=self.return_days)
            rows = [
                {
                    "case_id": case_id,
                    "source": a.source,
                    "asset_tag": a.asset_tag,
                    "kind": a.kind,
                    "description": a.description,
                    "serial": a.serial,
                    "state": REQUESTED,
                    "return_deadline": deadline,
                    "updated_by": actor,
                    "updated_at": now,
                }
                for a in wanted.values()
            ]
            dialect = postgresql if self.db.is_postgres else sqlite
            added = list(
                await session.scalars(
                    dialect.insert(Asset)
                    .values(rows)
                    .on_conflict_do_nothing(index_elements=["case_id", "source", "asset_tag"])
                    .returning(Asset.id)
                )
            )
            fresh = list(await session.scalars(select(Asset).where(Asset.id.in_(added)).order_by(Asset.id)))
            for asset in fresh:
                await self.evidence.add(
                    session,
                    case_id,
                    f"asset.{REQUESTED}",
                    actor,
                    asset_tag=asset.asset_tag,
                    source=asset.source,
                    asset_kind=asset.kind,
                    serial=asset.serial,
                    return_deadline=deadline.isoformat(),
                )
        return fresh

    # -- moving -------------------------------------------------------------------------------
    async def move(
        self,
        case: Case,
        asset_id: int,
        to_state: str,
        actor: str,
        roles: frozenset[str],
        *,
        deadline: datetime | None = None,
    ) -> Asset:
        """One step of an asset's return. Raises Conflict for a move its current state does not allow
        (naming that state), NotAllowed unless IT or Security. `deadline`: a new return deadline, with
        label_sent only."""
        if to_state not in STATES or to_state == REQUESTED:
            raise InvalidRequest(f"Unknown asset step: {to_state!r}.")
        if case.status != OPEN:
            raise Conflict(f"This offboarding is {case.status}; nothing more can change.")
        try:
            check_asset(roles)
        except NotAllowed as e:
            await self.evidence.record(
                case.id, "refused", actor, action=f"asset {asset_id} → {to_state}", why=e.message
            )
            log.info("refused asset move by %s: %s", actor, e.message)
            raise
        if deadline is not None and to_state != LABEL_SENT:
            raise InvalidRequest("A new return deadline is set only when the label is sent.")
        now = self.clock.now()
        async with self.db.transaction() as session:
            asset = await session.get(Asset, asset_id)
            if asset is None or asset.case_id != case.id:
                raise NotFound("That asset is not part of this offboarding.")
            current = asset.state
            if to_state not in NEXT[current]:
                raise _refusal(asset, to_state)
            values: dict[str, Any] = {"state": to_state, "updated_by": actor, "updated_at": now}
            if to_state in STAMP:
                values[STAMP[to_state]] = now
            if to_state in FINAL:
                values.update(closed_at=now, outcome=to_state)
            if deadline is not None:
                values.update(return_deadline=deadline, reminded_at=None)
            claimed = await session.execute(
                update(Asset)
                .where(Asset.id == asset_id, Asset.state == current)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                # Someone moved it between our read and our claim (PostgreSQL; SQLite holds the lock).
                now_is = await session.scalar(
                    select(Asset).where(Asset.id == asset_id).execution_options(populate_existing=True)
                )
                raise _refusal(now_is or asset, to_state)
            extra = {"return_deadline": deadline.isoformat()} if deadline else {}
            await self.evidence.add(
                session,
                case.id,
                f"asset.{to_state}",
                actor,
                asset_tag=asset.asset_tag,
                source=asset.source,
                previous=current,
                **extra,
            )
        return await self.asset(asset_id)

    # -- overdue returns ----------------------------------------------------------------------
    async def overdue(self, now: datetime) -> list[Asset]:
        """Assets of open cases past their return deadline and not yet received."""
        async with self.db.sessions() as session:
            rows = await session.scalars(
                select(Asset)
                .join(Case, Case.id == Asset.case_id)
                .where(
                    Case.status == OPEN,
                    Asset.state.in_(AWAITING_RETURN),
                    Asset.return_deadline.is_not(None),
                    Asset.return_deadline <= now,
                )
                .order_by(Asset.case_id, Asset.id)
            )
            return list(rows)

    async def remind_overdue(self, now: datetime) -> list[tuple[int, AssetsOverdue]]:
        """Claim the overdue assets not reminded within `remind_every`, one notice per case for the
        caller to send to each case. Each asset is reminded once per period, whoever (tick, replica) asks."""
        since = now - self.remind_every
        due = [a for a in await self.overdue(now) if a.reminded_at is None or a.reminded_at <= since]
        by_case: dict[int, list[Asset]] = {}
        for asset in due:
            by_case.setdefault(asset.case_id, []).append(asset)
        messages = []
        for case_id, assets in by_case.items():
            async with self.db.transaction() as session:
                claimed = await session.execute(
                    update(Asset)
                    .where(
                        and_(
                            Asset.id.in_([a.id for a in assets]),
                            or_(Asset.reminded_at.is_(None), Asset.reminded_at <= since),
                        )
                    )
                    .values(reminded_at=now)
                    .execution_options(synchronize_session=False)
                )
                if claimed.rowcount != len(assets):  # type: ignore[attr-defined]
                    await session.rollback()
                    continue  # another replica is reminding these
                await self.evidence.add(
                    session, case_id, "asset.reminder", BOT, assets=[a.asset_tag for a in assets]
                )
            messages.append((case_id, overdue_notice(assets)))
        return messages

    # -- licence seats ------------------------------------------------------------------------
    async def reclaimable_seats(self, case_id: int) -> list[Seat]:
        """Licences the Graph revocation step removed (result["data"]["removed_skus"]), one per SKU."""
        async with self.db.sessions() as session:
            items = list(
                await session.scalars(
                    select(ChecklistItem)
                    .where(ChecklistItem.case_id == case_id, ChecklistItem.status == DONE)
                    .order_by(ChecklistItem.position)
                )
            )
        seats: dict[str, Seat] = {}
        for item in items:
            result = item.result if isinstance(item.result, dict) else {}
            data = result.get("data")
            removed = data.get("removed_skus") if isinstance(data, dict) else None
            if result.get("ok") is False or not isinstance(removed, list):
                continue
            for sku in removed:
                if not isinstance(sku, dict) or not sku.get("sku_id"):
                    continue
                sku_id = str(sku["sku_id"])
                seats.setdefault(
                    sku_id,
                    Seat(
                        sku_id=sku_id,
                        part_number=str(sku.get("part_number") or sku_id),
                        item_key=item.key,
                        removed_at=item.done_at,
                        removed_by=item.done_by,
                    ),
                )
        return list(seats.values())


def _refusal(asset: Asset, to_state: str) -> Conflict:
    """Why a move cannot happen, naming the asset's current state (and who moved it there)."""
    label, current = asset.label, asset.state
    if current == to_state:
        by = asset.updated_by if asset.updated_by and asset.updated_by != BOT else None
        return Conflict(f"{label} is already {STATE_NAMES[current]}.", by=by)
    if current in FINAL:
        return Conflict(f"{label} is already {STATE_NAMES[current]}; nothing more can change.")
    allowed = " or ".join(STATE_NAMES[s] for s in NEXT[current])
    return Conflict(
        f"{label} is {STATE_NAMES[current]}: it can be marked {allowed} next, "
        f"not {STATE_NAMES.get(to_state, to_state)}."
    )


def overdue_notice(assets: Sequence[Asset]) -> AssetsOverdue:
    return AssetsOverdue(
        tuple(
            OverdueAsset(
                a.label,
                a.serial or "",
                STATE_NAMES[a.state],
                a.return_deadline.date() if a.return_deadline else None,
            )
            for a in assets
        )
    )
