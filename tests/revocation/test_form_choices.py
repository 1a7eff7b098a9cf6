"""The form's choices reach Microsoft 365: out-of-office text scheduled from the cutoff, mail forwarded to
the person chosen for it (not the phone's), OneDrive shared with the manager. Read back at the stand-in."""

from __future__ import annotations

from datetime import datetime

from bot.checklist.models import DONE
from handlers import ids
from standins.slack_driver import wait_for
from tests.flows import click_revocation, open_case

REPLY = "Jane has moved on. <b>Write</b> to Maria: maria@example.com — merci & à bientôt"


async def test_out_of_office_forwarding_and_onedrive_reach_graph_with_the_form_values(
    bot, okta, graph, directory
):
    cast = bot.cast
    case = await open_case(
        bot,
        {
            "mail_forward_to": cast.colleague,
            "phone": "forward",
            "phone_forward_to": cast.hr,  # calls go elsewhere: mail must not follow them
            "auto_reply": REPLY,
            "backup_data": "yes",
        },
    )
    steps = {i.step: i.key for i in await bot.runtime.cases.items(case.id) if i.kind == "revocation"}
    assert {"graph.auto_reply", "graph.forward_mail", "graph.onedrive_access"} <= set(steps)

    await click_revocation(bot, case, ids.REVOKE_ALL, "*", cast.it)

    async def all_done() -> bool:
        items = [i for i in await bot.runtime.cases.items(case.id) if i.kind == "revocation"]
        return all(i.status in (DONE, "failed") for i in items)

    await wait_for(all_done, limit=30, what="every step finished")
    for step in ("graph.auto_reply", "graph.forward_mail", "graph.onedrive_access"):
        item = await bot.runtime.checklist.item(case.id, steps[step])
        assert item.status == DONE, (step, item.detail)

    jane = graph.users[directory.graph_user]
    reply = jane.mailbox["automaticRepliesSetting"]
    assert reply["status"] == "scheduled" and reply["externalAudience"] == "all"
    assert REPLY.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in reply["internalReplyMessage"]
    assert reply["externalReplyMessage"] == reply["internalReplyMessage"]
    start = reply["scheduledStartDateTime"]
    assert datetime.fromisoformat(start["dateTime"].replace("Z", "")) == case.cutoff_at.replace(tzinfo=None)
    assert start["timeZone"] == "UTC"

    forwards = [r for r in jane.rules if r.get("actions", {}).get("forwardTo")]
    assert len(forwards) == 1
    to = [a["emailAddress"]["address"] for a in forwards[0]["actions"]["forwardTo"]]
    assert to == [cast.email(cast.colleague)]

    shared = graph.drive_permissions[jane.drive_id]
    granted = [p for p in shared if cast.email(cast.manager) in str(p)]
    assert granted, shared
