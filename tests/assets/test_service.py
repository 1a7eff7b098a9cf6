"""Assets against a real, migrated database: attach, every move and every refusal, reminders, seats."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import inspect

from bot.assets.hooks import graph_devices
from bot.assets.models import (
    LABEL_SENT,
    REASSIGNED,
    RECEIVED,
    REQUESTED,
    RETIRED,
    WIPED,
    Asset,
)
from bot.assets.register import AssetInput
from bot.assets.service import AssetService
from bot.cases.models import CLOSED, Case
from bot.checklist.models import DONE, FAILED, ChecklistItem
from bot.clock import FakeClock
from bot.db import Database
from bot.errors import Conflict, InvalidRequest, NotAllowed, NotFound
from bot.evidence.service import Evidence
from bot.revocation.contract import AccessEntry, AccessState
from handlers.render.notices import error_text, notice_text
from tests.assets.conftest import make_case

IT, SEC, HR = "UIVAN", "USAM", "UHANA"
IT_ROLES = frozenset({"it"})
LAPTOP = AssetInput("register", "LT-0042", "laptop", "MacBook Pro 14", "C02XYZ")
PHONE = AssetInput("register", "PH-7", "phone", "iPhone 15")
DEVICE = AssetInput("intune", "0f8e-device-id", "laptop", "JANE-LAPTOP (Windows)")


async def kinds(evidence: Evidence, case_id: int, prefix: str = "asset.") -> list[tuple[str, str]]:
    return [
        (e.kind, json.loads(e.data).get("asset_tag", ""))
        for e in await evidence.events(case_id)
        if e.kind.startswith(prefix)
    ]


async def test_migration_creates_the_table(db: Database) -> None:
    async with db.engine.connect() as conn:
        table = await conn.run_sync(
            lambda c: {
                "columns": {col["name"] for col in inspect(c).get_columns("assets")},
                "unique": [u["name"] for u in inspect(c).get_unique_constraints("assets")],
                "fks": [f["name"] for f in inspect(c).get_foreign_keys("assets")],
            }
        )
    assert set(Asset.__table__.columns.keys()) == table["columns"]
    assert table["unique"] == ["uq_assets_case_id"]
    if db.is_postgres:  # SQLite does not report constraint names of foreign keys
        assert table["fks"] == ["fk_assets_case_id_cases"]


async def test_attach_register_and_intune_once(
    service: AssetService, evidence: Evidence, case: Case, clock: FakeClock
) -> None:
    added = await service.attach(case.id, [LAPTOP, PHONE, DEVICE, LAPTOP])
    assert [(a.source, a.asset_tag, a.state) for a in added] == [
        ("register", "LT-0042", REQUESTED),
        ("register", "PH-7", REQUESTED),
        ("intune", "0f8e-device-id", REQUESTED),
    ]
    assert all(a.return_deadline == case.cutoff_at + timedelta(days=14) for a in added)
    assert all(a.updated_by == "bot" and a.updated_at == clock.now() for a in added)
    # The same register rows again (a second room_ready, a retried job) change nothing.
    assert await service.attach(case.id, [LAPTOP, DEVICE]) == []
    assert len(await service.assets(case.id)) == 3
    assert await kinds(evidence, case.id) == [
        ("asset.requested", "LT-0042"),
        ("asset.requested", "PH-7"),
        ("asset.requested", "0f8e-device-id"),
    ]
    with pytest.raises(NotFound):
        await service.attach(case.id + 999, [LAPTOP])


async def test_the_whole_return_with_who_and_when(
    service: AssetService, evidence: Evidence, case: Case, clock: FakeClock
) -> None:
    (laptop,) = await service.attach(case.id, [LAPTOP])
    steps = [(LABEL_SENT, IT), (RECEIVED, SEC), (WIPED, IT), (REASSIGNED, IT)]
    stamps = {}
    for state, who in steps:
        clock.advance(timedelta(hours=5))
        moved = await service.move(
            case, laptop.id, state, who, frozenset({"security" if who == SEC else "it"})
        )
        assert moved.state == state and moved.updated_by == who and moved.updated_at == clock.now()
        stamps[state] = clock.now()
    done = await service.asset(laptop.id)
    assert done.label_sent_at == stamps[LABEL_SENT]
    assert done.received_at == stamps[RECEIVED]
    assert done.wiped_at == stamps[WIPED]
    assert done.closed_at == stamps[REASSIGNED] and done.outcome == REASSIGNED and done.is_final
    events = [e for e in await evidence.events(case.id) if e.kind.startswith("asset.")]
    assert [(e.kind, e.actor) for e in events] == [
        ("asset.requested", "bot"),
        ("asset.label_sent", IT),
        ("asset.received", SEC),
        ("asset.wiped", IT),
        ("asset.reassigned", IT),
    ]
    assert json.loads(events[2].data) == {
        "asset_tag": "LT-0042",
        "source": "register",
        "previous": LABEL_SENT,
    }
    assert await evidence.verify(case.id) == {case.id: []}
    assert await service.open_count(case.id) == 0 and await service.blocking(case.id) == []


async def test_handed_over_in_person_then_retired(service: AssetService, case: Case) -> None:
    (phone,) = await service.attach(case.id, [PHONE])
    assert (await service.move(case, phone.id, RECEIVED, IT, IT_ROLES)).label_sent_at is None
    await service.move(case, phone.id, WIPED, IT, IT_ROLES)
    retired = await service.move(case, phone.id, RETIRED, IT, IT_ROLES)
    assert retired.outcome == RETIRED and retired.closed_at is not None


async def test_impossible_moves_are_refused_naming_the_state(service: AssetService, case: Case) -> None:
    (laptop,) = await service.attach(case.id, [LAPTOP])
    with pytest.raises(Conflict) as wiped_early:
        await service.move(case, laptop.id, WIPED, IT, IT_ROLES)
    assert wiped_early.value.message == (
        "Laptop LT-0042 is return requested: it can be marked label sent or received next, not wiped."
    )
    await service.move(case, laptop.id, RECEIVED, IT, IT_ROLES)
    with pytest.raises(Conflict) as retired_early:
        await service.move(case, laptop.id, RETIRED, IT, IT_ROLES)
    assert "is received: it can be marked wiped next, not retired" in retired_early.value.message
    with pytest.raises(Conflict, match=r"is received: .* not label sent"):
        await service.move(case, laptop.id, LABEL_SENT, IT, IT_ROLES)
    await service.move(case, laptop.id, WIPED, IT, IT_ROLES)
    await service.move(case, laptop.id, REASSIGNED, IT, IT_ROLES)
    with pytest.raises(Conflict) as twice:
        await service.move(case, laptop.id, REASSIGNED, SEC, frozenset({"security"}))
    assert error_text(twice.value) == f"Laptop LT-0042 is already reassigned by <@{IT}>."
    with pytest.raises(Conflict, match="already reassigned; nothing more can change"):
        await service.move(case, laptop.id, RETIRED, IT, IT_ROLES)
    with pytest.raises(InvalidRequest):
        await service.move(case, laptop.id, "lost", IT, IT_ROLES)
    with pytest.raises(InvalidRequest):
        await service.move(case, laptop.id, REQUESTED, IT, IT_ROLES)
    assert (await service.asset(laptop.id)).state == REASSIGNED


async def test_an_asset_of_another_case_is_not_found(
    service: AssetService, db: Database, clock: FakeClock, case: Case
) -> None:
    other = await make_case(db, clock, subject="UCOLIN")
    (laptop,) = await service.attach(other.id, [LAPTOP])
    with pytest.raises(NotFound):
        await service.move(case, laptop.id, RECEIVED, IT, IT_ROLES)
    with pytest.raises(NotFound):
        await service.move(case, 424242, RECEIVED, IT, IT_ROLES)


async def test_double_click_moves_once(service: AssetService, evidence: Evidence, case: Case) -> None:
    (laptop,) = await service.attach(case.id, [LAPTOP])
    results = await asyncio.gather(
        *(service.move(case, laptop.id, RECEIVED, who, IT_ROLES) for who in (IT, IT, SEC, IT)),
        return_exceptions=True,
    )
    moved = [r for r in results if isinstance(r, Asset)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(moved) == 1 and len(refused) == 3, results
    assert all("already received" in r.message for r in refused)
    assert [k for k, _ in await kinds(evidence, case.id)].count("asset.received") == 1
    assert await evidence.verify(case.id) == {case.id: []}


async def test_only_it_or_security_may_move(service: AssetService, evidence: Evidence, case: Case) -> None:
    (laptop,) = await service.attach(case.id, [LAPTOP])
    for roles in (frozenset({"hr"}), frozenset({"manager", "admin"}), frozenset(), frozenset({"subject"})):
        with pytest.raises(NotAllowed) as caught:
            await service.move(case, laptop.id, RECEIVED, HR, roles)
        assert caught.value.message == "Only IT or Security can update returned equipment."
    assert (await service.asset(laptop.id)).state == REQUESTED
    refusals = [e for e in await evidence.events(case.id) if e.kind == "refused"]
    assert len(refusals) == 4 and refusals[0].actor == HR


async def test_nothing_moves_on_a_closed_case(service: AssetService, db: Database, clock: FakeClock) -> None:
    closed = await make_case(db, clock, status=CLOSED)
    (laptop,) = await service.attach(closed.id, [LAPTOP])
    with pytest.raises(Conflict, match="This offboarding is closed"):
        await service.move(closed, laptop.id, RECEIVED, IT, IT_ROLES)


async def test_overdue_returns_and_their_reminders(
    service: AssetService, evidence: Evidence, db: Database, clock: FakeClock, case: Case
) -> None:
    deadline = clock.now() + timedelta(days=3)
    laptop, phone, device = await service.attach(case.id, [LAPTOP, PHONE, DEVICE], return_deadline=deadline)
    closed = await make_case(db, clock, subject="UOLD", status=CLOSED)
    await service.attach(closed.id, [LAPTOP], return_deadline=deadline)
    assert await service.overdue(clock.now()) == []

    await service.move(case, laptop.id, RECEIVED, IT, IT_ROLES)
    await service.move(case, phone.id, LABEL_SENT, IT, IT_ROLES)
    clock.advance(timedelta(days=3))
    late = await service.overdue(clock.now())
    assert [a.asset_tag for a in late] == ["PH-7", "0f8e-device-id"]  # received, and closed cases, are not

    reminders = await service.remind_overdue(clock.now())
    assert [cid for cid, _ in reminders] == [case.id]
    text = notice_text(reminders[0][1], {"it": "SIT"})  # as the Slack side words the notice
    assert text.startswith("<!subteam^SIT> Equipment not returned by its deadline:")
    assert "• Phone PH-7 — label sent, due back" in text and "JANE-LAPTOP (Windows)" in text
    assert await service.remind_overdue(clock.now() + timedelta(hours=1)) == []  # once a day
    clock.advance(timedelta(days=1))
    assert len(await service.remind_overdue(clock.now())) == 1
    assert [k for k, _ in await kinds(evidence, case.id)].count("asset.reminder") == 2

    # A new deadline with the label resets the reminder.
    later = clock.now() + timedelta(days=7)
    await service.move(case, device.id, LABEL_SENT, IT, IT_ROLES, deadline=later)
    assert [a.asset_tag for a in await service.overdue(clock.now())] == ["PH-7"]
    with pytest.raises(InvalidRequest):
        await service.move(case, phone.id, RECEIVED, IT, IT_ROLES, deadline=later)


async def test_reminders_are_claimed_once_across_callers(
    service: AssetService, db: Database, clock: FakeClock, evidence: Evidence, case: Case
) -> None:
    await service.attach(case.id, [LAPTOP, PHONE], return_deadline=clock.now())
    twin = AssetService(db, clock, evidence)  # another replica
    sent = await asyncio.gather(service.remind_overdue(clock.now()), twin.remind_overdue(clock.now()))
    assert sum(len(s) for s in sent) == 1


async def test_reclaimable_seats_from_the_graph_licence_step(
    service: AssetService, db: Database, clock: FakeClock, case: Case
) -> None:
    now = clock.now()

    def item(key: str, status: str, result: dict, position: int) -> ChecklistItem:
        return ChecklistItem(
            case_id=case.id,
            key=key,
            position=position,
            title=key,
            role="it",
            due="cutoff",
            due_at=now,
            kind="revocation",
            step=key,
            help="",
            status=status,
            done_by=IT if status == DONE else None,
            done_at=now if status == DONE else None,
            detail="",
            result=result,
            attempts=1,
        )

    removed = [
        {"sku_id": "sku-e3", "part_number": "ENTERPRISEPACK"},
        {"sku_id": "sku-visio", "part_number": "VISIOCLIENT"},
    ]
    async with db.transaction() as session:
        session.add_all(
            [
                item("graph.remove_licenses", DONE, {"ok": True, "data": {"removed_skus": removed}}, 1),
                item("graph.block_sign_in", DONE, {"ok": True, "calls": []}, 2),
                item("okta.suspend", FAILED, {"ok": False, "data": {"removed_skus": [{"sku_id": "x"}]}}, 3),
                item(
                    "graph.remove_licenses.retry",
                    DONE,
                    {"ok": True, "data": {"removed_skus": [removed[0], "junk", {"part_number": "no id"}]}},
                    4,
                ),
            ]
        )
    seats = await service.reclaimable_seats(case.id)
    assert [(s.sku_id, s.part_number, s.item_key, s.removed_by) for s in seats] == [
        ("sku-e3", "ENTERPRISEPACK", "graph.remove_licenses", IT),
        ("sku-visio", "VISIOCLIENT", "graph.remove_licenses", IT),
    ]
    assert seats[0].removed_at == now
    assert await service.reclaimable_seats(case.id + 1) == []


async def test_graph_devices_reads_the_managed_devices(case: Case) -> None:
    class Graph:
        async def read_access(self, subject, options):
            return AccessState(
                "graph",
                (
                    AccessEntry("device", "JANE-LAPTOP (Windows)", "dev-1", "graph.retire_devices"),
                    AccessEntry("license", "SPE_E5", "sku"),
                ),
            )

    class Revocations:
        systems = {"graph": Graph()}

        async def subject(self, system, case):
            return object()

    lookup = graph_devices(Revocations())
    assert lookup is not None
    assert [(a.source, a.asset_tag, a.kind) for a in await lookup(case)] == [("intune", "dev-1", "laptop")]

    class NoGraph:
        systems: dict = {}

    assert graph_devices(NoGraph()) is None
