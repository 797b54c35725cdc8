"""Project-management vocabulary that marks a message as being about the product.

The classifier uses it for low-confidence predictions: a vague message that mentions a sprint,
a Gantt chart or an invoice is about the product even when the model cannot tell which intent
it is, so it must not be dismissed as out of scope.
"""

from __future__ import annotations

from assistant.text import normalize, stem_english, tokenize

_ENGLISH_TERMS = """
    task subtask ticket board kanban backlog sprint iteration epic milestone roadmap
    gantt burndown velocity swimlane workflow assignee assign deadline
    project workspace guest permission admin invite
    notification reminder digest mention attachment dashboard
    timesheet timer estimate worklog
    integration webhook api token github gitlab slack jira trello dingtalk feishu wecom
    sso saml ldap okta 2fa password login
    billing invoice fapiao seat subscription pricing refund payment receipt
    downgrade renewal vat
    automation
""".split()

CHINESE_TERMS: frozenset[str] = frozenset(
    """
    任务 工单 看板 需求池 迭代 冲刺 里程碑 路线图 甘特 燃尽图 泳道 工作流 负责人
    项目 访客 权限 管理员 邀请 通知 附件 仪表盘 报表 工时 计时 估时
    集成 钉钉 飞书 企业微信 密码 登录 登陆 账号 帐号 验证码 两步验证
    账单 发票 席位 套餐 订阅 付款 扣费 退款 续费 专业版 企业版 自动化 自定义字段
    """.split()
)
"""Chinese product terms, matched as substrings because jieba may cut them differently."""

ENGLISH_TERMS: frozenset[str] = frozenset(stem_english(term) for term in _ENGLISH_TERMS)
"""English product terms, stemmed the way `tokenize` stems message words."""


def mentions_product_domain(text: str) -> bool:
    """Return whether `text` contains a project-management or account/billing term."""
    folded = normalize(text)
    if any(term in folded for term in CHINESE_TERMS):
        return True
    return any(token in ENGLISH_TERMS for token in tokenize(text, keep_stop_words=True))
