// @ts-check
// What every view of the review page shares: element building, toasts, value display, and
// the shell's hooks (show a view, sign out) the views call back into.
import { ApiError } from './api.js';

/** Set by app.js at start: the views call the shell through these. */
export const shell = {
  /** @type {(view: string) => Promise<void>} */
  show: async () => {},
  /** @type {(message?: string) => void} */
  signedOut: () => {},
};

/**
 * @param {string} sel
 * @returns {any} the element (views know which kind they asked for)
 */
export const $ = (sel) => document.querySelector(sel);

/** h('td', { 'data-testid': 'x', class: 'y', onclick }, child, …) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer;

export function toast(message, kind = 'info') {
  const t = $('#toast');
  t.textContent = message;
  t.className = kind;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), 5000);
}

/** A conflict value as text: a scalar, a set entry { label, value }, a record summary, or absent. */
export function showValue(v) {
  if (v === null || v === undefined) return h('span', { class: 'absent' }, '— absent');
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return h('span', {}, String(v));
  if (typeof v === 'object' && !Array.isArray(v) && 'value' in v && Object.keys(v).length <= 3) {
    return h('span', {}, v.label ? h('span', { class: 'label' }, `${v.label}: `) : '', String(v.value ?? '—'));
  }
  return h('pre', {}, JSON.stringify(v, null, 2));
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
export const short = (id) => (id ? id.slice(0, 8) : '—');

export async function guarded(button, work) {
  const row = button.closest('[data-testid]');
  for (const b of row?.querySelectorAll('button') ?? []) b.disabled = true;
  try {
    await work();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return shell.signedOut('The token was refused.');
    toast(e.message, 'error');
    for (const b of row?.querySelectorAll('button') ?? []) b.disabled = false;
  }
}

/** The helpers the view modules take as `ui`. */
export const ui = { h, guarded, toast, showValue, when, short };
