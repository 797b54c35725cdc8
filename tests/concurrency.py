"""Run calls at the same moment from several threads, as concurrent requests or processes do,
and hold a conversation from another process, as a turn running there does."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from tests.conftest import REPO_ROOT

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


HOLDER_SCRIPT = """
import sys
from pathlib import Path

from assistant.settings import Settings
from graphs.support.conversation_locks import ConversationLocks

settings = Settings(data_dir=Path(sys.argv[1]))
locks = ConversationLocks(settings.conversation_lock_dir, timeout_seconds=5.0)
with locks.hold(sys.argv[2], sys.argv[3]):
    print("held", flush=True)
    sys.stdin.read()
"""
"""Python script that holds the conversation of the data dir, tenant and id in argv until its
stdin closes."""


@contextmanager
def conversation_held_elsewhere(
    data_dir: Path, tenant: str, conversation_id: str
) -> Iterator[None]:
    """Hold a conversation in another process until the block ends, as a turn running there does.

    Raises:
        AssertionError: the other process could not take the conversation.
    """
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER_SCRIPT, str(data_dir), tenant, conversation_id],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=REPO_ROOT,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        started = holder.stdout.readline()
        assert started == b"held\n", f"the holder exited with {holder.wait(RACE_TIMEOUT_SECONDS)}"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=RACE_TIMEOUT_SECONDS)
        holder.stdout.close()
