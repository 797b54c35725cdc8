"""Onboarding tips and the guided tour of one user: the store, the catalog and the KB together.

The HTTP API and the eval suite call this service. It takes the KB's document topics as an
argument, so it never opens a KB itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from assistant.domain import Language, Role
from assistant.errors import NotFoundError
from assistant.llm import LLMClient
from assistant.onboarding.catalog import Catalog, shipped_catalog
from assistant.onboarding.ranking import RankedTip, TipAudience, TipReason, rank_tips
from assistant.onboarding.rewrite import RewriteRequest, TipRewriter
from assistant.onboarding.store import (
    EventKind,
    FeatureUsage,
    OnboardingStore,
    Profile,
    TourStatus,
    validate_user_id,
)
from assistant.settings import Settings
from assistant.turns import TurnStore
from retrieval.related import DocumentTopic
from retrieval.versions import parse_version

DEFAULT_TIPS_LIMIT = 3
MAX_TIPS_LIMIT = 20
DEFAULT_ROLE = Role.MEMBER
GUEST_PERSONA = "guest"
MAX_TURNS_READ = 200
"""The user's latest turns whose cited articles count as questions asked."""


class TipNotFoundError(NotFoundError):
    """Raised when a request names a tip id that the catalog does not have."""

    def __init__(self, tip_id: str) -> None:
        super().__init__(f"tip {tip_id!r} does not exist", code="tip_not_found", tip_id=tip_id)


class TipArticle(BaseModel):
    """The KB article a tip cites."""

    doc: str
    """Path of the article in the tenant's KB."""
    title: str
    """Title of the article in the tenant's KB."""
    url: str | None
    """Link to the article in the help center, or null when no help-center URL is set."""


class TipPublic(BaseModel):
    """One tip shown to a user."""

    id: str
    feature: str
    text: str
    article: TipArticle
    reasons: list[TipReason]
    """Reasons the tip ranks where it does."""
    rewritten: bool
    """Whether an LLM rewrote the catalog text for this user."""


class TipList(BaseModel):
    """The tips of a user, best first, and the context they were chosen for."""

    user_id: str
    language: Language
    role: Role
    persona: str | None
    product_version: str
    tips: list[TipPublic]


class TipDismissalPublic(BaseModel):
    """A dismissed tip."""

    user_id: str
    tip_id: str
    dismissed_at: datetime


class TourStepPublic(BaseModel):
    """One step of the guided tour."""

    id: str
    target: str
    """Id of the chat widget element the step points at."""
    title: str
    text: str


class TourPublic(BaseModel):
    """The guided tour of a user and whether the widget should show it."""

    user_id: str
    language: Language
    status: TourStatus | None
    """End of the tour (completed or skipped), or null while the user has not finished it."""
    show: bool
    """True until the tour is completed or skipped."""
    finished_at: datetime | None
    steps: list[TourStepPublic]


class EventReceipt(BaseModel):
    """A stored usage event."""

    user_id: str
    feature: str
    kind: EventKind
    at: datetime


@dataclass(frozen=True)
class UsageEventInput:
    """A usage event as a client posts it, with the optional profile fields."""

    user_id: str
    feature: str
    kind: EventKind = EventKind.USED
    at: datetime | None = None
    role: Role | None = None
    persona: str | None = None
    product_version: str | None = None


@dataclass(frozen=True)
class TipQuery:
    """Request for a user's tips. None fields come from the stored profile or the defaults."""

    user_id: str
    language: Language
    role: Role | None = None
    persona: str | None = None
    product_version: str | None = None
    limit: int = DEFAULT_TIPS_LIMIT


class OnboardingService:
    """Record usage events and choose the tips and tour of a user.

    Args:
        store: Events, profiles, dismissals and tour state.
        catalog: The tips and tour steps.
        rewriter: Rewrites tip texts with an LLM when one is configured.
        help_center_url: Base URL that article paths are appended to, or empty for no links.
        turns: The turn log. The articles cited in replies to the user count as features
            they asked about, like `asked` events. None uses the events only.
    """

    def __init__(
        self,
        store: OnboardingStore,
        catalog: Catalog,
        rewriter: TipRewriter,
        help_center_url: str = "",
        turns: TurnStore | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self._rewriter = rewriter
        self._help_center_url = help_center_url.rstrip("/")
        self._turns = turns

    @classmethod
    def open(cls, settings: Settings, turns: TurnStore | None = None) -> OnboardingService:
        """Open the store in the ticket database, with the shipped catalog.

        Tip texts are rewritten when an LLM is configured.
        """
        llm = LLMClient(settings) if settings.llm_model else None
        return cls(
            OnboardingStore(settings.resolved_database_url),
            shipped_catalog(),
            TipRewriter(llm),
            settings.help_center_url,
            turns,
        )

    def close(self) -> None:
        """Close the store's connections."""
        self.store.close()

    def record_event(self, tenant: str, event: UsageEventInput) -> EventReceipt:
        """Validate and store a usage event.

        Raises:
            InputError: the user id or the product version is invalid.
            UnknownChoiceError: the feature or the persona is not in the catalog.
        """
        user_id = validate_user_id(event.user_id)
        feature = self.catalog.check_feature(event.feature)
        persona = None if event.persona is None else self.catalog.check_persona(event.persona)
        if event.product_version is not None:
            parse_version(event.product_version)
        profile = Profile(role=event.role, persona=persona, product_version=event.product_version)
        at = self.store.record_event(
            tenant, user_id, feature, kind=event.kind, at=event.at, profile=profile
        )
        return EventReceipt(user_id=user_id, feature=feature, kind=event.kind, at=at)

    def audience(self, tenant: str, query: TipQuery) -> TipAudience:
        """Return the user tips are chosen for: the query's fields over the stored profile.

        Raises:
            InputError: the user id or the product version is invalid.
            UnknownChoiceError: the persona is not in the catalog.
        """
        user_id = validate_user_id(query.user_id)
        if query.persona is not None:
            self.catalog.check_persona(query.persona)
        if query.product_version is not None:
            parse_version(query.product_version)
        profile = self.store.profile(tenant, user_id)
        role = query.role or profile.role or DEFAULT_ROLE
        persona = query.persona or profile.persona
        if persona is None and role is Role.GUEST:
            persona = GUEST_PERSONA
        return TipAudience(
            role=role,
            persona=persona,
            version=query.product_version
            or profile.product_version
            or self.catalog.current_version,
            language=query.language,
            first_version=profile.first_version,
            usage=self._feature_usage(tenant, user_id),
            dismissed=self.store.dismissed_tips(tenant, user_id),
        )

    def _feature_usage(self, tenant: str, user_id: str) -> FeatureUsage:
        usage = self.store.feature_usage(tenant, user_id)
        if self._turns is None:
            return usage
        turns = self._turns.list_turns(tenant, user_id=user_id, limit=MAX_TURNS_READ)
        asked = {
            feature
            for turn in turns
            for doc in turn.cited_docs
            for feature in self.catalog.features_citing(doc)
        }
        return FeatureUsage(used=usage.used, asked=usage.asked | asked)

    def tips(self, tenant: str, query: TipQuery, topics: dict[str, DocumentTopic]) -> TipList:
        """Return the user's tips, best first, citing articles of the KB `topics` describe.

        Raises:
            InputError: the user id or the product version is invalid.
            UnknownChoiceError: the persona is not in the catalog.
        """
        audience = self.audience(tenant, query)
        ranked = rank_tips(self.catalog, audience, topics, query.limit)
        return TipList(
            user_id=query.user_id,
            language=audience.language,
            role=audience.role,
            persona=audience.persona,
            product_version=audience.version,
            tips=[self._public(tip, audience) for tip in ranked],
        )

    def _public(self, ranked: RankedTip, audience: TipAudience) -> TipPublic:
        tip, article = ranked.tip, ranked.article
        text = tip.text.get(audience.language)
        rewritten = self._rewriter.rewrite(
            RewriteRequest(
                tip_id=tip.id,
                text=text,
                article_title=article.title,
                language=audience.language,
                role=audience.role,
                persona=audience.persona,
            )
        )
        url = f"{self._help_center_url}/{article.doc}" if self._help_center_url else None
        return TipPublic(
            id=tip.id,
            feature=tip.feature,
            text=rewritten or text,
            article=TipArticle(doc=article.doc, title=article.title, url=url),
            reasons=list(ranked.reasons),
            rewritten=rewritten is not None,
        )

    def dismiss(self, tenant: str, user_id: str, tip_id: str) -> TipDismissalPublic:
        """Record that the user dismissed a tip, so it is never shown to them again.

        Raises:
            InputError: the user id is invalid.
            TipNotFoundError: the catalog has no tip `tip_id`.
        """
        validate_user_id(user_id)
        if self.catalog.tip(tip_id) is None:
            raise TipNotFoundError(tip_id)
        dismissed_at = self.store.dismiss_tip(tenant, user_id, tip_id)
        return TipDismissalPublic(user_id=user_id, tip_id=tip_id, dismissed_at=dismissed_at)

    def tour(
        self, tenant: str, user_id: str, language: Language, role: Role | None = None
    ) -> TourPublic:
        """Return the guided tour of the user in `language`, for their role.

        Raises:
            InputError: the user id is invalid.
        """
        validate_user_id(user_id)
        record = self.store.tour(tenant, user_id)
        tour_role = role or self.store.profile(tenant, user_id).role or DEFAULT_ROLE
        steps = [
            TourStepPublic(
                id=step.id,
                target=step.target,
                title=step.title.get(language),
                text=step.text.get(language),
            )
            for step in self.catalog.tour_for(tour_role)
        ]
        return TourPublic(
            user_id=user_id,
            language=language,
            status=None if record is None else record.status,
            show=record is None,
            finished_at=None if record is None else record.finished_at,
            steps=steps,
        )

    def finish_tour(
        self,
        tenant: str,
        user_id: str,
        status: TourStatus,
        language: Language,
        steps_seen: int | None = None,
    ) -> TourPublic:
        """Record that the user completed or skipped the tour. The first record is kept.

        Raises:
            InputError: the user id is invalid.
        """
        validate_user_id(user_id)
        self.store.finish_tour(tenant, user_id, status, steps_seen)
        return self.tour(tenant, user_id, language)
