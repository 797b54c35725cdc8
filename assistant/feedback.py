"""User feedback on the assistant: thumbs ratings of answers and end-of-conversation surveys.

Both tables live in the ticket database, next to the tickets, and every row belongs to one
tenant. A survey is accepted once per conversation, and a new rating of a message replaces its
earlier rating.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import (
    Engine,
    Integer,
    String,
    Text,
    UniqueConstraint,
    case,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.database import SqlStore
from assistant.errors import ConflictError
from assistant.tickets.models import Base, UTCDateTime
from assistant.tickets.schemas import MAX_CONVERSATION_ID_CHARS, MAX_NAME_CHARS, MAX_TENANT_CHARS

logger = logging.getLogger(__name__)

MAX_MESSAGE_ID_CHARS = 128
MAX_REASON_CHARS = 2000
MAX_COMMENT_CHARS = 4000
NPS_PROMOTER_MIN = 9
"""NPS answers of 9 and 10 are promoters."""
NPS_DETRACTOR_MAX = 6
"""NPS answers from 0 to 6 are detractors."""


class Rating(StrEnum):
    """A thumbs rating of one answer."""

    UP = "up"
    DOWN = "down"


class AnswerRating(Base):
    """A thumbs-up or thumbs-down on one answer of a conversation."""

    __tablename__ = "answer_ratings"
    __table_args__ = (UniqueConstraint("tenant", "conversation_id", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(MAX_TENANT_CHARS), index=True)
    conversation_id: Mapped[str] = mapped_column(String(MAX_CONVERSATION_ID_CHARS))
    message_id: Mapped[str | None] = mapped_column(String(MAX_MESSAGE_ID_CHARS))
    """Client id of the rated answer. Ratings without one are all kept."""
    rating: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(MAX_NAME_CHARS), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConversationSurvey(Base):
    """A CSAT and NPS survey answered at the end of a conversation."""

    __tablename__ = "conversation_surveys"
    __table_args__ = (UniqueConstraint("tenant", "conversation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(MAX_TENANT_CHARS), index=True)
    conversation_id: Mapped[str] = mapped_column(String(MAX_CONVERSATION_ID_CHARS))
    csat: Mapped[int | None] = mapped_column(Integer)
    nps: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(MAX_NAME_CHARS), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SurveyAlreadySubmittedError(ConflictError):
    """Raised when a conversation that already has a survey gets another one."""

    def __init__(self, conversation_id: str) -> None:
        super().__init__(
            f"conversation {conversation_id!r} already has a survey; only one is accepted",
            code="survey_already_submitted",
            conversation_id=conversation_id,
        )


class FeedbackStats(BaseModel):
    """Feedback totals of a tenant, or of one intent of it."""

    ratings: int
    thumbs_up: int
    thumbs_down: int
    thumbs_up_rate: float | None
    """Share of ratings that are thumbs-up, from 0 to 1, or null without ratings."""
    surveys: int
    csat_count: int
    csat_average: float | None
    """Mean CSAT from 1 to 5, or null without CSAT answers."""
    nps_count: int
    nps: float | None
    """Promoters (9-10) minus detractors (0-6), in percent of the NPS answers, -100 to 100."""


class FeedbackSummary(FeedbackStats):
    """Feedback totals of a tenant and the same totals per intent of the rated turn."""

    by_intent: dict[str, FeedbackStats]
    """Totals by intent name. The key `unknown` contains feedback whose intent was not found."""


UNKNOWN_INTENT = "unknown"


class FeedbackStore(SqlStore):
    """Ratings and surveys in the ticket database (tables created on first use)."""

    def _create_tables(self, engine: Engine) -> None:
        names = (AnswerRating.__tablename__, ConversationSurvey.__tablename__)
        Base.metadata.create_all(engine, tables=[Base.metadata.tables[name] for name in names])

    def rate_answer(
        self,
        tenant: str,
        conversation_id: str,
        rating: Rating,
        *,
        message_id: str | None = None,
        reason: str | None = None,
        intent: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Store a rating; with a `message_id`, it replaces that message's earlier rating.

        `now` is the rating's time (aware); it defaults to the current time.
        """
        now = now or datetime.now(UTC)
        with self._transaction() as session:
            row = None
            if message_id is not None:
                row = session.scalar(
                    select(AnswerRating).where(
                        AnswerRating.tenant == tenant,
                        AnswerRating.conversation_id == conversation_id,
                        AnswerRating.message_id == message_id,
                    )
                )
            if row is None:
                row = AnswerRating(
                    tenant=tenant, conversation_id=conversation_id, message_id=message_id
                )
                session.add(row)
            row.rating = rating.value
            row.reason = reason
            row.intent = intent
            row.created_at = now
        logger.info(
            "rating tenant=%s conversation=%s rating=%s", tenant, conversation_id, rating.value
        )

    def submit_survey(
        self,
        tenant: str,
        conversation_id: str,
        *,
        csat: int | None = None,
        nps: int | None = None,
        comment: str | None = None,
        intent: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Store the survey of a conversation; `now` is its time and defaults to the current time.

        Raises:
            SurveyAlreadySubmittedError: the conversation already has a survey.
        """
        row = ConversationSurvey(
            tenant=tenant,
            conversation_id=conversation_id,
            csat=csat,
            nps=nps,
            comment=comment,
            intent=intent,
            created_at=now or datetime.now(UTC),
        )
        try:
            with self._transaction() as session:
                session.add(row)
        except IntegrityError as error:
            raise SurveyAlreadySubmittedError(conversation_id) from error
        logger.info("survey tenant=%s conversation=%s", tenant, conversation_id)

    def has_survey(self, tenant: str, conversation_id: str) -> bool:
        """Return whether the tenant's conversation already has its survey."""
        query = select(ConversationSurvey.id).where(
            ConversationSurvey.tenant == tenant,
            ConversationSurvey.conversation_id == conversation_id,
        )
        with self._transaction() as session:
            return session.scalar(query) is not None

    def summarize(self, tenant: str) -> FeedbackSummary:
        """Return the tenant's feedback totals, overall and per intent."""
        with self._transaction() as session:
            ratings = self._rating_counts(session, tenant)
            surveys = self._survey_counts(session, tenant)

        by_intent = {
            intent: _stats(ratings.get(intent, _Counts()) + surveys.get(intent, _Counts()))
            for intent in sorted(set(ratings) | set(surveys))
        }
        total = sum((*ratings.values(), *surveys.values()), start=_Counts())
        return FeedbackSummary(**_stats(total).model_dump(), by_intent=by_intent)

    @staticmethod
    def _rating_counts(session: Session, tenant: str) -> dict[str, _Counts]:
        ups = func.sum(case((AnswerRating.rating == Rating.UP.value, 1), else_=0))
        query = (
            select(AnswerRating.intent, func.count(), ups)
            .where(AnswerRating.tenant == tenant)
            .group_by(AnswerRating.intent)
        )
        return {
            intent or UNKNOWN_INTENT: _Counts(ratings=int(count), thumbs_up=int(up or 0))
            for intent, count, up in session.execute(query)
        }

    @staticmethod
    def _survey_counts(session: Session, tenant: str) -> dict[str, _Counts]:
        survey = ConversationSurvey
        promoters = func.sum(case((survey.nps >= NPS_PROMOTER_MIN, 1), else_=0))
        detractors = func.sum(case((survey.nps <= NPS_DETRACTOR_MAX, 1), else_=0))
        query = (
            select(
                survey.intent,
                func.count(),
                func.count(survey.csat),
                func.sum(survey.csat),
                func.count(survey.nps),
                promoters,
                detractors,
            )
            .where(survey.tenant == tenant)
            .group_by(survey.intent)
        )
        counts: dict[str, _Counts] = {}
        for intent, *values in session.execute(query):
            surveys, csat_count, csat_sum, nps_count, promoter_count, detractor_count = (
                int(value or 0) for value in values
            )
            counts[intent or UNKNOWN_INTENT] = _Counts(
                surveys=surveys,
                csat_count=csat_count,
                csat_sum=csat_sum,
                nps_count=nps_count,
                promoters=promoter_count,
                detractors=detractor_count,
            )
        return counts


@dataclass(frozen=True)
class _Counts:
    """Raw feedback counts that add up across intents."""

    ratings: int = 0
    thumbs_up: int = 0
    surveys: int = 0
    csat_count: int = 0
    csat_sum: int = 0
    nps_count: int = 0
    promoters: int = 0
    detractors: int = 0

    def __add__(self, other: _Counts) -> _Counts:
        return _Counts(
            *(mine + theirs for mine, theirs in zip(astuple(self), astuple(other), strict=True))
        )


def score_feedback(
    ratings: Iterable[str], surveys: Iterable[tuple[int | None, int | None]]
) -> FeedbackStats:
    """Return the totals of some thumbs ratings ("up" or "down") and surveys (csat, nps)."""
    counts = _Counts()
    for rating in ratings:
        counts += _Counts(ratings=1, thumbs_up=int(rating == Rating.UP.value))
    for csat, nps in surveys:
        counts += _Counts(
            surveys=1,
            csat_count=int(csat is not None),
            csat_sum=csat or 0,
            nps_count=int(nps is not None),
            promoters=int(nps is not None and nps >= NPS_PROMOTER_MIN),
            detractors=int(nps is not None and nps <= NPS_DETRACTOR_MAX),
        )
    return _stats(counts)


def _stats(counts: _Counts) -> FeedbackStats:
    ratings = counts.ratings
    nps_count = counts.nps_count
    nps_points = counts.promoters - counts.detractors
    return FeedbackStats(
        ratings=ratings,
        thumbs_up=counts.thumbs_up,
        thumbs_down=ratings - counts.thumbs_up,
        thumbs_up_rate=round(counts.thumbs_up / ratings, 4) if ratings else None,
        surveys=counts.surveys,
        csat_count=counts.csat_count,
        csat_average=round(counts.csat_sum / counts.csat_count, 2) if counts.csat_count else None,
        nps_count=nps_count,
        nps=round(100 * nps_points / nps_count, 1) if nps_count else None,
    )
