"""Markdown tables for the benchmark reports, printed by the scripts and written to the docs."""

from __future__ import annotations

from collections.abc import Sequence

Cell = str | int | float | bool | None


def format_cell(value: Cell) -> str:
    """Render a number with up to 3 decimals, a bool as pass/FAIL and None as a dash."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "pass" if value else "FAIL"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.1f}"
    return str(value)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """Return a GitHub-flavoured Markdown table."""
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join("---" for _ in headers) + " |",
    ]
    lines.extend("| " + " | ".join(format_cell(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines) + "\n"
