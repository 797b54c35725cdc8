"""Splitting KB documents into retrieval chunks along their Markdown heading hierarchy.

Each section (the text under one heading) becomes one chunk when it fits the token budget.
Small neighbouring sections are merged so that search does not return ten-token fragments.
Longer sections are split by blocks (paragraphs, lists, tables, fenced code), then by
sentences, clauses, words and finally characters, and the pieces are packed back up to the
budget. A fenced code block is never split, even when it alone is over budget. A table over
budget is split between rows, and each piece repeats the header rows.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.tokens import count_tokens
from retrieval.documents import Document
from retrieval.markdown_text import (
    is_table_line,
    is_table_separator,
    iter_code_flags,
    parse_heading,
)

SMALL_SECTION_SHARE = 0.25
"""A section under this share of the token budget is merged with a neighbour when both fit."""
CHUNK_ID_HASH_LENGTH = 12

_LIST_ITEM_RE = re.compile(r"^(\s*)(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
_CLOSERS = "”’」』）)\\]\"'*_`"
_SENTENCE_END_RE = re.compile(
    rf"[。！？；]+[{_CLOSERS}]*\s*"  # Chinese ends a sentence with or without a space after.
    rf"|[.!?]+[{_CLOSERS}]*(?:\s+|\Z)"
)
_ENGLISH_SENTENCE_END_RE = re.compile(r"[.!?]")
_LAST_WORD_RE = re.compile(r"(\S+)\Z")
_NON_TERMINAL_ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "cf", "vs", "approx", "incl", "fig", "no", "mr", "mrs", "ms", "dr", "st"}
)
"""Words after which a period and a space do not end a sentence ("e.g. a board")."""
_CLAUSE_RE = re.compile(r".+?(?:[，、,:：]+\s*|\Z)", re.DOTALL)
_CJK_CHARACTER = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD_RE = re.compile(rf"[{_CJK_CHARACTER}]|[^\s{_CJK_CHARACTER}]+\s*|\s+")


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of one KB document that search retrieves and the agent quotes."""

    chunk_id: str
    """`{doc}#{index}-{hash}`: the same document text always gives the same ids."""
    doc: str
    title: str
    heading_path: tuple[str, ...]
    """Headings above the text, outermost first, e.g. ("Boards", "Create a board")."""
    text: str
    """Chunk text without the heading path. Merged sections keep their heading lines."""
    token_count: int
    """cl100k_base tokens of `text`."""
    module: str
    roles: tuple[str, ...]
    introduced_in: str | None
    removed_in: str | None
    tags: tuple[str, ...]
    language: str


@dataclass(frozen=True, slots=True)
class _Section:
    path: tuple[str, ...]
    levels: tuple[int, ...]
    """Heading level of each entry of `path`."""
    text: str


@dataclass(frozen=True, slots=True)
class _Block:
    kind: str
    """"table", "code" (fenced), "list" or "paragraph"."""
    text: str
    """Raw text including the blank lines after it, so blocks join back to the section."""


def chunk_document(document: Document, max_tokens: int) -> list[Chunk]:
    """Split a document into chunks of at most `max_tokens` cl100k_base tokens each.

    A fenced code block longer than `max_tokens` becomes a chunk of its own, over budget,
    because a part of it would mislead. A table over budget is split between rows with its
    header repeated, and a single row over budget stays whole. Headings without text give
    no chunk, but they stay in the heading path of the sections below them.

    Raises:
        ValueError: `max_tokens` is below 1.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")

    pieces = _pack_sections(_split_sections(document.body), max_tokens)
    chunks: list[Chunk] = []
    for path, raw_text in pieces:
        text = raw_text.strip()
        if text:
            chunks.append(_make_chunk(document, len(chunks), path, text))
    return chunks


def _make_chunk(document: Document, index: int, path: tuple[str, ...], text: str) -> Chunk:
    key = "\x1f".join([document.doc, *path, text])
    digest = hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()
    return Chunk(
        chunk_id=f"{document.doc}#{index}-{digest[:CHUNK_ID_HASH_LENGTH]}",
        doc=document.doc,
        title=document.title,
        heading_path=path,
        text=text,
        token_count=count_tokens(text),
        module=document.module,
        roles=document.roles,
        introduced_in=document.introduced_in,
        removed_in=document.removed_in,
        tags=document.tags,
        language=document.language,
    )


def _split_sections(body: str) -> list[_Section]:
    """Cut the body at ATX headings; sections without text are left out."""
    sections: list[_Section] = []
    stack: list[tuple[int, str]] = []
    current = _Section((), (), "")
    lines: list[str] = []
    for line, in_code in iter_code_flags(body.splitlines()):
        heading = None if in_code else parse_heading(line)
        if heading is None:
            lines.append(line)
            continue

        sections.append(_with_text(current, lines))
        level, text = heading
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append(heading)
        current = _Section(
            tuple(title for _, title in stack), tuple(level for level, _ in stack), ""
        )
        lines = []
    sections.append(_with_text(current, lines))
    return [section for section in sections if section.text]


def _with_text(section: _Section, lines: list[str]) -> _Section:
    text = "\n".join(lines)
    if not text.strip():
        text = ""
    # Only blank lines are trimmed, because the first line's indentation marks list nesting.
    text = re.sub(r"\A(?:[ \t]*\n)+", "", text).rstrip()
    return _Section(section.path, section.levels, text)


@dataclass(frozen=True, slots=True)
class _Pending:
    path: tuple[str, ...]
    text: str
    token_count: int
    last_path: tuple[str, ...]
    """Heading path of the last section merged in, to write only the headings that change."""


def _pack_sections(sections: list[_Section], max_tokens: int) -> list[tuple[tuple[str, ...], str]]:
    """Turn sections into (heading path, text) pieces, merging small and splitting long ones.

    The first piece of a section may join the pending chunk, and the last piece stays pending
    so that the small sections after it can join.
    """
    pieces: list[tuple[tuple[str, ...], str]] = []
    pending: _Pending | None = None
    for section in sections:
        token_count = count_tokens(section.text)
        texts = [section.text] if token_count <= max_tokens else _split_long(section, max_tokens)
        for position, text in enumerate(texts):
            if len(texts) > 1:
                token_count = count_tokens(text.strip())
            merged = None
            if position == 0:
                merged = _merge(pending, section, text, token_count, max_tokens)
            if merged is not None:
                pending = merged
                continue
            if pending is not None:
                pieces.append((pending.path, pending.text))
            pending = _Pending(section.path, text, token_count, section.path)

    if pending is not None:
        pieces.append((pending.path, pending.text))
    return pieces


def _merge(
    pending: _Pending | None, section: _Section, text: str, token_count: int, max_tokens: int
) -> _Pending | None:
    """Append a section's text to the pending chunk when one of them is small and both fit.

    Only a sibling (same parent heading) or a descendant of the pending chunk's first
    section may join it, so the kept heading path stays true for the merged text.
    """
    if pending is None:
        return None
    small = max_tokens * SMALL_SECTION_SHARE
    if pending.token_count >= small and token_count >= small:
        return None
    is_sibling = pending.path[:-1] == section.path[:-1]
    is_descendant = section.path[: len(pending.path)] == pending.path
    if not (is_sibling or is_descendant):
        return None

    merged_text = f"{pending.text.rstrip()}\n\n{_new_headings(pending, section)}\n{text.strip()}"
    merged_count = count_tokens(merged_text)
    if merged_count > max_tokens:
        return None
    return _Pending(pending.path, merged_text, merged_count, section.path)


def _new_headings(pending: _Pending, section: _Section) -> str:
    """Write the heading lines of a merged section that the pending chunk does not show yet.

    Headings above it without text of their own ("## Setup" directly over "### Step 1")
    are written too, so the merged text keeps the document's outline.
    """
    shared = max(
        _common_prefix_length(pending.last_path, section.path),
        _common_prefix_length(pending.path, section.path),
    )
    # The section's own heading is always written, even when a sibling has the same text.
    shared = min(shared, max(len(section.path) - 1, 0))
    lines = [
        "#" * level + " " + heading
        for level, heading in zip(section.levels[shared:], section.path[shared:], strict=True)
    ]
    return "\n".join(lines)


def _common_prefix_length(first: tuple[str, ...], second: tuple[str, ...]) -> int:
    length = 0
    for left, right in zip(first, second, strict=False):
        if left != right:
            break
        length += 1
    return length


def _split_long(section: _Section, max_tokens: int) -> list[str]:
    """Split an over-budget section into pieces that fit, except oversized code blocks."""
    units: list[str] = []
    for block in _split_blocks(section.text, max_tokens):
        if _fits(block.text, max_tokens):
            units.append(block.text)
        elif block.kind == "table":
            units.extend(_split_table(block.text, max_tokens))
        elif block.kind == "code":
            units.extend(_split_code(block.text, max_tokens))
        elif block.kind == "list":
            for item in _split_list_items(block.text):
                units.extend([item] if _fits(item, max_tokens) else _split_prose(item, max_tokens))
        else:
            units.extend(_split_prose(block.text, max_tokens))
    return _pack(units, max_tokens)


def _fits(text: str, max_tokens: int) -> bool:
    return count_tokens(text.strip()) <= max_tokens


def _pack(units: list[str], max_tokens: int) -> list[str]:
    """Concatenate consecutive units while the stripped result fits the budget.

    A unit over budget on its own (a code block, a table row) ends up alone in its piece.
    """
    pieces: list[str] = []
    current = ""
    for unit in units:
        candidate = current + unit
        if current.strip() and not _fits(candidate, max_tokens):
            pieces.append(current)
            current = unit
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return pieces


def _split_blocks(text: str, max_tokens: int) -> list[_Block]:
    """Cut a section into tables, fenced code blocks, lists and paragraphs.

    A paragraph that introduces the next table, code block or list (it ends with a colon,
    or it is small) is joined to that block, so the two land in the same chunk.
    """
    lines = list(iter_code_flags(text.splitlines(keepends=True)))
    blocks: list[_Block] = []
    start = 0
    while start < len(lines):
        line, in_code = lines[start]
        if in_code:
            kind, end = "code", _end_of_code(lines, start)
        elif is_table_line(line):
            kind, end = "table", _end_of_run(lines, start, is_table_line)
        elif _LIST_ITEM_RE.match(line):
            kind, end = "list", _end_of_list(lines, start)
        else:
            kind, end = "paragraph", _end_of_run(lines, start, _continues_paragraph)
        end = _end_of_run(lines, end, lambda candidate: not candidate.strip())
        block = _Block(kind, "".join(line for line, _ in lines[start:end]))
        if blocks and kind != "paragraph" and _introduces(blocks[-1], max_tokens):
            block = _Block(kind, blocks.pop().text + block.text)
        blocks.append(block)
        start = end
    return blocks


def _introduces(block: _Block, max_tokens: int) -> bool:
    if block.kind != "paragraph":
        return False
    text = block.text.strip()
    return text.endswith((":", "：")) or count_tokens(text) < max_tokens * SMALL_SECTION_SHARE


def _split_table(text: str, max_tokens: int) -> list[str]:
    """Split an over-budget table between rows; every piece repeats the header rows.

    Lines before the table (its introduction) go into the first piece. A single row over
    budget stays whole.
    """
    lines = text.splitlines(keepends=True)
    first_row = next(i for i, line in enumerate(lines) if is_table_line(line))
    lead, rows = "".join(lines[:first_row]), lines[first_row:]
    header_size = 2 if len(rows) > 1 and is_table_separator(rows[1]) else 0
    header, body = "".join(rows[:header_size]), rows[header_size:]

    pieces: list[str] = []
    current, has_rows = lead + header, False
    for row in body:
        if not _fits(current + row, max_tokens):
            if has_rows:
                pieces.append(current)
                current = header
            elif lead:
                # The introduction does not fit with the first row, so it becomes its own piece.
                pieces.append(lead)
                current = header
        current += row
        has_rows = True
    pieces.append(current)
    return pieces


def _split_code(text: str, max_tokens: int) -> list[str]:
    """Keep an over-budget code block whole; detach its introduction when the code fits alone."""
    lines = text.splitlines(keepends=True)
    first_code = next(i for i, (_, in_code) in enumerate(iter_code_flags(lines)) if in_code)
    lead, code = "".join(lines[:first_code]), "".join(lines[first_code:])
    if lead and _fits(code, max_tokens):
        return [lead, code]
    return [text]


def _continues_paragraph(line: str) -> bool:
    return bool(line.strip()) and not is_table_line(line) and not _LIST_ITEM_RE.match(line)


def _end_of_code(lines: list[tuple[str, bool]], start: int) -> int:
    end = start
    while end < len(lines) and lines[end][1]:
        end += 1
    return end


def _end_of_run(lines: list[tuple[str, bool]], start: int, belongs: Callable[[str], bool]) -> int:
    end = start
    while end < len(lines) and not lines[end][1] and belongs(lines[end][0]):
        end += 1
    return end


def _end_of_list(lines: list[tuple[str, bool]], start: int) -> int:
    """Find where a list ends: items, indented or lazy continuation lines, nested code."""
    end = start + 1
    while end < len(lines):
        line, in_code = lines[end]
        if in_code:
            if not line[:1].isspace():
                return end
            end = _end_of_code(lines, end)
        elif not line.strip():
            following = _end_of_run(lines, end, lambda candidate: not candidate.strip())
            if following >= len(lines) or not _continues_list(lines[following][0]):
                return end
            end = following
        elif is_table_line(line) and not line[:1].isspace():
            return end
        else:
            end += 1
    return end


def _continues_list(line: str) -> bool:
    return bool(_LIST_ITEM_RE.match(line)) or line[:1].isspace()


def _split_list_items(text: str) -> list[str]:
    """Cut a list into its top-level items, each with its nested lines.

    Lines before the first item (an introduction joined to the list) form an item of their own.
    """
    lines = list(iter_code_flags(text.splitlines(keepends=True)))
    markers = (_LIST_ITEM_RE.match(line) for line, in_code in lines if not in_code)
    first = next((marker for marker in markers if marker is not None), None)
    base_indent = len(first.group(1)) if first else 0
    items: list[str] = []
    for line, in_code in lines:
        marker = None if in_code else _LIST_ITEM_RE.match(line)
        if (marker is not None and len(marker.group(1)) <= base_indent) or not items:
            items.append(line)
        else:
            items[-1] += line
    return items


def _split_prose(text: str, max_tokens: int) -> list[str]:
    """Split text into units that fit, keeping tables and fenced code blocks whole."""
    units: list[str] = []
    segment: list[str] = []
    segment_is_atomic = False
    for line, in_code in iter_code_flags(text.splitlines(keepends=True)):
        is_atomic = in_code or is_table_line(line)
        if segment and is_atomic != segment_is_atomic:
            units.extend(_close_segment("".join(segment), segment_is_atomic, max_tokens))
            segment = []
        segment.append(line)
        segment_is_atomic = is_atomic
    if segment:
        units.extend(_close_segment("".join(segment), segment_is_atomic, max_tokens))
    return units


def _close_segment(text: str, is_atomic: bool, max_tokens: int) -> list[str]:
    return [text] if is_atomic else _split_to_fit(text, max_tokens, level=0)


def _split_to_fit(text: str, max_tokens: int, level: int) -> list[str]:
    """Split by sentences, then clauses, then words, then characters, until pieces fit."""
    if _fits(text, max_tokens):
        return [text]
    if level == len(_SPLITTERS):
        return _split_by_characters(text, max_tokens)

    parts = _SPLITTERS[level](text)
    if len(parts) <= 1:
        return _split_to_fit(text, max_tokens, level + 1)
    units = [unit for part in parts for unit in _split_to_fit(part, max_tokens, level + 1)]
    return _pack(units, max_tokens)


def split_sentences(text: str) -> list[str]:
    """Split text after Chinese 。！？； and after English . ! ? followed by a space or the end.

    "e.g. ", "i.e. ", decimals ("3.2"), versions and URLs do not end a sentence, and neither
    does the number of an ordered list item ("1. "). The parts join back to `text`.
    """
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(text):
        if _ENGLISH_SENTENCE_END_RE.match(match.group(0)) and not _ends_sentence(text, match):
            continue
        parts.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        parts.append(text[start:])
    return parts


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    """Tell whether an English period, ! or ? ends a sentence, judging by the word before it."""
    before = text[: match.start()]
    word_match = _LAST_WORD_RE.search(before)
    if word_match is None:
        return False

    word = word_match.group(1).lstrip("([\"'*_`“‘").lower()
    if word in _NON_TERMINAL_ABBREVIATIONS:
        return False
    line_start = before.rfind("\n") + 1
    is_list_number = word.isdigit() and not before[line_start : word_match.start()].strip()
    return not is_list_number


def _split_clauses(text: str) -> list[str]:
    return _CLAUSE_RE.findall(text)


def _split_words(text: str) -> list[str]:
    return _WORD_RE.findall(text)


_SPLITTERS: tuple[Callable[[str], list[str]], ...] = (split_sentences, _split_clauses, _split_words)


def _split_by_characters(text: str, max_tokens: int) -> list[str]:
    """Cut text into the longest prefixes that fit, for a single word over budget."""
    pieces: list[str] = []
    rest = text
    while rest and not _fits(rest, max_tokens):
        low, high = 1, len(rest)
        while low < high:
            middle = (low + high + 1) // 2
            if _fits(rest[:middle], max_tokens):
                low = middle
            else:
                high = middle - 1
        pieces.append(rest[:low])
        rest = rest[low:]
    if rest:
        pieces.append(rest)
    return pieces
