"""Layoff day: N departures in one batch, one cutoff, every access revoked — how close to the limits?

    .venv/bin/python bench/layoff.py [--people 500] [--scale 1] [--slack-scale 30] [--db sqlite|postgres]

A child process (CPU 1) runs the Slack, Okta and Graph stand-ins with their vendors' limits: Okta 600
requests per 60 s window per bucket (reads, writes) and 75 concurrent; Graph 3,000 writes per 150 s
(sliding); Slack's tiers per 60 s. `--scale` / `--slack-scale` shrink the windows (the counts per
window stay; headers stay real: X-Rate-Limit-Reset, Retry-After in real seconds). Slack's are shrunk
by default so that setting up 500 threads takes a minute or two instead of forty; it is not on the
measured path (revocations never wait on Slack). Okta's and Graph's are real by default: the bot's
own CPU work does not shrink with a scale, so a compressed vendor clock would measure the CPU instead.
This process (CPU 0) runs the bot as `serve` does (wiring.server.start, scheduler on), checks and starts
the batch as `offboard-bot bulk` does, waits for Slack set-up, lets the vendors' windows roll over,
then moves the bot's clock past the shared cutoff and runs the scheduler's tick.

Printed: time from the cutoff to the last revocation write; the lower bound the limits imply for the
requests the revocation steps made (per bucket: the N-th request cannot be admitted before window
ceil(N/limit) opens); their ratio (target <= 1.10); 429s received; steps failed; steps run twice;
cases whose evidence record is incomplete (targets: all zero); and when Slack had caught up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from common import Child, child_loop, pg_database, pg_drop, pin

TOKEN, SECRET, OKTA_TOKEN, GRAPH_TOKEN = "xoxb-layoff-1", "layoff-secret-1", "okta-layoff-1", "graph-layoff-1"
OKTA_LIMIT, OKTA_WINDOW = 600, 60.0  # per bucket (user reads, user writes), as the plans' upper end
GRAPH_LIMIT, GRAPH_WINDOW = 3000, 150.0  # identity writes per app and tenant
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
AFTER_CUTOFF = datetime(2026, 12, 5, 1, 1, tzinfo=UTC)  # 17:00 Fri 4 Dec has passed in every US zone


# -- the stand-ins' process -----------------------------------------------------------------------
async def run_standins(out, people: int, scale: float, slack_scale: float) -> None:
    from standins.cast import seed, seed_departures
    from standins.graph_api import GraphStandIn
    from standins.okta_api import OktaStandIn
    from standins.slack_api import SlackStandIn

    slack = SlackStandIn(TOKEN, rate_window=60.0 / slack_scale)
    okta = OktaStandIn(OKTA_TOKEN, rate_limit=OKTA_LIMIT, rate_window=OKTA_WINDOW / scale)
    graph = GraphStandIn(token=GRAPH_TOKEN, rate_limit=GRAPH_LIMIT, rate_window=GRAPH_WINDOW / scale)
    for standin in (slack, okta, graph):
        await standin.start()
    cast = seed(slack)
    ids = seed_departures(slack, okta, graph, people, cast)
    out.write(json.dumps({"slack": slack.url, "okta": okta.url, "graph": graph.url, "people": ids}) + "\n")
    out.flush()

    async def handle(line: str) -> dict:
        since = float(line.split()[1]) if line.startswith("since") else 0.0

        def journal(standin) -> list:
            return [(r.at, r.method, r.path, r.status) for r in standin.requests if r.at >= since]

        return {
            "okta": journal(okta),
            "graph": journal(graph),
            "slack_429": sum(r.status == 429 for r in slack.requests if r.at >= since),
            "slack_calls": sum(1 for r in slack.requests if r.at >= since),
        }

    await child_loop(out, handle)


def child_main(args: list[str]) -> None:
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    pin(1)
    asyncio.run(run_standins(out, int(args[0]), float(args[1]), float(args[2])))


# -- the bot's process ----------------------------------------------------------------------------
def okta_bucket(method: str) -> str:
    return "okta read" if method == "GET" else "okta write"


def lower_bound(calls: Counter, first: dict[str, float], t0: float, scale: float) -> tuple[float, dict]:
    """Seconds after t0 before the last needed request can be admitted, per bucket; the max is the bound.
    Okta's windows start on a whole second (the stand-in's and the Reset header's); Graph's slide."""
    per = {}
    for bucket, n in calls.items():
        if bucket.startswith("okta"):
            limit, window, start = OKTA_LIMIT, OKTA_WINDOW / scale, math.floor(first[bucket])
        else:
            limit, window, start = GRAPH_LIMIT, GRAPH_WINDOW / scale, first[bucket]
        per[bucket] = max(0.0, start + (math.ceil(n / limit) - 1) * window - t0)
    return max(per.values(), default=0.0), per


async def bench(people: int, scale: float, slack_scale: float, db: str) -> None:
    pin(0)
    from sqlalchemy import select

    from bot.cases.models import Case
    from bot.checklist.models import DONE, FAILED, ChecklistItem
    from bot.clock import FakeClock
    from bot.config import Settings, load_org_config
    from standins.cast import Cast
    from wiring.server import start

    cast = Cast()
    with tempfile.TemporaryDirectory(prefix="offboard-layoff-") as tmp:
        log = Path(tmp) / "standins.log"
        standins, urls = await Child.spawn(__file__, log, str(people), str(scale), str(slack_scale))
        pg_name, db_url = (
            pg_database() if db == "postgres" else (None, f"sqlite+aiosqlite:///{tmp}/offboard.db")
        )
        if db == "postgres" and pg_name is None:
            raise SystemExit(f"PostgreSQL not usable: {db_url}")
        config_path = Path(tmp) / "offboard.yml"
        config_path.write_text(json.dumps(cast.config(archive_channel=cast.archive)))
        settings = Settings.from_env(
            {
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": urls["slack"],
                "DATABASE_URL": db_url,
                "OFFBOARD_CONFIG": str(config_path),
                "OKTA_ORG_URL": urls["okta"],
                "OKTA_API_TOKEN": OKTA_TOKEN,
                "GRAPH_BASE_URL": urls["graph"],
                "GRAPH_ACCESS_TOKEN": GRAPH_TOKEN,
                "PORT": "0",
            }
        )
        clock = FakeClock(NOW)
        runner, runtime, _ = await start(
            settings, host="127.0.0.1", config=load_org_config(config_path), clock=clock
        )
        try:
            rows = [f"{p},2026-12-04,employee,voluntary," for p in urls["people"]]
            text = "user,last_day,template,reason,options\n" + "\n".join(rows) + "\n"
            began = time.time()
            plan = await runtime.bulk.check(text, cast.hr)
            checked = time.time()
            await runtime.bulk.start(plan.batch_id, cast.hr)
            opened = time.time()
            await runtime.bulk.settle()
            await runtime.revocation.settle()
            ready = time.time()
            print(f"{people} rows checked in {checked - began:.1f} s; cases opened in {opened - checked:.1f} s;"
                  f" Slack threads and inventories ready {ready - opened:.1f} s later", flush=True)  # fmt: skip
            rest = OKTA_WINDOW / scale  # Graph counts writes only, and none were made before the cutoff
            print(f"waiting {rest:.0f} s for Okta's windows to roll over …", flush=True)
            await asyncio.sleep(rest)

            clock.set(AFTER_CUTOFF)
            t0 = time.time()
            profiler = None
            if os.environ.get("LAYOFF_PROFILE"):  # pyinstrument over the cutoff, to find where time goes
                from pyinstrument import Profiler

                profiler = Profiler(async_mode="enabled")
                profiler.start()
            await runtime.schedule.tick()
            revoked = time.time()
            if profiler is not None:
                profiler.stop()
                text = profiler.output_text(show_all=False)
                await asyncio.to_thread(Path(os.environ["LAYOFF_PROFILE"]).write_text, text)
            await runtime.revocation.settle()
            await runtime.bulk.settle()
            caught_up = time.time()
            report = await standins.ask(f"since {t0}")

            async with runtime.db.sessions() as session:
                items = list(
                    await session.scalars(
                        select(ChecklistItem)
                        .join(Case, Case.id == ChecklistItem.case_id)
                        .where(Case.batch_id == plan.batch_id, ChecklistItem.kind == "revocation")
                    )
                )
            calls: Counter = Counter()
            for item in items:
                system = (item.step or "").split(".", 1)[0]
                for call in (item.result or {}).get("calls", []):
                    if call.get("status") == 429:
                        continue
                    if system == "okta":
                        calls[okta_bucket(call["method"])] += 1
                    elif call["method"] != "GET":
                        calls["graph write"] += 1
            first: dict[str, float] = {}
            writes = []
            for at, method, _path, status in report["okta"]:
                first.setdefault(okta_bucket(method), at)
                if method != "GET" and status and status < 300:
                    writes.append(at)
            for at, method, _path, status in report["graph"]:
                if method != "GET":
                    first.setdefault("graph write", at)
                    if status and status < 300:
                        writes.append(at)
            last = max(writes) - t0 if writes else math.nan
            bound, per = lower_bound(calls, first, t0, scale)
            throttled = sum(s == 429 for *_, s in report["okta"]) + sum(s == 429 for *_, s in report["graph"])
            failed = sum(i.status == FAILED for i in items)
            not_done = sum(i.status != DONE for i in items)
            twice, incomplete = await audit(runtime, plan.batch_id)
            print()
            print("| people | steps | total s (cutoff -> last revocation) | lower bound s | ratio | 429s |"
                  " steps failed | steps run twice | incomplete records |")  # fmt: skip
            print("|---|---|---|---|---|---|---|---|---|")
            print(f"| {people} | {len(items)} | {last:.1f} | {bound:.1f} | {last / bound if bound else math.nan:.3f} |"
                  f" {throttled} | {failed} | {twice} | {incomplete} |")  # fmt: skip
            print()
            print("requests the steps needed, per bucket, and the bound each implies:",
                  {b: f"{n} -> {per[b]:.1f} s" for b, n in calls.items()})  # fmt: skip
            print(f"scale {scale:g}: Okta {OKTA_LIMIT}/{OKTA_WINDOW / scale:g} s per bucket, Graph"
                  f" {GRAPH_LIMIT}/{GRAPH_WINDOW / scale:g} s, Slack tiers per {60 / slack_scale:g} s")  # fmt: skip
            print(f"tick returned {revoked - t0:.1f} s after the cutoff; steps not done: {not_done};"
                  f" Slack caught up {caught_up - t0:.1f} s after the cutoff ({report['slack_calls']} calls,"
                  f" {report['slack_429']} answered 429 and retried)")  # fmt: skip
            print(f"database: {db}; machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        finally:
            await runner.cleanup()
            await runtime.close()
            await standins.quit()
            if pg_name:
                pg_drop(pg_name)
        errors = [ln for ln in log.read_text(errors="replace").splitlines() if ln.startswith("ERROR")]
        print(f"ERROR lines logged by the stand-ins: {len(errors)}", *errors[:5], sep="\n  ")
        print(f"ERROR records logged by the bot: {len(ERRORS)}", *sorted(set(ERRORS))[:5], sep="\n  ")


ERRORS: list[str] = []


class _CountErrors(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        ERRORS.append(f"{record.name}: {record.getMessage()[:120]}")


async def audit(runtime, batch_id: int) -> tuple[int, int]:
    """Steps recorded done more than once; cases whose chain is broken or misses the cutoff or a step."""
    from sqlalchemy import select

    from bot.cases.models import Case

    async with runtime.db.sessions() as session:
        cases = list(await session.scalars(select(Case).where(Case.batch_id == batch_id)))
    twice = incomplete = 0
    for case in cases:
        events = await runtime.evidence.events(case.id)
        done = Counter(json.loads(e.data)["item"] for e in events if e.kind == "step.done")
        twice += sum(n - 1 for n in done.values() if n > 1)
        steps = {i.key for i in await runtime.cases.items(case.id) if i.kind == "revocation"}
        complete = (
            any(e.kind == "cutoff" for e in events)
            and set(done) == steps
            and (await runtime.evidence.verify(case.id))[case.id] == []
        )
        incomplete += not complete
    return twice, incomplete


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child_main(sys.argv[2:])
    else:
        parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
        parser.add_argument("--people", type=int, default=500)
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Okta's and Graph's windows this many times shorter"
        )
        parser.add_argument(
            "--slack-scale", type=float, default=30.0, help="Slack's tier windows this many times shorter"
        )
        parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
        args = parser.parse_args()
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        logging.getLogger().addHandler(_CountErrors(level=logging.ERROR))
        asyncio.run(bench(args.people, args.scale, args.slack_scale, args.db))
