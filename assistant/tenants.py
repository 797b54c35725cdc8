"""Tenants: each one sees only its own knowledge bases, conversations and tickets.

A tenant's KB `K` is stored as the KB `{tenant}.{K}`, and its conversation `C` is kept by
the checkpointer under the thread id `{tenant}/{C}`. Tenant names contain neither `.` nor
`/`, so the tenant part of both names is unambiguous.
"""

from __future__ import annotations

import re

from assistant.errors import InputError

DEFAULT_TENANT = "default"
"""Tenant of the command line and of data created before tenants existed."""

TENANT_KB_SEPARATOR = "."
TENANT_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
TENANT_KB_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,30}$")
CONVERSATION_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")


def validate_tenant(tenant: str) -> str:
    """Return the tenant name if it is valid.

    Raises:
        InputError: the name is not 1-32 lowercase letters, digits, `_` or `-`.
    """
    if not TENANT_NAME_RE.match(tenant):
        raise InputError(
            f"invalid tenant name {tenant!r}: use 1-32 lowercase letters, digits, '_' or '-', "
            "starting with a letter or digit",
            code="invalid_tenant",
            tenant=tenant,
        )
    return tenant


def tenant_kb_name(tenant: str, kb: str) -> str:
    """Return the stored name of a tenant's KB, e.g. (`acme`, `docs`) -> `acme.docs`.

    Raises:
        InputError: the tenant or the KB name is invalid.
    """
    validate_tenant(tenant)
    if not TENANT_KB_RE.match(kb):
        raise InputError(
            f"invalid KB name {kb!r}: use 1-31 letters, digits, '_' or '-', "
            "starting with a letter or digit",
            code="invalid_tenant_kb",
            name=kb,
        )
    return f"{tenant}{TENANT_KB_SEPARATOR}{kb}"


def tenant_kbs(tenant: str, stored_names: list[str]) -> list[str]:
    """Return the tenant's own KB names (without the tenant prefix) among stored KB names."""
    prefix = f"{tenant}{TENANT_KB_SEPARATOR}"
    return [name[len(prefix) :] for name in stored_names if name.startswith(prefix)]


def resolve_kb_name(name: str) -> str:
    """Map a KB name given on the command line to its stored name.

    A name without a dot is a KB of the default tenant (`default` -> `default.default`), so
    the command line and the HTTP API share the KB; a name `TENANT.KB` is a KB of that tenant.
    Both parts follow the rules of `tenant_kb_name`, which the HTTP API applies too.

    Raises:
        InputError: the tenant or the KB part is invalid; the message quotes `name` as typed.
    """
    tenant, separator, kb = name.partition(TENANT_KB_SEPARATOR)
    if not separator:
        tenant, kb = DEFAULT_TENANT, name
    try:
        return tenant_kb_name(tenant, kb)
    except InputError:
        raise InputError(
            f"invalid KB name {name!r}: write KB or TENANT.KB, where KB is 1-31 letters, "
            "digits, '_' or '-' and TENANT is 1-32 lowercase letters, digits, '_' or '-', "
            "each starting with a letter or digit",
            code="invalid_kb_argument",
            name=name,
        ) from None


def kb_tenant(stored_name: str, default: str = DEFAULT_TENANT) -> str:
    """Return the tenant of a stored KB name (`acme.docs` -> `acme`), or `default` without one."""
    tenant, separator, _ = stored_name.partition(TENANT_KB_SEPARATOR)
    return tenant if separator else default


def conversation_thread_id(tenant: str, conversation_id: str) -> str:
    """Return the checkpointer thread id of a tenant's conversation.

    Raises:
        InputError: the conversation id is not 1-128 letters, digits, `_`, `.`, `:` or `-`.
    """
    if not CONVERSATION_ID_RE.match(conversation_id):
        raise InputError(
            f"invalid conversation id {conversation_id!r}: use 1-128 letters, digits, "
            "'_', '.', ':' or '-'",
            code="invalid_conversation_id",
            conversation_id=conversation_id,
        )
    return f"{tenant}/{conversation_id}"


def thread_conversation_id(thread_id: str) -> str | None:
    """Return the conversation id of a checkpointer thread id made by `conversation_thread_id`.

    A thread id of another form, such as a test's own, returns None.
    """
    tenant, separator, conversation_id = thread_id.partition("/")
    if not separator or not TENANT_NAME_RE.match(tenant):
        return None
    return conversation_id if CONVERSATION_ID_RE.match(conversation_id) else None
