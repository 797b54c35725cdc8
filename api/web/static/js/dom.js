// DOM helpers shared by the page scripts.

/** Create an element with an optional class, text and attributes. */
export function element(tag, { className, text, attributes } = {}) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  for (const [name, value] of Object.entries(attributes ?? {})) {
    node.setAttribute(name, value);
  }
  return node;
}
