"""Negative sentiment of a support text, from the lexicon in `insights/data/sentiment.yaml`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.text import normalize, stem_english

LEXICON_PATH = Path(__file__).parent / "data" / "sentiment.yaml"
_WORD_RE = re.compile(r"[a-z0-9]+")
_APOSTROPHES_RE = re.compile("['’]")


@dataclass(frozen=True)
class _Lexicon:
    english_stems: dict[str, str]
    """Stem of each English cue word, mapped to the cue as written in the lexicon."""
    english_phrases: tuple[str, ...]
    chinese: tuple[str, ...]


def negative_cues(text: str) -> list[str]:
    """Return the lexicon's negative cues found in a text, in lexicon order, each once."""
    lexicon = _lexicon()
    folded = _APOSTROPHES_RE.sub("", normalize(text))
    stems = {stem_english(word) for word in _WORD_RE.findall(folded)}
    found = [cue for stem, cue in lexicon.english_stems.items() if stem in stems]
    padded = f" {' '.join(_WORD_RE.findall(folded))} "
    found += [phrase for phrase in lexicon.english_phrases if f" {phrase} " in padded]
    found += [cue for cue in lexicon.chinese if cue in folded]
    return list(dict.fromkeys(found))


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    data = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    english_stems: dict[str, str] = {}
    for word in data["en"]["words"]:
        english_stems.setdefault(stem_english(normalize(word)), word)
    return _Lexicon(
        english_stems=english_stems,
        english_phrases=tuple(normalize(phrase) for phrase in data["en"]["phrases"]),
        chinese=tuple(normalize(cue) for cue in data["zh"]),
    )
