"""Progress bars for long command-line runs (verify, bulk), on stderr and only at a terminal.

Scripts, pipes and tests read stdout (and often stderr) byte for byte, so without a TTY on stderr
these helpers hand back the work untouched and draw nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

from tqdm import tqdm

T = TypeVar("T")
POLL_EVERY = 0.5  # seconds between reads of how far background work got


def shown() -> bool:
    """Only a person at a terminal wants a bar; anything else would get control characters."""
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def bar(desc: str, unit: str = "case") -> Callable[[Sequence[T]], Iterable[T]]:
    """A wrapper for a loop over known items: `for x in bar("verify")(items)`."""

    def track(items: Sequence[T]) -> Iterable[T]:
        if not shown():
            return items
        return tqdm(items, desc=desc, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)

    return track


async def watch(
    work: Awaitable[T],
    total: int,
    read: Callable[[], Awaitable[Any]],
    count: Callable[[Any], int],
    desc: str,
) -> T:
    """Await `work` while a bar shows `count(await read())` of `total`, read every POLL_EVERY s."""
    if not shown():
        return await work
    task = asyncio.ensure_future(work)
    with tqdm(total=total, desc=desc, file=sys.stderr, leave=False, dynamic_ncols=True) as progress:
        while not task.done():
            await asyncio.wait({task}, timeout=POLL_EVERY)
            # A failed read only costs the bar an update; the work itself must not be disturbed.
            with contextlib.suppress(Exception):
                progress.n = min(total, count(await read()))
                progress.refresh()
    return task.result()
