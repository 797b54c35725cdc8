"""Conversion of HTML KB pages to the Markdown-like text the chunker splits.

Only the structure the chunker uses survives: headings become `#` lines, paragraphs and list
items become lines, tables become Markdown tables and preformatted text becomes fenced code.
Scripts, styles and navigation are dropped. `read_html_head` reads the page's metadata: its
`<meta name>` tags and the `lang` attribute of `<html>`. Built on the standard library's
`html.parser`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_HEADING_TAGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_DROPPED_TAGS = frozenset({"script", "style", "nav", "noscript", "template", "svg"})
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "header", "hr", "main", "p", "section",
    }
)  # fmt: skip
_CELL_TAGS = frozenset({"td", "th"})
_LIST_INDENT = "  "
_WHITESPACE_RE = re.compile(r"\s+")


def html_to_markdown(html: str) -> str:
    """Convert an HTML page to Markdown-like text.

    The page's `<title>` becomes a level-1 heading when the page has no `<h1>`.
    """
    parser = _MarkdownBuilder()
    parser.feed(html)
    parser.close()
    return parser.markdown()


@dataclass(frozen=True, slots=True)
class HtmlHead:
    """Metadata an HTML page declares in its tags."""

    meta: dict[str, str]
    """`content` of each `<meta name>` tag by lowercased name. The first tag of a name wins."""
    language: str | None
    """`lang` (else `xml:lang`) of `<html>` as written, or None when missing or blank."""


def read_html_head(html: str) -> HtmlHead:
    """Read the `<meta name>` tags and the `<html lang>` attribute of an HTML page.

    Meta tags without a name or with blank content are left out, and so are the meta tags that
    `html_to_markdown` drops with their parent (inside `<script>`, `<template>`, `<svg>`...).
    """
    reader = _HeadReader()
    reader.feed(html)
    reader.close()
    return HtmlHead(meta=reader.meta, language=reader.language)


class _HeadReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.language: str | None = None
        self._dropped_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_TAGS:
            self._dropped_depth += 1
        elif self._dropped_depth:
            return
        elif tag == "html" and self.language is None:
            values = dict(attrs)
            language = (values.get("lang") or values.get("xml:lang") or "").strip()
            self.language = language or None
        elif tag == "meta":
            self._read_meta(dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_TAGS:
            self._dropped_depth = max(0, self._dropped_depth - 1)

    def _read_meta(self, attrs: dict[str, str | None]) -> None:
        name = (attrs.get("name") or "").strip().lower()
        content = _collapse(attrs.get("content") or "")
        if name and content and name not in self.meta:
            self.meta[name] = content


@dataclass
class _Table:
    rows: list[list[str]] = field(default_factory=list)
    cell: list[str] | None = None


@dataclass
class _List:
    ordered: bool
    count: int = 0


class _MarkdownBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._lines: list[str] = []
        self._inline: list[str] = []
        self._prefix = ""
        self._last_was_item = False
        self._dropped_depth = 0
        self._title: list[str] | None = None
        self._title_text = ""
        self._has_h1 = False
        self._heading_level = 0
        self._lists: list[_List] = []
        self._tables: list[_Table] = []
        self._pre: list[str] | None = None
        self._code: list[str] | None = None

    def markdown(self) -> str:
        """Return the converted text. Call it after `close()`."""
        self._flush()
        lines = self._lines
        if self._title_text and not self._has_h1:
            lines = [f"# {self._title_text}", "", *lines]
        return "\n".join(lines).strip()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_TAGS:
            self._dropped_depth += 1
        elif self._dropped_depth:
            return
        elif tag == "title":
            self._title = []
        elif tag == "pre":
            self._flush()
            self._pre = []
        elif tag == "code" and self._pre is None:
            self._code = []
        elif self._pre is not None:
            return
        else:
            self._start_structure(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_TAGS:
            self._dropped_depth = max(0, self._dropped_depth - 1)
        elif self._dropped_depth:
            return
        elif tag == "title" and self._title is not None:
            self._title_text = _collapse("".join(self._title))
            self._title = None
        elif tag == "pre" and self._pre is not None:
            self._emit_code_block("".join(self._pre))
            self._pre = None
        elif tag == "code" and self._code is not None:
            self._end_inline_code()
        elif self._pre is None:
            self._end_structure(tag)

    def handle_data(self, data: str) -> None:
        if self._dropped_depth:
            return
        if self._title is not None:
            self._title.append(data)
        elif self._pre is not None:
            self._pre.append(data)
        elif self._code is not None:
            self._code.append(data)
        else:
            self._append_text(_WHITESPACE_RE.sub(" ", data))

    def _start_structure(self, tag: str) -> None:
        if tag in _HEADING_TAGS:
            self._flush()
            self._heading_level = _HEADING_TAGS[tag]
        elif tag in ("ul", "ol"):
            self._flush()
            self._lists.append(_List(ordered=tag == "ol"))
        elif tag == "li":
            self._start_list_item()
        elif tag == "table":
            self._flush()
            self._tables.append(_Table())
        elif tag == "tr" and self._tables:
            self._tables[-1].rows.append([])
        elif tag in _CELL_TAGS and self._tables:
            self._tables[-1].cell = []
        elif tag == "br":
            self._append_text("\n")
        elif tag in _BLOCK_TAGS:
            self._flush()

    def _end_structure(self, tag: str) -> None:
        if tag in _HEADING_TAGS:
            self._end_heading()
        elif tag in ("ul", "ol"):
            self._flush()
            if self._lists:
                self._lists.pop()
            if not self._lists:
                # The next list starts after a blank line, as a list of its own.
                self._last_was_item = False
        elif tag == "li" or tag in _BLOCK_TAGS:
            self._flush()
        elif tag in _CELL_TAGS and self._tables:
            self._end_cell(self._tables[-1])
        elif tag == "table" and self._tables:
            self._end_table()

    def _start_list_item(self) -> None:
        self._flush()
        if not self._lists:
            self._lists.append(_List(ordered=False))
        current = self._lists[-1]
        current.count += 1
        marker = f"{current.count}. " if current.ordered else "- "
        self._prefix = _LIST_INDENT * (len(self._lists) - 1) + marker

    def _end_heading(self) -> None:
        text = _collapse("".join(self._inline))
        self._inline = []
        level, self._heading_level = self._heading_level, 0
        if not text or not level:
            return

        self._has_h1 = self._has_h1 or level == 1
        self._emit_block("#" * level + " " + text)

    def _end_cell(self, table: _Table) -> None:
        if table.cell is None:
            return
        if not table.rows:
            table.rows.append([])
        text = _collapse("".join(table.cell).replace("\n", " "))
        table.rows[-1].append(text.replace("|", "\\|"))
        table.cell = None

    def _end_table(self) -> None:
        table = self._tables.pop()
        rows = [row for row in table.rows if row]
        if not rows:
            return

        if self._tables and self._tables[-1].cell is not None:
            # A nested table is flattened into the text of the outer cell.
            self._tables[-1].cell.append(" ".join(cell for row in rows for cell in row))
            return
        self._emit_block(_render_table(rows))

    def _end_inline_code(self) -> None:
        code = "".join(self._code or [])
        self._code = None
        if "\n" in code.strip("\n"):
            self._flush()
            self._emit_code_block(code)
        elif code.strip():
            self._append_text(f"`{code.strip()}`")

    def _append_text(self, text: str) -> None:
        if self._tables and self._tables[-1].cell is not None:
            self._tables[-1].cell.append(text)
        else:
            self._inline.append(text)

    def _emit_code_block(self, code: str) -> None:
        self._emit_block("```\n" + code.strip("\n") + "\n```")

    def _flush(self) -> None:
        """Write the pending inline text as a paragraph or list item."""
        lines = [_collapse(line) for line in "".join(self._inline).split("\n")]
        lines = [line for line in lines if line]
        self._inline = []
        if self._heading_level:
            # The heading is still open, so its text waits for the closing tag.
            self._inline = [" ".join(lines)]
            return
        if not lines:
            return

        if self._prefix:
            indent = " " * len(self._prefix)
            item = "\n".join([self._prefix + lines[0], *(indent + line for line in lines[1:])])
            self._prefix = ""
            self._emit_item(item)
        else:
            self._emit_block("\n".join(lines))

    def _emit_block(self, text: str) -> None:
        if self._lines:
            self._lines.append("")
        self._lines.append(text)
        self._last_was_item = False

    def _emit_item(self, text: str) -> None:
        if self._lines and not self._last_was_item:
            self._lines.append("")
        self._lines.append(text)
        self._last_was_item = True


def _collapse(text: str) -> str:
    return _WHITESPACE_RE.sub(" ", text).strip()


def _render_table(rows: list[list[str]]) -> str:
    width = max(len(row) for row in rows)
    padded = [row + [""] * (width - len(row)) for row in rows]
    header, *body = padded
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * width]
    lines.extend("| " + " | ".join(row) + " |" for row in body)
    return "\n".join(lines)
