// The AI-drafted reply of the selected ticket: the draft with its sources, the agent's internal
// summary, and the Accept / Edit & send / Reject decisions (GET and POST /v1/tickets/{id}/draft).

import { ApiError, apiFetch, describeError } from "./api.js";
import { LANGUAGE_CHANGED, setText, t } from "./i18n.js";
import { element } from "./ticket_detail.js";

function button(className, key, onClick) {
  const node = element("button", className);
  node.type = "button";
  setText(node, key);
  node.addEventListener("click", onClick);
  return node;
}

function itemList(className, items) {
  if (!items?.length) {
    return element("p", `${className} muted`, t("draft.none"));
  }
  const list = element("ul", className);
  for (const item of items) {
    list.append(element("li", "", item));
  }
  return list;
}

function renderSummary(summary) {
  const wrapper = element("section", "draft-summary");
  const heading = element("h4");
  setText(heading, "draft.summary");
  const fields = element("dl", "fields");
  const entries = [
    ["draft.problem", element("span", "summary-problem", summary.problem)],
    ["draft.tried", itemList("summary-tried", summary.tried)],
    ["draft.missing", itemList("summary-missing", summary.missing)],
  ];
  for (const [key, value] of entries) {
    const term = element("dt");
    setText(term, key);
    const definition = element("dd");
    definition.append(value);
    fields.append(term, definition);
  }
  wrapper.append(heading, fields);
  return wrapper;
}

function renderCitations(draft) {
  if (!draft.citations.length) {
    const note = element("p", "draft-no-sources muted");
    setText(note, "draft.no_sources");
    return note;
  }
  const list = element("ol", "draft-citations doc-list");
  for (const citation of draft.citations) {
    const item = element("li", "", `${citation.title} (${citation.doc})`);
    item.dataset.doc = citation.doc;
    list.append(item);
  }
  return list;
}

function decisionStatusKey(decision) {
  return { accept: "draft.accepted_status", edit: "draft.edited_status" }[decision] ??
    "draft.rejected_status";
}

/**
 * Wire the draft panel in `container`. `getKey` returns the page's API key, `onSent(ticketId)`
 * runs after a reply was sent so the page can reload the ticket, and `onError` shows API errors
 * that concern the key.
 */
export function initDraftPanel(container, { getKey, onSent, onError }) {
  const state = { ticketId: null, draft: null, editing: false, notice: "", request: 0 };

  function setBusy(busy) {
    container.setAttribute("aria-busy", String(busy));
    for (const control of container.querySelectorAll("button, textarea, input")) {
      control.disabled = busy;
    }
  }

  function showAlert(message) {
    const alert = container.querySelector(".draft-alert");
    alert.textContent = message;
    alert.hidden = !message;
  }

  function renderShell(statusKey) {
    const heading = element("h3", "draft-heading");
    heading.id = "draft-heading";
    setText(heading, "draft.title");
    const status = element("p", "draft-status muted");
    status.setAttribute("role", "status");
    if (statusKey) {
      setText(status, statusKey);
    }
    const alert = element("p", "draft-alert alert");
    alert.setAttribute("role", "alert");
    alert.hidden = true;
    container.replaceChildren(heading, status, alert);
    container.hidden = false;
  }

  function renderDecided(draft) {
    const note = element("p", `draft-decision decision-${draft.decision}`);
    setText(note, decisionStatusKey(draft.decision), {
      agent: draft.decided_by ?? "—",
      reason: draft.reason ?? "—",
      distance: draft.edit_distance ?? 0,
    });
    return note;
  }

  function renderRejectForm() {
    const form = element("form", "draft-reject-form");
    form.hidden = true;
    const label = element("label");
    label.htmlFor = "draft-reason";
    setText(label, "draft.reason_label");
    const input = element("input");
    input.id = "draft-reason";
    input.name = "reason";
    // The page checks the reason itself, so the message is in the page's language.
    input.setAttribute("aria-required", "true");
    input.maxLength = 2000;
    const confirm = element("button", "primary");
    confirm.type = "submit";
    confirm.id = "draft-reject-confirm";
    setText(confirm, "draft.reject_confirm");
    const cancel = button("ghost", "draft.cancel", () => {
      form.hidden = true;
      container.querySelector("#draft-reject")?.focus();
    });
    const row = element("div", "row");
    row.append(input, confirm, cancel);
    form.append(label, row);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const reason = input.value.trim();
      if (!reason) {
        showAlert(t("draft.reason_required"));
        input.focus();
        return;
      }
      decide({ decision: "reject", reason });
    });
    return form;
  }

  function renderActions() {
    const actions = element("div", "draft-actions row");
    const accept = button("primary", "draft.accept", () => decide({ decision: "accept" }));
    accept.id = "draft-accept";
    const edit = button("secondary", "draft.edit", () => startEditing());
    edit.id = "draft-edit";
    const send = button("primary", "draft.send_edit", () => sendEdited());
    send.id = "draft-send-edit";
    send.hidden = true;
    const cancelEdit = button("ghost", "draft.cancel_edit", () => stopEditing());
    cancelEdit.id = "draft-cancel-edit";
    cancelEdit.hidden = true;
    const reject = button("ghost", "draft.reject", () => {
      const form = container.querySelector(".draft-reject-form");
      form.hidden = false;
      form.querySelector("input").focus();
    });
    reject.id = "draft-reject";
    actions.append(accept, edit, send, cancelEdit, reject);
    return actions;
  }

  function render() {
    const draft = state.draft;
    renderShell();
    const status = container.querySelector(".draft-status");
    if (state.notice) {
      setText(status, state.notice);
    } else {
      setText(status, `draft.engine.${draft.engine}`);
    }
    container.dataset.draftId = String(draft.id);

    const label = element("label", "draft-text-label");
    label.htmlFor = "draft-text";
    setText(label, "draft.reply_label", { language: t(`draft.language.${draft.language}`) });
    const text = element("textarea", "draft-text");
    text.id = "draft-text";
    text.lang = draft.language === "zh" ? "zh-CN" : "en";
    text.rows = 14;
    text.readOnly = true;
    text.value = draft.decision === "edit" ? draft.sent_text ?? draft.text : draft.text;
    text.addEventListener("keydown", (event) => {
      // Escape closes the ticket in the console; while editing it only cancels the edit.
      if (event.key === "Escape" && state.editing) {
        event.stopPropagation();
        stopEditing();
      }
    });

    const sources = element("h4");
    setText(sources, "draft.sources");
    container.append(renderSummary(draft.summary), label, text, sources, renderCitations(draft));
    if (draft.decision) {
      container.append(renderDecided(draft));
    } else {
      container.append(renderActions(), renderRejectForm());
    }
    state.editing = false;
  }

  function startEditing() {
    const text = container.querySelector("#draft-text");
    text.readOnly = false;
    state.editing = true;
    for (const id of ["draft-accept", "draft-edit"]) {
      container.querySelector(`#${id}`).hidden = true;
    }
    for (const id of ["draft-send-edit", "draft-cancel-edit"]) {
      container.querySelector(`#${id}`).hidden = false;
    }
    text.focus();
  }

  function stopEditing() {
    render();
    container.querySelector("#draft-edit")?.focus();
  }

  function sendEdited() {
    const text = container.querySelector("#draft-text").value;
    if (!text.trim()) {
      showAlert(t("draft.text_required"));
      return;
    }
    // Text left as drafted is an acceptance, so it does not count as an edit of 0 characters.
    if (text === state.draft.text) {
      decide({ decision: "accept" });
      return;
    }
    decide({ decision: "edit", text });
  }

  async function decide(body) {
    const ticketId = state.ticketId;
    setBusy(true);
    showAlert("");
    try {
      const response = await apiFetch(`/v1/tickets/${encodeURIComponent(ticketId)}/draft/decision`, {
        key: getKey(),
        method: "POST",
        body: { ...body, draft_id: state.draft.id },
      });
      const result = await response.json();
      state.notice = result.decision === "reject" ? "draft.rejected" : "draft.sent";
      if (result.decision === "reject") {
        await load(ticketId, { keepNotice: true });
      } else {
        await onSent(ticketId);
      }
    } catch (error) {
      setBusy(false);
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        onError(error);
      }
      showAlert(describeError(error));
    }
  }

  async function load(ticketId, { keepNotice = false } = {}) {
    const request = ++state.request;
    if (!keepNotice) {
      state.notice = "";
    }
    state.ticketId = ticketId;
    renderShell("draft.loading");
    container.setAttribute("aria-busy", "true");
    try {
      const response = await apiFetch(`/v1/tickets/${encodeURIComponent(ticketId)}/draft`, {
        key: getKey(),
      });
      const draft = await response.json();
      if (request !== state.request) {
        return;
      }
      state.draft = draft;
      render();
    } catch (error) {
      if (request !== state.request) {
        return;
      }
      state.draft = null;
      if (error instanceof ApiError && error.status === 409) {
        renderShell();
        setText(container.querySelector(".draft-status"), "draft.closed");
      } else {
        showAlert(describeError(error));
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
          onError(error);
        }
      }
    } finally {
      if (request === state.request) {
        container.setAttribute("aria-busy", "false");
      }
    }
  }

  document.addEventListener(LANGUAGE_CHANGED, () => {
    // The summary comes in the page's language, so fetch it again unless the agent is typing.
    if (state.ticketId && state.draft && !state.editing) {
      load(state.ticketId, { keepNotice: true });
    }
  });

  return {
    /** Show the draft of a ticket, fetching it (the server drafts again if the ticket changed). */
    show(ticket, { afterSend = false } = {}) {
      return load(ticket.id, { keepNotice: afterSend });
    },
    /** Hide the panel, for when no ticket is selected. */
    clear() {
      state.request += 1;
      state.ticketId = null;
      state.draft = null;
      state.notice = "";
      container.replaceChildren();
      container.hidden = true;
    },
  };
}
