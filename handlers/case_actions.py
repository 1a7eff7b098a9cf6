"""Case-level buttons: change the last day, cancel the offboarding (manager or HR)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import permissions
from bot.errors import InvalidRequest
from handlers import ids
from handlers.errors import after_ack
from handlers.forms import CancelForm, ChangeDayForm
from handlers.render import case_forms


def register(app: AsyncApp) -> None:
    @app.action(ids.CHANGE_DAY)
    @after_ack
    async def change_day(ack: Any, context: Any, body: Any, client: Any) -> None:
        await ack()
        case, roles = await context["acting"].case()
        await context["runtime"].offboarding.check_case_admin(
            case, context["actor"], roles, "change the last day"
        )
        view = case_forms.change_last_day(case.id, case.last_day)
        await client.views_open(trigger_id=body["trigger_id"], view=context["seal"](view))

    @app.action(ids.CANCEL_CASE)
    @after_ack
    async def cancel(ack: Any, context: Any, body: Any, client: Any) -> None:
        await ack()
        case, roles = await context["acting"].case()
        await context["runtime"].offboarding.check_case_admin(
            case, context["actor"], roles, "cancel an offboarding"
        )
        view = case_forms.cancel_case(case.id)
        await client.views_open(trigger_id=body["trigger_id"], view=context["seal"](view))

    @app.view(ids.CHANGE_DAY_FORM)
    @after_ack
    async def change_day_submit(ack: Any, view: dict[str, Any], context: Any, body: Any, client: Any) -> None:
        # A modal submit is validated before its ack (errors show in the modal), so the case is read here.
        case, roles = await context["acting"].case()
        runtime = context["runtime"]
        try:
            day = ChangeDayForm.read(view).last_day
        except InvalidRequest as e:
            await ack(response_action="errors", errors=e.fields)
            return
        problem = runtime.cases.day_problem(day, case.subject_tz, case.subject_name)
        if problem:
            await ack(response_action="errors", errors={"last_day": problem})
            return
        # A refusal before the ack becomes the modal's message (handlers/errors.after_ack).
        permissions.check_case_admin(roles, "change the last day")
        await ack()
        await runtime.offboarding.change_last_day(case, day, context["actor"], roles)  # refusals: report()

    @app.view(ids.CANCEL_FORM)
    @after_ack
    async def cancel_submit(ack: Any, view: dict[str, Any], context: Any, body: Any, client: Any) -> None:
        try:
            reason = CancelForm.read(view).reason
        except InvalidRequest as e:
            await ack(response_action="errors", errors=e.fields)
            return
        await ack()
        case, roles = await context["acting"].case()
        await context["runtime"].offboarding.cancel(case, context["actor"], roles, reason)
