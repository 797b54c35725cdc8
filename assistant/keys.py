"""API keys: each one has a role and belongs to one tenant; only a hash of the secret is stored.

A key's secret looks like `sk-<key id>-<random part>`. The key id part lets the store find
the row without comparing hashes across rows, and the SHA-256 of the whole secret is then
compared in constant time.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import logging
import re
import secrets
import time
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from sqlalchemy import DateTime, Engine, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from assistant.database import SqlStore
from assistant.errors import InputError, NotFoundError
from assistant.tenants import validate_tenant

logger = logging.getLogger(__name__)

SECRET_PREFIX = "sk-"
KEY_ID_BYTES = 6
SECRET_BYTES = 32
MAX_KEY_NAME_CHARS = 100
_SECRET_RE = re.compile(r"^sk-([0-9a-f]{12})-[A-Za-z0-9_-]{20,}$")


class KeyRole(StrEnum):
    """Role of an API key. A `widget` key only chats, an `agent` key also works tickets, an
    `ops` key reads tickets, and an `admin` key manages the KB and reads tickets."""

    WIDGET = "widget"
    AGENT = "agent"
    OPS = "ops"
    ADMIN = "admin"


class _Base(DeclarativeBase):
    """Declarative base of the key table."""


class ApiKey(_Base):
    """An API key row; `secret_sha256` is the hex SHA-256 of the whole secret."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(2 * KEY_ID_BYTES), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(MAX_KEY_NAME_CHARS))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class KeyRecord(BaseModel):
    """Public view of an API key; it never contains the secret."""

    model_config = ConfigDict(frozen=True)

    id: str
    tenant: str
    role: KeyRole
    name: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        """Whether the key still authenticates."""
        return self.revoked_at is None


class KeyNotFoundError(NotFoundError):
    """Raised when no API key has the requested id."""

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"API key {key_id!r} not found; list keys with `assistant keys list`",
            code="key_not_found",
            key_id=key_id,
        )


def hash_secret(secret: str) -> str:
    """Return the hex SHA-256 of a key secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _to_record(row: ApiKey) -> KeyRecord:
    return KeyRecord(
        id=row.id,
        tenant=row.tenant,
        role=KeyRole(row.role),
        name=row.name,
        created_at=_as_utc(row.created_at),
        revoked_at=_as_utc(row.revoked_at) if row.revoked_at else None,
    )


def _as_utc(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; the store only ever writes UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


AUTH_CACHE_SECONDS = 5.0
"""How long an authenticated key is trusted without asking the database again."""


class KeyStore(SqlStore):
    """API keys in the ticket database (table `api_keys`, created on first use)."""

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        super().__init__(url, read_only=read_only)
        self._auth_cache: dict[str, tuple[KeyRecord, float]] = {}

    def _create_tables(self, engine: Engine) -> None:
        _Base.metadata.create_all(engine)

    def create(self, tenant: str, role: KeyRole, name: str = "") -> tuple[KeyRecord, str]:
        """Create a key and return it with its secret, which is shown only this once.

        Raises:
            InputError: the tenant name is invalid or the name is too long.
        """
        validate_tenant(tenant)
        if len(name) > MAX_KEY_NAME_CHARS:
            raise InputError(
                f"key name is {len(name)} characters long; use {MAX_KEY_NAME_CHARS} or fewer"
            )
        key_id = secrets.token_hex(KEY_ID_BYTES)
        secret = f"{SECRET_PREFIX}{key_id}-{secrets.token_urlsafe(SECRET_BYTES)}"
        row = ApiKey(
            id=key_id,
            tenant=tenant,
            role=role.value,
            name=name or f"{tenant}-{role.value}",
            secret_sha256=hash_secret(secret),
            created_at=datetime.now(UTC),
            revoked_at=None,
        )
        with self._transaction() as session:
            session.add(row)
        logger.info("created API key %s tenant=%s role=%s", key_id, tenant, role.value)
        return _to_record(row), secret

    def list(self, *, tenant: str | None = None) -> builtins.list[KeyRecord]:
        """Return the keys, revoked ones included, oldest first."""
        query = select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)
        if tenant is not None:
            query = query.where(ApiKey.tenant == tenant)
        with self._transaction() as session:
            return [_to_record(row) for row in session.scalars(query)]

    def count_active(self, *, tenant: str) -> int:
        """Count the tenant's keys that are not revoked."""
        query = select(func.count()).where(ApiKey.tenant == tenant, ApiKey.revoked_at.is_(None))
        with self._transaction() as session:
            return int(session.scalar(query) or 0)

    def revoke(self, key_id: str) -> KeyRecord:
        """Revoke a key; revoking a revoked key keeps its first revocation time.

        Raises:
            KeyNotFoundError: no key has this id.
        """
        self._auth_cache.clear()
        with self._transaction() as session:
            row = session.get(ApiKey, key_id)
            if row is None:
                raise KeyNotFoundError(key_id)
            if row.revoked_at is None:
                row.revoked_at = datetime.now(UTC)
            record = _to_record(row)
        logger.info("revoked API key %s", key_id)
        return record

    def authenticate(self, secret: str) -> KeyRecord | None:
        """Return the active key whose secret this is, or None for an unknown or revoked one.

        A key that authenticated is remembered for AUTH_CACHE_SECONDS, so a revocation made by
        another process takes up to that long to take effect there; in this process it is
        immediate.
        """
        match = _SECRET_RE.match(secret)
        if match is None:
            return None
        digest = hash_secret(secret)
        cached = self._auth_cache.get(digest)
        if cached is not None and time.monotonic() - cached[1] < AUTH_CACHE_SECONDS:
            return cached[0]
        with self._transaction() as session:
            row = session.get(ApiKey, match.group(1))
            if row is None or row.revoked_at is not None:
                return None
            if not hmac.compare_digest(row.secret_sha256, digest):
                return None
            record = _to_record(row)
        self._auth_cache[digest] = (record, time.monotonic())
        return record
