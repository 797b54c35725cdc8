"""One turn at a time per conversation, across the threads and processes of one data dir.

A turn reads the conversation's checkpoint when it starts and writes the next one when it
ends. Two turns of one conversation that overlap would both start from the same checkpoint,
and the one that ends last would drop the other's messages, so `ConversationLocks.hold` makes
them take turns.

Each held conversation has a lock file, named by the SHA-256 of its thread id and locked with
flock(2). The kernel releases that lock when its process exits, even in a crash, so a dead
process never leaves a conversation locked. The holder deletes the file before it unlocks it,
so the folder keeps a file only while its conversation is held, or after its holder crashed
until the next turn of that conversation. A waiter that then gets the lock of the deleted
file opens the path again.

NOTE: flock(2) needs a POSIX system. Whether it locks across hosts that share the data dir on
a network file system depends on that file system.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.errors import ConflictError
from assistant.tenants import conversation_thread_id

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.05
"""Time between two tries to lock a conversation that another turn holds."""


class ConversationBusyError(ConflictError):
    """Raised when another turn kept the conversation for longer than the lock timeout."""

    def __init__(self, conversation_id: str, seconds: float) -> None:
        seconds_text = f"{seconds:g}"
        super().__init__(
            f"conversation {conversation_id!r} is busy: waiting for another message of it to be "
            f"answered timed out after {seconds_text} s, so this message was not answered; send "
            "it again in a moment",
            code="conversation_busy",
            conversation_id=conversation_id,
            seconds=seconds_text,
        )
        self.conversation_id = conversation_id


class ConversationLocks:
    """Locks that let one turn of a conversation run at a time.

    A thread that has taken a conversation may take it again through the same object, as the
    API's request handler and the agent it calls both do. Only the outermost `hold` locks and
    unlocks. Through another object the thread would wait for itself until the timeout.

    Args:
        folder: Folder of the lock files, the same for every process on the data dir.
        timeout_seconds: Longest wait for a conversation that another turn holds.
    """

    def __init__(self, folder: Path, timeout_seconds: float) -> None:
        self._folder = folder
        self._timeout_seconds = timeout_seconds
        self._local = threading.local()

    @contextmanager
    def hold(self, tenant: str, conversation_id: str) -> Iterator[None]:
        """Hold a tenant's conversation for the block, waiting while another turn of it runs.

        Raises:
            InputError: the tenant or the conversation id is invalid.
            ConversationBusyError: another turn held the conversation for longer than the
                timeout. Nothing of this turn ran.
        """
        thread_id = conversation_thread_id(tenant, conversation_id)
        held_thread_ids = self._held_by_this_thread()
        if thread_id in held_thread_ids:
            yield
            return

        name = hashlib.sha256(thread_id.encode("utf-8")).hexdigest()
        path = self._folder / f"{name}.lock"
        descriptor = self._lock(path, tenant, conversation_id)
        held_thread_ids.add(thread_id)
        try:
            yield
        finally:
            held_thread_ids.discard(thread_id)
            _unlock(path, descriptor)

    def _held_by_this_thread(self) -> set[str]:
        """Return the thread ids of the conversations that the calling thread holds."""
        thread_ids: set[str] | None = getattr(self._local, "thread_ids", None)
        if thread_ids is None:
            thread_ids = set()
            self._local.thread_ids = thread_ids
        return thread_ids

    def _lock(self, path: Path, tenant: str, conversation_id: str) -> int:
        """Open and lock a conversation's lock file, and return its file descriptor.

        Raises:
            ConversationBusyError: the file stayed locked for longer than the timeout.
        """
        self._folder.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        deadline = started + self._timeout_seconds
        while True:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                locked = _wait_for_lock(descriptor, deadline)
                current = locked and _names_file(path, descriptor)
            except BaseException:
                os.close(descriptor)
                raise
            if current:
                break
            os.close(descriptor)
            if not locked:
                logger.warning(
                    "conversation %s of tenant %s was still held by another turn after %.1f s",
                    conversation_id,
                    tenant,
                    self._timeout_seconds,
                )
                raise ConversationBusyError(conversation_id, self._timeout_seconds)
            # The previous holder deleted the file after this turn opened it, and a third turn
            # may have created and locked a new one at the path since, so the path is opened
            # again.
        waited = time.monotonic() - started
        if waited >= POLL_SECONDS:
            logger.info(
                "conversation %s of tenant %s waited %.3f s for another turn",
                conversation_id,
                tenant,
                waited,
            )
        return descriptor


def _wait_for_lock(descriptor: int, deadline: float) -> bool:
    """Lock an open file exclusively, trying until `deadline` (`time.monotonic`).

    Returns:
        True once the file is locked, False when the deadline passed first.
    """
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(POLL_SECONDS, remaining))
        else:
            return True


def _names_file(path: Path, descriptor: int) -> bool:
    """Return whether `path` still names the open file, which its last holder may have deleted."""
    try:
        on_disk = path.stat()
    except FileNotFoundError:
        return False
    opened = os.fstat(descriptor)
    return (on_disk.st_dev, on_disk.st_ino) == (opened.st_dev, opened.st_ino)


def _unlock(path: Path, descriptor: int) -> None:
    """Delete the lock file while it is still locked, then unlock it by closing it."""
    try:
        path.unlink(missing_ok=True)
    finally:
        os.close(descriptor)
