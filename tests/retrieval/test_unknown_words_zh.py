"""Chinese words the KB never uses count as unknown, as English ones do, on the sample KB."""

from __future__ import annotations

import pytest

from retrieval.chunk_store import StoredChunk
from retrieval.knowledge_base import KnowledgeBase
from retrieval.search import TermStatus, _cjk_bigrams, _classify_part


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("我的冰箱怎么连接量子计算机？", ["冰箱", "量子计算机"]),
        ("怎么给冰箱除霜？", ["冰箱除霜"]),
        ("量子通量电容器怎么和木星集成？", ["量子通量电容器", "木星"]),
        ("冰箱多大", ["冰箱"]),
        ("洗衣机怎么排水", ["洗衣机", "排水"]),
        ("光合作用的原理", ["光合作用", "原理"]),
        # 订阅 is a KB word, and so a variant of "subscribe", but no page writes 日历 or any
        # other variant of "calendar" or of "calendar subscription" (日历订阅).
        ("怎么订阅日历？", ["日历"]),
        # The direction after the verb (进来) and a single character (态) name no topic.
        (
            "请问怎么把量子纠缠态的叠加系数和薛定谔方程导入进来？",
            ["量子纠缠", "叠加系数", "薛定谔方程"],
        ),
    ],
    ids=[
        "fridge-quantum",
        "defrost",
        "flux-jupiter",
        "fridge-size",
        "washer",
        "biology",
        "calendar",
        "physics",
    ],
)
def test_chinese_unknown_words_return_unknown_terms(
    sample_kb: KnowledgeBase, question: str, unknown: list[str]
) -> None:
    result = sample_kb.search(question)

    assert result.hits == []
    assert result.no_results_reason == "unknown_terms"
    assert result.unknown_terms == unknown


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("How do I defrost the fridge?", ["defrost", "fridge"]),
        (
            "How do I integrate the quantum flux capacitor with Jupiter?",
            ["quantum", "flux", "capacitor", "Jupiter"],
        ),
        ("ｑｕａｎｔｕｍ ｆｌｕｘ ｃａｐａｃｉｔｏｒ", ["quantum", "flux", "capacitor"]),
        # Half the weight is enough: "subscribe" is known through 订阅, "calendar" is not.
        ("How do I subscribe to the calendar?", ["calendar"]),
    ],
    ids=["defrost", "flux-jupiter", "full-width", "calendar"],
)
def test_english_twins_return_unknown_terms(
    sample_kb: KnowledgeBase, question: str, unknown: list[str]
) -> None:
    result = sample_kb.search(question)

    assert result.no_results_reason == "unknown_terms"
    assert result.unknown_terms == unknown


@pytest.mark.parametrize(
    ("question", "page"),
    [
        ("头像最大多大？", "account/profile-language-timezone.md"),
        ("头像图片最大可以多大？", "account/profile-language-timezone.md"),
        ("怎么导出任务？", "admin/workspace-export-and-deletion.md"),
        ("两步验证怎么关？", "account/sign-in-password-2fa.md"),
        ("经典看板最多能有几列？", "boards/classic-boards.md"),
        ("退款需要多久", "billing/invoices-payments-refunds.md"),
        ("改时区", "account/profile-language-timezone.md"),
        ("基线能存几个", "gantt/gantt-baselines.md"),
        ("审计日志保存多长时间", "admin/audit-log.md"),
        ("看板坏了", "boards/kanban-boards.md"),
        ("甘特图显示不出来", "gantt/gantt-troubleshooting.md"),
        ("附件怎么下载下来", "admin/workspace-export-and-deletion.md"),
        ("套餐多少钱一个月", "billing/plans-pricing-seats.md"),
        ("ＳＳＯ怎么配？", "admin/sso-saml.md"),
    ],
)
def test_real_short_chinese_questions_keep_results(
    sample_kb: KnowledgeBase, question: str, page: str
) -> None:
    result = sample_kb.search(question)

    assert result.no_results_reason is None, result.unknown_terms
    # The page in either language: the check is that the question is searched at all.
    assert result.hits[0].chunk.doc.split("/", 1)[1] == page


@pytest.mark.parametrize("question", ["最多几条？", "怎么配", "猫"])
def test_topicless_chinese_words_are_not_unknown(sample_kb: KnowledgeBase, question: str) -> None:
    # Single characters and words like 最多 or 几条 are left out of the share of unknown words,
    # so a question made only of them is searched.
    assert sample_kb.unknown_terms(question) == []


def test_long_question_with_everyday_words_keeps_results(sample_kb: KnowledgeBase) -> None:
    # folder, article and says are in no page: 61% of the weight, below the 70% that a
    # question of more than three words needs.
    question = "I checked the spam folder as the article says but I still don't get emails"

    assert sample_kb.search(question).no_results_reason is None


def test_chinese_unknown_words_need_half_of_the_weight(sample_kb: KnowledgeBase) -> None:
    # 光合作用 is in no page, but 设置 and 提醒 carry more than half of the weight.
    assert sample_kb.unknown_terms("怎么设置光合作用提醒？") == []


def test_page_bigrams_fold_compatibility_ideographs() -> None:
    # U+F928 is a CJK compatibility ideograph whose NFKC form is 廊 (U+5ECA), the form that a
    # query's words have.
    chunk = StoredChunk(
        chunk_id="zh/general/corridor.md#0",
        doc="zh/general/corridor.md",
        ordinal=0,
        title="走\uf928",
        heading_path=(),
        text="在走\uf928里可以查看共享看板。",
        token_count=10,
        module="general",
        roles=("member",),
        introduced_in=None,
        removed_in=None,
        tags=(),
        language="zh",
        search_tokens=(),
        concepts=(),
    )

    bigrams = _cjk_bigrams([chunk])

    assert _classify_part("走廊", bigrams) is TermStatus.KNOWN
    assert _classify_part("冰箱", bigrams) is TermStatus.UNKNOWN
