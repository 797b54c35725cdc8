"""Compose the reply to an answerable question: extractive by default, generated with an LLM.

Both paths cite the retrieved chunks. An LLM reply that cites no retrieved chunk, or cites an id
that was not retrieved, is rejected and the extractive reply is used instead. An LLM reply of
`NO_ANSWER` is the model's verdict that the chunks do not answer the question, and the caller
decides what to do instead of answering.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Sequence
from dataclasses import asdict
from typing import Literal, TypeAlias

from assistant.domain import Language
from assistant.errors import ModelOutputError, UpstreamError
from assistant.i18n import join_items, translate
from assistant.llm import LLMClient
from assistant.prompts import render_prompt
from assistant.text import error_code_tokens, tokenize
from graphs.support.evidence import select_evidence, split_units
from graphs.support.opposite_action import find_opposite_action
from graphs.support.state import Citation, Hit, UserContext
from retrieval.doc_index import translation_key
from retrieval.versions import version_key

logger = logging.getLogger(__name__)

MAX_CITED_CHUNKS = 3
OPENING_CHARS = 400
"""Length of the opening quoted from the best hit when no sentence of any hit matches."""
MIN_RELATIVE_CONFIDENCE = 0.8
"""A hit after the best one is quoted only with at least this share of the best confidence."""
LLM_MAX_SENTENCES = 6
NO_ANSWER_MARKER = "NO_ANSWER"


class ModelVerdict(enum.Enum):
    """A model reply that is not an answer but a verdict on the retrieved chunks."""

    NO_ANSWER = NO_ANSWER_MARKER
    """The chunks do not contain the answer."""


NO_ANSWER = ModelVerdict.NO_ANSWER
LLMComposition: TypeAlias = tuple[str, list[Citation]] | Literal[ModelVerdict.NO_ANSWER] | None
"""The reply and its citations, None when the model failed, or `NO_ANSWER`."""
_CITATION_RE = re.compile(r"\[([^\[\]\s]+#[^\[\]\s]*|[0-9a-f]{8,})\]")
_ROLE_NAMES = {
    Language.EN: {"admin": "admin", "member": "member", "guest": "guest"},
    Language.ZH: {"admin": "管理员", "member": "成员", "guest": "访客"},
}


def compose_extractive(
    question: str,
    hits: list[Hit],
    language: Language,
    user: UserContext,
    min_confidence: float,
    translated_terms: Sequence[str] = (),
) -> tuple[str, list[Citation]]:
    """Quote the best sentences or steps of the confident hits, each with its citation number.

    `translated_terms` are the glossary's translations of the question's terms, which choose
    the sentences of hits in the other language.
    """
    lines, citations = quote_evidence(
        question, hits, language, user, min_confidence, translated_terms
    )
    lines.append(translate("answer_follow_up", language))
    return "\n".join(lines), citations


def quote_evidence(
    question: str,
    hits: list[Hit],
    language: Language,
    user: UserContext,
    min_confidence: float,
    translated_terms: Sequence[str] = (),
) -> tuple[list[str], list[Citation]]:
    """Return the lines of an extractive reply, from its introduction to its list of sources.

    `hits` must not be empty; the best hit is quoted even when no hit reaches `min_confidence`.
    Sentences of a hit in another language are chosen by `translated_terms`, when given.
    """
    lines = [translate("answer_intro", language)]
    citations: list[Citation] = []
    confident = [h for h in hits if h["confidence"] >= min_confidence] or hits[:1]
    # A much weaker hit adds quotes on a neighboring topic, not more of the answer.
    best = confident[0]["confidence"]
    confident = [h for h in confident if h["confidence"] >= MIN_RELATIVE_CONFIDENCE * best]
    codes = error_code_tokens(tokenize(question))
    naming = [h for h in confident if not codes.isdisjoint(_hit_tokens(h))]
    # A question about an error code is answered from the chunks that name it, if any do.
    confident = naming or confident
    same_language = _in_reply_language(confident, language)
    # Without them, the quotes come from the other language's pages only.
    in_other_language = [h for h in confident if h["language"] != language]
    confident = _reading_order((same_language or in_other_language)[:MAX_CITED_CHUNKS])
    if not same_language:
        lines.append(translate("answer_other_language", language))
    lines.extend(_caveats(confident[0], language, user))
    for hit in confident:
        other_language = hit["language"] != language and bool(translated_terms)
        terms = translated_terms if other_language else None
        units = select_evidence(question, hit["text"], terms, hit["heading_path"])
        if not units:
            continue
        citations.append(_citation(hit))
        marker = f"[{len(citations)}]"
        lines.extend(f"{unit.text} {marker}" for unit in units)
    if not citations:
        citations.append(_citation(confident[0]))
        lines.append(f"{_opening(confident[0]['text'])} [1]")
    # Quotes of the best page only: a neighboring page may name the other action in passing.
    markers = tuple(
        f" [{number}]"
        for number, citation in enumerate(citations, start=1)
        if citation["doc"] == citations[0]["doc"]
    )
    best_page_quotes = "\n".join(line for line in lines if line.endswith(markers))
    opposite = find_opposite_action(question, best_page_quotes, language)
    if opposite is not None:
        lines.insert(1, translate("answer_opposite_action", language, **asdict(opposite)))
    lines.append("")
    lines.extend(source_lines(citations, language))
    return lines, citations


def _hit_tokens(hit: Hit) -> set[str]:
    return set(tokenize(" ".join([*hit["heading_path"], hit["text"]])))


def _opening(text: str) -> str:
    """Return the first whole sentences or steps of a chunk, up to about `OPENING_CHARS`."""
    quoted: list[str] = []
    length = 0
    for unit, _ in split_units(text):
        if quoted and length + len(unit) > OPENING_CHARS:
            break
        quoted.append(unit)
        length += len(unit)
    return "\n".join(quoted) if quoted else text[:OPENING_CHARS].strip()


def _in_reply_language(confident: list[Hit], language: Language) -> list[Hit]:
    """Return the confident hits in the reply's language that may stand in for the best hit.

    When the best hit is in the reply's language, they all may. When it is in the other
    language, only its translation may. Search already lowers a page whose translation exists,
    so a best page in the other language without one is the KB's only page on the topic. A page
    in the reply's language further down is then on another topic: "如何设置IP白名单？" on the
    sample KB, whose allowlist page is English only, once quoted the Chinese page on missing
    notifications for its line about a battery whitelist.
    """
    same_language = [h for h in confident if h["language"] == language]
    if not confident or confident[0]["language"] == language:
        return same_language
    twins = {translation_key(h["doc"]) for h in confident if h["language"] != language}
    return [h for h in same_language if translation_key(h["doc"]) in twins]


def source_lines(citations: list[Citation], language: Language) -> list[str]:
    """Return the list of sources that ends a reply: a header, then `[n] title (doc)` lines."""
    lines = [translate("answer_sources", language)]
    lines.extend(f"[{n}] {c['title']} ({c['doc']})" for n, c in enumerate(citations, start=1))
    return lines


def compose_with_llm(
    llm: LLMClient, question: str, hits: list[Hit], language: Language, user: UserContext
) -> LLMComposition:
    """Generate a reply from the hits; see `complete_with_citations` for what else it returns."""
    prompt = render_prompt(
        "answer",
        language_name="Simplified Chinese" if language is Language.ZH else "English",
        max_sentences=LLM_MAX_SENTENCES,
        role=user.get("role", "member"),
        product_version=user.get("product_version", ""),
        hits=hits,
        question=question,
    )
    return complete_with_citations(llm, prompt, "answer", hits)


def complete_with_citations(
    llm: LLMClient, prompt: str, prompt_id: str, hits: list[Hit]
) -> LLMComposition:
    """Run a prompt that must cite `hits` by chunk id; return the reply and its citations.

    Returns `NO_ANSWER` when the model replies `NO_ANSWER`. Returns None when the model call
    fails, or the reply cites no retrieved chunk or an id that was not retrieved. The caller
    then composes without the model.
    """
    try:
        reply = llm.complete([{"role": "user", "content": prompt}], prompt_id=prompt_id)
    except UpstreamError as exc:
        logger.warning("LLM reply failed, using the extractive reply: %s", exc)
        return None
    try:
        return _check_citations(reply, hits)
    except ModelOutputError as exc:
        logger.warning("LLM reply rejected, using the extractive reply: %s", exc)
        return None


def _check_citations(reply: str, hits: list[Hit]) -> LLMComposition:
    if reply.strip() == NO_ANSWER_MARKER:
        logger.info("LLM found no answer in the %d retrieved chunks", len(hits))
        return NO_ANSWER
    by_id = {h["chunk_id"]: h for h in hits}
    cited = list(dict.fromkeys(_CITATION_RE.findall(reply)))
    unknown = [c for c in cited if c not in by_id]
    if not cited or unknown:
        raise ModelOutputError(
            f"reply must cite retrieved chunk ids only; cited={cited[:5]} unknown={unknown[:5]}"
        )
    return reply.strip(), [_citation(by_id[c]) for c in cited]


def _reading_order(hits: list[Hit]) -> list[Hit]:
    """Keep pages in rank order but quote each page's chunks in the order the page has them."""
    pages = list(dict.fromkeys(hit["doc"] for hit in hits))
    return sorted(hits, key=lambda hit: (pages.index(hit["doc"]), _chunk_position(hit)))


def _chunk_position(hit: Hit) -> int:
    # Chunk ids look like "<doc>#<position>-<hash>".
    position = hit["chunk_id"].rsplit("#", 1)[-1].split("-", 1)[0]
    return int(position) if position.isdigit() else 0


def _citation(hit: Hit) -> Citation:
    return Citation(
        doc=hit["doc"], title=hit["title"], chunk_id=hit["chunk_id"], score=hit["score"]
    )


def _caveats(hit: Hit, language: Language, user: UserContext) -> list[str]:
    notes: list[str] = []
    role = user.get("role")
    if role and hit["roles"] and role not in hit["roles"]:
        names = _ROLE_NAMES[language]
        notes.append(
            translate(
                "answer_role_restricted",
                language,
                roles=" / ".join(names.get(r, r) for r in hit["roles"]),
                role=names.get(role, role),
            )
        )
    version = user.get("product_version")
    if (
        version
        and hit["introduced_in"]
        and version_key(hit["introduced_in"]) > version_key(version)
    ):
        notes.append(
            translate(
                "answer_version_newer",
                language,
                introduced_in=hit["introduced_in"],
                version=version,
            )
        )
    if version and hit["removed_in"] and version_key(hit["removed_in"]) <= version_key(version):
        notes.append(translate("answer_version_removed", language, removed_in=hit["removed_in"]))
    return notes


def compose_clarify(language: Language, unknown_terms: Sequence[str] = ()) -> str:
    """Return the clarifying question, naming the words the KB does not use when given.

    Each word is quoted as the user wrote it: "quantum", "flux" in English, “冰箱”、“量子计算机”
    in Chinese.
    """
    if not unknown_terms:
        return translate("clarify", language)
    quoted = "“{}”" if language is Language.ZH else '"{}"'
    words = join_items((quoted.format(term) for term in unknown_terms), language)
    return translate("clarify_unknown_terms", language, words=words)
