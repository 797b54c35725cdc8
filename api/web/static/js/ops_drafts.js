// Live panel of the ops dashboard: agents' decisions on drafted replies, overall and per intent
// and per team (the `drafts` object of GET /v1/ops/live).

import { getLocale, t } from "./i18n.js";

const NO_TEAM = "no_team";
const COLUMNS = [
  ["ops.drafts_decisions", "decisions"],
  ["ops.drafts_accepted", "accepted"],
  ["ops.drafts_edited", "edited"],
  ["ops.drafts_rejected", "rejected"],
  ["ops.drafts_acceptance", "acceptance_rate"],
  ["ops.drafts_edit_distance", "mean_edit_distance"],
];

function cell(tag, text, className) {
  const node = document.createElement(tag);
  node.textContent = text;
  if (className) {
    node.className = className;
  }
  return node;
}

function formatValue(field, value) {
  if (value === null || value === undefined) {
    return "—";
  }
  if (field === "acceptance_rate") {
    return `${(value * 100).toLocaleString(getLocale(), { maximumFractionDigits: 1 })}%`;
  }
  return value.toLocaleString(getLocale(), { maximumFractionDigits: 1 });
}

function statsTable(captionKey, headerKey, groups, label) {
  const table = document.createElement("table");
  table.className = "tickets drafts-table";
  table.dataset.group = captionKey;
  const caption = cell("caption", t(captionKey));

  const head = document.createElement("tr");
  head.append(cell("th", t(headerKey)));
  for (const [key] of COLUMNS) {
    head.append(cell("th", t(key)));
  }
  for (const header of head.children) {
    header.scope = "col";
  }

  const body = document.createElement("tbody");
  for (const [name, stats] of Object.entries(groups)) {
    const row = document.createElement("tr");
    row.dataset.name = name;
    const rowHeader = cell("th", label(name));
    rowHeader.scope = "row";
    row.append(rowHeader);
    for (const [, field] of COLUMNS) {
      row.append(cell("td", formatValue(field, stats[field]), field));
    }
    body.append(row);
  }

  const thead = document.createElement("thead");
  thead.append(head);
  table.append(caption, thead, body);
  const wrapper = document.createElement("div");
  wrapper.className = "table-scroll";
  wrapper.append(table);
  return wrapper;
}

/** Render the draft decisions into `container`; `intentLabel` names an intent. */
export function renderDraftAcceptance(container, drafts, intentLabel) {
  if (!drafts || drafts.decisions === 0) {
    container.replaceChildren(cell("p", t("ops.drafts_empty"), "muted drafts-empty"));
    return;
  }
  const totals = document.createElement("dl");
  totals.className = "fields drafts-totals";
  for (const [key, field] of COLUMNS) {
    const value = cell("dd", formatValue(field, drafts[field]));
    value.dataset.drafts = field;
    totals.append(cell("dt", t(key)), value);
  }
  const teamLabel = (name) => (name === NO_TEAM ? t("detail.no_team") : name);
  container.replaceChildren(
    totals,
    statsTable("ops.drafts_by_intent", "ops.drafts_intent", drafts.by_intent, intentLabel),
    statsTable("ops.drafts_by_team", "ops.drafts_team", drafts.by_team, teamLabel),
  );
}
