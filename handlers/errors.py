"""One error handler: domain refusals become an ephemeral message; anything else a short apology."""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.errors import DomainError
from handlers.render.modal import message_view
from handlers.render.notices import error_text

log = logging.getLogger(__name__)


def where(body: dict[str, Any]) -> tuple[str | None, str | None]:
    user = (body.get("user") or {}).get("id") or body.get("user_id")
    channel = (
        body.get("channel_id")
        or (body.get("channel") or {}).get("id")
        or (body.get("container") or {}).get("channel_id")
    )
    return user, channel


async def tell(client: Any, body: dict[str, Any], text: str) -> None:
    user, channel = where(body)
    if not user:
        return
    if channel:
        try:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
            return
        except Exception:  # the channel may be archived or the bot not in it: fall back to a DM
            log.info("ephemeral to %s failed; sending a direct message", channel)
    await client.chat_postMessage(channel=user, text=text)


async def report(error: Exception, body: dict[str, Any], client: Any) -> None:
    """The one mapping from an error to what the person sees."""
    if isinstance(error, DomainError):
        await tell(client, body, f":no_entry: {error_text(error)}")
        return
    ref = secrets.token_hex(4)
    # Exception text can carry request data; log the type and reference, with the traceback.
    log.error("unhandled error ref=%s: %s", ref, type(error).__name__, exc_info=error)
    await tell(
        client, body, f":warning: Something went wrong on our side (reference {ref}). Please try again."
    )


def after_ack(listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """Run a listener's work after its ack in one of the runtime's work slots, reporting errors here.

    Bolt resets an acknowledged response when a listener raises, which can turn the already-sent
    ack into a 404; so work after ack must not raise into Bolt. Listeners take `body`, `client`
    and `context`.
    """

    @functools.wraps(listener)
    async def guarded(**kwargs: Any) -> None:
        slots = kwargs["context"]["runtime"].work_slots
        acked = kwargs["ack"]
        holding = False

        async def ack_then_queue(*args: Any, **kw: Any) -> None:
            nonlocal holding
            await acked(*args, **kw)
            await slots.acquire()
            holding = True

        kwargs["ack"] = ack_then_queue
        body = kwargs["body"]
        try:
            if "form_refused" in kwargs["context"]:
                raise kwargs["context"]["form_refused"]
            await listener(**kwargs)
        except Exception as e:
            if holding:
                await report(e, body, kwargs["client"])
            elif body.get("type") == "view_submission" and isinstance(e, DomainError):
                # Refused before its ack: the modal itself says why, and nothing was done.
                await acked(response_action="update", view=message_view(f":no_entry: {error_text(e)}"))
            else:
                await acked()  # failed before its ack: answer Slack anyway, then say what went wrong
                await report(e, body, kwargs["client"])
        finally:
            if holding:
                slots.release()

    return guarded


def register(app: AsyncApp) -> None:
    @app.error
    async def on_error(error: Exception, body: dict[str, Any], client: Any) -> None:
        await report(error, body, client)
