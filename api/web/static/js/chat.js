// Chat widget: posts a message to /v1/chat and renders the server-sent events as they arrive.

import { apiFetch, ApiError, describeError, initPageKeyForm } from "./api.js";
import { readServerSentEvents } from "./sse.js";
import { formatDateTime, getLocale, initLanguage, setText, t } from "./i18n.js";
import { renderAnswerText, renderCitations, renderRelated } from "./answer.js";
import { pageUser, startOnboarding } from "./onboarding.js";
import { endConversation, initSurveys, trackConversation } from "./survey.js";

const KEY_STORAGE = "pmsa.key.chat";

const elements = {
  log: document.getElementById("chat-log"),
  empty: document.getElementById("chat-empty"),
  form: document.getElementById("chat-form"),
  input: document.getElementById("chat-input"),
  send: document.getElementById("send"),
  human: document.getElementById("human"),
  newConversation: document.getElementById("new-conversation"),
};

const state = {
  key: "",
  // Kept in memory only: a reload starts a new conversation, matching the emptied log.
  conversationId: "",
  busy: false,
  keyForm: null,
};

function parseData(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Text of a delta event: a bare string or the first of the usual field names. */
function deltaText(data) {
  if (typeof data === "string") {
    return data;
  }
  return data?.text ?? data?.delta ?? data?.content ?? "";
}

function appendMessage(role) {
  elements.empty.hidden = true;
  const article = document.createElement("article");
  article.className = `message message-${role}`;
  const speaker = document.createElement("h2");
  speaker.className = "speaker";
  setText(speaker, role === "user" ? "chat.you" : "chat.assistant");
  const body = document.createElement("div");
  body.className = "message-body";
  article.append(speaker, body);
  elements.log.append(article);
  return { article, body };
}

function scrollToEnd() {
  elements.log.scrollTop = elements.log.scrollHeight;
}

function setBusy(busy) {
  state.busy = busy;
  elements.send.disabled = busy;
  elements.human.disabled = busy;
  elements.form.setAttribute("aria-busy", String(busy));
}

function showIntent(reply, intent) {
  if (!intent?.name) {
    return;
  }
  const badge = document.createElement("p");
  badge.className = "intent-badge";
  reply.article.insertBefore(badge, reply.body);
  setText(badge, "chat.intent", {
    name: t(`intent.${intent.name}`),
    confidence: Math.round((intent.confidence ?? 0) * 100),
  });
}

function showTicket(reply, action) {
  const ticket = action?.ticket;
  if (!ticket?.id) {
    return;
  }
  const note = document.createElement("p");
  note.className = "ticket-note";
  note.dataset.ticketId = ticket.id;
  // In the support team's time zone, as the reply text states the due time.
  const due = formatDateTime(ticket.sla_due_at, ticket.timezone);
  setText(note, "chat.ticket", { id: ticket.id, tier: ticket.tier, team: ticket.team ?? "—", due });
  // Next to a ticket, the related articles are for reading while it waits, so they follow its note.
  const related = reply.article.querySelector(".related:not([hidden])");
  if (related) {
    reply.article.insertBefore(note, related);
    setText(related.querySelector("h3"), "chat.related_ticket");
  } else {
    reply.article.append(note);
  }
}

function showError(reply, message) {
  const alert = document.createElement("p");
  alert.className = "alert";
  alert.setAttribute("role", "alert");
  alert.textContent = message;
  reply.article.append(alert);
}

async function sendFeedback(payload) {
  try {
    await apiFetch("/v1/feedback", { key: state.key, method: "POST", body: payload });
  } catch (error) {
    console.warn("feedback was not sent", error);
  }
}

const SVG_NS = "http://www.w3.org/2000/svg";
const THUMB_PATH =
  "M2 10h4v11H2zM8 21h9.5a2 2 0 0 0 1.9-1.4l2.3-7A2 2 0 0 0 19.8 10H14l1-5a2 2 0 0 0-3.6-1.4L8 9z";

/** Thumb icon drawn inline, so it renders without an emoji font. "down" is "up" flipped. */
function thumbIcon(rating) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.classList.add("icon");
  if (rating === "down") {
    svg.setAttribute("transform", "scale(1 -1)");
  }
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", THUMB_PATH);
  svg.append(path);
  return svg;
}

function addRating(reply, done) {
  const conversationId = done?.conversation_id ?? state.conversationId;
  const group = document.createElement("div");
  group.className = "rating";
  group.setAttribute("role", "group");
  const label = document.createElement("span");
  label.id = `rate-${crypto.randomUUID()}`;
  setText(label, "chat.rate_label");
  group.setAttribute("aria-labelledby", label.id);
  const status = document.createElement("span");
  status.className = "rating-status";
  status.setAttribute("role", "status");

  const buttons = ["up", "down"].map((rating) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `rate rate-${rating}`;
    button.setAttribute("aria-pressed", "false");
    const text = document.createElement("span");
    setText(text, `chat.rate_${rating}`);
    button.append(thumbIcon(rating), text);
    button.addEventListener("click", () => {
      for (const other of buttons) {
        other.setAttribute("aria-pressed", String(other === button));
      }
      setText(status, `chat.rated_${rating}`);
      const feedback = { conversation_id: conversationId, message_id: reply.article.id, rating };
      if (reply.intent?.name) {
        feedback.intent = reply.intent.name;
      }
      sendFeedback(feedback);
    });
    return button;
  });
  group.append(label, ...buttons, status);
  reply.article.append(group);
}

async function handleEvent(reply, answer, { event, data }) {
  const payload = parseData(data);
  switch (event) {
    case "intent":
      reply.intent = payload;
      showIntent(reply, payload);
      break;
    case "citations":
      reply.citations = Array.isArray(payload) ? payload : payload?.citations ?? [];
      reply.article.append(renderCitations(reply.citations, reply.article.id));
      reply.article.append(renderRelated(Array.isArray(payload?.related) ? payload.related : []));
      break;
    case "delta":
      answer.text += deltaText(payload);
      renderAnswerText(reply.body, answer.text, reply.article.id, reply.citations ?? []);
      break;
    case "action":
      showTicket(reply, payload);
      break;
    case "done":
      reply.done = payload && typeof payload === "object" ? payload : {};
      break;
    case "error":
      showError(reply, t("error.stream", { message: payload?.message ?? payload?.detail ?? payload }));
      break;
    default:
      break;
  }
}

/** Turn a non-streamed ChatResponse into the events a stream would have carried. */
function eventsOfResponse(reply) {
  return [
    { event: "intent", data: JSON.stringify(reply.intent) },
    {
      event: "citations",
      data: JSON.stringify({ citations: reply.citations ?? [], related: reply.related ?? [] }),
    },
    { event: "delta", data: JSON.stringify({ text: reply.answer ?? "" }) },
    { event: "action", data: JSON.stringify(reply.action) },
    { event: "done", data: JSON.stringify({ conversation_id: reply.conversation_id }) },
  ];
}

async function streamReply(message, reply) {
  const { id, role, version } = pageUser();
  const body = { message, user: { id, locale: getLocale() } };
  if (role) {
    body.user.role = role;
  }
  if (version) {
    body.user.product_version = version;
  }
  if (state.conversationId) {
    body.conversation_id = state.conversationId;
  }
  const response = await apiFetch("/v1/chat", {
    key: state.key,
    method: "POST",
    body,
    accept: "text/event-stream",
  });
  const streamed = (response.headers.get("Content-Type") || "").includes("text/event-stream");
  const events = streamed
    ? readServerSentEvents(response.body)
    : eventsOfResponse(await response.json());
  const answer = { text: "" };
  for await (const event of events) {
    await handleEvent(reply, answer, event);
    scrollToEnd();
  }
}

async function ask(message) {
  const text = message.trim();
  if (!text || state.busy) {
    return;
  }
  if (!state.key) {
    state.keyForm.showForm();
    return;
  }
  setBusy(true);
  appendMessage("user").body.textContent = text;
  const reply = appendMessage("assistant");
  reply.article.id = `reply-${crypto.randomUUID()}`;
  reply.article.setAttribute("aria-busy", "true");
  setText(reply.body, "chat.thinking");
  scrollToEnd();
  try {
    await streamReply(text, reply);
    rememberConversation(reply.done?.conversation_id);
    if (reply.done) {
      addRating(reply, reply.done);
    }
  } catch (error) {
    showError(reply, describeError(error));
    if (error instanceof ApiError && error.status === 401) {
      state.keyForm.showForm();
    }
  } finally {
    if (reply.body.dataset.i18n === "chat.thinking") {
      reply.body.textContent = "";
      delete reply.body.dataset.i18n;
    }
    reply.article.setAttribute("aria-busy", "false");
    setBusy(false);
    scrollToEnd();
  }
}

function rememberConversation(conversationId) {
  if (conversationId) {
    state.conversationId = conversationId;
    trackConversation(conversationId);
  }
}

function startNewConversation() {
  const finished = state.conversationId;
  state.conversationId = "";
  for (const message of elements.log.querySelectorAll(".message, .survey")) {
    message.remove();
  }
  elements.empty.hidden = false;
  // The finished conversation's survey shows in the emptied log, unless it was shown before
  // or the conversation waits for an open ticket.
  endConversation(finished);
  elements.input.focus();
}

function wireComposer() {
  elements.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const message = elements.input.value;
    elements.input.value = "";
    ask(message);
  });
  elements.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      elements.form.requestSubmit();
    }
  });
  elements.human.addEventListener("click", () => ask(t("chat.human_message")));
  elements.newConversation.addEventListener("click", startNewConversation);
}

async function main() {
  await initLanguage(document.getElementById("language"));
  wireComposer();
  state.keyForm = initPageKeyForm(KEY_STORAGE, (key) => {
    state.key = key;
    elements.input.focus();
    initSurveys({ key, log: elements.log });
    startOnboarding(key);
  });
  document.body.dataset.ready = "true";
}

main();
