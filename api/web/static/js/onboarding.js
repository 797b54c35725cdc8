// Onboarding in the chat widget: the first-login guided tour and the user's tips panel.
//
// The host page names the user in the query string: ?user=ID&role=member&persona=developer
// &version=3.4 (all optional). Without `user`, the widget keeps a random id in this browser.

import { apiFetch } from "./api.js";
import { getLocale, LANGUAGE_CHANGED, setText } from "./i18n.js";

const USER_STORAGE = "pmsa.user";
const TIPS_SHOWN = 3;

const elements = {
  panel: document.getElementById("tips-panel"),
  list: document.getElementById("tips-list"),
  tour: document.getElementById("tour"),
  tourProgress: document.getElementById("tour-progress"),
  tourTitle: document.getElementById("tour-title"),
  tourText: document.getElementById("tour-text"),
  tourBack: document.getElementById("tour-back"),
  tourNext: document.getElementById("tour-next"),
  tourSkip: document.getElementById("tour-skip"),
  chatInput: document.getElementById("chat-input"),
};

const state = {
  key: "",
  user: null,
  tour: null,
  step: 0,
  highlighted: null,
  wired: false,
};

/** Return the widget's user: the host page's query parameters, else an id kept in this browser. */
export function pageUser() {
  const params = new URLSearchParams(location.search);
  let id = params.get("user");
  if (!id) {
    id = localStorage.getItem(USER_STORAGE);
    if (!id) {
      id = `web-${crypto.randomUUID()}`;
      localStorage.setItem(USER_STORAGE, id);
    }
  }
  return {
    id,
    role: params.get("role") || null,
    persona: params.get("persona") || null,
    version: params.get("version") || null,
  };
}

function userPath(suffix) {
  return `/v1/users/${encodeURIComponent(state.user.id)}/${suffix}`;
}

function query(fields) {
  const params = new URLSearchParams({ locale: getLocale() });
  for (const [name, value] of Object.entries(fields)) {
    if (value) {
      params.set(name, value);
    }
  }
  return params.toString();
}

// ---- tips ---------------------------------------------------------------------------------

function renderArticle(article) {
  const line = document.createElement("p");
  line.className = "tip-article";
  const title = document.createElement(article.url ? "a" : "span");
  title.className = "tip-link";
  title.textContent = article.title || article.doc;
  if (article.url) {
    title.href = article.url;
    title.target = "_blank";
    title.rel = "noopener";
  }
  const path = document.createElement("code");
  path.className = "citation-doc";
  path.textContent = article.doc;
  line.append(title, " ", path);
  return line;
}

function renderTip(tip) {
  const item = document.createElement("li");
  item.className = "tip";
  item.dataset.tipId = tip.id;
  const text = document.createElement("p");
  text.className = "tip-text";
  text.id = `tip-${tip.id}`;
  text.textContent = tip.text;
  const dismiss = document.createElement("button");
  dismiss.type = "button";
  dismiss.className = "ghost tip-dismiss";
  // Screen readers announce which tip the button dismisses.
  dismiss.setAttribute("aria-describedby", text.id);
  setText(dismiss, "tips.dismiss");
  dismiss.addEventListener("click", () => dismissTip(tip.id, dismiss));
  item.append(text, renderArticle(tip.article), dismiss);
  return item;
}

async function loadTips() {
  const fields = {
    role: state.user.role,
    persona: state.user.persona,
    version: state.user.version,
    limit: String(TIPS_SHOWN),
  };
  try {
    const response = await apiFetch(`${userPath("tips")}?${query(fields)}`, { key: state.key });
    const body = await response.json();
    elements.list.replaceChildren(...body.tips.map(renderTip));
    elements.panel.hidden = body.tips.length === 0;
  } catch (error) {
    // Tips are a help, not the page's job: the chat keeps working without them.
    console.warn("tips were not loaded", error);
    elements.panel.hidden = true;
  }
}

async function dismissTip(tipId, button) {
  button.disabled = true;
  try {
    await apiFetch(userPath(`tips/${encodeURIComponent(tipId)}/dismiss`), {
      key: state.key,
      method: "POST",
    });
    await loadTips();
  } catch (error) {
    console.warn("the tip was not dismissed", error);
    button.disabled = false;
  }
}

// ---- guided tour --------------------------------------------------------------------------

function highlight(targetId) {
  state.highlighted?.classList.remove("tour-highlight");
  const target = targetId ? document.getElementById(targetId) : null;
  state.highlighted = target && !target.hidden ? target : null;
  state.highlighted?.classList.add("tour-highlight");
  state.highlighted?.scrollIntoView({ block: "nearest" });
}

function showStep() {
  const steps = state.tour.steps;
  const step = steps[state.step];
  elements.tour.dataset.step = step.id;
  setText(elements.tourProgress, "tour.progress", { n: state.step + 1, total: steps.length });
  elements.tourTitle.textContent = step.title;
  elements.tourText.textContent = step.text;
  elements.tourBack.disabled = state.step === 0;
  setText(elements.tourNext, state.step === steps.length - 1 ? "tour.done" : "tour.next");
  highlight(step.target);
}

async function finishTour(status) {
  const stepsSeen = state.step + 1;
  // Focus on a hidden button would be lost, so it moves on to the message box.
  const hadFocus = elements.tour.contains(document.activeElement);
  elements.tour.hidden = true;
  if (hadFocus) {
    elements.chatInput.focus();
  }
  highlight(null);
  state.tour = null;
  try {
    await apiFetch(`${userPath("tour")}?${query({})}`, {
      key: state.key,
      method: "POST",
      body: { status, steps_seen: stepsSeen },
    });
  } catch (error) {
    console.warn("the tour state was not saved", error);
  }
}

async function loadTour() {
  try {
    const response = await apiFetch(`${userPath("tour")}?${query({ role: state.user.role })}`, {
      key: state.key,
    });
    return await response.json();
  } catch (error) {
    console.warn("the tour was not loaded", error);
    return null;
  }
}

async function startTourOnFirstOpen() {
  const tour = await loadTour();
  if (!tour?.show || !tour.steps.length) {
    return;
  }
  state.tour = tour;
  state.step = 0;
  elements.tour.hidden = false;
  showStep();
  elements.tourNext.focus();
}

function wireTour() {
  elements.tourNext.addEventListener("click", () => {
    if (state.step < state.tour.steps.length - 1) {
      state.step += 1;
      showStep();
    } else {
      finishTour("completed");
    }
  });
  elements.tourBack.addEventListener("click", () => {
    state.step = Math.max(0, state.step - 1);
    showStep();
  });
  elements.tourSkip.addEventListener("click", () => finishTour("skipped"));
  // The page stays usable during the tour, so Escape closes it wherever the focus is, such as in
  // the message box. An Escape that ends an input method's composition is left to the method.
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.isComposing && state.tour) {
      finishTour("skipped");
    }
  });
}

async function retranslate() {
  if (!state.key) {
    return;
  }
  await loadTips();
  if (state.tour) {
    const tour = await loadTour();
    // The user may have finished the tour while it reloaded.
    if (state.tour && tour?.steps.length === state.tour.steps.length) {
      state.tour = tour;
      showStep();
    }
  }
}

/** Show the tips and, on the user's first open, the guided tour; call again with a new key. */
export async function startOnboarding(key) {
  state.key = key;
  state.user = state.user ?? pageUser();
  if (!state.wired) {
    state.wired = true;
    wireTour();
    document.addEventListener(LANGUAGE_CHANGED, retranslate);
  }
  await loadTips();
  if (!state.tour) {
    await startTourOnFirstOpen();
  }
  // Browser tests wait for this mark before they check what the widget shows.
  document.body.dataset.onboarding = "ready";
}
