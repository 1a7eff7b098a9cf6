"""The evidence record: a case closed through Slack, then edited behind the bot's back with plain SQL.

Each kind of tampering must be caught by `Evidence.verify` and by `offboard-bot verify`, naming the
event; `offboard-bot export` must print the whole record, hashes included.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from typing import Any

import pytest
from sqlalchemy import text

from standins.slack_driver import wait_for
from tests.flows import complete_all, open_case
from tests.security.helpers import archive_hash
from wiring.cli import main


@pytest.fixture
def org_config(cast):
    return cast.config(admins=[cast.manager])


async def closed_case(bot: Any) -> Any:
    """A case opened, completed item by item by the right people, archived: all through Slack."""
    case = await open_case(bot)
    await complete_all(bot, case)
    await wait_for(lambda: bot.slack.channels[case.channel_id]["is_archived"], what="channel archived")

    async def archived() -> bool:
        events = await bot.runtime.evidence.events(case.id)
        return bool(events) and events[-1].kind == "archive.posted"

    await wait_for(archived, what="archive.posted recorded")
    return await bot.runtime.cases.get(case.id)


async def sql(bot: Any, *statements: tuple[str, dict[str, Any]]) -> None:
    """Run statements in one transaction, straight on the bot's database (no ORM, no evidence)."""
    async with bot.runtime.db.engine.begin() as conn:
        for statement, params in statements:
            result = await conn.execute(text(statement), params)
            assert result.rowcount == 1, statement


async def run_cli(monkeypatch, capsys, database_url: str, *argv: str) -> tuple[int, str]:
    """`offboard-bot ARGV` against the test database; its exit code and standard output."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    capsys.readouterr()
    code = await asyncio.to_thread(main, list(argv))
    return code, capsys.readouterr().out


def names_event(problem: str, seq: int) -> bool:
    return re.search(rf"\bevent {seq}\b", problem) is not None


async def seqs_of(bot: Any, case_id: int, kind: str) -> list[int]:
    return [e.seq for e in await bot.runtime.evidence.events(case_id) if e.kind == kind]


async def test_intact_case_verifies_clean_in_the_service_and_the_cli(bot, database_url, monkeypatch, capsys):
    case = await closed_case(bot)
    assert await bot.runtime.evidence.verify(case.id) == {case.id: []}
    assert await bot.runtime.evidence.verify() == {case.id: []}

    code, out = await run_cli(monkeypatch, capsys, database_url, "verify", str(case.id))
    assert code == 0, out
    assert f"case {case.id}: chain intact" in out and "BROKEN" not in out
    code, out = await run_cli(monkeypatch, capsys, database_url, "verify")
    assert code == 0, out


TAMPERING = ["edit-data", "delete-row", "swap-seq"]


@pytest.mark.parametrize("tampering", TAMPERING)
async def test_tampering_is_found_and_the_event_named(bot, database_url, monkeypatch, capsys, tampering):
    case = await closed_case(bot)
    done = await seqs_of(bot, case.id, "item.done")
    assert len(done) >= 5
    if tampering == "edit-data":
        # Someone rewrites who-did-what: the item done becomes another one.
        target = [done[0]]
        row = next(e for e in await bot.runtime.evidence.events(case.id) if e.seq == done[0])
        forged = json.dumps({**json.loads(row.data), "item": "something-else"}, separators=(",", ":"))
        assert forged != row.data
        await sql(
            bot,
            (
                "UPDATE events SET data = :d WHERE case_id = :c AND seq = :s",
                {"d": forged, "c": case.id, "s": done[0]},
            ),
        )
    elif tampering == "delete-row":
        target = [done[1]]
        await sql(bot, ("DELETE FROM events WHERE case_id = :c AND seq = :s", {"c": case.id, "s": done[1]}))
    else:
        a, b = done[2], done[4]
        target = [a, b]
        move = "UPDATE events SET seq = :new WHERE case_id = :c AND seq = :old"
        await sql(
            bot,
            (move, {"c": case.id, "old": a, "new": -1}),
            (move, {"c": case.id, "old": b, "new": a}),
            (move, {"c": case.id, "old": -1, "new": b}),
        )

    problems = (await bot.runtime.evidence.verify(case.id))[case.id]
    assert problems, f"{tampering} went unnoticed"
    for seq in target:
        assert any(names_event(p, seq) for p in problems), (seq, problems)
    assert (await bot.runtime.evidence.verify())[case.id] == problems

    code, out = await run_cli(monkeypatch, capsys, database_url, "verify", str(case.id))
    assert code == 1, out
    assert "BROKEN" in out and "chain intact" not in out
    for seq in target:
        assert re.search(rf"\bevent {seq}\b", out), out
    code, out = await run_cli(monkeypatch, capsys, database_url, "verify")
    assert code == 1 and "BROKEN" in out


async def test_deleting_the_last_event_of_a_closed_case_is_found(bot):
    case = await closed_case(bot)
    last = (await bot.runtime.evidence.events(case.id))[-1]
    assert last.kind == "archive.posted"
    await sql(bot, ("DELETE FROM events WHERE case_id = :c AND seq = :s", {"c": case.id, "s": last.seq}))
    problems = (await bot.runtime.evidence.verify(case.id))[case.id]
    assert any(names_event(p, last.seq) for p in problems), problems


async def test_verify_of_a_case_without_events_fails(bot, database_url, monkeypatch, capsys):
    case = await closed_case(bot)
    code, out = await run_cli(monkeypatch, capsys, database_url, "verify", str(case.id + 1000))
    assert code == 1, out
    async with bot.runtime.db.engine.begin() as conn:
        await conn.execute(text("DELETE FROM events WHERE case_id = :c"), {"c": case.id})
    code, out = await run_cli(monkeypatch, capsys, database_url, "verify", str(case.id))
    assert code == 1 and "chain intact" not in out, out


async def test_export_of_an_unknown_case_is_a_clean_error(bot, database_url, monkeypatch, capsys):
    code, out = await run_cli(monkeypatch, capsys, database_url, "export", "4242", "--format", "json")
    assert code == 1 and out == ""


async def test_export_prints_every_event_and_hash(bot, database_url, monkeypatch, capsys):
    case = await closed_case(bot)
    events = await bot.runtime.evidence.events(case.id)
    hashes = [e.hash for e in events]
    final = hashes[-1]
    posted_seq, posted_hash = archive_hash(bot)
    # The archive post quotes event N's hash; the chain goes on with archive.posted recording it.
    assert hashes[posted_seq - 1] == posted_hash
    assert json.loads(events[-1].data) == {"final_hash": posted_hash, "final_seq": posted_seq}

    code, out = await run_cli(monkeypatch, capsys, database_url, "export", str(case.id), "--format", "json")
    assert code == 0
    record = json.loads(out)
    assert record["case"]["id"] == case.id and record["case"]["status"] == "closed"
    assert [e["hash"] for e in record["events"]] == hashes
    assert [e["seq"] for e in record["events"]] == list(range(1, len(events) + 1))
    assert [e["prev_hash"] for e in record["events"]][1:] == hashes[:-1]
    assert record["final_hash"] == final
    assert record["events"][posted_seq - 1]["hash"] == posted_hash
    assert {i["key"] for i in record["items"]} == {i.key for i in await bot.runtime.cases.items(case.id)}
    assert all(i["status"] == "done" and i["done_by"] for i in record["items"])

    code, out = await run_cli(monkeypatch, capsys, database_url, "export", str(case.id), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["hash"] for r in rows] == hashes
    assert [int(r["seq"]) for r in rows] == [e.seq for e in events]
    assert rows[-1]["hash"] == final and rows[posted_seq - 1]["hash"] == posted_hash

    code, out = await run_cli(monkeypatch, capsys, database_url, "export", str(case.id), "--format", "md")
    assert code == 0
    assert f"Final hash: `{final}`" in out
    for e in events:  # the Markdown table shows each hash's first 16 hex digits
        assert re.search(rf"^\| {e.seq} \|.*\| `{e.hash[:16]}", out, re.M), (e.seq, out)


async def test_export_final_hash_is_the_hash_in_the_archive_post(bot, database_url, monkeypatch, capsys):
    case = await closed_case(bot)
    _, posted_hash = archive_hash(bot)
    code, out = await run_cli(monkeypatch, capsys, database_url, "export", str(case.id), "--format", "json")
    assert code == 0
    record = json.loads(out)
    # The post cannot carry the hash of the event that records the post itself: it shows the hash
    # of the event before it, which the export names and which stands in the chain.
    assert record["archived_hash"] == posted_hash
    assert posted_hash in [e["hash"] for e in record["events"]]
    assert record["events"][-1]["kind"] == "archive.posted"
    assert record["events"][-1]["prev_hash"] == posted_hash
