"""The command line's help texts and argparse's own messages in the CLI's language.

argparse looks each of its own messages (usage errors and help headings) up through the
module's gettext function `_` when it formats it, so replacing that function translates them
without subclassing the parser. The help texts of the subcommands and options are the `help_*`
entries of `assistant/messages.yaml`.
"""

from __future__ import annotations

import argparse
import re
import unicodedata
from typing import Any

from assistant.i18n import translate
from cli.commands import cli_language

ARGPARSE_ZH: dict[str, str] = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示帮助信息并退出",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "无效的选项：%(value)r（可选：%(choices)s）"
    ),
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "expected one argument": "需要一个值",
    "ambiguous option: %(option)s could match %(matches)s": (
        "有歧义的选项：%(option)s 可匹配 %(matches)s"
    ),
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "未知的子命令 %(parser_name)r（可选：%(choices)s）"
    ),
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
}
"""argparse message templates of Python 3.11 and their Chinese versions."""


def install_chinese_argparse_messages() -> None:
    """Make argparse print the messages above in Chinese; others stay in English."""
    english = argparse._  # type: ignore[attr-defined]
    if getattr(english, "is_chinese_argparse_translation", False):
        return

    def translate(message: str) -> str:
        return ARGPARSE_ZH.get(message) or str(english(message))

    translate.is_chinese_argparse_translation = True  # type: ignore[attr-defined]
    argparse._ = translate  # type: ignore[attr-defined]


_WRAP_UNIT_RE = re.compile(r"\s+|[\x21-\x7e]+|.")
"""A run of spaces, a run of printable ASCII (a word, an option, a value), or one other
character: a Chinese line may break between any two characters, but not inside "--kb"."""

_NO_LINE_START = frozenset("，。、；：！？）》」』”’,.;:!?)")
"""Punctuation that stays at the end of the line before rather than start a line."""

_NO_LINE_END = frozenset("（《「『“‘(")
"""Punctuation that starts the next line rather than end a line."""


_CHINESE_HEADING_RE = re.compile(r"^(\S[^\n]*[\u4e00-\u9fff]):$", re.MULTILINE)
"""A section heading such as "选项:", to which argparse appends an ASCII colon."""


def display_width(text: str) -> int:
    """Return the columns `text` takes in a terminal: two for each wide (Han) character."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def wrap_by_width(text: str, width: int) -> list[str]:
    """Split `text` into lines of at most `width` terminal columns.

    Words of ASCII stay whole, and a word longer than `width` gets a line of its own. Spaces at
    line breaks are dropped.
    """
    lines: list[str] = []
    line = ""
    for unit in _WRAP_UNIT_RE.findall(" ".join(text.split())):
        if unit.isspace():
            if line:
                line += " "
            continue
        fits = display_width(line + unit) <= width if line else True
        if fits or unit in _NO_LINE_START:
            line += unit
            continue
        line = line.rstrip()
        carried = ""
        # An opening quote or bracket goes down with what it opens.
        while len(line) > 1 and line[-1] in _NO_LINE_END:
            line, carried = line[:-1], line[-1] + carried
        lines.append(line.rstrip())
        line = carried + unit
    if line.strip():
        lines.append(line.rstrip())
    return lines


class WidthAwareHelpFormatter(argparse.HelpFormatter):
    """argparse's help layout with lines wrapped by terminal columns.

    argparse counts characters, so its lines of Chinese text are up to twice as wide as the
    terminal, and it may break a line inside an option or a value such as "default.default".
    """

    def _format_usage(
        self, usage: str | None, actions: Any, groups: Any, prefix: str | None
    ) -> str:
        # argparse wraps and indents the usage by the prefix's length in characters; "用法："
        # takes three more columns than characters.
        if prefix is None:
            prefix = argparse_text("usage: ")
        extra = display_width(prefix) - len(prefix)
        if not extra:
            return super()._format_usage(usage, actions, groups, prefix)
        self._width -= extra
        try:
            text = super()._format_usage(usage, actions, groups, prefix)
        finally:
            self._width += extra
        first, *rest = text.split("\n")
        return "\n".join([first, *(" " * extra + line if line.strip() else line for line in rest)])

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap_by_width(text, width)

    def format_help(self) -> str:
        """Return the help text, with a full-width colon after a Chinese section heading."""
        return _CHINESE_HEADING_RE.sub(r"\1：", super().format_help())

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap_by_width(text, width - len(indent)))


def argparse_text(message: str) -> str:
    """Return one of argparse's message templates in the language that argparse prints."""
    return str(argparse._(message))  # type: ignore[attr-defined]


def help_text(key: str, **values: object) -> str:
    """Return the help text `help_{key}` of the message catalogue in the CLI's language."""
    return translate(f"help_{key}", cli_language(), **values)


def add_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_key: str,
    **values: object,
) -> argparse.ArgumentParser:
    """Add a subcommand whose help text is `help_{help_key}` in the catalogue.

    The text is both the subcommand's line in its parent's `--help` and the description at the
    top of its own `--help`.
    """
    text = help_text(help_key, **values)
    return sub.add_parser(name, help=text, description=text)
