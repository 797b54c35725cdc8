"""Implementations of the `assistant` subcommands; they print to stdout and return exit codes."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assistant.database import is_missing_sqlite_file, is_read_only_sqlite_file
from assistant.domain import Language
from assistant.errors import (
    AssistantError,
    ConfigurationError,
    InputError,
    ModelOutputError,
    NotFoundError,
    UpstreamError,
)
from assistant.i18n import join_items, translate
from assistant.settings import get_settings
from assistant.settings_errors import InvalidSettingsError
from assistant.tenants import (
    DEFAULT_TENANT,
    conversation_thread_id,
    kb_tenant,
    resolve_kb_name,
    validate_tenant,
)
from assistant.text import detect_language, strip_terminal_escapes
from assistant.validation import MAX_MESSAGE_CHARS, shorten_message_values, validate_message
from graphs.support.state import OutputState, UserContext
from retrieval.search import SearchFilters, SearchResult
from retrieval.versions import parse_version

if TYPE_CHECKING:
    from assistant.tickets import TicketRecord, TicketStatus, TicketStore

MAX_TOP_K = 50
EXIT_INPUT_ERROR = 2
"""Exit code when an argument or, in a batch, at least one input line was invalid."""


CHAT_EXIT_WORDS = frozenset({"exit", "quit", "/exit", "/quit", "退出"})
"""Lines that end `assistant chat`, as typed alone; the slash forms are those of other chat
tools."""


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _write_json(payload: object) -> None:
    _write(json.dumps(payload, ensure_ascii=False, default=str))


def _inputs(value: str) -> Iterator[str]:
    """Yield the single argument, or each stdin line when the argument is `-`.

    Blank lines are yielded too, so `_checked` reports each of them in its place and the
    output keeps one result per input line. Stdin is decoded with `surrogateescape`, so a
    byte that is invalid in the locale's encoding reaches `_checked` as a lone surrogate and
    fails only its own line.
    """
    if value != "-":
        yield value
        return
    encoding = sys.stdin.encoding or "utf-8"
    for raw_line in sys.stdin.buffer:
        yield raw_line.decode(encoding, errors="surrogateescape").rstrip("\n")


def _check_encoding(message: str) -> None:
    """Raise InputError when the message has bytes that the input encoding could not decode.

    Python keeps such bytes in command-line arguments and stdin lines as lone surrogates,
    which no later step (the database, JSON output) can encode.
    """
    try:
        message.encode("utf-8")
    except UnicodeEncodeError as exc:
        encoding = sys.stdin.encoding or "utf-8"
        raise InputError(
            f"the input is not valid {encoding} text at character {exc.start + 1}; "
            f"save it as {encoding} and try again",
            code="invalid_encoding",
            encoding=encoding,
            position=exc.start + 1,
        ) from None


def cli_language() -> Language:
    import os

    locale = os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    return Language.ZH if locale.lower().startswith("zh") else Language.EN


def error_message(exc: AssistantError, language: Language) -> str:
    """Return an error's message in a language, or its English text when none is translated."""
    if isinstance(exc, InvalidSettingsError):
        return exc.message_in(language)
    if exc.code:
        try:
            values = shorten_message_values(exc.params, language)
            return translate(f"error_{exc.code}", language, **values)
        except KeyError:
            pass
    return str(exc)


def error_text(exc: AssistantError, locale: str) -> str:
    """Render an error for the terminal, in Chinese when the locale is Chinese.

    Each line of a message with several lines (one per invalid setting) gets the prefix.
    """
    language = Language.ZH if locale.lower().startswith("zh") else Language.EN
    prefix = translate("error_prefix", language)
    lines = error_message(exc, language).splitlines() or [""]
    return "\n".join(f"{prefix}{line}" for line in lines)


def error_code(exc: AssistantError) -> str:
    """Return the error's stable code; an error without one gets the HTTP API's code of its kind."""
    if exc.code:
        return exc.code
    if isinstance(exc, InputError):
        return "invalid_input"
    if isinstance(exc, ConfigurationError):
        return "configuration_error"
    if isinstance(exc, UpstreamError | ModelOutputError):
        return "upstream_error"
    return "internal_error"


def write_error(exc: AssistantError, *, as_json: bool) -> None:
    """Report an error in the CLI's language.

    With `as_json` the error is the object `{"error": {"code", "message"}}` on stdout, in place
    of the result, because programs read one JSON object per line there. Otherwise it is text
    on stderr.
    """
    language = cli_language()
    if as_json:
        _write_json({"error": {"code": error_code(exc), "message": error_message(exc, language)}})
    else:
        sys.stderr.write(error_text(exc, language.value) + "\n")


def run_ingest(args: argparse.Namespace) -> int:
    """Ingest a folder into a KB and print what changed."""
    from pathlib import Path

    from retrieval.ingest import ingest_folder
    from retrieval.knowledge_base import KnowledgeBase

    if not args.path.strip():
        # Path("") is the current folder, so a blank PATH, such as an unset shell variable,
        # would index the working directory and, with --prune, drop every other document.
        raise InputError(
            f"KB folder path {args.path!r} is blank; pass the folder that contains your .md, "
            ".txt or .html files, or '.' for the current folder",
            code="kb_path_blank",
            path=args.path,
        )
    kb = KnowledgeBase(get_settings(), resolve_kb_name(args.kb))
    # An empty PATH is rejected even without --prune, because it is most often a mistyped path.
    report = ingest_folder(
        kb,
        Path(args.path),
        prune=args.prune,
        allow_empty=args.allow_empty,
        require_files=True,
        rebuild=args.rebuild,
    )
    if args.json:
        _write_json(dataclasses.asdict(report))
    else:
        _write(
            f"kb={report.kb} added={len(report.added)} updated={len(report.updated)} "
            f"unchanged={len(report.unchanged)} removed={len(report.removed)} "
            f"skipped={len(report.skipped)} chunks={report.chunk_count} seconds={report.seconds}"
        )
        language = cli_language()
        for skipped in report.skipped:
            reason = skipped.reason_in(language)
            _write(translate("ingest_skipped", language, doc=skipped.doc, reason=reason))
        for left_out in report.left_out:
            line = left_out.line if len(left_out.line) <= 80 else left_out.line[:79] + "…"
            _write(translate("ingest_left_out", language, doc=left_out.doc, line=line))
        if report.all_skipped:
            sys.stderr.write(
                translate("ingest_all_skipped", language, path=args.path, count=len(report.skipped))
                + "\n"
            )
    # A folder of files that all fail to load is most often the wrong folder or a wrong export,
    # and a script that calls ingest must notice it.
    return 1 if report.all_skipped else 0


def _search_payload(result: SearchResult, kb: str, query: str) -> dict[str, Any]:
    """Return the `search --json` object of one query.

    A message on why there are no results is in the query's language, or in the CLI's when
    the query shows none.

    `score` is the page's score, which orders the results, so it never increases down the
    list. `chunk_score` is the chunk's own fused score, which orders chunks within a page.
    """
    payload: dict[str, Any] = {
        "results": [
            {
                "doc": hit.chunk.doc,
                "title": hit.chunk.title,
                "chunk_id": hit.chunk.chunk_id,
                "score": hit.doc_score,
                "chunk_score": hit.score,
                "confidence": hit.confidence,
                "heading_path": list(hit.chunk.heading_path),
                "text": hit.chunk.text,
            }
            for hit in result.hits
        ]
    }
    if result.no_results_reason:
        language = detect_language(query, default=cli_language())
        words = join_items(result.unknown_terms, language)
        payload["message"] = translate(result.no_results_reason, language, kb=kb, words=words)
        payload["reason"] = result.no_results_reason
        if result.unknown_terms:
            payload["unknown_terms"] = result.unknown_terms
    return payload


def run_search(args: argparse.Namespace) -> int:
    """Search a KB for each query and print the ranked chunks with their page's score.

    `main` validates --top-k and --version with `check_arguments` before it calls this.
    """
    from retrieval.knowledge_base import KnowledgeBase

    kb = KnowledgeBase.open_existing(get_settings(), resolve_kb_name(args.kb))
    filters = SearchFilters(
        role=args.role, version=args.product_version, module=args.module, language=args.language
    )
    failures = 0
    for query in _inputs(args.query):
        if not _checked(query, args, is_query=True):
            failures += 1
            continue
        payload = _search_payload(kb.search(query, filters, args.top_k), args.kb, query)
        if args.json:
            _write_json(payload)
            continue
        if "message" in payload:
            _write(payload["message"])
        for rank, hit in enumerate(payload["results"], start=1):
            path = " > ".join(hit["heading_path"])
            _write(f"{rank}. [{hit['score']:.4f}] {hit['title']} ({hit['doc']}) {path}")
    return EXIT_INPUT_ERROR if failures else 0


def _user(args: argparse.Namespace) -> UserContext:
    """Return the asking user of `--user`, `--role` and `--version`.

    Raises:
        InputError: `--user` is not an id the HTTP API accepts, or `--version` is invalid.
    """
    from assistant.onboarding.store import validate_user_id

    # The terminal's locale decides the reply language of a message that has none of its own,
    # such as a bare error code.
    user = UserContext(id=validate_user_id(args.user_id), locale=cli_language().value)
    if args.role:
        user["role"] = args.role
    if args.product_version:
        parse_version(args.product_version)
        user["product_version"] = args.product_version
    return user


def run_ask(args: argparse.Namespace) -> int:
    """Answer each question in its own conversation and print the reply."""
    from graphs.support.service import SupportAgent

    user = _user(args)
    agent = SupportAgent(get_settings(), resolve_kb_name(args.kb), channel="cli")
    failures = 0
    try:
        for question in _inputs(args.question):
            if not _checked(question, args):
                failures += 1
                continue
            reply = agent.ask(question.strip(), user)
            if args.json:
                _write_json(reply.to_json())
            else:
                _write(reply_text(reply.output))
    finally:
        agent.close()
    return EXIT_INPUT_ERROR if failures else 0


def reply_text(output: OutputState) -> str:
    """Return the reply for the terminal: the answer, then its related articles, if any."""
    related = output["related"]
    if not related:
        return output["answer"]
    language = Language(output["language"])
    heading = "ticket_related" if output["action"]["ticket"] else "answer_related"
    lines = [output["answer"], "", translate(heading, language)]
    lines.extend(f"- {article['title']} ({article['doc']})" for article in related)
    return "\n".join(lines)


def _checked(message: str, args: argparse.Namespace, *, is_query: bool = False) -> bool:
    """Validate one input line; report a bad one and let the batch go on with the next."""
    try:
        _check_input(message, is_query=is_query)
    except InputError as exc:
        write_error(exc, as_json=args.json)
        return False
    return True


def _check_input(message: str, *, is_query: bool = False) -> None:
    """Raise InputError when a message or search query is empty, too long or not valid text.

    A search query (`is_query`) that is blank gets its own error, because the chat wording
    ("type a question") does not fit a search.
    """
    _check_encoding(message)
    if is_query and not message.strip():
        raise InputError("the query is empty; type the words to search for", code="empty_query")
    length = len(strip_terminal_escapes(message).strip())
    if is_query and length > MAX_MESSAGE_CHARS:
        raise InputError(
            f"the query has {length} characters, more than the limit of {MAX_MESSAGE_CHARS}; "
            "search for its main words",
            code="query_too_long",
            length=length,
            limit=MAX_MESSAGE_CHARS,
        )
    validate_message(message)


def check_arguments(args: argparse.Namespace) -> None:
    """Validate the arguments of `ask`, `chat`, `search`, `tickets` or `report` before it starts.

    `main` calls this before it checks or creates the data folder, the database and the
    conversation store, so a rejected command leaves no file behind. A question or query
    given as an argument is checked here too, unlike the lines that `-` reads from stdin.

    Raises:
        InputError: an argument is invalid; the message names it.
    """
    if args.command == "tickets":
        _check_ticket_arguments(args)
        return
    if args.command == "report":
        _check_report_arguments(args)
        return
    if args.command not in {"ask", "chat", "search"}:
        return
    resolve_kb_name(args.kb)
    if args.command == "search":
        _check_search_arguments(args)
        return
    _user(args)
    if args.command == "ask" and args.question != "-":
        _check_input(args.question)
    if args.command == "chat" and args.conversation is not None:
        # The same check as the HTTP API's, so an id works on both or on neither.
        conversation_thread_id(DEFAULT_TENANT, args.conversation)


def _check_ticket_arguments(args: argparse.Namespace) -> None:
    from assistant.tickets.store import parse_ticket_id

    if args.tickets_command == "show":
        parse_ticket_id(args.ticket_id)
    if args.tickets_command in {"show", "list"} and args.tenant is not None:
        validate_tenant(args.tenant)
    if args.tickets_command == "list":
        _ticket_status(args.status)


def _check_report_arguments(args: argparse.Namespace) -> None:
    from insights.weeks import parse_week

    validate_tenant(args.tenant)
    if args.week:
        parse_week(args.week)


def _check_search_arguments(args: argparse.Namespace) -> None:
    if not 1 <= args.top_k <= MAX_TOP_K:
        raise InputError(
            f"--top-k must be between 1 and {MAX_TOP_K}, got {args.top_k}",
            code="invalid_top_k",
            value=args.top_k,
        )
    if args.product_version:
        parse_version(args.product_version)
    if args.query != "-":
        _check_input(args.query, is_query=True)


def run_chat(args: argparse.Namespace) -> int:
    """Hold a multi-turn conversation on the terminal until EOF or `exit`.

    `main` validates the --conversation id with `check_arguments` before it calls this.
    """
    from graphs.support.service import SupportAgent

    conversation_id = args.conversation
    user = _user(args)
    agent = SupportAgent(get_settings(), resolve_kb_name(args.kb), channel="chat")
    language = cli_language()
    _write(translate("chat_banner", language))
    try:
        while True:
            try:
                message = input("> ").strip()
            except EOFError:
                break
            if message.lower() in CHAT_EXIT_WORDS:
                break
            if not message:
                continue
            try:
                _check_encoding(message)
                reply = agent.ask(validate_message(message), user, conversation_id)
            except InputError as exc:
                _write(error_text(exc, cli_language().value))
                continue
            conversation_id = reply.conversation_id
            _write(reply_text(reply.output))
            ticket = reply.output["action"]["ticket"]
            if ticket:
                _write(
                    f"[{reply.output['action']['type']}] {json.dumps(ticket, ensure_ascii=False)}"
                )
    finally:
        agent.close()
    if conversation_id:
        _write(translate("chat_resume", language, conversation_id=conversation_id))
    return 0


READ_ONLY_COMMANDS = frozenset(
    {"tickets list", "tickets show", "keys list", "report voc", "report gaps"}
)
"""Commands that only read the database. They open a SQLite file that the user cannot write
read-only (`opens_read_only`), so a user who can read it but not write it may run them. The
other commands reject a read-only file."""


def is_read_only_command(args: argparse.Namespace) -> bool:
    """Check whether the parsed command is one of `READ_ONLY_COMMANDS`."""
    subcommand = getattr(args, f"{args.command}_command", None)
    return f"{args.command} {subcommand}" in READ_ONLY_COMMANDS


def opens_read_only(args: argparse.Namespace, url: str) -> bool:
    """Check whether the parsed command opens the database read-only: it only reads, and the
    database is a SQLite file that this user cannot write."""
    return is_read_only_command(args) and is_read_only_sqlite_file(url)


def run_tickets(args: argparse.Namespace) -> int:
    """List tickets, show one with its event log, or check the SLA of open tickets."""
    from assistant.tickets import TicketStore

    url = get_settings().resolved_database_url
    if is_missing_sqlite_file(url):
        return _run_tickets_without_database(args)
    store = TicketStore(url, read_only=opens_read_only(args, url))
    try:
        if args.tickets_command == "check-sla":
            return _check_sla(store, as_json=args.json)
        if args.tickets_command == "show":
            ticket = _get_ticket(store, args.ticket_id, known_tenant(store, args.tenant))
            payload = _ticket_payload(ticket, readable=not args.json)
            _write_json(payload) if args.json else _write(
                json.dumps(payload, ensure_ascii=False, indent=2)
            )
            return 0
        tickets = store.list(
            status=_ticket_status(args.status),
            tier=args.tier,
            team=args.team,
            assignee=args.assignee,
            limit=args.limit,
            tenant=None if args.tenant is None else known_tenant(store, args.tenant),
        )
        if args.json:
            _write_json([t.model_dump(mode="json") for t in tickets])
            return 0
        if not tickets:
            _write(_no_tickets_line(args.tenant))
        # Each tenant numbers its tickets from 1, so two lines may differ only in the tenant.
        for t in tickets:
            _write(
                f"{t.id} {t.tenant:<12} {t.status.value:<10} {t.tier.value} {t.priority.value:<7} "
                f"{t.team or '-':<16} {t.assignee or '-':<12} {t.subject}"
            )
    finally:
        store.close()
    return 0


def _run_tickets_without_database(args: argparse.Namespace) -> int:
    """Run a `tickets` command on a SQLite database file that does not exist yet.

    No ticket exists, and opening the store would create an empty file, so the command
    prints what an empty store gives without opening it.

    Raises:
        NotFoundError: `tickets show` names a ticket, which cannot exist.
    """
    if args.tickets_command == "show":
        raise _ticket_not_found(args.ticket_id, args.tenant)
    if args.tickets_command == "check-sla":
        if args.json:
            _write_json({"checked": 0, "alerts": []})
        else:
            _write("checked=0 logged=0")
        return 0
    if args.json:
        _write_json([])
    else:
        _write(_no_tickets_line(args.tenant))
    return 0


def _ticket_payload(ticket: TicketRecord, *, readable: bool) -> dict[str, Any]:
    """Return the `tickets show` JSON of a ticket: its fields, with `reason`, the label of
    `reason_code` in the CLI's language, right after the code.

    With `readable`, the output without `--json`, each event's kind and server-written reason
    are in the CLI's language too, each followed by its code (see `cli.ticket_view`).
    """
    from cli.ticket_view import readable_event
    from graphs.support.policy import ticket_reason_label

    language = cli_language()
    payload: dict[str, Any] = {}
    for name, value in ticket.model_dump(mode="json").items():
        payload[name] = value
        if name == "reason_code":
            payload["reason"] = ticket_reason_label(ticket.reason_code, language)
    if readable:
        payload["events"] = [readable_event(event, language) for event in ticket.events]
    return payload


def known_tenant(store: TicketStore, tenant: str) -> str:
    """Return the tenant name if it is the default tenant or owns a ticket, API key or KB.

    Raises:
        InputError: the name is invalid.
        NotFoundError: the tenant does not exist. The message lists the known tenants.
    """
    from assistant.keys import KeyStore
    from retrieval.knowledge_base import list_knowledge_bases

    validate_tenant(tenant)
    known = {DEFAULT_TENANT, *store.tenants()}
    if tenant in known:
        return tenant
    settings = get_settings()
    keys = KeyStore(store.url, read_only=store.read_only)
    try:
        known.update(record.tenant for record in keys.list())
    finally:
        keys.close()
    known.update(kb_tenant(name) for name in list_knowledge_bases(settings))
    if tenant in known:
        return tenant
    names = ", ".join(sorted(known))
    raise NotFoundError(
        f"tenant {tenant!r} does not exist: no ticket, API key or knowledge base belongs to it. "
        f"Known tenants: {names}. `assistant keys list` shows the tenant of each API key",
        code="tenant_not_found",
        tenant=tenant,
        known=names,
    )


def _get_ticket(store: TicketStore, ticket_id: str, tenant: str) -> TicketRecord:
    """Return a tenant's ticket.

    Raises:
        NotFoundError: the tenant has no ticket with this id; the message names the tenant,
            because each tenant numbers its tickets from T-000001.
    """
    from assistant.tickets.store import TicketNotFoundError

    try:
        return store.get(ticket_id, tenant=tenant)
    except TicketNotFoundError:
        raise _ticket_not_found(ticket_id, tenant) from None


def _ticket_not_found(ticket_id: str, tenant: str) -> NotFoundError:
    return NotFoundError(
        f"ticket {ticket_id!r} was not found in tenant {tenant!r}; check the id and "
        f"--tenant, or list the tenant's tickets with `assistant tickets list --tenant "
        f"{tenant}`",
        code="ticket_not_found_in_tenant",
        ticket_id=ticket_id,
        tenant=tenant,
    )


def _no_tickets_line(tenant: str | None) -> str:
    """Return the line that `tickets list` prints when no ticket matches."""
    if tenant is None:
        return translate("tickets_none", cli_language())
    return translate("tickets_none_for_tenant", cli_language(), tenant=tenant)


def _ticket_status(value: str | None) -> TicketStatus | None:
    from assistant.tickets import TicketStatus

    if value is None:
        return None
    try:
        return TicketStatus(value)
    except ValueError:
        valid = ", ".join(status.value for status in TicketStatus)
        raise InputError(
            f"invalid ticket status {value!r}; use one of: {valid}",
            code="invalid_ticket_status",
            value=value,
            valid=valid,
        ) from None


def _check_sla(store: TicketStore, *, as_json: bool) -> int:
    from assistant.tickets.sla_monitor import SlaMonitor

    report = SlaMonitor(store, get_settings()).check()
    if as_json:
        alerts = [
            {
                "ticket_id": alert.ticket_id,
                "tenant": alert.tenant,
                "kind": alert.kind.value,
                "tier": alert.tier.value,
                "due_at": alert.due_at.isoformat(),
            }
            for alert in report.alerts
        ]
        _write_json({"checked": report.checked, "alerts": alerts})
        return 0
    for alert in report.alerts:
        _write(
            f"{alert.kind.value} {alert.ticket_id} tenant={alert.tenant} "
            f"tier={alert.tier.value} due_at={alert.due_at.isoformat()}"
        )
    _write(f"checked={report.checked} logged={len(report.alerts)}")
    return 0


def add_eval_parser(sub: Any) -> None:
    """Add the `eval` subcommand; the eval runner itself is imported only when it runs."""
    from evals.arguments import add_parser

    add_parser(sub, cli_language())


def run_eval(args: argparse.Namespace) -> int:
    """Run the eval suite (see `evals/command.py`)."""
    from evals.command import run_eval as run

    return run(args)
