"""`/offboard @person` and `/offboard-client <name>`: ack at once, then open the form."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.ports import MENTION, Person
from bot.workdays import local_today
from handlers.errors import after_ack
from handlers.render.form import client_form, offboard_form

# Names in the snapshot only word the form's error messages (the case re-reads the person), and must
# leave room in Slack's 3,000 characters of metadata even when JSON escaping multiplies them.
SNAPSHOT_NAME = 80


def snapshot(person: Person) -> dict[str, Any]:
    data = asdict(person)
    return {**data, "name": data["name"][:SNAPSHOT_NAME], "real_name": data["real_name"][:SNAPSHOT_NAME]}


USAGE = "Usage: `/offboard @person` — mention the person who is leaving."
CLIENT_USAGE = "Usage: `/offboard-client Client name` — name the client whose engagement ends."


def mentioned_user(text: str) -> str | None:
    found = MENTION.findall(text or "")
    return found[0] if len(found) == 1 else None


def register(app: AsyncApp) -> None:
    @app.command("/offboard")
    @after_ack
    async def offboard(ack: Any, command: dict[str, Any], client: Any, context: Any, body: Any) -> None:
        subject = mentioned_user(command.get("text", ""))
        if subject is None:
            await ack(text=USAGE)
            return
        if subject == command["user_id"]:
            await ack(text="You cannot offboard yourself.")
            return
        await ack()
        # After the ack: who the person is, and whether this user may offboard them (refused here,
        # before anyone fills in a form). The person as read now travels, sealed, in the form.
        runtime = context["runtime"]
        person = await runtime.cases.people.person(subject) or Person(subject, "", deleted=True)
        await runtime.offboarding.check_may_open(command["user_id"], person.id, person.email)
        view = offboard_form(
            subject,
            command.get("channel_id", ""),
            runtime.templates,
            local_today(runtime.clock.now(), "UTC"),
            person=snapshot(person),
        )
        await client.views_open(trigger_id=command["trigger_id"], view=context["seal"](view))

    @app.command("/offboard-client")
    @after_ack
    async def offboard_client(
        ack: Any, command: dict[str, Any], client: Any, context: Any, body: Any
    ) -> None:
        name = " ".join((command.get("text") or "").split())
        if not name:
            await ack(text=CLIENT_USAGE)
            return
        await ack()
        runtime = context["runtime"]
        view = client_form(
            name, command["user_id"], runtime.templates, local_today(runtime.clock.now(), "UTC")
        )
        await client.views_open(trigger_id=command["trigger_id"], view=context["seal"](view))
