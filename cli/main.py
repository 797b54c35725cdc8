"""Entry point of the `assistant` command."""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from assistant.database import check_database
from assistant.domain import MODULES, Language
from assistant.errors import AssistantError, ConfigurationError, InputError
from assistant.settings import DEFAULT_KB, ensure_data_dir, get_settings
from assistant.tenants import DEFAULT_TENANT
from assistant.tickets.roster import check_roster
from cli import commands, keys, report
from cli.argparse_messages import (
    WidthAwareHelpFormatter,
    add_command,
    argparse_text,
    help_text,
    install_chinese_argparse_messages,
)

EXIT_USAGE = 2
"""Exit code of an invalid argument, input line, setting or data folder."""
EXIT_BROKEN_PIPE = 141
"""Exit code when the reader of stdout went away, as 128 + SIGPIPE for a process killed by it."""
JSON_FLAG = "--json"
"""The option that requests JSON output. Its presence anywhere in argv also makes a usage error
JSON, because parsing failed before `args.json` exists."""


class ArgumentParsingError(InputError):
    """Raised by `CliArgumentParser` in place of argparse's usage message and exit."""

    def __init__(self, message: str, parser: CliArgumentParser) -> None:
        help_command = f"{parser.prog} --help"
        super().__init__(
            f"{message}; run `{help_command}` for the valid arguments",
            code="invalid_argument",
            # A function of the language, so that `shorten_message_values` keeps it whole.
            # Cut at 80 characters, argparse's message would lose the list of choices.
            # argparse already wrote it in the CLI's language (see `argparse_messages`).
            detail=lambda _language: message,
            help_command=help_command,
        )
        self.argparse_message = message
        self.parser = parser


class UnknownArgumentsError(ArgumentParsingError):
    """Raised for arguments that the parser does not know, such as a misspelt option.

    Without `--json` its line also points to `--help`, because the usage line above it lists
    the options only by name.
    """


PACKAGE_NAME = "pm-support-assistant"
"""Distribution name in pyproject.toml, whose installed metadata gives `assistant --version`."""


def installed_version() -> str:
    """Return the version of the installed `pm-support-assistant` package.

    Raises:
        ConfigurationError: the package is not installed, as when the code runs from a
            checkout without `pip install`.
    """
    try:
        return importlib.metadata.version(PACKAGE_NAME)
    except importlib.metadata.PackageNotFoundError:
        raise ConfigurationError(
            f"the version is unknown because package {PACKAGE_NAME} is not installed; "
            "install it with `pip install -e .` in the repository",
            code="package_not_installed",
            package=PACKAGE_NAME,
        ) from None


class VersionAction(argparse.Action):
    """`-V` and `--version`: print `assistant X.Y.Z` on stdout and exit with code 0.

    argparse's own version action needs the text when the parser is built, so every command
    would read the package metadata. This one reads it only when the option is given.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        """Print the program name and version, then exit."""
        sys.stdout.write(f"{parser.prog} {installed_version()}\n")
        sys.stdout.flush()
        parser.exit()


MISSING_ARGUMENTS_TEMPLATE = "the following arguments are required: %s"
"""argparse's message template for required arguments that are missing."""


class CliArgumentParser(argparse.ArgumentParser):
    """An argument parser whose usage errors raise `ArgumentParsingError`.

    `main` then prints them as JSON with `--json`, or as argparse does without it. Subparsers
    are of this class too, because `add_subparsers` makes parsers of its parser's class.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", WidthAwareHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Raise `ArgumentParsingError` for a usage error, such as an invalid choice."""
        raise ArgumentParsingError(message, self)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Parse the arguments; an argument that this parser does not know is a usage error.

        argparse parses the arguments after a subcommand with this method of the subcommand's
        parser, and leaves the unknown ones to the top-level parser. That parser's error would
        point to `assistant --help`, which does not list the subcommand's options.

        An unknown argument is reported before a missing one: argparse checks for missing
        arguments first, so `assistant --bogus` would only report the missing subcommand.
        """
        try:
            parsed, unknown = super().parse_known_args(args, namespace)
        except ArgumentParsingError as exc:
            if not _is_missing_arguments_error(exc):
                raise
            unknown = self._unknown_arguments(args)
            if not unknown:
                raise
            self._reject_unknown(unknown)
        if unknown:
            self._reject_unknown(unknown)
        return parsed, unknown

    def _unknown_arguments(self, args: Sequence[str] | None) -> list[str]:
        """Parse the arguments again with no argument required, and return the unknown ones.

        Raises:
            UnknownArgumentsError: a subcommand's parser found arguments that it does not know.
        """
        with _nothing_required(self):
            _parsed, unknown = super().parse_known_args(args, None)
        return unknown

    def _reject_unknown(self, unknown: list[str]) -> NoReturn:
        message = argparse_text("unrecognized arguments: %s") % " ".join(unknown)
        raise UnknownArgumentsError(message, self)

    def exit_with_usage(self, message: str) -> NoReturn:
        """Print the usage and the error on stderr and exit with code 2, as argparse does."""
        super().error(message)


def _is_missing_arguments_error(exc: ArgumentParsingError) -> bool:
    prefix = argparse_text(MISSING_ARGUMENTS_TEMPLATE).split("%s", 1)[0]
    return exc.argparse_message.startswith(prefix)


@contextmanager
def _nothing_required(parser: argparse.ArgumentParser) -> Iterator[None]:
    """Make every argument of a parser and of its subcommands' parsers optional in the block."""
    required = [action for action in _actions_of_tree(parser) if action.required]
    for action in required:
        action.required = False
    try:
        yield
    finally:
        for action in required:
            action.required = True


def _actions_of_tree(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    for action in parser._actions:
        yield action
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                yield from _actions_of_tree(subparser)


def _add_kb(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kb", default=DEFAULT_KB, help=help_text("kb"))


def _add_user(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--role", choices=USER_ROLES, help=help_text("user_role"))
    parser.add_argument("--version", dest="product_version", help=help_text("user_version"))
    parser.add_argument("--user", dest="user_id", default="cli-user", help=help_text("user_id"))


USER_ROLES = ["admin", "member", "guest"]
"""Roles of the asking user, which decide the help center pages that apply to them."""


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of every subcommand, with help texts in the CLI's language."""
    parser: argparse.ArgumentParser = CliArgumentParser(
        prog="assistant", description=help_text("description")
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=help_text("verbose"))
    parser.add_argument("-V", "--version", action=VersionAction, nargs=0, help=help_text("version"))
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = add_command(sub, "ingest", "ingest")
    ingest.add_argument("path", help=help_text("ingest_path"))
    ingest.add_argument("--prune", action="store_true", help=help_text("ingest_prune"))
    ingest.add_argument("--allow-empty", action="store_true", help=help_text("ingest_allow_empty"))
    ingest.add_argument("--rebuild", action="store_true", help=help_text("ingest_rebuild"))
    ingest.add_argument("--json", action="store_true", help=help_text("json_report"))
    _add_kb(ingest)

    search = add_command(sub, "search", "search")
    search.add_argument("query", help=help_text("search_query"))
    search.add_argument("--top-k", type=int, default=5, help=help_text("search_top_k"))
    search.add_argument("--role", choices=USER_ROLES, help=help_text("search_role"))
    search.add_argument("--version", dest="product_version", help=help_text("search_version"))
    search.add_argument("--module", choices=MODULES, help=help_text("search_module"))
    search.add_argument("--language", choices=["zh", "en"], help=help_text("search_language"))
    search.add_argument("--json", action="store_true", help=help_text("json"))
    _add_kb(search)

    ask = add_command(sub, "ask", "ask")
    ask.add_argument("question", help=help_text("ask_question"))
    ask.add_argument("--json", action="store_true", help=help_text("json"))
    _add_user(ask)
    _add_kb(ask)

    chat = add_command(sub, "chat", "chat")
    chat.add_argument("--conversation", help=help_text("chat_conversation"))
    _add_user(chat)
    _add_kb(chat)

    _add_tickets_parsers(sub)
    keys.add_parsers(sub)
    report.add_parsers(sub)
    commands.add_eval_parser(sub)
    return parser


def _add_tickets_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tickets = add_command(sub, "tickets", "tickets")
    tickets_sub = tickets.add_subparsers(dest="tickets_command", required=True)
    listing = add_command(tickets_sub, "list", "tickets_list")
    listing.add_argument("--status", help=help_text("tickets_list_status"))
    listing.add_argument("--tier", choices=["L1", "L2", "L3"], help=help_text("tickets_list_tier"))
    listing.add_argument("--team", help=help_text("tickets_list_team"))
    listing.add_argument("--assignee", help=help_text("tickets_list_assignee"))
    listing.add_argument("--limit", type=int, default=50, help=help_text("tickets_list_limit"))
    listing.add_argument("--tenant", help=help_text("tickets_list_tenant"))
    listing.add_argument("--json", action="store_true", help=help_text("json"))
    show = add_command(tickets_sub, "show", "tickets_show")
    show.add_argument("ticket_id", help=help_text("tickets_show_id"))
    show.add_argument("--tenant", default=DEFAULT_TENANT, help=help_text("tickets_show_tenant"))
    show.add_argument("--json", action="store_true", help=help_text("json"))
    check_sla = add_command(tickets_sub, "check-sla", "tickets_check_sla")
    check_sla.add_argument("--json", action="store_true", help=help_text("json"))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `assistant` command and return its exit code."""
    if commands.cli_language() is Language.ZH:
        install_chinese_argparse_messages()
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(arguments)
    except ArgumentParsingError as exc:
        if JSON_FLAG not in arguments:
            message = exc.argparse_message
            if isinstance(exc, UnknownArgumentsError):
                message = commands.error_message(exc, commands.cli_language())
            exc.parser.exit_with_usage(message)
        commands.write_error(exc, as_json=True)
        return EXIT_USAGE
    except AssistantError as exc:
        # An argument type that checks its value, such as a blank --out, raises its own error.
        commands.write_error(exc, as_json=JSON_FLAG in arguments)
        return EXIT_USAGE
    configure_logging(args)
    handlers = {
        "ingest": commands.run_ingest,
        "search": commands.run_search,
        "ask": commands.run_ask,
        "chat": commands.run_chat,
        "tickets": commands.run_tickets,
        "keys": keys.run_keys,
        "serve": keys.run_serve,
        "eval": commands.run_eval,
        "report": report.run_report,
    }
    try:
        # Arguments first: a command rejected there has not created its data folder or files.
        commands.check_arguments(args)
        _check_setup(args.command, read_only=commands.is_read_only_command(args))
        return handlers[args.command](args)
    except AssistantError as exc:
        commands.write_error(exc, as_json=getattr(args, "json", False))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE


SUPPORT_TEAM_LOGGERS = ("assistant.tickets",)
"""Loggers whose warnings are for the support team, such as a ticket that waits in a team's
queue because every agent is at capacity. The ticket's events record the same facts
(`assistant tickets show ID`), so a command run in a terminal leaves them out."""


def configure_logging(args: argparse.Namespace) -> None:
    """Log warnings, or INFO with `-v`, on stderr.

    Without `-v`, the support team's warnings are left out, except for `serve`, whose log is
    the service's.
    """
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if args.verbose or args.command == "serve":
        return
    for name in SUPPORT_TEAM_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


DATA_DIR_COMMANDS = frozenset(
    {"ingest", "search", "ask", "chat", "tickets", "keys", "serve", "report"}
)
"""Commands that keep files in ASSISTANT_DATA_DIR; `eval` works in a temporary folder."""

DATABASE_COMMANDS = frozenset({"ask", "chat", "tickets", "keys", "serve", "report"})
"""Commands that use the ASSISTANT_DATABASE_URL database. They check it before any work, so a
wrong URL stops them before they answer a question whose ticket or turn they cannot store."""

ROSTER_COMMANDS = frozenset({"ask", "chat", "serve"})
"""Commands that may open tickets. They load the ASSISTANT_ROSTER_PATH roster before any work,
so an invalid roster stops them before they answer a question or start the server."""

CHECKPOINT_COMMANDS = frozenset({"ask", "chat", "serve"})
"""Commands that keep conversations in the checkpoint file. They open it before any work, so a
damaged file stops them with its fix before they reply or start the server."""


def _check_setup(command: str, *, read_only: bool) -> None:
    """Check the settings, data folder, database, roster and checkpoint file that a command
    needs, before it does any work.

    Args:
        command: The command's name, such as `tickets`.
        read_only: The command only reads, so its data folder and database need not be
            writable.

    Raises:
        AssistantError: one of them is invalid; the message names the setting and the fix.
    """
    settings = get_settings()
    if command in DATA_DIR_COMMANDS:
        ensure_data_dir(settings, writable=not read_only)
    if command in DATABASE_COMMANDS:
        check_database(settings.resolved_database_url, read_only=read_only)
    if command in ROSTER_COMMANDS:
        check_roster(settings)
    if command in CHECKPOINT_COMMANDS:
        # Imported here: langgraph's checkpointer is not needed by the other commands.
        from graphs.support.checkpoints import check_checkpoints

        check_checkpoints(settings.checkpoint_path)


def _discard_stdout() -> None:
    """Point stdout at /dev/null after its reader closed the pipe, as `| head -1` does.

    Output still buffered would otherwise fail again, with a traceback, when Python flushes it.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


FAST_EXIT_COMMANDS = frozenset({"ask", "search"})
"""One-shot commands whose results are committed and printed before the process ends."""


def run() -> None:
    """Console-script entry point: run `main` and exit with its code.

    One-shot commands skip the interpreter's shutdown, which spends about half a second
    tearing down imported modules; their output is flushed and their tickets committed first.
    """
    code = main()
    if len(sys.argv) > 1 and FAST_EXIT_COMMANDS.intersection(sys.argv[1:2]):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
