"""KB gaps: questions the KB did not answer well, clustered into topics and ranked.

A question is a gap candidate when one of these signals falls in the window:
- the agent left it unanswered although its intent is one the KB should answer, because
  retrieval was not confident or the model found no answer in the articles
  (`low_confidence`, see `insights.activity.is_kb_unanswered`),
- the user rated its answer thumbs-down (`thumbs_down`),
- the turn after its answer opened a ticket (`ticket_after_answer`).
The question itself may be older than the window when a later signal falls in it.

Candidates are grouped by leader clustering on the cosine of their token vectors. These are
the surge detection vectors with the glossary's zh<->en concepts, so "同步失败" and "sync
fails" can meet. Each question joins the most similar cluster whose centroid cosine reaches
`MIN_SIMILARITY`, or else starts a new one. A cluster's score counts each unanswered
question once and each thumbs-down or ticket after an answer twice. The reason is that in
those cases a user read an answer and it did not help.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from assistant.domain import ActionType
from assistant.feedback import Rating
from assistant.incidents.similarity import ConceptMatcher, TextSimilarity, cosine, normalized
from assistant.turns import TurnRecord
from insights.activity import Activity, is_kb_unanswered
from insights.keywords import extract_terms
from insights.stale_docs import StaleDocsReport
from insights.voc import ModuleCount

MIN_SIMILARITY = 0.35
"""Cosine to a cluster's centroid from which a question joins that cluster."""
MAX_CLUSTERS = 20
EXAMPLES_PER_CLUSTER = 3
LABEL_TERMS = 3
CITED_DOCS_PER_CLUSTER = 3
ANSWER_FAILED_WEIGHT = 2
"""Score of a thumbs-down or a ticket after an answer. An unanswered question scores 1."""


class GapSignal(StrEnum):
    """Signal that makes a question a KB gap candidate."""

    LOW_CONFIDENCE = "low_confidence"
    """The KB left the question unanswered, whatever the retrieval confidence. The name is
    older than the model's "no answer" verdict and stays for the report's JSON readers."""
    THUMBS_DOWN = "thumbs_down"
    TICKET_AFTER_ANSWER = "ticket_after_answer"


class GapQuestion(BaseModel):
    """One question of a gap cluster."""

    conversation_id: str
    question: str
    module: str
    language: str
    retrieval_confidence: float
    created_at: datetime
    signals: list[GapSignal]
    cited_docs: list[str]


class SignalCounts(BaseModel):
    """Question counts of a cluster by signal. One question may count under several signals."""

    low_confidence: int
    thumbs_down: int
    ticket_after_answer: int


class DocCount(BaseModel):
    """A KB document the cluster's answers cited, and how often."""

    doc: str
    count: int


class GapCluster(BaseModel):
    """A topic the KB answers badly, with the questions that show it."""

    rank: int
    label: str
    """The cluster's most frequent terms, joined with " / "."""
    terms: list[str]
    score: int
    questions: int
    conversations: int
    signals: SignalCounts
    modules: list[ModuleCount]
    languages: dict[str, int]
    cited_docs: list[DocCount]
    """Documents the weak answers cited: the articles to improve rather than write."""
    examples: list[GapQuestion]


class KbGapsReport(BaseModel):
    """The KB gap clusters of one tenant's week and the KB's stale documents."""

    tenant: str
    kb: str
    week: str
    since: datetime
    until: datetime
    timezone: str
    generated_at: datetime
    min_confidence: float
    """Answer threshold by which turns recorded before the agent stored its verdict count as
    unanswered."""
    candidates: int
    clusters: list[GapCluster]
    """The highest-scoring clusters, best first."""
    stale_docs: StaleDocsReport


@dataclass
class _Candidate:
    turn: TurnRecord
    signals: set[GapSignal] = field(default_factory=set)


@dataclass
class _Cluster:
    members: list[_Candidate] = field(default_factory=list)
    total: dict[str, float] = field(default_factory=dict)
    """Sum of the members' unit vectors, whose direction is the centroid."""

    def add(self, candidate: _Candidate, vector: dict[str, float]) -> None:
        self.members.append(candidate)
        for feature, weight in vector.items():
            self.total[feature] = self.total.get(feature, 0.0) + weight


def find_candidates(activity: Activity, min_confidence: float) -> list[_Candidate]:
    """Return the window's gap candidates, oldest first, each with all its signals."""
    candidates: dict[int, _Candidate] = {}

    def flag(turn: TurnRecord, signal: GapSignal) -> None:
        candidates.setdefault(turn.id, _Candidate(turn)).signals.add(signal)

    for turn in activity.turns:
        if is_kb_unanswered(turn, min_confidence):
            flag(turn, GapSignal.LOW_CONFIDENCE)
    for rating in activity.ratings:
        rated = activity.turn_at(rating.conversation_id, rating.created_at)
        if rating.rating == Rating.DOWN.value and rated and rated.action == ActionType.ANSWER:
            flag(rated, GapSignal.THUMBS_DOWN)
    in_window = {turn.id for turn in activity.turns}
    for history in activity.conversations.values():
        for answered, next_turn in zip(history, history[1:], strict=False):
            if (
                next_turn.id in in_window
                and next_turn.ticket_id
                and answered.action == ActionType.ANSWER
            ):
                flag(answered, GapSignal.TICKET_AFTER_ANSWER)
    return sorted(candidates.values(), key=lambda item: (item.turn.created_at, item.turn.id))


def cluster_gaps(
    candidates: list[_Candidate], concepts: ConceptMatcher | None = None
) -> list[GapCluster]:
    """Cluster the candidates by topic and return the best `MAX_CLUSTERS`, ranked."""
    similarity = TextSimilarity(concepts)
    clusters: list[_Cluster] = []
    for candidate in candidates:
        vector = similarity.vector(candidate.turn.question)
        best: _Cluster | None = None
        best_score = MIN_SIMILARITY
        for cluster in clusters if vector else []:
            score = cosine(vector, normalized(cluster.total))
            if score >= best_score:
                best, best_score = cluster, score
        if best is None:
            best = _Cluster()
            clusters.append(best)
        best.add(candidate, vector)

    summaries = [_summarize(cluster) for cluster in clusters]
    summaries.sort(key=lambda summary: (-summary.score, -summary.questions, summary.label))
    for rank, summary in enumerate(summaries[:MAX_CLUSTERS], start=1):
        summary.rank = rank
    return summaries[:MAX_CLUSTERS]


def _summarize(cluster: _Cluster) -> GapCluster:
    members = cluster.members
    signal_counts = Counter(signal for member in members for signal in member.signals)

    term_counts: Counter[str] = Counter()
    surfaces: dict[str, str] = {}
    for member in members:
        for term in extract_terms(member.turn.question):
            if not term.is_phrase:
                term_counts[term.key] += 1
                surfaces.setdefault(term.key, term.surface)
    top_terms = [
        surfaces[key]
        for key, _ in sorted(term_counts.items(), key=lambda item: (-item[1], item[0]))
    ][:LABEL_TERMS]

    modules = Counter(member.turn.module for member in members)
    cited = Counter(doc for member in members for doc in member.turn.cited_docs)
    ordered = sorted(members, key=lambda member: (-len(member.signals), member.turn.created_at))
    examples: dict[str, _Candidate] = {}
    for member in ordered:
        examples.setdefault(member.turn.question.strip(), member)

    score = signal_counts[GapSignal.LOW_CONFIDENCE] + ANSWER_FAILED_WEIGHT * (
        signal_counts[GapSignal.THUMBS_DOWN] + signal_counts[GapSignal.TICKET_AFTER_ANSWER]
    )
    return GapCluster(
        rank=0,
        label=" / ".join(top_terms) or members[0].turn.question,
        terms=top_terms,
        score=score,
        questions=len(members),
        conversations=len({member.turn.conversation_id for member in members}),
        signals=SignalCounts(
            low_confidence=signal_counts[GapSignal.LOW_CONFIDENCE],
            thumbs_down=signal_counts[GapSignal.THUMBS_DOWN],
            ticket_after_answer=signal_counts[GapSignal.TICKET_AFTER_ANSWER],
        ),
        modules=[
            ModuleCount(module=module, count=count)
            for module, count in sorted(modules.items(), key=lambda item: (-item[1], item[0]))
        ],
        languages=dict(sorted(Counter(member.turn.language for member in members).items())),
        cited_docs=[
            DocCount(doc=doc, count=count)
            for doc, count in sorted(cited.items(), key=lambda item: (-item[1], item[0]))
        ][:CITED_DOCS_PER_CLUSTER],
        examples=[_question(member) for member in list(examples.values())[:EXAMPLES_PER_CLUSTER]],
    )


def _question(candidate: _Candidate) -> GapQuestion:
    turn = candidate.turn
    return GapQuestion(
        conversation_id=turn.conversation_id,
        question=turn.question,
        module=turn.module,
        language=turn.language,
        retrieval_confidence=turn.retrieval_confidence,
        created_at=turn.created_at,
        signals=sorted(candidate.signals),
        cited_docs=list(turn.cited_docs),
    )
