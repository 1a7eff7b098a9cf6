"""The `/offboard` form's submission: validate into modal errors, else ack and start the case."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.cases.requests import ClientRequest, OffboardRequest, request_from_dict, request_to_dict
from bot.errors import DomainError, InvalidRequest, NotAllowed
from handlers import ids
from handlers.acting import metadata
from handlers.errors import after_ack
from handlers.render.case_forms import confirm_involuntary
from handlers.render.notices import error_text

log = logging.getLogger(__name__)
CLIENT_FIELDS = ("client_name", "last_day", "account_owner", "template", "notes")


def _value(state: dict[str, Any], block: str) -> Any:
    element = (state.get(block) or {}).get("value") or {}
    kind = element.get("type")
    if kind == "datepicker":
        return element.get("selected_date")
    if kind in ("static_select", "radio_buttons"):
        return (element.get("selected_option") or {}).get("value")
    if kind == "users_select":
        return element.get("selected_user")
    return element.get("value")


def to_request(view: dict[str, Any], actor: str) -> OffboardRequest:
    state = (view.get("state") or {}).get("values") or {}
    meta = metadata(view)
    raw_day = _value(state, "last_day")
    try:
        last_day = date.fromisoformat(raw_day) if raw_day else None
    except (TypeError, ValueError):
        raise InvalidRequest("Pick a date.", {"last_day": "Pick a date from the calendar."}) from None
    return OffboardRequest(
        subject_id=str(meta.get("subject") or ""),
        requested_by=actor,
        last_day=last_day,
        reason=_value(state, "reason") or "voluntary",
        template=_value(state, "template") or "",
        mailbox=_value(state, "mailbox") or "none",
        mailbox_delegate=_value(state, "mailbox_delegate"),
        phone=_value(state, "phone") or "none",
        phone_forward_to=_value(state, "phone_forward_to"),
        backup_data=_value(state, "backup_data") == "yes",
        notes=(_value(state, "notes") or "")[:2000],
    )


def field_errors(error: InvalidRequest) -> dict[str, str]:
    errors = {k: v for k, v in error.fields.items() if k in ids.FORM_FIELDS}
    if not errors:
        # Errors about the person have no input of their own: show them on the first field.
        errors["last_day"] = " ".join(error.fields.values()) or error.message
    return errors


def refusal_view(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Offboard"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f":no_entry: {text}"}}],
    }


def register(app: AsyncApp) -> None:
    _register_client(app)

    @app.view(ids.OFFBOARD_FORM)
    @after_ack
    async def submit(ack: Any, view: dict[str, Any], context: Any, client: Any, body: Any) -> None:
        runtime = context["runtime"]
        actor = context["actor"]
        try:
            req = to_request(view, actor)
            subject, _ = await runtime.cases.validate(req)
            await runtime.offboarding.check_may_open(actor, subject.id, subject.email)
        except InvalidRequest as e:
            await ack(response_action="errors", errors=field_errors(e))
            return
        except NotAllowed as e:
            await ack(response_action="update", view=refusal_view(error_text(e)))
            return
        if req.reason == "involuntary":
            await ack(response_action="push", view=confirm_involuntary(request_to_dict(req), subject.id))
            return
        await ack()
        await start(runtime, client, req, subject.email)

    @app.view(ids.OFFBOARD_CONFIRM)
    @after_ack
    async def confirm(ack: Any, view: dict[str, Any], context: Any, client: Any, body: Any) -> None:
        runtime = context["runtime"]
        actor = context["actor"]
        try:
            request = metadata(view).get("request")
            req = request_from_dict(request if isinstance(request, dict) else {})
            if req.requested_by != actor:
                raise NotAllowed("Only the person who filled in the form can confirm it.")
            subject, _ = await runtime.cases.validate(req)
            await runtime.offboarding.check_may_open(actor, subject.id, subject.email)
        except (InvalidRequest, NotAllowed, ValueError, TypeError) as e:
            await ack(
                response_action="update",
                view=refusal_view(getattr(e, "message", "This form is no longer valid.")),
            )
            return
        await ack(response_action="clear")
        await start(runtime, client, req, subject.email)


async def start(runtime: Any, client: Any, req: OffboardRequest, email: str | None) -> None:
    try:
        await runtime.offboarding.start(req, subject_email=email)
    except DomainError as e:
        # Lost a race (double submit, another replica): tell the person, nothing was done twice.
        details = " ".join(getattr(e, "fields", {}).values()) or e.message
        await client.chat_postMessage(channel=req.requested_by, text=f":no_entry: {details}")


def to_client_request(view: dict[str, Any], actor: str) -> ClientRequest:
    state = (view.get("state") or {}).get("values") or {}
    raw_day = _value(state, "last_day")
    try:
        last_day = date.fromisoformat(raw_day) if raw_day else None
    except (TypeError, ValueError):
        raise InvalidRequest("Pick a date.", {"last_day": "Pick a date from the calendar."}) from None
    return ClientRequest(
        client_name=str(_value(state, "client_name") or ""),
        requested_by=actor,
        account_owner=str(_value(state, "account_owner") or ""),
        last_day=last_day,
        template=str(_value(state, "template") or "client"),
        notes=str(_value(state, "notes") or "")[:2000],
    )


def _register_client(app: AsyncApp) -> None:
    @app.view(ids.CLIENT_FORM)
    @after_ack
    async def submit_client(ack: Any, view: dict[str, Any], context: Any, client: Any, body: Any) -> None:
        runtime = context["runtime"]
        try:
            req = to_client_request(view, context["actor"])
            case = await runtime.cases.open_client(req)
        except InvalidRequest as e:
            fields = {k: v for k, v in e.fields.items() if k in CLIENT_FIELDS} or {"client_name": e.message}
            await ack(response_action="errors", errors=fields)
            return
        await ack()
        await runtime.offboarding.launch(case)
