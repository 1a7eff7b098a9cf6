"""One shared, adaptive pacer per identity system, so hundreds of cases revoked at one cutoff stay
within the vendor's rate limits together instead of each request finding out alone.

    async with pacer.slot("write") as ticket:   # around each HTTP attempt
        response = await send()
        ticket.observe(response.status, lower_case_headers)

- Concurrency: at most `max_concurrency` attempts in flight, all buckets together. A 429 drops the
  window to 1; each answer that is not a 429 adds 1 back up to the maximum (slow start: the window
  doubles every round trip), so after a pause the whole herd does not hit 429 again at once.
- Budget (Okta's X-Rate-Limit-Limit/Remaining/Reset), per bucket and window: the smallest Remaining
  answered is what was left after the last request the server counted; any request it counted
  later is still unanswered (or got no answer). So at least that Remaining, less the requests in
  flight and those lost without an answer, is left: exact when answers come in order, never too
  much when they come out of order. With none left the bucket waits for its answers in flight
  (they refine the estimate) or, with none, until Reset, and then assumes Limit again. Reset is
  read on the server's clock: skew = max over recent answers of (Date - local time at receipt),
  never ahead of the server, so nothing is sent before the window really ended, and no fixed +1 s.
  A bucket not heard from yet sends one request first, to learn its budget.
- A 429 closes the bucket's gate for everyone: until X-Rate-Limit-Reset (Okta) or Retry-After
  (Graph); Okta's concurrency 429 (limit 0) and a 429 without either only for BRIEF seconds.
- Priority: requests made inside `with low_priority():` (inventory and verification reads) wait
  while any normal request waits on the same pacer, so revocations go first.

Pure asyncio, one event loop at a time; each replica paces itself (another consumer of the same
budget shows as a 429, which the gate then handles).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

log = logging.getLogger(__name__)

BRIEF = 0.25  # seconds: pause after a 429 that names no reset (concurrency 429, bare 429)
SKEW_MEMORY = 300.0  # seconds a Date sample counts: long enough to keep the best, short against drift
_low: contextvars.ContextVar[bool] = contextvars.ContextVar("pacer_low_priority", default=False)


@contextmanager
def low_priority() -> Iterator[None]:
    """Requests made inside wait while any normal-priority request waits on the same pacer."""
    token = _low.set(True)
    try:
        yield
    finally:
        _low.reset(token)


@dataclass
class _Bucket:
    seq: int = 0  # requests sent in this bucket, ever
    flying: set[int] = field(default_factory=set)  # their numbers, sent and not answered
    metered: bool | None = None  # None: no answer yet; False: answers carry no rate headers
    limit: int = 0
    latest: float = -math.inf  # the newest Reset seen: answers naming an older one are stale
    reset: float | None = None  # when the current window ends (server epoch); None: not known yet
    left: int = 0  # the window's smallest Remaining answered (Limit after a reset)
    lost: int = 0  # requests of this window that got no answer: maybe counted
    gate: float = -math.inf  # server epoch before which nothing is sent (after a 429)

    def allows(self) -> int:
        return self.left - len(self.flying) - self.lost


@dataclass
class _Waiter:
    bucket: str
    low: bool
    since: float
    future: asyncio.Future[Ticket]


class Ticket:
    """One HTTP attempt holding a slot; tell it the answer with observe()."""

    def __init__(self, pacer: Pacer, bucket: str, seq: int) -> None:
        self._pacer, self.bucket, self.seq = pacer, bucket, seq
        self.status: int | None = None

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """status and the answer's headers (lower-case names)."""
        if self.status is None:
            self.status = status
            self._pacer._observe(self, status, headers)


class Pacer:
    def __init__(self, name: str, *, max_concurrency: int, clock: Callable[[], float] = time.time) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.name = name
        self.max_concurrency = max_concurrency
        self.window = max_concurrency  # attempts allowed in flight now (slow start after a 429)
        self.throttled = 0  # 429s seen
        self.waited = 0.0  # seconds spent waiting for a slot, all requests together
        self.sent = 0
        self.in_flight = 0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._normal: list[_Waiter] = []
        self._low: list[_Waiter] = []
        self._skews: deque[tuple[float, float]] = deque()  # (local time, sample), samples decreasing
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf
        self._timer_loop: asyncio.AbstractEventLoop | None = None

    # -- public -----------------------------------------------------------------------------------
    @asynccontextmanager
    async def slot(self, bucket: str) -> AsyncIterator[Ticket]:
        ticket = await self._acquire(bucket)
        try:
            yield ticket
        finally:
            self._release(ticket)

    def stats(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sent": self.sent,
            "throttled": self.throttled,
            "waited_s": round(self.waited, 3),
            "in_flight": self.in_flight,
            "window": self.window,
            "queued": len(self._normal) + len(self._low),
        }

    def server_now(self) -> float:
        """Our best guess of the server's clock, never ahead of it (Date has whole seconds)."""
        now = self._clock()
        while self._skews and self._skews[0][0] < now - SKEW_MEMORY:
            self._skews.popleft()
        return now + (self._skews[0][1] if self._skews else 0.0)

    def remaining(self, bucket: str) -> float:
        """Requests the bucket's current window still allows, as far as we know (inf: no limit known)."""
        b = self._buckets.get(bucket)
        if b is None or not b.metered:
            return math.inf
        self._roll(b, self.server_now())
        return max(0, b.allows())

    # -- slots ------------------------------------------------------------------------------------
    async def _acquire(self, bucket: str) -> Ticket:
        future: asyncio.Future[Ticket] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(bucket, _low.get(), self._clock(), future)
        (self._low if waiter.low else self._normal).append(waiter)
        self._pump()
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release(future.result())  # granted just as we were cancelled
            else:
                for queue in (self._normal, self._low):
                    if waiter in queue:
                        queue.remove(waiter)
                self._pump()
            raise

    def _release(self, ticket: Ticket) -> None:
        self.in_flight -= 1
        b = self._bucket(ticket.bucket)
        if ticket.seq in b.flying:  # no answer (refused, timed out): the server may have counted it
            b.flying.discard(ticket.seq)
            b.lost += 1
        self._pump()

    def _bucket(self, name: str) -> _Bucket:
        return self._buckets.setdefault(name, _Bucket())

    def _pump(self) -> None:
        """Grant waiting requests what the window, gates and budgets allow, oldest first per bucket."""
        if self.in_flight >= self.window:
            return
        now = self.server_now()
        wake = math.inf
        blocked: set[str] = set()
        for queue in (self._normal, self._low):
            if queue is self._low and self._normal:
                break  # low priority waits while any normal request waits
            kept: list[_Waiter] = []
            for w in queue:
                if w.future.done():
                    continue  # cancelled while waiting: _acquire is taking it out
                if self.in_flight >= self.window or w.bucket in blocked:
                    kept.append(w)
                    continue
                ok, until = self._admits(self._bucket(w.bucket), now)
                if not ok:
                    blocked.add(w.bucket)
                    wake = min(wake, until if until is not None else math.inf)
                    kept.append(w)
                    continue
                self._grant(w)
            queue[:] = kept
        self._schedule(wake)

    def _admits(self, b: _Bucket, now: float) -> tuple[bool, float | None]:
        """May one more request of this bucket go now; else when to look again (None: on an answer)."""
        if now < b.gate:
            return False, b.gate
        if b.metered is None:
            return not b.flying, None  # one request first, to learn the budget
        if not b.metered:
            return True, None
        self._roll(b, now)
        if b.allows() > 0:
            return True, None
        if b.flying:
            return False, b.reset  # their answers refine the estimate; the window may also end first
        if b.reset is None:
            return True, None  # nothing in flight and no window known: one request to learn it
        return False, b.reset

    @staticmethod
    def _roll(b: _Bucket, now: float) -> None:
        if b.reset is not None and now >= b.reset:
            # A new window allows `limit` again; requests still in flight may count in it.
            b.reset, b.left, b.lost = None, b.limit, 0

    def _grant(self, w: _Waiter) -> None:
        b = self._bucket(w.bucket)
        b.seq += 1
        b.flying.add(b.seq)
        self.in_flight += 1
        self.sent += 1
        self.waited += max(0.0, self._clock() - w.since)
        w.future.set_result(Ticket(self, w.bucket, b.seq))

    def _schedule(self, wake: float) -> None:
        """One timer for the earliest gate or reset that holds a waiter back (server epoch)."""
        if wake == math.inf or not (self._normal or self._low):
            return
        loop = asyncio.get_running_loop()
        if self._timer is not None and self._timer_at <= wake and self._timer_loop is loop:
            return
        if self._timer is not None:
            self._timer.cancel()
        delay = max(wake - self.server_now(), 0.001)
        self._timer_at, self._timer_loop = wake, loop
        self._timer = loop.call_later(delay, self._on_timer)

    def _on_timer(self) -> None:
        self._timer, self._timer_at = None, math.inf
        self._pump()

    # -- answers ----------------------------------------------------------------------------------
    def _observe(self, ticket: Ticket, status: int, headers: Mapping[str, str]) -> None:
        received = self._clock()
        b = self._bucket(ticket.bucket)
        b.flying.discard(ticket.seq)
        date = _date(headers.get("date"))
        if date is not None:  # a sliding maximum: a sample below a newer one can never be the max
            sample = date - received
            while self._skews and self._skews[-1][1] <= sample:
                self._skews.pop()
            self._skews.append((received, sample))
        now = self.server_now()
        rate = _rate_headers(headers)
        retry_after = _number(headers.get("retry-after"))
        if status == 429:
            self.throttled += 1
            self.window = 1
            if retry_after is not None:
                until = now + retry_after
            elif rate is not None and rate[0] > 0:
                limit, _, reset = rate
                until = max(reset, now + BRIEF)
                b.metered, b.limit = True, limit
                if reset > b.latest or (reset == b.latest and b.reset is not None):
                    b.latest = b.reset = reset
                    b.left = b.lost = 0  # the window is spent, whoever spent it
            else:
                until = now + BRIEF  # a concurrency 429 (limit 0), or one that names no time
            b.gate = max(b.gate, until)
            log.debug("%s pacer: 429 on %s, gate closed for %.2f s", self.name, ticket.bucket, until - now)
        else:
            self.window = min(self.max_concurrency, self.window + 1)
            if status == 503 and retry_after is not None:
                b.gate = max(b.gate, now + retry_after)
            if rate is not None and rate[0] > 0:
                self._budget(b, *rate)
            elif rate is None and b.metered is None:
                b.metered = False
        self._pump()

    @staticmethod
    def _budget(b: _Bucket, limit: int, remaining: int, reset: float) -> None:
        if reset < b.latest or (reset == b.latest and b.reset is None):
            return  # an answer from a window that has ended
        if reset > b.latest:
            b.latest = b.reset = reset
            b.metered, b.limit, b.left, b.lost = True, limit, remaining, 0
        else:
            b.left = min(b.left, remaining)


def _rate_headers(headers: Mapping[str, str]) -> tuple[int, int, float] | None:
    limit, remaining, reset = (
        _number(headers.get(f"x-rate-limit-{k}")) for k in ("limit", "remaining", "reset")
    )
    if limit is None or remaining is None or reset is None:
        return None
    return int(limit), int(remaining), reset


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.split(",")[0])
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
