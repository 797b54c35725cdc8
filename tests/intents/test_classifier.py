"""IntentClassifier.predict on held-out phrasings, out-of-scope messages and its decision rules."""

from __future__ import annotations

import json

import pytest

from assistant.domain import Intent
from assistant.intents import IntentClassifier
from assistant.intents.classifier import MAX_INPUT_CHARS, TOP_SCORES
from assistant.intents.training import DEFAULT_DATA_PATH

HELD_OUT = [
    ("How can I change the start date of a sprint?", Intent.HOW_TO),
    ("Where do I configure which fields appear on a task card?", Intent.HOW_TO),
    ("怎么给看板再加一个泳道", Intent.HOW_TO),
    ("如何把一个任务设成里程碑？", Intent.HOW_TO),
    (
        "I enabled Slack notifications but our channel gets nothing from the Marketing project",
        Intent.TROUBLESHOOTING,
    ),
    ("Why are my tasks not visible in the calendar view?", Intent.TROUBLESHOOTING),
    ("为什么我的日历视图里一个任务都没有", Intent.TROUBLESHOOTING),
    ("企业微信通知收不到了，配置我都检查过了", Intent.TROUBLESHOOTING),
    (
        "Steps: open the time report, pick last month. Expected March totals, "
        "actual shows February numbers.",
        Intent.BUG_REPORT,
    ),
    (
        "Since the latest release the app crashes whenever I open the archive page",
        Intent.BUG_REPORT,
    ),
    ("最新版本一打开归档页面就闪退", Intent.BUG_REPORT),
    ("复现：选上个月的报表，预期显示三月的数据，实际显示的是二月的", Intent.BUG_REPORT),
    ("Everyone in the company gets 502 errors, the service looks down", Intent.OUTAGE),
    ("Is your platform down? No one here can load anything", Intent.OUTAGE),
    ("全公司都打不开，是不是服务挂了", Intent.OUTAGE),
    ("所有人访问都是503，什么时候恢复", Intent.OUTAGE),
    ("I can't sign in because my two-factor device was reset", Intent.ACCOUNT_ACCESS),
    ("Please help me reset my password, the email never shows up", Intent.ACCOUNT_ACCESS),
    ("两步验证的手机换了，登录不进去", Intent.ACCOUNT_ACCESS),
    ("密码忘了，怎么找回", Intent.ACCOUNT_ACCESS),
    ("How do I give my colleague edit rights on our project?", Intent.PERMISSIONS),
    ("Why does it say I lack permission to view this board?", Intent.PERMISSIONS),
    ("怎么给同事开项目的编辑权限", Intent.PERMISSIONS),
    ("提示我没有查看这个看板的权限", Intent.PERMISSIONS),
    ("Please send us the invoice for our annual renewal", Intent.BILLING),
    ("How much would 25 extra seats cost?", Intent.BILLING),
    ("年费续费的发票麻烦开一下", Intent.BILLING),
    ("再加25个席位要多少钱", Intent.BILLING),
    (
        "It would be great if tasks could be color-coded by priority automatically",
        Intent.FEATURE_REQUEST,
    ),
    ("Please add an integration with Notion", Intent.FEATURE_REQUEST),
    ("希望能支持和Notion集成", Intent.FEATURE_REQUEST),
    ("建议增加按优先级自动给任务上色的功能", Intent.FEATURE_REQUEST),
    ("Our whole backlog was deleted, is there any way to get it back?", Intent.DATA_LOSS_SECURITY),
    (
        "I see sessions in my account from a city I've never been to, was I hacked?",
        Intent.DATA_LOSS_SECURITY,
    ),
    ("整个需求池被删了，还能找回来吗", Intent.DATA_LOSS_SECURITY),
    ("我的账号有陌生城市的登录记录，是不是被盗了", Intent.DATA_LOSS_SECURITY),
    ("Please connect me to a human support agent", Intent.HUMAN_HANDOFF),
    ("I need to talk to a real person about this", Intent.HUMAN_HANDOFF),
    ("帮我转接人工客服", Intent.HUMAN_HANDOFF),
    ("我想跟真人沟通一下", Intent.HUMAN_HANDOFF),
    ("The new dashboard looks fantastic, well done", Intent.FEEDBACK),
    ("Your last answer didn't help at all", Intent.FEEDBACK),
    ("新的仪表盘太好看了，赞", Intent.FEEDBACK),
    ("刚才的回答一点用都没有", Intent.FEEDBACK),
    ("hello!", Intent.GREETING),
    ("thanks a bunch, goodbye", Intent.GREETING),
    ("你好啊，在吗", Intent.GREETING),
    ("好的谢谢，再见", Intent.GREETING),
    # Phrasings written independently by the author of the support graph.
    ("How can I move a task to another project?", Intent.HOW_TO),
    ("怎么把看板导出成 Excel？", Intent.HOW_TO),
    ("Notifications stopped arriving in my inbox, what should I check?", Intent.TROUBLESHOOTING),
    (
        "After the update, saving a time entry throws error 500. Expected it to save.",
        Intent.BUG_REPORT,
    ),
    ("整个系统打不开了，全公司都访问不了", Intent.OUTAGE),
    ("I lost my phone and can't get past two-factor login", Intent.ACCOUNT_ACCESS),
    ("为什么我看不到这个项目？是不是没有权限", Intent.PERMISSIONS),
    ("请帮我开一张增值税专用发票", Intent.BILLING),
    ("Please add support for recurring subtasks", Intent.FEATURE_REQUEST),
    ("有人删掉了我们所有的任务，能恢复吗", Intent.DATA_LOSS_SECURITY),
    ("I want to talk to a real person", Intent.HUMAN_HANDOFF),
    ("谢谢，你们的新版界面好用多了", Intent.FEEDBACK),
    ("hello there", Intent.GREETING),
]
"""Messages that are not in the training file, with the intent a support agent would assign."""

OUT_OF_SCOPE = [
    "How long should I boil an egg?",
    "Who painted the Mona Lisa?",
    "Write a limerick about a cat",
    "Who won the football match yesterday?",
    "今天深圳天气如何",
    "给我讲一个冷笑话",
    "红烧肉怎么做才好吃",
]


def _training_texts() -> set[str]:
    with DEFAULT_DATA_PATH.open(encoding="utf-8") as file:
        return {json.loads(line)["text"] for line in file if line.strip()}


def test_held_out_set_is_not_in_training_data() -> None:
    leaked = [text for text, _ in HELD_OUT if text in _training_texts()]
    leaked += [text for text in OUT_OF_SCOPE if text in _training_texts()]

    assert leaked == []


@pytest.mark.parametrize(("text", "intent"), HELD_OUT, ids=[text for text, _ in HELD_OUT])
def test_predict_held_out_phrasing(classifier: IntentClassifier, text: str, intent: Intent) -> None:
    prediction = classifier.predict(text)

    assert prediction.intent is intent, prediction
    assert 0.0 <= prediction.confidence <= 1.0


def test_held_out_set_covers_intents_bilingually() -> None:
    covered = {(intent, text.isascii()) for text, intent in HELD_OUT}
    in_domain = [intent for intent in Intent if intent is not Intent.OUT_OF_SCOPE]

    assert covered == {(intent, ascii_only) for intent in in_domain for ascii_only in (True, False)}


@pytest.mark.parametrize("text", OUT_OF_SCOPE)
def test_predict_unrelated_message_is_out_of_scope(classifier: IntentClassifier, text: str) -> None:
    prediction = classifier.predict(text)

    assert prediction.intent is Intent.OUT_OF_SCOPE, prediction


@pytest.mark.parametrize("text", ["", "   \n\t", "？？？", "...!!!", "——"])
def test_predict_blank_text_is_out_of_scope(classifier: IntentClassifier, text: str) -> None:
    prediction = classifier.predict(text)

    assert prediction.intent is Intent.OUT_OF_SCOPE
    assert prediction.confidence == 1.0
    assert prediction.source == "rule"


def test_predict_scores_emoji_with_model(classifier: IntentClassifier) -> None:
    prediction = classifier.predict("👍")

    assert len(prediction.scores) == TOP_SCORES


def test_predict_scores_are_sorted_top_probabilities(classifier: IntentClassifier) -> None:
    prediction = classifier.predict("How do I export the Gantt chart?")
    values = list(prediction.scores.values())

    assert len(prediction.scores) == TOP_SCORES
    assert values == sorted(values, reverse=True)
    assert sum(values) <= 1.0 + 1e-9
    assert prediction.scores[prediction.intent.value] == prediction.confidence


def test_predict_truncates_long_text(classifier: IntentClassifier) -> None:
    text = "Please add a Gantt baseline view. " + "x" * (MAX_INPUT_CHARS * 3)

    prediction = classifier.predict(text)

    assert prediction.intent is Intent.FEATURE_REQUEST


def test_predict_keeps_unsure_product_question(classifier: IntentClassifier) -> None:
    strict = IntentClassifier(classifier.model, min_confidence=0.999)

    prediction = strict.predict("the sprint board thing with the Gantt")

    assert prediction.intent is not Intent.OUT_OF_SCOPE
    assert prediction.confidence < 0.999
    assert prediction.source == "classifier"


def test_predict_unsure_general_text_is_out_of_scope(
    classifier: IntentClassifier,
) -> None:
    strict = IntentClassifier(classifier.model, min_confidence=0.999)
    best = classifier.predict("purple elephants dancing on the moon")

    prediction = strict.predict("purple elephants dancing on the moon")

    assert prediction.intent is Intent.OUT_OF_SCOPE
    if best.intent is not Intent.OUT_OF_SCOPE:
        assert prediction.source == "rule"
        assert prediction.confidence == pytest.approx(1.0 - best.confidence)


def test_predict_keeps_unsure_greeting(classifier: IntentClassifier) -> None:
    strict = IntentClassifier(classifier.model, min_confidence=0.999)

    prediction = strict.predict("thank you")

    assert prediction.intent is Intent.GREETING
