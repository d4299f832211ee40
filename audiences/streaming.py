"""Sending the staged rows of a STREAMING job: chunks read from the spool one at a time, and
handed to ``senders`` concurrent tasks (Treasure Data's ``thread_count``).

Memory stays flat: the queue holds at most one chunk per sender. The first sender to fail
stops the whole send and its error is raised; chunks other senders had in flight may have
been acknowledged by then, and the caller's progress records say which.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

Rows = list[list[str | None]]
Chunk = tuple[int, Rows]


def read_chunks(path: Path, size: int, skip: set[int] | frozenset[int] = frozenset()) -> Iterator[Chunk]:
    """(index, rows) of the spool's JSON lines, ``size`` rows each; chunks in ``skip`` are
    counted but not parsed."""
    with path.open(encoding="utf-8") as handle:
        lines: list[str] = []
        index = 0
        for line in handle:
            lines.append(line)
            if len(lines) == size:
                if index not in skip:
                    yield index, [json.loads(x) for x in lines]
                lines, index = [], index + 1
        if lines and index not in skip:
            yield index, [json.loads(x) for x in lines]


async def send_concurrently(
    chunks: Iterator[Chunk], send: Callable[[int, Rows], Awaitable[None]], senders: int
) -> None:
    """``send`` every chunk with ``senders`` tasks; raises the first failure."""
    queue: asyncio.Queue[Chunk | None] = asyncio.Queue(maxsize=senders)

    async def sender() -> None:
        while (item := await queue.get()) is not None:
            await send(*item)

    tasks = [asyncio.create_task(sender()) for _ in range(senders)]

    async def put(item: Chunk | None) -> None:
        putting = asyncio.ensure_future(queue.put(item))
        done, _ = await asyncio.wait([putting, *tasks], return_when=asyncio.FIRST_COMPLETED)
        if putting not in done:  # a sender ended before there was room: it can only have failed
            putting.cancel()
            failed = next(t for t in tasks if t.done())
            failed.result()
            raise RuntimeError("a sender stopped early")

    try:
        for chunk in chunks:
            await put(chunk)
        for _ in tasks:
            await put(None)
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
