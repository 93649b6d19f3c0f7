// Small DOM and formatting helpers. Text from files or partners is only ever set as
// text (never parsed as HTML), and styles only through classes or CSSOM (the CSP
// refuses style attributes and inline styles).

/** Element by `data-role` (or any selector) inside `root`. */
export function $(sel, root = document) {
  return root.querySelector(sel.startsWith('[') || sel.startsWith('.') || sel.startsWith('#') ? sel : `[data-role="${sel}"]`);
}

/** `h('p', { class: 'x', 'data-testid': 'y' }, 'text', child)`: attributes, then children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';
/** An SVG element with attributes (presentation attributes are not inline styles). */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const intFmt = new Intl.NumberFormat('en-US');
/** 1234567 → "1,234,567"; null (suppressed) → "< k". */
export function count(n, k) {
  if (n === null || n === undefined) return k ? `< ${intFmt.format(k)}` : '< k';
  return intFmt.format(n);
}

/** 0.1234 → "12.3%"; null → "—". */
export function percent(x, digits = 1) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${(x * 100).toFixed(digits)}%`;
}

/** Seconds → "about 2 min 10 s" style. */
export function duration(sec) {
  if (sec === null || sec === undefined || !Number.isFinite(sec)) return '';
  if (sec < 1) return 'under a second';
  if (sec < 60) return `${Math.round(sec)} s`;
  const m = Math.floor(sec / 60);
  const r = Math.round(sec % 60);
  if (m < 60) return r ? `${m} min ${r} s` : `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Bytes → "1.2 MB". */
export function bytes(n) {
  if (n < 1000) return `${n} bytes`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

/** matched / records, or null when suppressed or empty. */
export function rate(matched, records) {
  return matched === null || matched === undefined || !records ? null : matched / records;
}

/** Title case for a template or mode name. */
export function templateName(t) {
  return ({ overlap: 'Overlap', segments: 'Segment insights', measurement: 'Campaign measurement', audience: 'Audience' })[t] ?? t;
}
