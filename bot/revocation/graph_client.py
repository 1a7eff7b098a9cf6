"""msgraph-sdk plumbing for GraphSystem: building the client, recording each HTTP call, normalising errors.

msgraph, kiota and httpx are imported inside the functions: importing msgraph costs about 0.4 s, and
processes that never talk to Graph should not pay it.

Every HTTP attempt, each retry of the SDK's RetryHandler included, waits for a slot of the system's
Pacer ("read" for GET, "write" for the rest: Graph's identity write limit is the one layoff day
meets), so a 429's Retry-After holds back every request of the process, not just the one that got it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from bot.revocation.contract import CallRecord, PlannedCall
from bot.revocation.pacing import Pacer
from bot.revocation.retry import Attempt, RetryPolicy

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
# The calls of the step being run; the recorder middleware appends one record per HTTP attempt.
CALLS: contextvars.ContextVar[list[CallRecord] | None] = contextvars.ContextVar("graph_calls", default=None)
T = TypeVar("T")


class GraphFailure(Exception):
    """One Graph call that failed for good, in the words the thread shows."""

    def __init__(
        self,
        status: int | None,
        code: str,
        message: str,
        *,
        network: bool = False,
        sent: bool = True,
        names_wait: bool = False,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.network = network  # no HTTP answer: refused, timed out, dropped
        self.sent = sent  # False: the request never left (connection refused), safe to resend
        self.names_wait = names_wait  # a 429 with Retry-After: the pacer waits it out

    def words(self) -> str:
        if self.network:
            return f"Graph could not be reached ({self.code}): {self.message}"
        if self.status is None:
            return f"The Graph call failed ({self.code}): {self.message}"
        return f"Graph said {self.status} {self.code}: {self.message}"


def failure_from(exc: BaseException) -> GraphFailure:
    """The one place where the SDK's exceptions (ODataError, APIError, httpx, azure-identity) become words."""
    if isinstance(exc, GraphFailure):
        return exc
    import httpx
    from kiota_abstractions.api_error import APIError
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

    if isinstance(exc, APIError):  # ODataError is an APIError that carries Graph's error body
        status = exc.response_status_code
        err = exc.error if isinstance(exc, ODataError) else None
        code = (err.code if err else None) or _reason(status)
        message = (err.message if err else None) or "the answer had no error details"
        headers = exc.response_headers or {}
        names_wait = any(str(k).lower() == "retry-after" for k in headers)
        return GraphFailure(status, code, message, names_wait=names_wait)
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return GraphFailure(None, "connection refused or no route", detail, network=True, sent=False)
    if isinstance(exc, httpx.TimeoutException):
        return GraphFailure(None, "timeout", detail, network=True)
    if isinstance(exc, httpx.TransportError):
        return GraphFailure(None, "network error", detail, network=True)
    return GraphFailure(None, type(exc).__name__, detail)  # e.g. azure-identity could not get a token


def _reason(status: int | None) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status or 0).phrase
    except ValueError:
        return "error"


async def call_with_retries(
    send: Callable[[], Awaitable[T]], *, policy: RetryPolicy, idempotent: bool = True
) -> T:
    """Send one SDK call under the shared retry policy (bot/revocation/retry.py). Below it the SDK's
    RetryHandler has already retried 429/503/504 itself, honouring Retry-After."""
    result: Any = None
    failure: GraphFailure | None = None

    async def once() -> Attempt:
        nonlocal result, failure
        try:
            result, failure = await send(), None
            return Attempt(True, 200)
        except Exception as exc:
            failure = failure_from(exc)
            if failure is not exc:
                failure.__cause__ = exc
            # no status and no network trouble: a local error (e.g. no token), not worth another try
            final = failure.status is None and not failure.network
            return Attempt(False, failure.status, failure.names_wait, failure.sent, final)

    await policy.run(once, idempotent=idempotent)
    if failure is not None:
        raise failure
    return result  # type: ignore[no-any-return]


@dataclass
class GraphHandle:
    client: Any  # msgraph.GraphServiceClient
    http: Any  # httpx.AsyncClient
    credential: Any = None  # azure.identity.aio.ClientSecretCredential, when used

    async def aclose(self) -> None:
        await self.http.aclose()
        if self.credential is not None:
            await self.credential.close()


def build_client(
    base_url: str,
    *,
    access_token: str | None,
    tenant_id: str | None,
    client_id: str | None,
    client_secret: str | None,
    retry: RetryPolicy,
    timeout: float,
    pacer: Pacer,
) -> GraphHandle:
    """A GraphServiceClient on `base_url` whose httpx pipeline paces every attempt with `pacer` and
    records it into CALLS."""
    import httpx
    from kiota_abstractions.authentication import (
        AccessTokenProvider,
        AllowedHostsValidator,
        BaseBearerTokenAuthenticationProvider,
    )
    from kiota_http.kiota_client_factory import KiotaClientFactory
    from kiota_http.middleware import BaseMiddleware, RetryHandler
    from kiota_http.middleware.options import RetryHandlerOption
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from msgraph.graph_request_adapter import options as graph_options
    from msgraph_core import GraphClientFactory
    from msgraph_core.middleware import GraphTelemetryHandler
    from msgraph_core.middleware.options import GraphTelemetryHandlerOption

    host = urlsplit(base_url).hostname or ""
    base_path = urlsplit(base_url).path.rstrip("/")

    class Recorder(BaseMiddleware):
        """Last in the pipeline, so it sees each attempt the RetryHandler makes."""

        async def send(self, request: httpx.Request, transport: httpx.AsyncBaseTransport) -> httpx.Response:
            path = request.url.path.removeprefix(base_path) or "/"
            calls = CALLS.get()
            try:
                response = await super().send(request, transport)
            except Exception:
                if calls is not None:
                    calls.append(CallRecord(request.method, path, None, None))
                raise
            if calls is not None:
                rid = response.headers.get("request-id")
                calls.append(CallRecord(request.method, path, response.status_code, rid))
            return response

    class Pacing(BaseMiddleware):
        """After the RetryHandler, so each of its retries waits for a slot too."""

        async def send(self, request: httpx.Request, transport: httpx.AsyncBaseTransport) -> httpx.Response:
            async with pacer.slot("read" if request.method == "GET" else "write") as ticket:
                response = await super().send(request, transport)
                ticket.observe(response.status_code, {k.lower(): v for k, v in response.headers.items()})
            return response

    class StaticToken(AccessTokenProvider):
        async def get_authorization_token(
            self, uri: str, additional_authentication_context: Any = None
        ) -> str:
            return access_token or ""

        def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
            return AllowedHostsValidator([host])

    credential = None
    if access_token:
        auth: Any = BaseBearerTokenAuthenticationProvider(StaticToken())
    else:
        from azure.identity.aio import ClientSecretCredential
        from kiota_authentication_azure.azure_identity_authentication_provider import (
            AzureIdentityAuthenticationProvider,
        )

        credential = ClientSecretCredential(tenant_id or "", client_id or "", client_secret or "")
        auth = AzureIdentityAuthenticationProvider(credential, scopes=[GRAPH_SCOPE], allowed_hosts=[host])

    options = dict(graph_options)
    options[RetryHandlerOption.get_key()] = RetryHandlerOption(delay=0.0, max_retries=retry.sdk_retries)
    middleware = KiotaClientFactory.get_default_middleware(options)
    for handler in middleware:
        if isinstance(handler, RetryHandler):
            handler.backoff_factor = retry.backoff  # exponential part; Retry-After, when sent, wins
    telemetry = options.get(GraphTelemetryHandlerOption.get_key())
    middleware += [GraphTelemetryHandler(options=telemetry), Pacing(), Recorder()]
    http = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), http2=True)
    http = GraphClientFactory.create_with_custom_middleware(middleware, client=http)
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = base_url.rstrip("/")
    return GraphHandle(GraphServiceClient(request_adapter=adapter), http, credential)


@dataclass
class Op:
    """One write a step sends: what plan() shows and how run() sends it."""

    call: PlannedCall
    send: Callable[[], Awaitable[Any]]
    label: str  # plain words: "group 'Sales'"
    idempotent: bool = True


@dataclass
class Prepared:
    """A step after its reads: the writes to send and the words for the outcome."""

    ops: list[Op]
    summary: str  # when every op succeeded (or there was nothing to do)
    manual: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    data_if_ok: dict[str, Any] = field(default_factory=dict)
    retry_400_last: bool = False  # auth methods: a 400 is most likely "default method", retry at the end
    # after every op succeeded: a read that says how far the change got (e.g. Intune "pending");
    # returns words appended to the summary and data merged into the outcome's
    read_back: Callable[[], Awaitable[tuple[str, dict[str, Any]]]] | None = None
