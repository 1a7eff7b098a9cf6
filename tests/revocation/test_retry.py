"""The one retry policy of Okta and Graph (bot/revocation/retry.py): what is tried again and how often."""

from __future__ import annotations

import pytest

from bot.revocation.retry import DEFAULT, Attempt, Kind, RetryPolicy

FAST = RetryPolicy(attempts=4, backoff=0.001, rate_wait=0.2)


@pytest.mark.parametrize(
    ("attempt", "kind"),
    [
        (Attempt(True, 200), Kind.DONE),
        (Attempt(False, 404), Kind.DONE),
        (Attempt(False, 403), Kind.DONE),
        (Attempt(False, 400), Kind.DONE),
        (Attempt(False, None, final=True), Kind.DONE),
        (Attempt(False, 429, names_wait=True), Kind.THROTTLED),
        (Attempt(False, 429), Kind.TRANSIENT),
        (Attempt(False, None), Kind.TRANSIENT),
        *((Attempt(False, s), Kind.TRANSIENT) for s in (408, 500, 502, 503, 504)),
    ],
)
def test_what_is_retried(attempt, kind):
    assert RetryPolicy.kind(attempt) is kind


async def answers(*attempts: Attempt) -> tuple[int, int]:
    seen = 0

    async def once() -> Attempt:
        nonlocal seen
        seen += 1
        return attempts[min(seen, len(attempts)) - 1]

    tries = await FAST.run(once)
    assert tries == seen
    return tries, seen


async def test_transient_trouble_gets_attempts_tries_then_stops():
    assert (await answers(Attempt(False, 500)))[0] == 4
    assert (await answers(Attempt(False, 502), Attempt(False, None), Attempt(True, 204)))[0] == 3


async def test_permanent_answers_are_never_sent_again():
    assert (await answers(Attempt(False, 404)))[0] == 1


async def test_throttling_uses_no_attempts_until_the_time_budget_is_spent():
    throttled = Attempt(False, 429, names_wait=True)
    assert (await answers(*[throttled] * 6, Attempt(True, 200)))[0] == 7
    tries, _ = await answers(throttled)  # forever: stopped by rate_wait, not by attempts
    assert tries > 4


async def test_a_call_that_may_have_been_acted_on_is_not_sent_again_unless_idempotent():
    calls = []

    async def once() -> Attempt:
        calls.append(1)
        return Attempt(False, 502)

    assert await FAST.run(once, idempotent=False) == 1
    never_left = [Attempt(False, None, sent=False)] * 2 + [Attempt(True, 201)]

    async def refused() -> Attempt:
        return never_left.pop(0)

    assert await FAST.run(refused, idempotent=False) == 3


def test_one_default_and_tuning_by_field():
    assert (DEFAULT.attempts, DEFAULT.sdk_retries, DEFAULT.rate_wait) == (4, 2, 900.0)
    tuned = DEFAULT.tuned(attempts=2, backoff=None)
    assert (tuned.attempts, tuned.backoff) == (2, DEFAULT.backoff)
    assert all(DEFAULT.delay(n) <= DEFAULT.backoff_cap for n in range(10))
