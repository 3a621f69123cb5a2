// The facilitator's console: build the deck, move through it, open and close voting, reveal
// results, moderate ideas, share the join link and the presenter screen.

import {
  h, $, put, api, codeFromPath, formatCode, announcer, sig, keepFocus, keyed, setText, copyText,
  rememberSession, forgetSession, listSessions, joinUrlParts,
} from './util.js';
import { initI18n, t, translatePage, errorText, dateTime, LANGUAGES } from './i18n.js';
import { Conn, bindStatus } from './conn.js';
import { clock } from './kinds/common.js';
import { MAX_TITLE_CHARS } from './kinds/limits.js';
import { saveTemplate } from './templates.js';
import {
  KINDS, answerable, formKit, kindEditor, kindPreview, kindStats, kindModeration, kindMeta, extraControls, sessionControls, pacingControls, screenDrive,
} from './kinds/console.js';

const code = codeFromPath();
const main = $('#main');
const say = announcer($('#live'));
const hostKey = findKey();

let conn = null;
let view = null; // HostView
let expiresAt = null;
let join = joinUrlParts(null);
let selectedId = null; // the activity shown in the detail panel
let follow = true; // the detail panel follows what is on screen
const els = {};

function findKey() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('key');
  if (fromHash) return fromHash;
  // A host link opened without its fragment: use the key this browser remembered.
  const known = listSessions().find((s) => s.code === code && s.host_url);
  const m = known && known.host_url.match(/#key=([^&]+)/);
  return m ? decodeURIComponent(m[1]) : null;
}

async function start() {
  await initI18n({ console: true });
  translatePage();
  document.title = t('host.page_title');
  if (!code) return showFatal('room_not_found');
  if (!hostKey) return showFatal('invalid_host_key');
  if (!location.hash.includes('key=')) history.replaceState(null, '', `${location.pathname}#key=${encodeURIComponent(hostKey)}`);
  layout();
  conn = new Conn(code, {
    hello: () => ({ type: 'hello', role: 'host', host_key: hostKey }),
    onSession(msg, welcome) {
      join = joinUrlParts(welcome?.public_url);
      if (msg.expires_at) expiresAt = msg.expires_at;
      renderShare();
    },
    onStatus: bindStatus($('#conn')),
    onFatal: showFatal,
    onMessage(msg) {
      if (msg.type === 'host_state') {
        view = msg.view;
        clock.sync(msg.server_time);
        expiresAt = msg.expires_at ?? expiresAt;
        render();
      } else if (msg.type === 'error') {
        flash(errorText(msg), 'error');
      }
    },
  }).start();
}

function showFatal(reason) {
  const key =
    { room_deleted: 'ended', room_not_found: 'not_found', invalid_host_key: 'bad_key', hello_refused: 'bad_key', too_many_requests: 'too_fast' }[
      reason
    ] || 'bad_key';
  if (conn) conn.stop();
  put(
    main,
    h(
      'section',
      { class: 'panel end narrow' },
      h('h1', { text: t(`host.${key}_title`) }),
      h('p', { text: t(`host.${key}_text`, { code: formatCode(code || '') }) }),
      key === 'too_fast'
        ? h('p', {}, h('button', { class: 'btn primary', type: 'button', text: t('host.reconnect'), onclick: () => location.reload() }))
        : h('p', {}, h('a', { class: 'btn', href: '/', text: t('host.go_home') })),
    ),
  );
  if (reason === 'room_deleted' || reason === 'room_not_found') forgetSession(code);
}

/** Shows a short message near the top (errors stay until replaced). */
let flashTimer;
function flash(text, tone = 'ok') {
  const el = els.msg;
  if (!el) return;
  el.textContent = text;
  el.dataset.kind = tone;
  el.hidden = !text;
  clearTimeout(flashTimer);
  if (tone !== 'error') say(text);
  flashTimer = setTimeout(() => (el.hidden = true), tone === 'error' ? 8000 : 3000);
}

/** Sends a host command; shows the error if it is refused. Resolves to the ack or null. */
async function cmd(msg, button) {
  if (button) button.disabled = true;
  try {
    return await conn.send(msg);
  } catch (err) {
    flash(errorText(err), 'error');
    return null;
  } finally {
    if (button && button.isConnected) button.disabled = false;
  }
}

/** What the newer kinds' host parts (kinds/console.js) borrow from this page. */
const hctx = { cmd: (msg, button) => cmd(msg, button), say: (text) => say(text), flash: (text, tone) => flash(text, tone), code, hostKey };

// ---------------------------------------------------------------------------------------------
// Layout

function layout() {
  const titleInput = h('input', { id: 'title-input', type: 'text', maxlength: MAX_TITLE_CHARS, autocomplete: 'off', placeholder: t('host.title_placeholder') });
  const titleForm = h(
    'form',
    { class: 'titlebar' },
    h('label', { for: 'title-input', text: t('host.title_label') }),
    titleInput,
    h('button', { class: 'btn', type: 'submit', text: t('common.save') }),
  );
  titleInput.addEventListener('input', () => (titleInput.dataset.dirty = '1'));
  titleForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const title = titleInput.value.trim();
    if (await cmd({ type: 'set_title', title }, titleForm.querySelector('button'))) {
      delete titleInput.dataset.dirty;
      rememberSession({ code, title });
      flash(t('host.title_saved'));
    }
  });
  els.title = titleInput;
  els.nav = h('div', { class: 'navbox' });
  els.session = h('div', { class: 'session-box' });
  els.deck = h('ol', { class: 'deck', role: 'list' });
  els.deckEmpty = h('p', { class: 'muted', hidden: true, text: t('host.deck_empty') });
  els.detail = h('section', { class: 'col detail-col', 'aria-labelledby': 'detail-h' });
  els.msg = h('p', { class: 'flash', role: 'status', hidden: true });
  // Sharing, embedding, exports and the session's settings: one click away, one at a time, in a
  // panel beside the activity (never over it: the facilitator keeps running the room).
  els.panels = {};
  els.panelButtons = {};
  els.drawer = h('aside', { class: 'col drawer-col', id: 'drawer', hidden: true, 'aria-label': t('host.panels_label') });
  for (const name of PANELS) {
    const body = h('div', { class: `panel-body panel-${name}` });
    const close = h('button', { class: 'btn small', type: 'button', 'data-key': `close-${name}`, text: '✕', 'aria-label': t('host.panel_close', { name: t(`host.panel_${name}`) }), onclick: () => openPanel(null, true) });
    const section = h('section', { class: 'panel-section', id: `panel-${name}`, 'aria-labelledby': `panel-${name}-h`, hidden: true }, h('div', { class: 'panel-head' }, h('h2', { id: `panel-${name}-h`, tabindex: -1, text: t(`host.panel_${name}`) }), close), body);
    els.panels[name] = { section, body };
    els.drawer.append(section);
    els.panelButtons[name] = h('button', {
      class: 'btn',
      type: 'button',
      'data-key': `panel-${name}`,
      'aria-controls': `panel-${name}`,
      'aria-expanded': 'false',
      text: t(`host.panel_${name}`),
      onclick: () => openPanel(openName === name ? null : name, true),
    });
  }
  els.share = els.panels.invite.body;
  els.embed = els.panels.embed.body;
  els.exports = els.panels.export.body;
  els.settings = els.panels.session.body;
  const toolbar = h(
    'nav',
    { class: 'toolbar', 'aria-label': t('host.toolbar_label') },
    h('p', { class: 'toolbar-code' }, h('span', { class: 'muted', text: t('host.code_label') }), ' ', h('strong', { class: 'code', text: formatCode(code) })),
    h('a', { class: 'btn primary', href: `/present/${code}`, target: '_blank', rel: 'noopener', 'data-key': 'open-presenter', text: t('host.open_presenter') }),
    h('div', { class: 'toolbar-panels' }, PANELS.map((name) => els.panelButtons[name])),
  );
  els.grid = h(
    'div',
    { class: 'host-grid' },
    h(
      'section',
      { class: 'col deck-col', 'aria-labelledby': 'deck-h' },
      h('h2', { id: 'deck-h', text: t('host.deck') }),
      els.nav,
      els.session,
      els.deck,
      els.deckEmpty,
      h('div', { class: 'add-row' }, h('button', { class: 'btn', type: 'button', 'data-key': 'add-activity', 'aria-haspopup': 'dialog', text: t('host.add_activity'), onclick: openPicker })),
    ),
    els.detail,
    els.drawer,
  );
  put(main, h('h1', { class: 'sr-only', text: t('host.page_title') }), titleForm, toolbar, els.msg, els.grid);
  renderShare();
  openPanel(remembered(), false);
}

const PANELS = ['invite', 'embed', 'export', 'session'];
const PANEL_KEY = 'handsup:console-panel';
let openName = null;

/** The panel this tab had open (none where storage is blocked). */
function remembered() {
  try {
    return sessionStorage.getItem(PANEL_KEY) || null;
  } catch {
    return null;
  }
}

/** Opens one of the side panels (or none); the choice lasts while this tab is open. */
function openPanel(name, focus) {
  if (name && !PANELS.includes(name)) name = null;
  const before = openName;
  openName = name;
  try {
    if (name) sessionStorage.setItem(PANEL_KEY, name);
    else sessionStorage.removeItem(PANEL_KEY);
  } catch {
    /* storage blocked: the panel is simply not remembered */
  }
  for (const n of PANELS) {
    els.panels[n].section.hidden = n !== name;
    els.panelButtons[n].setAttribute('aria-expanded', String(n === name));
    els.panelButtons[n].classList.toggle('on', n === name);
  }
  els.drawer.hidden = !name;
  els.grid.classList.toggle('has-drawer', !!name);
  if (!focus) return;
  if (name) els.panels[name].section.querySelector('h2').focus();
  else if (before) els.panelButtons[before].focus();
}

/** The kinds to add, each with what it is for, in four groups. */
const KIND_GROUPS = [
  ['decide', ['poll', 'ranking', 'points', 'grid']],
  ['gather', ['ideas', 'wordcloud', 'qna', 'pin']],
  ['assess', ['scales', 'quiz', 'number', 'leaderboard']],
  ['room', ['info', 'timer', 'groups', 'circle']],
];

function openPicker() {
  const dialog = $('#editor');
  const pick = (kind) =>
    h(
      'li',
      null,
      h(
        'button',
        { class: 'kind-pick', type: 'button', 'data-key': `add-${kind}`, onclick: () => openEditor(kind) },
        h('span', { class: 'kind-pick-name', text: t(`kind.${kind}`) }),
        h('span', { class: 'kind-pick-desc', text: t(`host.kind_desc_${kind}`) }),
      ),
    );
  const listed = new Set(KIND_GROUPS.flatMap(([, kinds]) => kinds));
  const groups = [...KIND_GROUPS, ['other', KINDS.filter((k) => !listed.has(k))]].filter(([, kinds]) => kinds.some((k) => KINDS.includes(k)));
  put(
    dialog,
    h(
      'div',
      { class: 'stack picker' },
      h('h2', { id: 'editor-h', text: t('host.add_title') }),
      groups.map(([group, kinds]) => h('section', { class: 'pick-group', 'aria-labelledby': `pick-${group}` }, h('h3', { id: `pick-${group}`, text: t(`host.kind_group_${group}`) }), h('ul', { class: 'kind-picks', role: 'list' }, kinds.filter((k) => KINDS.includes(k)).map(pick)))),
      h('div', { class: 'dialog-actions' }, h('button', { class: 'btn', type: 'button', text: t('common.cancel'), onclick: () => dialog.close() })),
    ),
  );
  const opener = document.activeElement;
  dialog.onclose = () => {
    if (opener && opener.isConnected) opener.focus();
  };
  if (!dialog.open) dialog.showModal();
  dialog.querySelector('.kind-pick')?.focus();
}

// ---------------------------------------------------------------------------------------------
// Rendering

function render() {
  if (!view) return;
  $('#room-title').textContent = view.title || '';
  document.title = `${view.title || t('host.untitled')} · ${t('host.page_title')}`;
  $('#counts').textContent = t('host.counts', { n: view.participants, online: view.online });
  if (document.activeElement !== els.title && !els.title.dataset.dirty) els.title.value = view.title || '';
  if (follow || !view.deck.some((a) => a.id === selectedId)) {
    selectedId = view.current ?? selectedId;
    if (!view.deck.some((a) => a.id === selectedId)) selectedId = view.deck[0]?.id ?? null;
  }
  renderNav();
  sessionControls(els.session, view, hctx);
  renderDeck();
  renderDetail();
  renderEmbed();
  renderSettings();
  renderExports();
  renderExpiry();
}

function textOf(a) {
  return a.question || a.prompt || a.title || t(`kind.${a.kind}`);
}

function renderNav() {
  const deck = view.deck;
  const index = deck.findIndex((a) => a.id === view.current);
  const s = sig([index, deck.length, index >= 0 ? textOf(deck[index]) : '']);
  if (els.nav.dataset.sig === s) return;
  els.nav.dataset.sig = s;
  const nav = (to, label, key, disabled) =>
    h('button', {
      class: 'btn',
      type: 'button',
      'data-key': key,
      disabled,
      text: label,
      onclick: async (e) => {
        follow = true;
        if (await cmd({ type: 'navigate', to }, e.currentTarget)) say(t('host.navigated'));
      },
    });
  keepFocus(els.nav, () =>
    put(
      els.nav,
      h(
        'p',
        { class: 'onscreen' },
        h('span', { class: 'muted', text: t('host.on_screen') }),
        ' ',
        h('strong', { text: index >= 0 ? `${index + 1}. ${textOf(deck[index])}` : t('host.lobby_name') }),
      ),
      h(
        'div',
        { class: 'nav-buttons', role: 'group', 'aria-label': t('host.nav_label') },
        nav('prev', t('host.prev'), 'nav-prev', index <= 0),
        nav('lobby', t('host.lobby'), 'nav-lobby', index < 0),
        nav('next', index < 0 ? t('host.start') : t('host.next'), 'nav-next', !deck.length || index >= deck.length - 1),
      ),
    ),
  );
}

function metaOf(a) {
  if (!answerable(a)) return kindStats(a, view.participants) ?? '';
  const bits = [t('host.responses', { n: a.responses })];
  if (!a.voting_open) bits.push(t('host.closed_short'));
  if (!a.results_shown) bits.push(t('host.hidden_short'));
  bits.push(...kindMeta(a));
  return bits.join(' · ');
}

function renderDeck() {
  const deck = view.deck;
  els.deckEmpty.hidden = deck.length > 0;
  keyed(els.deck, deck, (a) => a.id, deckItem, (li, a, i) => {
    li._a = a;
    li._i = i;
    const text = textOf(a);
    const live = a.id === view.current;
    const sel = a.id === selectedId;
    li.className = `deck-item${live ? ' live' : ''}${sel ? ' selected' : ''}`;
    const r = li._refs;
    r.select.setAttribute('aria-pressed', sel ? 'true' : 'false');
    setText(r.num, String(i + 1));
    setText(r.kind, t(`kind.${a.kind}`));
    r.live.hidden = !live;
    setText(r.text, text);
    setText(r.meta, metaOf(a));
    r.go.hidden = live;
    r.go.setAttribute('aria-label', t('host.present_label', { text }));
    r.up.disabled = i === 0;
    r.up.setAttribute('aria-label', t('host.up_label', { text }));
    r.down.disabled = i === deck.length - 1;
    r.down.setAttribute('aria-label', t('host.down_label', { text }));
    r.edit.setAttribute('aria-label', t('host.edit_label', { text }));
    r.del.setAttribute('aria-label', t('host.delete_label', { text }));
  });
}

/** One deck row. Its handlers read the row's latest activity (`li._a`), so rows are only ever
 * updated in place and a click is never lost to a live update. */
function deckItem(a) {
  const li = h('li', { class: 'deck-item' });
  const small = (label, key, onclick) =>
    h('button', { class: 'btn small', type: 'button', 'data-key': `${key}-${a.id}`, text: label, onclick: (e) => onclick(e.currentTarget) });
  const r = {
    num: h('span', { class: 'deck-num' }),
    kind: h('span'),
    live: h('span', { class: 'pill live', text: t('host.live') }),
    text: h('span', { class: 'deck-text' }),
    meta: h('span', { class: 'deck-meta' }),
    go: small(t('host.present'), 'go', () => navigateTo(li._a.id)),
    up: small('↑', 'up', (b) => move(li._a, li._i - 1, b)),
    down: small('↓', 'down', (b) => move(li._a, li._i + 1, b)),
    edit: small(t('host.edit'), 'edit', () => openEditor(li._a.kind, li._a)),
    del: small(t('host.delete'), 'del', (b) => remove(li._a, b)),
  };
  r.select = h(
    'button',
    {
      class: 'deck-select',
      type: 'button',
      'data-key': `sel-${a.id}`,
      onclick: () => {
        selectedId = li._a.id;
        follow = li._a.id === view.current;
        render();
        els.detail.querySelector('h2')?.focus();
      },
    },
    r.num,
    h('span', { class: 'deck-body' }, h('span', { class: 'deck-kind' }, r.kind, r.live), r.text, r.meta),
  );
  li._refs = r;
  li.append(r.select, h('div', { class: 'deck-actions' }, r.go, r.up, r.down, r.edit, r.del));
  return li;
}

async function navigateTo(id) {
  follow = true;
  selectedId = id;
  if (await cmd({ type: 'navigate', to: { activity: id } })) say(t('host.navigated'));
}

async function move(a, position, button) {
  if (await cmd({ type: 'move_activity', activity: a.id, position }, button)) {
    // Keep the keyboard on the moved item.
    requestAnimationFrame(() => {
      const dir = button?.dataset.key?.startsWith('up') ? 'up' : 'down';
      const again = els.deck.querySelector(`[data-key="${dir}-${a.id}"]`);
      (again && !again.disabled ? again : els.deck.querySelector(`[data-key="sel-${a.id}"]`))?.focus();
    });
    say(t('host.moved', { n: position + 1 }));
  }
}

async function remove(a, button) {
  const responses = a.responses ? ` ${t('host.delete_activity_responses', { n: a.responses })}` : '';
  if (!confirm(t('host.delete_activity_confirm', { text: textOf(a) }) + responses)) return;
  if (await cmd({ type: 'delete_activity', activity: a.id }, button)) {
    if (selectedId === a.id) {
      selectedId = null;
      follow = true;
    }
    flash(t('host.deleted_activity'));
  }
}

/** Kinds whose words differ from "voting": what the pills and buttons say while open or closed. */
function phaseKey(a) {
  if (a.kind === 'ideas') return a.phase === 'vote' ? 'ideas_vote' : 'ideas_collect';
  return ['wordcloud', 'qna', 'scales', 'number', 'pin', 'grid'].includes(a.kind) ? a.kind : 'default';
}
const phaseWord = (prefix, a) => t(`host.${prefix}_${phaseKey(a)}`);

/** Kinds that run by their own buttons once on screen (start a question, the timer, the groups). */
const SELF_RUN = ['quiz', 'timer', 'groups', 'circle'];

/**
 * Every action the stage offers for `a`, by key: label, what it does, and a line on what happens.
 * The one the room needs next (see `nextStep`) is the big button; the rest sit beside it.
 */
function stageActions(a) {
  const live = a.id === view.current;
  const index = view.deck.indexOf(a);
  const after = view.deck[index + 1];
  const actions = new Map();
  const add = (key, label, hint, run) => actions.set(key, { key, label, hint, run });
  if (!live) add('d-present', t('host.present_this'), t('host.hint_present'), () => navigateTo(a.id));
  if (a.kind === 'ideas') {
    const toVote = a.phase !== 'vote';
    add('d-phase', toVote ? t('host.start_dot_voting') : t('host.back_to_collecting'), toVote ? t('host.hint_phase_vote') : t('host.hint_phase_collect'), (b) =>
      cmd({ type: 'set_ideas_phase', activity: a.id, phase: toVote ? 'vote' : 'collect' }, b).then((ok) => ok && say(t(toVote ? 'host.phase_now_vote' : 'host.phase_now_collect'))),
    );
  }
  if (answerable(a)) {
    add('d-voting', a.voting_open ? phaseWord('close', a) : phaseWord('reopen', a), a.voting_open ? t('host.hint_close') : t('host.hint_reopen'), (b) =>
      cmd({ type: 'set_voting', activity: a.id, open: !a.voting_open }, b).then((ok) => ok && say(t(a.voting_open ? 'host.voting_now_closed' : 'host.voting_now_open'))),
    );
    add('d-results', a.results_shown ? t('host.hide_results') : t('host.show_results'), a.results_shown ? t('host.hint_hide') : t('host.hint_show'), (b) =>
      cmd({ type: 'set_results', activity: a.id, shown: !a.results_shown }, b).then((ok) => ok && say(t(a.results_shown ? 'host.results_now_hidden' : 'host.results_now_shown'))),
    );
    if (a.voting_open && !a.results_shown) {
      add('d-close-reveal', t('host.close_and_show', { close: phaseWord('close', a) }), t('host.hint_close_and_show'), async (b) => {
        if ((await cmd({ type: 'set_voting', activity: a.id, open: false }, b)) && (await cmd({ type: 'set_results', activity: a.id, shown: true }, b))) say(t('host.results_now_shown'));
      });
    }
  }
  if (live) {
    add('d-next', after ? t('host.next_activity', { text: textOf(after) }) : t('host.finish'), after ? t('host.hint_next') : t('host.hint_finish'), async (b) => {
      follow = true;
      if (await cmd({ type: 'navigate', to: after ? 'next' : 'lobby' }, b)) say(t('host.navigated'));
    });
  }
  add('d-edit', t('host.edit'), '', () => openEditor(a.kind, a));
  return actions;
}

/** The one thing the room needs next: collect → vote → reveal → move on. */
function nextStep(a) {
  if (a.id !== view.current) return 'd-present';
  if (SELF_RUN.includes(a.kind)) return a.kind === 'quiz' && !a.voting_open && a.responses ? 'd-next' : null;
  if (!answerable(a) || a.kind === 'qna') return 'd-next';
  if (a.kind === 'ideas' && a.phase !== 'vote' && a.voting_open) return 'd-phase';
  if (a.voting_open) return a.results_shown ? 'd-voting' : 'd-close-reveal';
  if (!a.results_shown) return 'd-results';
  return 'd-next';
}

/** The steps an activity goes through, and which one it is at (none before it is on screen). */
function steps(a) {
  if (!answerable(a)) return null;
  const first = a.kind === 'scales' ? 'rate' : ['wordcloud', 'qna', 'pin'].includes(a.kind) ? 'collect' : 'vote';
  const list = a.kind === 'ideas' ? ['collect', 'vote', 'reveal', 'next'] : [first, 'reveal', 'next'];
  let at = null;
  if (a.id === view.current) {
    if (a.voting_open) at = a.kind === 'ideas' ? (a.phase === 'vote' ? 'vote' : 'collect') : first;
    else at = a.results_shown ? 'next' : 'reveal';
  }
  return { list, at };
}

function renderDetail() {
  const a = view.deck.find((x) => x.id === selectedId);
  const box = els.detail;
  if (!a) {
    if (box.dataset.sig !== 'none') {
      box.dataset.sig = 'none';
      put(
        box,
        h('h2', { id: 'detail-h', tabindex: -1, text: t('host.getting_started') }),
        h('p', { text: t('host.getting_started_text') }),
        h('p', null, h('button', { class: 'btn primary', type: 'button', 'data-key': 'start-adding', text: t('host.add_activity'), onclick: openPicker })),
      );
    }
    return;
  }
  const live = a.id === view.current;
  const index = view.deck.indexOf(a);
  const after = view.deck[index + 1];
  const s = sig([a.id, a.kind, textOf(a), live, a.voting_open, a.results_shown, a.phase, a.responses > 0, index, view.deck.length, after ? textOf(after) : '']);
  if (box.dataset.sig !== s) {
    box.dataset.sig = s;
    const actions = stageActions(a);
    const next = nextStep(a);
    const button = (action, cls) => h('button', { class: cls, type: 'button', 'data-key': action.key, text: action.label, onclick: (e) => action.run(e.currentTarget) });
    const primary = next ? actions.get(next) : null;
    const others = [...actions.values()].filter((x) => x.key !== next);
    const path = steps(a);
    const states = [
      live ? h('span', { class: 'pill live', text: t('host.on_screen_now') }) : h('span', { class: 'pill', text: t('host.not_on_screen') }),
      answerable(a) ? h('span', { class: a.voting_open ? 'pill ok' : 'pill', text: phaseWord(a.voting_open ? 'open' : 'closed', a) }) : null,
      answerable(a) ? h('span', { class: a.results_shown ? 'pill ok' : 'pill', text: a.results_shown ? t('host.results_visible') : t('host.results_hidden') }) : null,
    ];
    els.stats = h('p', { class: 'stats' });
    els.preview = h('div', { class: 'preview' });
    els.previewHead = h('h3');
    els.moderation = h('div', { class: 'moderation' });
    els.extra = h('div', { class: 'extra-controls' });
    els.screenDrive = els.screenDrive || h('div', { class: 'screen-drive-box' });
    keepFocus(box, () => {
      put(
        box,
        h('p', { class: 'eyebrow', text: `${t(`kind.${a.kind}`)} · ${t('host.position', { i: index + 1, n: view.deck.length })}` }),
        h('h2', { id: 'detail-h', class: 'question', tabindex: -1, text: textOf(a) }),
        h('p', { class: 'states' }, states),
        path
          ? h(
              'ol',
              { class: 'steps', 'aria-label': t('host.steps_label') },
              path.list.map((step) => {
                const current = step === path.at;
                const done = path.at != null && path.list.indexOf(step) < path.list.indexOf(path.at);
                return h('li', { class: current ? 'current' : done ? 'done' : null, 'aria-current': current ? 'step' : null }, h('span', { text: t(`host.step_${step}`) }), done ? h('span', { class: 'sr-only', text: ` ${t('host.step_done')}` }) : null);
              }),
            )
          : null,
        primary
          ? h('div', { class: 'next-step' }, button(primary, 'btn primary big'), primary.hint ? h('p', { class: 'hint', text: primary.hint }) : null)
          : null,
        h('div', { class: 'controls', role: 'group', 'aria-label': t('host.controls_label') }, others.map((x) => button(x, 'btn'))),
        els.extra,
        els.screenDrive,
        els.stats,
        h('section', { class: 'preview-box', 'aria-labelledby': 'preview-h' }, els.previewHead, els.preview),
        els.moderation,
      );
      extraControls(els.extra, a, view, hctx);
    });
    els.previewHead.id = 'preview-h';
    els.preview.dataset.mode = '';
  }
  els.stats.textContent = kindStats(a, view.participants) ?? t('host.stats', { n: a.responses, total: view.participants });
  els.previewHead.textContent = !answerable(a) ? t('kinds.preview') : a.results_shown ? t('host.preview_live') : t('host.preview_hidden');
  extraControls(els.extra, a, view, hctx);
  screenDrive(els.screenDrive, view, hctx, a);
  kindPreview(els.preview, a, hctx);
  kindModeration(els.moderation, a, hctx);
}

// ---------------------------------------------------------------------------------------------
// Sharing, expiry, deleting

/** A button that copies `text` and says so. */
function copyBtn(text, label, aria, key) {
  return h('button', {
    class: 'btn small',
    type: 'button',
    'aria-label': aria,
    'data-key': key,
    text: label,
    onclick: async (e) => {
      const b = e.currentTarget;
      const ok = await copyText(text);
      b.textContent = ok ? t('common.copied') : t('common.copy_failed');
      say(ok ? t('common.copied') : t('common.copy_failed'));
      setTimeout(() => (b.textContent = label), 2000);
    },
  });
}

function renderShare() {
  const box = els.share;
  if (!box) return;
  const joinUrl = `${join.base}/${code}`;
  const presentUrl = `${location.origin}/present/${code}`;
  const hostUrl = `${location.origin}/host/${code}#key=${encodeURIComponent(hostKey)}`;
  const s = sig([joinUrl]);
  if (box.dataset.sig === s) return;
  box.dataset.sig = s;
  put(
    box,
    h('h3', { text: t('host.invite') }),
    h('p', { class: 'big-code', text: formatCode(code) }),
    h('p', { class: 'url-row' }, h('a', { href: joinUrl, target: '_blank', rel: 'noopener', text: joinUrl.replace(/^https?:\/\//, '') }), ' ', copyBtn(joinUrl, t('common.copy'), t('host.copy_join'))),
    h('img', { class: 'qr', src: `/api/rooms/${code}/qr.svg`, alt: t('host.qr_alt', { url: joinUrl }), width: 180, height: 180 }),
    h('h3', { text: t('host.presenter') }),
    h('p', { class: 'hint', text: t('host.presenter_hint') }),
    h(
      'p',
      { class: 'url-row' },
      h('a', { class: 'btn', href: `/present/${code}`, target: '_blank', rel: 'noopener', text: t('host.open_presenter') }),
      ' ',
      copyBtn(presentUrl, t('common.copy_link'), t('host.copy_presenter')),
    ),
    h('h3', { text: t('host.host_link') }),
    h('p', { class: 'hint', text: t('host.host_link_hint') }),
    h('p', {}, copyBtn(hostUrl, t('host.copy_host'), t('host.copy_host'))),
  );
}

/** What pages embedded in other sites show, and the code to paste. */
function renderEmbed() {
  const box = els.embed;
  if (!box || !view) return;
  const embed = view.embed || { voting: false };
  const s = sig([embed, view.deck.map((a) => [a.id, textOf(a)]), join.base]);
  if (box.dataset.sig === s) return;
  box.dataset.sig = s;
  const pin = h(
    'select',
    { id: 'embed-pin', 'data-key': 'embed-pin', 'aria-describedby': 'embed-pin-hint' },
    h('option', { value: '', text: t('host.embed_follow') }),
    view.deck.map((a, i) => h('option', { value: String(a.id), text: `${i + 1}. ${textOf(a)}` })),
  );
  pin.value = embed.activity != null ? String(embed.activity) : '';
  const voting = h('input', { id: 'embed-voting', type: 'checkbox', 'data-key': 'embed-voting', checked: !!embed.voting });
  const apply = async () => {
    const msg = { type: 'set_embed', voting: voting.checked };
    if (pin.value !== '') msg.activity = Number(pin.value);
    if (await cmd(msg)) flash(t('host.embed_saved'));
  };
  pin.addEventListener('change', apply);
  voting.addEventListener('change', apply);
  const snippet = `<script src="${join.base}/embed.js" data-room="${code}"></script>`;
  keepFocus(box, () =>
    put(
      box,
      h('p', { class: 'hint', text: t('host.embed_hint') }),
      h('div', { class: 'field' }, h('label', { for: 'embed-pin', text: t('host.embed_show') }), pin),
      h('p', { class: 'hint', id: 'embed-pin-hint', text: t('host.embed_show_hint') }),
      h('div', { class: 'check' }, voting, h('label', { for: 'embed-voting', text: t('host.embed_voting') })),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'embed-code', text: t('host.embed_code') }),
        h('textarea', { id: 'embed-code', class: 'snippet', rows: 4, readonly: true, value: snippet, 'data-key': 'embed-code' }),
      ),
      h('p', {}, copyBtn(snippet, t('host.copy_embed'), t('host.copy_embed'), 'embed-copy')),
      h('p', { class: 'hint', text: t('host.embed_oembed') }),
    ),
  );
}

/** The session's language, pacing, when it is deleted, and deleting it. */
function renderSettings() {
  const box = els.settings;
  if (!box || !view) return;
  if (!els.pacing) {
    els.pacing = h('div', { class: 'pacing-box' });
    els.langBox = h('div');
    els.expiry = h('p', { class: 'hint expiry' });
    put(
      box,
      els.langBox,
      els.pacing,
      h('h3', { text: t('host.session') }),
      els.expiry,
      h('button', { class: 'btn danger', type: 'button', 'data-key': 'delete-session', text: t('host.delete_session'), onclick: deleteSession }),
    );
    renderExpiry();
  }
  pacingControls(els.pacing, view, hctx);
  const language = view.language || '';
  const s = sig([language]);
  if (els.langBox.dataset.sig === s) return;
  els.langBox.dataset.sig = s;
  const langSelect = h(
    'select',
    { id: 'lang-select', 'data-key': 'lang-select', 'aria-describedby': 'lang-hint' },
    language ? null : h('option', { value: '', text: t('host.language_unset') }),
    Object.entries(LANGUAGES).map(([tag, name]) => h('option', { value: tag, text: name })),
    language && !(language in LANGUAGES) ? h('option', { value: language, text: language }) : null,
  );
  langSelect.value = language;
  langSelect.addEventListener('change', async () => {
    if (!langSelect.value) return;
    if (await cmd({ type: 'set_language', language: langSelect.value })) flash(t('host.language_saved'));
  });
  keepFocus(els.langBox, () =>
    put(
      els.langBox,
      h('h3', { id: 'lang-h', text: t('host.language') }),
      h('div', { class: 'field' }, h('label', { for: 'lang-select', text: t('host.language_label') }), langSelect),
      h('p', { class: 'hint', id: 'lang-hint', text: t('host.language_hint') }),
    ),
  );
}

/** Fetches an export with the host key and saves it as a file (name from Content-Disposition). */
async function download(path, button) {
  button.disabled = true;
  try {
    const res = await fetch(path, { headers: { Authorization: `Bearer ${hostKey}` }, cache: 'no-store' });
    if (!res.ok) {
      let body = null;
      try {
        body = await res.json();
      } catch {
        /* not JSON */
      }
      throw { code: body?.error?.code || `http_${res.status}`, message: body?.error?.message };
    }
    const name = (res.headers.get('Content-Disposition') || '').match(/filename="?([^";]+)"?/)?.[1] || path.split('/').pop();
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    flash(t('host.downloaded', { name }));
  } catch (err) {
    flash(errorText(err), 'error');
  } finally {
    button.disabled = false;
  }
}

/** Kinds whose results are not drawn as a picture (`results.png` answers `no_chart`). */
const CHARTLESS = ['info', 'timer', 'groups', 'leaderboard'];

/** Save the deck as a template in this browser; downloads (JSON, CSV per activity); the report. */
function renderExports() {
  const box = els.exports;
  if (!box || !view) return;
  const s = sig(view.deck.map((a) => [a.id, textOf(a)]));
  if (box.dataset.sig === s) return;
  box.dataset.sig = s;
  const typed = box.querySelector('#template-name')?.value ?? '';
  const name = h('input', { id: 'template-name', value: typed, type: 'text', maxlength: MAX_TITLE_CHARS, required: true, autocomplete: 'off', 'data-key': 'template-name', 'aria-describedby': 'template-hint' });
  const saveForm = h(
    'form',
    { class: 'stack', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'template-name', text: t('host.template_name') }), name),
    h('p', { class: 'hint', id: 'template-hint', text: t('host.template_hint') }),
    h('button', { class: 'btn', type: 'submit', 'data-key': 'template-save', text: t('host.template_save') }),
  );
  saveForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = saveForm.querySelector('button');
    const label = name.value.trim() || view.title || t('host.untitled');
    button.disabled = true;
    try {
      const data = await api('GET', `/api/rooms/${code}/deck.json`, null, { Authorization: `Bearer ${hostKey}` });
      if (saveTemplate(label, data.title || '', data.deck)) flash(t('host.template_saved', { name: label }));
      else flash(t('host.template_failed'), 'error');
    } catch (err) {
      flash(errorText(err), 'error');
    } finally {
      button.disabled = false;
    }
  });
  const json = h('button', {
    class: 'btn',
    type: 'button',
    'data-key': 'export-json',
    text: t('host.export_json'),
    onclick: (e) => download(`/api/rooms/${code}/export.json`, e.currentTarget),
  });
  // Each activity as CSV, and its results as a picture (for newsletters and pages that take
  // neither scripts nor iframes); kinds with nothing to chart have no picture.
  const csv = view.deck.map((a, i) => {
    const picture = (ext) =>
      h('button', {
        class: 'btn small',
        type: 'button',
        'data-key': `export-${ext}-${a.id}`,
        text: ext.toUpperCase(),
        'aria-label': t('host.export_picture', { format: ext.toUpperCase(), n: i + 1, text: textOf(a) }),
        onclick: (e) => download(`/api/rooms/${code}/activities/${a.id}/results.${ext}`, e.currentTarget),
      });
    return h(
      'li',
      {},
      h('button', {
        class: 'btn small',
        type: 'button',
        'data-key': `export-csv-${a.id}`,
        text: t('host.export_csv', { n: i + 1, text: textOf(a) }),
        onclick: (e) => download(`/api/rooms/${code}/activities/${a.id}/export.csv`, e.currentTarget),
      }),
      CHARTLESS.includes(a.kind) ? null : h('span', { class: 'export-pictures' }, h('span', { class: 'muted', text: t('host.picture') }), ' ', picture('png'), ' ', picture('svg')),
    );
  });
  keepFocus(box, () =>
    put(
      box,
      h('h3', { id: 'export-h', text: t('host.export') }),
      h('p', { class: 'hint', text: t('host.export_hint') }),
      h('p', {}, json),
      csv.length ? h('ul', { class: 'export-list', role: 'list', 'aria-label': t('host.export_csv_label') }, csv) : null,
      h('h3', { text: t('host.report') }),
      h('p', { class: 'hint', text: t('host.report_hint') }),
      h('p', {}, h('a', { class: 'btn', href: `/report/${code}#key=${encodeURIComponent(hostKey)}`, target: '_blank', rel: 'noopener', 'data-key': 'open-report', text: t('host.open_report') })),
      h('h3', { id: 'save-h', text: t('host.template_title') }),
      saveForm,
    ),
  );
}

function renderExpiry() {
  if (!els.expiry) return;
  els.expiry.textContent = expiresAt ? t('host.expires', { date: dateTime(expiresAt) }) : '';
  if (view) rememberSession({ code, title: view.title || '', host_url: `/host/${code}#key=${encodeURIComponent(hostKey)}`, expires_at: expiresAt });
}

async function deleteSession(e) {
  if (!confirm(t('host.delete_session_confirm'))) return;
  const b = e.currentTarget;
  b.disabled = true;
  try {
    await api('DELETE', `/api/rooms/${code}`, null, { Authorization: `Bearer ${hostKey}` });
    forgetSession(code);
    conn?.stop();
    location.href = '/';
  } catch (err) {
    b.disabled = false;
    flash(errorText(err), 'error');
  }
}

// ---------------------------------------------------------------------------------------------
// Adding and editing activities

function openEditor(kind, existing) {
  const dialog = $('#editor');
  const spec = existing?.spec || null;
  const errors = new Map();
  const fieldError = (id) => {
    const el = h('p', { class: 'field-error', id: `${id}-err`, hidden: true });
    errors.set(id, el);
    return el;
  };
  const formError = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const fields = [];

  const collect = kindEditor(kind, spec, formKit(fields, fieldError, errors), view?.deck || []);

  const save = h('button', { class: 'btn primary', type: 'submit', text: existing ? t('common.save') : t('host.f_add') });
  const form = h(
    'form',
    { class: 'stack', novalidate: true, method: 'dialog' },
    h('h2', { id: 'editor-h', text: t(existing ? `host.edit_${kind}` : `host.new_${kind}`) }),
    fields,
    formError,
    h(
      'div',
      { class: 'dialog-actions' },
      save,
      h('button', { class: 'btn', type: 'button', text: t('common.cancel'), onclick: () => dialog.close() }),
    ),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const el of errors.values()) el.textContent = '';
    formError.hidden = true;
    const spec = collect();
    let first = null;
    for (const [id, el] of errors) {
      el.hidden = !el.textContent;
      // A group (a fieldset: options, radios) is marked and focused by the input at fault, if
      // it says which (an option listed twice), else by its first input.
      const named = form.querySelector(`#${id}`);
      const group = named && named.tagName !== 'FIELDSET' ? null : named || el.closest('.field');
      const input = group ? group.querySelector('[aria-invalid="true"]') || group.querySelector('input,textarea') : named;
      if (input) input.setAttribute('aria-invalid', el.textContent ? 'true' : 'false');
      if (el.textContent && !first) first = input || el;
    }
    if (first) {
      first.focus?.();
      return;
    }
    save.disabled = true;
    try {
      const ack = existing
        ? await conn.send({ type: 'edit_activity', activity: existing.id, spec })
        : await conn.send({ type: 'add_activity', spec });
      dialog.close();
      if (!existing && ack?.id != null) {
        selectedId = ack.id;
        follow = false;
        render();
      }
      flash(t(existing ? 'host.saved_activity' : 'host.added_activity'));
    } catch (err) {
      formError.textContent = errorText(err);
      formError.hidden = false;
    } finally {
      save.disabled = false;
    }
  });
  const opener = document.activeElement;
  dialog.onclose = () => {
    // From the kind picker, whose buttons are gone by now: back to "Add an activity".
    if (opener && opener.isConnected) opener.focus();
    else els.grid.querySelector('[data-key="add-activity"]')?.focus();
  };
  put(dialog, form);
  if (!dialog.open) dialog.showModal();
  form.querySelector('textarea, input')?.focus();
}

start();
