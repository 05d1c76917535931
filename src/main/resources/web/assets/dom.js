// DOM building without markup: every text goes in as a Text node or a property, never as HTML.
const PROPS = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'required', 'readOnly', 'multiple']);

export function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (PROPS.has(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, kids);
  return el;
}

export function append(el, kids) {
  for (const kid of [kids].flat(Infinity)) {
    if (kid == null || kid === false) continue;
    el.append(kid instanceof Node ? kid : String(kid));
  }
  return el;
}

export function replace(el, ...kids) {
  el.replaceChildren();
  return append(el, kids);
}

export function svg(tag, attrs) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  return el;
}

let fieldSeq = 0;
/** A labelled form field; the control gets an id so the label points at it. */
export function field(label, control, hint) {
  const id = control.id || `f${++fieldSeq}`;
  control.id = id;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

export function toast(text, bad = false) {
  const t = h('div', { class: bad ? 'toast bad' : 'toast' }, text);
  document.getElementById('toasts').append(t);
  setTimeout(() => t.remove(), bad ? 8000 : 4000);
}

export function fmtBytes(n) {
  if (n == null) return '–';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n >= 10 || i === 0 ? Math.round(n) : n.toFixed(1)} ${u[i]}`;
}

export function fmtTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toLocaleString();
}

export function fmtDuration(seconds) {
  if (seconds == null || seconds < 0) return '–';
  const d = Math.floor(seconds / 86400), hr = Math.floor(seconds / 3600) % 24, m = Math.floor(seconds / 60) % 60;
  if (d) return `${d}d ${hr}h`;
  if (hr) return `${hr}h ${m}m`;
  return `${m}m ${Math.floor(seconds % 60)}s`;
}

export function uptime(startedAt) {
  return startedAt ? fmtDuration((Date.now() - new Date(startedAt).getTime()) / 1000) : '–';
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast(`Copied ${text}`);
  } catch {
    toast('Copy failed: select the text and copy it by hand', true);
  }
}

/** A confirmation dialog (native <dialog>, focus trapped by the browser); resolves true or false. */
export function confirmDialog(title, body, okLabel = 'Confirm', danger = false) {
  return new Promise((resolve) => {
    const ok = h('button', { class: danger ? 'danger' : 'primary', value: 'ok' }, okLabel);
    const cancel = h('button', { value: 'cancel', type: 'button' }, 'Cancel');
    const d = h('dialog', { class: 'panel', 'aria-labelledby': 'dlg-title' },
      h('form', { method: 'dialog' }, h('h2', { id: 'dlg-title' }, title), body, h('div', { class: 'row' }, ok, cancel)));
    cancel.addEventListener('click', () => d.close('cancel'));
    d.addEventListener('close', () => { d.remove(); resolve(d.returnValue === 'ok'); });
    document.body.append(d);
    d.showModal();
  });
}
