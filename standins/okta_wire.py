"""Okta's wire format shared by the Okta stand-in's modules: error bodies and the rate-limit window."""

from __future__ import annotations

import math
from dataclasses import dataclass

from aiohttp import web

from standins.okta_state import okta_id

# Default error codes/summaries per status for injected faults (Okta's published error codes).
_ERRORS = {
    400: ("E0000001", "Api validation failed"),
    401: ("E0000011", "Invalid token provided"),
    403: ("E0000006", "You do not have permission to perform the requested action"),
    404: ("E0000007", "Not found: Resource not found: {id} (User)"),
    405: ("E0000022", "The endpoint does not support the provided HTTP method"),
    429: ("E0000047", "API call exceeded rate limit due to too many requests."),
    500: ("E0000009", "Internal Server Error"),
    503: ("E0000010", "Service is temporarily unavailable"),
}


def okta_error(status: int, code: str, summary: str, *causes: str, headers: dict[str, str] | None = None):
    body = {
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": okta_id("oae"),
        "errorCauses": [{"errorSummary": c} for c in causes],
    }
    return web.json_response(body, status=status, headers=headers)


def _not_found(thing_id: str, kind: str = "User") -> web.Response:
    return okta_error(404, "E0000007", f"Not found: Resource not found: {thing_id} ({kind})")


@dataclass
class _Bucket:
    """A fixed rate-limit window, as Okta's X-Rate-Limit-Reset describes it."""

    start: float = -math.inf
    used: int = 0

    def roll(self, now: float, window: float) -> None:
        if now >= self.start + window:
            # On a whole second, so the integer X-Rate-Limit-Reset is exactly when the window ends
            # (a window shorter than what floor() takes off starts at `now`).
            start = math.floor(now)
            self.start, self.used = (start if now < start + window else now), 0
