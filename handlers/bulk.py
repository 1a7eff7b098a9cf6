"""`/offboard-bulk`: paste or upload a CSV, see every row's problems, confirm, start the batch.

Checking hundreds of rows takes longer than Slack's 3 seconds, so the submission is acked with a
"checking" view and the result replaces it (views.update on the same view id).
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp

from bot.bulk.rows import MAX_BYTES, BatchInvalid
from bot.errors import DomainError, InvalidRequest
from handlers import ids
from handlers.errors import after_ack
from handlers.forms import BulkForm
from handlers.render import batch as render
from handlers.render.notices import error_text

log = logging.getLogger(__name__)


async def download(client: Any, file: dict[str, Any]) -> str:
    """An uploaded file's text, fetched with the bot token (Slack's private file URLs need it)."""
    url = file.get("url_private_download") or file.get("url_private")
    if not url:
        raise InvalidRequest("Slack sent no address for the uploaded file; upload it again.")
    if int(file.get("size") or 0) > MAX_BYTES:
        raise InvalidRequest(f"The file is larger than {MAX_BYTES // 1000} kB; split the batch.")
    headers = {"Authorization": f"Bearer {client.token}"}
    timeout = aiohttp.ClientTimeout(total=30)
    async with client.session.get(url, headers=headers, timeout=timeout) as resp:
        body = await resp.content.read(MAX_BYTES + 1)
        if resp.status != 200 or resp.content_type == "text/html":
            # Without files:read Slack answers with its sign-in page, not an error.
            raise InvalidRequest("Slack did not hand over the file (the app needs the files:read scope).")
    if len(body) > MAX_BYTES:
        raise InvalidRequest(f"The file is larger than {MAX_BYTES // 1000} kB; split the batch.")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidRequest("The file is not UTF-8 text; save it as “CSV UTF-8”.") from None


def register(app: AsyncApp) -> None:
    @app.command("/offboard-bulk")
    @after_ack
    async def bulk(ack: Any, command: dict[str, Any], client: Any, context: Any, body: Any) -> None:
        await ack()
        await context["runtime"].bulk.check_may_start(context["actor"])
        await client.views_open(trigger_id=command["trigger_id"], view=context["seal"](render.bulk_form()))

    @app.view(ids.BULK_FORM)
    @after_ack
    async def check(ack: Any, view: dict[str, Any], context: Any, client: Any, body: Any) -> None:
        try:
            form = BulkForm.read(view)
        except InvalidRequest as e:
            await ack(response_action="errors", errors=e.fields)
            return
        text, files, seal = form.csv_text, form.csv_file, context["seal"]
        await ack(response_action="update", view=render.checking_view())
        try:
            if files:
                text = await download(client, files[0])
            plan = await context["runtime"].bulk.check(text, context["actor"])
        except BatchInvalid as e:
            shown = text if not files else ""
            await client.views_update(
                view_id=view["id"], view=seal(render.bulk_form([str(x) for x in e.errors], shown))
            )
            return
        except DomainError as e:
            await client.views_update(view_id=view["id"], view=seal(render.bulk_form([error_text(e)])))
            return
        await client.views_update(view_id=view["id"], view=seal(render.confirm_view(plan)))

    @app.view(ids.BULK_CONFIRM)
    @after_ack
    async def confirm(ack: Any, view: dict[str, Any], context: Any, client: Any, body: Any) -> None:
        batch_id = context["form"].get("batch")
        if not isinstance(batch_id, int):
            await ack(
                response_action="update", view=render.message_view(":no_entry: This form is no longer valid.")
            )
            return
        await ack(
            response_action="update", view=render.checking_view("Checking the rows again and starting…")
        )
        try:
            cases = await context["runtime"].bulk.start(batch_id, context["actor"])
        except BatchInvalid as e:
            # Something changed since the check (someone left, a case opened): nothing was started.
            errors = [str(x) for x in e.errors]
            await client.views_update(view_id=view["id"], view=context["seal"](render.bulk_form(errors)))
            return
        except DomainError as e:
            await client.views_update(view_id=view["id"], view=render.message_view(f":no_entry: {error_text(e)}"))
            return
        await client.views_update(view_id=view["id"], view=render.started_view(len(cases), batch_id))
