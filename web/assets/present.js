// The projected screen: read-only, large, high contrast. Shows how to join, the live participant
// count and the current activity's results as they move.

import { h, $, put, store, codeFromPath, formatCode, joinUrlParts, setText } from './util.js';
import { initI18n, t, translatePage, applySessionLanguage } from './i18n.js';
import { Conn, bindStatus } from './conn.js';
import { clock } from './kinds/common.js';
import { kindScreen, reactionLayer } from './kinds/stage.js';

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
    screen = a ? kindScreen(a) : lobbyScreen();
    screen.key = key;
    put(stage, screen.el);
  }
  screen.update(a, room);
  renderJoinbar();
  renderQrOverlay();
  if (!reactions.el.isConnected) document.body.append(reactions.el);
  reactions.update(room);
}

let qrOverlay = null;

/** The join QR code over the whole screen, while the console asks for it (`set_screen`). */
function renderQrOverlay() {
  const wanted = !!room.screen?.qr;
  if (!wanted) {
    if (qrOverlay) qrOverlay.hidden = true;
    return;
  }
  if (!qrOverlay) {
    qrOverlay = h(
      'section',
      { class: 'qr-overlay', 'aria-labelledby': 'qr-overlay-h' },
      h('h1', { id: 'qr-overlay-h', class: 'qr-overlay-title' }),
      h('img', { src: qrSrc, alt: t('present.qr_alt'), width: 640, height: 640 }),
      h('p', { class: 'qr-overlay-steps' }, h('span', { class: 'qr-step-go' }), ' ', h('strong', { class: 'qr-url' }), ' ', h('span', { class: 'qr-step-code' }), ' ', h('strong', { class: 'qr-code' })),
    );
    document.body.append(qrOverlay);
  }
  qrOverlay.hidden = false;
  setText(qrOverlay.querySelector('h1'), room.title || t('present.lobby_default_title'));
  setText(qrOverlay.querySelector('.qr-step-go'), t('present.lobby_go_to'));
  setText(qrOverlay.querySelector('.qr-url'), join.display);
  setText(qrOverlay.querySelector('.qr-step-code'), t('present.lobby_enter_code'));
  setText(qrOverlay.querySelector('.qr-code'), formatCode(code));
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

start();
