"""OktaSystem (official okta SDK) against the Okta stand-in: every step, the failure shapes, read-back."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.revocation.contract import LookupFailed, StepOptions, Subject, step_order, waves
from bot.revocation.okta import OktaSystem
from bot.revocation.okta_rules import AFTER_CUTOFF
from standins.okta_api import OktaStandIn

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = StepOptions(keep_groups=("alumni",))
DEACTIVATE = StepOptions(cutoff_action="deactivate")


@pytest.fixture
async def okta():
    stand_in = OktaStandIn()
    await stand_in.start()
    yield stand_in
    await stand_in.stop()


@pytest.fixture
async def system(okta):
    system = OktaSystem(okta.url, okta.token, backoff=0.01, timeout=5.0, provisioned_apps=["slack"])
    yield system
    await system.aclose()


@pytest.fixture
def ann(okta) -> str:
    """A user with something of everything."""
    uid = okta.add_user("ann.lee@example.com", "Ann", "Lee")
    for name, kind in (("Engineering", "OKTA_GROUP"), ("Alumni", "OKTA_GROUP"), ("AD Staff", "APP_GROUP")):
        okta.add_member(okta.add_group(name, kind), uid)
    okta.add_factor(uid, "push", "OKTA")
    okta.add_factor(uid, "token:software:totp", "OKTA")
    okta.add_factor(uid, "sms", "OKTA")
    okta.add_grant(uid, "okta.users.read")
    okta.add_app_link(uid, "Slack", "slack", provisioned=True)
    okta.add_app_link(uid, "Expenses", "expensify", provisioned=False)
    okta.add_session(uid)
    return uid


def subject(uid: str) -> Subject:
    return Subject("okta", uid, "ann.lee@example.com")


def writes(okta: OktaStandIn) -> list[str]:
    return [f"{r.method} {r.path}" for r in okta.requests if r.method != "GET"]


def test_step_names_follow_the_cutoff_action(system):
    assert system.step_names(OPTIONS) == [
        "okta.suspend",
        "okta.clear_sessions",
        "okta.revoke_grants",
        "okta.reset_factors",
        "okta.remove_groups",
    ]
    # Deactivate mode: suspend first, the clean-up while the user is still there, deactivate last
    # (Okta cannot unenroll factors of a deactivated user).
    assert system.step_names(DEACTIVATE) == [
        "okta.suspend",
        "okta.clear_sessions",
        "okta.revoke_grants",
        "okta.reset_factors",
        "okta.remove_groups",
        "okta.deactivate",
    ]
    assert system.step_names(DEACTIVATE)[-1] == "okta.deactivate"
    with pytest.raises(ValueError):
        system.step_names(StepOptions(cutoff_action="delete"))


def test_step_after_declares_what_waits_for_what(system):
    cleanup = ("okta.clear_sessions", "okta.revoke_grants", "okta.reset_factors", "okta.remove_groups")
    suspend_mode = system.step_after(OPTIONS)
    assert list(suspend_mode) == system.step_names(OPTIONS)
    assert suspend_mode == {"okta.suspend": (), **{s: ("okta.suspend",) for s in cleanup}}
    assert waves(system.step_names(OPTIONS), suspend_mode) == [["okta.suspend"], list(cleanup)]
    deactivate_mode = system.step_after(DEACTIVATE)
    assert list(deactivate_mode) == system.step_names(DEACTIVATE)
    assert deactivate_mode["okta.deactivate"] == ("okta.suspend", *cleanup)
    assert waves(system.step_names(DEACTIVATE), deactivate_mode) == [
        ["okta.suspend"],
        list(cleanup),
        ["okta.deactivate"],
    ]
    assert step_order(system, DEACTIVATE) == deactivate_mode


async def test_deactivate_mode_run_in_declared_order_deactivates_last(okta, system, ann):
    who = subject(ann)
    names = system.step_names(DEACTIVATE)
    for wave in waves(names, system.step_after(DEACTIVATE)):
        outcomes = await asyncio.gather(*(system.run(step, who, DEACTIVATE) for step in wave))
        assert all(o.ok for o in outcomes), [o.summary for o in outcomes]
    sent = writes(okta)
    assert sent[0] == f"POST /api/v1/users/{ann}/lifecycle/suspend"
    assert sent[-1] == f"POST /api/v1/users/{ann}/lifecycle/deactivate"
    factor_deletes = [i for i, w in enumerate(sent) if "/factors/" in w]
    assert len(factor_deletes) == 3 and max(factor_deletes) < len(sent) - 1
    assert f"DELETE /api/v1/users/{ann}/sessions" in sent[1:-1]
    assert f"DELETE /api/v1/users/{ann}/grants" in sent[1:-1]
    state = okta.user_state(ann)
    assert (state["status"], state["factors"], state["grants"]) == ("DEPROVISIONED", [], [])
    assert okta.spec_violations == []


async def test_deactivate_mode_suspend_of_a_user_who_is_not_active_leaves_it_to_deactivate(okta, system):
    uid = okta.add_user("locked@example.com", status="LOCKED_OUT")
    outcome = await system.run("okta.suspend", subject(uid), DEACTIVATE)
    assert outcome.ok and "this one is LOCKED_OUT" in outcome.summary
    assert writes(okta) == [] and await system.plan("okta.suspend", subject(uid), DEACTIVATE) == []
    assert (await system.run("okta.deactivate", subject(uid), DEACTIVATE)).summary == "Okta user deactivated"


def test_http_only_for_this_machine_and_the_sdk_switch_is_not_left_on():
    with pytest.raises(ValueError, match="https"):
        OktaSystem("http://acme.okta.com", "t")
    OktaSystem("https://acme.okta.com", "t")  # nothing imported or sent yet
    assert "OKTA_TESTING_TESTINGDISABLEHTTPSCHECK" not in os.environ


async def test_find_subject_by_login_or_email_else_none(okta, system, ann):
    other = okta.add_user("a.lee@example.com")
    okta.org.users[other].profile["email"] = "Ann.Lee@Example.com"  # someone whose email is Ann's login
    found = await system.find_subject("ANN.LEE@example.com")
    assert (found.id, found.login, found.display, found.system) == (
        ann,
        "ann.lee@example.com",
        "Ann Lee",
        "okta",
    )
    assert await system.find_subject("nobody@example.com") is None
    assert okta.requests[0].headers["Authorization"] == "SSWStest-token"  # the SDK sends no space
    assert okta.requests[0].query["search"] == (
        'profile.login eq "ANN.LEE@example.com" or profile.email eq "ANN.LEE@example.com"'
    )
    assert "OKTA_TESTING_TESTINGDISABLEHTTPSCHECK" not in os.environ
    assert okta.spec_violations == []


async def test_find_subject_raises_lookup_failed_when_okta_cannot_be_asked(okta):
    wrong = OktaSystem(okta.url, "wrong-token", backoff=0.01)
    with pytest.raises(LookupFailed, match="401 E0000011: Invalid token provided"):
        await wrong.find_subject("ann.lee@example.com")
    await wrong.aclose()


async def test_manager_of_reads_profile_manager_id(okta, system):
    boss = okta.add_user("boss@example.com")
    for login, manager, expected in (
        ("ann@example.com", boss, "boss@example.com"),  # an Okta id
        ("bob@example.com", "boss@example.com", "boss@example.com"),  # a login
        ("cat@example.com", "hr-4711", None),  # an HR number Okta does not know
        ("dan@example.com", "ext@partner.com", "ext@partner.com"),
        ("eve@example.com", None, None),
    ):
        okta.add_user(login, manager_id=manager)
        assert await system.manager_of(await system.find_subject(login)) == expected, login
    uid = okta.org.find_user("ann@example.com").id
    assert await system.manager_of(Subject("okta", uid, "ann@example.com")) == "boss@example.com"
    okta.inject("GET /api/v1/users/", 500, times=-1)
    with pytest.raises(LookupFailed):
        await system.manager_of(Subject("okta", uid, "ann@example.com"))


async def test_every_step_against_the_stand_in_then_read_back(okta, system, ann):
    who = subject(ann)
    before = await system.read_access(who, OPTIONS)
    ends = {(e.kind, e.name): e.ends_by for e in before.entries}
    assert ends[("status", "ACTIVE")] == "okta.suspend"
    assert ends[("app", "Slack")] == "okta.suspend" and ends[("app", "Expenses")] == "manual"
    assert ends[("group", "Engineering")] == "okta.remove_groups" and ends[("group", "Alumni")] == "manual"
    assert ends[("factor", "sms (OKTA)")] == "okta.reset_factors"
    assert ends[("grant", "okta.users.read")] == "okta.revoke_grants"
    assert (
        "Okta account is ACTIVE" in before.remaining
        and "member of Okta group Engineering" in before.remaining
    )
    assert any("sessions" in n for n in before.notes)
    assert writes(okta) == []

    summaries = {}
    for step in system.step_names(OPTIONS):
        planned = [f"{c.method} {c.path}" for c in await system.plan(step, who, OPTIONS)]
        n = len(okta.requests)
        outcome = await system.run(step, who, OPTIONS)
        assert outcome.ok, outcome.summary
        sent = [f"{c.method} {c.path}" for c in outcome.calls if c.method != "GET"]
        assert sent == planned, step
        assert [(c.method, c.status) for c in outcome.calls] == [
            (r.method, r.status) for r in okta.requests[n:]
        ]
        assert all(len(c.request_id or "") == 32 for c in outcome.calls)
        summaries[step] = outcome
    assert summaries["okta.suspend"].summary == "Okta user suspended"
    assert summaries["okta.revoke_grants"].summary == "Revoked 1 Okta OAuth grant(s): okta.users.read"
    assert summaries["okta.reset_factors"].summary.startswith("Removed 3 Okta MFA factor(s)")
    groups = summaries["okta.remove_groups"]
    assert (
        "Removed from 1 Okta group(s): Engineering" in groups.summary
        and "Kept as asked: Alumni" in groups.summary
    )
    assert groups.manual and "AD Staff" in groups.manual
    assert okta.calls("DELETE", "/sessions$")[0].query == {"oauthTokens": "true", "forgetDevices": "true"}
    assert okta.user_state(ann) == {
        "status": "SUSPENDED",
        "groups": ["AD Staff", "Alumni", "Everyone"],
        "factors": [],
        "grants": [],
        "sessions": 0,
        "oauth_tokens_revoked": True,
        "app_links": ["Expenses", "Slack"],
    }
    after = await system.read_access(who, OPTIONS)
    assert after.remaining == ("member of Okta group AD Staff",)
    assert okta.spec_violations == []


async def test_a_second_run_finds_the_work_done(okta, system, ann):
    who = subject(ann)
    for step in system.step_names(OPTIONS):
        await system.run(step, who, OPTIONS)
    n = len(writes(okta))
    again = {step: await system.run(step, who, OPTIONS) for step in system.step_names(OPTIONS)}
    assert all(o.ok for o in again.values())
    assert again["okta.suspend"].summary == "Okta user was already suspended"
    assert again["okta.revoke_grants"].summary == "No Okta OAuth grants to revoke"
    assert again["okta.reset_factors"].summary == "No Okta MFA factors enrolled"
    assert again["okta.remove_groups"].summary.startswith("No Okta group memberships to remove")
    assert writes(okta)[n:] == [f"DELETE /api/v1/users/{ann}/sessions"]  # cannot be read back: sent again
    assert await system.plan("okta.suspend", who, OPTIONS) == []


@pytest.mark.parametrize("status", [200, 204])
async def test_deactivate_answered_200_empty_object_or_204_is_ok(okta, system, ann, status):
    okta.deactivate_status = status
    outcome = await system.run("okta.deactivate", subject(ann), DEACTIVATE)
    assert (outcome.ok, outcome.summary) == (True, "Okta user deactivated")
    assert outcome.calls[-1].status == status
    assert okta.user_state(ann)["status"] == "DEPROVISIONED"
    assert (
        await system.run("okta.deactivate", subject(ann), DEACTIVATE)
    ).summary == "Okta user was already deactivated"


async def test_unknown_user_is_already_done_not_a_failure(okta, system):
    # "Already gone is done": Okta answers 404 E0000007 "... (User)" for a user it no longer has.
    outcome = await system.run("okta.suspend", subject("00uGONE"), OPTIONS)
    assert (outcome.ok, outcome.already_done) == (True, True)
    assert re.fullmatch(r"Already done \(not found in Okta at \d\d:\d\d UTC\): .*", outcome.summary)
    assert len(okta.requests) == 1  # not retried
    assert [(c.status, len(c.request_id or "")) for c in outcome.calls] == [(404, 32)]
    assert await system.plan("okta.suspend", subject("00uGONE"), OPTIONS) == []


@pytest.mark.parametrize("step", list(AFTER_CUTOFF))
async def test_a_user_deleted_between_steps_is_already_done_for_every_step(okta, system, ann, step):
    del okta.org.users[ann]
    outcome = await system.run(step, subject(ann), OPTIONS)
    assert (outcome.ok, outcome.already_done) == (True, True), outcome.summary
    assert outcome.summary.startswith("Already done (not found in Okta at ")
    assert len(okta.requests) == 1 and okta.requests[0].status == 404  # never a retry loop
    assert [len(r) for r in outcome.request_ids] == [32]  # Okta's X-Okta-Request-Id of the 404


async def test_deactivating_a_user_deactivated_meanwhile_is_already_done(okta, system, ann):
    # Okta answers 404 E0000007 to deactivating a DEPROVISIONED user (okta/okta-sdk-java#721).
    active = {"id": ann, "status": "ACTIVE", "profile": {"login": "ann.lee@example.com"}}
    okta.inject(f"GET /api/v1/users/{ann}$", 200, body=active)
    not_found = {
        "errorCode": "E0000007",
        "errorSummary": f"Not found: Resource not found: {ann} (User)",
        "errorLink": "E0000007",
        "errorId": "oaeAuWNFw1kQY-4nnEavuxb-A",
        "errorCauses": [],
    }
    okta.inject("POST .*/lifecycle/deactivate", 404, body=not_found)
    okta.org.set_status(okta.org.users[ann], "DEPROVISIONED")
    outcome = await system.run("okta.deactivate", subject(ann), DEACTIVATE)
    assert (outcome.ok, outcome.already_done, outcome.summary) == (
        True,
        True,
        "Okta user was already deactivated",
    )
    assert [(c.method, c.status) for c in outcome.calls] == [("GET", 200), ("POST", 404), ("GET", 200)]
    assert all(c.request_id for c in outcome.calls)


async def test_404_on_a_group_delete_means_already_gone(okta, system, ann):
    okta.inject("DELETE /api/v1/groups/", 404)
    outcome = await system.run("okta.remove_groups", subject(ann), OPTIONS)
    assert outcome.ok
    assert "Already gone (Okta said 404): Engineering" in outcome.summary
    assert outcome.data["already_gone"] == ["Engineering"]


async def test_403_is_permanent_words_and_no_retry_loop(okta, system, ann):
    okta.inject("POST .*/lifecycle/suspend", 403, times=-1)
    outcome = await system.run("okta.suspend", subject(ann), OPTIONS)
    assert not outcome.ok
    assert (
        "Okta said 403 E0000006: You do not have permission to perform the requested action"
        in outcome.summary
    )
    assert len(okta.calls("POST")) == 1


async def test_429_with_okta_headers_is_retried_by_the_sdk(okta, system, ann):
    okta.inject("POST .*/lifecycle/suspend", 429)
    outcome = await system.run("okta.suspend", subject(ann), OPTIONS)
    assert outcome.ok, outcome.summary
    posts = okta.calls("POST")
    assert [p.status for p in posts] == [429, 200]
    assert posts[1].headers["X-Okta-Retry-Count"] == "1"
    assert [c.status for c in outcome.calls] == [200, 429, 200]  # GET status, then the two POSTs


async def test_429_without_headers_never_raises(okta, system, ann):
    okta.inject("DELETE .*/sessions", 429, headers={})  # the SDK raises AttributeError on this one
    outcome = await system.run("okta.clear_sessions", subject(ann), OPTIONS)
    assert outcome.ok, outcome.summary
    assert [c.status for c in outcome.calls] == [429, 204]
    okta.inject("DELETE .*/sessions", 429, headers={}, times=-1)
    outcome = await system.run("okta.clear_sessions", subject(ann), OPTIONS)
    assert not outcome.ok
    assert "Okta said 429 E0000047" in outcome.summary and "after 4 tries" in outcome.summary


async def test_500_twice_then_success(okta, system, ann):
    okta.inject("DELETE .*/grants$", 500, times=2)
    outcome = await system.run("okta.revoke_grants", subject(ann), OPTIONS)
    assert outcome.ok, outcome.summary
    assert [c.status for c in outcome.calls] == [200, 500, 500, 204]


@pytest.mark.parametrize("content_type", ["text/plain", "application/json"])
async def test_an_empty_500_is_not_mistaken_for_success(okta, system, ann, content_type):
    # The SDK returns (None, ApiResponse(500), None) for text/plain, raises JSONDecodeError for JSON.
    okta.inject("DELETE .*/grants$", 500, body="", headers={"Content-Type": content_type}, times=-1)
    outcome = await system.run("okta.revoke_grants", subject(ann), OPTIONS)
    assert (outcome.ok, outcome.summary) == (
        False,
        "Okta grants not revoked: Okta answered HTTP 500 (after 4 tries)",
    )


async def test_a_slow_answer_is_a_timeout_then_retried(okta, ann):
    system = OktaSystem(okta.url, okta.token, backoff=0.01, timeout=0.3)
    okta.inject("POST .*/lifecycle/suspend", 0, delay=0.6)  # no error, just late
    outcome = await system.run("okta.suspend", subject(ann), OPTIONS)
    await system.aclose()
    assert outcome.ok, outcome.summary
    assert [c.status for c in outcome.calls] == [200, None, 200]


async def test_connection_refused_is_a_failure_not_an_exception(okta, system, ann):
    await okta.stop()
    outcome = await system.run("okta.suspend", subject(ann), OPTIONS)
    assert not outcome.ok
    assert "Okta could not be reached" in outcome.summary
    assert [c.status for c in outcome.calls] == [None] * 4
    with pytest.raises(LookupFailed):
        await system.find_subject("ann.lee@example.com")
    with pytest.raises(LookupFailed):
        await system.read_access(subject(ann), OPTIONS)


async def test_suspending_a_locked_out_user_says_what_to_do(okta, system):
    uid = okta.add_user("locked@example.com", status="LOCKED_OUT")
    outcome = await system.run("okta.suspend", subject(uid), OPTIONS)
    assert not outcome.ok
    assert "400 E0000001" in outcome.summary and "deactivate instead" in outcome.summary


async def test_plan_reads_but_never_writes(okta, system, ann):
    who = subject(ann)
    plans = {step: await system.plan(step, who, OPTIONS) for step in system.step_names(OPTIONS)}
    assert writes(okta) == []
    assert [c.target for c in plans["okta.reset_factors"]] == list(okta.org.factors[ann])
    assert len(plans["okta.remove_groups"]) == 1
    okta.inject("GET .*/factors$", 403)
    with pytest.raises(LookupFailed, match="403"):
        await system.plan("okta.reset_factors", who, OPTIONS)


def test_importing_and_using_the_adapter_never_imports_okta_client():
    code = (
        "import sys, asyncio\n"
        "import bot.revocation.okta as m\n"
        "assert 'okta' not in sys.modules\n"
        "s = m.OktaSystem('http://127.0.0.1:9', 't', backoff=0.001, attempts=1)\n"
        "asyncio.run(s.run('okta.clear_sessions', m.Subject('okta', '00u1', 'x'), m.StepOptions()))\n"
        "assert 'okta.api.user_sessions_api' in sys.modules and 'okta.client' not in sys.modules\n"
        "assert 'okta.api.application_api' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)
