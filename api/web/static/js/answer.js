// Rendering of an answer's text and its citations with DOM nodes only, never innerHTML,
// because answers quote KB text and user input.

import { setText } from "./i18n.js";

function citationAnchor(replyId, number) {
  return `${replyId}-cite-${number}`;
}

/**
 * Drop the plain-text source list that the embedded engine appends to its answers
 * ("Sources:" then "[n] title (doc)" lines), because the page shows the citations as a list.
 * Only lines that match a citation exactly are dropped, with the header line just before them.
 */
export function stripSourceLines(text, citations) {
  const sourceLines = new Set(
    citations.map((citation, index) => `[${index + 1}] ${citation.title} (${citation.doc})`),
  );
  const lines = text.split("\n");
  const keptLines = [];
  for (const [index, line] of lines.entries()) {
    if (sourceLines.has(line.trim())) {
      continue;
    }
    const next = lines[index + 1]?.trim();
    if (next && sourceLines.has(next) && /^\S{1,20}[:：]$/.test(line.trim())) {
      continue;
    }
    keptLines.push(line);
  }
  return keptLines.join("\n");
}

const TABLE_ROW = /^\s*(\|.*\|)\s*((?:\[\d+\]\s*)*)$/;
const TABLE_RULE = /^\s*\|(?:\s*:?-{3,}:?\s*\|)+\s*$/;
const INLINE_CODE = /^`[^`\n]+`$/;
const INLINE_PATTERN_WITH_CODE = /(\*\*[^*\n]+\*\*|\[\d+\]|`[^`\n]+`)/g;

/** Append text with **bold**, `code` and [n] citation links as DOM nodes. */
function appendInline(container, text, replyId) {
  for (const part of text.split(INLINE_PATTERN_WITH_CODE)) {
    if (!part) {
      continue;
    }
    if (part.startsWith("**") && part.endsWith("**") && part.length > 4) {
      const strong = document.createElement("strong");
      strong.textContent = part.slice(2, -2);
      container.append(strong);
    } else if (/^\[\d+\]$/.test(part)) {
      const link = document.createElement("a");
      link.className = "cite-ref";
      link.href = `#${citationAnchor(replyId, part.slice(1, -1))}`;
      link.textContent = part;
      container.append(link);
    } else if (INLINE_CODE.test(part)) {
      const code = document.createElement("code");
      code.textContent = part.slice(1, -1);
      container.append(code);
    } else {
      container.append(document.createTextNode(part));
    }
  }
}

function tableCells(row) {
  return row.trim().slice(1, -1).split("|").map((cell) => cell.trim());
}

/** Build a table from Markdown rows: the header, then the rows after the --- rule. */
function renderTable(header, rows, replyId) {
  const table = document.createElement("table");
  table.className = "answer-table";
  const head = document.createElement("thead");
  const headRow = document.createElement("tr");
  for (const cell of tableCells(header)) {
    const th = document.createElement("th");
    th.scope = "col";
    appendInline(th, cell, replyId);
    headRow.append(th);
  }
  head.append(headRow);
  const body = document.createElement("tbody");
  for (const row of rows) {
    const tr = document.createElement("tr");
    for (const cell of tableCells(row)) {
      const td = document.createElement("td");
      appendInline(td, cell, replyId);
      tr.append(td);
    }
    body.append(tr);
  }
  table.append(head, body);
  return table;
}

/**
 * Render answer text: Markdown tables become <table>, **bold** <strong>, `code` <code>, and
 * [n] links to the n-th citation. Citation markers after a table's last row follow the table.
 */
export function renderAnswerText(container, text, replyId, citations = []) {
  delete container.dataset.i18n;
  container.replaceChildren();
  const lines = stripSourceLines(text, citations).split("\n");
  let pending = [];
  const flush = () => {
    if (pending.length) {
      appendInline(container, pending.join("\n"), replyId);
      pending = [];
    }
  };
  for (let index = 0; index < lines.length; index += 1) {
    const header = TABLE_ROW.exec(lines[index]);
    if (!header || !TABLE_RULE.test(lines[index + 1] ?? "")) {
      pending.push(lines[index]);
      continue;
    }
    const rows = [];
    let trailing = header[2];
    let next = index + 2;
    for (let row = TABLE_ROW.exec(lines[next] ?? ""); row; row = TABLE_ROW.exec(lines[next] ?? "")) {
      rows.push(row[1]);
      trailing = row[2];
      next += 1;
      if (trailing) {
        break;
      }
    }
    flush();
    container.append(renderTable(header[1], rows, replyId));
    if (trailing) {
      pending.push(trailing.trim());
    }
    index = next - 1;
  }
  flush();
}

/** Return the citation's URL when it is a same-site path or an http(s) address, else null. */
function safeUrl(url) {
  if (!url) {
    return null;
  }
  try {
    const parsed = new URL(url, location.origin);
    return ["http:", "https:"].includes(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

function renderCitation(citation, number, replyId) {
  const item = document.createElement("li");
  item.id = citationAnchor(replyId, number);
  item.className = "citation";
  const title = citation.title || citation.doc || "";
  const url = safeUrl(citation.url);
  const label = document.createElement(url ? "a" : "span");
  label.className = "citation-title";
  label.textContent = title;
  if (url) {
    label.href = url;
    label.target = "_blank";
    label.rel = "noopener";
  }
  item.append(label);
  if (citation.doc) {
    const path = document.createElement("code");
    path.className = "citation-doc";
    path.textContent = citation.doc;
    item.append(" ", path);
  }
  return item;
}

/** Build the numbered source list, whose numbers match the [n] markers in the answer text. */
export function renderCitations(citations, replyId) {
  const section = document.createElement("section");
  section.className = "sources";
  if (!citations.length) {
    section.hidden = true;
    return section;
  }
  const heading = document.createElement("h3");
  setText(heading, "chat.sources");
  const list = document.createElement("ol");
  citations.forEach((citation, index) => list.append(renderCitation(citation, index + 1, replyId)));
  section.append(heading, list);
  return section;
}

/** Build the list of related KB articles shown under the sources; hidden when there are none. */
export function renderRelated(related) {
  const section = document.createElement("section");
  section.className = "sources related";
  if (!related.length) {
    section.hidden = true;
    return section;
  }
  const heading = document.createElement("h3");
  setText(heading, "chat.related");
  const list = document.createElement("ul");
  for (const article of related) {
    const item = document.createElement("li");
    item.className = "related-article";
    const title = document.createElement("span");
    title.className = "citation-title";
    title.textContent = article.title || article.doc || "";
    item.append(title);
    if (article.doc) {
      const path = document.createElement("code");
      path.className = "citation-doc";
      path.textContent = article.doc;
      item.append(" ", path);
    }
    list.append(item);
  }
  section.append(heading, list);
  return section;
}
