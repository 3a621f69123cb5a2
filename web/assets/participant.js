// The participant's phone: join with an optional name, then follow whatever the facilitator shows.

import { h, $, put, api, store, codeFromPath, formatCode, announcer, keepFocus } from './util.js';
import { initI18n, t, translatePage, errorText, applySessionLanguage, chooseOwnLanguage, ownLanguage, currentLang, LANGUAGES } from './i18n.js';
import { Conn, bindStatus } from './conn.js';
import { clock, isKind, titleOf } from './kinds/common.js';
import { MAX_NAME_CHARS } from './kinds/limits.js';
import { makeShell, lazyScreen } from './kinds/phone.js';

const code = codeFromPath();
const KEY = `handsup:p:${code}`;
const main = $('#main');
const say = announcer($('#live'));

let saved = store.get(KEY, {}) || {};
let conn = null;
let room = null; // the latest PublicView
let answers = {}; // activity id → Answer
let myName = null;
let joinName = null; // the name typed on the join screen, sent with the first hello
let ui = null; // the mounted screen: {key, el, update()}
let shell = null; // reactions, own pacing, side lane, countdown (kinds/phone.js)
let ended = false;
let sessionLanguage = null; // the facilitator's choice for the session (a language tag)
let joining = null; // the join screen's room information while it is shown

const saveLocal = () => store.set(KEY, saved);

async function start() {
  await initI18n();
  translatePage();
  document.title = t('p.page_title');
  bindStatusEl();
  renderLanguagePicker();
  if (!code) return showEnd('room_not_found');
  if (saved.token) connect();
  else showJoin();
}

function bindStatusEl() {
  const el = $('#conn');
  const show = bindStatus(el);
  let wasDown = false;
  el.__show = (status) => {
    show(status);
    if (status === 'reconnecting' && !wasDown) {
      wasDown = true;
      say(t('conn.reconnecting'));
    } else if (status === 'connected' && wasDown) {
      wasDown = false;
      say(t('conn.back'));
    }
  };
  el.hidden = true;
}

// ---------------------------------------------------------------------------------------------
// Joining

async function showJoin() {
  let info = null;
  try {
    info = await api('GET', `/api/rooms/${code}`);
  } catch (err) {
    if (err.code === 'room_not_found' || err.status === 404) return showEnd('room_not_found');
    // Offline or a server hiccup: let the connection retry on its own.
  }
  if (info?.language) sessionLanguage = info.language;
  if (info?.language && (await applySessionLanguage(info.language, { personal: true }))) {
    translatePage();
    $('#conn').__show($('#conn').dataset.status || 'connecting');
  }
  renderLanguagePicker();
  joining = info || {};
  renderJoin();
  $('#join-name')?.focus();
}

function renderJoin() {
  const title = joining?.title || '';
  setTitle(title);
  const nameInput = h('input', {
    id: 'join-name',
    name: 'name',
    type: 'text',
    maxlength: MAX_NAME_CHARS,
    autocomplete: 'nickname',
    'aria-describedby': 'join-name-hint',
    enterkeyhint: 'go',
  });
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    h('label', { for: 'join-name', text: t('p.join_name_label') }),
    nameInput,
    h('p', { class: 'hint', id: 'join-name-hint', text: t('p.join_name_hint') }),
    h('button', { class: 'btn primary big', type: 'submit', text: t('p.join_button') }),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    joining = null;
    joinName = nameInput.value.trim() || null;
    put(main, h('p', { class: 'loading', text: t('p.joining') }));
    connect();
  });
  ui = null;
  put(
    main,
    h(
      'section',
      { class: 'panel join', 'aria-labelledby': 'join-h' },
      h('h1', { id: 'join-h', text: title ? t('p.join_title', { title }) : t('p.join_title_untitled') }),
      h('p', { class: 'code-line' }, t('p.code_label'), ' ', h('strong', { class: 'code', text: formatCode(code) })),
      form,
    ),
  );
}

function connect() {
  $('#conn').hidden = false;
  $('#conn').__show('connecting');
  conn = new Conn(code, {
    hello: () => {
      const msg = { type: 'hello', role: 'participant' };
      if (saved.token) msg.token = saved.token;
      if (joinName) msg.name = joinName;
      return msg;
    },
    onSession(msg) {
      if (msg.token) saved.token = msg.token;
      saveLocal();
      joinName = null;
      myName = msg.name ?? null;
      renderWho();
      render();
    },
    onHelloError(err) {
      if (err.code === 'invalid_token' && saved.token) {
        delete saved.token;
        saveLocal();
        return true;
      }
      return false;
    },
    onStatus: (s) => $('#conn').__show(s),
    onFatal: (reason) => showEnd(reason),
    onMessage,
  });
  conn.start();
}

function onMessage(msg) {
  if (ended) return;
  switch (msg.type) {
    case 'state':
      room = msg.view;
      clock.sync(msg.server_time);
      if (room.language) followLanguage(room.language);
      else sessionLanguage = null;
      render();
      break;
    case 'me':
      // Keys are activity ids; `null` means "no answer there any more".
      if (msg.full) answers = {};
      for (const [id, answer] of Object.entries(msg.answers || {})) {
        if (answer == null) delete answers[id];
        else answers[id] = answer;
      }
      if (msg.full || 'name' in msg) {
        myName = msg.name ?? null;
        renderWho();
      }
      render();
      break;
    case 'error':
      // An error that answers no request (flooding, a server problem).
      toast(errorText(msg));
      break;
    default:
      break;
  }
}

/** The facilitator chose (or changed) the session's language: re-render every text. */
function followLanguage(tag) {
  const news = tag !== sessionLanguage;
  sessionLanguage = tag;
  applySessionLanguage(tag, { personal: true }).then((changed) => {
    if (changed) retranslate();
    else if (news) renderLanguagePicker();
  });
}

/** The language changed: every text again, in it. */
function retranslate() {
  if (ended) return;
  document.title = t('p.page_title');
  translatePage();
  $('#conn').__show(conn?.status === 'idle' ? 'connecting' : conn?.status || 'connecting');
  const who = $('#who');
  if (!who.hidden && !who.querySelector('form')) {
    put(who);
    renderWho();
  }
  renderLanguagePicker();
  if (joining) {
    const typed = $('#join-name')?.value || '';
    renderJoin();
    const input = $('#join-name');
    if (input) input.value = typed;
    return;
  }
  ui = null;
  shell = null;
  if (room) render();
}

/**
 * The phone's own language menu, at the foot of every screen: each catalogue by its own name,
 * and "the session's language" to follow the facilitator's choice again. A choice here wins
 * over the session's and is remembered on this phone; the screen and other phones are not
 * affected.
 */
function renderLanguagePicker() {
  const foot = $('#lang-foot');
  const tags = Object.keys(LANGUAGES);
  if (tags.length < 2) {
    foot.hidden = true;
    return;
  }
  const own = ownLanguage();
  const sessionCode = String(sessionLanguage || 'en').toLowerCase().split(/[-_]/)[0];
  const sessionName = LANGUAGES[sessionCode] || LANGUAGES.en || 'English';
  const select = h(
    'select',
    { id: 'lang-pick', 'data-key': 'lang-pick' },
    h('option', { value: '', text: t('p.language_session', { name: sessionName }) }),
    tags.map((tag) => h('option', { value: tag, lang: tag, text: LANGUAGES[tag] })),
  );
  select.value = own && own in LANGUAGES ? own : '';
  select.addEventListener('change', () => {
    chooseOwnLanguage(select.value || null, sessionLanguage).then((changed) => {
      if (changed) retranslate();
      say(t('p.language_label') + ': ' + (LANGUAGES[currentLang()] || currentLang()));
      $('#lang-pick')?.focus();
    });
  });
  keepFocus(foot, () =>
    put(
      foot,
      h(
        'label',
        { for: 'lang-pick', class: 'lang-label' },
        globe(),
        h('span', { text: t('p.language_label') }),
      ),
      select,
    ),
  );
  foot.hidden = false;
}

function globe() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'globe');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute(
    'd',
    'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 0c2.8 2.7 4 6 4 10s-1.2 7.3-4 10m0-20C9.2 4.7 8 8 8 12s1.2 7.3 4 10M2.5 9h19M2.5 15h19',
  );
  svg.append(path);
  return svg;
}

function showEnd(reason) {
  ended = true;
  ui = null;
  if (conn) conn.stop();
  const key =
    { room_deleted: 'ended', room_not_found: 'not_found', room_full: 'full', too_many_requests: 'too_fast' }[reason] || 'refused';
  $('#who').hidden = true;
  put(
    main,
    h(
      'section',
      { class: 'panel end' },
      h('h1', { text: t(`p.${key}_title`) }),
      h('p', { text: t(`p.${key}_text`, { code: formatCode(code || '') }) }),
      key === 'too_fast' || key === 'refused'
        ? h('p', {}, h('button', { class: 'btn primary', type: 'button', text: t('p.reconnect'), onclick: () => location.reload() }))
        : h('p', {}, h('a', { class: 'btn', href: '/', text: t('p.enter_other_code') })),
    ),
  );
  main.focus();
}

// ---------------------------------------------------------------------------------------------
// The name line at the bottom

function renderWho() {
  const who = $('#who');
  who.hidden = false;
  if (who.querySelector('form')) return; // editing: leave it alone
  const change = h('button', {
    class: 'btn link',
    type: 'button',
    'data-key': 'change-name',
    text: myName ? t('p.change_name') : t('p.add_name'),
    onclick: editName,
  });
  keepFocus(who, () =>
    put(who, h('span', { text: myName ? t('p.joined_as', { name: myName }) : t('p.joined_anonymously') }), ' ', change),
  );
}

function editName() {
  const who = $('#who');
  const input = h('input', { id: 'name-edit', type: 'text', maxlength: MAX_NAME_CHARS, autocomplete: 'nickname', value: myName || '' });
  const msg = h('p', { class: 'feedback', role: 'alert' });
  const form = h(
    'form',
    { class: 'inline-form' },
    h('label', { for: 'name-edit', text: t('p.name_label') }),
    input,
    h('button', { class: 'btn primary', type: 'submit', text: t('common.save') }),
    h('button', {
      class: 'btn',
      type: 'button',
      text: t('common.cancel'),
      onclick: () => {
        put(who);
        renderWho();
        who.querySelector('button')?.focus();
      },
    }),
    msg,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = input.value.trim();
    try {
      await conn.send({ type: 'set_name', name: name || null });
      myName = name || null;
      put(who);
      renderWho();
      say(myName ? t('p.joined_as', { name: myName }) : t('p.joined_anonymously'));
      who.querySelector('button')?.focus();
    } catch (err) {
      msg.textContent = errorText(err);
    }
  });
  put(who, form);
  input.focus();
}

// ---------------------------------------------------------------------------------------------
// Screens

function setTitle(title) {
  $('#room-title').textContent = title || '';
  document.title = title ? `${title} · handsup` : t('p.page_title');
}

function render() {
  if (ended || !room) return;
  setTitle(room.title);
  if (!shell) shell = makeShell(kctx);
  if (shell.el.parentNode !== main) put(main, shell.el);
  const a = shell.pick(room);
  const key = a ? `${a.kind}:${a.id}` : 'lobby';
  if (!ui || ui.key !== key) {
    const hadFocus = main.contains(document.activeElement) || document.activeElement === document.body;
    ui = a ? makeActivity(a) : makeLobby();
    ui.key = key;
    put(shell.slot, ui.el);
    ui.update(a, a ? answers[a.id] : null);
    if (a) say(t('p.now_showing', { text: titleOf(a) }));
    if (hadFocus && !shell.onSide()) (ui.el.querySelector('h1') || main).focus({ preventScroll: false });
  } else ui.update(a, a ? answers[a.id] : null);
  shell.update(room, a);
}

/** What every kind's phone screen (kinds/*.js) borrows from this page. */
const kctx = {
  frame: (a, label) => frame(a, label),
  request: (button, msg) => request(button, msg),
  send: (msg) => conn.send(msg),
  say: (text) => say(text),
  toast: (text) => toast(text),
  answers: () => answers,
  setAnswer(id, answer) {
    if (answer == null) delete answers[id];
    else answers[id] = answer;
  },
  room: () => room,
  name: () => myName,
  saved: () => saved,
  save: () => saveLocal(),
  render: () => render(),
};

function makeLobby() {
  const count = h('p', { class: 'muted' });
  const el = h(
    'section',
    { class: 'panel lobby', 'aria-labelledby': 'lobby-h' },
    h('div', { class: 'pulse', 'aria-hidden': 'true' }, h('span'), h('span'), h('span')),
    h('h1', { id: 'lobby-h', tabindex: -1, text: t('p.lobby_title') }),
    h('p', { text: t('p.lobby_text') }),
    count,
  );
  return {
    el,
    update() {
      count.textContent = t('p.people_here', { n: room.participants });
    },
  };
}

function makeActivity(a) {
  if (isKind(a.kind)) return lazyScreen(a, kctx);
  return {
    el: h('section', { class: 'panel' }, h('h1', { tabindex: -1, text: t('p.unsupported') })),
    update() {},
  };
}

/** The parts every activity screen shares: heading, position, a notice line, feedback. */
function frame(a, kindLabel) {
  const heading = h('h1', { class: 'question', id: `q${a.id}`, tabindex: -1 });
  const position = h('p', { class: 'eyebrow' });
  const notice = h('p', { class: 'notice', hidden: true });
  const feedback = h('p', { class: 'feedback', hidden: true });
  const el = h('section', { class: 'panel activity', 'aria-labelledby': `q${a.id}` }, position, heading, notice);
  return {
    el,
    heading,
    notice,
    feedback,
    setHead(view, text) {
      if (heading.textContent !== text) heading.textContent = text;
      const pos = shell ? shell.position(view) : room.position;
      position.textContent = pos ? `${kindLabel} · ${t('p.position', { i: pos.index + 1, n: pos.count })}` : kindLabel;
    },
    /** A standing line: 'closed' (warning look) or 'info' (calm look). */
    setNotice(text, kind = 'closed') {
      notice.hidden = !text;
      notice.textContent = text || '';
      notice.dataset.kind = kind;
    },
    /** Shows (and announces) the outcome of a request. */
    setFeedback(text, kind = 'ok') {
      feedback.hidden = !text;
      feedback.textContent = text || '';
      feedback.dataset.kind = kind;
      if (text) say(text);
    },
  };
}

/** Sends a request from a form, disabling its button meanwhile. */
async function request(button, msg) {
  if (button) button.disabled = true;
  try {
    return await conn.send(msg);
  } finally {
    if (button) button.disabled = false;
  }
}

// ---------------------------------------------------------------------------------------------

let toastTimer;
function toast(text) {
  let el = $('#toast');
  if (!el) {
    el = h('p', { id: 'toast', class: 'toast', role: 'alert' });
    document.body.append(el);
  }
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, 5000);
}

start();
