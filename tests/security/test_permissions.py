"""The permission matrix, driven through Slack: who may tick which item, and who may start an offboarding.

Rule (bot/permissions.py): an item's owner role may complete it; Security may also complete IT's
items; nobody else (an admin is not an item owner); the departing person never.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Any

import pytest

from bot.checklist.models import DONE
from handlers import ids
from handlers.metadata import Sealer
from standins.slack_driver import wait_for
from standins.slack_signing import view_submission_body
from tests.conftest import SIGNING_SECRET
from tests.flows import click_item, open_case
from tests.security.helpers import count_rows, open_form, submission

ACTORS = ["manager", "hr", "it", "security", "outsider", "subject"]
ITEMS = {"final-pay": "hr", "licenses": "it", "badge": "security", "knowledge-transfer": "manager"}
MAY = {
    "hr": {"hr"},
    "it": {"it", "security"},
    "security": {"security"},
    "manager": {"manager"},
}


@pytest.fixture
def org_config(cast):
    # As in tests/test_end_to_end.py: no identity system, so the manager is named an admin.
    return cast.config(admins=[cast.manager])


def told(slack: Any, user: str, since: tuple[int, int]) -> list[str]:
    """Texts shown to `user` since `since`: ephemerals, or DMs when they are not in the channel."""
    eph = [e["text"] or "" for e in slack.ephemeral[since[0] :] if e["user"] == user]
    dms = [m["text"] for m in slack.messages.get("D" + user, [])[since[1] :]]
    return eph + dms


def ack_text(answer: Any) -> str:
    """The text of a slash command's immediate answer (Bolt sends plain text, or JSON with `text`)."""
    if isinstance(answer, dict):
        return str(answer.get("text") or "")
    return answer or ""


def mark(slack: Any, user: str) -> tuple[int, int]:
    return len(slack.ephemeral), len(slack.messages.get("D" + user, []))


@pytest.mark.parametrize("who", ACTORS)
async def test_item_permission_matrix(bot, who):
    slack, cast = bot.slack, bot.cast
    actor = getattr(cast, who)
    case = await open_case(bot)  # opened by the manager: she is the case's manager
    assert case.manager_id == cast.manager

    outcomes = {}
    for key, role in ITEMS.items():
        allowed = who in MAY[role]
        before = await bot.runtime.checklist.item(case.id, key)
        assert before.role == role and before.status == "open"
        updates = len(slack.api_calls("chat.update"))
        refusals = [e for e in await bot.runtime.evidence.events(case.id) if e.kind == "refused"]
        since = mark(slack, actor)

        status, _ = await click_item(bot, case, key, actor)
        assert status == 200

        if allowed:

            async def done(key: str = key) -> bool:
                return (await bot.runtime.checklist.item(case.id, key)).status == DONE

            await wait_for(done, what=f"{key} done by {who}")
            item = await bot.runtime.checklist.item(case.id, key)
            assert item.done_by == actor
            await wait_for(
                lambda updates=updates: len(slack.api_calls("chat.update")) > updates, what="chat.update"
            )
            outcomes[key] = "done"
            continue

        await wait_for(lambda since=since: told(slack, actor, since), what=f"refusal of {key} to {who}")
        texts = told(slack, actor, since)
        assert len(texts) == 1 and "Only" in texts[0] and "can do this" in texts[0], texts
        await asyncio.sleep(0.05)
        item = await bot.runtime.checklist.item(case.id, key)
        assert (item.status, item.done_by, item.done_at) == ("open", None, None)
        assert len(slack.api_calls("chat.update")) == updates, f"{key} refused, yet the checklist was updated"
        after = [e for e in await bot.runtime.evidence.events(case.id) if e.kind == "refused"]
        assert len(after) == len(refusals) + 1
        assert after[-1].actor == actor and f"complete {key}" in after[-1].data
        outcomes[key] = "refused"

    expected = {key: "done" if who in MAY[role] else "refused" for key, role in ITEMS.items()}
    assert outcomes == expected
    done_events = [e for e in await bot.runtime.evidence.events(case.id) if e.kind == "item.done"]
    assert {(e.actor, e.data) for e in done_events} == {
        (actor, f'{{"item":"{k}","note":""}}') for k, v in expected.items() if v == "done"
    }
    assert await bot.runtime.evidence.verify(case.id) == {case.id: []}


@pytest.mark.parametrize("who", ["outsider", "it", "security", "colleague"])
async def test_offboard_by_someone_not_hr_admin_or_manager_is_refused(bot, who):
    slack, cast = bot.slack, bot.cast
    actor = getattr(cast, who)
    status, answer = await bot.driver.command(actor, f"<@{cast.subject}|jane>")
    assert status == 200 and not ack_text(answer)  # the check reads directories: after the ack
    # Refused before any form opens, only to them.
    await wait_for(lambda: [e for e in slack.ephemeral if e["user"] == actor], what="refusal")
    refusal = [e["text"] for e in slack.ephemeral if e["user"] == actor]
    assert "Only HR, the person's manager or an offboarding admin" in refusal[0]
    assert slack.views_opened == []
    await asyncio.sleep(0.2)
    assert await count_rows(bot, "cases") == 0
    assert await count_rows(bot, "events") == 0
    assert slack.api_calls("conversations.create") == []
    assert await bot.runtime.cases.open_case_for(cast.subject) is None


async def test_hr_may_start_an_offboarding(bot):
    """The other side of the rule above: the same steps by HR open the case."""
    cast = bot.cast
    case = await open_case(bot, by=cast.hr)
    assert case.requested_by == cast.hr
    assert len(bot.slack.api_calls("conversations.create")) == 1


@pytest.mark.parametrize("who", ["manager", "hr", "outsider"])
async def test_nobody_may_offboard_themselves(bot, who):
    slack, cast = bot.slack, bot.cast
    actor = getattr(cast, who)
    status, answer = await bot.driver.command(actor, f"<@{actor}>")
    assert status == 200
    assert "cannot offboard yourself" in ack_text(answer), answer
    await asyncio.sleep(0.1)
    assert slack.views_opened == []

    # And a form submitted for oneself (a modal opened for someone, its metadata pointing at oneself):
    # altered metadata breaks the seal; the same metadata sealed for the actor is refused as "yourself".
    view = await open_form(bot, cast.manager, cast.subject)
    forged = {**view, "private_metadata": view["private_metadata"].replace(cast.subject, actor)}
    assert actor in forged["private_metadata"]
    status, answer = await bot.driver.post(submission(forged, actor))
    assert status == 200
    assert answer and answer["response_action"] == "update", answer
    assert "no longer valid" in str(answer["view"]) or "opened for someone else" in str(answer["view"])
    meta = json.loads(view["private_metadata"])["d"]
    resealed = Sealer(SIGNING_SECRET).seal(
        {**view, "private_metadata": json.dumps({**meta, "subject": actor, "person": {}})}, actor
    )
    status, answer = await bot.driver.post(submission(resealed, actor))
    assert status == 200
    assert answer and answer["response_action"] in ("errors", "update"), answer
    assert "yourself" in str(answer)
    await asyncio.sleep(0.1)
    assert await count_rows(bot, "cases") == 0
    assert slack.api_calls("conversations.create") == []


CASE_ADMINS = {"manager", "hr"}  # bot/permissions.py check_case_admin: the case's manager or HR


def form_body(actor: str, callback: str, case_id: int, block: str, element: dict[str, Any]) -> str:
    """A submission of one of the case's small modals, as if `actor` had it open (sealed for them,
    as the bot seals the modals it opens: the permission, not the seal, is what is tested here)."""
    view = {"callback_id": callback, "private_metadata": json.dumps({"case": case_id})}
    sealed = Sealer(SIGNING_SECRET).seal(view, actor)["private_metadata"]
    return view_submission_body(actor, callback, {block: {"value": element}}, private_metadata=sealed)


@pytest.mark.parametrize("who", ACTORS)
async def test_case_admin_matrix_change_day_and_cancel(bot, who):
    """Changing the last day and cancelling: the case's manager or HR; checked again on submit."""
    slack, cast = bot.slack, bot.cast
    actor = getattr(cast, who)
    allowed = who in CASE_ADMINS
    case = await open_case(bot)
    head = case.messages["checklist"][0]["ts"]
    value = ids.item_value(case.id, "case")

    # The buttons: a modal for the case admins, a refusal (and a `refused` event) for everyone else.
    for action, callback in ((ids.CHANGE_DAY, ids.CHANGE_DAY_FORM), (ids.CANCEL_CASE, ids.CANCEL_FORM)):
        opened, since = len(slack.views_opened), mark(slack, actor)
        refused = await count_refused(bot, case.id, actor)
        status, _ = await bot.driver.click(actor, action, value, channel=case.channel_id, ts=head)
        assert status == 200
        if allowed:
            await wait_for(lambda opened=opened: len(slack.views_opened) > opened, what=f"{action} modal")
            assert slack.views_opened[-1]["callback_id"] == callback
        else:
            await wait_for(lambda since=since: told(slack, actor, since), what=f"{action} refusal")
            assert "Only the manager or HR" in told(slack, actor, since)[0]
            assert len(slack.views_opened) == opened
            assert await count_refused(bot, case.id, actor) == refused + 1

    # The modals' submissions, sent directly: the check must not rely on the button alone.
    status, answer = await bot.driver.post(
        form_body(
            actor,
            ids.CHANGE_DAY_FORM,
            case.id,
            "last_day",
            {"type": "datepicker", "selected_date": "2026-12-07"},
        )
    )
    assert status == 200
    if allowed:
        assert not answer, answer

        async def moved() -> bool:
            return (await bot.runtime.cases.get(case.id)).last_day == date(2026, 12, 7)

        await wait_for(moved, what="last day moved")
    else:
        assert answer["response_action"] == "update" and "Only the manager or HR" in str(answer["view"]), (
            answer
        )
        await asyncio.sleep(0.05)
        assert (await bot.runtime.cases.get(case.id)).last_day == date(2026, 12, 4)

    since, refused = mark(slack, actor), await count_refused(bot, case.id, actor)
    status, answer = await bot.driver.post(
        form_body(
            actor, ids.CANCEL_FORM, case.id, "reason", {"type": "plain_text_input", "value": "changed plans"}
        )
    )
    assert status == 200 and not answer, answer
    if allowed:

        async def cancelled() -> bool:
            return (await bot.runtime.cases.get(case.id)).status == "cancelled"

        await wait_for(cancelled, what="case cancelled")
        await wait_for(lambda: slack.channels[case.channel_id]["is_archived"], what="room archived")
    else:
        await wait_for(lambda: told(slack, actor, since), what="cancel refusal")
        assert "Only the manager or HR" in told(slack, actor, since)[0]
        assert await count_refused(bot, case.id, actor) == refused + 1
        current = await bot.runtime.cases.get(case.id)
        assert current.status == "open" and current.closed_at is None
        assert not slack.channels[case.channel_id]["is_archived"]
    assert await bot.runtime.evidence.verify(case.id) == {case.id: []}


async def count_refused(bot: Any, case_id: int, actor: str) -> int:
    return len(
        [e for e in await bot.runtime.evidence.events(case_id) if e.kind == "refused" and e.actor == actor]
    )
