"""Choose and order the onboarding tips of one user.

A tip is listed only when four rules hold. The user's role is one of the tip's roles. The tip
applies to the user's product version: it was introduced at or before it and not removed. The
user has not dismissed it. The tenant's KB has its article for the user's role and version.

Tips come in three groups, strongest signal first: features the user has neither used nor asked
about, features they asked about but have not used, and features they used. Within a group,
tips for the user's persona come first, then tips new in their version, tips in a module they
asked about and the catalog priority. The tip id breaks ties, so the same state always gives
the same list.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from assistant.domain import Language, Role
from assistant.onboarding.catalog import Catalog, TipEntry
from assistant.onboarding.store import FeatureUsage
from retrieval.related import DocumentTopic
from retrieval.versions import is_available, parse_version, version_key

PERSONA_MATCH_SCORE = 2
PERSONA_NEUTRAL_SCORE = 1
"""Score of a tip written for every persona, or of any tip when the persona is unknown."""


class TipReason(StrEnum):
    """Reason a tip ranks where it does. The API returns the reasons with each tip."""

    UNUSED_FEATURE = "unused_feature"
    PERSONA_MATCH = "persona_match"
    NEW_IN_VERSION = "new_in_version"
    """The feature came in the user's version, or after the first version they were seen on."""
    RELATED_TO_QUESTIONS = "related_to_questions"
    """The user asked about another feature of the same module."""


@dataclass(frozen=True)
class TipAudience:
    """The user that tips are chosen for."""

    role: Role
    persona: str | None
    version: str
    language: Language
    first_version: str | None = None
    """The first product version the user was seen on; None when unknown."""
    usage: FeatureUsage = FeatureUsage()
    dismissed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RankedTip:
    """A tip to show, the KB article it cites and why it ranks where it does."""

    tip: TipEntry
    article: DocumentTopic
    reasons: tuple[TipReason, ...]


def cite_article(
    tip: TipEntry, topics: dict[str, DocumentTopic], audience: TipAudience
) -> DocumentTopic | None:
    """Return the KB article the tip cites for the audience, or None when the KB has none.

    The article in the user's language comes first, then the other language's. An article
    counts only when its front matter allows the user's role and version.
    """
    for doc in tip.docs.in_order_of(audience.language):
        topic = topics.get(doc)
        if topic is None or audience.role.value not in topic.roles:
            continue
        if is_available(topic.introduced_in, topic.removed_in, audience.version):
            return topic
    return None


def is_eligible(tip: TipEntry, audience: TipAudience) -> bool:
    """Tell whether the role, version and dismissals allow showing the tip to the audience."""
    return (
        audience.role in tip.roles
        and tip.applies_to(audience.version)
        and tip.id not in audience.dismissed
    )


def rank_tips(
    catalog: Catalog,
    audience: TipAudience,
    topics: dict[str, DocumentTopic],
    limit: int | None = None,
) -> list[RankedTip]:
    """Return the tips to show to the audience, best first, at most `limit` of them."""
    asked_modules = {
        catalog.features[feature].module
        for feature in audience.usage.asked
        if feature in catalog.features
    }
    ranked: list[tuple[tuple[object, ...], RankedTip]] = []
    for tip in catalog.tips:
        if not is_eligible(tip, audience):
            continue
        article = cite_article(tip, topics, audience)
        if article is None:
            continue
        module = catalog.features[tip.feature].module
        used = tip.feature in audience.usage.used
        asked = tip.feature in audience.usage.asked
        persona_score = _persona_score(tip, audience.persona)
        new = _is_new_for(tip, audience)
        related = module in asked_modules and not asked
        reasons = [
            reason
            for reason, applies in (
                (TipReason.UNUSED_FEATURE, not used),
                (TipReason.PERSONA_MATCH, persona_score == PERSONA_MATCH_SCORE),
                (TipReason.NEW_IN_VERSION, new),
                (TipReason.RELATED_TO_QUESTIONS, related),
            )
            if applies
        ]
        key = (used, asked, -persona_score, not new, not related, -tip.priority, tip.id)
        ranked.append((key, RankedTip(tip, article, tuple(reasons))))
    ranked.sort(key=lambda item: item[0])
    tips = [tip for _, tip in ranked]
    return tips if limit is None else tips[:limit]


def _persona_score(tip: TipEntry, persona: str | None) -> int:
    if persona is None or not tip.personas:
        return PERSONA_NEUTRAL_SCORE
    return PERSONA_MATCH_SCORE if persona in tip.personas else 0


def _is_new_for(tip: TipEntry, audience: TipAudience) -> bool:
    same_release = parse_version(tip.min_version)[:2] == parse_version(audience.version)[:2]
    if same_release:
        return True
    if audience.first_version is None:
        return False
    return version_key(tip.min_version) > version_key(audience.first_version)
