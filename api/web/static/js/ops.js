// Ops eval dashboard: eval runs with trends, a side-by-side comparison of two runs, one run's
// failing cases and live production numbers of the key's tenant.

import {
  apiErrorHandler,
  apiFetch,
  initPageKeyForm,
  showPageError,
} from "./api.js";
import {
  formatDateTime,
  getLocale,
  initLanguage,
  LANGUAGE_CHANGED,
  setText,
  t,
} from "./i18n.js";
import { element } from "./dom.js";
import { renderDraftAcceptance } from "./ops_drafts.js";
import { loadInsights, renderInsights, renderTurnMetrics } from "./ops_insights.js";

const KEY_STORAGE = "pmsa.key.ops";
const COMMIT_CHARS = 8;
const MAX_SELECTED = 2;
const TREND_METRICS = ["pass_rate", "intent_accuracy", "hit_at_5", "groundedness"];
const SPARK_WIDTH = 160;
const SPARK_HEIGHT = 36;
const SPARK_PADDING = 3;
const SVG_NS = "http://www.w3.org/2000/svg";

// Metrics that are not shares from 0 to 1, so they are shown as plain numbers.
const PLAIN_METRICS = new Set([
  "cases",
  "draft_cases",
  "latency_p50_seconds",
  "latency_p95_seconds",
  "tokens_per_conversation",
  "cost_usd_per_conversation",
  "injection_followed",
  "tenant_leaks",
]);
// Metrics where a smaller value is an improvement; every other metric improves upwards.
const LOWER_IS_BETTER = new Set([
  "latency_p50_seconds",
  "latency_p95_seconds",
  "tokens_per_conversation",
  "cost_usd_per_conversation",
  "injection_followed",
  "tenant_leaks",
]);
const NEUTRAL_METRICS = new Set(["cases", "draft_cases"]);

const elements = {
  error: document.getElementById("ops-error"),
  refresh: document.getElementById("refresh"),
  trends: document.getElementById("trends"),
  rows: document.getElementById("run-rows"),
  runsEmpty: document.getElementById("runs-empty"),
  compare: document.getElementById("compare"),
  compareTable: document.getElementById("compare-table"),
  cases: document.getElementById("cases"),
  casesHeading: document.getElementById("cases-heading"),
  casesEmpty: document.getElementById("cases-empty"),
  caseList: document.getElementById("case-list"),
  liveNumbers: document.getElementById("live-numbers"),
  liveIntents: document.getElementById("live-intents"),
  liveUnanswered: document.getElementById("live-unanswered"),
  liveUnansweredEmpty: document.getElementById("live-unanswered-empty"),
  liveDrafts: document.getElementById("live-drafts"),
};

const state = {
  key: "",
  runs: [],
  selected: [],
  details: new Map(),
  drillRunId: null,
  live: null,
  keyForm: null,
  timeZone: undefined,
};

function translateOr(key, fallback) {
  const text = t(key);
  return text === key ? fallback : text;
}

function metricLabel(name) {
  return translateOr(`metric.${name}`, name);
}

function intentLabel(name) {
  return translateOr(`intent.${name}`, name);
}

function formatMetric(name, value) {
  if (value === null || value === undefined) {
    return "—";
  }
  if (PLAIN_METRICS.has(name)) {
    return Number.isInteger(value)
      ? value.toLocaleString(getLocale())
      : value.toLocaleString(getLocale(), { maximumFractionDigits: 4 });
  }
  return `${(value * 100).toLocaleString(getLocale(), { maximumFractionDigits: 1 })}%`;
}

function formatDelta(name, delta) {
  let sign = "±";
  if (delta > 0) {
    sign = "+";
  } else if (delta < 0) {
    sign = "−";
  }
  const size = Math.abs(delta);
  if (PLAIN_METRICS.has(name)) {
    return `${sign}${size.toLocaleString(getLocale(), { maximumFractionDigits: 4 })}`;
  }
  const points = (size * 100).toLocaleString(getLocale(), { maximumFractionDigits: 1 });
  return `${sign}${t("ops.points", { value: points })}`;
}

function deltaClass(name, delta) {
  if (delta === 0 || NEUTRAL_METRICS.has(name)) {
    return "delta-same";
  }
  const improved = LOWER_IS_BETTER.has(name) ? delta < 0 : delta > 0;
  return improved ? "delta-better" : "delta-worse";
}

// Times show in the support team's time zone with its UTC offset, as in the agent console.
function formatDate(iso) {
  return formatDateTime(iso, state.timeZone);
}

function showError(message) {
  showPageError(elements.error, message);
}

const handleApiError = apiErrorHandler(elements.error, () => state.keyForm);

// ---- trends ----

function sparkline(values) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`);
  svg.setAttribute("width", String(SPARK_WIDTH));
  svg.setAttribute("height", String(SPARK_HEIGHT));
  svg.setAttribute("aria-hidden", "true");
  svg.classList.add("sparkline");
  const points = values
    .map((value, index) => ({ value, index }))
    .filter(({ value }) => typeof value === "number");
  if (!points.length) {
    return svg;
  }
  // Shares run from 0 to 1, so the vertical scale is fixed and two charts read alike.
  const step = values.length > 1 ? (SPARK_WIDTH - 2 * SPARK_PADDING) / (values.length - 1) : 0;
  const toXY = ({ value, index }) => [
    SPARK_PADDING + index * step,
    SPARK_HEIGHT - SPARK_PADDING - value * (SPARK_HEIGHT - 2 * SPARK_PADDING),
  ];
  const line = document.createElementNS(SVG_NS, "polyline");
  line.setAttribute("points", points.map((p) => toXY(p).map((n) => n.toFixed(1)).join(",")).join(" "));
  svg.append(line);
  const [lastX, lastY] = toXY(points[points.length - 1]);
  const dot = document.createElementNS(SVG_NS, "circle");
  dot.setAttribute("cx", lastX.toFixed(1));
  dot.setAttribute("cy", lastY.toFixed(1));
  dot.setAttribute("r", "2.5");
  svg.append(dot);
  return svg;
}

function renderTrends() {
  elements.trends.replaceChildren();
  if (!state.runs.length) {
    return;
  }
  for (const metric of TREND_METRICS) {
    const values = state.runs.map((run) => run.headline[metric]);
    const figure = element("figure", { className: "trend", attributes: { "data-metric": metric } });
    const latest = values[values.length - 1];
    const caption = element("figcaption");
    caption.append(
      element("span", { className: "trend-label", text: metricLabel(metric) }),
      element("span", { className: "trend-value", text: formatMetric(metric, latest) }),
    );
    figure.append(caption, sparkline(values));
    figure.title = t("ops.trend_title", { metric: metricLabel(metric), n: values.length });
    elements.trends.append(figure);
  }
}

// ---- run list ----

function runRow(run) {
  const row = element("tr", { attributes: { "data-run-id": run.id } });
  row.classList.toggle("selected", state.selected.includes(run.id));

  const checkbox = element("input", {
    className: "run-select",
    attributes: { type: "checkbox", "aria-label": t("ops.select_run", { id: run.id }) },
  });
  checkbox.checked = state.selected.includes(run.id);
  checkbox.addEventListener("change", () => toggleSelected(run.id, checkbox.checked));
  const selectCell = element("td");
  selectCell.append(checkbox);

  const runCell = element("td", { className: "col-run", text: run.id === "baseline" ? t("ops.baseline") : run.id });
  const commit = run.git_commit ? run.git_commit.slice(0, COMMIT_CHARS) : "—";
  const commitCell = element("td", { text: commit, attributes: { title: run.git_commit ?? "" } });
  row.append(
    selectCell,
    runCell,
    element("td", { className: "col-time", text: formatDate(run.created_at) }),
    commitCell,
    element("td", { text: run.engine ?? "—" }),
    element("td", { text: formatMetric("cases", run.cases) }),
  );
  for (const metric of TREND_METRICS) {
    row.append(
      element("td", {
        className: `metric metric-${metric}`,
        text: formatMetric(metric, run.headline[metric]),
      }),
    );
  }
  const drill = element("button", {
    className: "link drill",
    text: t("ops.show_failures"),
    attributes: { type: "button" },
  });
  drill.addEventListener("click", () => showFailingCases(run.id));
  const drillCell = element("td");
  drillCell.append(drill);
  row.append(drillCell);
  return row;
}

function renderRuns() {
  elements.rows.replaceChildren(...state.runs.map(runRow));
  elements.runsEmpty.hidden = state.runs.length > 0;
  renderTrends();
}

function toggleSelected(runId, checked) {
  state.selected = state.selected.filter((id) => id !== runId);
  if (checked) {
    state.selected.push(runId);
  }
  // A third choice replaces the oldest one, so exactly two runs stay compared.
  state.selected = state.selected.slice(-MAX_SELECTED);
  renderRuns();
  renderComparison();
}

// ---- comparison ----

async function loadDetail(runId) {
  if (!state.details.has(runId)) {
    const response = await apiFetch(`/v1/ops/eval-runs/${encodeURIComponent(runId)}`, {
      key: state.key,
    });
    state.details.set(runId, await response.json());
  }
  return state.details.get(runId);
}

function orderedSelection() {
  const position = new Map(state.runs.map((run, index) => [run.id, index]));
  return [...state.selected].sort((a, b) => position.get(a) - position.get(b));
}

function comparisonHead(first, second) {
  const head = element("thead");
  const row = element("tr");
  row.append(
    element("th", { text: t("ops.metric"), attributes: { scope: "col" } }),
    element("th", { className: "run-a", text: first.id, attributes: { scope: "col" } }),
    element("th", { className: "run-b", text: second.id, attributes: { scope: "col" } }),
    element("th", { text: t("ops.delta"), attributes: { scope: "col" } }),
  );
  head.append(row);
  return head;
}

function comparisonRow(name, first, second) {
  const a = first.metrics[name];
  const b = second.metrics[name];
  const row = element("tr", { attributes: { "data-metric": name } });
  const delta = element("td", { className: "delta" });
  if (typeof a === "number" && typeof b === "number") {
    delta.textContent = formatDelta(name, b - a);
    delta.classList.add(deltaClass(name, b - a));
  } else {
    delta.textContent = "—";
  }
  row.append(
    element("th", { text: metricLabel(name), attributes: { scope: "row" } }),
    element("td", { className: "value-a", text: formatMetric(name, a) }),
    element("td", { className: "value-b", text: formatMetric(name, b) }),
    delta,
  );
  return row;
}

async function renderComparison() {
  const ids = orderedSelection();
  if (ids.length < MAX_SELECTED) {
    elements.compare.hidden = true;
    elements.compareTable.replaceChildren();
    return;
  }
  try {
    const [first, second] = await Promise.all(ids.map(loadDetail));
    if (orderedSelection().join() !== ids.join()) {
      return;
    }
    const names = [...new Set([...Object.keys(first.metrics), ...Object.keys(second.metrics)])];
    const body = element("tbody");
    body.append(...names.map((name) => comparisonRow(name, first, second)));
    elements.compareTable.replaceChildren(comparisonHead(first, second), body);
    elements.compare.hidden = false;
    elements.compare.dataset.runs = ids.join(",");
    showError("");
  } catch (error) {
    handleApiError(error);
  }
}

// ---- failing cases ----

function docList(docs, cited) {
  const list = element("ol", { className: "doc-list" });
  for (const doc of docs) {
    const item = element("li", { text: doc });
    if (cited.includes(doc)) {
      item.append(" ", element("span", { className: "badge", text: t("ops.cited") }));
    }
    list.append(item);
  }
  return list;
}

function caseItem(failing) {
  const item = element("li", { className: "case", attributes: { "data-case-id": failing.id } });
  item.append(element("h3", { text: failing.id }));
  const facts = element("dl", { className: "fields" });
  const intent = `${failing.intent_expected ?? "—"} → ${failing.intent_predicted ?? "—"}`;
  const action = `${failing.action_expected ?? "—"} → ${failing.action_predicted ?? "—"}`;
  facts.append(
    element("dt", { text: t("ops.case_intent") }),
    element("dd", { text: intent }),
    element("dt", { text: t("ops.case_action") }),
    element("dd", { text: action }),
  );
  const failures = element("ul", { className: "failures" });
  failures.append(...failing.failures.map((text) => element("li", { text })));
  item.append(
    facts,
    element("h4", { text: t("ops.case_failures") }),
    failures,
    element("h4", { text: t("ops.case_answer") }),
    element("p", { className: "case-answer", text: failing.answer || "—" }),
    element("h4", { text: t("ops.case_docs") }),
    failing.retrieved_docs.length
      ? docList(failing.retrieved_docs, failing.cited_docs)
      : element("p", { className: "muted", text: "—" }),
  );
  return item;
}

function renderFailingCases() {
  const run = state.details.get(state.drillRunId);
  if (!run) {
    elements.cases.hidden = true;
    return;
  }
  setText(elements.casesHeading, "ops.cases_heading", { id: run.id, n: run.failing_cases.length });
  elements.caseList.replaceChildren(...run.failing_cases.map(caseItem));
  elements.casesEmpty.hidden = run.failing_cases.length > 0;
  elements.cases.dataset.runId = run.id;
  elements.cases.hidden = false;
}

async function showFailingCases(runId) {
  try {
    await loadDetail(runId);
    state.drillRunId = runId;
    renderFailingCases();
    elements.cases.focus();
  } catch (error) {
    handleApiError(error);
  }
}

// ---- live ----

function renderLive() {
  const live = state.live;
  if (!live) {
    return;
  }
  const numbers = [
    ["ops.live_conversations", formatMetric("cases", live.conversations)],
    ["ops.live_tickets", formatMetric("cases", live.tickets)],
    ["ops.live_containment", formatMetric("containment", live.containment_estimate)],
    ["ops.live_ratings", formatMetric("cases", live.ratings)],
    ["ops.live_thumbs_up", formatMetric("thumbs_up_rate", live.thumbs_up_rate)],
  ];
  elements.liveNumbers.replaceChildren(
    ...numbers.flatMap(([key, value]) => [
      element("dt", { text: t(key) }),
      element("dd", { text: value, attributes: { "data-live": key.replace("ops.live_", "") } }),
    ]),
  );
  const intents = Object.entries(live.tickets_by_intent).sort((a, b) => b[1] - a[1]);
  elements.liveIntents.replaceChildren(
    ...intents.map(([name, count]) => element("li", { text: `${intentLabel(name)}: ${count}` })),
  );
  elements.liveUnanswered.replaceChildren(
    ...live.unanswered.map((question) =>
      element("li", {
        text: `${question.ticket_id} · ${question.subject} · ${intentLabel(question.intent)} · ${formatDate(question.created_at)}`,
      }),
    ),
  );
  elements.liveUnansweredEmpty.hidden = live.unanswered.length > 0;
  renderDraftAcceptance(elements.liveDrafts, live.drafts, intentLabel);
  renderTurnMetrics(live.turn_metrics, intentLabel, state.timeZone);
}

// ---- loading ----

async function loadAll() {
  if (!state.key) {
    return;
  }
  state.details.clear();
  const insights = loadInsights(state.key, handleApiError);
  try {
    const [runs, live] = await Promise.all([
      apiFetch("/v1/ops/eval-runs", { key: state.key }).then((response) => response.json()),
      apiFetch("/v1/ops/live", { key: state.key }).then((response) => response.json()),
    ]);
    state.runs = runs.runs;
    state.timeZone = runs.timezone;
    state.live = live;
    const known = new Set(state.runs.map((run) => run.id));
    state.selected = state.selected.filter((id) => known.has(id));
    showError("");
    renderRuns();
    renderLive();
    await renderComparison();
  } catch (error) {
    state.runs = [];
    renderRuns();
    handleApiError(error);
  }
  await insights;
}

function rerender() {
  renderRuns();
  renderComparison();
  renderFailingCases();
  renderLive();
  renderInsights();
}

async function main() {
  await initLanguage(document.getElementById("language"));
  document.addEventListener(LANGUAGE_CHANGED, rerender);
  elements.refresh.addEventListener("click", loadAll);
  state.keyForm = initPageKeyForm(KEY_STORAGE, (key) => {
    state.key = key;
    state.selected = [];
    state.drillRunId = null;
    loadAll();
  });
  document.body.dataset.ready = "true";
}

main();
