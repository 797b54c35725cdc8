"""Simplified Chinese for argparse's own messages (usage errors and help headings).

argparse looks each message up through the module's gettext function `_` when it formats it,
so replacing that function translates the messages without subclassing the parser.
"""

from __future__ import annotations

import argparse

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


def argparse_text(message: str) -> str:
    """Return one of argparse's message templates in the language that argparse prints."""
    return str(argparse._(message))  # type: ignore[attr-defined]
