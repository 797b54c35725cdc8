"""Onboarding state per tenant and user: usage events, profiles, dismissed tips, tour state.

The tables live in the ticket database, and every row carries its tenant, so one tenant
never reads another's events or dismissals even for the same user id.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.database import SqlStore
from assistant.domain import Role
from assistant.errors import InputError
from assistant.tickets.models import Base, UTCDateTime
from assistant.tickets.schemas import MAX_NAME_CHARS, MAX_TENANT_CHARS

logger = logging.getLogger(__name__)

MAX_USER_ID_CHARS = 128
MAX_VERSION_CHARS = 32
USER_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@+-]{0,127}$")


class EventKind(StrEnum):
    """Kind of a usage event: the feature was used, or asked about."""

    USED = "used"
    """The user used the feature in the product."""
    ASKED = "asked"
    """The user asked the assistant about the feature."""


class TourStatus(StrEnum):
    """End of a user's guided tour."""

    COMPLETED = "completed"
    SKIPPED = "skipped"


def validate_user_id(user_id: str) -> str:
    """Return the user id when it is 1-128 letters, digits, `_`, `.`, `:`, `@`, `+` or `-`.

    Raises:
        InputError: naming the value and the allowed form.
    """
    if not USER_ID_RE.match(user_id):
        raise InputError(
            f"invalid user id {user_id!r}: use 1-128 letters, digits, '_', '.', ':', '@', "
            "'+' or '-', starting with a letter or digit",
            code="invalid_user_id",
            user_id=user_id,
        )
    return user_id


class UsageEvent(Base):
    """A user used a feature, or asked about it."""

    __tablename__ = "onboarding_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(MAX_TENANT_CHARS), index=True)
    user_id: Mapped[str] = mapped_column(String(MAX_USER_ID_CHARS), index=True)
    feature: Mapped[str] = mapped_column(String(MAX_NAME_CHARS))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    """When the user used the feature, as the client reported it."""
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OnboardingProfile(Base):
    """Role, persona and versions of a user, from the events that carried them."""

    __tablename__ = "onboarding_profiles"
    __table_args__ = (UniqueConstraint("tenant", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(MAX_TENANT_CHARS), index=True)
    user_id: Mapped[str] = mapped_column(String(MAX_USER_ID_CHARS))
    role: Mapped[str | None] = mapped_column(String(16))
    persona: Mapped[str | None] = mapped_column(String(MAX_NAME_CHARS))
    product_version: Mapped[str | None] = mapped_column(String(MAX_VERSION_CHARS))
    """The latest product version an event carried."""
    first_version: Mapped[str | None] = mapped_column(String(MAX_VERSION_CHARS))
    """The first product version an event carried: features newer than it are new to the user."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TipDismissal(Base):
    """A tip the user dismissed, so it is never shown to them again."""

    __tablename__ = "onboarding_dismissals"
    __table_args__ = (UniqueConstraint("tenant", "user_id", "tip_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(MAX_TENANT_CHARS), index=True)
    user_id: Mapped[str] = mapped_column(String(MAX_USER_ID_CHARS))
    tip_id: Mapped[str] = mapped_column(String(MAX_NAME_CHARS))
    dismissed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TourState(Base):
    """The end of a user's guided tour: completed or skipped."""

    __tablename__ = "onboarding_tours"
    __table_args__ = (UniqueConstraint("tenant", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(MAX_TENANT_CHARS), index=True)
    user_id: Mapped[str] = mapped_column(String(MAX_USER_ID_CHARS))
    status: Mapped[str] = mapped_column(String(16))
    steps_seen: Mapped[int | None] = mapped_column(Integer)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class Profile:
    """Stored role, persona and versions of a user."""

    role: Role | None = None
    persona: str | None = None
    product_version: str | None = None
    first_version: str | None = None


@dataclass(frozen=True)
class FeatureUsage:
    """Features a user used and features they asked about."""

    used: frozenset[str] = frozenset()
    asked: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TourRecord:
    """A stored tour ending."""

    status: TourStatus
    steps_seen: int | None
    finished_at: datetime


_TABLES = (
    UsageEvent.__tablename__,
    OnboardingProfile.__tablename__,
    TipDismissal.__tablename__,
    TourState.__tablename__,
)


class OnboardingStore(SqlStore):
    """Events, profiles, dismissals and tour state in the ticket database."""

    def _create_tables(self, engine: Engine) -> None:
        Base.metadata.create_all(engine, tables=[Base.metadata.tables[name] for name in _TABLES])

    def record_event(
        self,
        tenant: str,
        user_id: str,
        feature: str,
        *,
        kind: EventKind = EventKind.USED,
        at: datetime | None = None,
        profile: Profile | None = None,
    ) -> datetime:
        """Store a usage event and update the user's profile with its given fields.

        Returns:
            The time of use that was stored: `at`, or now when `at` is None.
        """
        now = datetime.now(UTC)
        used_at = at or now
        event = {
            "tenant": tenant,
            "user_id": user_id,
            "feature": feature,
            "kind": kind.value,
            "at": used_at,
            "received_at": now,
        }
        try:
            self._store_event(event, profile, now)
        except IntegrityError:
            if profile is None:
                raise
            # A concurrent first event of the same user created the profile row between the
            # lookup and the insert. That rolled back this event too, so both are stored again.
            logger.debug("profile of tenant=%s user=%s created concurrently", tenant, user_id)
            self._store_event(event, profile, now)
        logger.info(
            "usage event tenant=%s user=%s feature=%s kind=%s", tenant, user_id, feature, kind
        )
        return used_at

    def _store_event(self, event: dict[str, Any], profile: Profile | None, now: datetime) -> None:
        with self._transaction() as session:
            session.add(UsageEvent(**event))
            if profile is not None:
                self._update_profile(session, event["tenant"], event["user_id"], profile, now)

    @staticmethod
    def _update_profile(
        session: Session, tenant: str, user_id: str, profile: Profile, now: datetime
    ) -> None:
        row = session.scalar(
            select(OnboardingProfile).where(
                OnboardingProfile.tenant == tenant, OnboardingProfile.user_id == user_id
            )
        )
        if row is None:
            row = OnboardingProfile(tenant=tenant, user_id=user_id, created_at=now)
            session.add(row)
        if profile.role is not None:
            row.role = profile.role.value
        if profile.persona is not None:
            row.persona = profile.persona
        if profile.product_version is not None:
            row.product_version = profile.product_version
            row.first_version = row.first_version or profile.product_version

    def profile(self, tenant: str, user_id: str) -> Profile:
        """Return the user's stored profile, with every field None for an unknown user."""
        with self._transaction() as session:
            row = session.scalar(
                select(OnboardingProfile).where(
                    OnboardingProfile.tenant == tenant, OnboardingProfile.user_id == user_id
                )
            )
            if row is None:
                return Profile()
            return Profile(
                role=Role(row.role) if row.role else None,
                persona=row.persona,
                product_version=row.product_version,
                first_version=row.first_version,
            )

    def feature_usage(self, tenant: str, user_id: str) -> FeatureUsage:
        """Return the features the user used and the ones they asked about."""
        query = (
            select(UsageEvent.kind, UsageEvent.feature)
            .where(UsageEvent.tenant == tenant, UsageEvent.user_id == user_id)
            .distinct()
        )
        used: set[str] = set()
        asked: set[str] = set()
        with self._transaction() as session:
            for kind, feature in session.execute(query):
                (used if kind == EventKind.USED.value else asked).add(feature)
        return FeatureUsage(used=frozenset(used), asked=frozenset(asked))

    def dismiss_tip(self, tenant: str, user_id: str, tip_id: str) -> datetime:
        """Record that the user dismissed a tip. Dismissing it again keeps the first time.

        Returns:
            When the tip was first dismissed.
        """
        try:
            with self._transaction() as session:
                existing = self._dismissal(session, tenant, user_id, tip_id)
                if existing is not None:
                    return existing.dismissed_at
                now = datetime.now(UTC)
                session.add(
                    TipDismissal(tenant=tenant, user_id=user_id, tip_id=tip_id, dismissed_at=now)
                )
        except IntegrityError:
            # Another request dismissed the same tip between the lookup and the insert.
            with self._transaction() as session:
                row = self._dismissal(session, tenant, user_id, tip_id)
                if row is None:
                    raise
                return row.dismissed_at
        logger.info("tip dismissed tenant=%s user=%s tip=%s", tenant, user_id, tip_id)
        return now

    @staticmethod
    def _dismissal(session: Session, tenant: str, user_id: str, tip_id: str) -> TipDismissal | None:
        return session.scalar(
            select(TipDismissal).where(
                TipDismissal.tenant == tenant,
                TipDismissal.user_id == user_id,
                TipDismissal.tip_id == tip_id,
            )
        )

    def dismissed_tips(self, tenant: str, user_id: str) -> frozenset[str]:
        """Return the ids of the tips the user dismissed."""
        query = select(TipDismissal.tip_id).where(
            TipDismissal.tenant == tenant, TipDismissal.user_id == user_id
        )
        with self._transaction() as session:
            return frozenset(session.scalars(query))

    def finish_tour(
        self, tenant: str, user_id: str, status: TourStatus, steps_seen: int | None = None
    ) -> TourRecord:
        """Record how the user's tour ended. The first record is kept and returned."""
        try:
            with self._transaction() as session:
                existing = self._tour_row(session, tenant, user_id)
                if existing is not None:
                    return _tour_record(existing)
                row = TourState(
                    tenant=tenant,
                    user_id=user_id,
                    status=status.value,
                    steps_seen=steps_seen,
                    finished_at=datetime.now(UTC),
                )
                session.add(row)
        except IntegrityError:
            # A concurrent request recorded the tour first, so its record wins.
            record = self.tour(tenant, user_id)
            if record is None:
                raise
            return record
        logger.info("tour %s tenant=%s user=%s", status.value, tenant, user_id)
        return _tour_record(row)

    def tour(self, tenant: str, user_id: str) -> TourRecord | None:
        """Return how the user's tour ended, or None when it was never completed or skipped."""
        with self._transaction() as session:
            row = self._tour_row(session, tenant, user_id)
            return None if row is None else _tour_record(row)

    @staticmethod
    def _tour_row(session: Session, tenant: str, user_id: str) -> TourState | None:
        return session.scalar(
            select(TourState).where(TourState.tenant == tenant, TourState.user_id == user_id)
        )


def _tour_record(row: TourState) -> TourRecord:
    return TourRecord(
        status=TourStatus(row.status), steps_seen=row.steps_seen, finished_at=row.finished_at
    )
