"""The ops eval dashboard against the real app: run list, comparison, drill-down and roles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from assistant.keys import KeyRole, KeyStore
from assistant.tenants import tenant_kb_name
from insights.weeks import week_of
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import BASELINE_REPORT, BOARDS_EN, write_eval_report, write_kb
from tests.web.conftest import (
    TENANT,
    AppServer,
    BrowserFactory,
    ingest_samples,
    open_page,
    save_screenshot,
    wait,
)

OLDER_RUN = "eval-20261101T090000Z"
NEWER_RUN = "eval-20261102T090000Z"
OLDER_METRICS = {"pass_rate": 0.55, "intent_accuracy": 0.70}
NEWER_METRICS = {"pass_rate": 0.65, "intent_accuracy": 0.68}


@pytest.fixture(scope="module")
def ops_key(app_server: AppServer) -> Iterator[str]:
    """An ops key of the test tenant, with two eval reports in the app's reports folder."""
    reports_dir = app_server.settings.resolved_eval_reports_dir
    write_eval_report(reports_dir, OLDER_RUN.removeprefix("eval-"), OLDER_METRICS)
    write_eval_report(reports_dir, NEWER_RUN.removeprefix("eval-"), NEWER_METRICS)
    store = KeyStore(app_server.settings.resolved_database_url)
    try:
        _, secret = store.create(TENANT, KeyRole.OPS, "web-test-ops")
    finally:
        store.close()
    yield secret


def open_dashboard(driver: WebDriver, app_server: AppServer, key: str) -> None:
    open_page(driver, f"{app_server.base_url}/ops/evals#key={key}")


def select_run(driver: WebDriver, run_id: str) -> None:
    row = wait(driver).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'tr[data-run-id="{run_id}"]')
    )
    row.find_element(By.CSS_SELECTOR, "input.run-select").click()


def compared_value(driver: WebDriver, metric: str, column: str) -> str:
    row = driver.find_element(By.CSS_SELECTOR, f'#compare-table tr[data-metric="{metric}"]')
    return row.find_element(By.CSS_SELECTOR, f".{column}").text


def test_ops_page_compares_two_runs(
    open_browser: BrowserFactory, app_server: AppServer, ops_key: str
) -> None:
    driver = open_browser()
    open_dashboard(driver, app_server, ops_key)

    select_run(driver, NEWER_RUN)
    select_run(driver, OLDER_RUN)
    compare = wait(driver).until(
        lambda d: (
            d.find_element(By.ID, "compare")
            if d.find_element(By.ID, "compare").is_displayed()
            else None
        )
    )

    save_screenshot(driver, "ops-compare")
    assert compare.get_attribute("data-runs") == f"{OLDER_RUN},{NEWER_RUN}"
    assert compare.find_element(By.CSS_SELECTOR, "th.run-a").text == OLDER_RUN
    assert compare.find_element(By.CSS_SELECTOR, "th.run-b").text == NEWER_RUN
    assert compared_value(driver, "pass_rate", "value-a") == "55%"
    assert compared_value(driver, "pass_rate", "value-b") == "65%"
    assert compared_value(driver, "pass_rate", "delta") == "+10 pts"
    assert compared_value(driver, "intent_accuracy", "value-a") == "70%"
    assert compared_value(driver, "intent_accuracy", "value-b") == "68%"
    pass_delta = compare.find_element(By.CSS_SELECTOR, 'tr[data-metric="pass_rate"] .delta')
    intent_delta = compare.find_element(By.CSS_SELECTOR, 'tr[data-metric="intent_accuracy"] .delta')
    assert "delta-better" in pass_delta.get_attribute("class")
    assert "delta-worse" in intent_delta.get_attribute("class")


def test_ops_page_draws_trends_and_live_panel(
    open_browser: BrowserFactory, app_server: AppServer, ops_key: str
) -> None:
    driver = open_browser()
    open_dashboard(driver, app_server, ops_key)

    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, f'tr[data-run-id="{NEWER_RUN}"]'))

    trends = driver.find_elements(By.CSS_SELECTOR, "#trends figure.trend")
    assert [trend.get_attribute("data-metric") for trend in trends] == [
        "pass_rate",
        "intent_accuracy",
        "hit_at_5",
        "groundedness",
    ]
    assert all(trend.find_elements(By.CSS_SELECTOR, "svg polyline") for trend in trends)
    conversations = driver.find_element(By.CSS_SELECTOR, '[data-live="conversations"]').text
    assert conversations.isdigit()


def test_ops_page_shows_failing_cases_of_run(
    open_browser: BrowserFactory, app_server: AppServer, ops_key: str
) -> None:
    driver = open_browser()
    open_dashboard(driver, app_server, ops_key)
    row = wait(driver).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'tr[data-run-id="{NEWER_RUN}"]')
    )

    row.find_element(By.CSS_SELECTOR, "button.drill").click()
    cases = wait(driver).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'#cases[data-run-id="{NEWER_RUN}"]')
    )

    items = cases.find_elements(By.CSS_SELECTOR, "li.case")
    assert items
    first = items[0]
    assert first.find_elements(By.CSS_SELECTOR, ".failures li")
    assert first.find_element(By.CSS_SELECTOR, ".case-answer").text
    assert NEWER_RUN in cases.find_element(By.ID, "cases-heading").text


def test_ops_page_in_chinese(
    open_browser: BrowserFactory, app_server: AppServer, ops_key: str
) -> None:
    driver = open_browser("zh-CN")
    open_dashboard(driver, app_server, ops_key)

    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, f'tr[data-run-id="{NEWER_RUN}"]'))

    assert driver.find_element(By.ID, "runs-heading").text == "评测运行"
    assert driver.find_element(By.ID, "live-heading").text == "实时数据"
    Select(driver.find_element(By.ID, "language")).select_by_value("en")
    wait(driver).until(lambda d: d.find_element(By.ID, "runs-heading").text == "Eval runs")


def test_ops_page_rejects_widget_key(open_browser: BrowserFactory, app_server: AppServer) -> None:
    driver = open_browser()
    open_dashboard(driver, app_server, app_server.widget_key)

    error = wait(driver).until(
        lambda d: (
            d.find_element(By.ID, "ops-error")
            if d.find_element(By.ID, "ops-error").is_displayed()
            else None
        )
    )

    assert "not allowed" in error.text
    assert driver.find_element(By.ID, "key-form").is_displayed()
    assert not driver.find_elements(By.CSS_SELECTOR, "#run-rows tr")


UNIQUE_TERM = "zorblax"


INSIGHTS_TENANT = "web-insights"
"""Tenant of the turn log tests: the other tests' chats must not crowd its top terms."""


@pytest.fixture(scope="module")
def insights_keys(app_server: AppServer) -> tuple[str, str]:
    """A widget key and an ops key of a tenant with its own copy of the sample KB."""
    ingest_samples(app_server.settings.data_dir, INSIGHTS_TENANT)
    store = KeyStore(app_server.settings.resolved_database_url)
    try:
        _, widget = store.create(INSIGHTS_TENANT, KeyRole.WIDGET, "web-insights-widget")
        _, ops = store.create(INSIGHTS_TENANT, KeyRole.OPS, "web-insights-ops")
    finally:
        store.close()
    return widget, ops


@pytest.fixture(scope="module")
def insights_ops_key(insights_keys: tuple[str, str]) -> str:
    return insights_keys[1]


@pytest.fixture(scope="module")
def recorded_week(app_server: AppServer, insights_keys: tuple[str, str]) -> str:
    """Chat through the API so the turn log has turns, one rated down, and return their week."""
    headers = {"Authorization": f"Bearer {insights_keys[0]}"}
    messages = [
        f"The Gantt {UNIQUE_TERM} export crashes every time",
        "How do I save a baseline in the Gantt chart?",
    ]
    with httpx.Client(base_url=app_server.base_url, headers=headers, timeout=60.0) as client:
        replies = [
            client.post("/v1/chat", params={"stream": "false"}, json={"message": message}).json()
            for message in messages
        ]
        rated = client.post(
            "/v1/feedback",
            json={"conversation_id": replies[1]["conversation_id"], "rating": "down"},
        )
    assert rated.status_code == 201, rated.text
    timezone = ZoneInfo(app_server.settings.timezone)
    return str(week_of(datetime.now(timezone), timezone))


def choose_week(driver: WebDriver, week: str) -> None:
    field = driver.find_element(By.ID, "insights-week")
    driver.execute_script(
        "arguments[0].value = arguments[1];arguments[0].dispatchEvent(new Event('change'));",
        field,
        week,
    )
    wait(driver).until(
        lambda d: d.find_element(By.ID, "voc-body").get_attribute("data-week") == week
    )


def test_ops_page_shows_turn_log_numbers(
    open_browser: BrowserFactory, app_server: AppServer, insights_ops_key: str, recorded_week: str
) -> None:
    driver = open_browser()
    open_dashboard(driver, app_server, insights_ops_key)

    containment = wait(driver).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '#live-turns [data-turns="containment"]')
    )[0]

    turns = driver.find_element(By.CSS_SELECTOR, '#live-turns [data-turns="turns"]').text
    assert containment.text.endswith("%")
    assert int(turns) >= 2
    assert driver.find_elements(By.CSS_SELECTOR, "#live-turns .escalation-table tbody tr")
    Select(driver.find_element(By.ID, "scores-by")).select_by_value("module")
    gantt = driver.find_element(By.CSS_SELECTOR, '#live-turns .scores-table tr[data-name="gantt"]')
    assert gantt.find_element(By.CSS_SELECTOR, ".ratings").text != "0"


def test_ops_page_shows_voc_and_gaps(
    open_browser: BrowserFactory, app_server: AppServer, insights_ops_key: str, recorded_week: str
) -> None:
    driver = open_browser()
    open_dashboard(driver, app_server, insights_ops_key)
    wait(driver).until(lambda d: d.find_element(By.ID, "voc-body").get_attribute("data-week"))

    choose_week(driver, recorded_week)

    term = driver.find_element(By.CSS_SELECTOR, f'#voc-body tr[data-term="{UNIQUE_TERM}"]')
    save_screenshot(driver, "ops-insights")
    assert term.find_element(By.CSS_SELECTOR, ".count").text == "1"
    assert "new" in term.find_element(By.CSS_SELECTOR, ".term-trend").text
    assert driver.find_elements(By.CSS_SELECTOR, "#gaps-body tr.gap-cluster")
    assert driver.find_elements(By.CSS_SELECTOR, "#stale-docs li")


def test_ops_page_insights_in_chinese(
    open_browser: BrowserFactory, app_server: AppServer, insights_ops_key: str, recorded_week: str
) -> None:
    driver = open_browser("zh-CN")
    open_dashboard(driver, app_server, insights_ops_key)
    wait(driver).until(lambda d: d.find_element(By.ID, "voc-body").get_attribute("data-week"))

    choose_week(driver, recorded_week)

    assert driver.find_element(By.ID, "voc-heading").text == "客户之声"
    assert driver.find_element(By.ID, "gaps-heading").text == "知识库缺口"
    term = driver.find_element(By.CSS_SELECTOR, f'#voc-body tr[data-term="{UNIQUE_TERM}"]')
    assert "新出现" in term.find_element(By.CSS_SELECTOR, ".term-trend").text
    Select(driver.find_element(By.ID, "language")).select_by_value("en")
    wait(driver).until(
        lambda d: d.find_element(By.ID, "voc-heading").text == "Voice of the customer"
    )
    term = driver.find_element(By.CSS_SELECTOR, f'#voc-body tr[data-term="{UNIQUE_TERM}"]')
    assert "new" in term.find_element(By.CSS_SELECTOR, ".term-trend").text


NO_DEFAULT_TENANT = "web-nodefault"
"""Tenant whose only KB is not named `default`."""
NO_KB_TENANT = "web-nokb"
"""Tenant with no KB at all."""


def create_ops_key(app_server: AppServer, tenant: str) -> str:
    store = KeyStore(app_server.settings.resolved_database_url)
    try:
        return store.create(tenant, KeyRole.OPS, f"{tenant}-ops")[1]
    finally:
        store.close()


@pytest.fixture(scope="module")
def no_default_ops_key(app_server: AppServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An ops key of a tenant whose only KB is `manual`."""
    folder = write_kb(tmp_path_factory.mktemp("manual"), {"en/boards.md": BOARDS_EN})
    knowledge_base = KnowledgeBase(app_server.settings, tenant_kb_name(NO_DEFAULT_TENANT, "manual"))
    try:
        ingest_folder(knowledge_base, folder)
    finally:
        knowledge_base.close()
    return create_ops_key(app_server, NO_DEFAULT_TENANT)


def wait_for_panels(driver: WebDriver) -> None:
    wait(driver).until(lambda d: d.find_element(By.ID, "voc-body").get_attribute("data-week"))
    wait(driver).until(lambda d: d.find_element(By.ID, "gaps-body").find_elements(By.XPATH, "*"))


def test_ops_page_reports_kb_not_named_default(
    open_browser: BrowserFactory, app_server: AppServer, no_default_ops_key: str
) -> None:
    driver = open_browser()
    open_dashboard(driver, app_server, no_default_ops_key)

    wait_for_panels(driver)

    week = driver.find_element(By.ID, "insights-week").get_attribute("value")
    assert week == driver.find_element(By.ID, "voc-body").get_attribute("data-week")
    assert Select(driver.find_element(By.ID, "insights-kb")).first_selected_option.text == "manual"
    assert driver.find_element(By.ID, "gaps-body").get_attribute("data-week") == week
    assert not driver.find_element(By.ID, "ops-error").is_displayed()
    assert not driver.find_elements(By.CSS_SELECTOR, "#insights .panel-error")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en-US", "has no knowledge base"), ("zh-CN", "还没有包含文档的知识库")],
    ids=["en", "zh"],
)
def test_ops_page_shows_empty_state_without_kb(
    open_browser: BrowserFactory, app_server: AppServer, language: str, expected: str
) -> None:
    driver = open_browser(language)
    open_dashboard(driver, app_server, create_ops_key(app_server, NO_KB_TENANT))

    wait_for_panels(driver)

    save_screenshot(driver, f"ops-no-kb-{language}")
    assert expected in driver.find_element(By.CSS_SELECTOR, "#gaps-body .empty-state").text
    assert driver.find_element(By.ID, "insights-week").get_attribute("value")
    assert driver.find_element(By.ID, "insights-kb").get_attribute("disabled") == "true"
    assert not driver.find_element(By.ID, "ops-error").is_displayed()


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en-US", "Nov 2, 2026, 17:00 GMT+8"), ("zh-CN", "2026年11月2日 GMT+8 17:00")],
    ids=["en", "zh"],
)
def test_ops_page_shows_run_times_in_support_timezone(
    open_browser: BrowserFactory, app_server: AppServer, ops_key: str, language: str, expected: str
) -> None:
    driver = open_browser(language)
    open_dashboard(driver, app_server, ops_key)

    row = wait(driver).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'tr[data-run-id="{NEWER_RUN}"]')
    )

    assert row.find_element(By.CSS_SELECTOR, ".col-time").text == expected
    baseline = driver.find_element(By.CSS_SELECTOR, 'tr[data-run-id="baseline"] .col-time')
    recorded = json.loads(BASELINE_REPORT.read_text(encoding="utf-8")).get("created_at")
    assert "GMT+8" in baseline.text if recorded else baseline.text == "—"
