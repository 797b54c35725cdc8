"""A lean HTTP/1.1 load generator for the throughput benchmark.

The server under test and the load generator share the machine's two cores, so every
millisecond of CPU the client spends on a request is taken from the server. Instead of a
general client such as httpx, which builds, sends and parses each request in full, this one
sends pre-encoded requests over keep-alive connections and parses only the status line and
`Content-Length`, as wrk or h2load do. It reports its own CPU time, so the share of
the machine it took is visible beside the result.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

HEADER_END = b"\r\n\r\n"


@dataclass
class LoadState:
    """Counters shared by the connections of one run."""

    total: int
    deadline: float
    sent: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def encode_requests(
    base_url: str, path: str, bodies: Sequence[dict[str, object]], headers: dict[str, str]
) -> list[bytes]:
    """Return one complete HTTP/1.1 POST request per JSON body, ready to write to a socket."""
    host = urlsplit(base_url).netloc
    requests = []
    for body in bodies:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        lines = [
            f"POST {path} HTTP/1.1",
            f"Host: {host}",
            "Content-Type: application/json",
            f"Content-Length: {len(payload)}",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        requests.append("\r\n".join(lines).encode("ascii") + HEADER_END + payload)
    return requests


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one response and return its status code; the body is read and dropped."""
    head = await reader.readuntil(HEADER_END)
    status_line, _, header_block = head.partition(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    length = 0
    for line in header_block.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


REQUESTS_PER_CONNECTION = 20
"""Requests a connection carries before the client opens a new one.

The server's workers share one listening socket, and a kept-alive connection stays with the
worker that accepted it. With 16 connections opened at once, one of two workers sometimes took
them all, so the same code measured 145 or 240 requests/s from run to run. New connections
spread the load again."""


async def _connection(host: str, port: int, requests: list[bytes], state: LoadState) -> None:
    while state.sent < state.total and time.perf_counter() < state.deadline:
        if not await _send_on_one_connection(host, port, requests, state):
            return


async def _send_on_one_connection(
    host: str, port: int, requests: list[bytes], state: LoadState
) -> bool:
    """Send up to `REQUESTS_PER_CONNECTION` requests on a new connection; False on an error."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for _ in range(REQUESTS_PER_CONNECTION):
            if state.sent >= state.total or time.perf_counter() >= state.deadline:
                break
            request = requests[state.sent % len(requests)]
            state.sent += 1
            started = time.perf_counter()
            writer.write(request)
            try:
                status = await _read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                state.errors.append(type(exc).__name__)
                return False
            state.latencies_ms.append((time.perf_counter() - started) * 1000)
            if status != 200:
                state.errors.append(str(status))
    finally:
        writer.close()
    return True


async def run_load(
    base_url: str, requests: list[bytes], total: int, seconds: float, concurrency: int
) -> tuple[LoadState, float, float]:
    """Keep `concurrency` requests in flight until `total` are sent or `seconds` pass.

    Returns:
        The counters, the wall time in seconds and the client's own CPU time in seconds.
    """
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    cpu_started = time.process_time()
    started = time.perf_counter()
    state = LoadState(total=total, deadline=started + seconds)
    await asyncio.gather(*(_connection(host, port, requests, state) for _ in range(concurrency)))
    return state, time.perf_counter() - started, time.process_time() - cpu_started
