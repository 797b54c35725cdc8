"""`assistant keys ...` and `assistant serve`: API keys and the HTTP server."""

from __future__ import annotations

import argparse
import errno
import json
import os
import socket
import sys
from pathlib import Path

from assistant.database import is_missing_sqlite_file
from assistant.domain import Language
from assistant.errors import ConfigurationError, InputError
from assistant.i18n import Cause, translate
from assistant.keys import KeyNotFoundError, KeyRole, KeyStore
from assistant.settings import get_settings
from assistant.tenants import DEFAULT_TENANT
from assistant.validation import positive_count
from cli.argparse_messages import add_command, help_text
from cli.commands import cli_language, opens_read_only

DEV_KEYS_FILE = "dev-keys.json"
"""File in DATA_DIR where `keys bootstrap` keeps the secrets of the keys it created."""

MAX_PORT = 65535


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `keys` and `serve` subcommands."""
    keys = add_command(sub, "keys", "keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = add_command(keys_sub, "create", "keys_create")
    create.add_argument("--tenant", required=True, help=help_text("keys_create_tenant"))
    create.add_argument(
        "--role",
        required=True,
        choices=[role.value for role in KeyRole],
        help=help_text("keys_create_role"),
    )
    create.add_argument("--name", help=help_text("keys_create_name"))
    listing = add_command(keys_sub, "list", "keys_list")
    listing.add_argument("--json", action="store_true", help=help_text("json"))
    revoke = add_command(keys_sub, "revoke", "keys_revoke")
    revoke.add_argument("key_id", help=help_text("keys_revoke_id"))
    bootstrap = add_command(keys_sub, "bootstrap", "keys_bootstrap", file=DEV_KEYS_FILE)
    bootstrap.add_argument(
        "--tenant", default=DEFAULT_TENANT, help=help_text("keys_bootstrap_tenant")
    )

    serve = add_command(sub, "serve", "serve")
    serve.add_argument("--host", default="127.0.0.1", help=help_text("serve_host"))
    serve.add_argument("--port", type=int, default=8000, help=help_text("serve_port"))
    serve.add_argument(
        "--workers",
        type=positive_count("--workers"),
        default=1,
        help=help_text("serve_workers"),
    )


def run_keys(args: argparse.Namespace) -> int:
    """Create, list, revoke or bootstrap API keys."""
    url = get_settings().resolved_database_url
    if args.keys_command in {"list", "revoke"} and is_missing_sqlite_file(url):
        # No key exists yet, and opening the store would create an empty database file.
        if args.keys_command == "revoke":
            raise KeyNotFoundError(args.key_id)
        if args.json:
            _write("[]")
        return 0
    store = KeyStore(url, read_only=opens_read_only(args, url))
    try:
        if args.keys_command == "create":
            name = _key_name(args.name)
            record, secret = store.create(args.tenant, KeyRole(args.role), name)
            _write(f"created key {record.id} tenant={record.tenant} role={record.role.value}")
            _write(secret)
        elif args.keys_command == "list":
            _list_keys(store, as_json=args.json)
        elif args.keys_command == "revoke":
            record = store.revoke(args.key_id)
            _write(f"revoked key {record.id}")
        else:
            _bootstrap(store, args.tenant)
    finally:
        store.close()
    return 0


def _key_name(name: str | None) -> str:
    """Return the stripped `--name` label, or "" without one so the store names it TENANT-ROLE.

    Raises:
        InputError: `--name` was given but is empty or only white space.
    """
    if name is None:
        return ""
    if not name.strip():
        raise InputError(
            "--name is empty; give a label such as 'helpdesk-widget', "
            "or leave --name out to use TENANT-ROLE",
            code="empty_key_name",
        )
    return name.strip()


def _check_port(port: int) -> None:
    """Raise InputError unless the port is 1-65535.

    Port 0 would bind a random port, and a port outside 0-65535 fails in `bind()` with a traceback.
    """
    if not 1 <= port <= MAX_PORT:
        raise InputError(
            f"--port must be between 1 and {MAX_PORT}, got {port}",
            code="invalid_port",
            value=port,
            limit=MAX_PORT,
        )


def _check_port_free(host: str, port: int) -> None:
    """Raise InputError when the server could not listen on host:port, e.g. a taken port.

    It binds the port as uvicorn will (with SO_REUSEADDR) and frees it at once, so the
    error comes before the links. NOTE: another program can still take the port in between.
    """
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family = addresses[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(addresses[0][4])
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise InputError(
                f"port {port} on {host} is already in use; stop the program that uses it, "
                "or pick another port with --port (make run PORT=8001)",
                code="port_in_use",
                host=host,
                port=port,
            ) from None
        reason = exc.strerror or str(exc)
        raise InputError(
            f"cannot listen on {host}:{port}: {reason}; check --host and --port",
            code="port_unavailable",
            host=host,
            port=port,
            reason=reason,
        ) from None


def _list_keys(store: KeyStore, *, as_json: bool) -> None:
    records = store.list()
    if as_json:
        _write(json.dumps([r.model_dump(mode="json") for r in records], ensure_ascii=False))
        return
    # Tenant names and roles are ASCII, so their length is their width on a terminal.
    rows = [
        (record.id, record.tenant, record.role.value, "active" if record.active else "revoked")
        for record in records
    ]
    widths = [max((len(row[column]) for row in rows), default=0) for column in range(4)]
    for row, record in zip(rows, records, strict=True):
        cells = [value.ljust(width) for value, width in zip(row, widths, strict=True)]
        _write(" ".join([*cells, record.name]))


class DevKeysFileProblem(Cause):
    """Reason why the dev keys file cannot be read."""

    FOLDER = "folder"
    UNREADABLE = "unreadable"
    NOT_JSON = "not_json"
    WRONG_SHAPE = "wrong_shape"

    @classmethod
    def message_prefix(cls) -> str:
        """Return the prefix of the members' message keys."""
        return "dev_keys_cause_"


class DevKeysFileError(ConfigurationError):
    """Raised when the dev keys file exists but cannot be read as the secrets that
    `keys bootstrap` saved. Bootstrap leaves such a file as it is, because it may hold secrets."""

    def __init__(self, path: Path, problem: DevKeysFileProblem) -> None:
        cause = problem.describe(Language.EN)
        super().__init__(
            f"cannot read the dev keys file '{path}' ({cause}); move it away and run "
            "`assistant keys bootstrap` again, which writes a new file when the tenant has "
            "no active key (`assistant keys list` shows the existing keys, and "
            "`assistant keys create` adds one)",
            code="dev_keys_unreadable",
            path=str(path),
            cause=problem.describe,
        )
        self.problem = problem


def _read_dev_keys(path: Path) -> dict[str, dict[str, str]]:
    """Return the secrets per tenant and role saved in the dev keys file, or {} without one.

    Raises:
        DevKeysFileError: the path is a folder, cannot be read, or is not the JSON object of
            objects of strings that bootstrap writes.
    """
    if not os.path.lexists(path):
        return {}
    if path.is_dir():
        raise DevKeysFileError(path, DevKeysFileProblem.FOLDER)
    try:
        saved = json.loads(path.read_bytes())
    except OSError:
        raise DevKeysFileError(path, DevKeysFileProblem.UNREADABLE) from None
    except ValueError:
        # json.JSONDecodeError and UnicodeDecodeError are both ValueErrors.
        raise DevKeysFileError(path, DevKeysFileProblem.NOT_JSON) from None
    if not isinstance(saved, dict) or not all(
        isinstance(keys, dict) and all(isinstance(secret, str) for secret in keys.values())
        for keys in saved.values()
    ):
        raise DevKeysFileError(path, DevKeysFileProblem.WRONG_SHAPE)
    return saved


def _bootstrap(store: KeyStore, tenant: str) -> None:
    path = get_settings().data_dir / DEV_KEYS_FILE
    saved = _read_dev_keys(path)
    if tenant not in saved and store.count_active(tenant=tenant) == 0:
        saved[tenant] = {}
        for role in (KeyRole.WIDGET, KeyRole.AGENT):
            _, secret = store.create(tenant, role, f"{tenant}-{role.value}-dev")
            saved[tenant][role.value] = secret
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(saved, indent=2))
        os.chmod(path, 0o600)
    for role_name, secret in saved.get(tenant, {}).items():
        _write(f"{role_name} key for tenant {tenant}: {secret}")
    if tenant not in saved:
        _write(f"tenant {tenant} already has keys; create more with `assistant keys create`")


def run_serve(args: argparse.Namespace) -> int:
    """Serve the HTTP API until interrupted."""
    import uvicorn

    _check_port(args.port)
    _check_port_free(args.host, args.port)
    base = f"http://{args.host}:{args.port}"
    language = cli_language()
    _write(translate("serve_urls", language, base=base))
    dev_keys = get_settings().data_dir / DEV_KEYS_FILE
    if dev_keys.exists():
        saved: dict[str, dict[str, str]] = json.loads(dev_keys.read_text())
        keys = saved.get(DEFAULT_TENANT, {})
        if "widget" in keys and "agent" in keys:
            _write(
                translate(
                    "serve_key_links",
                    language,
                    base=base,
                    widget=keys["widget"],
                    agent=keys["agent"],
                )
            )
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
    )
    return 0
