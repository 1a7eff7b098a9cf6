"""The one runner for work that goes on after the request (or job) that started it.

A failure is never lost: it is logged with its traceback, recorded on its case as a `work.failed`
event, and shown in the case (with a call to security), so the person who started it sees it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from bot.errors import DomainError
from bot.evidence.service import BOT
from bot.notices import WorkFailed

if TYPE_CHECKING:
    from bot.cases.service import CaseService
    from bot.evidence.service import Evidence
    from bot.ports import Workspace

log = logging.getLogger(__name__)


class Background:
    def __init__(self, cases: CaseService, evidence: Evidence, workspace: Workspace) -> None:
        self.cases = cases
        self.evidence = evidence
        self.workspace = workspace
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Coroutine[Any, Any, Any], what: str, case_id: int | None = None) -> None:
        """Run `work` now, in the background; its failure is reported (see `run`)."""
        task = asyncio.create_task(self.run(work, what, case_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self, work: Coroutine[Any, Any, Any], what: str, case_id: int | None = None) -> Any:
        """Await `work`; on failure log, record and show it, and return None instead of raising."""
        try:
            return await work
        except asyncio.CancelledError:
            raise
        except Exception as error:
            await self.failed(error, what, case_id)
            return None

    async def failed(self, error: Exception, what: str, case_id: int | None) -> None:
        # Exception text can carry request data: the log has the traceback, the case only the kind.
        log.error("%s failed (case %s): %s", what, case_id, type(error).__name__, exc_info=error)
        if case_id is None:
            return
        summary = error.message if isinstance(error, DomainError) else type(error).__name__
        try:
            await self.evidence.record(case_id, "work.failed", BOT, what=what, error=summary)
            await self.workspace.notify(await self.cases.get(case_id), WorkFailed(what, summary))
        except Exception as e:  # the database or Slack is down too: the log above still has it
            log.error("could not report the failure of %s on case %s: %s", what, case_id, type(e).__name__)

    async def settle(self) -> None:
        """Wait for everything running in the background (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
