"""Voice of the customer: the week's most frequent pain-point terms, their trend, modules and
examples, and the messages with negative sentiment.

The texts are the users' questions from the turn log (greetings and out-of-scope small talk
left out), tickets opened outside a conversation, survey comments and the reasons given with
thumbs-down ratings. A term counts once per text that contains it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel

from assistant.domain import Intent
from assistant.feedback import Rating
from assistant.text import detect_language
from insights.activity import Activity, RatingFact, SurveyFact
from insights.keywords import Term, extract_terms
from insights.live import UNKNOWN_MODULE
from insights.sentiment import negative_cues
from insights.weeks import IsoWeek

TOP_TERMS = 20
TOP_PHRASES = 10
MIN_PHRASE_COUNT = 2
"""Minimum number of the week's texts a phrase must appear in, because once is no pattern."""
EXAMPLES_PER_TERM = 3
NEGATIVE_EXAMPLES = 20
MODULES_PER_TERM = 3
LOW_CSAT_MAX = 2
"""Maximum CSAT of a survey that flags its conversation as negative."""
SKIPPED_INTENTS = frozenset({Intent.GREETING.value, Intent.OUT_OF_SCOPE.value})
"""Intents whose messages name no pain point: greetings and off-topic small talk."""


class Source(StrEnum):
    """Origin of a text of the report."""

    QUESTION = "question"
    TICKET = "ticket"
    SURVEY_COMMENT = "survey_comment"
    RATING_REASON = "rating_reason"


class NegativeReason(StrEnum):
    """Reason for flagging a text negative. The matched lexicon cues are listed separately."""

    LEXICON = "lexicon"
    THUMBS_DOWN = "thumbs_down"
    LOW_CSAT = "low_csat"


Trend = Literal["new", "up", "down", "same"]


@dataclass
class VoiceText:
    """One text of the customers' voice with where it comes from."""

    source: Source
    text: str
    conversation_id: str | None
    ticket_id: str | None
    created_at: datetime
    module: str
    language: str
    cues: list[str] = field(default_factory=list)
    """Negative words of the sentiment lexicon found in the text."""
    reasons: set[NegativeReason] = field(default_factory=set)


class QuotedText(BaseModel):
    """A text of the report with where it comes from."""

    source: Source
    text: str
    conversation_id: str | None
    ticket_id: str | None
    module: str
    created_at: datetime


class TermExample(QuotedText):
    """A text that contains a term."""

    negative: bool


class ModuleCount(BaseModel):
    """How many texts about a module contain a term."""

    module: str
    count: int


class VocTerm(BaseModel):
    """A pain-point term of the week with its trend against the previous week."""

    term: str
    """The spelling used most often, e.g. "exports" for the stem "export"."""
    key: str
    """Stems (English) or words (Chinese) that group the spellings."""
    count: int
    """Texts of the week that contain the term."""
    previous_count: int
    change: int
    trend: Trend
    negative_count: int
    """Texts of the week with the term that are flagged negative."""
    modules: list[ModuleCount]
    examples: list[TermExample]


class ModuleVoice(BaseModel):
    """Texts of the week about one module."""

    module: str
    count: int
    previous_count: int
    negative_count: int


class NegativeText(QuotedText):
    """A text of the week flagged negative, with the reasons."""

    reasons: list[NegativeReason]
    cues: list[str]


class VocTotals(BaseModel):
    """Counts of one week's texts by source."""

    texts: int
    conversations: int
    questions: int
    tickets: int
    survey_comments: int
    rating_reasons: int
    negative: int
    negative_share: float | None


class VocReport(BaseModel):
    """The weekly voice-of-the-customer report of one tenant."""

    tenant: str
    week: str
    previous_week: str
    since: datetime
    until: datetime
    timezone: str
    generated_at: datetime
    totals: VocTotals
    previous_totals: VocTotals
    terms: list[VocTerm]
    phrases: list[VocTerm]
    modules: list[ModuleVoice]
    negative: list[NegativeText]


def collect_texts(activity: Activity) -> list[VoiceText]:
    """Return the texts of an activity's window, oldest first, flagged with negative reasons."""
    rated_down, rating_texts = _rating_texts(activity)
    low_csat, survey_texts = _survey_texts(activity)
    texts = [*rating_texts, *survey_texts]
    for turn in activity.turns:
        if turn.intent in SKIPPED_INTENTS:
            continue
        text = VoiceText(
            source=Source.QUESTION,
            text=turn.question,
            conversation_id=turn.conversation_id,
            ticket_id=turn.ticket_id,
            created_at=turn.created_at,
            module=turn.module,
            language=turn.language,
        )
        if turn.id in rated_down:
            text.reasons.add(NegativeReason.THUMBS_DOWN)
        if turn.id in low_csat:
            text.reasons.add(NegativeReason.LOW_CSAT)
        texts.append(text)
    texts += [
        VoiceText(
            source=Source.TICKET,
            text=ticket.description,
            conversation_id=None,
            ticket_id=ticket.id,
            created_at=ticket.created_at,
            module=ticket.module,
            language=ticket.language,
        )
        for ticket in activity.outside_tickets
    ]
    for text in texts:
        text.cues = negative_cues(text.text)
        if text.cues:
            text.reasons.add(NegativeReason.LEXICON)
    return sorted(texts, key=lambda text: text.created_at)


def _rating_texts(activity: Activity) -> tuple[set[int], list[VoiceText]]:
    """Return the ids of the turns rated thumbs-down and the reasons given with those ratings."""
    rated_turns: set[int] = set()
    texts: list[VoiceText] = []
    for rating in activity.ratings:
        if rating.rating != Rating.DOWN.value:
            continue
        turn = activity.turn_at(rating.conversation_id, rating.created_at)
        if turn is not None:
            rated_turns.add(turn.id)
        if rating.reason:
            text = _feedback_text(activity, Source.RATING_REASON, rating)
            text.reasons.add(NegativeReason.THUMBS_DOWN)
            texts.append(text)
    return rated_turns, texts


def _survey_texts(activity: Activity) -> tuple[set[int], list[VoiceText]]:
    """Return the ids of the last turns before a low-CSAT survey and the survey comments."""
    low_turns: set[int] = set()
    texts: list[VoiceText] = []
    for survey in activity.surveys:
        is_low = survey.csat is not None and survey.csat <= LOW_CSAT_MAX
        turn = activity.turn_at(survey.conversation_id, survey.created_at)
        if is_low and turn is not None:
            low_turns.add(turn.id)
        if survey.comment:
            text = _feedback_text(activity, Source.SURVEY_COMMENT, survey)
            if is_low:
                text.reasons.add(NegativeReason.LOW_CSAT)
            texts.append(text)
    return low_turns, texts


def build_voc_report(
    tenant: str,
    week: IsoWeek,
    current: Activity,
    previous: Activity,
    *,
    timezone: str,
    generated_at: datetime,
) -> VocReport:
    """Build the report of `week` from its activity and the previous week's."""
    texts = collect_texts(current)
    previous_texts = collect_texts(previous)
    terms_by_text = [extract_terms(text.text) for text in texts]
    previous_counts = Counter(
        term.key for text in previous_texts for term in extract_terms(text.text)
    )
    tally = _tally(texts, terms_by_text)

    words = [key for key in tally.ranked() if not tally.is_phrase[key]][:TOP_TERMS]
    phrases = [
        key
        for key in tally.ranked()
        if tally.is_phrase[key] and len(tally.texts[key]) >= MIN_PHRASE_COUNT
    ][:TOP_PHRASES]
    return VocReport(
        tenant=tenant,
        week=str(week),
        previous_week=str(week.shift(-1)),
        since=current.since,
        until=current.until,
        timezone=timezone,
        generated_at=generated_at,
        totals=_totals(texts),
        previous_totals=_totals(previous_texts),
        terms=[_term(key, tally, texts, previous_counts[key]) for key in words],
        phrases=[_term(key, tally, texts, previous_counts[key]) for key in phrases],
        modules=_modules(texts, previous_texts),
        negative=[_negative(text) for text in reversed(texts) if text.reasons][:NEGATIVE_EXAMPLES],
    )


@dataclass
class _Tally:
    texts: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    """Indexes of the texts that contain each term key."""
    surfaces: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    is_phrase: dict[str, bool] = field(default_factory=dict)

    def ranked(self) -> list[str]:
        return sorted(self.texts, key=lambda key: (-len(self.texts[key]), key))


def _tally(texts: list[VoiceText], terms_by_text: list[list[Term]]) -> _Tally:
    tally = _Tally()
    for index, terms in enumerate(terms_by_text):
        for term in terms:
            tally.texts[term.key].append(index)
            tally.surfaces[term.key][term.surface] += 1
            tally.is_phrase[term.key] = term.is_phrase
    return tally


def _term(key: str, tally: _Tally, texts: list[VoiceText], previous_count: int) -> VocTerm:
    containing = [texts[index] for index in tally.texts[key]]
    count = len(containing)
    modules = Counter(text.module for text in containing)
    # Negative texts first, then the newest, one per conversation.
    ordered = sorted(containing, key=lambda text: (not text.reasons, -text.created_at.timestamp()))
    examples: list[TermExample] = []
    seen: set[str] = set()
    for text in ordered:
        identity = text.conversation_id or text.ticket_id or text.text
        if identity in seen:
            continue
        seen.add(identity)
        examples.append(_example(text))
        if len(examples) == EXAMPLES_PER_TERM:
            break
    return VocTerm(
        term=_most_common(tally.surfaces[key]),
        key=key,
        count=count,
        previous_count=previous_count,
        change=count - previous_count,
        trend=_trend(count, previous_count),
        negative_count=sum(1 for text in containing if text.reasons),
        modules=[
            ModuleCount(module=module, count=module_count)
            for module, module_count in _ranked(modules)[:MODULES_PER_TERM]
        ],
        examples=examples,
    )


def _most_common(surfaces: Counter[str]) -> str:
    return min(surfaces, key=lambda surface: (-surfaces[surface], surface))


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _trend(count: int, previous_count: int) -> Trend:
    if previous_count == 0:
        return "new"
    if count > previous_count:
        return "up"
    if count < previous_count:
        return "down"
    return "same"


def _quoted(text: VoiceText) -> dict[str, object]:
    return QuotedText(
        source=text.source,
        text=text.text,
        conversation_id=text.conversation_id,
        ticket_id=text.ticket_id,
        module=text.module,
        created_at=text.created_at,
    ).model_dump()


def _example(text: VoiceText) -> TermExample:
    return TermExample.model_validate(_quoted(text) | {"negative": bool(text.reasons)})


def _negative(text: VoiceText) -> NegativeText:
    fields = {"reasons": sorted(text.reasons), "cues": text.cues}
    return NegativeText.model_validate(_quoted(text) | fields)


def _modules(texts: list[VoiceText], previous_texts: list[VoiceText]) -> list[ModuleVoice]:
    counts = Counter(text.module for text in texts)
    previous = Counter(text.module for text in previous_texts)
    negative = Counter(text.module for text in texts if text.reasons)
    return [
        ModuleVoice(
            module=module,
            count=count,
            previous_count=previous[module],
            negative_count=negative[module],
        )
        for module, count in _ranked(counts)
    ]


def _totals(texts: Iterable[VoiceText]) -> VocTotals:
    items = list(texts)
    by_source = Counter(text.source for text in items)
    negative = sum(1 for text in items if text.reasons)
    return VocTotals(
        texts=len(items),
        conversations=len({text.conversation_id for text in items if text.conversation_id}),
        questions=by_source[Source.QUESTION],
        tickets=by_source[Source.TICKET],
        survey_comments=by_source[Source.SURVEY_COMMENT],
        rating_reasons=by_source[Source.RATING_REASON],
        negative=negative,
        negative_share=round(negative / len(items), 4) if items else None,
    )


def _feedback_text(
    activity: Activity, source: Source, feedback: RatingFact | SurveyFact
) -> VoiceText:
    text = (feedback.reason if isinstance(feedback, RatingFact) else feedback.comment) or ""
    turn = activity.turn_at(feedback.conversation_id, feedback.created_at)
    return VoiceText(
        source=source,
        text=text,
        conversation_id=feedback.conversation_id,
        ticket_id=None,
        created_at=feedback.created_at,
        module=turn.module if turn else UNKNOWN_MODULE,
        language=detect_language(text).value,
    )
