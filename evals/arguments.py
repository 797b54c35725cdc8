"""Arguments of the `assistant eval` subcommand, kept apart so the CLI parser stays light."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.domain import Language
from assistant.i18n import translate
from assistant.validation import output_folder, positive_count

DEFAULT_WORKERS = 2
"""Worker threads; the embedded engine is CPU-bound, so more threads than cores do not help."""


def add_parser(sub: Any, language: Language) -> None:
    """Add the `eval` subcommand to the `assistant` parser, with help texts in a language."""

    def text(key: str) -> str:
        return translate(f"help_eval_{key}", language)

    summary = translate("help_eval", language)
    parser = sub.add_parser("eval", help=summary, description=summary)
    parser.add_argument("--dataset", action="append", type=Path, help=text("dataset"))
    parser.add_argument("--kb", help=text("kb"))
    parser.add_argument("--model", help=text("model"))
    parser.add_argument("--repeat", type=positive_count("--repeat"), default=1, help=text("repeat"))
    parser.add_argument("--tag", action="append", help=text("tag"))
    parser.add_argument("--report", type=output_folder, help=text("report"))
    parser.add_argument("--json", action="store_true", help=translate("help_json_report", language))
    parser.add_argument("--gate", action="store_true", help=text("gate"))
    parser.add_argument("--baseline", type=Path, help=text("baseline"))
    parser.add_argument(
        "--workers",
        type=positive_count("--workers"),
        default=DEFAULT_WORKERS,
        help=text("workers"),
    )
