// Ops dashboard sections from the turn log: the turn metrics of the Live panel (the
// `turn_metrics` object of GET /v1/ops/live), the voice of the customer (GET /v1/ops/voc) and
// the KB gaps (GET /v1/ops/kb-gaps) of one ISO week and one of the tenant's KBs
// (GET /v1/ops/kbs). Each report loads on its own, so one that fails leaves the other shown.

import { ApiError, apiFetch, describeError } from "./api.js";
import { element } from "./dom.js";
import { formatDateTime, getLocale, moduleName, t } from "./i18n.js";

const SCORE_KEYS = ["intent", "module", "team", "week"];
const VOC_TERMS_SHOWN = 15;
const NEGATIVE_SHOWN = 8;

const elements = {
  turns: document.getElementById("live-turns"),
  week: document.getElementById("insights-week"),
  kb: document.getElementById("insights-kb"),
  voc: document.getElementById("voc-body"),
  gaps: document.getElementById("gaps-body"),
};

const state = {
  key: "",
  metrics: null,
  voc: null,
  vocError: null,
  gaps: null,
  gapsError: null,
  kbs: null,
  loads: 0,
  scoreKey: "intent",
  intentLabel: (name) => name,
  timeZone: undefined,
  onError: () => {},
};

function share(value) {
  if (value === null || value === undefined) {
    return "—";
  }
  return `${(value * 100).toLocaleString(getLocale(), { maximumFractionDigits: 1 })}%`;
}

function number(value, digits = 2) {
  if (value === null || value === undefined) {
    return "—";
  }
  return value.toLocaleString(getLocale(), { maximumFractionDigits: digits });
}

function table(className, headers, rows) {
  const node = element("table", { className: `tickets ${className}` });
  const head = element("tr");
  for (const key of headers) {
    head.append(element("th", { text: t(key), attributes: { scope: "col" } }));
  }
  const body = element("tbody");
  body.append(...rows);
  node.append(element("thead"), body);
  node.tHead.append(head);
  return node;
}

function row(name, label, values) {
  const node = element("tr", { attributes: { "data-name": name } });
  node.append(element("th", { text: label, attributes: { scope: "row" } }));
  for (const [className, text] of values) {
    node.append(element("td", { className, text }));
  }
  return node;
}

function facts(pairs) {
  const list = element("dl", { className: "fields" });
  for (const [key, value, field] of pairs) {
    list.append(
      element("dt", { text: t(key) }),
      element("dd", { text: value, attributes: { "data-turns": field } }),
    );
  }
  return list;
}

// ---- turn metrics (Live panel) ----

function escalationTable(metrics) {
  const rows = Object.entries(metrics.escalation_by_intent)
    .sort((a, b) => b[1].turns - a[1].turns)
    .map(([intent, item]) =>
      row(intent, state.intentLabel(intent), [
        ["turns", number(item.turns)],
        ["escalated", number(item.escalated)],
        ["rate", share(item.rate)],
      ]),
    );
  return table(
    "escalation-table",
    ["insights.col_intent", "insights.col_turns", "insights.col_escalated", "insights.col_rate"],
    rows,
  );
}

function scoreLabel(name) {
  if (state.scoreKey === "intent") {
    return state.intentLabel(name);
  }
  if (state.scoreKey === "team" && name === "assistant") {
    return t("insights.team_assistant");
  }
  if (state.scoreKey === "module") {
    return moduleName(name);
  }
  return name;
}

function scoresTable(metrics) {
  const groups = metrics.feedback[`by_${state.scoreKey}`];
  const rows = Object.entries(groups).map(([name, stats]) =>
    row(name, scoreLabel(name), [
      ["ratings", number(stats.ratings)],
      ["thumbs_up_rate", share(stats.thumbs_up_rate)],
      ["csat_average", number(stats.csat_average)],
      ["nps", number(stats.nps, 1)],
    ]),
  );
  return table(
    "scores-table",
    [
      `insights.col_${state.scoreKey}`,
      "insights.col_ratings",
      "insights.col_thumbs_up",
      "insights.col_csat",
      "insights.col_nps",
    ],
    rows,
  );
}

function scoreKeySelect() {
  const label = element("label", { className: "inline-field" });
  const select = element("select", { attributes: { id: "scores-by" } });
  for (const key of SCORE_KEYS) {
    const option = element("option", { text: t(`insights.by_${key}`), attributes: { value: key } });
    option.selected = key === state.scoreKey;
    select.append(option);
  }
  select.addEventListener("change", () => {
    state.scoreKey = select.value;
    renderTurnMetrics();
  });
  label.append(element("span", { text: t("insights.scores_by") }), " ", select);
  return label;
}

/** Render the turn metrics of GET /v1/ops/live into the Live panel, times in `timeZone`. */
export function renderTurnMetrics(
  metrics = state.metrics,
  intentLabel = state.intentLabel,
  timeZone = state.timeZone,
) {
  state.metrics = metrics;
  state.intentLabel = intentLabel;
  state.timeZone = timeZone;
  if (!metrics) {
    return;
  }
  const unanswered = element("ul", { className: "plain-list", attributes: { id: "turn-unanswered" } });
  unanswered.append(
    ...metrics.unanswered.map((turn) =>
      element("li", {
        text: `${turn.question} · ${intentLabel(turn.intent)} · ${number(turn.retrieval_confidence)} · ${formatDateTime(turn.created_at, state.timeZone)}`,
      }),
    ),
  );
  elements.turns.replaceChildren(
    element("p", { className: "muted", text: t("insights.turns_help", { weeks: metrics.weeks }) }),
    facts([
      ["insights.containment", share(metrics.containment), "containment"],
      ["insights.conversations", number(metrics.conversations), "conversations"],
      ["insights.turns", number(metrics.turns), "turns"],
      ["insights.unanswered_count", number(metrics.unanswered_count), "unanswered_count"],
    ]),
    element("h4", { text: t("insights.escalation") }),
    escalationTable(metrics),
    element("h4", { text: t("insights.unanswered") }),
    metrics.unanswered.length ? unanswered : element("p", { className: "muted", text: "—" }),
    element("h4", { text: t("insights.scores") }),
    scoreKeySelect(),
    scoresTable(metrics),
  );
}

// ---- voice of the customer ----

function trendText(term) {
  const change = term.change > 0 ? `+${term.change}` : String(term.change);
  return `${t(`insights.trend_${term.trend}`)} (${change})`;
}

function panelMessage(className, text) {
  return element("p", { className, text });
}

function renderVoc() {
  const voc = state.voc;
  if (state.vocError) {
    elements.voc.replaceChildren(panelMessage("alert panel-error", describeError(state.vocError)));
    return;
  }
  if (!voc) {
    return;
  }
  const terms = voc.terms.slice(0, VOC_TERMS_SHOWN).map((term) => {
    const node = row(term.key, term.term, [
      ["count", number(term.count)],
      ["previous", number(term.previous_count)],
      [`term-trend term-trend-${term.trend}`, trendText(term)],
      ["negative", number(term.negative_count)],
      ["modules", term.modules.map((module) => moduleName(module.module)).join(t("event.separator"))],
    ]);
    node.dataset.term = term.term;
    return node;
  });
  const negative = element("ul", { className: "plain-list negative-list" });
  negative.append(
    ...voc.negative.slice(0, NEGATIVE_SHOWN).map((item) =>
      element("li", {
        text: `${item.text} · ${moduleName(item.module)} · ${item.reasons.map((reason) => t(`insights.reason_${reason}`)).join(", ")}`,
      }),
    ),
  );
  elements.voc.dataset.week = voc.week;
  elements.voc.replaceChildren(
    element("p", {
      className: "muted",
      text: t("insights.voc_summary", {
        week: voc.week,
        texts: voc.totals.texts,
        negative: share(voc.totals.negative_share),
        previous: voc.previous_totals.texts,
      }),
    }),
    voc.terms.length
      ? table(
          "voc-terms",
          [
            "insights.col_term",
            "insights.col_texts",
            "insights.col_previous",
            "insights.col_trend",
            "insights.col_negative",
            "insights.col_modules",
          ],
          terms,
        )
      : element("p", { className: "muted", text: t("insights.empty") }),
    element("h3", { text: t("insights.negative") }),
    voc.negative.length ? negative : element("p", { className: "muted", text: "—" }),
  );
}

// ---- KB gaps ----

function renderGaps() {
  const gaps = state.gaps;
  if (state.kbs && !state.kbs.length) {
    elements.gaps.replaceChildren(panelMessage("muted empty-state", t("insights.no_kb")));
    return;
  }
  if (state.gapsError) {
    elements.gaps.replaceChildren(panelMessage("alert panel-error", describeError(state.gapsError)));
    return;
  }
  if (!gaps) {
    return;
  }
  const clusters = gaps.clusters.map((cluster) => {
    const node = row(String(cluster.rank), cluster.label, [
      ["score", number(cluster.score)],
      ["questions", number(cluster.questions)],
      ["low_confidence", number(cluster.signals.low_confidence)],
      ["thumbs_down", number(cluster.signals.thumbs_down)],
      ["ticket_after_answer", number(cluster.signals.ticket_after_answer)],
      ["examples", cluster.examples.map((example) => example.question).join(" / ")],
    ]);
    node.classList.add("gap-cluster");
    return node;
  });
  const stale = gaps.stale_docs;
  const staleList = element("ul", { className: "plain-list", attributes: { id: "stale-docs" } });
  staleList.append(
    ...stale.stale.map((doc) =>
      element("li", {
        text: t("insights.stale_item", {
          doc: doc.doc,
          describes: doc.described_version,
          changed: doc.changed_in,
        }),
        attributes: { "data-doc": doc.doc, title: doc.change },
      }),
    ),
  );
  elements.gaps.dataset.week = gaps.week;
  elements.gaps.replaceChildren(
    element("p", { className: "muted", text: t("insights.gaps_help") }),
    gaps.clusters.length
      ? table(
          "gap-clusters",
          [
            "insights.col_topic",
            "insights.col_score",
            "insights.col_questions",
            "insights.col_low_confidence",
            "insights.col_thumbs_down",
            "insights.col_ticket_after_answer",
            "insights.col_examples",
          ],
          clusters,
        )
      : element("p", { className: "muted", text: t("insights.empty") }),
    element("h3", { text: t("insights.stale") }),
    element("p", {
      className: "muted",
      text: stale.current_version
        ? t("insights.stale_help", {
            version: stale.current_version,
            stale: stale.stale.length,
            checked: stale.checked_docs,
          })
        : t("insights.stale_no_version"),
    }),
    staleList,
  );
}

// ---- loading ----

async function fetchJson(path) {
  const response = await apiFetch(path, { key: state.key });
  return response.json();
}

function isKeyError(error) {
  return error instanceof ApiError && [401, 403].includes(error.status);
}

function fillWeek(report) {
  if (report && !elements.week.value) {
    elements.week.value = report.week;
  }
}

/** Fill the KB picker with the tenant's KBs and keep the choice, else select the default KB. */
async function loadKbs() {
  state.kbs = null;
  const list = await fetchJson("/v1/ops/kbs");
  state.kbs = list.kbs;
  const chosen = elements.kb.value;
  elements.kb.replaceChildren(
    ...list.kbs.map((name) => element("option", { text: name, attributes: { value: name } })),
  );
  if (list.kbs.includes(chosen)) {
    elements.kb.value = chosen;
  } else if (list.kbs.includes(list.default)) {
    elements.kb.value = list.default;
  }
  elements.kb.disabled = !list.kbs.length;
}

/**
 * Run one report's request and keep its result, or its error, as state[name] and
 * state[`${name}Error`] when no later load started. A rejected key also goes to the page.
 */
async function loadReport(name, request, load) {
  try {
    const report = await request();
    if (load === state.loads) {
      [state[name], state[`${name}Error`]] = [report, null];
      fillWeek(report);
    }
  } catch (error) {
    if (load === state.loads) {
      [state[name], state[`${name}Error`]] = [null, error];
    }
    if (isKeyError(error)) {
      state.onError(error);
    }
  }
}

async function loadVoc(query, load) {
  await loadReport("voc", () => fetchJson(`/v1/ops/voc${query}`), load);
  renderVoc();
}

async function requestGaps(query) {
  await loadKbs();
  if (!state.kbs.length) {
    return null;
  }
  const kb = `kb=${encodeURIComponent(elements.kb.value)}`;
  return fetchJson(`/v1/ops/kb-gaps${query ? `${query}&${kb}` : `?${kb}`}`);
}

async function loadGaps(query, load) {
  await loadReport("gaps", () => requestGaps(query), load);
  renderGaps();
}

/**
 * Load the week's voice of the customer and the KB gaps of the chosen KB with the page's key.
 * The two reports load independently, and an error other than a rejected key shows in its own
 * panel. Only the responses of the latest load are kept.
 */
export async function loadInsights(key, onError) {
  state.key = key;
  state.onError = onError;
  if (!key) {
    return;
  }
  state.loads += 1;
  const week = elements.week.value;
  const query = week ? `?week=${encodeURIComponent(week)}` : "";
  await Promise.all([loadVoc(query, state.loads), loadGaps(query, state.loads)]);
}

/** Render the voice of the customer and the KB gaps again, e.g. after a language change. */
export function renderInsights() {
  renderVoc();
  renderGaps();
}

elements.week.addEventListener("change", () => loadInsights(state.key, state.onError));
elements.kb.addEventListener("change", () => loadInsights(state.key, state.onError));
