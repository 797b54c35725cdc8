"""Questions written for the speed benchmark: realistic support messages in Chinese and English.

They cover the topics of the sample KB (samples/kb), so `assistant ask` takes its usual path
through retrieval and answer composition rather than an early refusal.
"""

from __future__ import annotations

SUPPORT_QUESTIONS = (
    "How do I give a guest access to just one project?",
    "I was added to the team but I still can't see the Marketing project, why?",
    "Our Gantt chart shows the wrong dates after I moved a task, how do I fix it?",
    "How can I compare the current schedule with a saved baseline?",
    "Notifications stopped arriving in my email since yesterday.",
    "How do I set up SAML single sign-on with Okta for our workspace?",
    "Can I get a refund for seats we no longer use?",
    "How do I make a task repeat every Monday?",
    "The GitHub integration stopped syncing pull requests to tasks.",
    "Where can I export all workspace data before we delete the account?",
    "怎么给访客只开放一个项目的权限？",
    "我被加进团队了，但还是看不到这个项目，怎么回事？",
    "甘特图拖动任务以后日期显示不对，怎么修复？",
    "如何设置每周一重复的任务？",
    "邮件通知从昨天开始就收不到了。",
    "我们想用 SAML 单点登录，应该怎么配置？",
    "多买的席位可以退款吗？发票在哪里下载？",
    "怎么在看板上按负责人分组显示任务？",
    "计时器忘了关，怎么修改工时记录？",
    "两步验证的手机丢了，怎么登录账号？",
)
"""Ten English and ten Chinese questions about the sample KB's topics."""

SHORT_QUERIES = (
    "gantt",
    "kanban board",
    "reset password",
    "webhook",
    "time tracking report",
    "SSO",
    "invoice",
    "permissions",
    "export csv",
    "notifications",
    "甘特图",
    "看板",
    "重置密码",
    "工时",
    "发票",
    "权限",
    "通知设置",
    "单点登录",
    "导出",
    "附件大小限制",
)
"""Keyword-style queries as users type them into a search box, in English and Chinese."""
