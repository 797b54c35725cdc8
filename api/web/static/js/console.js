// Agent console: the ticket queue with live SLA countdowns, filters and one ticket's detail.

import {
  apiErrorHandler,
  apiFetch,
  ApiError,
  initPageKeyForm,
  showPageError,
} from "./api.js";
import {
  formatDateTime,
  initLanguage,
  LANGUAGE_CHANGED,
  setText,
  t,
} from "./i18n.js";
import { renderCountdown, updateCountdown } from "./sla.js";
import { initDraftPanel } from "./draft_panel.js";
import { renderTicketDetail } from "./ticket_detail.js";
import { initIncidentsPanel } from "./incidents.js";

const KEY_STORAGE = "pmsa.key.console";
const COUNTDOWN_INTERVAL_MS = 1000;
const REFRESH_INTERVAL_MS = 30_000;

const elements = {
  rows: document.getElementById("ticket-rows"),
  count: document.getElementById("queue-count"),
  empty: document.getElementById("queue-empty"),
  error: document.getElementById("queue-error"),
  status: document.getElementById("filter-status"),
  tier: document.getElementById("filter-tier"),
  refresh: document.getElementById("refresh"),
  detail: document.getElementById("detail"),
  detailBody: document.getElementById("detail-body"),
  detailEmpty: document.getElementById("detail-empty"),
  detailClose: document.getElementById("detail-close"),
};

const state = {
  key: "",
  tickets: [],
  selected: null,
  keyForm: null,
  drafts: null,
  incidents: null,
  // The support team's time zone from GET /v1/tickets, which SLA due times are computed in.
  timeZone: undefined,
};

function formatDate(iso) {
  return formatDateTime(iso, state.timeZone);
}

function showError(message) {
  showPageError(elements.error, message);
}

const handleApiError = apiErrorHandler(elements.error, () => state.keyForm);

function ticketList(payload) {
  return Array.isArray(payload) ? payload : payload?.tickets ?? payload?.items ?? [];
}

/** Keep only tickets matching the filters, in case the API ignored a query parameter. */
function applyFilters(tickets) {
  const status = elements.status.value;
  const tier = elements.tier.value;
  return tickets.filter(
    (ticket) => (!status || ticket.status === status) && (!tier || ticket.tier === tier),
  );
}

async function loadTickets() {
  if (!state.key) {
    return;
  }
  const query = new URLSearchParams();
  for (const name of ["status", "tier"]) {
    if (elements[name].value) {
      query.set(name, elements[name].value);
    }
  }
  elements.rows.closest("table").setAttribute("aria-busy", "true");
  try {
    const response = await apiFetch(`/v1/tickets?${query}`, { key: state.key });
    const payload = await response.json();
    state.tickets = applyFilters(ticketList(payload));
    showError("");
    if (payload?.timezone && payload.timezone !== state.timeZone) {
      state.timeZone = payload.timezone;
      state.incidents?.render();
      renderDetail();
    }
    renderRows();
  } catch (error) {
    handleApiError(error);
  } finally {
    elements.rows.closest("table").setAttribute("aria-busy", "false");
  }
}

function cell(content, className) {
  const td = document.createElement("td");
  if (className) {
    td.className = className;
  }
  td.append(content);
  return td;
}

function renderRow(ticket) {
  const row = document.createElement("tr");
  row.dataset.ticketId = ticket.id;
  const open = document.createElement("button");
  open.type = "button";
  open.className = "link ticket-open";
  open.textContent = ticket.id;
  open.addEventListener("click", () => openTicket(ticket.id));
  if (ticket.id === state.selected?.id) {
    row.classList.add("selected");
    open.setAttribute("aria-current", "true");
  }
  row.append(
    cell(open, "col-id"),
    cell(subjectCell(ticket), "col-subject"),
    cell(statusBadge(ticket.status)),
    cell(ticket.tier ?? "", "col-tier"),
    cell(t(`priority.${ticket.priority}`), `priority-${ticket.priority}`),
    cell(ownerCell(ticket), "col-owner"),
    cell(renderCountdown(ticket), "col-sla"),
  );
  row.addEventListener("click", (event) => {
    if (event.target === row || event.target.tagName === "TD") {
      openTicket(ticket.id);
    }
  });
  return row;
}

function twoLines(first, second, secondClass) {
  const wrapper = document.createElement("span");
  wrapper.className = "two-lines";
  const line = document.createElement("span");
  line.className = secondClass;
  line.textContent = second;
  wrapper.append(first, line);
  return wrapper;
}

// The server keeps a prefix of the message's first line as the subject, which may end
// mid-word. The description contains the whole line, so it becomes the tooltip and an ellipsis
// marks the cut.
function fullSubject(ticket) {
  const subject = ticket.subject ?? "";
  const lines = (ticket.description ?? "").split("\n").map((line) => line.trim());
  return lines.find((line) => line.length > subject.length && line.startsWith(subject)) ?? subject;
}

function subjectCell(ticket) {
  const created = document.createElement("time");
  created.dateTime = ticket.created_at ?? "";
  created.textContent = formatDate(ticket.created_at);
  const subject = ticket.subject ?? "";
  const full = fullSubject(ticket);
  const text = document.createElement("span");
  text.className = "subject-text";
  text.textContent = full === subject ? subject : `${subject}…`;
  text.title = full;
  const wrapper = twoLines(text, "", "created");
  wrapper.lastChild.append(created);
  return wrapper;
}

function ownerCell(ticket) {
  return twoLines(
    ticket.team ?? t("detail.no_team"),
    ticket.assignee ?? t("detail.unassigned"),
    "assignee",
  );
}

function statusBadge(status) {
  const badge = document.createElement("span");
  badge.className = `badge status-${status}`;
  badge.textContent = t(`status.${status}`);
  return badge;
}

function renderRows() {
  elements.rows.replaceChildren(...state.tickets.map(renderRow));
  elements.empty.hidden = state.tickets.length > 0;
  const count = state.tickets.length;
  setText(elements.count, count === 1 ? "console.count_one" : "console.count", { count });
}

async function openTicket(ticketId, { afterSend = false } = {}) {
  try {
    const response = await apiFetch(`/v1/tickets/${encodeURIComponent(ticketId)}`, {
      key: state.key,
    });
    state.selected = await response.json();
    showError("");
    renderRows();
    renderDetail();
    state.drafts.show(state.selected, { afterSend });
    elements.detail.focus({ preventScroll: true });
    if (elements.detail.getBoundingClientRect().top > window.innerHeight) {
      elements.detail.scrollIntoView({ block: "start" });
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      showError(t("error.not_found", { id: ticketId }));
      return;
    }
    handleApiError(error);
  }
}

function renderDetail() {
  const ticket = state.selected;
  elements.detailEmpty.hidden = Boolean(ticket);
  elements.detailBody.hidden = !ticket;
  elements.detailClose.hidden = !ticket;
  elements.detailBody.replaceChildren(
    ...(ticket ? [renderTicketDetail(ticket, { formatDate, statusBadge })] : []),
  );
}

function closeDetail() {
  const id = state.selected?.id;
  state.selected = null;
  renderRows();
  renderDetail();
  state.drafts.clear();
  elements.rows.querySelector(`tr[data-ticket-id="${CSS.escape(id ?? "")}"] button`)?.focus();
}

function tickCountdowns() {
  const now = Date.now();
  for (const wrapper of document.querySelectorAll(".sla")) {
    updateCountdown(wrapper, now);
  }
}

function wireControls() {
  elements.status.addEventListener("change", loadTickets);
  elements.tier.addEventListener("change", loadTickets);
  elements.refresh.addEventListener("click", loadTickets);
  elements.detailClose.addEventListener("click", closeDetail);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && state.selected) {
      closeDetail();
    }
  });
  document.addEventListener(LANGUAGE_CHANGED, () => {
    renderRows();
    renderDetail();
  });
  setInterval(tickCountdowns, COUNTDOWN_INTERVAL_MS);
  setInterval(loadTickets, REFRESH_INTERVAL_MS);
}

async function main() {
  await initLanguage(document.getElementById("language"));
  wireControls();
  state.drafts = initDraftPanel(document.getElementById("draft-panel"), {
    getKey: () => state.key,
    // A sent reply changes the ticket: show its new transcript and the next draft.
    onSent: (ticketId) => Promise.all([openTicket(ticketId, { afterSend: true }), loadTickets()]),
    onError: handleApiError,
  });
  state.incidents = initIncidentsPanel(() => state.key, () => state.timeZone);
  state.keyForm = initPageKeyForm(KEY_STORAGE, (key) => {
    state.key = key;
    loadTickets();
    state.incidents.load();
  });
  document.body.dataset.ready = "true";
}

main();
