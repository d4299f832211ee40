"""The throttle never lets TikTok count more than ``limit`` calls in any window, whatever
the network delay of each call, and never waits longer than it must: hypothesis drives
arbitrary arrival patterns and latencies on a virtual clock."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.throttle import Throttle, Window


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def _max_in_any_window(times: list[float], seconds: float) -> int:
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - seconds:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


calls = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=2.0, allow_nan=False),  # gap before the call
        st.floats(min_value=0, max_value=0.3, allow_nan=False),  # round-trip latency
        st.floats(min_value=0, max_value=1.0, allow_nan=False),  # when in the trip TikTok counts it
    ),
    min_size=1,
    max_size=120,
)


@settings(max_examples=150, deadline=None)
@given(
    calls=calls,
    per_second=st.integers(1, 6),
    per_minute=st.integers(1, 40),
    margin=st.sampled_from([0, 0.01]),
)
def test_tiktok_never_counts_an_overflow_and_no_needless_wait(
    calls: list[tuple[float, float, float]], per_second: int, per_minute: int, margin: float
) -> None:
    clock = VirtualClock()
    throttle = Throttle(margin=margin, clock=clock, sleep=clock.sleep)
    windows = [Window(per_second, 1.0), Window(per_minute, 60.0)]
    counted: list[float] = []  # when TikTok saw each call
    answered: list[float] = []  # when each answer arrived

    async def run() -> None:
        for gap, latency, where in calls:
            clock.now += gap
            arrival = clock.now
            ticket = await throttle.acquire([("adv", windows)])
            if clock.now > arrival:
                # It waited: a moment (1 ms) earlier, some window was still full.
                earlier = clock.now - 1e-3
                assert any(
                    sum(t > earlier - w.seconds - margin for t in answered) >= w.limit for w in windows
                )
            counted.append(clock.now + where * latency)
            clock.now += latency
            throttle.done(ticket)
            answered.append(clock.now)

    asyncio.run(run())
    assert _max_in_any_window(counted, 1.0) <= per_second
    assert _max_in_any_window(counted, 60.0) <= per_minute


def test_unanswered_calls_hold_their_slot() -> None:
    """A call still in flight keeps its place: the next one waits for its answer."""
    clock = VirtualClock()
    throttle = Throttle(margin=0, clock=clock, sleep=clock.sleep)
    window = [Window(1, 1.0)]

    async def run() -> float:
        first = await throttle.acquire([("k", window)])
        clock.now += 5.0  # a slow answer
        throttle.done(first)
        await throttle.acquire([("k", window)])
        return clock.now

    assert asyncio.run(run()) >= 6.0  # 1 s after the first answer, not after its send


def test_scopes_are_independent_and_shared_scope_binds_all() -> None:
    """Two advertisers each get their own window; the app window caps them together."""
    clock = VirtualClock()
    throttle = Throttle(margin=0, clock=clock, sleep=clock.sleep)
    per_adv = [Window(2, 1.0)]
    app = ("app", [Window(3, 1.0)])
    times: dict[str, list[float]] = {"a": [], "b": []}

    async def run() -> None:
        for adv in "abab" * 3:
            throttle.done(await throttle.acquire([app, (adv, per_adv)]))
            times[adv].append(clock.now)

    asyncio.run(run())
    everything = times["a"] + times["b"]
    assert _max_in_any_window(everything, 1.0) <= 3
    assert all(_max_in_any_window(t, 1.0) <= 2 for t in times.values())


def test_concurrent_callers_share_one_limit() -> None:
    """Eight tasks on the real event loop: the observed rate stays within the limit."""
    throttle = Throttle(margin=0.0)
    window = Window(20, 0.5)
    stamps: list[float] = []

    async def caller() -> None:
        loop = asyncio.get_running_loop()
        for _ in range(10):
            ticket = await throttle.acquire([("k", [window])])
            stamps.append(loop.time())
            throttle.done(ticket)

    async def run() -> None:
        await asyncio.gather(*(caller() for _ in range(8)))

    asyncio.run(run())
    assert len(stamps) == 80
    assert _max_in_any_window(stamps, 0.5 - 0.005) <= 20


def test_share_divides_a_quota_between_processes() -> None:
    assert Window(10, 1.0).shared_by(4) == Window(2, 1.0)
    assert Window(3, 1.0).shared_by(8) == Window(1, 1.0)
