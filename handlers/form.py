"""The `/offboard` and `/offboard-client` forms' submissions: read, checked locally (the person was read
when the form opened; no lookup before the ack), then acked with field errors or started after the ack."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.cases.requests import request_from_dict, request_to_dict
from bot.errors import DomainError, InvalidRequest
from bot.ports import Person
from handlers import ids
from handlers.errors import after_ack
from handlers.forms import ClientForm, OffboardForm
from handlers.render.case_forms import confirm_involuntary
from handlers.render.notices import error_text

log = logging.getLogger(__name__)
CLIENT_FIELDS = ("client_name", "last_day", "account_owner", "template", "notes")


def field_errors(
    error: InvalidRequest, fields: tuple[str, ...] = ids.FORM_FIELDS, first: str = "last_day"
) -> dict[str, str]:
    errors = {k: v for k, v in error.fields.items() if k in fields}
    if not errors:
        # Errors about the person have no input of their own: show them on the first field.
        errors[first] = " ".join(error.fields.values()) or error.message
    return errors


def person_in(meta: dict[str, Any]) -> Person | None:
    """The person as read when the form was opened (sealed in its metadata)."""
    data = meta.get("person")
    if not isinstance(data, dict):
        return None
    try:
        return Person(**{k: data[k] for k in Person.__dataclass_fields__ if k in data})
    except TypeError:
        return None


def register(app: AsyncApp) -> None:
    _register_client(app)

    @app.view(ids.OFFBOARD_FORM)
    @after_ack
    async def submit(ack: Any, view: dict[str, Any], context: Any, client: Any, body: Any) -> None:
        runtime, actor, meta = context["runtime"], context["actor"], context["form"]
        try:
            req = OffboardForm.read(view).request(str(meta.get("subject") or ""), actor)
            subject, _ = await runtime.cases.validate(req, person_in(meta))
        except InvalidRequest as e:
            await ack(response_action="errors", errors=field_errors(e))
            return
        if req.reason == "involuntary":
            confirm = confirm_involuntary(request_to_dict(req), subject.id)
            await ack(response_action="push", view=context["seal"](confirm))
            return
        await ack()
        await start(runtime, client, req, subject.email)

    @app.view(ids.OFFBOARD_CONFIRM)
    @after_ack
    async def confirm(ack: Any, view: dict[str, Any], context: Any, client: Any, body: Any) -> None:
        runtime, actor = context["runtime"], context["actor"]
        # Any refusal before the ack becomes the modal's message (handlers/errors.after_ack). The
        # request was checked when the form was submitted; opening the case checks it again after the
        # ack (with the directory lookups that needs) and says so by message if something changed.
        request = context["form"].get("request")
        try:
            req = request_from_dict(request if isinstance(request, dict) else {})
        except (ValueError, TypeError):
            raise InvalidRequest("This form is no longer valid.") from None
        if req.requested_by != actor:
            raise InvalidRequest("Only the person who filled in the form can confirm it.")
        await ack(response_action="clear")
        subject = await runtime.cases.people.person(req.subject_id)
        await start(runtime, client, req, subject.email if subject else None)


async def start(runtime: Any, client: Any, req: Any, email: str | None) -> None:
    """After the ack: the permission is checked again with every lookup it needs, then the case opens."""
    try:
        await runtime.offboarding.start(req, subject_email=email)
    except DomainError as e:
        # Refused, or lost a race (double submit, another replica): tell the person; nothing was done.
        details = " ".join(getattr(e, "fields", {}).values()) or error_text(e)
        await client.chat_postMessage(channel=req.requested_by, text=f":no_entry: {details}")


def _register_client(app: AsyncApp) -> None:
    @app.view(ids.CLIENT_FORM)
    @after_ack
    async def submit_client(ack: Any, view: dict[str, Any], context: Any, client: Any, body: Any) -> None:
        runtime = context["runtime"]
        try:
            case = await runtime.cases.open_client(ClientForm.read(view).request(context["actor"]))
        except InvalidRequest as e:
            await ack(response_action="errors", errors=field_errors(e, CLIENT_FIELDS, "client_name"))
            return
        await ack()
        await runtime.offboarding.launch(case)
