// Incidents panel of the agent console: the open incidents with their linked ticket counts.

import { apiFetch, describeError, showPageError } from "./api.js";
import { formatDateTime, getLanguage, LANGUAGE_CHANGED, moduleName, setText, t } from "./i18n.js";

const REFRESH_INTERVAL_MS = 30_000;

function incidentItem(incident, timeZone) {
  const item = document.createElement("li");
  item.className = `incident incident-${incident.status}`;
  item.dataset.incidentId = incident.id;

  const head = document.createElement("div");
  head.className = "incident-head";
  const id = document.createElement("span");
  id.className = "incident-id";
  id.textContent = incident.id;
  const title = document.createElement("span");
  title.className = "incident-title";
  title.textContent = incident.title;
  const status = document.createElement("span");
  status.className = `badge incident-status status-${incident.status}`;
  status.textContent = t(`incident.status.${incident.status}`);
  head.append(id, title, status);

  const facts = document.createElement("p");
  facts.className = "incident-facts muted";
  const count = document.createElement("span");
  count.className = "incident-count";
  const countKey = incident.ticket_count === 1 ? "incidents.tickets_one" : "incidents.tickets";
  count.textContent = t(countKey, { count: incident.ticket_count });
  const opened = document.createElement("time");
  opened.dateTime = incident.created_at;
  opened.textContent = formatDateTime(incident.created_at, timeZone);
  facts.append(
    `${t("incidents.module", { module: moduleName(incident.module) })} · `,
    count,
    ` · ${t("incidents.opened")} `,
    opened,
  );

  const message = document.createElement("p");
  message.className = "incident-message";
  message.textContent = getLanguage() === "zh" ? incident.message_zh : incident.message_en;

  item.append(head, facts, message);
  return item;
}

/**
 * Wire the incidents panel. `getKey()` returns the page's API key and `getTimeZone()` the IANA
 * time zone that times are shown in, or undefined for the browser's. Call `load()` once a key is
 * known, and `render()` when the time zone changes. The panel refreshes itself with the Refresh
 * button, on a timer and on a language change.
 */
export function initIncidentsPanel(getKey, getTimeZone = () => undefined) {
  const list = document.getElementById("incident-list");
  const empty = document.getElementById("incidents-empty");
  const count = document.getElementById("incidents-count");
  const error = document.getElementById("incidents-error");
  let incidents = [];

  function render() {
    list.replaceChildren(...incidents.map((incident) => incidentItem(incident, getTimeZone())));
    empty.hidden = incidents.length > 0;
    setText(count, incidents.length === 1 ? "incidents.count_one" : "incidents.count", {
      count: incidents.length,
    });
  }

  async function load() {
    const key = getKey();
    if (!key) {
      return;
    }
    list.setAttribute("aria-busy", "true");
    try {
      const response = await apiFetch("/v1/incidents?open=true", { key });
      incidents = (await response.json()).incidents ?? [];
      showPageError(error, "");
      render();
    } catch (failure) {
      // The ticket queue shows the key form on 401 and 403, so this panel only shows the error.
      showPageError(error, describeError(failure));
    } finally {
      list.setAttribute("aria-busy", "false");
    }
  }

  document.getElementById("refresh").addEventListener("click", load);
  document.addEventListener(LANGUAGE_CHANGED, render);
  setInterval(load, REFRESH_INTERVAL_MS);
  return { load, render };
}
