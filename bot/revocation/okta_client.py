"""okta SDK 3.x plumbing for OktaSystem: building the API object narrowly, recording each HTTP
exchange, retrying, and normalising every outcome into one `OktaReply`.

The SDK is imported inside `_build`, and only the seven API modules used: measured 0.25-0.3 s and
+34 MB over aiohttp, against 1.1-1.6 s and +80 MB for `okta.client`, which imports all 100+ API
modules (Client inherits from every one of them).

The SDK answers in several shapes: 3-tuples on success, 2-tuples `(response, OktaAPIError)` on
API errors of `Success`/`None` operations, 3-tuples `(None, response, error)` on others,
`(None, resp, None)` with an error status when the body is empty, AttributeError when it got no
answer (refused, timeout) or a 429/503/504 without Date and X-Rate-Limit-Reset, and pydantic
errors when its models reject a body, JSONDecodeError on an empty JSON error body. `call` ignores
all of that and reads what went over the wire.

Every HTTP attempt, the SDK's own retries included, waits for a slot of the client's Pacer, in one of
two buckets mirroring Okta's user read and write limits: "read" for GET, "write" for the rest. So
one 429 holds back every call of the process until the window resets, not just the one that got it.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bot.revocation.contract import CallRecord
from bot.revocation.pacing import Pacer
from bot.revocation.retry import DEFAULT, Attempt, RetryPolicy

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
HTTPS_CHECK_ENV = "OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"
API_MODULES = (
    ("okta.api.user_api", "UserApi"),
    ("okta.api.user_lifecycle_api", "UserLifecycleApi"),
    ("okta.api.user_sessions_api", "UserSessionsApi"),
    ("okta.api.user_grant_api", "UserGrantApi"),
    ("okta.api.user_factor_api", "UserFactorApi"),
    ("okta.api.user_resources_api", "UserResourcesApi"),
    ("okta.api.group_api", "GroupApi"),
)
# The exchanges of the call in progress; the recording HTTP client appends to it.
_wire: contextvars.ContextVar[list[Exchange] | None] = contextvars.ContextVar("okta_wire", default=None)


@dataclass
class Exchange:
    """One HTTP request the SDK sent, as the recording client saw it."""

    method: str
    url: str
    status: int | None  # None: no answer (refused, timeout)
    headers: dict[str, str]  # lower-case names
    body: str | None
    error: BaseException | None

    def record(self) -> CallRecord:
        parts = urlsplit(self.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return CallRecord(self.method, path, self.status, self.headers.get("x-okta-request-id"))


@dataclass
class OktaReply:
    """One logical call after all retries, normalised."""

    ok: bool
    status: int | None = None
    data: Any = None  # the parsed JSON body
    words: str = ""  # why it failed, in plain words
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def records(self) -> list[CallRecord]:
        return [e.record() for e in self.exchanges]


class OktaClient:
    def __init__(
        self,
        org_url: str,
        token: str,
        *,
        retry: RetryPolicy = DEFAULT,
        timeout: float = 30.0,
        max_concurrency: int = 50,
        max_retries: int | None = None,
        backoff: float | None = None,
        backoff_cap: float | None = None,
        attempts: int | None = None,
        max_rate_wait: float | None = None,
    ) -> None:
        """retry: the shared RetryPolicy (bot/revocation/retry.py); max_retries (the SDK's own 429
        retries), backoff, backoff_cap, attempts and max_rate_wait tune single fields of it.
        max_concurrency: HTTP requests in flight at once, under Okta's 75 per org."""
        parts = urlsplit(org_url)
        self.loopback = parts.hostname in LOOPBACK
        if parts.scheme != "https" and not (parts.scheme == "http" and self.loopback):
            raise ValueError(f"Okta org URL must be https:// (http only on this machine): {org_url!r}")
        self.org_url, self._token = org_url.rstrip("/"), token
        self.timeout = timeout
        self.retry = retry.tuned(
            sdk_retries=max_retries,
            backoff=backoff,
            backoff_cap=backoff_cap,
            attempts=attempts,
            rate_wait=max_rate_wait,
        )
        self.pacer = Pacer("okta", max_concurrency=max_concurrency)
        self._sdk: Any = None
        self._session: Any = None

    @property
    def max_rate_wait(self) -> float:
        return self.retry.rate_wait

    @max_rate_wait.setter
    def max_rate_wait(self, seconds: float) -> None:
        self.retry = self.retry.tuned(rate_wait=seconds)

    def _build(self) -> Any:
        import importlib

        import aiohttp
        from okta.cache.no_op_cache import NoOpCache
        from okta.config.config_setter import ConfigSetter
        from okta.config.config_validator import ConfigValidator
        from okta.constants import LOGGER_NAME
        from okta.http_client import HTTPClient
        from okta.request_executor import RequestExecutor

        mine = {
            "orgUrl": self.org_url,
            "token": self._token,
            "authorizationMode": "SSWS",
            "rateLimit": {"maxRetries": self.retry.sdk_retries},
            "requestTimeout": self.timeout,
        }
        previous = os.environ.get(HTTPS_CHECK_ENV)
        if self.loopback:  # the SDK's only switch for http; set just while it reads its configuration
            os.environ[HTTPS_CHECK_ENV] = "true"
        try:
            setter = ConfigSetter()  # as okta.client.Client: defaults, env, okta.yaml, then ours on top
            setter._apply_config({"client": mine})
            config = setter._prune_config(setter.get_config())
            ConfigValidator(config)
        finally:
            if self.loopback and previous is None:
                os.environ.pop(HTTPS_CHECK_ENV, None)
            elif self.loopback:
                os.environ[HTTPS_CHECK_ENV] = previous  # type: ignore[assignment]
        logging.getLogger(LOGGER_NAME).disabled = not config["client"]["logging"]["enabled"]
        bases = tuple(getattr(importlib.import_module(m), c) for m, c in API_MODULES)
        sdk = type("OktaOffboardingApi", bases, {})(config)  # Client is built the same way, from all APIs
        sdk._request_executor = RequestExecutor(config, NoOpCache(), _recording(HTTPClient, self.pacer))
        self._session = aiohttp.ClientSession()
        sdk._request_executor.set_session(self._session)
        return sdk

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._session = self._sdk = None

    async def call(self, operation: str, *args: Any, **kwargs: Any) -> OktaReply:
        """Run one SDK operation under the retry policy; never raise."""
        if self._sdk is None:
            self._sdk = self._build()
        exchanges: list[Exchange] = []
        reply = OktaReply(False)

        async def once() -> Attempt:
            nonlocal reply
            sink: list[Exchange] = []
            token = _wire.set(sink)
            error: Exception | None = None
            try:
                await getattr(self._sdk, operation)(*args, **kwargs)
            except Exception as exc:
                error = exc
            finally:
                _wire.reset(token)
            exchanges.extend(sink)
            reply = normalise(sink[-1] if sink else None, error)
            if not sink:  # the SDK failed before sending: nothing to try again
                return Attempt(False, None, final=True)
            last = sink[-1]
            return Attempt(reply.ok, reply.status, rate_limited(last), sent=last.error is None)

        await self.retry.run(once)
        if not reply.ok and len(exchanges) > 1:
            reply.words += f" (after {len(exchanges)} tries)"
        reply.exchanges = exchanges
        return reply


def rate_limited(last: Exchange) -> bool:
    """A 429 with Okta's rate headers (a rate or concurrency limit); a bare one may be anything."""
    return last.status == 429 and "x-rate-limit-reset" in last.headers


def normalise(last: Exchange | None, error: Exception | None) -> OktaReply:
    """The last exchange decides: 2xx is success whatever the SDK returned; otherwise Okta's words."""
    if last is None:
        return OktaReply(False, words=f"the Okta SDK failed before sending anything: {error!r}")
    if last.status is None:
        if isinstance(last.error, asyncio.TimeoutError):
            return OktaReply(False, words="Okta did not answer in time")
        return OktaReply(False, words=f"Okta could not be reached ({last.error or error})")
    try:
        data = json.loads(last.body) if last.body else None
    except ValueError:
        data = last.body
    if 200 <= last.status < 300:
        return OktaReply(True, last.status, data)
    if isinstance(data, dict) and data.get("errorCode"):
        causes = [c.get("errorSummary", "") for c in data.get("errorCauses") or [] if isinstance(c, dict)]
        words = f"Okta said {last.status} {data['errorCode']}: {data.get('errorSummary', '')}"
        words += f" ({'; '.join(causes)})" if causes else ""
    else:
        words = f"Okta answered HTTP {last.status}"
    return OktaReply(False, last.status, data, words)


def _recording(base: type, pacer: Pacer) -> type:
    class RecordingHTTPClient(base):  # type: ignore[misc, valid-type]
        async def send_request(self, request: dict[str, Any]) -> Any:
            bucket = "read" if request["method"].upper() == "GET" else "write"
            async with pacer.slot(bucket) as ticket:
                result = await super().send_request(request)
                _, response, body, error = result
                status = response.status if response is not None else None
                headers = _headers(response) if response is not None else {}
                if status is not None:
                    ticket.observe(status, headers)
            sink = _wire.get()
            if sink is not None:
                sink.append(Exchange(request["method"], request["url"], status, headers, body, error))
            return result

    return RecordingHTTPClient


def _headers(response: Any) -> dict[str, str]:
    """Lower-case names; of repeated X-Rate-Limit-* headers the smallest, as the SDK reads them."""
    headers = {k.lower(): v for k, v in response.headers.items()}
    for name in ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"):
        values = response.headers.getall(name, []) if hasattr(response.headers, "getall") else []
        if len(values) > 1:
            try:
                headers[name] = min(values, key=float)
            except ValueError:
                pass
    return headers
