"""`offboard-bot bulk FILE.csv --by U…`: check a batch on the server, then start it.

The serving bot's scheduler picks up the cutoffs (its minute tick plans jobs for cases another
process opened); involuntary exits are revoked by this process before it exits.
"""

from __future__ import annotations

import asyncio
import sys
from operator import attrgetter
from pathlib import Path

from bot.bulk.rows import BatchInvalid
from bot.config import Settings
from bot.errors import DomainError
from wiring.progress import watch


async def bulk(settings: Settings, path: str, actor: str, *, check_only: bool = False) -> int:
    from bot import migrate
    from wiring.runtime import build_runtime

    try:
        text = await asyncio.to_thread(Path(path).read_text, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        print(f"offboard-bot: cannot read {path}: {e}", file=sys.stderr)
        return 2
    settings.require_slack()
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    runtime = await build_runtime(settings)
    assert runtime.bulk is not None
    try:
        try:
            plan = await runtime.bulk.check(text, actor)
        except BatchInvalid as e:
            for error in e.errors:
                print(f"{path}: {error}", file=sys.stderr)
            print(f"offboard-bot: {e.message}", file=sys.stderr)
            return 1
        except DomainError as e:  # not allowed, or the batch was started meanwhile
            print(f"offboard-bot: {e.message}", file=sys.stderr)
            return 1
        print(f"{len(plan.rows)} rows valid ({plan.involuntary} involuntary); batch {plan.batch_id} checked")
        if check_only:
            return 0
        try:
            cases = await runtime.bulk.start(plan.batch_id, actor)
        except DomainError as e:
            print(f"offboard-bot: {e.message}", file=sys.stderr)
            return 1
        print(
            f"batch {plan.batch_id} started: {len(cases)} offboardings open; setting up Slack …", flush=True
        )
        await watch(
            runtime.bulk.settle(),
            len(cases),
            lambda: runtime.bulk.summary(plan.batch_id),
            attrgetter("rooms_ready"),
            "Slack rooms",
        )
        if runtime.revocation is not None:
            await runtime.revocation.settle()
        summary = await runtime.bulk.refresh_summary(plan.batch_id)
        print(
            f"batch {plan.batch_id}: channel #{summary.batch.channel_name}, threads {summary.rooms_ready}/"
            f"{summary.size}, revoked {summary.revoked}, pending {summary.pending}, failed {summary.failed}"
        )
        return 0
    finally:
        await runtime.close()
