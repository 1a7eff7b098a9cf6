"""What every stand-in shares: a loopback aiohttp server, a journal of requests, injectable faults."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Recorded:
    """One request as the stand-in received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any  # parsed JSON, form dict, or None
    status: int = 0  # filled in once answered
    at: float = field(default_factory=time.time)  # when it arrived (benchmarks time the last write)


@dataclass
class Fault:
    """An answer to give instead of the normal one, for requests whose 'METHOD path' matches."""

    pattern: re.Pattern[str]
    status: int
    times: int = 1  # how many matching requests get it; -1 = forever
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # None: the stand-in renders its vendor's error body for `status`
    delay: float = 0.0


class StandIn:
    """Base class: subclasses add routes in `routes(app)` and render vendor error bodies."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._faults: list[Fault] = []
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.port = 0

    # -- to be provided by subclasses -------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def error_response(self, status: int, fault: Fault) -> web.Response:
        raise NotImplementedError

    def base_path(self) -> str:
        """Path prefix appended to the server address to form `self.url`."""
        return ""

    # -- faults ---------------------------------------------------------------------------
    def inject(
        self,
        match: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
        delay: float = 0.0,
    ) -> Fault:
        """Make the next `times` requests whose 'METHOD /path' matches the regex `match` fail."""
        fault = Fault(re.compile(match), status, times, dict(headers or {}), body, delay)
        self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self._faults.clear()

    def take_fault(self, method: str, path: str) -> Fault | None:
        key = f"{method} {path}"
        for fault in self._faults:
            if fault.times != 0 and fault.pattern.search(key):
                if fault.times > 0:
                    fault.times -= 1
                return fault
        return None

    # -- journal --------------------------------------------------------------------------
    def calls(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        """Recorded requests, filtered by HTTP method and/or a regex searched in the path."""
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (path is None or re.search(path, r.path))
        ]

    # -- server ---------------------------------------------------------------------------
    @web.middleware
    async def _fault_middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        fault = self.take_fault(request.method, request.path)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status:
                return self.error_response(fault.status, fault)
        return await handler(request)

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._fault_middleware])
        self.routes(app)
        return app

    async def start(self, port: int = 0) -> str:
        self._runner = web.AppRunner(self.make_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{self.port}{self.base_path()}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> StandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
