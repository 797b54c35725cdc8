"""Parse a server-sent-events body into (event, data) pairs."""

from __future__ import annotations

import json
from typing import Any


def parse_events(body: str) -> list[tuple[str, Any]]:
    """Return the events of an SSE body in order, with their JSON data decoded."""
    events = []
    for block in body.split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((fields.get("event", "message"), json.loads(fields["data"])))
    return events
