"""Requests sent at the same moment: one thread each, released together by a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def at_once(count: int, send: Callable[[int], T], *, timeout: float = 60) -> list[T]:
    """Call ``send(0)`` … ``send(count - 1)``, each in its own thread, all released at
    once; their results in the order they finished."""
    barrier = threading.Barrier(count)
    results: list[T] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        result = send(i)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results
