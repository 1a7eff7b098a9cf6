"""Writing, verifying and exporting a case's evidence record."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cases.models import Case
from bot.clock import Clock
from bot.db import Database
from bot.evidence.chain import GENESIS, Link, canonical, find_breaks, link_hash
from bot.evidence.models import Event

BOT = "bot"
ARCHIVED = "archive.posted"


class Evidence:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def add(self, session: AsyncSession, case_id: int, kind: str, actor: str, **data: Any) -> Event:
        """Append an event inside the caller's transaction (so it commits with the change it records)."""
        # Lock the case row: events of one case are appended one at a time, whoever writes them.
        await session.execute(select(Case.id).where(Case.id == case_id).with_for_update())
        last = (
            await session.execute(
                select(Event.seq, Event.hash)
                .where(Event.case_id == case_id)
                .order_by(Event.seq.desc())
                .limit(1)
            )
        ).first()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        at = self.clock.now()
        text = canonical(data)
        event = Event(
            case_id=case_id,
            seq=seq,
            at=at,
            actor=actor,
            kind=kind,
            data=text,
            prev_hash=prev,
            hash=link_hash(prev, case_id, seq, at, actor, kind, text),
        )
        session.add(event)
        await session.flush()
        return event

    async def record(self, case_id: int, kind: str, actor: str, **data: Any) -> Event:
        """Append an event in a transaction of its own; retried when another writer took the seq."""
        for attempt in range(20):
            try:
                async with self.db.transaction() as session:
                    return await self.add(session, case_id, kind, actor, **data)
            except IntegrityError:
                if attempt == 19:
                    raise
        raise AssertionError("unreachable")

    async def events(self, case_id: int) -> list[Event]:
        async with self.db.sessions() as session:
            rows = await session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.seq))
            return list(rows)

    async def final_hash(self, case_id: int) -> str:
        events = await self.events(case_id)
        return events[-1].hash if events else GENESIS

    async def verify(
        self, case_id: int | None = None, track: Callable[[Sequence[int]], Iterable[int]] = iter
    ) -> dict[int, list[str]]:
        """Problems per case (empty lists for intact chains). A case with no events at all, or a closed
        case whose chain does not end with its archive post, is reported too. `track` wraps the loop
        over case ids (the CLI's progress bar)."""
        async with self.db.sessions() as session:
            query = select(Event).order_by(Event.case_id, Event.seq)
            cases = select(Case.id, Case.status)
            if case_id is not None:
                query = query.where(Event.case_id == case_id)
                cases = cases.where(Case.id == case_id)
            rows = list(await session.scalars(query))
            statuses = {cid: status for cid, status in await session.execute(cases)}
        by_case: dict[int, list[Link]] = {cid: [] for cid in statuses}
        for e in rows:
            by_case.setdefault(e.case_id, []).append(
                Link(e.id, e.case_id, e.seq, e.at, e.actor, e.kind, e.data, e.prev_hash, e.hash)
            )
        results: dict[int, list[str]] = {}
        for cid in track(list(by_case)):
            links = by_case[cid]
            if not links:
                results[cid] = [f"case {cid}: no events" + ("" if cid in statuses else " and no such case")]
                continue
            problems = find_breaks(links)
            last = max(links, key=lambda x: x.seq)
            if statuses.get(cid) in ("closed", "cancelled") and last.kind != ARCHIVED:
                problems.append(
                    f"case {cid}: event {last.seq + 1} and any after it were removed: the case is "
                    f"{statuses[cid]} but its chain ends at event {last.seq} ({last.kind}), not at its archive post"
                )
            results[cid] = problems
        if case_id is not None and case_id not in results:
            results[case_id] = [f"case {case_id}: no events and no such case"]
        return results
