"""Detect a quoted passage that describes the opposite of the action a question requests.

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


_DONE: dict[Language, re.Pattern[str]] = {
    Language.EN: re.compile(r"\b\w+ed\b", re.IGNORECASE),
    Language.ZH: re.compile(
        r"(?:开启|启用|开通|关闭|关掉|停用|禁用|添加|加入|邀请|新增|移除|删除|删掉|踢出|移出"
        r"|显示|展示|隐藏)了"
    ),
}
"""Actions the user reports as done ("I turned on SSO", "我开启了"), which are no request."""


_NEGATION: dict[Language, str] = {
    Language.EN: r"\b(?:cannot|can't|can not|could not|couldn't|not)\s+(?:be\s+)?",
    Language.ZH: r"(?:无法|不能|不可以|不可|不允许)\s*",
}
"""A word before an action that states it cannot be done: "cannot be turned off", "无法关闭"."""
_ZH_OPENED_ITEM = re.compile(r"打开\s*\**\s*([^*\s>，。；、]+)")
"""打开 and the item it opens, often in bold: "在 **通知设置** 中打开 **免打扰时段**"."""


@dataclass(frozen=True)
class OppositeAction:
    """A mismatch between the action a question requests and the one a passage describes."""

    requested: str
    described: str


def find_opposite_action(question: str, passage: str, language: Language) -> OppositeAction | None:
    """Find a pair whose one side the question requests while the passage names only the other.

    Returns None when the question names both sides or neither, or when the passage names the
    requested side. Only the question's language is checked, so a passage in another language
    never matches. Actions the question reports as done are not requests: "I turned on SSO, but
    users still sign in with passwords" requests neither side.
    """
    question = _DONE[language].sub(" ", question)
    if language is Language.ZH:
        passage = _switches_turned_on(question, passage)
    for pair in ACTION_PAIRS:
        requests_first = bool(pair.first[language].search(question))
        requests_second = bool(pair.second[language].search(question))
        if requests_first == requests_second:
            continue
        if requests_first:
            requested, opposite = pair.first, pair.second
            labels = (pair.first_label[language], pair.second_label[language])
        else:
            requested, opposite = pair.second, pair.first
            labels = (pair.second_label[language], pair.first_label[language])
        # "Mentions cannot be turned off" states that the requested action is impossible for
        # something, which is no way to do it.
        negated = re.compile(f"{_NEGATION[language]}(?:{requested[language].pattern})", re.I)
        if requested[language].search(negated.sub(" ", passage)):
            continue
        if not opposite[language].search(passage):
            continue
        return OppositeAction(*labels)
    return None


def _switches_turned_on(question: str, passage: str) -> str:
    """Write 开启 for 打开 where a Chinese passage opens an item the question names.

    打开 is left out of the action patterns, because steps use it for opening a page. But
    打开 **免打扰时段**, quoted for "怎么关闭免打扰时段？", turns the setting on.
    """
    return _ZH_OPENED_ITEM.sub(
        lambda match: f"开启 {match.group(1)}" if match.group(1) in question else match.group(0),
        passage,
    )
