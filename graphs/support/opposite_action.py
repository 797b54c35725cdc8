"""Notice when the quoted passage does the opposite of what the user asked.

"两步验证怎么关？" retrieves the page on two-factor sign-in, whose steps turn it on. Quoting them
without a word lets the user believe they are the answer. When the question asks for one side of
an action pair (turn off) and the quoted passage names only the other side (turn on), the reply
says so before the quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.domain import Language


@dataclass(frozen=True)
class ActionPair:
    """Two opposite actions, each as a pattern per language and a label to show the user."""

    first: dict[Language, re.Pattern[str]]
    second: dict[Language, re.Pattern[str]]
    first_label: dict[Language, str]
    second_label: dict[Language, str]


def _pattern(words: str) -> re.Pattern[str]:
    return re.compile(words, re.IGNORECASE)


# A bare 关 or 开 is a verb only right after a question word: 关于, 相关, 关联, 开发 and 开始 are
# not. 打开 is left out: steps say 打开 for opening a page.
_ZH_ASK = r"(?:怎么|怎样|如何|能否|能不能|可以|要|想)"
ACTION_PAIRS: tuple[ActionPair, ...] = (
    ActionPair(
        first={
            Language.EN: _pattern(
                r"\b(?:enabl\w*|turn(?:s|ed|ing)? on|switch(?:es|ed)? on|activat\w*)\b"
            ),
            Language.ZH: _pattern(rf"开启|启用|开通|{_ZH_ASK}开(?![发始票会])"),
        },
        second={
            Language.EN: _pattern(
                r"\b(?:disabl\w*|turn(?:s|ed|ing)? off|switch(?:es|ed)? off|deactivat\w*)\b"
            ),
            Language.ZH: _pattern(
                rf"关闭|关掉|停用|禁用|取消勾选|{_ZH_ASK}关(?![于联注系键])|关了"
            ),
        },
        first_label={Language.EN: "turning it on", Language.ZH: "开启"},
        second_label={Language.EN: "turning it off", Language.ZH: "关闭"},
    ),
    ActionPair(
        first={
            Language.EN: _pattern(r"\b(?:add(?:s|ed|ing)?|invit\w*)\b"),
            Language.ZH: _pattern(r"添加|加入|邀请|新增"),
        },
        second={
            Language.EN: _pattern(r"\b(?:remov\w*|delet\w*|kick\w*)\b"),
            Language.ZH: _pattern(r"移除|删除|删掉|踢出|移出"),
        },
        first_label={Language.EN: "adding", Language.ZH: "添加"},
        second_label={Language.EN: "removing", Language.ZH: "移除"},
    ),
    ActionPair(
        first={
            Language.EN: _pattern(r"\b(?:show\w*|unhid\w*|display\w*)\b"),
            Language.ZH: _pattern(r"显示|展示|取消隐藏"),
        },
        second={
            Language.EN: _pattern(r"\bhid(?:e|es|ing|den)\b"),
            Language.ZH: _pattern(r"(?<!取消)隐藏"),
        },
        first_label={Language.EN: "showing", Language.ZH: "显示"},
        second_label={Language.EN: "hiding", Language.ZH: "隐藏"},
    ),
)


@dataclass(frozen=True)
class OppositeAction:
    """The action the question asks for and the opposite one the passage describes."""

    asked: str
    found: str


def find_opposite_action(question: str, passage: str, language: Language) -> OppositeAction | None:
    """Return the mismatch when `question` asks for one side of a pair and `passage` names only
    the other side; None when the question names both sides or neither, or the passage matches.

    Only the question's language is checked: a passage in another language is left alone.
    """
    for pair in ACTION_PAIRS:
        asks_first = bool(pair.first[language].search(question))
        asks_second = bool(pair.second[language].search(question))
        if asks_first == asks_second:
            continue
        wanted, other = (pair.first, pair.second) if asks_first else (pair.second, pair.first)
        if wanted[language].search(passage) or not other[language].search(passage):
            continue
        if asks_first:
            return OppositeAction(pair.first_label[language], pair.second_label[language])
        return OppositeAction(pair.second_label[language], pair.first_label[language])
    return None
