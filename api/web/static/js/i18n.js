// Message catalogs and the language switch shared by every page.
//
// Markup opts in with attributes, so a language switch re-translates everything on the page:
//   data-i18n="key"               sets textContent
//   data-i18n-params='{"n": 3}'   fills {n} placeholders for data-i18n
//   data-i18n-placeholder="key"   sets the placeholder attribute
//   data-i18n-aria-label="key"    sets aria-label
//   data-i18n-title="key"         sets title

export const SUPPORTED_LANGUAGES = ["en", "zh"];
const DEFAULT_LANGUAGE = "en";
const STORAGE_KEY = "pmsa.language";
const HTML_LANG = { en: "en", zh: "zh-CN" };
export const LANGUAGE_CHANGED = "i18n:languagechange";

const catalogs = {};
let currentLanguage = DEFAULT_LANGUAGE;

/** Pick the stored choice, else the first supported entry of navigator.languages. */
export function detectLanguage() {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (SUPPORTED_LANGUAGES.includes(stored)) {
    return stored;
  }
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const base = String(tag || "").toLowerCase().split("-")[0];
    if (SUPPORTED_LANGUAGES.includes(base)) {
      return base;
    }
  }
  return DEFAULT_LANGUAGE;
}

export function getLanguage() {
  return currentLanguage;
}

// A 24-hour clock, as in the due times of the assistant's replies, and the UTC offset ("GMT+8")
// in place of a short zone name, because short names are ambiguous ("CST" is both China
// Standard Time and US Central Standard Time).
const DATE_TIME_FORMAT = {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZoneName: "shortOffset",
};

/**
 * Format an ISO time in the page's locale with its UTC offset, e.g. "Dec 7, 2026, 13:00 GMT+8"
 * or "2026年12月7日 GMT+8 13:00", or a dash when there is none. `timeZone` is an IANA name such
 * as the API's `timezone`. Without it, or when the browser does not know it, the browser's
 * time zone is used.
 */
export function formatDateTime(iso, timeZone) {
  if (!iso) {
    return "—";
  }
  const date = new Date(iso);
  if (timeZone) {
    try {
      return date.toLocaleString(getLocale(), { ...DATE_TIME_FORMAT, timeZone });
    } catch (error) {
      if (!(error instanceof RangeError)) {
        throw error;
      }
    }
  }
  return date.toLocaleString(getLocale(), DATE_TIME_FORMAT);
}

/** BCP 47 tag of the current language, for Intl formatters and the html lang attribute. */
export function getLocale() {
  return HTML_LANG[currentLanguage];
}

async function loadCatalog(language) {
  if (!catalogs[language]) {
    const response = await fetch(`/static/i18n/${language}.json`);
    if (!response.ok) {
      throw new Error(`message catalog ${language}.json failed to load: HTTP ${response.status}`);
    }
    catalogs[language] = await response.json();
  }
  return catalogs[language];
}

/** Translate a key and fill its {name} placeholders. An unknown key comes back unchanged. */
export function t(key, params = {}) {
  const template = catalogs[currentLanguage]?.[key] ?? catalogs[DEFAULT_LANGUAGE]?.[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (match, name) =>
    name in params ? String(params[name]) : match,
  );
}

/** Translate a key, or return the fallback (e.g. a raw value from the server) when no catalog has it. */
export function tOr(key, fallback, params = {}) {
  const text = t(key, params);
  return text === key ? String(fallback) : text;
}

/** Name a product module (`gantt`, `integrations`...) in the page's language. */
export function moduleName(module) {
  return module ? tOr(`module.${module}`, module) : "";
}

/** Set an element's text from a key and remember the key, so a language switch updates it. */
export function setText(element, key, params) {
  element.dataset.i18n = key;
  if (params) {
    element.dataset.i18nParams = JSON.stringify(params);
  } else {
    delete element.dataset.i18nParams;
  }
  element.textContent = t(key, params);
}

const ATTRIBUTE_BINDINGS = [
  ["i18nPlaceholder", "placeholder"],
  ["i18nAriaLabel", "aria-label"],
  ["i18nTitle", "title"],
];

/** Re-translate every element under root that carries data-i18n* attributes. */
export function applyTranslations(root = document) {
  for (const element of root.querySelectorAll("[data-i18n]")) {
    const params = element.dataset.i18nParams ? JSON.parse(element.dataset.i18nParams) : {};
    element.textContent = t(element.dataset.i18n, params);
  }
  for (const [datasetName, attribute] of ATTRIBUTE_BINDINGS) {
    const selector = `[data-${datasetName.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}]`;
    for (const element of root.querySelectorAll(selector)) {
      element.setAttribute(attribute, t(element.dataset[datasetName]));
    }
  }
}

/** Load a language, translate the page, remember the choice and tell the page scripts. */
export async function setLanguage(language) {
  const chosen = SUPPORTED_LANGUAGES.includes(language) ? language : DEFAULT_LANGUAGE;
  await loadCatalog(DEFAULT_LANGUAGE);
  await loadCatalog(chosen);
  currentLanguage = chosen;
  document.documentElement.lang = HTML_LANG[chosen];
  applyTranslations();
  document.dispatchEvent(new CustomEvent(LANGUAGE_CHANGED, { detail: { language: chosen } }));
}

/** Wire the page's language <select>, start in the detected language and persist changes. */
export async function initLanguage(select) {
  const language = detectLanguage();
  select.value = language;
  select.addEventListener("change", async () => {
    localStorage.setItem(STORAGE_KEY, select.value);
    await setLanguage(select.value);
  });
  await setLanguage(language);
}
