// The projected screen: read-only, large, high contrast. Shows how to join, the live participant
// count and the current activity's results as they move.

import { h, $, put, store, codeFromPath, formatCode, joinUrlParts } from './util.js';
import { initI18n, t, translatePage, num, applySessionLanguage } from './i18n.js';
import { Conn, bindStatus } from './conn.js';
import { renderBars, renderCloud, renderWall, pollRows, ideaRows } from './charts.js';
import { clock } from './kinds/common.js';
import { isKind, kindScreen, closesBadge, reactionLayer } from './kinds/stage.js';

const code = codeFromPath();
const stage = $('#stage');
const joinbar = $('#joinbar');
let join = joinUrlParts(null);
let room = null;
let screen = null; // {key, el, update()}
const qrSrc = `/api/rooms/${code}/qr.svg`;

async function start() {
  await initI18n();
  translatePage();
  document.title = t('present.page_title');
  setupCorner();
  if (!code) return showEnd('room_not_found');
  const showStatus = bindStatus($('#conn'));
  const conn = new Conn(code, {
    hello: () => ({ type: 'hello', role: 'presenter' }),
    onSession(msg, welcome) {
      join = joinUrlParts(welcome?.public_url);
      renderJoinbar();
    },
    onStatus: showStatus,
    onFatal: showEnd,
    onMessage(msg) {
      if (msg.type === 'state') {
        room = msg.view;
        clock.sync(msg.server_time);
        if (room.language) followLanguage(room.language, () => showStatus(conn.status));
        render();
      }
    },
  }).start();
}

/** The facilitator chose (or changed) the session's language: re-render every text. */
function followLanguage(tag, refreshStatus) {
  applySessionLanguage(tag).then((changed) => {
    if (!changed || !room) return;
    translatePage();
    refreshStatus();
    screen = null;
    delete joinbar.dataset.key;
    render();
  });
}

addEventListener('resize', () => {
  if (room && screen) screen.update(room.activity, room);
});

function setupCorner() {
  const themeBtn = $('#theme');
  const apply = (dark) => {
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
    themeBtn.setAttribute('aria-pressed', String(dark));
  };
  let dark = store.get('handsup:present-dark', false);
  apply(dark);
  const toggleTheme = () => {
    dark = !dark;
    store.set('handsup:present-dark', dark);
    apply(dark);
  };
  themeBtn.addEventListener('click', toggleTheme);
  const fsBtn = $('#fullscreen');
  const toggleFs = () => {
    if (document.fullscreenElement) document.exitFullscreen?.();
    else document.documentElement.requestFullscreen?.().catch(() => {});
  };
  fsBtn.hidden = !document.fullscreenEnabled;
  fsBtn.addEventListener('click', toggleFs);
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'f' || e.key === 'F') toggleFs();
    if (e.key === 'd' || e.key === 'D') toggleTheme();
  });
  // The corner controls fade away while the mouse rests.
  let idle;
  const wake = () => {
    document.body.classList.remove('idle');
    clearTimeout(idle);
    idle = setTimeout(() => document.body.classList.add('idle'), 3000);
  };
  addEventListener('mousemove', wake);
  addEventListener('keydown', wake);
  wake();
}

function showEnd(reason) {
  screen = null;
  joinbar.hidden = true;
  put(
    stage,
    h(
      'section',
      { class: 'ended' },
      h('h1', {
        text: t(reason === 'room_deleted' ? 'present.ended' : reason === 'room_not_found' ? 'present.not_found' : 'present.disconnected'),
      }),
      h('p', { text: formatCode(code || '') }),
      reason === 'room_deleted' || reason === 'room_not_found'
        ? null
        : h('p', {}, h('button', { class: 'corner-btn', type: 'button', text: t('present.reconnect'), onclick: () => location.reload() })),
    ),
  );
}

function renderJoinbar() {
  if (!room || !room.activity) {
    joinbar.hidden = true;
    return;
  }
  joinbar.hidden = false;
  const key = `${join.display}|${room.online}`;
  if (joinbar.dataset.key === key) return;
  joinbar.dataset.key = key;
  put(
    joinbar,
    h(
      'p',
      { class: 'joinbar-text' },
      t('present.join_at'),
      ' ',
      h('strong', { class: 'joinbar-url', text: join.display }),
      ' ',
      t('present.with_code'),
      ' ',
      h('strong', { class: 'joinbar-code', text: formatCode(code) }),
    ),
    h('p', { class: 'online' }, h('span', { class: 'online-dot', 'aria-hidden': 'true' }), t('present.online', { n: room.online })),
    h('img', { class: 'joinbar-qr', src: qrSrc, alt: t('present.qr_alt'), width: 96, height: 96 }),
  );
}

/** Reactions floating up over every screen (kinds/stage.js). */
const reactions = reactionLayer();

function render() {
  document.title = room.title ? `${room.title} · handsup` : t('present.page_title');
  const a = room.activity;
  const key = a ? `${a.kind}:${a.id}` : 'lobby';
  if (!screen || screen.key !== key) {
    screen = !a ? lobbyScreen() : isKind(a.kind) ? kindScreen(a) : activityScreen(a);
    screen.key = key;
    put(stage, screen.el);
  }
  screen.update(a, room);
  renderJoinbar();
  if (!reactions.el.isConnected) document.body.append(reactions.el);
  reactions.update(room);
}

function lobbyScreen() {
  const title = h('h1', { class: 'lobby-title' });
  const url = h('p', { class: 'big-url' });
  const count = h('p', { class: 'lobby-count' });
  const el = h(
    'section',
    { class: 'lobby' },
    title,
    h(
      'div',
      { class: 'lobby-grid' },
      h(
        'div',
        { class: 'lobby-steps' },
        h('p', { class: 'step', text: t('present.lobby_go_to') }),
        url,
        h('p', { class: 'step', text: t('present.lobby_enter_code') }),
        h('p', { class: 'big-code', text: formatCode(code) }),
      ),
      h(
        'figure',
        { class: 'lobby-qr' },
        h('img', { src: qrSrc, alt: t('present.qr_alt'), width: 320, height: 320 }),
        h('figcaption', { text: t('present.lobby_scan') }),
      ),
    ),
    count,
  );
  return {
    el,
    update() {
      title.textContent = room.title || t('present.lobby_default_title');
      url.textContent = join.display;
      count.textContent = t('present.joined', { n: room.online });
    },
  };
}

function activityScreen(first) {
  const eyebrow = h('p', { class: 'eyebrow' });
  const question = h('h1', { class: 'question' });
  const body = h('div', { class: 'act-body' });
  const foot = h('p', { class: 'act-foot' });
  const badge = closesBadge();
  const el = h('section', { class: `act act-${first.kind}` }, h('header', { class: 'act-head' }, h('div', {}, eyebrow, question), badge.el), body, foot);
  let mode = '';

  return {
    el,
    update(a) {
      const kind = t(`kind.${a.kind}`);
      eyebrow.textContent = room.position ? `${kind} · ${t('present.position', { i: room.position.index + 1, n: room.position.count })}` : kind;
      question.textContent = a.question || a.prompt || '';
      badge.update(a);
      question.classList.toggle('long', question.textContent.length > 90);
      const parts = [];
      if (a.kind === 'poll') {
        parts.push(t('present.responses', { n: a.responses }));
      } else if (a.kind === 'ideas') {
        parts.push(t('present.ideas_count', { n: a.count }));
        if (a.phase === 'vote') parts.push(t('present.voters', { n: a.responses }));
      } else if (a.kind === 'wordcloud') {
        parts.push(t('present.words_count', { n: a.total }));
        parts.push(t('present.people', { n: a.responses }));
      }
      if (!a.voting_open) parts.push(t('present.closed'));
      else if (a.kind === 'ideas') parts.push(t(a.phase === 'vote' ? 'present.phase_vote' : 'present.phase_collect'));
      foot.textContent = parts.join(' · ');

      // What the body shows; rebuilt only when that changes.
      let want;
      if (a.kind === 'poll') want = a.results ? 'bars' : 'options';
      else if (a.kind === 'ideas') {
        const ranked = a.phase === 'vote' && (a.ideas || []).some((i) => i.votes != null);
        want = ranked ? 'ranking' : a.ideas ? 'wall' : 'waiting';
      } else if (a.kind === 'wordcloud') want = a.words ? 'cloud' : 'waiting';
      else want = 'waiting';
      if (want !== mode) {
        mode = want;
        body.replaceChildren();
        delete body.dataset.fit;
        body.dataset.mode = want;
        delete body.dataset.sig;
      }
      body.dataset.compact = String(
        (want === 'bars' && a.options.length > 8) || (want === 'ranking' && ideaRows(a).length > 8),
      );
      if (want === 'bars') renderBars(body, pollRows(a), { total: a.results.voters, unit: 'votes' });
      else if (want === 'options') renderOptions(body, a);
      else if (want === 'ranking') renderBars(body, ideaRows(a).slice(0, 10), { scale: 'max', unit: 'dots', ranked: true });
      else if (want === 'wall') {
        renderWall(body, a.ideas);
        if (!a.ideas.length) put(body, h('p', { class: 'waiting', text: t('present.ideas_empty') }));
      } else if (want === 'cloud') {
        renderCloud(body, a.words, { min: 1, max: 5 });
        if (!a.words.length) put(body, h('p', { class: 'waiting', text: t('present.words_empty') }));
      } else renderWaiting(body, a);
      fit(body);
    },
  };
}

/** Shrinks the body's type (down to 30 %) until its content fits the screen; grows it back after. */
function fit(el) {
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

function renderOptions(body, a) {
  const s = JSON.stringify(a.options);
  if (body.dataset.sig === s) return;
  body.dataset.sig = s;
  put(
    body,
    h(
      'ol',
      { class: 'options' },
      a.options.map((o) => h('li', { text: o.text })),
    ),
    h('p', { class: 'hidden-note', text: t('present.results_hidden') }),
  );
}

function renderWaiting(body, a) {
  const big = a.kind === 'wordcloud' ? a.total : a.kind === 'ideas' ? a.count : a.responses;
  const label =
    a.kind === 'wordcloud' ? t('present.words_in', { n: big }) : a.kind === 'ideas' ? t('present.ideas_in', { n: big }) : '';
  put(
    body,
    h(
      'div',
      { class: 'waiting-box' },
      h('p', { class: 'waiting-n', text: num(big) }),
      h('p', { class: 'waiting-label', text: label }),
      h('p', { class: 'hidden-note', text: t('present.results_hidden') }),
    ),
  );
}

start();
