"""Markdown line rules shared by document loading and chunking.

Both must agree on whether a line is a heading or inside a fenced code block. Loading also
removes lines that render as no text (Liquid tags, HTML wrappers, images).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_FENCE_RE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
_ATX_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_CLOSING_HASHES_RE = re.compile(r"(?:^|[ \t]+)#+$")
_HEADING_ID_RE = re.compile(r"\s*\{#[^}]*\}$")

_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS_RE = re.compile(r"(\*\*|__)(.+?)\1")
_CODE_SPAN_RE = re.compile(r"(`+)(.+?)\1")
_INLINE_TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>")

_LIQUID_TAG_RE = re.compile(r"\{%-?.*?-?%\}")
_LIQUID_ONLY_LINE_RE = re.compile(r"^\s*(?:(?:\{%.*?%\}|\{\{.*?\}\})\s*)+$")
_IMAGE = r"!\[[^\]]*\]\([^)]*\)"
_IMAGE_ONLY_LINE_RE = re.compile(rf"^\s*(?:(?:{_IMAGE}|\[{_IMAGE}\]\([^)]*\))\s*)+$")
_INLINE_IMAGE_RE = re.compile(rf"\[{_IMAGE}\]\([^)]*\)\s*|{_IMAGE}\s*")
_WRAPPER_TAGS = (
    "a|audio|b|br|center|details|div|em|figcaption|figure|hr|i|iframe|img|p|picture|section"
    "|source|span|strong|sub|summary|sup|u|video"
)
_TAG_ONLY_LINE_RE = re.compile(rf"^\s*(?:</?(?:{_WRAPPER_TAGS})(?:\s[^<>]*)?/?>\s*)+$", re.I)
_TABLE_SEPARATOR_RE = re.compile(r"^\s*\|?(?:\s*:?-+:?\s*\|)*\s*:?-+:?\s*\|?\s*$")
_DASH_RUN_RE = re.compile(r"-{4,}")
_SPACE_RUN_RE = re.compile(r"[ \t]{2,}")
_URL_RE = re.compile(r"https?://\S+")
_LINK_TARGET_RE = re.compile(r"\]\([^)]*\)")
_COMMENT_START = "<!--"
_COMMENT_END = "-->"


def parse_heading(line: str) -> tuple[int, str] | None:
    """Parse an ATX heading line ("## Create a board") into its level and plain text.

    Returns None for other lines and for headings without text. The caller must skip lines
    inside fenced code blocks (see `iter_code_flags`).
    """
    match = _ATX_HEADING_RE.match(line)
    if match is None or not match.group(2):
        return None

    text = _CLOSING_HASHES_RE.sub("", match.group(2))
    text = strip_inline_markup(_HEADING_ID_RE.sub("", text))
    if not text:
        return None
    return len(match.group(1)), text


def strip_inline_markup(text: str) -> str:
    """Reduce inline Markdown and HTML to its text: links, emphasis, code spans, tags."""
    text = _LINK_RE.sub(r"\1", text)
    text = _EMPHASIS_RE.sub(r"\2", text)
    text = _CODE_SPAN_RE.sub(r"\2", text)
    text = _INLINE_TAG_RE.sub("", text)
    return " ".join(text.split())


def iter_code_flags(lines: Iterable[str]) -> Iterator[tuple[str, bool]]:
    """Yield each line with True when it belongs to a fenced code block, fences included.

    A fence opens with three or more backticks or tildes and closes with a line of at least
    as many of the same character. As in CommonMark, "```code```" on one line is a code
    span, not a fence. An unclosed fence runs to the end of the text.
    """
    fence: str | None = None
    for line in lines:
        match = _FENCE_RE.match(line)
        if fence is None:
            if match is not None and not (match.group(1)[0] == "`" and "`" in match.group(2)):
                fence = match.group(1)
            yield line, fence is not None
            continue

        closes = (
            match is not None
            and match.group(1)[0] == fence[0]
            and len(match.group(1)) >= len(fence)
            and not match.group(2).strip()
        )
        if closes:
            fence = None
        yield line, True


def is_table_line(line: str) -> bool:
    """Tell whether a line is a row of a Markdown pipe table."""
    return line.lstrip().startswith("|")


def is_table_separator(line: str) -> bool:
    """Tell whether a line is the `| --- | :-: |` row under a table header."""
    return "-" in line and _TABLE_SEPARATOR_RE.match(line) is not None


def prose_text(markdown: str) -> str:
    """Return the text without fenced code, code spans, link targets, URLs and HTML tags.

    Language detection runs on this, because code and URLs are Latin letters in any language.
    """
    lines = [line for line, in_code in iter_code_flags(markdown.splitlines()) if not in_code]
    text = _CODE_SPAN_RE.sub(" ", "\n".join(lines))
    text = _LINK_TARGET_RE.sub("]", text)
    text = _URL_RE.sub(" ", text)
    return _INLINE_TAG_RE.sub(" ", text)


def clean_markdown(text: str) -> str:
    """Remove markup that renders as no text, outside fenced code blocks.

    Removed: HTML comments, Liquid tags (`{% data reusables.x %}`), images, lines containing
    only Liquid output (`{{ site.x }}`), and lines containing only wrapper tags such as
    `<div class="alert">` or `<video ...></video>`. A line left empty by these removals is
    dropped, not kept as a blank line. Runs of blank lines shrink to one, and the alignment
    padding of table rows shrinks to one space, which saves tokens. Everything else,
    full-width characters included, is kept as written.
    """
    kept_lines: list[str] = []
    in_comment = False
    for original, in_code in iter_code_flags(text.splitlines()):
        if in_code:
            kept_lines.append(original)
            continue

        line, in_comment = _remove_comments(original, in_comment)
        line = _remove_outside_code_spans(_LIQUID_TAG_RE, line)
        if _is_noise_line(line):
            continue
        line = _remove_outside_code_spans(_INLINE_IMAGE_RE, line)
        if not line.strip() and original.strip():
            continue
        if not line.strip() and kept_lines and not kept_lines[-1].strip():
            continue
        if is_table_line(line):
            line = _compact_table_row(line)
        kept_lines.append(line.rstrip())
    return "\n".join(kept_lines).strip()


def _remove_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    """Drop the parts of a line inside HTML comments, which may span several lines."""
    kept_parts: list[str] = []
    position = 0
    while position < len(line):
        if in_comment:
            end = line.find(_COMMENT_END, position)
            if end < 0:
                return "".join(kept_parts), True
            position = end + len(_COMMENT_END)
            in_comment = False
            continue

        start = line.find(_COMMENT_START, position)
        if start < 0:
            kept_parts.append(line[position:])
            break
        kept_parts.append(line[position:start])
        position = start + len(_COMMENT_START)
        in_comment = True
    return "".join(kept_parts), in_comment


def _remove_outside_code_spans(pattern: re.Pattern[str], line: str) -> str:
    """Remove the matches of `pattern` from a line, except inside code spans."""
    if pattern.search(line) is None:
        return line

    parts: list[str] = []
    position = 0
    for span in _CODE_SPAN_RE.finditer(line):
        parts.append(pattern.sub("", line[position : span.start()]))
        parts.append(span.group(0))
        position = span.end()
    parts.append(pattern.sub("", line[position:]))
    cleaned = "".join(parts)
    # A line that contained only matches becomes blank, not a line of spaces.
    return cleaned if cleaned.strip() else ""


def _compact_table_row(line: str) -> str:
    line = _SPACE_RUN_RE.sub(" ", line.strip())
    if is_table_separator(line):
        line = _DASH_RUN_RE.sub("---", line)
    return line


def _is_noise_line(line: str) -> bool:
    return bool(
        _LIQUID_ONLY_LINE_RE.match(line)
        or _IMAGE_ONLY_LINE_RE.match(line)
        or _TAG_ONLY_LINE_RE.match(line)
    )
