// Message catalogues. Every piece of text a page shows comes from `t(key, params)`.
//
// Adding a language = adding one file, assets/i18n/<lang>.js, that default-exports an object with
// the same keys as en.js (missing keys fall back to English). A value is a string with `{name}`
// placeholders, or an object of plural forms (`zero`, `one`, `two`, `few`, `many`, `other`)
// chosen by the `n` parameter with the language's plural rules.
//
// The language is the first of: `?lang=xx` in the address, the session's language chosen by the
// facilitator (`view.language`, see `applySessionLanguage`), the last one chosen on this device,
// the browser's preferred languages. English is built in.
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
    const saved = localStorage.getItem('handsup:lang');
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
  document.documentElement.dir = RTL.has(code) ? 'rtl' : 'ltr';
}

export const currentLang = () => lang;

let sessionLoad = null; // {code, promise}: the session language being loaded

/**
 * Follows the facilitator's language for the session (`view.language`). An explicit `?lang=` in
 * the address still wins; a language without a catalogue leaves the page as it is. Resolves to
 * true when the catalogue changed, so the page re-renders its text.
 */
export function applySessionLanguage(tag) {
  if (!tag || new URLSearchParams(location.search).get('lang')) return Promise.resolve(false);
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
  return msg.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in params)) return whole;
    const v = params[name];
    return typeof v === 'number' ? num(v) : String(v);
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
