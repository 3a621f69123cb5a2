// What the newer activity kinds share on every page: the server clock (countdowns run from the
// server's time, never the device's alone), a shared ticker for countdowns, number formatting, the
// five reactions, and small rendering helpers.

import { h, setText } from '../util.js';
import { t, currentLang } from '../i18n.js';

/** Every kind, each rendered by its module in this folder (one file each), in the console's order. */
export const KINDS = ['poll', 'ideas', 'wordcloud', 'scales', 'qna', 'ranking', 'points', 'quiz', 'number', 'grid', 'pin', 'leaderboard', 'info', 'timer', 'groups', 'circle'];
export const isKind = (kind) => KINDS.includes(kind);

/** Slides that take no answers: no voting, results or countdown controls. */
export const ANSWERLESS = ['info', 'timer', 'leaderboard', 'groups', 'circle'];

/** The five reactions, in the order of the bar: protocol name → emoji. */
export const REACTIONS = [
  ['thumbs_up', '👍'],
  ['heart', '❤️'],
  ['laugh', '😂'],
  ['wow', '😮'],
  ['clap', '👏'],
];

let offset = 0;

/**
 * The server's clock, as seen from here: every state frame carries `server_time`; the offset to
 * the device clock is kept from the latest one.
 */
export const clock = {
  sync(serverTime) {
    if (typeof serverTime === 'number' && Number.isFinite(serverTime)) offset = serverTime - Date.now();
  },
  now: () => Date.now() + offset,
};

/** "4:05", "1:02:03" for a duration in ms (rounded up, so 0:00 means really over). */
export function clockText(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const two = (n) => String(n).padStart(2, '0');
  return hours ? `${hours}:${two(minutes)}:${two(seconds)}` : `${minutes}:${two(seconds)}`;
}

/** The same duration in words, for screen readers ("2 minutes 5 seconds"). */
export function spokenTime(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  if (!minutes) return t('clock.seconds', { n: seconds });
  if (!seconds) return t('clock.minutes', { n: minutes });
  return `${t('clock.minutes', { n: minutes })} ${t('clock.seconds', { n: seconds })}`;
}

const ticks = new Set();
let tickHandle = null;

/**
 * Calls `fn(now)` now and about five times a second while `el` is in the page; stops by itself
 * once `el` has left it (or never arrived within a few seconds). Returns a function that stops it.
 */
export function onTick(el, fn) {
  const entry = { el, fn, seen: false, born: Date.now() };
  ticks.add(entry);
  fn(clock.now());
  if (!tickHandle) tickHandle = setInterval(runTicks, 200);
  return () => ticks.delete(entry);
}

function runTicks() {
  const now = clock.now();
  for (const entry of ticks) {
    if (entry.el.isConnected) {
      entry.seen = true;
      try {
        entry.fn(now);
      } catch {
        ticks.delete(entry);
      }
    } else if (entry.seen || Date.now() - entry.born > 5000) ticks.delete(entry);
  }
  if (!ticks.size) {
    clearInterval(tickHandle);
    tickHandle = null;
  }
}

/** Milliseconds left on a timer view at server time `now`. */
export function timerLeft(a, now) {
  const running = a.running_since != null ? Math.max(0, now - a.running_since) : 0;
  return Math.max(0, a.duration_ms - a.elapsed_ms - running);
}

/** Milliseconds left to answer a quiz question (null before the clock starts). */
export function quizLeft(a, now) {
  if (a.started_at == null) return null;
  return Math.max(0, a.started_at + a.time_limit_ms - now);
}

/** Milliseconds until a countdown closes voting (null without one, or once voting is closed). */
export function closesIn(a, now) {
  if (!a || a.closes_at == null || !a.voting_open) return null;
  return Math.max(0, a.closes_at - now);
}

/** The heading of any activity. */
export function titleOf(a) {
  return a.question || a.prompt || a.title || (a.kind === 'scales' ? t('scales.default_prompt') : t(`kind.${a.kind}`));
}

let decimals = null;
/** A number with at most one decimal ("4.3"), in the page's language. */
export function dec(x) {
  if (x == null || !Number.isFinite(x)) return '–';
  if (!decimals || decimals.lang !== currentLang()) {
    try {
      decimals = { lang: currentLang(), f: new Intl.NumberFormat(currentLang(), { minimumFractionDigits: 1, maximumFractionDigits: 1 }) };
    } catch {
      decimals = { lang: currentLang(), f: new Intl.NumberFormat('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 }) };
    }
  }
  return decimals.f.format(x);
}

/** A value's colour step on a scale (0 = lowest, 4 = highest), for distribution segments. */
export function tone(value, min, max) {
  if (max <= min) return 2;
  return Math.round(((value - min) / (max - min)) * 4);
}

/**
 * A stacked bar of a distribution (`counts[i]` for value `min + i`), with a text equivalent for
 * screen readers. Updated in place.
 */
export function distribution(el, counts, min) {
  const total = counts.reduce((x, y) => x + y, 0);
  const max = min + counts.length - 1;
  if (!el._segs || el._segs.length !== counts.length) {
    el.className = 'dist';
    el._segs = counts.map((_, i) => h('span', { class: `seg tone${tone(min + i, min, max)}`, 'aria-hidden': 'true' }));
    el._sr = h('span', { class: 'sr-only' });
    el.replaceChildren(...el._segs, el._sr);
  }
  counts.forEach((n, i) => {
    el._segs[i].style.width = total ? `${(n * 100) / total}%` : '0%';
    el._segs[i].title = `${min + i}: ${n}`;
  });
  setText(el._sr, t('scales.dist_sr', { list: counts.map((n, i) => `${min + i}: ${n}`).join(', ') }));
  return el;
}

/** A small "A", "B", "C" letter for an option at `i`. */
/** A row of a console moderation list (ideas, Q&A): the text, its details and its buttons. */
export function moderationRow() {
  const li = h('li', { class: 'mod-item' });
  li._text = h('span');
  li._meta = h('span', { class: 'mod-meta' });
  li._actions = h('span', { class: 'mod-actions' });
  li.append(h('span', { class: 'mod-text' }, li._text, li._meta), li._actions);
  return li;
}

export const letter = (i) => String.fromCharCode(65 + (i % 26));
