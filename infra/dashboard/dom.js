// Tiny DOM helpers: build elements without innerHTML (so task data can never inject markup).

const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(el, attrs) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.setAttribute('class', value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An HTML element: h('a', { href: '#/' }, 'Home'). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

/** An SVG element: s('rect', { x: 0, y: 0, width: 10, height: 10 }). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

/** Replace an element's children. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const STATES = ['PENDING', 'STARTED', 'RETRY', 'SUCCESS', 'FAILURE', 'REVOKED'];
export const FINAL = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);

/** A state badge: colour and word (never colour alone). */
export function badge(state) {
  return h('span', { class: `badge state-${String(state).toLowerCase()}` }, state);
}

/** "3 s ago", "5 min ago", or a date for older moments. */
export function ago(ms, now = Date.now()) {
  if (!ms) return '—';
  const d = Math.max(0, now - ms);
  if (d < 5_000) return 'just now';
  if (d < 60_000) return `${Math.round(d / 1000)} s ago`;
  if (d < 3_600_000) return `${Math.round(d / 60_000)} min ago`;
  if (d < 86_400_000) return `${Math.round(d / 3_600_000)} h ago`;
  return new Date(ms).toLocaleString();
}

/** An absolute time element with the relative time as text. */
export function when(ms) {
  if (!ms) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: new Date(ms).toISOString(), title: new Date(ms).toLocaleString() }, ago(ms));
}

/** 12 ms, 1.4 s, 2 min. */
export function duration(ms) {
  if (ms === undefined || ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** The first 8 characters of an id, the whole one on hover. */
export function shortId(id) {
  return h('code', { title: id }, id.length > 12 ? `${id.slice(0, 8)}…` : id);
}

/** Pretty JSON in a scrollable block. */
export function jsonBlock(value, label) {
  return h('pre', { class: 'json', tabindex: 0, 'aria-label': label }, JSON.stringify(value, null, 2));
}

/** Announce a message in the toast area (polite live region). */
export function toast(message, kind = 'info') {
  const area = document.getElementById('toasts');
  if (!area) return;
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
  area.append(el);
  setTimeout(() => el.remove(), 6_000);
}
