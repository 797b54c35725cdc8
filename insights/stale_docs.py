"""Stale KB articles: articles written for an older state of their module than the current one.

The rule:
1. The KB's changelog articles (tag `changelog`, or a file named `changelog`) list releases
   under headings that start with a version ("## 3.4 (current)"). Each line of a release is
   a change of the module it names most, by the module terms of ticket routing, looked up
   in its bold feature name first ("**Gantt baselines** (Business plan)"), then in the whole
   line. Releases newer than the current product version are ignored.
2. The current product version is `ASSISTANT_PRODUCT_VERSION`, else the newest release.
3. An article describes its module as of its *described version*: the newest of its
   `introduced_in` and the releases its text names ("since 3.4").
4. An article is stale when its module changed in a release newer than its described
   version, by the changelog in the article's language (any changelog when there is none in
   that language). An article with `removed_in` describes a removed feature on purpose, so it
   is never stale. An article with no version at all cannot be dated: it counts as unversioned.
A version in the text counts only when it is a release of the changelog, so "GitLab 15.0"
does not date an article. A mention of an old release ("introduced in 3.2") does not make an
article stale by itself. Only a later change of its module does.

NOTE: the module of a changelog line is a keyword guess, so a flagged article is a candidate
for review, with the changelog line that flagged it, not a verdict.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from pydantic import BaseModel

from assistant.errors import InputError
from graphs.support.module_detection import detect_module
from retrieval.chunk_store import StoredChunk
from retrieval.versions import version_key

CHANGELOG_TAG = "changelog"
_RELEASE_HEADING_RE = re.compile(r"^\s*v?(\d+\.\d+(?:\.\d+)?)(?![.\d])")
_MARKDOWN_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*)$")
_BOLD_RE = re.compile(r"\*\*(.+?)\*\*")
_ANY_LANGUAGE = "*"
_VERSION_MENTION_RE = re.compile(r"(?<![\w.])v?(\d+\.\d+(?:\.\d+)?)(?![\w.]*\d)")


class ModuleChange(BaseModel):
    """The newest change of a module in the changelog, up to the current version."""

    module: str
    language: str
    """Language of the changelog the change is read from."""
    version: str
    change: str
    """The changelog line that names the module."""
    changelog: str
    """Path of the changelog article."""


class StaleDoc(BaseModel):
    """A KB article written before the latest change of its module."""

    doc: str
    title: str
    module: str
    language: str
    introduced_in: str | None
    described_version: str
    changed_in: str
    change: str


class StaleDocsReport(BaseModel):
    """The stale-docs check of one KB."""

    current_version: str | None
    """The product version checked against. It is null when neither the setting nor a
    changelog gives one, and then nothing is flagged."""
    releases: list[str]
    """Releases found in the changelog, oldest first."""
    module_changes: list[ModuleChange]
    checked_docs: int
    """Articles checked: every one except the changelogs."""
    unversioned_docs: int
    """Checked articles with no `introduced_in` and no release named in their text."""
    stale: list[StaleDoc]


@dataclass(frozen=True)
class _ReleaseLine:
    version: str
    text: str
    changelog: str
    language: str


@dataclass
class _Doc:
    doc: str
    title: str
    module: str
    language: str
    introduced_in: str | None
    removed_in: str | None
    tags: set[str]
    chunks: list[StoredChunk]

    @property
    def is_changelog(self) -> bool:
        return CHANGELOG_TAG in self.tags or PurePosixPath(self.doc).stem.lower() == CHANGELOG_TAG

    @property
    def text(self) -> str:
        return "\n".join(chunk.text for chunk in sorted(self.chunks, key=lambda c: c.ordinal))


def find_stale_docs(chunks: Iterable[StoredChunk], product_version: str = "") -> StaleDocsReport:
    """Check every article of a KB against its changelog, by the rule in the module docstring.

    Raises:
        InputError: `product_version` is set but is not a version such as 3.4.
    """
    if product_version:
        version_key(product_version)
    docs = _documents(chunks)
    release_lines = [
        line for doc in docs.values() if doc.is_changelog for line in _release_lines(doc)
    ]
    releases = sorted({line.version for line in release_lines}, key=version_key)
    current = product_version or (releases[-1] if releases else None)
    changes = _module_changes(release_lines, current)

    checked = [doc for doc in docs.values() if not doc.is_changelog]
    release_keys = {version_key(release): release for release in releases}
    stale: list[StaleDoc] = []
    unversioned = 0
    for doc in checked:
        described = _described_version(doc, release_keys)
        if described is None:
            unversioned += 1
            continue
        language_changes = changes.get(doc.language) or changes.get(_ANY_LANGUAGE, {})
        change = language_changes.get(doc.module)
        if doc.removed_in is not None or change is None:
            continue
        if version_key(described) < version_key(change.version):
            stale.append(
                StaleDoc(
                    doc=doc.doc,
                    title=doc.title,
                    module=doc.module,
                    language=doc.language,
                    introduced_in=doc.introduced_in,
                    described_version=described,
                    changed_in=change.version,
                    change=change.change,
                )
            )
    return StaleDocsReport(
        current_version=current,
        releases=releases,
        module_changes=sorted(
            (
                change
                for language, by_module in changes.items()
                if language != _ANY_LANGUAGE
                for change in by_module.values()
            ),
            key=lambda change: (change.module, change.language),
        ),
        checked_docs=len(checked),
        unversioned_docs=unversioned,
        stale=sorted(stale, key=lambda doc: (doc.module, doc.doc)),
    )


def _documents(chunks: Iterable[StoredChunk]) -> dict[str, _Doc]:
    docs: dict[str, _Doc] = {}
    for chunk in chunks:
        doc = docs.get(chunk.doc)
        if doc is None:
            doc = _Doc(
                doc=chunk.doc,
                title=chunk.title,
                module=chunk.module,
                language=chunk.language,
                introduced_in=chunk.introduced_in,
                removed_in=chunk.removed_in,
                tags=set(),
                chunks=[],
            )
            docs[chunk.doc] = doc
        doc.tags.update(tag.casefold() for tag in chunk.tags)
        doc.chunks.append(chunk)
    return docs


def _release_lines(changelog: _Doc) -> list[_ReleaseLine]:
    """Return each line of the changelog that is under a release heading.

    A chunk's heading path gives the release its first lines belong to, and headings inside
    its text (small sections are merged into one chunk) switch to the next release.
    """
    lines: list[_ReleaseLine] = []
    for chunk in sorted(changelog.chunks, key=lambda c: c.ordinal):
        release: str | None = None
        release_level = 0
        for level, heading in enumerate(chunk.heading_path, start=1):
            release, release_level = _after_heading(release, release_level, level, heading)
        for line in chunk.text.splitlines():
            marked = _MARKDOWN_HEADING_RE.match(line.strip())
            if marked is not None:
                level = len(marked.group(1))
                release, release_level = _after_heading(
                    release, release_level, level, marked.group(2)
                )
            elif release is not None and line.strip():
                lines.append(_ReleaseLine(release, line.strip(), changelog.doc, changelog.language))
    return lines


def _after_heading(
    release: str | None, release_level: int, level: int, heading: str
) -> tuple[str | None, int]:
    match = _RELEASE_HEADING_RE.match(heading)
    if match is not None:
        return match.group(1), level
    if level <= release_level:
        # A sibling heading such as "Version summary" ends the release's section.
        return None, 0
    return release, release_level


def _module_changes(
    release_lines: list[_ReleaseLine], current: str | None
) -> dict[str, dict[str, ModuleChange]]:
    """Return the newest change of each module up to `current`, by changelog language.

    The key `_ANY_LANGUAGE` contains the newest change over every changelog.
    """
    newest: dict[str, dict[str, ModuleChange]] = defaultdict(dict)
    if current is None:
        return newest
    for line in release_lines:
        if version_key(line.version) > version_key(current):
            continue
        bold = " ".join(_BOLD_RE.findall(line.text))
        module = detect_module(bold) or detect_module(line.text)
        if module is None:
            continue
        change = ModuleChange(
            module=module,
            language=line.language,
            version=line.version,
            change=line.text,
            changelog=line.changelog,
        )
        for language in (line.language, _ANY_LANGUAGE):
            known = newest[language].get(module)
            if known is None or version_key(known.version) < version_key(line.version):
                newest[language][module] = change
    return newest


def _described_version(doc: _Doc, releases: dict[int, str]) -> str | None:
    candidates: list[str] = []
    if doc.introduced_in:
        try:
            version_key(doc.introduced_in)
            candidates.append(doc.introduced_in)
        except InputError:
            pass
    for match in _VERSION_MENTION_RE.finditer(doc.text):
        key = _release_key(match.group(1))
        if key is not None and key in releases:
            candidates.append(releases[key])
    return max(candidates, key=version_key) if candidates else None


def _release_key(text: str) -> int | None:
    try:
        return version_key(text)
    except InputError:
        return None
