"""The one retry policy of the identity systems (Okta and Microsoft Graph): what is tried again, how
often and after how long. okta_client and graph_client both run their calls through `RetryPolicy.run`.

Three kinds of unsuccessful answer:
- throttled: a 429 that says when to come back (Okta `X-Rate-Limit-Reset`, Graph `Retry-After`). Not a
  failure but a queue: the system's Pacer closes its gate until then, so the call is sent again with no
  backoff of its own and no attempt used, until `rate_wait` seconds have passed since it began.
  (Okta: developer.okta.com/docs/reference/rl-best-practices; Graph: learn.microsoft.com/graph/throttling.)
- transient: no answer (refused, timeout, dropped), 408, 500, 502, 503, 504, or a 429 that names no
  time. Sent again after capped exponential backoff with jitter, `attempts` tries in all. A call that is
  not idempotent is sent again only when the first try cannot have been acted on (never sent, or 429).
- permanent: every other status (400, 401, 403, 404, 409…): never sent again.

The SDKs' own handlers sit below this loop, configured from the same policy: the okta SDK's
`rateLimit.maxRetries` (429 with rate headers) and kiota's RetryHandler (429/503/504 honouring
Retry-After) both get `sdk_retries`, and kiota's backoff factor is `backoff`.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class Kind(Enum):
    DONE = "done"  # success, or an answer that is final (permanent error)
    THROTTLED = "throttled"
    TRANSIENT = "transient"


@dataclass(frozen=True)
class Attempt:
    """One try of a call as the retry loop needs to see it."""

    ok: bool
    status: int | None  # None: no HTTP answer
    names_wait: bool = False  # a 429 saying when to come back (Retry-After / X-Rate-Limit-Reset)
    sent: bool = True  # False: the request never left (connection refused)
    final: bool = False  # nothing worth another try whatever the status (e.g. a bug before sending)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # tries of one call against transient trouble, the first included
    backoff: float = 0.5  # seconds before the 2nd try; doubles each try
    backoff_cap: float = 8.0
    rate_wait: float = 900.0  # seconds one call may keep waiting out throttling
    sdk_retries: int = 2  # the SDKs' own retries of throttling below each attempt

    def tuned(self, **changes: Any) -> RetryPolicy:
        """This policy with the given fields changed (None values ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @staticmethod
    def kind(attempt: Attempt) -> Kind:
        if attempt.ok or attempt.final:
            return Kind.DONE
        if attempt.status == 429 and attempt.names_wait:
            return Kind.THROTTLED
        if attempt.status is None or attempt.status in TRANSIENT_STATUSES:
            return Kind.TRANSIENT
        return Kind.DONE

    def delay(self, retry: int) -> float:
        """Seconds before retry number `retry` (0-based): capped exponential, 80-100 % jitter."""
        return min(self.backoff_cap, self.backoff * 2**retry) * random.uniform(0.8, 1.0)

    async def run(self, once: Callable[[], Awaitable[Attempt]], *, idempotent: bool = True) -> int:
        """Call `once` until it succeeds, fails for good, or the policy says stop; the tries made."""
        tries, retries, started = 0, 0, time.monotonic()
        while True:
            attempt = await once()
            tries += 1
            kind = self.kind(attempt)
            if kind is Kind.DONE:
                return tries
            if kind is Kind.THROTTLED:
                if time.monotonic() - started < self.rate_wait:
                    continue  # the pacer holds the next try until the named time
                return tries
            acted_on = attempt.sent and attempt.status != 429
            if retries + 1 >= self.attempts or (acted_on and not idempotent):
                return tries
            await asyncio.sleep(self.delay(retries))
            retries += 1


DEFAULT = RetryPolicy()
