"""Hypothesis-generated Slack payloads, correctly signed, against one running bot (SQLite only).

Hypothesis draws the examples (a sync `@given` collector), then each async test replays them against
one bot: starting a bot per example would be far too slow. Inputs already pinned down as product bugs
in tests/security/test_malformed_requests.py are kept out of the draws (see `known_crash`).
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Any

import pytest
from hypothesis import strategies as st

from bot.checklist.models import DONE
from handlers import ids
from handlers.metadata import Sealer
from handlers.render.form import offboard_form
from standins.slack_blocks import check_view
from standins.slack_driver import state_values, wait_for
from standins.slack_signing import new_trigger_id, slash_command_body, view_submission_body
from tests.conftest import SIGNING_SECRET
from tests.flows import open_case, page_of
from tests.security.helpers import all_text_shown, count_rows, draw

EXAMPLES = 40
PEOPLE = ["UMARIA", "UHANA", "UIVAN", "USAM", "UJANE", "UCOLIN", "UOLIVER"]
MAY_OPEN = {"UMARIA", "UHANA"}  # the admin (manager) and HR
SQLITE_MAX = 2**63 - 1


@pytest.fixture
def database_url(tmp_path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}"


@pytest.fixture
def org_config(cast):
    return cast.config(admins=[cast.manager])


def no_traceback(text: str) -> None:
    assert "Traceback" not in text and 'File "' not in text, text[-2000:]


# -- /offboard ------------------------------------------------------------------------------------

FRAGMENTS = [
    "<@", "|", ">", "<", "@", "U", "W", "JANE", "UJANE", "<@UJANE>", "<@UJANE|jane>", "<@UBOT>",
    "<@W0|x>", "<@U123|>", "<!channel>", "<#CGENERAL|general>", "&lt;@UJANE&gt;", " ", "\n", "é",
    "😀", "\u202e", "\u0000", "|jane>", "0", "%", "&", "=", "+",
]  # fmt: skip
command_texts = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(FRAGMENTS), max_size=20).map("".join),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=8), st.integers(300, 1500)),
)


async def test_fuzz_offboard_command(bot):
    slack, cast = bot.slack, bot.cast
    examples = draw(st.tuples(st.sampled_from(PEOPLE), command_texts), EXAMPLES)
    examples.append((cast.manager, f"<@{cast.subject}|jane>"))
    for actor, text in examples:
        trigger = new_trigger_id()
        shown = (len(slack.ephemeral), sum(len(m) for m in slack.messages.values()))
        body = slash_command_body("/offboard", text, actor, actor.lower(), cast.general, trigger_id=trigger)
        status, answer = await bot.driver.post(body)
        assert status == 200, (text, status, answer)
        reply = answer.get("text", "") if isinstance(answer, dict) else answer or ""
        if reply:  # usage, or "you cannot offboard yourself"
            no_traceback(reply)
            continue

        def modal_or_message(trigger: str = trigger, shown: tuple[int, int] = shown) -> bool:
            opened = any(c.get("trigger_id") == trigger for c in slack.api_calls("views.open"))
            said = (len(slack.ephemeral), sum(len(m) for m in slack.messages.values())) != shown
            return opened or said

        await wait_for(modal_or_message, what=f"a modal or a message for {text[:60]!r}")
    await asyncio.sleep(0.1)
    no_traceback(all_text_shown(slack))
    assert await count_rows(bot, "cases") == 0  # a command alone never opens a case


# -- item_done clicks -----------------------------------------------------------------------------

CLICK_VALUES = [
    "abc", "999|x", "1|", "|", "", "1", "1|final-pay|x", "1|FINAL-PAY", " 1|final-pay", "1 |final-pay",
    "-1|final-pay", "0|final-pay", "1.0|final-pay", "0x1|final-pay", "١|nokey", "1|../../etc",
    "1|' OR 1=1 --", "1|%", "1|final-pay\u0000", "9223372036854775807|final-pay", "+1|final-pay",
]  # fmt: skip
click_values = st.one_of(
    st.none(),
    st.sampled_from(CLICK_VALUES),
    st.text(max_size=40),
    st.builds(lambda n, k: f"{n}|{k}", st.integers(-(2**64), 2**64), st.text(max_size=20)),
    st.builds(lambda a, b: f"{a}|{b}", st.text(max_size=10), st.text(max_size=10)),
)


def known_crash(value: str | None) -> bool:
    """Inputs pinned as bugs in test_malformed_requests.py: a digit run int() rejects or SQLite can't hold."""
    if not value or "|" not in value:
        return False
    head = value.split("|", 1)[0]
    if not head.isdigit():
        return False
    try:
        return int(head) > SQLITE_MAX
    except ValueError:
        return True


def real_reference(value: str | None, case_id: int, keys: set[str]) -> bool:
    """A value naming an existing item of the case: a legitimate click, not a malformed one."""
    if not value or "|" not in value:
        return False
    head, _, key = value.partition("|")
    try:
        return head.isdigit() and int(head) == case_id and key in keys
    except ValueError:
        return False


async def test_fuzz_item_done_values(bot):
    slack = bot.slack
    case = await open_case(bot)
    items = await bot.runtime.cases.items(case.id)
    keys = {i.key for i in items}
    snapshot = [(i.key, i.status, i.done_by, i.done_at) for i in items]
    events = await count_rows(bot, "events")
    updates = len(slack.api_calls("chat.update"))
    ts = page_of(case, "final-pay")

    examples = draw(st.tuples(st.sampled_from(PEOPLE), click_values), EXAMPLES)
    examples = [(u, v) for u, v in examples if not known_crash(v) and not real_reference(v, case.id, keys)]
    assert len(examples) >= EXAMPLES // 2
    for user, value in examples:
        seen = (len(slack.ephemeral), len(slack.messages.get("D" + user, [])))
        status, answer = await bot.driver.click(user, ids.ITEM_DONE, value, channel=case.channel_id, ts=ts)
        assert status == 200, (value, status, answer)  # 404 would mean Bolt found no listener

        def answered(user: str = user, seen: tuple[int, int] = seen) -> list[str]:
            eph = [e["text"] for e in slack.ephemeral[seen[0] :] if e["user"] == user]
            return eph + [m["text"] for m in slack.messages.get("D" + user, [])[seen[1] :]]

        shown = await wait_for(answered, what=f"an answer to {value!r}")
        assert all(t.startswith(":no_entry:") for t in shown), (value, shown)  # refused, not crashed
        for t in shown:
            no_traceback(t)

    after = await bot.runtime.cases.items(case.id)
    assert [(i.key, i.status, i.done_by, i.done_at) for i in after] == snapshot
    assert await count_rows(bot, "events") == events
    assert len(slack.api_calls("chat.update")) == updates
    current = await bot.runtime.cases.get(case.id)
    assert (current.status, current.messages) == (case.status, case.messages)
    assert all(i.status != DONE for i in after)
    no_traceback(all_text_shown(slack))


# -- the /offboard form's submission --------------------------------------------------------------

VALID_DAYS = ["2026-12-04", "2026-12-01", "2026-11-30", "2027-01-05"]  # working days ahead, any zone
BAD_DAYS = ["2026-11-26", "2026-11-28", "2026-11-29", "2026-11-24", "2020-01-01"]  # holiday, weekend, past
MALFORMED_DAYS = ["", "2026-13-01", "2026-02-30", "abc", "04/12/2026", "2026-12-04T00:00", "２０２６-12-04"]
MISSING = object()


def parses(day: str) -> bool:
    try:
        date.fromisoformat(day)
    except ValueError:
        return False
    return True


def maybe_missing(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.just(MISSING), strategy)


def mostly(valid: list[str], odd: list[str]) -> st.SearchStrategy:
    """Valid answers three times as often as odd ones, so whole forms are sometimes valid."""
    return st.sampled_from(valid * 3 + odd)


form_answers = st.fixed_dictionaries(
    {
        "actor": st.sampled_from(["UMARIA", "UHANA", "UIVAN", "UOLIVER", "UJANE"]),
        "subject": st.one_of(
            st.sampled_from(PEOPLE),
            st.sampled_from(PEOPLE),
            st.sampled_from(["UHELPERBOT", "UBOT", "UNOBODY", "", "W123"]),
            st.text(max_size=12),
        ),
        "meta": mostly(["object"], ["missing", "empty-object", "subject-not-a-string"]),
        "last_day": st.one_of(
            st.just(MISSING),
            st.sampled_from(VALID_DAYS),
            st.sampled_from(VALID_DAYS),
            st.sampled_from(BAD_DAYS + MALFORMED_DAYS),
            st.text(max_size=12).filter(lambda d: not parses(d)),
        ),
        "reason": maybe_missing(mostly(["voluntary", "involuntary"], ["", "fired", "VOLUNTARY"])),
        "template": mostly(["employee", "contractor"], ["", "nope", "../employee"]).map(
            lambda t: MISSING if t == "" else t
        ),
        "mailbox": maybe_missing(mostly(["none", "shared", "delegate", "backup_delete"], ["", "x"])),
        "mailbox_delegate": st.sampled_from([MISSING, "", "UCOLIN", "UNOBODY"]),
        "phone": maybe_missing(mostly(["none", "disable", "forward"], ["", "sip"])),
        "phone_forward_to": st.sampled_from([MISSING, "", "UCOLIN"]),
        "backup_data": maybe_missing(st.sampled_from(["yes", "no", "", "maybe"])),
        "notes": maybe_missing(st.one_of(st.text(max_size=60), st.text(min_size=2500, max_size=3000))),
    }
)
FIELDS = [
    "last_day", "reason", "template", "mailbox", "mailbox_delegate", "phone", "phone_forward_to",
    "backup_data", "notes",
]  # fmt: skip


def metadata(example: dict[str, Any]) -> str:
    kind = example["meta"]
    if kind == "object":
        return json.dumps({"subject": example["subject"], "channel": "CGENERAL"})
    if kind == "empty-object":
        return "{}"
    if kind == "subject-not-a-string":
        return json.dumps({"subject": [example["subject"]]})
    return ""


def expected(example: dict[str, Any], templates: set[str], open_subjects: set[str], bots: set[str]) -> Any:
    """What the form must answer: ("errors", {fields}), "update" (refused), "confirm" (an involuntary
    exit is pushed a confirmation modal first) or "created"."""
    subject = example["subject"] if example["meta"] == "object" else ""
    get = {k: (None if v is MISSING else v) for k, v in example.items()}
    day = get["last_day"]
    if day and not parses(day):
        return ("errors", {"last_day"})
    if subject not in PEOPLE and subject not in bots:
        return ("errors", {"last_day"})  # unknown person: shown on the first field
    reason = get["reason"] or "voluntary"
    mailbox = get["mailbox"] or "none"
    phone = get["phone"] or "none"
    bad: set[str] = set()
    subject_bad = subject in bots or subject == example["actor"] or subject in open_subjects
    if (get["template"] or "") not in templates:
        bad.add("template")
    if reason not in ("voluntary", "involuntary"):
        bad.add("reason")
    if mailbox not in ("none", "shared", "delegate", "backup_delete"):
        bad.add("mailbox")
    if mailbox == "delegate" and not get["mailbox_delegate"]:
        bad.add("mailbox_delegate")
    if phone not in ("none", "disable", "forward"):
        bad.add("phone")
    if phone == "forward" and not get["phone_forward_to"]:
        bad.add("phone_forward_to")
    if not day:
        bad.add("last_day")
    elif reason != "involuntary" and day not in VALID_DAYS:
        bad.add("last_day")
    if bad:
        return ("errors", bad)
    if subject_bad:
        return ("errors", {"last_day"})  # errors about the person are shown on the first field
    if example["actor"] not in MAY_OPEN:
        return "update"
    return "confirm" if reason == "involuntary" else "created"


def state_for(view: dict[str, Any], example: dict[str, Any]) -> dict[str, Any]:
    answers = {f: example[f] for f in FIELDS if example[f] is not MISSING}
    values = state_values(view, answers)
    for f in FIELDS:
        if example[f] is MISSING:
            values.pop(f, None)
    return values


def metadata_too_long_known(view: dict[str, Any], problems: list[str]) -> bool:
    """Pinned in test_malformed_requests.py: notes JSON-escaped into the confirm modal's metadata."""
    return view.get("callback_id") == ids.OFFBOARD_CONFIRM and all("private_metadata" in p for p in problems)


async def test_fuzz_form_submission(bot):
    slack, cast, runtime = bot.slack, bot.cast, bot.runtime
    view = offboard_form(cast.subject, cast.general, runtime.templates, date(2026, 11, 25))
    templates = set(runtime.templates.templates)
    bots = {cast.other_bot, slack.bot_user_id}
    examples = draw(form_answers, EXAMPLES)
    valid = {
        **{f: MISSING for f in FIELDS},
        "template": "employee",
        "meta": "object",
        "last_day": "2026-12-04",
    }
    # The refusal first: drawn examples may open a case for the colleague (then it reads "errors").
    examples = [{**valid, "actor": cast.it, "subject": cast.colleague}, *examples]
    examples += [
        {**valid, "actor": cast.manager, "subject": cast.subject},
        {**valid, "actor": cast.hr, "subject": cast.colleague, "reason": "involuntary"},
    ]

    open_subjects: set[str] = set()
    outcomes: list[str] = []
    for example in examples:
        want = expected(example, templates, open_subjects, bots)
        cases_before = await count_rows(bot, "cases")
        # Sealed for the actor, as the bot seals the forms it opens (handlers/metadata.py): what is
        # fuzzed here is what is inside the metadata and the answers.
        sealed = Sealer(SIGNING_SECRET).seal(
            {"callback_id": ids.OFFBOARD_FORM, "private_metadata": metadata(example) or "{}"}, example["actor"]
        )["private_metadata"]
        body = view_submission_body(
            example["actor"], ids.OFFBOARD_FORM, state_for(view, example), private_metadata=sealed
        )
        status, answer = await bot.driver.post(body)
        assert status == 200, (example, status, answer)
        if want == "confirm":
            assert isinstance(answer, dict) and answer.get("response_action") == "push", (example, answer)
            pushed = answer["view"]
            assert pushed["callback_id"] == ids.OFFBOARD_CONFIRM
            problems = check_view(pushed)
            if problems and metadata_too_long_known(pushed, problems):
                outcomes.append("confirm-too-long")  # Slack would refuse this modal: nothing to confirm
                continue
            assert problems == [], (example, problems)
            assert await count_rows(bot, "cases") == cases_before  # nothing happens before the confirmation
            confirm = view_submission_body(
                example["actor"], ids.OFFBOARD_CONFIRM, {}, private_metadata=pushed["private_metadata"]
            )
            status, answer = await bot.driver.post(confirm)
            assert status == 200 and answer == {"response_action": "clear"}, (example, status, answer)
            want = "created"
        if want == "created":
            assert not answer or answer == {"response_action": "clear"}, (example, answer)

            async def posted(subject: str = example["subject"]) -> bool:
                case = await runtime.cases.open_case_for(subject)
                return bool(case and case.messages.get("checklist"))

            await wait_for(posted, what=f"case for {example['subject']}")
            open_subjects.add(example["subject"])
            assert await count_rows(bot, "cases") == cases_before + 1
            outcomes.append("created")
            continue
        if want == "update":
            # Who may offboard is read after the ack (it needs the directories): the person is told
            # by message, and nothing starts. An involuntary exit is confirmed first, then refused.
            if (answer or {}).get("response_action") == "push":
                answer = (await bot.driver.post(view_submission_body(
                    example["actor"], ids.OFFBOARD_CONFIRM, {},
                    private_metadata=answer["view"]["private_metadata"],
                )))[1]  # fmt: skip
            assert not answer or answer == {"response_action": "clear"}, (example, answer)
            dm = "D" + example["actor"]
            seen = len(slack.messages.get(dm, []))
            await wait_for(lambda dm=dm, seen=seen: len(slack.messages.get(dm, [])) > seen - 1 and any(
                "Only HR" in m["text"] for m in slack.messages.get(dm, [])[max(seen - 1, 0):]
            ), what="refusal by message")  # fmt: skip
            outcomes.append("update")
            assert await count_rows(bot, "cases") == cases_before, (example, answer)
            continue
        assert isinstance(answer, dict), (example, want, answer)
        no_traceback(json.dumps(answer, ensure_ascii=False))
        assert answer["response_action"] == "errors", (example, want, answer)
        assert set(answer["errors"]) == want[1], (example, want, answer)
        assert all(isinstance(v, str) and v for v in answer["errors"].values()), answer
        outcomes.append("errors")
        assert await count_rows(bot, "cases") == cases_before, (example, answer)

    assert {"created", "update", "errors"} <= set(outcomes), outcomes
    await asyncio.sleep(0.1)
    assert await count_rows(bot, "cases") == len(open_subjects)
    assert len(slack.api_calls("conversations.create")) == len(open_subjects)
    no_traceback(all_text_shown(slack))
