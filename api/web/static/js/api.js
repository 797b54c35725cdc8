// Calls to the /v1 API with the page's bearer key, and the key's storage.

import { getLocale, t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, { code = "", message = "" } = {}) {
    super(message || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.serverMessage = message;
  }
}

/** Read the API's error body, `{"error": {"code", "message"}}`. Other bodies give no message. */
async function readErrorBody(response) {
  try {
    const body = await response.json();
    const error = body?.error;
    if (error && typeof error === "object") {
      return { code: String(error.code ?? ""), message: String(error.message ?? "") };
    }
    return { code: "", message: typeof body?.detail === "string" ? body.detail : "" };
  } catch {
    return {};
  }
}

/** Send a request with the bearer key and throw ApiError for a non-2xx status. */
export async function apiFetch(path, { key, method = "GET", body, accept, signal } = {}) {
  // The API writes its error messages in the language of Accept-Language: the page's language.
  const headers = { Authorization: `Bearer ${key}`, "Accept-Language": getLocale() };
  if (accept) {
    headers.Accept = accept;
  }
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") {
      throw error;
    }
    throw new ApiError(0, { message: error.message });
  }
  if (!response.ok) {
    throw new ApiError(response.status, await readErrorBody(response));
  }
  return response;
}

/** Translate an error into a message for the user of the page. */
export function describeError(error) {
  if (!(error instanceof ApiError)) {
    return t("error.server", { status: error.message });
  }
  if (error.status === 0) {
    return t("error.network");
  }
  // Key problems get the page's own text, because it tells the user to enter another key.
  if (error.status === 401) {
    return t("error.unauthorized");
  }
  if (error.status === 403) {
    return t("error.forbidden");
  }
  return error.serverMessage || t("error.server", { status: error.status });
}

/**
 * Return the page's API key. A `#key=...` fragment wins and is stored, then removed from the
 * address bar so it does not linger in history or screenshots.
 */
export function takeKey(storageName) {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromFragment = fragment.get("key");
  if (fromFragment) {
    localStorage.setItem(storageName, fromFragment.trim());
    fragment.delete("key");
    const rest = fragment.toString();
    history.replaceState(null, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
  }
  return localStorage.getItem(storageName) || "";
}

/**
 * Wire the key form: show it when there is no key (or on "Change key"), store what is typed.
 * onKey(key) runs with the stored key at start and after every save.
 */
export function initKeyForm({ storageName, form, input, changeButton, onKey }) {
  const showForm = () => {
    form.hidden = false;
    input.value = "";
    input.focus();
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) {
      input.focus();
      return;
    }
    localStorage.setItem(storageName, key);
    form.hidden = true;
    onKey(key);
  });
  changeButton.addEventListener("click", showForm);

  const key = takeKey(storageName);
  if (key) {
    form.hidden = true;
    onKey(key);
  } else {
    showForm();
  }
  return { showForm };
}

/**
 * Return a handler that shows an API error in `errorElement` and, for 401 and 403, asks for
 * another key through the form that `getKeyForm()` returns.
 */
export function apiErrorHandler(errorElement, getKeyForm) {
  return (error) => {
    showPageError(errorElement, describeError(error));
    if (error instanceof ApiError && [401, 403].includes(error.status)) {
      getKeyForm().showForm();
    }
  };
}

/** Show a message in a page's error element, or hide the element when there is none. */
export function showPageError(errorElement, message) {
  errorElement.hidden = !message;
  errorElement.textContent = message || "";
}

/** Wire the key form every page has (`key-form`, `key-input`, `change-key`); see initKeyForm. */
export function initPageKeyForm(storageName, onKey) {
  return initKeyForm({
    storageName,
    form: document.getElementById("key-form"),
    input: document.getElementById("key-input"),
    changeButton: document.getElementById("change-key"),
    onKey,
  });
}
