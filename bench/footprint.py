"""Start time, memory, and cutoff punctuality of the bot.

    .venv/bin/python bench/footprint.py [--cases 10000]

(a) `python -m wiring serve` as a subprocess against the Slack stand-in run here, SQLite in a temp dir:
    spawn -> /healthz 200, then idle RSS (VmRSS of /proc/<pid>/status). First start (migrates) and restart.
(b) the same with N open cases (employee template, checklist items from CaseService._items, cutoffs spread
    over the next 30 days) bulk-inserted with SQLAlchemy core: first start (the scheduler writes ~2 jobs
    per case to apscheduler_jobs), then a restart (jobs already there). RSS once /healthz answers, which
    start() only does after the scheduler reconciled.
(c) the bot in-process (wiring.server.start, real clock) with Okta and Graph stand-ins: a case's cutoff moved
    to now + 3 s through the DB and Schedule.plan; delay from the cutoff to Okta's POST .../suspend, x5.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
import yaml
from sqlalchemy import create_engine, insert, update

from bot.cases.models import OPEN, Case
from bot.cases.requests import OffboardRequest
from bot.cases.service import CaseService
from bot.checklist.models import ChecklistItem
from bot.checklist.templates import load_templates
from bot.clock import SystemClock
from bot.config import Settings, load_org_config
from bot.db import sync_url
from bot.migrate import upgrade
from bot.workdays import local_end_of_day, non_working_reason
from standins.cast import Cast, seed, seed_identity
from standins.graph_api import GraphStandIn
from standins.okta_api import OktaStandIn
from standins.slack_api import SlackStandIn
from standins.slack_driver import SlackDriver
from wiring.server import start

SECRET, TOKEN, OKTA_TOKEN, GRAPH_TOKEN = (
    "bench-secret-77a0",
    "xoxb-bench-2b4f",
    "okta-bench-1",
    "graph-bench-1",
)
DUE = 500  # (b) also: cases whose overdue items were never reminded, so reminders fire during start
ZONES = ("America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin", "Asia/Tokyo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def working_day(start: date, ahead: int) -> date:
    day = start + timedelta(days=ahead)
    while non_working_reason(day, "US"):
        day += timedelta(days=1)
    return day


async def serve(env: dict[str, str], tmp: Path, label: str, limit: float = 240) -> dict:
    """Spawn `python -m wiring serve`; time to /healthz; RSS 3 s later; then SIGTERM."""
    port, path = free_port(), tmp / f"serve-{abs(hash(label))}.log"
    log = path.open("wb")
    t0 = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wiring", "serve", env={**os.environ, **env, "PORT": str(port)},
        cwd=tmp, stdout=log, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    up = None
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            while up is None and time.perf_counter() - t0 < limit and proc.returncode is None:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        up = time.perf_counter() - t0 if resp.status == 200 else None
                except aiohttp.ClientError:
                    await asyncio.sleep(0.01)
        await asyncio.sleep(3)
        alive = proc.returncode is None
        found = {"label": label, "healthz_s": up, "rss": rss_mb(proc.pid) if alive else None}
        found["hwm"] = rss_mb(proc.pid, "VmHWM") if alive else None
    finally:
        if proc.returncode is None:
            proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        log.close()
    found["exit"] = proc.returncode if not alive else None
    found["errors"] = [ln for ln in path.read_text().splitlines() if " ERROR " in ln]
    return found


def row(obj: object) -> dict:
    """An ORM object as a core INSERT row; unset columns take their scalar default, as the ORM would."""
    found = {}
    for c in obj.__table__.columns:  # type: ignore[attr-defined]
        value = getattr(obj, c.key)
        if value is None and c.default is not None and c.default.is_scalar:
            value = c.default.arg
        if not (c.primary_key and value is None):
            found[c.key] = value
    return found


def seed_cases(
    url: str, n: int, config_path: Path, slack: SlackStandIn, overdue_reminded: bool = True
) -> int:
    """N open cases with their checklist items, inserted in bulk; returns the number of items."""
    upgrade(url)
    config, templates = load_org_config(config_path), load_templates(None)
    template = templates.get("employee")
    service = CaseService(None, SystemClock(), config, templates, None, None, lambda system, opts: [])  # type: ignore[arg-type]
    now, today = datetime.now(UTC), datetime.now(UTC).date()
    options = {"mailbox": "none", "mailbox_delegate": None, "phone": "none", "phone_forward_to": None,
               "backup_data": False}  # fmt: skip
    cases, items = [], []
    for i in range(1, n + 1):
        tz, last_day = ZONES[i % len(ZONES)], working_day(today, 1 + (i * 30) // n)
        case = Case(
            id=i, open_subject=f"UB{i:07d}", subject_id=f"UB{i:07d}", subject_name=f"Person {i}",
            subject_email=f"person{i}@example.com", subject_tz=tz, requested_by="UHANA", manager_id="UMARIA",
            template="employee", reason="voluntary", last_day=last_day, status=OPEN, options=options,
            cutoff_at=local_end_of_day(last_day, tz, config.workday_end), notes="", created_at=now,
            channel_id=f"CB{i:07d}", channel_name=f"offboarding-person-{i}",
        )  # fmt: skip
        case_items = service._items(case, template)
        for it in case_items:  # as in a running bot: items already overdue were reminded when they came due
            if overdue_reminded and it.due_at <= now:
                it.reminded_at = it.due_at
        keys = [it.key for it in case_items]
        case.messages = {"checklist": [{"ts": f"1700000000.{i:06d}", "keys": keys}]}
        cases.append(row(case))
        items += [row(it) for it in case_items]
        slack.add_channel(case.channel_id, case.channel_name, is_private=True, members={slack.bot_user_id})
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        conn.execute(insert(Case.__table__), cases)
        conn.execute(insert(ChecklistItem.__table__), items)
    engine.dispose()
    return len(items)


def count_jobs(db_file: Path) -> int | str:
    with sqlite3.connect(db_file) as conn:
        try:
            return conn.execute("SELECT count(*) FROM apscheduler_jobs WHERE id LIKE 'case:%'").fetchone()[0]
        except sqlite3.OperationalError as e:  # e.g. a job store kept elsewhere
            return str(e)


class Errors(logging.Handler):
    """Collects ERROR records of the in-process bot instead of printing them."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()[:150]}")


class TimedOkta(OktaStandIn):
    """Notes when each suspend arrives."""

    suspends: list[tuple[str, float]] = []

    async def _lifecycle(self, request):  # type: ignore[no-untyped-def]
        if request.match_info.get("action") == "suspend":
            self.suspends.append((request.match_info["id"], time.time()))
        return await super()._lifecycle(request)


async def cutoff_delays(slack: SlackStandIn, cast: Cast, tmp: Path, config_path: Path, runs: int) -> list:
    """`runs` cutoffs with the bot idle, then `runs` more while refused checklist clicks keep arriving."""
    okta, graph = TimedOkta(token=OKTA_TOKEN), GraphStandIn(token=GRAPH_TOKEN)
    await okta.start()
    await graph.start()
    seed_identity(okta, graph, cast)
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.url,
           "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/cutoff.db", "OFFBOARD_CONFIG": str(config_path),
           "PORT": "0", "OKTA_ORG_URL": okta.url, "OKTA_API_TOKEN": OKTA_TOKEN, "GRAPH_BASE_URL": graph.url,
           "GRAPH_ACCESS_TOKEN": GRAPH_TOKEN}  # fmt: skip
    runner, runtime, port = await start(
        Settings.from_env(env), host="127.0.0.1", config=load_org_config(config_path), clock=SystemClock()
    )
    schedule, fired, finished, stall = runtime.schedule, {}, {}, [0.0]
    real_fire = schedule.fire

    async def fire(kind: str, case_id: int) -> None:  # when the job starts and ends, around the real one
        fired.setdefault(case_id, time.time())
        await real_fire(kind, case_id)
        finished.setdefault(case_id, time.time())

    async def heartbeat() -> None:  # the longest the event loop was blocked
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(0.02)
            stall[0] = max(stall[0], time.perf_counter() - t0 - 0.02)

    async def clicker(driver: SlackDriver, value: str, channel: str, ts: str) -> None:
        while True:  # each click is refused after ack: an evidence write and two Slack calls
            await driver.click(cast.colleague, "item_done", value, channel=channel, ts=ts)

    schedule.fire = fire  # type: ignore[method-assign]
    rows, background = [], [asyncio.create_task(heartbeat())]
    try:
        async with SlackDriver(f"http://127.0.0.1:{port}", SECRET) as driver:
            for i in range(1, 2 * runs + 1):
                if i == runs + 1:
                    first = await runtime.cases.get(rows[0][1])
                    page = first.messages["checklist"][0]
                    value = f"{first.id}|{page['keys'][0]}"
                    background += [asyncio.create_task(clicker(driver, value, first.channel_id, page["ts"]))
                                   for _ in range(10)]  # fmt: skip
                stall[0] = 0.0
                uid, email = f"UCUT{i}", f"cut{i}@{cast.domain}"
                slack.add_user(uid, f"cut{i}", email, tz="UTC", real_name=f"Cut Off {i}")
                okta_id = okta.add_user(email, "Cut", f"Off {i}")
                graph.add_user(email, f"Cut Off {i}", mail=email)
                req = OffboardRequest(uid, cast.hr, working_day(date.today(), 7))
                case = await runtime.offboarding.start(req, subject_email=email)
                target = datetime.now(UTC) + timedelta(seconds=3)
                async with runtime.db.transaction() as session:
                    await session.execute(update(Case).where(Case.id == case.id).values(cutoff_at=target))
                await schedule.plan(await runtime.cases.get(case.id))
                deadline = time.time() + 18
                while time.time() < deadline and case.id not in finished:  # noqa: ASYNC110
                    await asyncio.sleep(0.005)
                at, t = next((t for u, t in okta.suspends if u == okta_id), None), target.timestamp()
                since = [
                    None if x is None else x - t for x in (fired.get(case.id), at, finished.get(case.id))
                ]
                rows.append(("idle" if i <= runs else "clicks arriving", case.id, *since, stall[0]))
    finally:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await runner.cleanup()
        await runtime.close()
        await okta.stop()
        await graph.stop()
    return rows


def fmt(v: float | None, unit: str = "", digits: int = 2) -> str:
    return "n/a" if v is None else f"{v:.{0 if unit.strip() == 'MB' else digits}f}{unit}"


async def main(n: int, runs: int) -> None:
    slack = SlackStandIn(TOKEN, rate_limits=False)
    await slack.start()
    cast = seed(slack)
    with tempfile.TemporaryDirectory(prefix="offboard-footprint-") as tmp_name:
        tmp = Path(tmp_name)
        config_path = tmp / "offboard.yml"
        config_path.write_text(yaml.safe_dump(cast.config(admins=[])))
        env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.url,
               "OFFBOARD_CONFIG": str(config_path)}  # fmt: skip
        print("(a) empty database", flush=True)
        empty = {**env, "DATABASE_URL": f"sqlite:///{tmp}/empty.db"}
        starts = [
            await serve(empty, tmp, "empty, first start (migrates)"),
            await serve(empty, tmp, "empty, restart"),
        ]
        print(f"(b) seeding {n} open cases", flush=True)
        t0 = time.perf_counter()
        n_items = seed_cases(f"sqlite:///{tmp}/big.db", n, config_path, slack)
        seeded = time.perf_counter() - t0
        big = {**env, "DATABASE_URL": f"sqlite:///{tmp}/big.db"}
        for label in (f"{n} cases, first start (writes jobs)", f"{n} cases, restart"):
            print(f"    {label}", flush=True)
            starts.append(await serve(big, tmp, label, limit=200))
            starts[-1]["jobs"] = count_jobs(tmp / "big.db")
        print(f"    {DUE} cases whose overdue items were never reminded, first start", flush=True)
        seed_cases(f"sqlite:///{tmp}/due.db", DUE, config_path, slack, overdue_reminded=False)
        label = f"{DUE} cases, overdue items never reminded, first start"
        starts.append(await serve({**env, "DATABASE_URL": f"sqlite:///{tmp}/due.db"}, tmp, label, limit=90))
        starts[-1]["jobs"] = count_jobs(tmp / "due.db")
        print(f"(c) cutoff delay, {runs} cases idle, {runs} with clicks arriving", flush=True)
        logging.getLogger().addHandler(in_process := Errors())
        logging.getLogger().setLevel(logging.ERROR)
        delays = await cutoff_delays(slack, cast, tmp, config_path, runs)
    await slack.stop()

    print(f"\nSeeded {n} open cases and {n_items} checklist items in {seeded:.1f} s.\n")
    print("| start | spawn -> /healthz 200 s | RSS MB (3 s later) | peak RSS MB | case jobs in apscheduler_jobs"
          " | ERROR lines | exited early |\n|---|---|---|---|---|---|---|")  # fmt: skip
    for s in starts:
        print(f"| {s['label']} | {fmt(s['healthz_s'])} | {fmt(s['rss'], '', 0)} | {fmt(s['hwm'], '', 0)}"
              f" | {s.get('jobs', '-')} | {len(s['errors'])} | {'-' if s['exit'] is None else s['exit']} |")  # fmt: skip
    errors = sorted({ln.split(" ERROR ", 1)[1][:160] for s in starts for ln in s["errors"]})
    print("ERROR lines in the served bots' logs (distinct, first 8):", *errors[:8], sep="\n  ")
    print("\n| bot | case | cutoff -> job fired s | cutoff -> Okta suspend s | cutoff -> job done s"
          " | longest event-loop stall s |\n|---|---|---|---|---|---|")  # fmt: skip
    for phase, case_id, *secs, stall in delays:
        print(f"| {phase} | {case_id} | " + " | ".join(fmt(x, "", 3) for x in secs) + f" | {stall:.2f} |")
    distinct = sorted({ln.split(" at /")[0] for ln in in_process.lines})
    print(f"ERROR records of the in-process bot: {len(in_process.lines)}", *distinct[:5], sep="\n  ")

    def verdict(what: str, value: float | None, limit: float, unit: str) -> None:
        ok = value is not None and value < limit
        print(f"  {what} < {limit:g} {unit}: {fmt(value, ' ' + unit)} {'met' if ok else 'MISSED'}")

    big = [s["rss"] for s in starts[2:4]]
    print("\nTargets:")
    verdict("serve -> /healthz (empty DB, restart)", starts[1]["healthz_s"], 2, "s")
    verdict(f"serve -> /healthz ({n} cases, restart)", starts[3]["healthz_s"], 2, "s")
    verdict("idle RSS (empty DB)", starts[1]["rss"], 150, "MB")
    verdict(f"RSS with {n} cases (worst start)", None if None in big else max(big), 400, "MB")
    for phase in ("idle", "clicks arriving"):
        okta_s = [d[3] for d in delays if d[0] == phase]
        verdict(
            f"cutoff -> Okta suspend, worst of {len(okta_s)}, {phase}",
            None if None in okta_s else max(okta_s),
            1,
            "s",
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="cases for the cutoff delay")
    args = parser.parse_args()
    asyncio.run(main(args.cases, args.runs))
