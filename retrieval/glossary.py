"""zh<->en glossary of project-management terms, used to search across languages.

A concept groups the English and Chinese variants of one term. `Glossary.match` finds the
concepts a text mentions; `Glossary.translate` returns the other language's variants as search
tokens, so "transfer an issue" also searches for 转移 议题 and 工作包 also searches for
"work package".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NoReturn

import yaml

from assistant.domain import Language
from assistant.errors import ConfigurationError
from assistant.i18n import translate
from assistant.text import normalize, stem_english, tokenize

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SHIPPED_GLOSSARY_PATH = Path(__file__).parent / "data" / "glossary.yaml"
MAX_ENGLISH_PHRASE_WORDS = 5
MATCH_CACHE_SIZE = 1024
_LATIN_WORD_RE = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Concept:
    """One term with its English and Chinese variants."""

    concept_id: int
    en: tuple[str, ...]
    zh: tuple[str, ...]


class Glossary:
    """Term matcher and translator over a list of concepts."""

    def __init__(self, concepts: Iterable[Concept]) -> None:
        self.concepts = tuple(concepts)
        self._english: dict[tuple[str, ...], set[int]] = {}
        self._chinese: dict[str, set[int]] = {}
        for concept in self.concepts:
            for variant in concept.en:
                key = _english_key(variant)
                if key:
                    self._english.setdefault(key, set()).add(concept.concept_id)
            for variant in concept.zh:
                self._chinese.setdefault(normalize(variant), set()).add(concept.concept_id)
        self._token_cache: dict[str, list[str]] = {}
        self._match_cache: dict[str, frozenset[int]] = {}
        digest = hashlib.sha1(repr(self.concepts).encode("utf-8")).hexdigest()
        self.fingerprint = digest[:12]
        """Changes whenever any concept changes; stored with embeddings built from it."""

    def match(self, text: str) -> set[int]:
        """Return the ids of the concepts that a text mentions, in either language.

        Search matches the same query three times (translation, embedding, coverage), so
        recent results are kept.
        """
        cached = self._match_cache.get(text)
        if cached is None:
            if len(self._match_cache) >= MATCH_CACHE_SIZE:
                self._match_cache.clear()
            cached = self._match_cache[text] = frozenset(self._match(text))
        return set(cached)

    def _match(self, text: str) -> set[int]:
        normalized = normalize(text)
        found: set[int] = set()
        words = [stem_english(w) for w in _LATIN_WORD_RE.findall(normalized)]
        for start in range(len(words)):
            for size in range(1, MAX_ENGLISH_PHRASE_WORDS + 1):
                ids = self._english.get(tuple(words[start : start + size]))
                if ids:
                    found |= ids
        for variant, ids in self._chinese.items():
            if variant in normalized:
                found |= ids
        return found

    def translate(self, text: str, target: Language | None = None) -> list[str]:
        """Return search tokens for the other-language variants of the concepts in a text.

        Args:
            text: The query.
            target: Only produce tokens of this language; None produces both languages'
                variants of every matched concept (useful on a KB that mixes languages).
        """
        tokens: list[str] = []
        for concept_id in sorted(self.match(text)):
            concept = self.concepts[concept_id]
            if target in (None, Language.ZH):
                for variant in concept.zh:
                    tokens.extend(self._variant_tokens(variant))
            if target in (None, Language.EN):
                for variant in concept.en:
                    tokens.extend(self._variant_tokens(variant))
        return list(dict.fromkeys(tokens))

    def spelling_variants(self, text: str) -> list[str]:
        """Return search tokens of the English variants that spell a term of `text` another way.

        "time zone" and "timezone", or "sign-in" and "signin", are one word written with or
        without a space or hyphen, and a KB uses one spelling: "Where do I set my time zone?"
        must find a page on the timezone setting. Only variants with the same letters count;
        other variants of a concept are broader or narrower words, which would change the
        question.
        """
        tokens = [token for spelling in self.spellings(text) for token in spelling]
        return list(dict.fromkeys(tokens))

    def spellings(self, text: str) -> list[list[str]]:
        """Return the search tokens of each spelling that `spelling_variants` finds, one list
        per spelling: "e-mail" is `["e", "mail"]`, so a caller can tell a whole spelling from
        the words it is cut into."""
        words = tuple(stem_english(w) for w in _LATIN_WORD_RE.findall(normalize(text)))
        found: list[list[str]] = []
        for concept_id in sorted(self.match(text)):
            by_letters: dict[str, list[str]] = {}
            for variant in self.concepts[concept_id].en:
                by_letters.setdefault(_letters(variant), []).append(variant)
            for spellings in by_letters.values():
                if len(spellings) > 1 and any(_contains(words, _english_key(v)) for v in spellings):
                    found.extend(self._variant_tokens(variant) for variant in spellings)
        return found

    def concept_variants(self, concept_id: int) -> list[list[str]]:
        """Return the search tokens of each variant, in both languages, of one concept."""
        concept = self.concepts[concept_id]
        return [self._variant_tokens(variant) for variant in (*concept.en, *concept.zh)]

    def chinese_variants(self, concept_id: int) -> dict[str, list[str]]:
        """Return the search tokens of each Chinese variant of a concept, by normalized variant."""
        return {
            normalize(variant): self._variant_tokens(variant)
            for variant in self.concepts[concept_id].zh
        }

    def variant_tokens(self) -> dict[str, list[str]]:
        """Return the search tokens of every variant, to store beside an index."""
        variants = {v for c in self.concepts for v in (*c.en, *c.zh)}
        return {variant: tokenize(variant) for variant in sorted(variants)}

    def use_variant_tokens(self, tokens: dict[str, list[str]]) -> None:
        """Reuse variant tokens stored at ingest time, so a query needs no jieba load."""
        self._token_cache.update(tokens)

    def _variant_tokens(self, variant: str) -> list[str]:
        cached = self._token_cache.get(variant)
        if cached is None:
            cached = self._token_cache[variant] = tokenize(variant)
        return cached


def _letters(variant: str) -> str:
    """Return the letters and digits of a variant, without spaces, hyphens or case."""
    return "".join(_LATIN_WORD_RE.findall(normalize(variant)))


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Return whether `phrase` occurs as consecutive words in `words`."""
    size = len(phrase)
    return size > 0 and any(words[i : i + size] == phrase for i in range(len(words) - size + 1))


def _english_key(variant: str) -> tuple[str, ...]:
    return tuple(stem_english(w) for w in _LATIN_WORD_RE.findall(normalize(variant)))


class GlossaryError(ConfigurationError):
    """Raised when a glossary file is missing, unreadable, not YAML, or not a glossary.

    An error in the file of ASSISTANT_GLOSSARY_PATH gets a code (`glossary_missing`,
    `glossary_unreadable`, `glossary_not_yaml` or `glossary_invalid`), so front ends show it in
    the user's language with the fix. Its values are functions of the language, so that front
    ends quote them whole instead of shortening long values. An error in the shipped glossary
    has no code, because only a damaged installation causes it.
    """

    def __init__(
        self, message: str, *, path: Path, code: str | None, **params: Callable[[str], str]
    ) -> None:
        shown_path = str(path)
        super().__init__(message, code=code, path=lambda _language: shown_path, **params)


def _read_concepts(path: Path, first_id: int, *, custom: bool) -> list[Concept]:
    """Read the concepts of one glossary file. `custom` is true for ASSISTANT_GLOSSARY_PATH."""
    data = _read_yaml(path, custom)
    entries = data.get("concepts") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        _reject(path, custom, "glossary_problem_no_concepts")
    concepts: list[Concept] = []
    for number, entry in enumerate(entries, start=1):
        en = entry.get("en") if isinstance(entry, dict) else None
        zh = entry.get("zh") if isinstance(entry, dict) else None
        if not _is_term_list(en) or not _is_term_list(zh):
            _reject(path, custom, "glossary_problem_bad_concept", number=number, entry=repr(entry))
        concepts.append(
            Concept(first_id + len(concepts), tuple(map(str, en or [])), tuple(map(str, zh or [])))
        )
    return concepts


def _read_yaml(path: Path, custom: bool) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise _glossary_error(path, custom, "glossary_missing") from exc
    except (OSError, UnicodeDecodeError) as exc:
        problem = _read_failure(exc)
        raise _glossary_error(path, custom, "glossary_unreadable", problem=problem) from exc
    try:
        # The C loader reads the shipped glossary in about a tenth of the pure-Python time.
        return yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # PyYAML's own description of the error, such as "did not find expected key".
        yaml_problem = str(getattr(exc, "problem", None) or " ".join(str(exc).split()))
        raise _glossary_error(
            path,
            custom,
            "glossary_not_yaml",
            problem=lambda _language: yaml_problem,
            location=_yaml_location(mark),
        ) from exc


def _yaml_location(mark: yaml.Mark | None) -> Callable[[str], str]:
    """Return where a YAML error is, as a function of the language. Lines count from 1."""
    if mark is None:
        return lambda language: translate("glossary_yaml_location_unknown", language)
    line, column = mark.line + 1, mark.column + 1
    return lambda language: translate("glossary_yaml_location", language, line=line, column=column)


def _read_failure(exc: OSError | UnicodeDecodeError) -> Callable[[str], str]:
    """Return the reason that a file cannot be read, as a function of the language."""
    if isinstance(exc, UnicodeDecodeError):
        position = exc.start
        return lambda language: translate("glossary_problem_not_utf8", language, position=position)
    if isinstance(exc, IsADirectoryError):
        return lambda language: translate("glossary_problem_folder", language)
    if isinstance(exc, PermissionError):
        return lambda language: translate("glossary_problem_permission", language)
    reason = exc.strerror or type(exc).__name__
    return lambda _language: reason


def _reject(path: Path, custom: bool, problem_key: str, **values: object) -> NoReturn:
    def problem(language: str) -> str:
        return translate(problem_key, language, **values)

    raise _glossary_error(path, custom, "glossary_invalid", problem=problem)


def _glossary_error(
    path: Path, custom: bool, code: str, **params: Callable[[str], str]
) -> GlossaryError:
    """Build the error for a glossary file, with its message in English.

    For the shipped glossary the message asks the operator to reinstall the package, because
    no setting selected that file.
    """
    if not custom:
        problem = params["problem"]("en") if "problem" in params else "the file does not exist"
        message = (
            f"glossary file {path}, shipped with the package, cannot be loaded: {problem}; "
            "reinstall the package"
        )
        return GlossaryError(message, path=path, code=None, **params)
    message = translate(f"error_{code}", "en", path=str(path), **params)
    return GlossaryError(message, path=path, code=code, **params)


def _is_term_list(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


@lru_cache(maxsize=4)
def load_glossary(extra_path: Path | None = None) -> Glossary:
    """Load the shipped glossary, plus an admin's extra file in the same format.

    Raises:
        GlossaryError: when a glossary file is missing, unreadable, not YAML, or not a
            glossary. The message names the file, the problem and the fix.
    """
    concepts = _read_concepts(SHIPPED_GLOSSARY_PATH, 0, custom=False)
    if extra_path is not None:
        concepts += _read_concepts(extra_path, len(concepts), custom=True)
    return Glossary(concepts)
