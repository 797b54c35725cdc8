// One ticket's detail: fields, reproduction details, conversation transcript and event log.

import { renderAnswerText } from "./answer.js";
import { moduleName, setText, t, tOr } from "./i18n.js";
import { renderCountdown } from "./sla.js";

/** Create an element with an optional class name and text. */
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function definitionList(entries) {
  const list = element("dl", "fields");
  for (const [labelKey, value] of entries) {
    if (value === null || value === undefined || value === "") {
      continue;
    }
    list.append(element("dt", "", t(labelKey)));
    const definition = element("dd");
    definition.append(value);
    list.append(definition);
  }
  return list;
}

function renderFields(ticket, { formatDate, statusBadge }) {
  const owner = `${ticket.team ?? t("detail.no_team")} / ${ticket.assignee ?? t("detail.unassigned")}`;
  return definitionList([
    ["col.status", statusBadge(ticket.status)],
    ["col.tier", ticket.tier],
    ["col.priority", t(`priority.${ticket.priority}`)],
    ["col.owner", owner],
    ["col.sla", renderCountdown(ticket)],
    ["detail.requester", ticket.requester],
    ["detail.intent", ticket.intent ? t(`intent.${ticket.intent}`) : null],
    ["detail.reason", openingReason(ticket)],
    ["detail.module", moduleName(ticket.module)],
    ["detail.channel", ticket.channel],
    ["detail.language", ticket.language],
    ["detail.created", formatDate(ticket.created_at)],
    ["detail.updated", formatDate(ticket.updated_at)],
    ...reproductionEntries(ticket.details),
  ]);
}

/**
 * Name the assistant's reason for opening the ticket in the page's language. A code this page
 * has no message for shows the server's label, which is in the language of the request.
 */
function openingReason(ticket) {
  if (!ticket.reason_code) {
    return null;
  }
  return tOr(`ticket_reason.${ticket.reason_code}`, ticket.reason ?? ticket.reason_code);
}

function reproductionEntries(details) {
  if (!details) {
    return [];
  }
  let steps = null;
  if (details.steps?.length) {
    steps = element("ol", "steps");
    for (const step of details.steps) {
      steps.append(element("li", "", step));
    }
  }
  return [
    ["detail.product_version", details.product_version],
    ["detail.steps", steps],
    ["detail.expected", details.expected],
    ["detail.actual", details.actual],
  ];
}

function section(headingKey, content) {
  const wrapper = element("section", "detail-section");
  const heading = element("h4");
  setText(heading, headingKey);
  wrapper.append(heading, content);
  return wrapper;
}

/**
 * Render one transcript message. Assistant messages get the chat page's Markdown rendering
 * (tables, **bold**, `code`), which builds DOM nodes only. Other messages stay plain text, so
 * text typed by a user never becomes markup.
 */
function transcriptText(message, replyId) {
  if (message.role !== "assistant") {
    return element("p", "transcript-text", message.content);
  }
  const text = element("div", "transcript-text transcript-answer");
  renderAnswerText(text, String(message.content ?? ""), replyId);
  return text;
}

function renderTranscript(ticketId, transcript) {
  if (!transcript?.length) {
    return element("p", "muted", t("detail.no_transcript"));
  }
  const list = element("ol", "transcript");
  transcript.forEach((message, index) => {
    const item = element("li", `transcript-message message-${message.role}`);
    const roleKey = `role.${message.role}`;
    const speaker = t(roleKey);
    item.append(
      element("span", "speaker", speaker === roleKey ? message.role : speaker),
      transcriptText(message, `transcript-${ticketId}-${index}`),
    );
    list.append(item);
  });
  return list;
}

// Translators of event data values that are API codes, by the data key that contains them.
// Other values (team and agent ids, comments, and reasons typed by an agent) are shown as sent.
const EVENT_VALUE_KEYS = {
  priority: (value) => tOr(`priority.${value}`, value),
  from: (value) => tOr(`status.${value}`, value),
  to: (value) => tOr(`status.${value}`, value),
  decision: (value) => tOr(`event_value.decision.${value}`, value),
  module: (value) => moduleName(value),
  assignee: (value) => value ?? t("detail.unassigned"),
  team: (value) => value ?? t("detail.no_team"),
};

// Data keys of a server-written reason's code and parameters. They are not listed as fields,
// because the translated `reason` shows them.
const REASON_CODE_KEYS = new Set(["reason_code", "reason_params"]);

// Translators of reason parameters that are API codes, booleans or lists, by parameter name.
// Other parameters (ids, tiers, counts and the roster file) are shown as sent.
const REASON_PARAM_KEYS = {
  module: (value) => moduleName(value),
  intent: (value) => tOr(`intent.${value}`, value),
  language: (value) => tOr(`draft.language.${value}`, value),
  on_shift: (value) => t(value ? "event_reason.on_shift" : "event_reason.off_shift"),
  loads: (loads) =>
    loads.map((load) => t("event_reason.load", load)).join(t("event_reason.list_separator")),
  missing_skills: (skills) =>
    Object.entries(skills)
      .map(([skill, value]) =>
        t(`event_reason.missing.${skill}`, { value: describeReasonParam(skill, value) }),
      )
      .join(t("event_reason.list_separator")),
};

function describeReasonParam(name, value) {
  return name in REASON_PARAM_KEYS ? REASON_PARAM_KEYS[name](value) : value;
}

/**
 * Describe a routing or escalation reason in the page's language. The stored English text is
 * shown for reasons without a code (typed by an agent, or logged before codes existed) and for
 * codes this page has no message for.
 */
function describeReason(data) {
  const code = data.reason_code;
  if (!code) {
    return String(data.reason ?? "");
  }
  const params = Object.fromEntries(
    Object.entries(data.reason_params ?? {}).map(([name, value]) => [
      name,
      describeReasonParam(name, value),
    ]),
  );
  return tOr(`event_reason.${code}`, data.reason ?? code, params);
}

function describeEventValue(key, value, formatDate) {
  if (key === "due_at" && typeof value === "string") {
    return formatDate(value);
  }
  if (key in EVENT_VALUE_KEYS) {
    return EVENT_VALUE_KEYS[key](value);
  }
  return value !== null && typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** Describe an event's data as "label: value" pairs in the page's language. */
export function describeEventData(data, formatDate = (iso) => iso) {
  return Object.entries(data ?? {})
    .filter(([key]) => !REASON_CODE_KEYS.has(key))
    .map(([key, value]) => {
      const label = tOr(`event_field.${key}`, key);
      const text =
        key === "reason" ? describeReason(data) : describeEventValue(key, value, formatDate);
      return t("event.field", { label, value: text });
    })
    .join(t("event.separator"));
}

function renderEvents(events, formatDate) {
  const list = element("ol", "events");
  for (const event of events ?? []) {
    const item = element("li", `event event-${event.kind}`);
    const time = element("time", "event-time", formatDate(event.at));
    time.dateTime = event.at;
    const kindKey = `event.${event.kind}`;
    const kind = t(kindKey);
    item.append(
      time,
      element("span", "event-kind", kind === kindKey ? event.kind : kind),
      element("span", "event-actor", event.actor),
      element("span", "event-data", describeEventData(event.data, formatDate)),
    );
    list.append(item);
  }
  return list;
}

/** Build the detail panel content for a ticket returned by GET /v1/tickets/{id}. */
export function renderTicketDetail(ticket, formatters) {
  const container = element("div", "ticket-detail");
  container.dataset.ticketId = ticket.id;
  const heading = element("h3", "detail-id");
  setText(heading, "detail.heading", { id: ticket.id });
  container.append(heading, element("p", "detail-subject", ticket.subject ?? ""));
  container.append(renderFields(ticket, formatters));
  container.append(
    section("detail.description", element("p", "description", ticket.description ?? "")),
    section("detail.transcript", renderTranscript(ticket.id, ticket.transcript)),
    section("detail.events", renderEvents(ticket.events, formatters.formatDate)),
  );
  return container;
}
