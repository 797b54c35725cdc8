"""HTTP API speed: first-event latency, throughput and concurrent conversations.

    .venv/bin/python benchmarks/api_speed.py [--workers 2] [--concurrency 16]

Ingests `samples/kb` into a fresh data folder, starts `assistant serve --workers N` on a free
loopback port, and drives it from this process over HTTP:

1. first SSE event latency: sequential streamed `POST /v1/chat`, time from sending the
   request to the end of the first event;
2. throughput: `POST /v1/chat?stream=false` from an asyncio load generator with a fixed
   number of requests in flight, until a request count or a time limit is reached;
3. conversations: concurrent 3-turn conversations, some reporting bugs, then the tickets in
   the database are compared with the tickets the replies announced.

Writes benchmarks/results/api_speed.json. Only the embedded engine runs: no LLM, no network
beyond loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import api_speed_report
import http_load
import httpx
import numpy as np
from cli_runner import (
    ASSISTANT_BIN,
    benchmark_env,
    configure_logging,
    fresh_data_dir,
    load_average,
    run_cli,
)
from corpora import REPO_ROOT

from assistant.settings import Settings
from assistant.tickets.store import MAX_LIST_LIMIT, TicketStore

logger = logging.getLogger("benchmarks.api_speed")

RESULTS_FILE = REPO_ROOT / "benchmarks" / "results" / "api_speed.json"
SAMPLE_KB = REPO_ROOT / "samples" / "kb"
KB_NAME = "default.default"
SERVER_START_TIMEOUT_SECONDS = 90.0
REQUEST_TIMEOUT_SECONDS = 60.0
WARM_UP_REQUESTS = 20
RATE_LIMIT_OFF = "1000000"

QUESTIONS = (
    "How do I set up SSO?",
    "如何设置甘特图基线？",
    "How do I invite a guest to a project?",
    "怎么设置通知免打扰时段？",
    "How do I create a recurring task?",
    "如何导出工作区数据？",
    "Why can't I see a project?",
    "How do I connect GitHub?",
)
BUG_REPORT = "The Gantt export crashes with error 500 since 3.4 (case {index})"
BUG_DETAILS = (
    "Steps: open project Apollo, click Export, choose PDF. "
    "Expected: a PDF file. Actual: error 500 and no file."
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--latency-requests", type=int, default=300)
    parser.add_argument("--throughput-requests", type=int, default=3000)
    parser.add_argument(
        "--throughput-seconds", type=float, default=60.0, help="time limit of the load phase"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--data-dir", type=Path, help="empty folder (default: a temp folder)")
    return parser.parse_args(argv)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def create_key(data_dir: Path, role: str) -> str:
    """Create an API key of tenant `default` with the CLI and return its secret."""
    run = run_cli(
        ["keys", "create", "--tenant", "default", "--role", role], data_dir, parse_json=False
    )
    return run.lines[-1].strip()


def start_server(data_dir: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """Start `assistant serve` and wait until it responds.

    Raises:
        RuntimeError: the server exited or did not respond in time.
    """
    port = _free_port()
    env = benchmark_env(data_dir) | {
        "ASSISTANT_API_RATE_PER_SECOND": RATE_LIMIT_OFF,
        "ASSISTANT_API_RATE_BURST": RATE_LIMIT_OFF,
    }
    command = [str(ASSISTANT_BIN), "serve", "--port", str(port), "--workers", str(workers)]
    with (data_dir / "server.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"assistant serve exited with {process.returncode}; see server.log")
        try:
            httpx.get(f"{base_url}/openapi.json", timeout=1.0)
        except httpx.TransportError:
            time.sleep(0.2)
            continue
        return process, base_url
    process.kill()
    raise RuntimeError(f"assistant serve did not respond within {SERVER_START_TIMEOUT_SECONDS} s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop the server with SIGTERM, or SIGKILL after 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def summarize(latencies_ms: list[float]) -> dict[str, float]:
    """Return median, p95 and max of a list of latencies in ms."""
    values = np.array(latencies_ms) if latencies_ms else np.array([0.0])
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 2),
        "p95_ms": round(float(np.percentile(values, 95)), 2),
        "max_ms": round(float(values.max()), 2),
    }


def _first_event_ms(client: httpx.Client, question: str) -> float:
    started = time.perf_counter()
    with client.stream("POST", "/v1/chat", json={"message": question}) as response:
        response.raise_for_status()
        buffer = b""
        for chunk in response.iter_raw():
            buffer += chunk
            if b"\n\n" in buffer:
                break
    return (time.perf_counter() - started) * 1000


def measure_first_event(base_url: str, key: str, count: int) -> dict[str, Any]:
    """Time `count` sequential streamed chats to their first SSE event, after a warm-up."""
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(
        base_url=base_url, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS
    ) as client:
        for index in range(WARM_UP_REQUESTS):
            _first_event_ms(client, QUESTIONS[index % len(QUESTIONS)])
        latencies = [
            _first_event_ms(client, QUESTIONS[index % len(QUESTIONS)]) for index in range(count)
        ]
    result: dict[str, Any] = {"requests": count, **summarize(latencies)}
    logger.info("first SSE event: %s", result)
    return result


def measure_throughput(
    base_url: str, key: str, total: int, seconds: float, concurrency: int
) -> dict[str, Any]:
    """Send up to `total` JSON chats in at most `seconds`, `concurrency` at a time."""
    headers = {"Authorization": f"Bearer {key}"}
    bodies = [{"message": question} for question in QUESTIONS]
    requests = http_load.encode_requests(base_url, "/v1/chat?stream=false", bodies, headers)
    state, elapsed, client_cpu = asyncio.run(
        http_load.run_load(base_url, requests, total, seconds, concurrency)
    )
    completed = len(state.latencies_ms)
    result = {
        "concurrency": concurrency,
        "requests": completed,
        "errors": len(state.errors),
        "error_kinds": sorted(set(state.errors)),
        "seconds": round(elapsed, 2),
        "requests_per_second": round(completed / elapsed, 1),
        "client_cpu_seconds": round(client_cpu, 2),
        **summarize(state.latencies_ms),
    }
    logger.info("throughput: %s", result)
    return result


def _conversation_script(index: int) -> tuple[list[str], int]:
    # Two conversations in three report a bug, so each opens one ticket. The third has only
    # how-to questions and opens none.
    if index % 3 == 2:
        return [
            QUESTIONS[index % len(QUESTIONS)],
            QUESTIONS[(index + 1) % len(QUESTIONS)],
            "thanks",
        ], 0
    return [QUESTIONS[index % len(QUESTIONS)], BUG_REPORT.format(index=index), BUG_DETAILS], 1


async def _converse(client: httpx.AsyncClient, index: int) -> dict[str, Any]:
    messages, expected_tickets = _conversation_script(index)
    requester = f"bench-conversation-{index}"
    conversation_id: str | None = None
    ticket_ids: set[str] = set()
    errors: list[str] = []
    for message in messages:
        body: dict[str, Any] = {"message": message, "user": {"id": requester}}
        if conversation_id:
            body["conversation_id"] = conversation_id
        try:
            response = await client.post("/v1/chat", params={"stream": "false"}, json=body)
        except httpx.HTTPError as exc:
            errors.append(type(exc).__name__)
            continue
        if response.status_code != httpx.codes.OK:
            errors.append(str(response.status_code))
            continue
        reply = response.json()
        conversation_id = reply["conversation_id"]
        ticket = reply["action"]["ticket"]
        if ticket:
            ticket_ids.add(ticket["id"])
    return {
        "requester": requester,
        "expected_tickets": expected_tickets,
        "ticket_ids": ticket_ids,
        "errors": errors,
    }


async def _run_conversations(base_url: str, key: str, count: int) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=REQUEST_TIMEOUT_SECONDS
    ) as client:
        return list(await asyncio.gather(*(_converse(client, i) for i in range(count))))


def measure_conversations(base_url: str, key: str, count: int, data_dir: Path) -> dict[str, Any]:
    """Hold `count` 3-turn conversations at once, then count their tickets in the database."""
    started = time.perf_counter()
    conversations = asyncio.run(_run_conversations(base_url, key, count))
    seconds = time.perf_counter() - started
    store = TicketStore(Settings(data_dir=data_dir).resolved_database_url)
    stored = store.list(limit=MAX_LIST_LIMIT)
    store.close()
    requesters = {conversation["requester"] for conversation in conversations}
    stored_ids = {ticket.id for ticket in stored if ticket.requester in requesters}
    announced = set().union(*(c["ticket_ids"] for c in conversations))
    result = {
        "conversations": count,
        "turns": count * 3,
        "seconds": round(seconds, 2),
        "errors": sum(len(c["errors"]) for c in conversations),
        "tickets_expected": sum(c["expected_tickets"] for c in conversations),
        "tickets_announced": len(announced),
        "tickets_in_database": len(stored_ids),
        "announced_missing_from_database": len(announced - stored_ids),
        "conversations_with_wrong_ticket_count": sum(
            len(c["ticket_ids"]) != c["expected_tickets"] for c in conversations
        ),
    }
    logger.info("conversations: %s", result)
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set up the data folder and the server, run the three phases and stop the server."""
    data_dir = fresh_data_dir(args.data_dir, "api-speed-")
    run_cli(["ingest", str(SAMPLE_KB), "--kb", KB_NAME], data_dir, parse_json=False)
    key = create_key(data_dir, "widget")
    load_start = load_average()
    process, base_url = start_server(data_dir, args.workers)
    try:
        latency = measure_first_event(base_url, key, args.latency_requests)
        throughput = measure_throughput(
            base_url, key, args.throughput_requests, args.throughput_seconds, args.concurrency
        )
        conversations = measure_conversations(base_url, key, args.conversations, data_dir)
    finally:
        stop_server(process)
    return {
        "workers": args.workers,
        "first_event": latency,
        "throughput": throughput,
        "conversations": conversations,
        "load_average": {"start": load_start, "end": load_average()},
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, write the result file and print the table."""
    args = parse_args(argv)
    configure_logging()
    result = run(args)
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(api_speed_report.render_report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
