"""Run calls at the same moment from several threads, as concurrent requests or processes do."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

RACE_TIMEOUT_SECONDS = 120.0
"""Time that every call gets to start together and to finish."""


def run_at_once(calls: Sequence[Callable[[], T]]) -> list[T | Exception]:
    """Run each call in its own thread, all released together by a barrier.

    Returns:
        The result of each call in order, or the exception it raised in its place, so that a
        test can check the failures it expects.

    Raises:
        AssertionError: a call did not finish within RACE_TIMEOUT_SECONDS.
    """
    barrier = threading.Barrier(len(calls))
    results: dict[int, T | Exception] = {}

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=RACE_TIMEOUT_SECONDS)
            results[index] = calls[index]()
        except Exception as exc:  # noqa: BLE001 - returned in the call's place
            results[index] = exc
            barrier.abort()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RACE_TIMEOUT_SECONDS)
    unfinished = [index for index in range(len(calls)) if index not in results]
    assert not unfinished, f"calls {unfinished} did not finish in {RACE_TIMEOUT_SECONDS} s"
    return [results[index] for index in range(len(calls))]


def raise_first_error(results: Sequence[T | Exception]) -> list[T]:
    """Return the results of `run_at_once` when no call raised, else raise the first exception."""
    for result in results:
        if isinstance(result, Exception):
            raise result
    return [result for result in results if not isinstance(result, Exception)]
