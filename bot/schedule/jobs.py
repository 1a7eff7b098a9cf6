"""The one function APScheduler's persistent job store names in its rows.

A persisted job must refer to an importable function; the scheduler that is running in this process
registers itself here so that function can reach it. Only the leader replica registers.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)
_active: dict[str, Any] = {}


def register(scheduler: Any) -> None:
    _active["leader"] = scheduler


def unregister(scheduler: Any) -> None:
    if _active.get("leader") is scheduler:
        _active.pop("leader", None)


async def fire(kind: str, case_id: int) -> None:
    scheduler = _active.get("leader")
    if scheduler is None:
        log.warning("job %s for case %s fired with no scheduler running here", kind, case_id)
        return
    await scheduler.fire(kind, case_id)
