// The projected screen's parts for every kind: one screen per activity (heading, the kind's
// body, a foot line), the "voting closes in 0:42" badge for every activity, and reactions floating
// up (throttled; under reduced motion the counts are shown instead).

import { h, setText, reducedMotion } from '../util.js';
import { t, num } from '../i18n.js';
import { clock, clockText, closesIn, onTick, titleOf, REACTIONS, ANSWERLESS } from './common.js';
import * as poll from './poll.js';
import * as ideas from './ideas.js';
import * as wordcloud from './wordcloud.js';
import * as scales from './scales.js';
import * as qna from './qna.js';
import * as ranking from './ranking.js';
import * as points from './points.js';
import * as quiz from './quiz.js';
import * as number from './number.js';
import * as pin from './pin.js';
import * as grid from './grid.js';
import * as leaderboard from './leaderboard.js';
import * as info from './info.js';
import * as timer from './timer.js';
import * as groups from './groups.js';
import * as circle from './circle.js';

const MODS = { poll, ideas, wordcloud, scales, qna, ranking, points, quiz, number, grid, pin, leaderboard, info, timer, groups, circle };

/** "Voting closes in 0:42" for any activity; hidden without a countdown. */
export function closesBadge() {
  let last = null;
  const el = h('p', { class: 'closes-badge', hidden: true });
  onTick(el, (now) => {
    const left = closesIn(last, now);
    el.hidden = left == null;
    if (left != null) setText(el, left > 0 ? t('closes.in', { time: clockText(left) }) : t('closes.now'));
  });
  return {
    el,
    update(a) {
      last = a;
      const left = closesIn(a, clock.now());
      el.hidden = left == null;
      if (left != null) setText(el, left > 0 ? t('closes.in', { time: clockText(left) }) : t('closes.now'));
    },
  };
}

/** Takes no answers and shows nothing: a kind this page does not know (a newer server). */
const UNKNOWN = { present: () => ({ el: h('div'), update: () => [] }) };

/**
 * A screen for any activity: {el, update(a, room)}. The kind's `present(first, ctx)` either gives
 * an element for the body, or (`el: null`) renders into `ctx.body` itself and names what it shows
 * with `ctx.mode(name)` (the body's `data-mode`; changing it empties the body). `ctx.waitingBox`
 * is the big count shown while results are hidden.
 */
export function kindScreen(first) {
  const eyebrow = h('p', { class: 'eyebrow' });
  const question = h('h1', { class: 'question' });
  const badge = closesBadge();
  const body = h('div', { class: 'act-body', 'data-mode': first.kind });
  const mode = (want) => {
    if (body.dataset.mode === want) return;
    body.replaceChildren();
    delete body.dataset.fit;
    body.dataset.mode = want;
    delete body.dataset.sig;
  };
  const inner = (MODS[first.kind] || UNKNOWN).present(first, { refit: () => fit(body), body, mode, waitingBox });
  if (inner.el) body.append(inner.el);
  const foot = h('p', { class: 'act-foot' });
  const el = h('section', { class: `act act-${first.kind}` }, h('header', { class: 'act-head' }, h('div', {}, eyebrow, question), badge.el), body, foot);
  return {
    el,
    update(a, room) {
      const kind = t(`kind.${a.kind}`);
      setText(eyebrow, room.position ? `${kind} · ${t('present.position', { i: room.position.index + 1, n: room.position.count })}` : kind);
      setText(question, titleOf(a));
      question.classList.toggle('long', question.textContent.length > 90);
      badge.update(a);
      const parts = inner.update(a, room) || [];
      if (!a.voting_open && !ANSWERLESS.includes(a.kind)) parts.push(t('present.closed'));
      setText(foot, parts.filter(Boolean).join(' · '));
      foot.hidden = !foot.textContent;
      if (inner.fit === 'content') fitContent(body);
      else if (inner.fit !== false) fit(body);
    },
  };
}

/** The big count while results are hidden ("12 ideas in"). */
function waitingBox(n, label) {
  return h(
    'div',
    { class: 'waiting-box' },
    h('p', { class: 'waiting-n', text: num(n) }),
    h('p', { class: 'waiting-label', text: label }),
    h('p', { class: 'hidden-note', text: t('present.results_hidden') }),
  );
}

/** Shrinks the body's type (down to 40 %) until its content fits; grows it back after. */
export function fit(el) {
  const used = () => el.scrollHeight;
  const room = el.clientHeight;
  let scale = Number(el.dataset.fit || 1);
  const set = (s) => {
    el.style.fontSize = s === 1 ? '' : `${s}em`;
  };
  set(scale);
  while (used() > room + 1 && scale > 0.4) set((scale = Math.round((scale - 0.05) * 100) / 100));
  while (scale < 1) {
    const next = Math.min(1, Math.round((scale + 0.05) * 100) / 100);
    set(next);
    if (used() > room + 1) {
      set(scale);
      break;
    }
    scale = next;
  }
  el.dataset.fit = String(scale);
}

/**
 * Like fit(), for bodies that centre their content (bars, walls, clouds): measures from the first
 * child's top to the last one's bottom, and shrinks down to 30 %.
 */
export function fitContent(el) {
  const used = () => {
    const first = el.firstElementChild;
    const last = el.lastElementChild;
    return first ? last.getBoundingClientRect().bottom - first.getBoundingClientRect().top : 0;
  };
  const room = el.clientHeight;
  let scale = Number(el.dataset.fit || 1);
  const set = (s) => {
    el.style.fontSize = s === 1 ? '' : `${s}em`;
  };
  set(scale);
  while (used() > room && scale > 0.3) set((scale = Math.round((scale - 0.05) * 100) / 100));
  while (scale < 1) {
    const next = Math.min(1, Math.round((scale + 0.05) * 100) / 100);
    set(next);
    if (used() > room) {
      set(scale);
      break;
    }
    scale = next;
  }
  el.dataset.fit = String(scale);
}

const MAX_PER_SECOND = 8;

/**
 * Reactions: the view counts them per activity; what is new since the last frame floats up, at
 * most eight a second (a burst waits its turn, a flood is trimmed). Under reduced motion nothing
 * moves: the counts are shown instead.
 */
export function reactionLayer() {
  const layer = h('div', { class: 'float-layer', 'aria-hidden': 'true' });
  const counts = h('p', { class: 'reaction-tally', hidden: true });
  const el = h('div', { class: 'reactions-stage' }, layer, counts);
  let key = null;
  let seen = null;
  const queue = [];
  let timer = null;

  const pump = () => {
    const next = queue.shift();
    if (next) spawn(next);
    if (!queue.length) {
      clearInterval(timer);
      timer = null;
    }
  };
  const spawn = (emoji) => {
    const span = h('span', { class: 'floater', text: emoji });
    span.style.left = `${4 + Math.random() * 20}%`;
    span.style.setProperty('--drift', `${Math.round((Math.random() - 0.5) * 80)}px`);
    span.addEventListener('animationend', () => span.remove());
    layer.append(span);
    setTimeout(() => span.remove(), 5000);
  };

  return {
    el,
    update(room) {
      const r = room?.reactions;
      const k = room?.activity ? room.activity.id : 'lobby';
      const calm = reducedMotion();
      const total = r ? REACTIONS.reduce((n, [name]) => n + (r[name] || 0), 0) : 0;
      counts.hidden = !calm || !total;
      if (calm && r) {
        const s = JSON.stringify(r);
        if (counts.dataset.sig !== s) {
          counts.dataset.sig = s;
          counts.replaceChildren(
            ...REACTIONS.filter(([name]) => r[name]).map(([name, emoji]) =>
              h('span', { class: 'tally' }, h('span', { 'aria-hidden': 'true', text: emoji }), h('span', { class: 'sr-only', text: t(`react.${name}`) }), ` ${num(r[name])}`),
            ),
          );
        }
      }
      if (!r) return;
      if (key !== k || !seen) {
        key = k;
        seen = { ...r };
        return;
      }
      for (const [name, emoji] of REACTIONS) {
        const fresh = Math.max(0, (r[name] || 0) - (seen[name] || 0));
        if (!calm) for (let i = 0; i < Math.min(fresh, MAX_PER_SECOND * 2); i++) queue.push(emoji);
      }
      seen = { ...r };
      // Never more than three seconds behind: a flood is trimmed, not queued forever.
      if (queue.length > MAX_PER_SECOND * 3) queue.splice(0, queue.length - MAX_PER_SECOND * 3);
      if (queue.length && !timer) {
        pump();
        timer = setInterval(pump, 1000 / MAX_PER_SECOND);
      }
    },
  };
}
