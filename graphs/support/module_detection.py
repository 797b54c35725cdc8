"""Guess the product module a user's message is about, for routing its ticket."""

from __future__ import annotations

import re

from assistant.text import normalize

MODULE_TERMS: dict[str, tuple[str, ...]] = {
    "gantt": (
        "gantt",
        "timeline",
        "baseline",
        "dependency",
        "dependencies",
        "甘特",
        "基线",
        "依赖",
    ),
    "boards": ("board", "kanban", "column", "swimlane", "wip", "card", "看板", "泳道", "卡片"),
    "tasks": (
        "task",
        "subtask",
        "due date",
        "assignee",
        "recurring",
        "任务",
        "子任务",
        "截止",
        "负责人",
    ),
    "time_tracking": (
        "timer",
        "time entry",
        "timesheet",
        "worklog",
        "logged time",
        "工时",
        "计时",
        "工时表",
    ),
    "notifications": (
        "notification",
        "email",
        "digest",
        "push",
        "quiet hours",
        "通知",
        "邮件",
        "提醒",
        "推送",
    ),
    "integrations": (
        "github",
        "gitlab",
        "slack",
        "webhook",
        "api",
        "sync",
        "integration",
        "集成",
        "同步",
        "钩子",
    ),
    "permissions": (
        "permission",
        "role",
        "guest",
        "visibility",
        "invite",
        "权限",
        "角色",
        "访客",
        "邀请",
        "可见",
    ),
    "account": (
        "login",
        "log in",
        "sign in",
        "password",
        "2fa",
        "two-factor",
        "profile",
        "登录",
        "密码",
        "账号",
        "账户",
        "双重",
    ),
    "billing": (
        "invoice",
        "billing",
        "refund",
        "charge",
        "plan",
        "seat",
        "payment",
        "发票",
        "账单",
        "退款",
        "扣费",
        "套餐",
        "席位",
        "付款",
    ),
    "admin": (
        "sso",
        "saml",
        "audit log",
        "workspace",
        "export all",
        "管理员",
        "单点登录",
        "审计",
        "工作区",
    ),
}
"""Words that point at a module, in English and Chinese."""


def detect_module(message: str) -> str | None:
    """Return the module whose terms the message mentions most, or None when it names none."""
    counts = mentioned_modules(message)
    if not counts:
        return None
    return max(counts, key=lambda module: counts[module])


def mentioned_modules(message: str) -> dict[str, int]:
    """Return, for each module the message names, how many of its terms it mentions."""
    text = normalize(message)
    counts: dict[str, int] = {}
    for module, terms in MODULE_TERMS.items():
        hits = sum(1 for term in terms if _mentions(text, term))
        if hits:
            counts[module] = hits
    return counts


def _mentions(text: str, term: str) -> bool:
    if term.isascii():
        return re.search(rf"\b{re.escape(term)}", text) is not None
    return term in text
