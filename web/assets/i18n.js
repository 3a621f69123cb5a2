// Message catalogues. Every piece of text a page shows comes from `t(key, params)`.
//
// Adding a language = adding one file, assets/i18n/<lang>.js, that default-exports an object with
// the same keys as en.js (missing keys fall back to English). A value is a string with `{name}`
// placeholders, or an object of plural forms (`zero`, `one`, `two`, `few`, `many`, `other`)
// chosen by the `n` parameter with the language's plural rules.
//
// The language is the first of: `?lang=xx` in the address; on a participant's phone, the language
// they chose for themselves (`chooseOwnLanguage`); the session's language chosen by the
// facilitator (`view.language`, see `applySessionLanguage`); the last one chosen on this device;
// the browser's preferred languages. English is built in.
//
// Right-to-left languages (RTL below) turn the page's `dir`; the style sheets use logical
// properties (inline-start/end), so the layout mirrors. Text from people (names, options, ideas)
// keeps its own direction: `t()` isolates what it puts into a message (U+2068…U+2069) on a
// right-to-left page or when the text is right-to-left, and every element whose own text runs
// the other way from the page (an English option on an Arabic phone, an Urdu idea on an English
// screen) is given that direction as its `dir`, however its text was set (`watchDirections`).
//
// The host console, the landing page and the report also load ./i18n/console/<lang>.js (their own
// strings, kept out of the catalogue every phone downloads): `initI18n({ console: true })`.
//
// LANGUAGES lists the catalogues in ./i18n/ for the facilitator's language menu. The server
// generates ./i18n/languages.js from the files there, naming each language by its file's first
// line, which must be `// <the language's name in itself> ...` (e.g. `// Cymraeg (Welsh).`).

import en from './i18n/en.js';
import { NAMES } from './i18n/languages.js';

/** The catalogues that exist, by language code, each named in its own language. */
export const LANGUAGES = NAMES;

// Where a participant's own choice of language is kept (see `chooseOwnLanguage`).
const OWN_KEY = 'handsup:lang';
// A strong right-to-left character (Hebrew, Arabic, Syriac, Thaana, N'Ko and their presentation
// forms).
const RTL_CHAR = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/;
const RTL = new Set(['ar', 'fa', 'he', 'ur', 'ps', 'sd', 'ug', 'yi', 'dv', 'ckb']);
let catalogue = en;
let lang = 'en';
// The console's strings once loaded: English, and the current language's where it has them.
let extraEn = {};
let extra = {};
let plurals = new Intl.PluralRules('en');
let numbers = new Intl.NumberFormat('en');

function candidates() {
  const out = [];
  const param = new URLSearchParams(location.search).get('lang');
  if (param) out.push(param);
  try {
    const saved = localStorage.getItem(OWN_KEY);
    if (saved) out.push(saved);
  } catch {
    /* storage unavailable */
  }
  for (const tag of navigator.languages || [navigator.language || 'en']) out.push(tag);
  return out.map((tag) => String(tag).toLowerCase());
}

function missingCache() {
  try {
    return new Set(JSON.parse(sessionStorage.getItem('handsup:lang-missing') || '[]'));
  } catch {
    return new Set();
  }
}

/**
 * Loads the best available catalogue. Call (and await) once before rendering. `console`: the page
 * also shows the console's strings (host console, landing page, report).
 */
export async function initI18n({ console: withConsole = false } = {}) {
  await chooseLanguage();
  if (withConsole) {
    extraEn = (await import('./i18n/console/en.js')).default;
    if (lang !== 'en') {
      try {
        extra = (await import(`./i18n/console/${lang}.js`)).default || {};
      } catch {
        extra = {};
      }
    }
    catalogue = { ...catalogue, ...extraEn, ...extra };
  }
  return lang;
}

async function chooseLanguage() {
  const missing = missingCache();
  for (const tag of candidates()) {
    const code = tag.split(/[-_]/)[0];
    if (code === 'en') break;
    if (!/^[a-z]{2,3}$/.test(code) || missing.has(code)) continue;
    try {
      const mod = await import(`./i18n/${code}.js`);
      use(code, mod.default || {});
      return lang;
    } catch {
      missing.add(code);
      try {
        sessionStorage.setItem('handsup:lang-missing', JSON.stringify([...missing]));
      } catch {
        /* ignore */
      }
    }
  }
  use('en', {});
  return lang;
}

function use(code, messages) {
  if (code !== lang) extra = {};
  lang = code;
  catalogue = { ...en, ...extraEn, ...messages, ...extra };
  try {
    plurals = new Intl.PluralRules(code);
    numbers = new Intl.NumberFormat(code);
  } catch {
    plurals = new Intl.PluralRules('en');
    numbers = new Intl.NumberFormat('en');
  }
  document.documentElement.lang = code;
  const dir = RTL.has(code) ? 'rtl' : 'ltr';
  if (document.documentElement.dir !== dir) {
    document.documentElement.dir = dir;
    if (document.body) for (const el of document.body.querySelectorAll('*')) fixDirection(el);
  }
  watchDirections();
}

let watching = false;

/** From now on, every element whose text changes gets the direction of its own text. */
function watchDirections() {
  if (watching || typeof MutationObserver === 'undefined') return;
  watching = true;
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'characterData') {
        fixDirection(r.target.parentElement);
        continue;
      }
      fixDirection(r.target);
      for (const node of r.addedNodes) {
        if (node.nodeType !== 1) continue;
        fixDirection(node);
        for (const el of node.querySelectorAll('*')) fixDirection(el);
      }
    }
  }).observe(document.documentElement, { subtree: true, childList: true, characterData: true });
}

/**
 * Gives `el` the direction of its own text where that differs from the page's, and takes it
 * back when it no longer does. A `dir` the page set itself stays.
 */
function fixDirection(el) {
  if (!el || el.nodeType !== 1 || el === document.body || el === document.documentElement) return;
  const mine = el.hasAttribute('data-bidi');
  if ((el.hasAttribute('dir') && !mine) || /^(INPUT|TEXTAREA|SELECT|OPTION|SCRIPT|STYLE)$/.test(el.tagName)) return;
  let own = '';
  for (const n of el.childNodes) if (n.nodeType === 3) own += n.data;
  const dir = own ? textDirection(own) : null;
  const page = document.documentElement.dir || 'ltr';
  if (dir && dir !== page) {
    if (el.dir !== dir) el.dir = dir;
    if (!mine) el.setAttribute('data-bidi', '');
    // Still lined up with the page: an English option on an Arabic phone starts at the right
    // like the others (text the page centres or aligns itself stays so).
    el.style.textAlign = '';
    if (getComputedStyle(el).textAlign === 'start') el.style.textAlign = page === 'rtl' ? 'right' : 'left';
  } else if (mine) {
    el.removeAttribute('dir');
    el.removeAttribute('data-bidi');
    el.style.textAlign = '';
  }
}

export const currentLang = () => lang;

let sessionLoad = null; // {code, promise}: the session language being loaded

/**
 * Follows the facilitator's language for the session (`view.language`). An explicit `?lang=` in
 * the address still wins; a language without a catalogue leaves the page as it is. Resolves to
 * true when the catalogue changed, so the page re-renders its text.
 */
export function applySessionLanguage(tag, { personal = false } = {}) {
  if (!tag || new URLSearchParams(location.search).get('lang')) return Promise.resolve(false);
  if (personal && ownLanguage()) return Promise.resolve(false);
  return loadLanguage(tag);
}

/**
 * The language this person chose for themselves on a participant page (`chooseOwnLanguage`),
 * which wins over the session's; null when they follow the session.
 */
export function ownLanguage() {
  try {
    const saved = localStorage.getItem(OWN_KEY);
    return saved && /^[a-z]{2,3}$/.test(saved) ? saved : null;
  } catch {
    return null;
  }
}

/**
 * A participant picks their own language (a code from LANGUAGES), or `null` to follow the
 * session's (`sessionTag`) again. Remembered on this device. Resolves to true when the
 * catalogue changed, so the page re-renders its text.
 */
export function chooseOwnLanguage(code, sessionTag) {
  try {
    if (code) localStorage.setItem(OWN_KEY, code);
    else localStorage.removeItem(OWN_KEY);
  } catch {
    /* storage unavailable: the choice lasts until the page is left */
  }
  return loadLanguage(code || sessionTag || 'en');
}

function loadLanguage(tag) {
  const code = String(tag).toLowerCase().split(/[-_]/)[0];
  if (code === lang) return Promise.resolve(false);
  if (sessionLoad && sessionLoad.code === code) return sessionLoad.promise;
  const promise = (async () => {
    if (code === 'en') {
      use('en', {});
      return true;
    }
    if (!/^[a-z]{2,3}$/.test(code)) return false;
    try {
      const mod = await import(`./i18n/${code}.js`);
      if (sessionLoad?.code !== code) return false; // a newer choice came in meanwhile
      use(code, mod.default || {});
      return true;
    } catch {
      return false;
    }
  })();
  sessionLoad = { code, promise };
  return promise.finally(() => {
    if (sessionLoad?.promise === promise) sessionLoad = null;
  });
}

/** Formats a number for the current language. */
export const num = (n) => numbers.format(n);

/** The message for `key`, with `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  let msg = catalogue[key];
  if (msg == null) return key;
  if (typeof msg === 'object') {
    const n = Number(params.n ?? 0);
    msg = (n === 0 && msg.zero) || msg[plurals.select(n)] || msg.other || '';
  }
  const isolate = RTL.has(lang);
  return msg.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in params)) return whole;
    const v = params[name];
    if (typeof v === 'number') return num(v);
    const text = String(v);
    // Someone's words inside a sentence: isolated, so that neither runs into the other's order.
    return isolate || RTL_CHAR.test(text) ? `\u2068${text}\u2069` : text;
  });
}

/** Whether the catalogue has a message for `key`. */
export const has = (key) => key in catalogue;

/** The friendly text for an error `{code, message}` from the server or the connection. */
export function errorText(err) {
  const code = err && err.code;
  if (code && has(`error.${code}`)) return t(`error.${code}`);
  return (err && err.message) || t('error.unknown');
}

/**
 * Translates static markup: `data-i18n="key"` sets the text, `data-i18n-attr="attr:key;…"`
 * sets attributes.
 */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':').map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
}

/** Formats epoch milliseconds as a date and time in the current language. */
export function dateTime(ms) {
  try {
    return new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short' }).format(new Date(ms));
  } catch {
    return new Date(ms).toLocaleString();
  }
}

/**
 * The direction of `text` by its first strong character, skipping what is isolated
 * (U+2066–U+2069): 'rtl', 'ltr', or null when it has none (digits and punctuation only).
 */
export function textDirection(text) {
  let depth = 0;
  for (const ch of String(text)) {
    if (ch >= '\u2066' && ch <= '\u2068') depth += 1;
    else if (ch === '\u2069') depth = Math.max(0, depth - 1);
    else if (depth === 0) {
      if (RTL_CHAR.test(ch)) return 'rtl';
      if (/\p{L}/u.test(ch)) return 'ltr';
    }
  }
  return null;
}
