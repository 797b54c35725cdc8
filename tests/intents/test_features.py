"""Hashing featurizer, TF-IDF vocabulary and the bilingual lexicon."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import ConfigurationError
from assistant.intents.features import HashingFeaturizer, HashVocabulary
from assistant.intents.vocabulary import ERROR_CODE_CONCEPT, Scope, load_lexicon, parse_lexicon


def test_hash_text_is_stable_across_hash_seeds() -> None:
    script = (
        "from assistant.intents.features import HashingFeaturizer\n"
        "print(sorted(HashingFeaturizer().hash_text('怎么导出 Gantt 图').words.indices.tolist()))"
    )
    outputs = set()
    for seed in ("1", "2"):
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env=environment,
        )
        outputs.add(result.stdout)

    assert len(outputs) == 1


def test_hash_text_damps_repeated_terms() -> None:
    featurizer = HashingFeaturizer()

    once = featurizer.hash_text("sprint")
    thrice = featurizer.hash_text("sprint sprint sprint")

    assert once.words.values.max() == 1.0
    assert thrice.words.values.max() == pytest.approx(1.0 + np.log(3))


def test_char_ngrams_stay_inside_whitespace_chunks() -> None:
    grams = HashingFeaturizer().char_ngrams("ab 甘特")

    assert "c:ab" in grams
    assert "c:甘特" in grams
    assert "c:b 甘" not in grams


def test_vectorize_has_unit_norm_for_seen_text() -> None:
    featurizer = HashingFeaturizer()
    texts = [featurizer.hash_text(text) for text in ("how do I export", "怎么导出甘特图")]
    vocabulary = HashVocabulary.fit(texts)

    vector = vocabulary.vectorize(texts[1], featurizer.config)
    dense = np.bincount(vector.indices, weights=vector.values, minlength=len(vocabulary.columns))

    assert np.linalg.norm(dense) == pytest.approx(1.0)


def test_vectorize_drops_columns_unseen_in_training() -> None:
    featurizer = HashingFeaturizer()
    vocabulary = HashVocabulary.fit([featurizer.hash_text("invoice")])

    vector = vocabulary.vectorize(featurizer.hash_text("ꙮꙮ"), featurizer.config)

    assert len(vector.indices) == 0


def test_vocabulary_gives_rare_columns_higher_idf() -> None:
    featurizer = HashingFeaturizer()
    texts = [featurizer.hash_text(text) for text in ("task one", "task two", "task three")]
    vocabulary = HashVocabulary.fit(texts)
    common = HashingFeaturizer().hash_text("task").words.indices[0]
    rare = HashingFeaturizer().hash_text("three").words.indices[0]

    idf = dict(zip(vocabulary.columns.tolist(), vocabulary.idf.tolist(), strict=True))

    assert idf[rare] > idf[common]


@pytest.mark.parametrize(
    ("english", "chinese", "concept"),
    [
        ("I can't log in", "登录不上去", "login"),
        ("It would be great to have dark mode", "希望有暗黑模式", "request"),
        ("everything is down", "服务挂了", "down"),
        ("connect me to a human", "转人工", "human"),
    ],
)
def test_lexicon_matches_same_concept_in_both_languages(
    english: str, chinese: str, concept: str
) -> None:
    lexicon = load_lexicon()

    assert concept in lexicon.analyze(english).concepts
    assert concept in lexicon.analyze(chinese).concepts


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("where is the sprint board", Scope.PRODUCT),
        ("发票怎么开", Scope.PRODUCT),
        ("thanks a lot", Scope.SUPPORT),
        ("你们的机器人不错", Scope.SUPPORT),
        ("how do I bake bread", Scope.GENERAL),
    ],
)
def test_lexicon_scope(text: str, scope: Scope) -> None:
    assert load_lexicon().analyze(text).scope is scope


def test_lexicon_english_phrases_match_whole_words_only() -> None:
    lexicon = load_lexicon()

    assert "greeting" in lexicon.analyze("hi").concepts
    assert "greeting" not in lexicon.analyze("this").concepts


def test_concepts_pair_each_cue_with_the_scope() -> None:
    concepts = HashingFeaturizer().concepts("how do I bake bread")

    assert concepts == ["k:general", "k:how", "k:how@general"]


@pytest.mark.parametrize(
    "document",
    [b"product: [", b"concepts: {}", b"product: {en: [a]}\nconcepts: {x: {fr: [b]}}"],
    ids=["invalid-yaml", "missing-product", "unknown-key"],
)
def test_parse_lexicon_rejects_invalid_document(document: bytes) -> None:
    with pytest.raises(ConfigurationError, match="lexicon.yaml"):
        parse_lexicon(document, Path("lexicon.yaml"))


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("Saving fails with SPRINT-422 Sprint dates overlap", True),
        ("导入时提示 IMP-413 文件过大", True),
        ("The API returns 429 Too Many Requests", True),
        ("How do I plan the 3.4 release?", False),
        ("We have 500 tasks in one project", False),
    ],
)
def test_lexicon_marks_quoted_error_codes(text: str, quoted: bool) -> None:
    match = load_lexicon().analyze(text)

    assert (ERROR_CODE_CONCEPT in match.concepts) is quoted
