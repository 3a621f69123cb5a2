// The embed page (/embed/{code}[?activity=ID]), made for iframes on other sites: live results of
// the activity the facilitator pinned for embeds (or the current one), and — when the facilitator
// allows voting from embeds — the poll itself, or the board of a 2×2 grid.
//
// It watches on the read-only embed channel (/ws/{code}/embed). A vote goes through an ordinary
// participant connection, opened on the first vote (or at once when this browser has voted here
// before, so its choice shows). It never sees or sends the host key. It tells the parent page its
// height (`{type: 'handsup:resize', height}`) so the loader (embed.js) can size the iframe. In a
// frame of a fixed size (a plain <iframe>, an oEmbed card) nothing resizes it, so the page fits
// the frame instead: its type and spacing shrink, down to 62.5 %, until all of it shows.

import { h, $, put, store, codeFromPath, formatCode, announcer } from './util.js';
import { initI18n, t, translatePage, applySessionLanguage } from './i18n.js';
import { Conn, bindStatus } from './conn.js';
import * as poll from './kinds/poll.js';
import * as ideas from './kinds/ideas.js';
import * as wordcloud from './kinds/wordcloud.js';
import * as number from './kinds/number.js';
import * as pin from './kinds/pin.js';
import * as grid from './kinds/grid.js';

const code = codeFromPath();
const KEY = `handsup:p:${code}`;
const main = $('#main');
const say = announcer($('#live'));
/** `?activity=ID`: show only that activity (the facilitator's pin decides what the server sends). */
const wanted = (() => {
  const v = new URLSearchParams(location.search).get('activity');
  return v != null && /^\d+$/.test(v) ? Number(v) : null;
})();

let view = null; // the embed's PublicView
let screen = null; // {key, el, update(activity)}
let voter = null; // the participant connection, once needed
let answers = {}; // activity id → this visitor's answer
let ended = false;
const saved = store.get(KEY, {}) || {};
const statusEl = h('span', { class: 'conn', 'data-status': 'connecting' });
const showStatus = bindStatus(statusEl);

async function start() {
  await initI18n();
  translatePage();
  document.title = t('embed.page_title');
  reportHeight();
  if (!code) return showEnd('room_not_found');
  const watcher = new Conn(code, {
    channel: 'embed',
    hello: () => ({ type: 'hello', role: 'embed' }),
    onStatus: showStatus,
    onFatal: showEnd,
    onMessage(msg) {
      if (msg.type !== 'state' || ended) return;
      view = msg.view;
      if (view.language) {
        applySessionLanguage(view.language).then((changed) => {
          if (!changed || ended) return;
          translatePage();
          showStatus(watcher.status);
          screen = null;
          render();
        });
      }
      if (view.embed_voting && saved.token && !voter) startVoter();
      render();
    },
  });
  watcher.start();
}

/** Opens the participant connection that carries votes (and brings back earlier answers). */
function startVoter() {
  voter = new Conn(code, {
    hello: () => {
      const msg = { type: 'hello', role: 'participant' };
      if (saved.token) msg.token = saved.token;
      return msg;
    },
    onSession(msg) {
      if (msg.token) {
        saved.token = msg.token;
        store.set(KEY, saved);
      }
    },
    onHelloError(err) {
      if (err.code === 'invalid_token' && saved.token) {
        delete saved.token;
        store.set(KEY, saved);
        return true;
      }
      return false;
    },
    onFatal() {
      voter = null;
    },
    onMessage(msg) {
      if (msg.type !== 'me') return;
      if (msg.full) answers = {};
      for (const [id, answer] of Object.entries(msg.answers || {})) {
        if (answer == null) delete answers[id];
        else answers[id] = answer;
      }
      render();
    },
  });
  voter.start();
  return voter;
}

/** The loader (embed.js) marks its frames: it sizes them to the content, so they need no fitting. */
const selfSizing = /(^#|&)auto-height(&|$)/.test(location.hash);

/** Tells the parent page how tall the content is, whenever that changes; fits a fixed frame. */
function reportHeight() {
  if (window.parent === window) return;
  let last = 0;
  const post = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: 'handsup:resize', height }, '*');
  };
  if (selfSizing) {
    new ResizeObserver(post).observe(document.body);
    post();
    return;
  }
  let queued = false;
  const refit = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      fitFrame();
    });
  };
  new ResizeObserver(refit).observe(main);
  window.addEventListener('resize', refit);
  fitFrame();
}

/** Shrinks the page's type (and the rem-based spacing with it) until the content fits the frame. */
function fitFrame() {
  const root = document.documentElement;
  const fits = () => root.scrollHeight <= window.innerHeight + 1 && root.scrollWidth <= window.innerWidth + 1;
  root.style.fontSize = '';
  for (let size = 92.5; size >= 62.5 && !fits(); size -= 7.5) root.style.fontSize = `${size}%`;
}

function showEnd(reason) {
  ended = true;
  screen = null;
  voter?.stop();
  put(
    main,
    h(
      'section',
      { class: 'embed-idle' },
      h('h1', { text: t(reason === 'room_deleted' ? 'present.ended' : reason === 'room_not_found' ? 'present.not_found' : 'present.disconnected') }),
      h('p', { class: 'muted', text: t('embed.session', { code: formatCode(code || '') }) }),
    ),
  );
}

function render() {
  if (ended || !view) return;
  const current = view.activity || null;
  const a = current && (wanted == null || current.id === wanted) ? current : null;
  const key = a ? `${a.kind}:${a.id}` : current ? 'elsewhere' : 'idle';
  if (!screen || screen.key !== key) {
    screen = a ? activityScreen(a) : idleScreen(key);
    screen.key = key;
    put(main, screen.el);
    if (a) say(t('p.now_showing', { text: a.question || a.prompt || '' }));
  }
  screen.update(a);
}

/** The line at the bottom: connection status, and where to take part. */
function footer(meta) {
  return h(
    'footer',
    { class: 'embed-foot' },
    h('span', { class: 'embed-meta' }, statusEl, meta),
    h('a', { href: `/${code}`, target: '_blank', rel: 'noopener', text: t('embed.join', { code: formatCode(code) }) }),
  );
}

function idleScreen(key) {
  const eyebrow = h('p', { class: 'eyebrow' });
  const el = h(
    'section',
    { class: 'embed-idle', 'aria-labelledby': 'embed-h' },
    eyebrow,
    h('h1', { id: 'embed-h', text: t(key === 'elsewhere' ? 'embed.not_live_title' : 'embed.waiting_title') }),
    h('p', { class: 'muted', text: t(key === 'elsewhere' ? 'embed.not_live_text' : 'embed.waiting_text') }),
    footer(h('span')),
  );
  return {
    el,
    update() {
      eyebrow.textContent = view.title || 'handsup';
      eyebrow.hidden = false;
    },
  };
}

/**
 * The kinds with an embed part (results, and for polls, grids and pins voting); others show
 * "results hidden".
 */
const EMBEDS = { poll, ideas, wordcloud, number, grid, pin };

function activityScreen(first) {
  const id = first.id;
  const mod = EMBEDS[first.kind];
  const part = mod?.embed?.() || null;
  const eyebrow = h('p', { class: 'eyebrow' });
  const heading = h('h1', { class: 'question', id: `q${id}` });
  const voteBox = h('div', { class: 'embed-vote' });
  const note = h('p', { class: 'muted embed-note', hidden: true });
  const results = h('div', { class: 'embed-results' });
  const meta = h('span');
  // In a frame nobody resizes, the form and the results take turns: the form until this visitor
  // has voted, then the results, with a button to switch.
  const fixed = !selfSizing && window.parent !== window;
  const swap = h('button', { class: 'btn link embed-swap', type: 'button', hidden: true });
  let showing = null; // 'form' | 'results' while they take turns
  let answeredBefore = false;
  swap.addEventListener('click', () => {
    showing = showing === 'form' ? 'results' : 'form';
    render();
    swap.focus();
  });
  const el = h('section', { class: 'embed-act', 'aria-labelledby': `q${id}` }, eyebrow, heading, voteBox, note, results, h('p', { class: 'embed-swap-line' }, swap), footer(meta));
  let vote = null; // the voting form (the phone's, from the kind's module), while shown

  return {
    el,
    update(a) {
      const kind = t(`kind.${a.kind}`);
      eyebrow.textContent = view.title ? `${view.title} · ${kind}` : kind;
      if (heading.textContent !== (a.question || a.prompt || '')) heading.textContent = a.question || a.prompt || '';

      const voting = !!mod?.embedVote && view.embed_voting && a.voting_open;
      if (voting && !vote) {
        vote = voteForm(mod, a);
        put(voteBox, vote.el);
      } else if (!voting && vote) {
        vote = null;
        put(voteBox);
      }
      if (vote) vote.update(a, answers[a.id]);

      const shown = part ? part.update(results, a, { answer: answers[a.id], voting }) : { note: t('present.results_hidden'), meta: [] };
      note.hidden = !shown.note;
      if (shown.note) note.textContent = shown.note;
      const parts = [...shown.meta];
      if (!a.voting_open) parts.push(t('present.closed'));
      meta.textContent = parts.join(' · ');

      const answered = !!answers[a.id];
      if (!fixed || !vote) showing = null;
      else if (showing == null || (answered && !answeredBefore)) showing = answered ? 'results' : 'form';
      answeredBefore = answered;
      voteBox.hidden = showing === 'results';
      results.hidden = showing === 'form';
      if (showing === 'form') note.hidden = true;
      swap.hidden = showing == null;
      swap.textContent = showing === 'form' ? t('embed.see_results') : t('embed.back_to_vote');
    },
  };
}

/** The kind's voting form (the phone's), with the feedback and notice lines inside it. */
function voteForm(mod, first) {
  const feedback = h('p', { class: 'feedback', hidden: true });
  const notice = h('p', { class: 'notice', hidden: true });
  const f = {
    feedback,
    setFeedback(text, kind = 'ok') {
      feedback.hidden = !text;
      feedback.textContent = text || '';
      feedback.dataset.kind = kind;
      if (text) say(text);
    },
    setNotice(text, kind = 'closed') {
      notice.hidden = !text;
      notice.textContent = text || '';
      notice.dataset.kind = kind;
    },
  };
  const ctx = {
    async request(button, msg) {
      if (button) button.disabled = true;
      try {
        return await (voter || startVoter()).send(msg);
      } finally {
        if (button) button.disabled = false;
      }
    },
    setAnswer(id, answer) {
      if (answer == null) delete answers[id];
      else answers[id] = answer;
    },
    say,
  };
  return mod.embedVote(first, f, ctx, { big: false, notice });
}

start();
