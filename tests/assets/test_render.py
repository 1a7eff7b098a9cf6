"""The equipment message stays inside Block Kit's limits, for one asset and for thirty long ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.assets.models import LABEL_SENT, NEXT, RECEIVED, REQUESTED, RETIRED, STATES, WIPED, Asset
from bot.assets.service import Seat
from bot.cases.models import CLOSED, OPEN, Case
from bot.errors import InvalidRequest
from handlers.render import assets as render
from standins.slack_blocks import check_blocks

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def a_case(status: str = OPEN) -> Case:
    return Case(
        id=7,
        subject_id="UJANE",
        subject_name="Jane Doe",
        subject_email="jane@example.com",
        manager_id="UMARIA",
        requested_by="UMARIA",
        template="default",
        reason="voluntary",
        last_day=date(2026, 12, 4),
        cutoff_at=NOW,
        status=status,
        messages={},
        created_at=NOW,
    )


def an_asset(n: int, state: str = REQUESTED, *, long: bool = False) -> Asset:
    """Every field at its register limit when `long`, with the full history of its state."""
    stamps = {s: NOW + timedelta(hours=i) for i, s in enumerate(STATES)}
    reached = STATES[: STATES.index(state) + 1]
    return Asset(
        id=100 + n,
        case_id=7,
        source="intune" if n % 7 == 3 else "register",
        asset_tag=(f"T{n}-" + "9" * 97) if long else f"LT-{n}",
        kind="k" * 32 if long else "laptop",
        description=("<Mac> & " * 40)[:255] if long else "MacBook Pro",
        serial="S" * 100 if long else None,
        state=state,
        return_deadline=NOW - timedelta(days=1),
        label_sent_at=stamps[LABEL_SENT] if LABEL_SENT in reached else None,
        received_at=stamps[RECEIVED] if RECEIVED in reached else None,
        wiped_at=stamps[WIPED] if WIPED in reached else None,
        closed_at=stamps[state] if state in ("reassigned", "retired") else None,
        outcome=state if state in ("reassigned", "retired") else None,
        updated_by="U" + "X" * 20,
        updated_at=stamps[state],
    )


SEATS = [Seat(f"sku-{i}", "P" * 100, "graph.remove_licenses", NOW, "UIVAN") for i in range(30)]


def all_pages(assets: list[Asset], seats: list[Seat], case: Case | None = None) -> list[list[dict]]:
    return render.messages(case or a_case(), assets, seats, now=NOW)


def buttons(blocks: list[dict]) -> list[dict]:
    found = []
    for block in blocks:
        if block.get("accessory"):
            found.append(block["accessory"])
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
    return found


def test_one_asset() -> None:
    (page,) = all_pages([an_asset(1)], [])
    assert check_blocks(page, "message") == []
    text = str(page)
    assert "Equipment: Jane Doe" in text and "return requested" in text and ":warning: overdue" in text
    values = sorted(b["value"] for b in buttons(page))
    assert values == ["7|101:label_sent", "7|101:received"]
    assert {b["action_id"] for b in buttons(page)} == {"asset_step:label_sent", "asset_step:received"}


@pytest.mark.parametrize("long", [False, True])
def test_thirty_assets_split_within_limits(long: bool) -> None:
    assets = [an_asset(n, STATES[n % len(STATES)], long=long) for n in range(30)]
    pages = all_pages(assets, SEATS)
    assert len(pages) == 6
    for page in pages:
        assert check_blocks(page, "message") == [], page
        assert len(page) <= 50
        for block in page:  # Slack wants action ids unique within a block
            ids = [e["action_id"] for e in block.get("elements", []) if "action_id" in e]
            assert len(ids) == len(set(ids))
    shown = [b["block_id"] for page in pages for b in page if b["block_id"].startswith("asset:")]
    assert shown == [f"asset:{a.id}" for a in assets]
    # Each asset offers exactly its next steps; the final ones none.
    offered = {}
    for b in buttons([b for page in pages for b in page]):
        case_id, asset_id, state = render.parse_step_value(b["value"])
        assert case_id == 7
        offered.setdefault(asset_id, set()).add(state)
    for a in assets:
        assert offered.get(a.id, set()) == set(NEXT[a.state])


def test_history_who_and_when() -> None:
    retired = an_asset(1, RETIRED)
    text = render.asset_text(retired, NOW)
    assert text.count("<!date^") == 4  # retired when, then label sent, received, wiped
    assert "*retired* · <@UXXXXXXXXXXXXXXXXXXXX>" in text and "Earlier: label sent" in text
    bot_made = an_asset(2)
    bot_made.updated_by = "bot"
    assert "· the bot <!date^" in render.asset_text(bot_made, NOW)


def test_escaping_and_seats_only() -> None:
    long = an_asset(1, long=True)
    assert "<Mac>" not in render.asset_text(long) and "&lt;Mac&gt; &amp;" in render.asset_text(long)
    (page,) = all_pages([], SEATS[:2])
    assert check_blocks(page, "message") == []
    assert "Reclaimable licence seats" in str(page) and "No equipment on record" in str(page)


def test_a_closed_case_shows_no_buttons() -> None:
    pages = all_pages([an_asset(n, STATES[n % 6]) for n in range(12)], [], a_case(CLOSED))
    assert all(buttons(p) == [] for p in pages)


def test_step_values() -> None:
    assert render.parse_step_value(render.step_value(3, 44, WIPED)) == (3, 44, WIPED)
    for bad in ("", "3|", "3|x:wiped", "x|4:wiped", "3|4:", "3|4"):
        with pytest.raises(InvalidRequest):
            render.parse_step_value(bad)
