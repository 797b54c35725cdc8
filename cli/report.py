"""`assistant report voc` and `assistant report gaps`: the weekly reports of a tenant."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from assistant.database import is_missing_sqlite_file
from assistant.domain import Language
from assistant.errors import InputError
from assistant.i18n import translate
from assistant.settings import DEFAULT_KB, get_settings
from assistant.tenants import DEFAULT_TENANT, tenant_kb_name
from assistant.validation import output_folder
from cli.argparse_messages import add_command, help_text
from cli.commands import cli_language, known_tenant, opens_read_only

if TYPE_CHECKING:
    from insights.render import Report

EMPTY_DATABASE_URL = "sqlite://"
"""An in-memory SQLite database, read in place of a database file that does not exist yet."""


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `report` subcommands."""
    report = add_command(sub, "report", "report")
    report_sub = report.add_subparsers(dest="report_command", required=True)
    voc = add_command(report_sub, "voc", "report_voc")
    gaps = add_command(report_sub, "gaps", "report_gaps")
    gaps.add_argument("--kb", default=DEFAULT_KB, help=help_text("report_kb"))
    for parser in (voc, gaps):
        parser.add_argument("--week", help=help_text("report_week"))
        parser.add_argument("--tenant", default=DEFAULT_TENANT, help=help_text("report_tenant"))
        parser.add_argument("--out", type=output_folder, help=help_text("report_out"))
        parser.add_argument("--json", action="store_true", help=help_text("json_report"))
        parser.add_argument(
            "--lang",
            choices=[language.value for language in Language],
            help=help_text("report_lang"),
        )


def run_report(args: argparse.Namespace) -> int:
    """Build a weekly report and print it, write it to files, or both."""
    from assistant.tickets import TicketStore
    from insights.activity import ActivityReader
    from insights.render import render_text
    from insights.reports import kb_gaps_report, voc_report
    from insights.weeks import last_complete_week, parse_week
    from retrieval.knowledge_base import KnowledgeBase

    settings = get_settings()
    url = settings.resolved_database_url
    if is_missing_sqlite_file(url):
        # Nothing was recorded yet, and opening the file would create it.
        url = EMPTY_DATABASE_URL
    tickets = TicketStore(url, read_only=opens_read_only(args, url))
    try:
        tenant = known_tenant(tickets, args.tenant)
    finally:
        tickets.close()
    language = Language(args.lang) if args.lang else cli_language()
    timezone = ZoneInfo(settings.timezone)
    now = datetime.now(timezone)
    week = parse_week(args.week) if args.week else last_complete_week(now, timezone)

    reader = ActivityReader(url, read_only=opens_read_only(args, url))
    report: Report
    try:
        if args.report_command == "voc":
            report = voc_report(reader, settings, tenant, week, now)
        else:
            kb = KnowledgeBase.open_existing(settings, tenant_kb_name(tenant, args.kb))
            try:
                report = kb_gaps_report(reader, settings, tenant, week, kb, now)
            finally:
                kb.close()
    finally:
        reader.close()

    if args.out is not None:
        paths = _write_files(report, args.out, language)
        if not args.json:
            for path in paths:
                _write(translate("report_written", language, path=path))
    if args.json:
        _write(json.dumps(report.model_dump(mode="json"), ensure_ascii=False))
    elif args.out is None:
        _write(render_text(report, language))
    return 0


def _write_files(report: Report, out_dir: Path, language: Language) -> list[Path]:
    """Write the report's files into `out_dir`.

    Raises:
        InputError: naming `out_dir` when it is a file or cannot be created or written.
    """
    from insights.render import write_report

    try:
        return write_report(report, out_dir, language)
    except (FileExistsError, NotADirectoryError):
        raise InputError(
            f"--out {out_dir} is a file, not a folder. Pass a folder path, "
            "which is created when missing",
            code="report_out_not_folder",
            path=out_dir,
        ) from None
    except OSError as exc:
        raise InputError(
            f"cannot write the report into {out_dir}: {exc.strerror}. Pass --out a folder "
            "that you can write to, or one whose parent folder exists",
            code="report_out_unwritable",
            path=out_dir,
            reason=exc.strerror,
        ) from None
