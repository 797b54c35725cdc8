"""Onboarding of the caller's tenant's users: usage events, personalized tips, guided tour.

Every key may use these endpoints, widget keys included, because the chat widget shows the
tips and the tour. A key vouches for its tenant, not for one user. As with `user.id` of
`POST /v1/chat`, the caller names the user in the path or body, so any key of a tenant can read
and dismiss the tips of any user of that tenant. Another tenant's user with the same id has
separate events, dismissals and tour state.
"""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Query, status

from api.deps import ChatKeyDep, LanguageDep, ResourcesDep
from api.language import locale_language
from api.resources import Resources
from api.schemas import TourUpdate, UsageEventCreate
from assistant.domain import Language, Role
from assistant.onboarding.service import (
    DEFAULT_TIPS_LIMIT,
    MAX_TIPS_LIMIT,
    EventReceipt,
    TipDismissalPublic,
    TipList,
    TipQuery,
    TourPublic,
    UsageEventInput,
)
from assistant.settings import DEFAULT_KB
from retrieval.related import DocumentTopic

router = APIRouter(prefix="/v1", tags=["onboarding"])

LocaleQuery = Annotated[
    str | None,
    Query(max_length=35, description="BCP 47 locale such as zh-CN; Accept-Language when missing"),
]
RoleQuery = Annotated[
    Role | None, Query(description="The user's product role; the stored one, else member")
]


@router.post("/events", response_model=EventReceipt, status_code=status.HTTP_201_CREATED)
def record_event(
    *, body: UsageEventCreate, key: ChatKeyDep, resources: ResourcesDep
) -> EventReceipt:
    """Record that a user used a feature (`kind: used`) or asked about it (`kind: asked`).

    The first event with `role`, `persona` or `product_version` stores them for the user's
    tips, and later events that carry them replace them. An unknown feature or persona gets
    422 with the valid names.
    """
    event = UsageEventInput(
        user_id=body.user_id,
        feature=body.feature,
        kind=body.kind,
        at=body.at,
        role=body.role,
        persona=body.persona,
        product_version=body.product_version,
    )
    return resources.onboarding.record_event(key.tenant, event)


@router.get("/users/{user_id}/tips", response_model=TipList)
async def list_tips(
    *,
    user_id: str,
    key: ChatKeyDep,
    resources: ResourcesDep,
    language: LanguageDep,
    locale: LocaleQuery = None,
    role: RoleQuery = None,
    persona: Annotated[
        str | None, Query(max_length=64, description="The stored persona when missing")
    ] = None,
    version: Annotated[
        str | None,
        Query(max_length=32, description="Product version; the stored one, else the current"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_TIPS_LIMIT)] = DEFAULT_TIPS_LIMIT,
    kb: Annotated[str, Query(description="KB of the tenant whose articles tips cite")] = DEFAULT_KB,
) -> TipList:
    """Return the user's onboarding tips, best first, each citing an article of the KB.

    Tips on features the user has neither used nor asked about come first, then features they
    asked about, then used ones. Within each group, tips for their persona, tips new in their
    version and tips near what they asked about rank higher. A dismissed tip, a tip for another
    role, a tip for a later or removed feature, and a tip whose article is not in the KB are
    left out.
    """
    query = TipQuery(
        user_id=user_id,
        language=_language(locale, language),
        role=role,
        persona=persona,
        product_version=version,
        limit=limit,
    )
    topics = await to_thread.run_sync(_kb_topics, resources, key.tenant, kb)
    return await to_thread.run_sync(resources.onboarding.tips, key.tenant, query, topics)


@router.post("/users/{user_id}/tips/{tip_id}/dismiss", response_model=TipDismissalPublic)
def dismiss_tip(
    *, user_id: str, tip_id: str, key: ChatKeyDep, resources: ResourcesDep
) -> TipDismissalPublic:
    """Dismiss a tip for the user: it is never listed for them again. Dismissing twice is fine."""
    return resources.onboarding.dismiss(key.tenant, user_id, tip_id)


@router.get("/users/{user_id}/tour", response_model=TourPublic)
def read_tour(
    *,
    user_id: str,
    key: ChatKeyDep,
    resources: ResourcesDep,
    language: LanguageDep,
    locale: LocaleQuery = None,
    role: RoleQuery = None,
) -> TourPublic:
    """Return the guided tour. `show` stays true until the user completes or skips it."""
    return resources.onboarding.tour(key.tenant, user_id, _language(locale, language), role)


@router.post("/users/{user_id}/tour", response_model=TourPublic)
def finish_tour(
    *,
    user_id: str,
    body: TourUpdate,
    key: ChatKeyDep,
    resources: ResourcesDep,
    language: LanguageDep,
    locale: LocaleQuery = None,
) -> TourPublic:
    """Record that the user completed or skipped the tour. The first record is kept."""
    return resources.onboarding.finish_tour(
        key.tenant, user_id, body.status, _language(locale, language), body.steps_seen
    )


def _language(locale: str | None, header_language: Language) -> Language:
    return header_language if not locale else locale_language(locale)


def _kb_topics(resources: Resources, tenant: str, kb: str) -> dict[str, DocumentTopic]:
    agent = resources.agents.get(tenant, kb)
    # The lock keeps an upload from swapping the index while the topics are read.
    with resources.agents.kb_lock(tenant, kb):
        return agent.context.kb.document_topics()
