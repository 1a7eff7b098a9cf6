"""`offboard-bot verify` and `export`."""

from __future__ import annotations

import sys

from bot.clock import SystemClock
from bot.config import Settings
from bot.db import Database
from bot.evidence.export import render_export
from bot.evidence.service import Evidence
from wiring.progress import bar


async def verify(settings: Settings, case_id: int | None) -> int:
    db = Database(settings.database_url)
    try:
        results = await Evidence(db, SystemClock()).verify(case_id, track=bar("verify"))
    finally:
        await db.dispose()
    bad = 0
    for cid, problems in sorted(results.items()):
        if problems:
            bad += 1
            for problem in problems:
                print(f"BROKEN {problem}")
        else:
            print(f"ok     case {cid}: chain intact")
    return 1 if bad else 0


async def export(settings: Settings, case_id: int, fmt: str) -> int:
    db = Database(settings.database_url)
    try:
        text = await render_export(db, case_id, fmt)
    finally:
        await db.dispose()
    sys.stdout.write(text)
    return 0
