// The participant's phone: join with an optional name, then follow whatever the facilitator shows.

import { h, $, put, api, store, codeFromPath, formatCode, announcer, sig, keepFocus, keyed, setText } from './util.js';
import { initI18n, t, translatePage, errorText, num, applySessionLanguage } from './i18n.js';
import { Conn, bindStatus } from './conn.js';
import { renderBars, renderCloud, renderWall, pollRows, ideaRows } from './charts.js';
import { clock, isKind, titleOf } from './kinds/common.js';
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

const saveLocal = () => store.set(KEY, saved);

async function start() {
  await initI18n();
  translatePage();
  document.title = t('p.page_title');
  bindStatusEl();
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
  if (info?.language && (await applySessionLanguage(info.language))) {
    translatePage();
    $('#conn').__show($('#conn').dataset.status || 'connecting');
  }
  const title = info?.title || '';
  setTitle(title);
  const nameInput = h('input', {
    id: 'join-name',
    name: 'name',
    type: 'text',
    maxlength: 40,
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
  nameInput.focus();
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
  applySessionLanguage(tag).then((changed) => {
    if (!changed || ended) return;
    translatePage();
    $('#conn').__show(conn?.status === 'idle' ? 'connecting' : conn?.status || 'connecting');
    const who = $('#who');
    if (!who.hidden && !who.querySelector('form')) {
      put(who);
      renderWho();
    }
    ui = null;
    shell = null;
    render();
  });
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
  const input = h('input', { id: 'name-edit', type: 'text', maxlength: 40, autocomplete: 'nickname', value: myName || '' });
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

/** What the newer kinds' screens (kinds/*.js) borrow from this page. */
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
  if (a.kind === 'poll') return pollScreen(a);
  if (a.kind === 'ideas') return ideasScreen(a);
  if (a.kind === 'wordcloud') return wordsScreen(a);
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

// --- Poll ------------------------------------------------------------------------------------

function pollScreen(first) {
  const f = frame(first, t('kind.poll'));
  const id = first.id;
  let selected = new Set();
  let dirty = false;
  let optionsSig = '';
  let last = first;
  const hint = h('p', { class: 'hint', id: `hint${id}` });
  const choices = h('div', { class: 'choices', role: first.multiple ? 'group' : 'radiogroup', 'aria-labelledby': `q${id}`, 'aria-describedby': `hint${id}` });
  const submit = h('button', { class: 'btn primary big', type: 'submit' });
  const form = h('form', { class: 'stack', novalidate: true }, hint, choices, submit, f.feedback);
  const resultsHead = h('h2', { class: 'results-head' });
  const results = h('div', { class: 'results-body' });
  const resultsBox = h('div', { class: 'results', hidden: true }, resultsHead, results);
  f.el.append(form, resultsBox);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!selected.size) return f.setFeedback(t('error.no_choice'), 'error');
    const options = [...selected];
    try {
      await request(submit, { type: 'vote', activity: id, options });
      answers[id] = { kind: 'poll', options };
      dirty = false;
      f.setFeedback(t('p.vote_received'));
      update(last, answers[id]);
    } catch (err) {
      if (err.code === 'already_voted') dirty = false;
      f.setFeedback(errorText(err), 'error');
      update(last, answers[id]);
    }
  });

  function buildOptions(a) {
    const type = a.multiple ? 'checkbox' : 'radio';
    choices.setAttribute('role', a.multiple ? 'group' : 'radiogroup');
    put(
      choices,
      a.options.map((o) => {
        const input = h('input', { type, name: `poll${id}`, value: o.id, 'data-key': `o${o.id}` });
        input.addEventListener('change', () => {
          if (a.multiple) {
            if (input.checked) selected.add(o.id);
            else selected.delete(o.id);
          } else {
            selected = new Set([o.id]);
          }
          dirty = true;
          f.setFeedback('');
          update(last, answers[id]);
        });
        return h('label', { class: 'choice', 'data-o': o.id }, input, h('span', { class: 'choice-mark', 'aria-hidden': 'true' }), h('span', { class: 'choice-text', text: o.text }));
      }),
    );
  }

  function update(a, answer) {
    last = a;
    f.setHead(a, a.question);
    const mine = answer?.options || [];
    const voted = mine.length > 0;
    const live = new Set(a.options.map((o) => o.id));
    if (!dirty) selected = new Set(mine);
    for (const o of selected) if (!live.has(o)) selected.delete(o);
    const s = sig([a.options, a.multiple]);
    if (s !== optionsSig) {
      optionsSig = s;
      keepFocus(choices, () => buildOptions(a));
    }
    const canVote = a.voting_open && (!voted || a.allow_change);
    const full = a.multiple && selected.size >= a.max_choices;
    for (const label of choices.children) {
      const input = label.querySelector('input');
      const oid = Number(label.dataset.o);
      input.checked = selected.has(oid);
      input.disabled = !canVote || (full && !selected.has(oid));
      label.classList.toggle('on', selected.has(oid));
      label.classList.toggle('voted', mine.includes(oid));
    }
    hint.textContent = !a.multiple
      ? t('p.poll_choose_one')
      : a.max_choices >= a.options.length
        ? t('p.poll_choose_any')
        : t('p.poll_choose_up_to', { n: a.max_choices });
    submit.hidden = !canVote || (voted && !dirty);
    submit.textContent = voted ? t('p.change_vote') : t('p.vote');
    submit.disabled = !selected.size || (voted && !dirty);
    if (!a.voting_open) f.setNotice(voted ? t('p.closed_voted') : t('p.closed'));
    else if (voted && !a.allow_change) f.setNotice(t('p.voted_final'), 'info');
    else f.setNotice('');
    if (voted && !dirty && f.feedback.hidden) {
      f.feedback.hidden = false;
      f.feedback.dataset.kind = 'ok';
      f.feedback.textContent = t('p.vote_received');
    }
    resultsBox.hidden = !a.results;
    if (a.results) {
      resultsHead.textContent = t('p.results_votes', { n: a.results.voters });
      renderBars(results, pollRows(a, mine), { total: a.results.voters, unit: 'votes' });
    }
  }

  return { el: f.el, update };
}

// --- Ideas -----------------------------------------------------------------------------------

function ideasScreen(first) {
  const f = frame(first, t('kind.ideas'));
  const id = first.id;
  const body = h('div', { class: 'stack' });
  f.el.append(body);
  let phase = null;
  let part = null;
  return {
    el: f.el,
    update(a, answer) {
      f.setHead(a, a.prompt);
      if (a.phase !== phase) {
        phase = a.phase;
        f.setFeedback('');
        part = a.phase === 'vote' ? ideasVote(a, f, id) : ideasCollect(a, f, id);
        put(body, part.el);
      }
      part.update(a, answer);
    },
  };
}

function ideasCollect(first, f, id) {
  const max = 200;
  let formSig = '';
  const formBox = h('div');
  const remaining = h('p', { class: 'hint' });
  const mineHead = h('h2', { text: t('p.ideas_yours') });
  const mineList = h('ul', { class: 'mine-list', role: 'list' });
  const mineBox = h('div', { hidden: true }, mineHead, mineList);
  const wallHead = h('h2');
  const wall = h('div');
  const wallBox = h('div', { class: 'results', hidden: true }, wallHead, wall);
  const el = h('div', { class: 'stack' }, formBox, remaining, f.feedback, mineBox, wallBox);
  let draft = '';

  function buildForm(a) {
    const counter = h('span', { class: 'counter', id: `cnt${id}`, 'aria-live': 'off' });
    const area = h('textarea', {
      id: `idea${id}`,
      rows: 3,
      maxlength: max,
      'aria-describedby': `cnt${id}`,
      enterkeyhint: 'send',
    });
    area.value = draft;
    const send = h('button', { class: 'btn primary big', type: 'submit', text: t('p.ideas_send') });
    const count = () => {
      const n = [...area.value].length;
      counter.textContent = t('p.chars', { n, max });
      counter.classList.toggle('warn', n > max - 20);
      draft = area.value;
    };
    area.addEventListener('input', count);
    area.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    count();
    const form = h(
      'form',
      { class: 'stack', novalidate: true },
      h('div', { class: 'label-row' }, h('label', { for: `idea${id}`, text: t('p.ideas_label') }), counter),
      area,
      send,
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = area.value.trim();
      if (!text) return f.setFeedback(t('error.text_empty'), 'error');
      try {
        await request(send, { type: 'submit_idea', activity: id, text });
        area.value = '';
        draft = '';
        count();
        f.setFeedback(t('p.ideas_received'));
        area.focus();
      } catch (err) {
        f.setFeedback(errorText(err), 'error');
      }
    });
    put(formBox, form);
  }

  return {
    el,
    update(a, answer) {
      const mine = answer?.submitted || [];
      const left = Math.max(0, a.max_per_participant - mine.length);
      const open = a.voting_open && left > 0;
      const s = sig([open]);
      if (s !== formSig) {
        formSig = s;
        if (open) buildForm(a);
        else put(formBox);
      }
      if (!a.voting_open) f.setNotice(t('p.ideas_closed'));
      else if (!left) f.setNotice(t('p.ideas_all_sent'), 'info');
      else f.setNotice('');
      remaining.hidden = !open;
      remaining.textContent = t('p.ideas_left', { n: left });
      mineBox.hidden = !mine.length;
      const listSig = sig(mine);
      if (mineList.dataset.sig !== listSig) {
        mineList.dataset.sig = listSig;
        put(
          mineList,
          mine.map((i) =>
            h(
              'li',
              {},
              h('span', { text: i.text }),
              i.merged_into != null ? h('span', { class: 'tag', text: t('p.ideas_merged') }) : i.hidden ? h('span', { class: 'tag', text: t('p.ideas_hidden') }) : null,
            ),
          ),
        );
      }
      wallBox.hidden = !a.ideas;
      if (a.ideas) {
        wallHead.textContent = t('p.ideas_all', { n: a.count });
        renderWall(wall, a.ideas, { mine: mine.map((i) => i.id) });
      }
    },
  };
}

function ideasVote(first, f, id) {
  let dots = new Map(); // idea id → dots
  let dirty = false;
  let last = first;
  let lastAnswer = null;
  const meter = h('div', { class: 'dots-meter', 'aria-hidden': 'true' });
  const meterText = h('p', { class: 'dots-left' });
  const hint = h('p', { class: 'hint' });
  const list = h('ul', { class: 'vote-list', role: 'list' });
  const empty = h('p', { class: 'muted', hidden: true, text: t('p.ideas_none') });
  const send = h('button', { class: 'btn primary big', type: 'submit' });
  const form = h('form', { class: 'stack', novalidate: true }, hint, h('div', { class: 'dots-bar' }, meter, meterText), list, empty, send, f.feedback);
  const resultsHead = h('h2');
  const results = h('div');
  const resultsBox = h('div', { class: 'results', hidden: true }, resultsHead, results);
  const el = h('div', { class: 'stack' }, form, resultsBox);
  const spent = () => [...dots.values()].reduce((x, y) => x + y, 0);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ideas = [];
    for (const [idea, n] of dots) for (let i = 0; i < n; i++) ideas.push(idea);
    try {
      await request(send, { type: 'dot_vote', activity: id, ideas });
      answers[id] = { ...(answers[id] || { kind: 'ideas', submitted: [] }), dots: ideas };
      dirty = false;
      f.setFeedback(ideas.length ? t('p.dots_received') : t('p.dots_withdrawn'));
      update(last, answers[id]);
    } catch (err) {
      f.setFeedback(errorText(err), 'error');
    }
  });

  function change(idea, delta) {
    const n = (dots.get(idea) || 0) + delta;
    if (n < 0 || n > last.max_dots_per_item || (delta > 0 && spent() >= last.dots)) return;
    if (n) dots.set(idea, n);
    else dots.delete(idea);
    dirty = true;
    f.setFeedback('');
    update(last, lastAnswer);
    say(t('p.dots_left', { n: last.dots - spent(), total: last.dots }));
  }

  /** The buttons of one row; handlers read the row's current idea, so rows are never rebuilt. */
  function dotControl(mode, li) {
    if (mode === 'closed') return (li._count = h('span', { class: 'dot-count' }));
    if (mode === 'toggle') {
      li._toggle = h('button', { type: 'button', class: 'btn dot-toggle' });
      li._toggle.addEventListener('click', () => change(li._idea, dots.get(li._idea) ? -1 : 1));
      return li._toggle;
    }
    li._minus = h('button', { type: 'button', class: 'btn', text: '−', onclick: () => change(li._idea, -1) });
    li._n = h('span', { class: 'stepper-n' });
    li._plus = h('button', { type: 'button', class: 'btn', text: '+', onclick: () => change(li._idea, 1) });
    return h('span', { class: 'stepper' }, li._minus, li._n, li._plus);
  }

  function updateDotControl(li, idea, n, left, a) {
    if (li._mode === 'closed') {
      li._count.hidden = !n;
      setText(li._count, t('p.your_dots', { n }));
    } else if (li._mode === 'toggle') {
      const b = li._toggle;
      b.className = n ? 'btn dot-toggle on' : 'btn dot-toggle';
      b.setAttribute('aria-pressed', n ? 'true' : 'false');
      b.setAttribute('aria-label', t(n ? 'p.dot_remove_label' : 'p.dot_give_label', { text: idea.text }));
      b.disabled = !n && !left;
      setText(b, n ? t('p.dot_given') : t('p.dot_give'));
    } else {
      li._minus.setAttribute('aria-label', t('p.dot_minus_label', { text: idea.text }));
      li._minus.disabled = !n;
      li._plus.setAttribute('aria-label', t('p.dot_plus_label', { text: idea.text }));
      li._plus.disabled = !left || n >= a.max_dots_per_item;
      setText(li._n, num(n));
      li._n.setAttribute('aria-label', t('p.your_dots', { n }));
    }
  }

  function update(a, answer) {
    last = a;
    lastAnswer = answer;
    const visible = (a.ideas || []).filter((i) => !i.hidden && i.merged_into == null);
    const ids = new Set(visible.map((i) => i.id));
    if (!dirty) {
      dots = new Map();
      for (const idea of answer?.dots || []) dots.set(idea, (dots.get(idea) || 0) + 1);
    }
    for (const idea of [...dots.keys()]) if (!ids.has(idea)) dots.delete(idea);
    const used = spent();
    const left = Math.max(0, a.dots - used);
    const open = a.voting_open;
    const saved = (answer?.dots || []).length > 0;
    hint.textContent =
      a.max_dots_per_item > 1 ? t('p.dots_hint_multi', { n: a.dots, m: a.max_dots_per_item }) : t('p.dots_hint', { n: a.dots });
    hint.hidden = !open;
    meterText.textContent = t('p.dots_left', { n: left, total: a.dots });
    if (meter.children.length !== a.dots) put(meter, Array.from({ length: a.dots }, () => h('span', { class: 'dot' })));
    [...meter.children].forEach((d, i) => d.classList.toggle('on', i < used));
    form.querySelector('.dots-bar').hidden = !open;
    // The list stays in suggestion order while voting, so nothing moves under a finger.
    const order = open ? [...visible].sort((x, y) => x.id - y.id) : visible;
    const showList = open || !a.results_shown || !visible.some((i) => i.votes != null);
    list.hidden = !showList;
    if (showList) {
      const mode = !open ? 'closed' : a.max_dots_per_item === 1 ? 'toggle' : 'stepper';
      keyed(
        list,
        order,
        (idea) => idea.id,
        (idea) => {
          const li = h('li', { class: 'vote-item' });
          li._text = h('span', { class: 'vote-text' });
          li._tag = h('span', { class: 'tag' });
          li._control = h('span', { class: 'vote-control' });
          li.append(h('span', { class: 'vote-main' }, li._text, li._tag), li._control);
          return li;
        },
        (li, idea) => {
          li._idea = idea.id;
          const n = dots.get(idea.id) || 0;
          li.classList.toggle('on', n > 0);
          setText(li._text, idea.text);
          li._tag.hidden = idea.votes == null;
          if (idea.votes != null) setText(li._tag, t('p.dots_so_far', { n: idea.votes }));
          if (li._mode !== mode) {
            li._mode = mode;
            put(li._control, dotControl(mode, li));
          }
          updateDotControl(li, idea, n, left, a);
        },
      );
    }
    empty.hidden = visible.length > 0;
    send.hidden = !open || (saved && !dirty);
    send.textContent = saved ? t('p.dots_update') : t('p.dots_send');
    send.disabled = !dirty || (!saved && !used);
    if (!open) f.setNotice(saved ? t('p.closed_voted') : t('p.closed'));
    else f.setNotice('');
    if (saved && !dirty && f.feedback.hidden) {
      f.feedback.hidden = false;
      f.feedback.dataset.kind = 'ok';
      f.feedback.textContent = t('p.dots_received');
    }
    const ranked = !open && a.results_shown && visible.some((i) => i.votes != null);
    resultsBox.hidden = !ranked;
    if (ranked) {
      resultsHead.textContent = t('p.results');
      renderBars(results, ideaRows(a, answer?.dots || []), { scale: 'max', unit: 'dots', ranked: true });
    }
  }

  return { el, update };
}

// --- Word cloud ------------------------------------------------------------------------------

function wordsScreen(first) {
  const f = frame(first, t('kind.wordcloud'));
  const id = first.id;
  let formSig = '';
  const drafts = [];
  const formBox = h('div');
  const mineHead = h('h2', { text: t('p.words_yours') });
  const mineList = h('ul', { class: 'chips', role: 'list' });
  const mineBox = h('div', { hidden: true }, mineHead, mineList);
  const cloudHead = h('h2');
  const cloud = h('div', { class: 'cloud-box' });
  const cloudBox = h('div', { class: 'results', hidden: true }, cloudHead, cloud);
  f.el.append(h('div', { class: 'stack' }, formBox, f.feedback, mineBox, cloudBox));

  function buildForm(a, mine) {
    const left = a.max_words - mine.length;
    const inputs = [];
    const fields = Array.from({ length: left }, (_, i) => {
      const n = mine.length + i + 1;
      const input = h('input', {
        id: `w${id}-${i}`,
        type: 'text',
        maxlength: 25,
        autocomplete: 'off',
        autocapitalize: 'none',
        enterkeyhint: i === left - 1 ? 'send' : 'next',
        'aria-describedby': `wh${id}`,
        value: drafts[i] || '',
      });
      input.addEventListener('input', () => {
        drafts[i] = input.value;
      });
      inputs.push(input);
      return h('div', { class: 'field' }, h('label', { for: input.id, text: a.max_words > 1 ? t('p.word_n', { n }) : t('p.word_one') }), input);
    });
    const send = h('button', { class: 'btn primary big', type: 'submit', text: t('p.words_send') });
    const form = h(
      'form',
      { class: 'stack', novalidate: true },
      h('p', { class: 'hint', id: `wh${id}`, text: t('p.words_hint', { n: left }) }),
      fields,
      send,
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const words = inputs.map((i) => i.value.trim().replace(/\s+/g, ' ')).filter(Boolean);
      if (!words.length) return f.setFeedback(t('error.no_words'), 'error');
      const seen = new Set(mine.map((w) => w.toLowerCase()));
      for (const w of words) {
        if (seen.has(w.toLowerCase())) return f.setFeedback(t('error.duplicate_submission'), 'error');
        seen.add(w.toLowerCase());
      }
      try {
        await request(send, { type: 'submit_words', activity: id, words });
        drafts.length = 0;
        const now = [...mine, ...words];
        answers[id] = { kind: 'wordcloud', words: now };
        f.setFeedback(t('p.words_received', { n: words.length }));
        formSig = '';
        update(lastView, answers[id]);
      } catch (err) {
        f.setFeedback(errorText(err), 'error');
      }
    });
    put(formBox, form);
  }

  let lastView = first;
  function update(a, answer) {
    lastView = a;
    f.setHead(a, a.prompt);
    const mine = answer?.words || [];
    const left = Math.max(0, a.max_words - mine.length);
    const open = a.voting_open && left > 0;
    const s = sig([open, left]);
    if (s !== formSig) {
      const focusIn = formBox.contains(document.activeElement);
      formSig = s;
      if (open) buildForm(a, mine);
      else put(formBox);
      if (focusIn) (formBox.querySelector('input') || f.heading).focus();
    }
    if (!a.voting_open) f.setNotice(mine.length ? t('p.closed_voted') : t('p.closed'));
    else if (!left) f.setNotice(t('p.words_all_sent'), 'info');
    else f.setNotice('');
    mineBox.hidden = !mine.length;
    const ms = sig(mine);
    if (mineList.dataset.sig !== ms) {
      mineList.dataset.sig = ms;
      put(mineList, mine.map((w) => h('li', { class: 'chip', text: w })));
    }
    cloudBox.hidden = !a.words;
    if (a.words) {
      cloudHead.textContent = t('p.words_all', { n: a.total });
      renderCloud(cloud, a.words, { min: 1, max: 2.6, mine });
    }
  }
  return { el: f.el, update };
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
