"""Numbered steps win the quote on a how-to question, over a bullet list that shares more words."""

from __future__ import annotations

from graphs.support.evidence import select_evidence

CHUNK = """管理员可以导出工作区的全部数据，用于备份或迁移。

## 导出工作区数据
1. 进入 **设置 > 数据 > 导出**。
2. 选择格式。
3. 点击 **开始导出**。

导出完成后，所有工作区管理员都会收到邮件。

### 规则
- 每个工作区 24 小时内最多导出一次。
- 下载链接 7 天内有效，只有工作区管理员能下载。
- 导出工作区数据会记入审计日志。
"""


def test_how_to_question_quotes_the_numbered_steps() -> None:
    units = select_evidence("怎么导出工作区数据？", CHUNK)

    assert any(unit.text.startswith("1. 进入") for unit in units), [u.text for u in units]


def test_other_question_keeps_the_best_matching_units() -> None:
    units = select_evidence("导出有次数限制吗？下载链接有效期多久？", CHUNK)

    assert any("下载链接 7 天内有效" in unit.text for unit in units)
