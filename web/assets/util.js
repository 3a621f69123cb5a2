// Small DOM, storage and HTTP helpers shared by every page.

/** Creates an element. `props`: class, text, html-free attributes, `on*` listeners, `style`. */
export function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden') el[k] = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
  }
  // What people type takes the direction of what they type.
  if ((tag === 'textarea' || (tag === 'input' && ['text', 'search', undefined].includes(props?.type))) && !props?.dir) {
    el.dir = 'auto';
  }
  append(el, kids);
  return el;
}

function append(el, kids) {
  for (const kid of kids) {
    if (kid == null || kid === false) continue;
    if (Array.isArray(kid)) append(el, kid);
    else el.append(kid instanceof Node ? kid : String(kid));
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);

/** Replaces the children of `el`. */
export function put(el, ...kids) {
  el.replaceChildren();
  append(el, kids);
  return el;
}

/**
 * Re-renders `container` with `render()` and puts focus back on the element that had it, matched
 * by its `data-key`, so live updates never steal a keyboard user's place.
 */
export function keepFocus(container, render) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.key : null;
  render();
  if (key) {
    const again = container.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (again && again !== document.activeElement) again.focus({ preventScroll: true });
  }
}

/**
 * Updates `list`'s children in place from `items`: elements are reused by key (so a button being
 * pressed is never swapped out by a live update), created when new, moved only when out of order,
 * removed when gone. `create(item)` builds an element; `update(el, item, index)` refreshes it.
 */
export function keyed(list, items, keyOf, create, update) {
  const old = new Map();
  for (const el of list.children) if (el.dataset.k != null) old.set(el.dataset.k, el);
  for (const el of [...list.children]) if (el.dataset.k == null) el.remove();
  items.forEach((item, i) => {
    const k = String(keyOf(item));
    let el = old.get(k);
    if (el) old.delete(k);
    else {
      el = create(item);
      el.dataset.k = k;
    }
    update(el, item, i);
    if (list.children[i] !== el) list.insertBefore(el, list.children[i] || null);
  });
  for (const el of old.values()) el.remove();
}

/** Sets text only when it changed (no needless DOM writes). */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** "12345678" → "1234 5678". */
export function formatCode(code) {
  return code && code.length === 8 ? `${code.slice(0, 4)} ${code.slice(4)}` : code || '';
}

/** Reads digits out of what someone typed ("1234 5678", "1234-5678"). */
export function normaliseCode(text) {
  return String(text || '').replace(/\D/g, '');
}

/** The 8-digit room code in the path: `/12345678`, `/host/12345678`, `/present/12345678`. */
export function codeFromPath() {
  const m = location.pathname.match(/(?:^|\/)(\d{8})\/?$/);
  return m ? m[1] : null;
}

/** An error from the API or the socket: `{code, message}`. */
export class ApiError extends Error {
  constructor(code, message, status) {
    super(message || code);
    this.code = code;
    this.status = status;
  }
}

/** JSON HTTP call. Resolves to the parsed body (or null for 204); throws ApiError. */
export async function api(method, path, body, headers = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
      cache: 'no-store',
    });
  } catch (err) {
    throw new ApiError('network', err.message, 0);
  }
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const e = data && data.error;
    throw new ApiError(e?.code || `http_${res.status}`, e?.message || res.statusText, res.status);
  }
  return data;
}

/** localStorage that never throws (private mode, quota, disabled storage). */
export const store = {
  get(key, fallback = null) {
    try {
      const raw = localStorage.getItem(key);
      return raw == null ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch {
      /* ignore */
    }
  },
  del(key) {
    try {
      localStorage.removeItem(key);
    } catch {
      /* ignore */
    }
  },
};

const SESSIONS = 'handsup:sessions';

/** Sessions this browser created or hosted, newest first. */
export function listSessions() {
  const list = store.get(SESSIONS, []);
  return Array.isArray(list) ? list.filter((s) => s && /^\d{8}$/.test(s.code)) : [];
}

/** Adds or updates a remembered session (merged by code). */
export function rememberSession(entry) {
  const list = listSessions();
  const i = list.findIndex((s) => s.code === entry.code);
  const merged = { ...(i >= 0 ? list[i] : {}), ...entry, seen_at: Date.now() };
  if (i >= 0) list.splice(i, 1);
  list.unshift(merged);
  store.set(SESSIONS, list.slice(0, 30));
}

/** Changes a remembered session without moving it to the top. */
export function updateSession(code, patch) {
  const list = listSessions();
  const entry = list.find((s) => s.code === code);
  if (!entry) return;
  Object.assign(entry, patch);
  store.set(SESSIONS, list);
}

export function forgetSession(code) {
  store.set(
    SESSIONS,
    listSessions().filter((s) => s.code !== code),
  );
}

/** Copies text; falls back to a hidden textarea where the Clipboard API is unavailable. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = h('textarea', { class: 'offscreen', readonly: true, value: text });
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }
}

export const reducedMotion = () => matchMedia('(prefers-reduced-motion: reduce)').matches;

/** A polite live region: say something to screen-reader users (and show it if visible). */
export function announcer(el) {
  let timer;
  return (text) => {
    clearTimeout(timer);
    // Clearing first makes the same message be announced again.
    el.textContent = '';
    timer = setTimeout(() => {
      el.textContent = text;
    }, 60);
  };
}

/** Stable JSON of a value, for "did this change?" signatures. */
export const sig = (v) => JSON.stringify(v);

/** The join address to show: `public_url` from the server's welcome, else this origin. */
export function joinUrlParts(publicUrl) {
  const base = (publicUrl || location.origin).replace(/\/+$/, '');
  return { base, display: base.replace(/^https?:\/\//, '') };
}
