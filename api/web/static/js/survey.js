// End-of-conversation survey of the chat widget: CSAT stars, NPS 0-10 and a comment, sent as
// one POST /v1/surveys.
//
// The widget remembers its conversations in localStorage, per API key. It requests their
// survey status (GET /v1/conversations/{id}/survey) when the page loads, every poll interval
// while conversations wait, and for the conversation the user leaves with "New conversation".
// The server reports a survey as due once the conversation's tickets are resolved or closed,
// or once a conversation without tickets ended. The widget marks a survey as shown before it
// renders it, so each survey appears at most once per key in this browser, answered or not.
// The server accepts one answer per conversation.
//
// The poll interval is `?survey_poll_seconds=N` in the page address, else the
// `data-survey-poll-seconds` attribute of <main>, else 60 seconds.

import { apiFetch, ApiError } from "./api.js";
import { setText } from "./i18n.js";

const STORAGE_PREFIX = "pmsa.surveys.";
const MAX_REMEMBERED = 20;
/** Conversations checked per poll, newest first: the current one and those just before it. */
const MAX_CHECKED_PER_POLL = 3;
const DEFAULT_POLL_SECONDS = 60;
const MIN_POLL_SECONDS = 1;
const CSAT_SCALE = [1, 2, 3, 4, 5];
const NPS_SCALE = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const MAX_COMMENT_CHARS = 4000;

const state = {
  key: "",
  storageName: "",
  log: null,
  timer: 0,
  checking: false,
};

/** Return a localStorage name per key: a 32-bit FNV-1a hash, so the name does not copy the key. */
function storageNameOf(key) {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index += 1) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return STORAGE_PREFIX + hash.toString(16).padStart(8, "0");
}

/** Return the remembered conversations, oldest first: [{id, surveyed}]. */
function remembered() {
  try {
    const stored = JSON.parse(localStorage.getItem(state.storageName) || "[]");
    return Array.isArray(stored) ? stored.filter((entry) => typeof entry?.id === "string") : [];
  } catch {
    return [];
  }
}

function saveRemembered(entries) {
  localStorage.setItem(state.storageName, JSON.stringify(entries.slice(-MAX_REMEMBERED)));
}

function isSurveyed(conversationId) {
  return remembered().some((entry) => entry.id === conversationId && entry.surveyed);
}

function markSurveyed(conversationId) {
  const entries = remembered().filter((entry) => entry.id !== conversationId);
  saveRemembered([...entries, { id: conversationId, surveyed: true }]);
}

function forget(conversationId) {
  saveRemembered(remembered().filter((entry) => entry.id !== conversationId));
}

function waitingConversations() {
  return remembered().filter((entry) => !entry.surveyed);
}

function pollSeconds() {
  const fromAddress = Number(new URLSearchParams(location.search).get("survey_poll_seconds"));
  const fromPage = Number(document.getElementById("main")?.dataset.surveyPollSeconds);
  return Math.max(fromAddress || fromPage || DEFAULT_POLL_SECONDS, MIN_POLL_SECONDS);
}

/** Poll again after the interval while a conversation waits, and stop when none does. */
function schedulePoll() {
  clearTimeout(state.timer);
  state.timer = 0;
  if (!state.key || !waitingConversations().length) {
    return;
  }
  state.timer = setTimeout(async () => {
    await checkWaitingConversations();
    schedulePoll();
  }, pollSeconds() * 1000);
}

function countCheck() {
  // Finished rounds of checks, so tests can tell "no survey yet" from "no survey due".
  state.log.dataset.surveyChecks = String(Number(state.log.dataset.surveyChecks || 0) + 1);
}

/**
 * Request a conversation's survey status and show the survey when it is due.
 * Returns true when the survey was shown.
 */
async function checkConversation(conversationId, { ended = false } = {}) {
  const query = ended ? "?ended=true" : "";
  const path = `/v1/conversations/${encodeURIComponent(conversationId)}/survey${query}`;
  try {
    const response = await apiFetch(path, { key: state.key });
    const status = await response.json();
    if (status.answered) {
      markSurveyed(conversationId);
      return false;
    }
    return status.due ? showSurvey(conversationId, status) : false;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      // The server has no such conversation for this key (another data dir or tenant).
      forget(conversationId);
      return false;
    }
    if (error instanceof ApiError && [401, 403].includes(error.status)) {
      // A rejected key stays rejected: stop polling until the user saves another key.
      state.key = "";
    }
    console.warn("survey status of conversation", conversationId, "was not read", error);
    return false;
  }
}

async function checkWaitingConversations() {
  // A hidden tab skips its polls, so the survey shows when the user can see it.
  if (state.checking || !state.key || document.hidden) {
    return;
  }
  state.checking = true;
  try {
    const newestFirst = waitingConversations().slice(-MAX_CHECKED_PER_POLL).reverse();
    for (const entry of newestFirst) {
      if (await checkConversation(entry.id)) {
        break;
      }
    }
  } finally {
    state.checking = false;
    countCheck();
  }
}

/** Start the surveys for a key: check the remembered conversations now, then poll. */
export function initSurveys({ key, log }) {
  clearTimeout(state.timer);
  state.key = key;
  state.storageName = storageNameOf(key);
  state.log = log;
  checkWaitingConversations().then(schedulePoll);
}

/** Remember a conversation of this key, so its survey is shown once it is due. */
export function trackConversation(conversationId) {
  if (!conversationId || !state.key) {
    return;
  }
  if (!remembered().some((entry) => entry.id === conversationId)) {
    saveRemembered([...remembered(), { id: conversationId, surveyed: false }]);
  }
  if (!state.timer) {
    schedulePoll();
  }
}

/** Show the survey of the conversation the user left, unless it waits for an open ticket. */
export async function endConversation(conversationId) {
  if (!conversationId || !state.key || isSurveyed(conversationId)) {
    return;
  }
  await checkConversation(conversationId, { ended: true });
  schedulePoll();
}

// ---- the survey block -----------------------------------------------------------------------

function showSurvey(conversationId, status) {
  // Checked again after the request: a poll and "New conversation" may both find it due.
  if (isSurveyed(conversationId)) {
    return false;
  }
  markSurveyed(conversationId);
  state.log.append(renderSurvey(conversationId, status));
  state.log.scrollTop = state.log.scrollHeight;
  return true;
}

function uniqueId(prefix) {
  return `${prefix}-${crypto.randomUUID()}`;
}

/** Render a labelled group of score buttons. onPick(score, buttons) runs when one is pressed. */
function renderScale({ className, labelKey, scores, scoreButton, onPick }) {
  const group = document.createElement("div");
  group.className = `survey-scale ${className}`;
  group.setAttribute("role", "group");
  const label = document.createElement("span");
  label.id = uniqueId(className);
  label.className = "survey-question";
  setText(label, labelKey);
  group.setAttribute("aria-labelledby", label.id);

  const buttons = scores.map((score) => {
    const button = renderScoreButton(score, scoreButton);
    button.addEventListener("click", () => {
      for (const other of buttons) {
        other.setAttribute("aria-pressed", String(other === button));
      }
      onPick(score, buttons);
    });
    return button;
  });
  const row = document.createElement("div");
  row.className = "survey-buttons";
  row.append(...buttons);
  group.append(label, row);
  return group;
}

/** Render one score button: an icon or digit to see, and a sentence for screen readers. */
function renderScoreButton(score, { buttonClass, shownText, hiddenKey }) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = buttonClass;
  button.dataset.score = String(score);
  button.setAttribute("aria-pressed", "false");
  const shown = document.createElement("span");
  shown.setAttribute("aria-hidden", "true");
  shown.textContent = shownText(score);
  const hidden = document.createElement("span");
  hidden.className = "visually-hidden";
  setText(hidden, hiddenKey, { n: score });
  button.append(shown, hidden);
  return button;
}

function renderNpsEnds() {
  const ends = document.createElement("p");
  ends.className = "nps-ends";
  const low = document.createElement("span");
  setText(low, "chat.nps_low");
  const high = document.createElement("span");
  setText(high, "chat.nps_high");
  ends.append(low, high);
  return ends;
}

/** Render the line above the survey: the resolved ticket, or the ended conversation. */
function renderTitle(status) {
  const title = document.createElement("p");
  title.id = uniqueId("survey-title");
  title.className = "survey-title";
  if (status.reason === "ticket_closed" && status.ticket_id) {
    setText(title, "chat.survey_ticket_closed", { id: status.ticket_id });
  } else {
    setText(title, "chat.survey_conversation_ended");
  }
  return title;
}

function renderCommentField() {
  const comment = document.createElement("textarea");
  comment.id = uniqueId("survey-comment");
  comment.className = "survey-comment";
  comment.rows = 2;
  comment.maxLength = MAX_COMMENT_CHARS;
  const label = document.createElement("label");
  label.htmlFor = comment.id;
  setText(label, "chat.survey_comment");
  return [label, comment];
}

function renderSurvey(conversationId, status) {
  const answers = { csat: null, nps: null };
  const block = document.createElement("div");
  block.className = "survey";
  block.setAttribute("role", "group");
  block.dataset.conversationId = conversationId;
  block.dataset.reason = status.reason ?? "";

  const title = renderTitle(status);
  block.setAttribute("aria-labelledby", title.id);

  const csat = renderScale({
    className: "csat",
    labelKey: "chat.csat_label",
    scores: CSAT_SCALE,
    scoreButton: { buttonClass: "star", shownText: () => "★", hiddenKey: "chat.csat_star" },
    onPick: (score, stars) => {
      answers.csat = score;
      for (const star of stars) {
        star.classList.toggle("selected", Number(star.dataset.score) <= score);
      }
    },
  });
  const nps = renderScale({
    className: "nps",
    labelKey: "chat.nps_label",
    scores: NPS_SCALE,
    scoreButton: { buttonClass: "nps-score", shownText: String, hiddenKey: "chat.nps_score" },
    onPick: (score) => {
      answers.nps = score;
    },
  });
  nps.append(renderNpsEnds());

  const [commentLabel, comment] = renderCommentField();

  const send = document.createElement("button");
  send.type = "button";
  send.className = "primary survey-send";
  setText(send, "chat.survey_send");
  const statusLine = document.createElement("span");
  statusLine.className = "survey-status";
  statusLine.setAttribute("role", "status");
  const actions = document.createElement("div");
  actions.className = "survey-actions";
  actions.append(send, statusLine);

  send.addEventListener("click", () =>
    submitSurvey({ block, conversationId, answers, comment, statusLine }),
  );
  block.append(title, csat, nps, commentLabel, comment, actions);
  return block;
}

function setControlsDisabled(block, disabled) {
  for (const control of block.querySelectorAll("button, textarea")) {
    control.disabled = disabled;
  }
}

async function submitSurvey({ block, conversationId, answers, comment, statusLine }) {
  const text = comment.value.trim();
  if (answers.csat === null && answers.nps === null && !text) {
    setText(statusLine, "chat.survey_empty");
    return;
  }
  const body = { conversation_id: conversationId };
  if (answers.csat !== null) {
    body.csat = answers.csat;
  }
  if (answers.nps !== null) {
    body.nps = answers.nps;
  }
  if (text) {
    body.comment = text;
  }
  setControlsDisabled(block, true);
  try {
    await apiFetch("/v1/surveys", { key: state.key, method: "POST", body });
  } catch (error) {
    // A 409 means the conversation already has a survey answer, so there is nothing to retry.
    if (!(error instanceof ApiError && error.status === 409)) {
      console.warn("survey of conversation", conversationId, "was not sent", error);
      setText(statusLine, "chat.survey_failed");
      setControlsDisabled(block, false);
      return;
    }
  }
  block.dataset.sent = "true";
  setText(statusLine, "chat.survey_thanks");
}
