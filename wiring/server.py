"""HTTP server: Slack requests on /slack/events (Bolt's default path) and /healthz."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_sdk.signature import SignatureVerifier

from bot import migrate
from bot.config import Settings
from handlers.app import create_app
from handlers.services import Services
from wiring.runtime import build_runtime

log = logging.getLogger(__name__)
RUNTIME = web.AppKey("runtime", Services)


def build_web_app(runtime: Services) -> web.Application:
    # One signature check, here: Bolt would parse the body (slack_bolt.request.internals.parse_body)
    # before verifying it, so an unsigned body never reaches Bolt at all.
    bolt = create_app(runtime, runtime.slack, verify=False)
    web_app = web.Application()
    web_app[RUNTIME] = runtime

    verifier = SignatureVerifier(runtime.settings.slack_signing_secret)

    async def slack_events(request: web.Request) -> web.Response:
        body = await request.text()
        try:
            signed = verifier.is_valid_request(body, dict(request.headers))
        except ValueError:  # a timestamp that is not a number: forged, not merely stale
            signed = False
        if not signed:
            # Refused here, before Bolt: nothing of an unsigned body may reach a listener or a handler.
            return web.json_response({"error": "invalid request"}, status=401)
        bolt_response = await bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    web_app.router.add_post("/slack/events", slack_events)
    web_app.router.add_get("/healthz", healthz)
    return web_app


async def start(
    settings: Settings, *, host: str = "0.0.0.0", **runtime_kwargs: object
) -> tuple[web.AppRunner, Services, int]:
    """Migrate, build, listen (port 0: any free port). /healthz answers only once all of that is done."""
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    runtime = await build_runtime(settings, **runtime_kwargs)  # type: ignore[arg-type]
    if runtime.schedule is not None:
        await runtime.schedule.start()
    runner = web.AppRunner(build_web_app(runtime), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, settings.port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, runtime, port


async def serve_forever(settings: Settings) -> None:
    settings.require_slack()
    if settings.slack_app_token:
        await _socket_mode(settings)
        return
    runner, runtime, _ = await start(settings)
    log.info("offboard bot listening on port %s", settings.port)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await runtime.close()


async def _socket_mode(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    runtime = await build_runtime(settings)
    if runtime.schedule is not None:
        await runtime.schedule.start()
    handler = AsyncSocketModeHandler(create_app(runtime, runtime.slack), settings.slack_app_token)
    await handler.start_async()
