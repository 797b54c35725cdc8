"""JSON and HTML eval reports; the HTML page draws its charts as inline SVG, with no script."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPORT_PREFIX = "eval-"
HISTOGRAM_BINS = 12
MIN_TREND_POINTS = 2
TREND_METRICS = ("pass_rate", "intent_accuracy", "hit_at_5", "groundedness", "action_accuracy")
LABELS = {
    "title": "Support assistant eval report",
    "metrics": "Metrics",
    "confusion": "Intent confusion matrix (rows: expected, columns: predicted)",
    "latency": "Latency per conversation (seconds)",
    "nodes": "Latency per graph node (seconds)",
    "trends": "Metric trends across reports in this folder",
    "failures": "Failing cases",
    "no_history": "No earlier report in this folder.",
}
"""Every user-visible string of the HTML report, kept in one place for a later translation."""


def write_reports(report: dict[str, Any], directory: Path) -> tuple[Path, Path]:
    """Write `eval-<timestamp>.json` and `.html` into a directory and return both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    history = load_history(directory)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    json_path = directory / f"{REPORT_PREFIX}{stamp}.json"
    html_path = json_path.with_suffix(".html")
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    html_path.write_text(render_html(report, history), encoding="utf-8")
    return json_path, html_path


def load_history(directory: Path) -> list[dict[str, Any]]:
    """Return the earlier reports of a directory, oldest first; unreadable files are skipped."""
    reports = []
    for path in sorted(directory.glob(f"{REPORT_PREFIX}*.json")):
        try:
            reports.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            continue
    return reports


def render_html(report: dict[str, Any], history: Sequence[dict[str, Any]]) -> str:
    """Render the report as one self-contained HTML page."""
    sections = [
        f"<h1>{LABELS['title']}</h1>",
        f"<p>{_escape(report.get('config', {}))}</p>",
        f"<h2>{LABELS['metrics']}</h2>",
        _metrics_table(report["metrics"]),
        f"<h2>{LABELS['confusion']}</h2>",
        _confusion_svg(report.get("intent_confusion", {})),
        f"<h2>{LABELS['latency']}</h2>",
        _histogram_svg([case["seconds"] for case in report.get("cases", [])]),
        f"<h2>{LABELS['nodes']}</h2>",
        _node_table(report.get("node_latency", {})),
        f"<h2>{LABELS['trends']}</h2>",
        _trends_svg([*history, report]),
        f"<h2>{LABELS['failures']}</h2>",
        _failures_table(report.get("cases", [])),
    ]
    style = (
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{LABELS['title']}</title><style>{style}</style></head><body>"
        + "\n".join(sections)
        + "</body></html>\n"
    )


def _escape(value: object) -> str:
    return html.escape(str(value))


def _format(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, float) else _escape(value)


def _metrics_table(metrics: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{_escape(name)}</td><td>{_format(value)}</td></tr>"
        for name, value in metrics.items()
    )
    return f"<table>{rows}</table>"


def _node_table(nodes: dict[str, dict[str, float]]) -> str:
    rows = "".join(
        f"<tr><td>{_escape(node)}</td><td>p50 {v['p50']:.4f}</td><td>p95 {v['p95']:.4f}</td>"
        f"<td>n {int(v['n'])}</td></tr>"
        for node, v in nodes.items()
    )
    return f"<table>{rows}</table>"


def _failures_table(cases: Sequence[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{_escape(c['id'])}</td><td>{_escape('; '.join(c['failures']))}</td></tr>"
        for c in cases
        if not c["passed"]
    )
    return f"<table>{rows}</table>"


def _confusion_svg(confusion: dict[str, dict[str, int]]) -> str:
    labels = sorted(set(confusion) | {p for row in confusion.values() for p in row})
    if not labels:
        return "<p>-</p>"
    cell, margin = 28, 150
    size = margin + cell * len(labels)
    peak = max((n for row in confusion.values() for n in row.values()), default=1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}">']
    for i, label in enumerate(labels):
        offset = margin + i * cell + cell // 2
        parts.append(
            f'<text x="{margin - 4}" y="{offset + 4}" font-size="10" text-anchor="end">'
            f"{_escape(label)}</text>"
        )
        parts.append(
            f'<text x="{offset}" y="{margin - 4}" font-size="10" '
            f'transform="rotate(-60 {offset} {margin - 4})">{_escape(label)}</text>'
        )
    for row, expected in enumerate(labels):
        for column, predicted in enumerate(labels):
            count = confusion.get(expected, {}).get(predicted, 0)
            shade = 255 - int(200 * count / peak) if count else 255
            color = f"rgb({shade},{shade},255)" if row == column else f"rgb(255,{shade},{shade})"
            x, y = margin + column * cell, margin + row * cell
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" '
                f'fill="{color}" stroke="#ccc"/>'
            )
            if count:
                parts.append(
                    f'<text x="{x + cell // 2}" y="{y + cell // 2 + 4}" font-size="10" '
                    f'text-anchor="middle">{count}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def _histogram_svg(values: Sequence[float]) -> str:
    if not values:
        return "<p>-</p>"
    low, high = min(values), max(values)
    width = (high - low) / HISTOGRAM_BINS or 1.0
    counts = [0] * HISTOGRAM_BINS
    for value in values:
        counts[min(int((value - low) / width), HISTOGRAM_BINS - 1)] += 1
    bar, height = 30, 120
    peak = max(counts)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{bar * HISTOGRAM_BINS}" '
        f'height="{height + 30}">'
    ]
    for i, count in enumerate(counts):
        bar_height = int(height * count / peak)
        parts.append(
            f'<rect x="{i * bar}" y="{height - bar_height}" width="{bar - 2}" '
            f'height="{bar_height}" fill="#58a"><title>{low + i * width:.3f}s: '
            f"{count}</title></rect>"
        )
    parts.append(f'<text x="0" y="{height + 20}" font-size="10">{low:.3f}s</text>')
    parts.append(
        f'<text x="{bar * HISTOGRAM_BINS - 50}" y="{height + 20}" font-size="10">'
        f"{high:.3f}s</text></svg>"
    )
    return "".join(parts)


def _trends_svg(reports: Sequence[dict[str, Any]]) -> str:
    if len(reports) < MIN_TREND_POINTS:
        return f"<p>{LABELS['no_history']}</p>"
    width, height = 480, 160
    step = width / (len(reports) - 1)
    colors = ("#c33", "#3a3", "#33c", "#c90", "#909")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 160}" height="{height + 10}">'
    ]
    for index, (metric, color) in enumerate(zip(TREND_METRICS, colors, strict=True)):
        points = [
            f"{i * step:.1f},{height - height * float(r['metrics'].get(metric) or 0):.1f}"
            for i, r in enumerate(reports)
        ]
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{color}"/>')
        parts.append(
            f'<text x="{width + 10}" y="{14 + 16 * index}" font-size="11" '
            f'fill="{color}">{metric}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
