"""The shared rate pacer: unit tests on its budget, gates and priorities, then through the real Okta
and Graph stand-ins over HTTP. Times are only bounded from below (what the limits imply), never
asserted tight: the machine may be slow."""

from __future__ import annotations

import asyncio
import math
import random
import time
from email.utils import formatdate
from types import SimpleNamespace

import pytest
from aiohttp import web

from bot.revocation import pacing
from bot.revocation.contract import AccessState, StepOptions, Subject
from bot.revocation.graph import GraphSystem
from bot.revocation.okta import OktaSystem
from bot.revocation.pacing import BRIEF, Pacer, low_priority
from bot.revocation.review import AccessReview
from standins.graph_api import GraphStandIn
from standins.okta_api import OktaStandIn, _Bucket

pytestmark = [
    pytest.mark.filterwarnings("ignore:This class is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:GetQueryParameters is deprecated:DeprecationWarning"),
]


def okta_headers(limit: int, remaining: int, reset: float, date: float | None = None) -> dict[str, str]:
    headers = {
        "x-rate-limit-limit": str(limit),
        "x-rate-limit-remaining": str(remaining),
        "x-rate-limit-reset": str(reset),
    }
    if date is not None:
        headers["date"] = formatdate(date, usegmt=True)
    return headers


async def until(condition, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition did not come true")


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


class Held:
    """Tasks that take a slot and keep it until told to answer."""

    def __init__(self, pacer: Pacer) -> None:
        self.pacer = pacer
        self.granted: list[tuple[str, int, float]] = []  # (name, seq, time)
        self.answers: dict[str, asyncio.Future[tuple[int, dict[str, str]]]] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, name: str, bucket: str = "write", *, low: bool = False) -> None:
        self.answers[name] = asyncio.get_running_loop().create_future()

        async def run() -> None:
            async with self.pacer.slot(bucket) as ticket:
                self.granted.append((name, ticket.seq, time.time()))
                status, headers = await self.answers[name]
                ticket.observe(status, headers)

        if low:
            with low_priority():
                self.tasks[name] = asyncio.create_task(run())
        else:
            self.tasks[name] = asyncio.create_task(run())

    def answer(self, name: str, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.answers[name].set_result((status, headers or {}))

    @property
    def names(self) -> list[str]:
        return [n for n, _, _ in self.granted]

    async def granted_count(self, n: int) -> None:
        await until(lambda: len(self.granted) >= n)

    async def close(self) -> None:
        for task in self.tasks.values():
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)


@pytest.fixture
async def make_held():
    made: list[Held] = []

    def make(pacer: Pacer) -> Held:
        made.append(Held(pacer))
        return made[-1]

    yield make
    for held in made:
        await held.close()


# -- unit: concurrency, probing, budget -------------------------------------------------------------
async def test_never_more_than_max_concurrency_in_flight_all_buckets_together():
    pacer = Pacer("t", max_concurrency=3)
    in_flight = peak = 0

    async def one(i: int) -> None:
        nonlocal in_flight, peak
        async with pacer.slot("read" if i % 2 else "write") as ticket:
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.005)
            in_flight -= 1
            ticket.observe(200, {})

    await asyncio.gather(*(one(i) for i in range(40)))
    assert peak == 3
    assert pacer.stats() | {"waited_s": 0} == {
        "name": "t",
        "sent": 40,
        "throttled": 0,
        "waited_s": 0,
        "in_flight": 0,
        "window": 3,
        "queued": 0,
    }
    assert pacer.waited > 0


async def test_a_bucket_not_heard_from_sends_one_request_first(make_held):
    held = make_held(Pacer("t", max_concurrency=10))
    for name in "abcd":
        held.start(name)
    await settle()
    assert held.names == ["a"]  # the rest wait to learn the budget
    held.answer("a", headers=okta_headers(100, 99, time.time() + 60))
    await settle()
    assert held.names == ["a", "b", "c", "d"]


async def test_a_bucket_without_rate_headers_is_bounded_by_concurrency_only(make_held):
    held = make_held(Pacer("t", max_concurrency=10))
    for name in "abcd":
        held.start(name)
    await settle()
    held.answer("a")  # e.g. Graph: no X-Rate-Limit-*
    await settle()
    assert held.names == ["a", "b", "c", "d"]
    assert held.pacer.remaining("write") == math.inf


async def test_budget_is_the_last_counted_remaining_less_what_is_in_flight(make_held):
    pacer = Pacer("t", max_concurrency=50)
    held = make_held(pacer)
    reset = time.time() + 60
    held.start("s1")
    await settle()
    held.answer("s1", headers=okta_headers(6, 4, reset))  # one used already, by someone else
    for name in ("s2", "s3", "s4", "s5", "s6"):
        held.start(name)
    await settle()
    assert held.names == ["s1", "s2", "s3", "s4", "s5"]  # 4 left: s6 waits for answers in flight
    assert pacer.remaining("write") == 0
    # The server counted s3 before s2, and s2's answer comes back first.
    held.answer("s2", headers=okta_headers(6, 2, reset))
    await settle()
    held.answer("s3", headers=okta_headers(6, 3, reset))  # counted earlier: says nothing new
    await settle()
    assert held.names == ["s1", "s2", "s3", "s4", "s5"]  # 2 left, s4 and s5 still in flight
    held.answer("s5", headers=okta_headers(6, 1, reset))
    held.answer("s4", headers=okta_headers(6, 0, reset))
    await settle()
    assert held.names == ["s1", "s2", "s3", "s4", "s5"]
    assert pacer.stats()["queued"] == 1  # nothing in flight, nothing left: s6 waits for the reset


async def test_an_exhausted_window_waits_until_reset_then_allows_limit_again(make_held):
    pacer = Pacer("t", max_concurrency=50)
    held = make_held(pacer)
    held.start("probe")
    await settle()
    reset = time.time() + 0.4  # no Date header: no skew
    held.answer("probe", headers=okta_headers(3, 0, reset))
    for i in range(5):
        held.start(f"r{i}")
    await settle()
    assert held.names == ["probe"]
    await held.granted_count(4)
    await settle()
    granted = held.granted[1:]
    assert [n for n, _, _ in granted] == ["r0", "r1", "r2"]  # the new window's limit, no more
    assert all(at >= reset for _, _, at in granted)
    for name, remaining in (("r0", 4), ("r1", 3), ("r2", 2)):  # the new window allows 5
        held.answer(name, headers=okta_headers(5, remaining, reset + 60))
    await settle()
    assert held.names[-2:] == ["r3", "r4"]  # answers refine the cap: room for two more


async def test_answers_from_an_older_window_are_ignored(make_held):
    pacer = Pacer("t", max_concurrency=50)
    held = make_held(pacer)
    now = time.time()
    held.start("a")
    await settle()
    held.answer("a", headers=okta_headers(10, 1, now + 120))
    held.start("b")
    held.start("c")
    await settle()
    assert held.names == ["a", "b"]
    held.answer("b", headers=okta_headers(10, 9, now + 60))  # counted in an older window
    await settle()
    assert held.names == ["a", "b", "c"]  # so the current window still had 1, and no more
    assert pacer.remaining("write") == 0


def test_server_clock_from_date_headers_is_never_ahead():
    now = [1_800_000_000.75]
    pacer = Pacer("t", max_concurrency=5, clock=lambda: now[0])
    ticket = pacing.Ticket(pacer, "read", 1)
    pacer._bucket("read").flying.add(1)
    ticket.observe(200, {"date": formatdate(now[0] + 3, usegmt=True)})  # server 3.75 s ahead
    assert pacer.server_now() == pytest.approx(now[0] + 2.25)  # Date has whole seconds: at most behind
    now[0] += 0.5  # a later answer, just after a server second began
    second = pacing.Ticket(pacer, "read", 2)
    second.observe(200, {"date": formatdate(now[0] + 3, usegmt=True)})
    assert pacer.server_now() == pytest.approx(now[0] + 2.75)  # the larger sample wins
    assert pacer.server_now() <= now[0] + 3.75
    now[0] += pacing.SKEW_MEMORY + 1  # the server's clock was reset meanwhile: old samples expire
    later = pacing.Ticket(pacer, "read", 3)
    later.observe(200, {"date": formatdate(now[0] + 1, usegmt=True)})
    assert pacer.server_now() == pytest.approx(math.floor(now[0] + 1))  # 0.75 ahead, not 2.75


async def test_a_window_is_read_on_the_servers_clock_not_ours(make_held):
    offset = 30.0  # the server's clock is 30 s ahead
    pacer = Pacer("t", max_concurrency=5)
    held = make_held(pacer)
    held.start("a")
    await settle()
    server = time.time() + offset
    reset = math.floor(server) + 1  # by the server's clock, the window ends within a second
    held.answer("a", headers=okta_headers(1, 0, reset, date=server))
    held.start("b")
    await held.granted_count(2)
    waited = held.granted[1][2] - held.granted[0][2]
    assert waited < offset  # read on our clock, the reset would be 30 s away
    assert held.granted[1][2] + offset >= reset  # never before the server's reset


# -- unit: 429 gates, slow start, cancellation, priority -------------------------------------------
async def test_a_429_closes_the_gate_for_everyone_until_reset_and_drops_the_window_to_one(make_held):
    pacer = Pacer("t", max_concurrency=10)
    held = make_held(pacer)
    held.start("probe")
    await settle()
    held.answer("probe", headers=okta_headers(100, 90, time.time() + 60))
    for name in ("a", "b", "c"):
        held.start(name)
    await settle()
    reset = time.time() + 0.4
    held.answer("a", 429, okta_headers(100, 0, reset))  # someone else spent the window
    await settle()
    assert pacer.throttled == 1 and pacer.window == 1
    for name in ("d", "e", "f"):
        held.start(name)
    held.start("g", "read")  # another bucket: not gated, but the window is 1 while b and c fly
    await settle()
    assert held.names == ["probe", "a", "b", "c"]
    held.answer("b")
    held.answer("c")
    await settle()
    assert held.names[-1] == "g" and pacer.window == 3  # grows again with every answer
    await held.granted_count(7)
    assert held.names[5:] == ["d", "e"]  # with g in flight, the window of 3 has room for two
    assert all(at >= reset for _, _, at in held.granted[5:])


async def test_a_429_with_retry_after_closes_the_gate_for_that_long(make_held):
    pacer = Pacer("t", max_concurrency=10)
    held = make_held(pacer)
    held.start("a")
    await settle()
    answered = time.time()
    held.answer("a", 429, {"retry-after": "1"})
    held.start("b")
    held.start("r", "read")
    await held.granted_count(2)
    assert held.names == ["a", "r"]  # the read bucket's gate is open
    held.answer("r")
    await held.granted_count(3)
    assert held.names == ["a", "r", "b"]
    assert held.granted[2][2] >= answered + 1


async def test_a_concurrency_429_pauses_only_briefly_and_leaves_the_budget_alone(make_held):
    pacer = Pacer("t", max_concurrency=10)
    held = make_held(pacer)
    held.start("a")
    await settle()
    held.answer("a", headers=okta_headers(100, 99, time.time() + 60))
    held.start("b")
    await settle()
    answered = time.time()
    held.answer("b", 429, okta_headers(0, 0, math.ceil(time.time()) + 1))
    await settle()
    assert pacer.remaining("write") == 99  # not a rate answer, and b was not counted
    held.start("c")
    await held.granted_count(3)
    assert held.granted[2][2] >= answered + BRIEF


async def test_a_cancelled_waiter_leaves_the_queue_and_a_held_slot_is_given_back(make_held):
    pacer = Pacer("t", max_concurrency=1)
    held = make_held(pacer)
    held.start("a")
    held.start("b")
    held.start("c")
    await settle()
    held.tasks["b"].cancel()
    await settle()
    held.answer("a")
    await settle()
    assert held.names == ["a", "c"]
    held.tasks["c"].cancel()  # cancelled while holding the slot
    await settle()
    assert pacer.in_flight == 0
    held.start("d")
    await settle()
    assert held.names == ["a", "c", "d"]


async def test_low_priority_waits_while_any_normal_request_waits(make_held):
    pacer = Pacer("t", max_concurrency=1)
    held = make_held(pacer)
    held.start("busy")
    held.start("low1", "read", low=True)
    held.start("low2", "read", low=True)
    held.start("n1")
    held.start("n2", "read")
    await settle()
    assert held.names == ["busy"]
    held.answer("busy")
    await settle()
    assert held.names == ["busy", "n1"]
    held.answer("n1")
    await settle()
    assert held.names == ["busy", "n1", "n2"]
    held.answer("n2")
    await settle()
    held.answer("low1")
    await settle()
    assert held.names == ["busy", "n1", "n2", "low1", "low2"]


async def test_answers_out_of_order_never_overrun_a_fixed_window():
    """A fake Okta counting requests in arrival order, answering in random order: no 429, ever."""
    rng = random.Random(7)
    pacer = Pacer("t", max_concurrency=8)
    limit, window = 5, 0.3
    state = {"start": -math.inf, "used": 0, "rejected": 0}
    counted: list[float] = []

    async def request() -> None:
        async with pacer.slot("write") as ticket:
            await asyncio.sleep(rng.uniform(0, 0.02))  # on the way: arrivals reorder
            now = time.time()
            if now >= state["start"] + window:
                state["start"], state["used"] = now, 0
            reset = state["start"] + window
            if state["used"] >= limit:
                state["rejected"] += 1
                status, remaining = 429, 0
            else:
                state["used"] += 1
                counted.append(now)
                status, remaining = 200, limit - state["used"]
            await asyncio.sleep(rng.uniform(0, 0.02))  # on the way back
            ticket.observe(status, okta_headers(limit, remaining, reset))

    started = time.time()
    await asyncio.gather(*(request() for _ in range(30)))
    assert state["rejected"] == 0 and pacer.throttled == 0
    assert len(counted) == 30
    assert time.time() - started >= (math.ceil(30 / limit) - 1) * window


async def test_access_review_reads_run_at_low_priority():
    seen = []

    class System:
        name = "okta"

        async def read_access(self, subject, options):
            seen.append(pacing._low.get())
            return AccessState("okta", (), (), ())

    async def subject(system, case):
        seen.append(pacing._low.get())
        return Subject("okta", "00u1", "x@example.com")

    async def options_for(case):
        return StepOptions()

    service = SimpleNamespace(systems={"okta": System()}, subject=subject, options_for=options_for)
    review = AccessReview(service, None, None)  # type: ignore[arg-type]
    await review._read(SimpleNamespace(subject_email="x@example.com"))  # type: ignore[arg-type]
    assert seen == [True, True]
    assert pacing._low.get() is False


def test_okta_standin_windows_start_on_whole_seconds():
    bucket = _Bucket()
    bucket.roll(1_800_000_000.7, 60.0)
    assert bucket.start == 1_800_000_000  # X-Rate-Limit-Reset = start + 60 exactly
    bucket.roll(1_800_000_060.2, 60.0)
    assert bucket.start == 1_800_000_060
    short = _Bucket()
    short.roll(1_800_000_000.7, 0.5)  # a window shorter than floor() takes off
    assert short.start == 1_800_000_000.7


# -- through the stand-ins over HTTP ----------------------------------------------------------------
async def test_okta_200_concurrent_calls_stay_within_the_rate_limit_without_a_429():
    limit, window, per_bucket = 30, 2.0, 100
    async with OktaStandIn(rate_limit=limit, rate_window=window) as okta:
        users = [okta.add_user(f"user{i}@example.com") for i in range(per_bucket)]
        system = OktaSystem(okta.url, okta.token, backoff=0.01, max_concurrency=50)
        try:
            t0 = time.time()
            reads = [system.client.call("get_user", uid) for uid in users]
            writes = [
                system.run("okta.clear_sessions", Subject("okta", uid, "x"), StepOptions()) for uid in users
            ]
            results = await asyncio.gather(*reads, *writes)
            elapsed = time.time() - t0
        finally:
            await system.aclose()
        assert all(r.ok for r in results[:per_bucket])
        assert all(r.ok for r in results[per_bucket:])
        assert (okta.rate_limited, okta.concurrency_limited) == (0, 0)
        assert okta.max_in_flight <= 50
        assert system.client.pacer.throttled == 0
        assert len(okta.calls("DELETE")) == per_bucket and len(okta.calls("GET")) == per_bucket
        # Each bucket needs ceil(100 / 30) = 4 windows; the first starts on the second t0 falls in.
        lower_bound = math.floor(t0) + (math.ceil(per_bucket / limit) - 1) * window - t0
        assert elapsed >= lower_bound
        assert elapsed <= 3 * lower_bound + 5  # a loose sanity bound, not a timing test


async def test_okta_429_storm_loses_nothing_and_each_write_lands_once():
    async with OktaStandIn() as okta:
        users = [okta.add_user(f"user{i}@example.com") for i in range(25)]
        okta.inject("POST .*/lifecycle/suspend", 429, times=12)  # with Okta's headers: reset is now
        system = OktaSystem(okta.url, okta.token, backoff=0.01, max_concurrency=50)
        try:
            outcomes = await asyncio.gather(
                *(system.run("okta.suspend", Subject("okta", uid, "x"), StepOptions()) for uid in users)
            )
        finally:
            await system.aclose()
        assert all(o.ok for o in outcomes), [o.summary for o in outcomes if not o.ok]
        posts = okta.calls("POST", "/lifecycle/suspend")
        assert sorted(r.status for r in posts) == [200] * 25 + [429] * 12
        ok_paths = [r.path for r in posts if r.status == 200]
        assert len(set(ok_paths)) == 25  # each user suspended exactly once
        assert all(okta.user_state(uid)["status"] == "SUSPENDED" for uid in users)
        assert system.client.pacer.throttled == 12


async def test_okta_429s_use_no_attempts_until_the_time_budget_is_spent():
    async with OktaStandIn() as okta:
        uid = okta.add_user("ann@example.com")
        system = OktaSystem(okta.url, okta.token, backoff=0.01, max_retries=0, attempts=2)
        try:
            okta.inject("DELETE .*/sessions", 429, times=5)
            reply = await system.client.call("revoke_user_sessions", uid)
            assert reply.ok, reply.words
            assert [e.status for e in reply.exchanges] == [429] * 5 + [204]
            system.client.max_rate_wait = 0.6
            okta.inject("DELETE .*/sessions", 429, times=-1)
            reply = await system.client.call("revoke_user_sessions", uid)
        finally:
            await system.aclose()
        assert not reply.ok and "Okta said 429 E0000047" in reply.words
        assert len(reply.exchanges) >= 2  # retried past `attempts`, stopped by the time budget


async def test_okta_revocations_go_before_low_priority_reads():
    async with OktaStandIn() as okta:
        users = [okta.add_user(f"user{i}@example.com") for i in range(6)]
        system = OktaSystem(okta.url, okta.token, backoff=0.01, max_concurrency=1)
        pacer = system.client.pacer
        try:
            async with pacer.slot("read"):  # busy: everything below queues up
                with low_priority():
                    lows = [asyncio.create_task(system.client.call("get_user", uid)) for uid in users]
                normals = [
                    asyncio.create_task(system.client.call("revoke_user_sessions", uid)) for uid in users
                ]
                await until(lambda: pacer.stats()["queued"] == 12)
            replies = await asyncio.gather(*lows, *normals)
        finally:
            await system.aclose()
        assert all(r.ok for r in replies)
        assert [r.method for r in okta.requests] == ["DELETE"] * 6 + ["GET"] * 6


class TimedGraph(GraphStandIn):
    """Graph stand-in that notes when each request arrived and each answer left."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.timeline: list[tuple[float, str, int]] = []  # (arrival, method, status)

    def make_app(self) -> web.Application:
        app = super().make_app()
        app.middlewares.insert(0, self._clocked)
        return app

    @web.middleware
    async def _clocked(self, request: web.Request, handler) -> web.StreamResponse:
        arrived = time.time()
        resp = await handler(request)
        self.timeline.append((arrived, request.method, resp.status))
        return resp


async def graph_users(graph: GraphStandIn, system: GraphSystem, n: int) -> list[Subject]:
    for i in range(n):
        graph.add_user(f"user{i}@contoso.com", f"User {i}")
    found = await asyncio.gather(*(system.find_subject(f"user{i}@contoso.com") for i in range(n)))
    graph.requests.clear()
    return [s for s in found if s is not None]


async def test_graph_many_writes_under_a_sliding_window_all_succeed():
    async with TimedGraph(rate_limit=8, rate_window=1.0) as graph:
        system = GraphSystem(graph.url, access_token="t", backoff=0.01, max_concurrency=20)
        try:
            subjects = await graph_users(graph, system, 30)
            outcomes = await asyncio.gather(
                *(system.run("graph.revoke_sessions", s, StepOptions()) for s in subjects)
            )
        finally:
            await system.aclose()
        assert all(o.ok for o in outcomes), [o.summary for o in outcomes if not o.ok]
        posts = graph.calls("POST", "/revokeSignInSessions$")
        assert sorted({r.path for r in posts if r.status == 200}) == sorted(
            f"/users/{s.id}/revokeSignInSessions" for s in subjects
        )
        assert [r.status for r in posts].count(200) == 30
        assert system.pacer.throttled == [r.status for r in posts].count(429) > 0


async def test_graph_one_429_pauses_every_other_write_until_retry_after():
    async with TimedGraph() as graph:
        system = GraphSystem(graph.url, access_token="t", backoff=0.01, max_concurrency=20)
        try:
            subjects = await graph_users(graph, system, 10)
            graph.timeline.clear()
            graph.inject(r"POST .*/revokeSignInSessions", 429, headers={"Retry-After": "2"})
            outcomes = await asyncio.gather(
                *(system.run("graph.revoke_sessions", s, StepOptions()) for s in subjects)
            )
        finally:
            await system.aclose()
        assert all(o.ok for o in outcomes)
        writes = [(at, status) for at, method, status in graph.timeline if method == "POST"]
        throttled_at = [at for at, status in writes if status == 429]
        assert len(throttled_at) == 1 and len(writes) == 11
        # The 429 answered the first write alone; nothing was sent until Retry-After had passed.
        assert all(at >= throttled_at[0] + 2 for at, status in writes if status != 429)
        assert system.pacer.throttled == 1
