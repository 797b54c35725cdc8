// SLA countdowns: which due time a ticket is measured against and how the time left reads.

import { getLanguage, t } from "./i18n.js";

const FINISHED_STATUSES = new Set(["resolved", "closed"]);
const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const WARNING_MS = HOUR_MS;

/** Due time field and label of each tier's target: L1 first reply, L2 diagnosis, L3 fix plan. */
const TARGETS = {
  L1: ["first_reply_due_at", "sla.first_reply"],
  L2: ["diagnosis_due_at", "sla.diagnosis"],
  L3: ["fix_plan_due_at", "sla.fix_plan"],
};

/**
 * Return {due, labelKey} for the ticket's current tier, with due null when no target is set.
 * The API's `sla_due_at` is the current tier's due time; the per-tier field is the fallback.
 */
export function slaTarget(ticket) {
  const [field, labelKey] = TARGETS[ticket.tier] ?? TARGETS.L1;
  const iso = ticket.sla_due_at ?? ticket[field] ?? null;
  return { due: iso ? new Date(iso) : null, labelKey };
}

/** Format a duration as its two largest units, e.g. "2d 3h" or "4m 10s". */
export function formatDuration(milliseconds) {
  let rest = Math.floor(Math.abs(milliseconds) / SECOND_MS) * SECOND_MS;
  const parts = [];
  for (const [unit, size] of [["d", DAY_MS], ["h", HOUR_MS], ["m", MINUTE_MS], ["s", SECOND_MS]]) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || (unit === "s" && parts.length === 0)) {
      parts.push(t(`unit.${unit}`, { n: count }));
    }
    if (parts.length === 2) {
      break;
    }
  }
  return parts.join(getLanguage() === "zh" ? "" : " ");
}

/** Build the SLA cell content for a ticket. updateCountdown keeps it current. */
export function renderCountdown(ticket) {
  const wrapper = document.createElement("span");
  wrapper.className = "sla";
  const { due, labelKey } = slaTarget(ticket);
  const label = document.createElement("span");
  label.className = "sla-label";
  label.textContent = t(labelKey);
  const time = document.createElement("time");
  time.className = "sla-time";
  if (due) {
    time.dateTime = due.toISOString();
  }
  wrapper.dataset.status = ticket.status;
  wrapper.dataset.breached = String(Boolean(ticket.sla_breached));
  wrapper.dataset.metAt = ticket.sla_met_at ?? "";
  wrapper.append(label, " ", time);
  updateCountdown(wrapper, Date.now());
  return wrapper;
}

/**
 * Refresh one countdown: time left, time overdue in the breached style, or "Met" once the API's
 * `sla_met_at` is set, by the first reply that counts for the tier or by the resolution.
 */
export function updateCountdown(wrapper, now) {
  const time = wrapper.querySelector(".sla-time");
  wrapper.classList.remove("sla-ok", "sla-warning", "sla-breached", "sla-stopped");
  if (!time.dateTime) {
    time.textContent = t("sla.none");
    wrapper.classList.add("sla-stopped");
    return;
  }
  if (FINISHED_STATUSES.has(wrapper.dataset.status)) {
    time.textContent = t("sla.stopped");
    wrapper.classList.add("sla-stopped");
    return;
  }

  if (wrapper.dataset.metAt) {
    const late = new Date(wrapper.dataset.metAt).getTime() - new Date(time.dateTime).getTime();
    if (late > 0) {
      time.textContent = t("sla.met_late", { time: formatDuration(Math.max(late, SECOND_MS)) });
      wrapper.classList.add("sla-breached");
    } else {
      time.textContent = t("sla.met");
      wrapper.classList.add("sla-ok");
    }
    return;
  }

  const left = new Date(time.dateTime).getTime() - now;
  if (left < 0 || wrapper.dataset.breached === "true") {
    // At least one second, so a fresh breach never reads "Overdue by 0s".
    time.textContent = t("sla.overdue", { time: formatDuration(Math.min(left, -SECOND_MS)) });
    wrapper.classList.add("sla-breached");
  } else {
    time.textContent = t("sla.left", { time: formatDuration(left) });
    wrapper.classList.add(left < WARNING_MS ? "sla-warning" : "sla-ok");
  }
}
