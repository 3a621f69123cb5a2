// Solution circle: one participant (the sharer) shares a challenge and listens, mic off, while the
// others offer ideas in timed turns; then an open discussion; then the sharer says what was
// useful. Speakers may post their idea as text during their turn, the sharer their feedback. Each
// phone learns its part (sharer, speaker with its place in the order, listener) from its `me`
// answer; whose turn it is comes from the view (`order`, `speaking`).

import { h, put, setText, sig, keyed } from '../util.js';
import { t, errorText } from '../i18n.js';
import { face } from './timer.js';
import * as timer from './timer.js';
import { MAX_POST_CHARS, MAX_TITLE_CHARS } from './limits.js';

const MAX = MAX_POST_CHARS;
const nameOf = (n) => n || t('groups.guest');
const clockOf = (a) => ({ ...a.timer, id: a.id });
const timed = (a) => a.phase === 'turns' || a.phase === 'discussion';

/** Who speaks now and next, or what the phase is, for the screen and the console. */
function nowLine(a) {
  if (a.phase === 'setup') return [t('circle.setup_screen'), ''];
  if (a.phase === 'turns') {
    const i = a.speaking ?? 0;
    const next = i + 1 < a.order.length ? t('circle.next', { name: nameOf(a.order[i + 1]) }) : t('circle.next_discussion');
    return [t('circle.now', { name: nameOf(a.order[i]) }), next];
  }
  if (a.phase === 'discussion') return [t('circle.discussion'), t('circle.next_feedback', { name: nameOf(a.sharer) })];
  if (a.phase === 'feedback') return [t('circle.feedback_now', { name: nameOf(a.sharer) }), ''];
  return [t('circle.done'), ''];
}

/** The ideas posted so far, and the sharer's feedback. */
function posts(box, a) {
  const s = sig([a.ideas, a.feedback, a.phase === 'feedback' || a.phase === 'done']);
  if (box.dataset.sig === s) return;
  box.dataset.sig = s;
  const showFeedback = a.feedback.length || a.phase === 'feedback' || a.phase === 'done';
  put(
    box,
    h('h2', { class: 'groups-sub', text: t('circle.ideas') }),
    a.ideas.length
      ? h('ul', { class: 'circle-ideas', role: 'list' }, a.ideas.map((p) => h('li', {}, h('span', { text: p.text }), h('span', { class: 'circle-by', text: t('circle.by', { name: nameOf(p.name), n: p.turn }) }))))
      : h('p', { class: 'muted', text: t('circle.no_ideas') }),
    showFeedback ? h('h2', { class: 'groups-sub', text: t('circle.useful') }) : null,
    showFeedback
      ? a.feedback.length
        ? h('ul', { class: 'circle-ideas circle-feedback', role: 'list' }, a.feedback.map((text) => h('li', { text })))
        : h('p', { class: 'muted', text: t('circle.no_feedback') })
      : null,
  );
}

// ---------------------------------------------------------------------------------------------
// Phone

function roleText(a, me) {
  if (a.phase === 'setup') return t('circle.p_setup');
  if (!me) return t('circle.p_finding');
  const sharer = me.role === 'sharer';
  if (a.phase === 'turns') {
    if (sharer) return t('circle.p_listening');
    if (me.role === 'speaker') {
      const ahead = me.position - (a.speaking ?? 0);
      if (ahead === 0) return t('circle.p_your_turn');
      if (ahead < 0) return t('circle.p_spoken');
      return t('circle.p_after', { n: ahead });
    }
    return t('circle.now', { name: nameOf(a.order[a.speaking ?? 0]) });
  }
  if (a.phase === 'discussion') return t('circle.discussion');
  if (a.phase === 'feedback') return sharer ? t('circle.p_feedback') : t('circle.feedback_now', { name: nameOf(a.sharer) });
  return t('circle.done');
}

export function phone(first, ctx) {
  const f = ctx.frame(first, t('kind.circle'));
  const id = first.id;
  const challenge = h('p', { class: 'info-body' });
  const role = h('p', { class: 'circle-role', 'aria-live': 'polite' });
  const clock = face('phone', ctx.say);
  const counter = h('span', { class: 'counter', id: `cc${id}` });
  const label = h('label', { for: `ca${id}` });
  const area = h('textarea', { id: `ca${id}`, rows: 3, maxlength: MAX, 'aria-describedby': `cc${id}` });
  const send = h('button', { class: 'btn primary big', type: 'submit', text: t('circle.post') });
  const count = () => {
    const n = [...area.value].length;
    counter.textContent = t('p.chars', { n, max: MAX });
    counter.classList.toggle('warn', n > MAX - 20);
  };
  area.addEventListener('input', count);
  const form = h('form', { class: 'stack', novalidate: true, hidden: true }, h('div', { class: 'label-row' }, label, counter), area, send);
  let last = first;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = area.value.trim();
    if (!text) return f.setFeedback(t('error.text_empty'), 'error');
    try {
      await ctx.request(send, { type: 'circle_post', activity: id, text });
      area.value = '';
      count();
      f.setFeedback(last.phase === 'feedback' ? t('circle.posted_feedback') : t('circle.posted'));
    } catch (err) {
      f.setFeedback(errorText(err), 'error');
    }
  });
  count();
  f.el.append(h('div', { class: 'stack' }, challenge, role, clock.el, form, f.feedback));
  let asked = '';
  return {
    el: f.el,
    update(a, answer) {
      last = a;
      f.setHead(a, a.title || t('kind.circle'));
      setText(challenge, a.challenge);
      challenge.hidden = !a.challenge;
      const me = answer && answer.kind === 'circle' ? answer : null;
      // The parts are set up once per circle: ask for this phone's when they change or are unknown.
      const key = sig([a.phase === 'setup', a.sharer, a.order]);
      if (a.phase !== 'setup' && (key !== asked || !me)) {
        if (key !== asked) ctx.send({ type: 'sync' }).catch(() => {});
        asked = key;
      }
      setText(role, roleText(a, me));
      role.dataset.role = me?.role || '';
      clock.el.hidden = !timed(a);
      clock.set(clockOf(a));
      const mine = me && ((me.role === 'speaker' && a.phase === 'turns' && me.position === a.speaking) || (me.role === 'sharer' && a.phase === 'feedback'));
      if (form.hidden === !!mine) {
        form.hidden = !mine;
        if (mine) {
          setText(label, a.phase === 'feedback' ? t('circle.label_feedback') : t('circle.label_idea'));
          f.setFeedback('');
        }
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Screen

export function present() {
  const challenge = h('p', { class: 'circle-challenge' });
  const now = h('p', { class: 'circle-now' });
  const next = h('p', { class: 'circle-next' });
  const clock = face('screen circle-clock');
  const box = h('div', { class: 'circle-posts' });
  const el = h('div', { class: 'circle-stage' }, h('div', { class: 'circle-side' }, challenge, now, next, clock.el), h('div', { class: 'circle-main' }, box));
  return {
    el,
    update(a) {
      setText(challenge, a.challenge);
      challenge.hidden = !a.challenge;
      const [n, x] = nowLine(a);
      setText(now, n);
      setText(next, x);
      next.hidden = !x;
      clock.el.hidden = !timed(a);
      clock.set(clockOf(a));
      posts(box, a);
      return a.sharer ? [t('circle.sharer', { name: nameOf(a.sharer) })] : [];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Console

export function preview(box, a) {
  if (!box._now) {
    box._now = h('p', { class: 'circle-now-host' });
    box._clock = face('host');
    box._order = h('ol', { class: 'circle-list' });
    box._posts = h('div');
    box.replaceChildren(box._now, box._clock.el, box._order, box._posts);
  }
  const [n, x] = nowLine(a);
  setText(box._now, [n, x].filter(Boolean).join(' · '));
  box._clock.el.hidden = !timed(a);
  box._clock.set(clockOf(a));
  const s = sig([a.order, a.speaking, a.sharer]);
  if (box._order.dataset.sig !== s) {
    box._order.dataset.sig = s;
    put(box._order, a.order.map((name, i) => h('li', { class: i === a.speaking ? 'current' : null, 'aria-current': i === a.speaking ? 'true' : null, text: nameOf(name) })));
    box._order.setAttribute('aria-label', t('circle.order'));
  }
  box._order.hidden = !a.order.length;
  posts(box._posts, a);
}

export function stats(a) {
  return t(`circle.phase_${a.phase}`);
}

/** The label of the button that moves the circle on. */
function nextLabel(a) {
  if (a.phase === 'turns') return (a.speaking ?? 0) + 1 < a.order.length ? t('circle.next_speaker') : t('circle.start_discussion');
  if (a.phase === 'discussion') return t('circle.start_feedback');
  return t('circle.finish');
}

/** Setup (people, sharer, order), then moving on through the phases, and the countdown. */
export function controls(box, a, view, hctx) {
  box._a = a;
  if (box._id !== a.id) {
    box._id = a.id;
    box._setup = setupForm(a.id, hctx);
    box._next = h('button', {
      class: 'btn primary',
      type: 'button',
      'data-key': 'circle-next',
      onclick: async (e) => {
        const label = e.currentTarget.textContent;
        if (await hctx.cmd({ type: 'circle_next', activity: box._a.id }, e.currentTarget)) hctx.say(t('circle.moved', { what: label }));
      },
    });
    box._timer = h('div');
    box._run = h('div', {}, h('div', { class: 'controls' }, box._next), box._timer);
    box.replaceChildren(box._setup.el, box._run);
  }
  const setup = a.phase === 'setup';
  box._setup.el.hidden = !setup;
  if (setup) box._setup.refreshSoon();
  box._run.hidden = setup;
  box._next.hidden = a.phase === 'done';
  setText(box._next, nextLabel(a));
  box._timer.hidden = !timed(a);
  timer.controls(box._timer, clockOf(a), view, hctx);
}

function setupForm(id, hctx) {
  let people = [];
  let order = []; // participant ids, in speaking order (when set by hand)
  let loaded = false;
  const status = h('p', { class: 'hint', role: 'status' });
  const sharer = h('select', { id: `circle-sharer-${id}`, 'data-key': 'circle-sharer' });
  const drawId = `circle-draw-${id}`;
  const setId = `circle-set-${id}`;
  const draw = h('input', { type: 'radio', name: `circle-order-${id}`, id: drawId, value: 'draw', checked: true, 'data-key': 'circle-draw' });
  const manual = h('input', { type: 'radio', name: `circle-order-${id}`, id: setId, value: 'set', 'data-key': 'circle-set' });
  const list = h('ol', { class: 'circle-order', 'aria-label': t('circle.order') });
  const label = (p) => (p.name || t('groups.guest')) + (p.online ? '' : ` ${t('circle.offline')}`);
  const renderOrder = () => {
    list.hidden = !manual.checked;
    const ids = order.filter((pid) => pid !== sharer.value);
    keyed(
      list,
      ids,
      (pid) => pid,
      (pid) => {
        const li = h('li', { class: 'circle-order-item' });
        li._name = h('span', { class: 'circle-order-name' });
        li._up = h('button', { class: 'btn small', type: 'button', text: '↑', onclick: () => move(pid, -1, li._up) });
        li._down = h('button', { class: 'btn small', type: 'button', text: '↓', onclick: () => move(pid, 1, li._down) });
        li.append(li._name, ' ', li._up, ' ', li._down);
        return li;
      },
      (li, pid, i) => {
        const p = people.find((x) => x.id === pid);
        const name = p ? label(p) : t('groups.guest');
        setText(li._name, `${i + 1}. ${name}`);
        li._up.setAttribute('aria-label', t('circle.move_up', { name }));
        li._down.setAttribute('aria-label', t('circle.move_down', { name }));
        li._up.dataset.key = `up-${pid}`;
        li._down.dataset.key = `down-${pid}`;
        li._up.disabled = i === 0;
        li._down.disabled = i === ids.length - 1;
      },
    );
  };
  const move = (pid, delta, button) => {
    const ids = order.filter((x) => x !== sharer.value);
    const i = ids.indexOf(pid);
    const j = i + delta;
    if (j < 0 || j >= ids.length) return;
    [ids[i], ids[j]] = [ids[j], ids[i]];
    order = ids;
    renderOrder();
    const p = people.find((x) => x.id === pid);
    hctx.say(t('circle.moved_to', { name: p ? label(p) : t('groups.guest'), n: j + 1 }));
    const again = list.querySelector(`[data-key="${delta < 0 ? 'up' : 'down'}-${CSS.escape(pid)}"]`);
    (again && !again.disabled ? again : list.querySelector(`[data-key$="-${CSS.escape(pid)}"]:not([disabled])`))?.focus();
  };
  const load = async (button) => {
    const reply = await hctx.cmd({ type: 'list_people' }, button);
    if (!reply || !Array.isArray(reply.people)) return;
    loaded = true;
    people = reply.people;
    const keep = sharer.value;
    put(sharer, h('option', { value: '', text: t('circle.choose_sharer') }), people.map((p) => h('option', { value: p.id, text: label(p) })));
    sharer.value = people.some((p) => p.id === keep) ? keep : '';
    // Keep the order set so far; newcomers (online) go to the end.
    order = order.filter((pid) => people.some((p) => p.id === pid));
    for (const p of people) if (p.online && !order.includes(p.id)) order.push(p.id);
    setText(status, t('circle.people', { n: people.filter((p) => p.online).length }));
    renderOrder();
  };
  const refresh = h('button', { class: 'btn small', type: 'button', 'data-key': 'circle-refresh', text: t('circle.refresh'), onclick: (e) => load(e.currentTarget) });
  const startBtn = h('button', {
    class: 'btn primary',
    type: 'submit',
    'data-key': 'circle-start',
    text: t('circle.start'),
  });
  const error = h('p', { class: 'field-error', id: `circle-err-${id}`, role: 'alert', hidden: true });
  sharer.setAttribute('aria-describedby', error.id);
  sharer.addEventListener('change', renderOrder);
  draw.addEventListener('change', renderOrder);
  manual.addEventListener('change', renderOrder);
  const form = h(
    'form',
    { class: 'stack circle-setup', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: sharer.id, text: t('circle.sharer_label') }), sharer),
    h('div', { class: 'controls' }, status, refresh),
    h(
      'fieldset',
      { class: 'field radios' },
      h('legend', { text: t('circle.order_legend') }),
      h('div', { class: 'check' }, draw, h('label', { for: drawId, text: t('circle.draw') })),
      h('div', { class: 'check' }, manual, h('label', { for: setId, text: t('circle.set') })),
    ),
    list,
    error,
    h('div', { class: 'controls' }, startBtn),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    if (!sharer.value) {
      error.textContent = t('circle.v_sharer');
      error.hidden = false;
      sharer.focus();
      return;
    }
    const msg = { type: 'circle_setup', activity: id, sharer: sharer.value };
    if (manual.checked) msg.order = order.filter((pid) => pid !== sharer.value);
    if (await hctx.cmd(msg, startBtn)) hctx.say(t('circle.started'));
  });
  renderOrder();
  let pending = false;
  return {
    el: h('section', { class: 'circle-setup-box', 'aria-label': t('circle.setup_label') }, form),
    /** Loads the people the first time the setup shows. */
    refreshSoon() {
      if (loaded || pending) return;
      pending = true;
      setTimeout(() => load(refresh).finally(() => (pending = false)), 0);
    },
  };
}

export function editor(spec, kit) {
  const title = kit.text('f-title', t('groups.f_title'), spec?.title ?? '', MAX_TITLE_CHARS, { optional: true, placeholder: t('kind.circle') });
  const challenge = kit.area('f-challenge', t('circle.f_challenge'), spec?.challenge ?? '', MAX, { optional: true, rows: 3, hint: t('circle.f_challenge_hint') });
  const turn = kit.number('f-turn', t('circle.f_turn'), Math.max(1, Math.round((spec?.turn_secs ?? 120) / 60)), 1, 30, t('circle.f_turn_hint'));
  const talk = kit.number('f-discussion', t('circle.f_discussion'), Math.max(1, Math.round((spec?.discussion_secs ?? 600) / 60)), 1, 120, t('circle.f_discussion_hint'));
  return () => {
    if ([...challenge.value.trim()].length > MAX) kit.error('f-challenge', t('error.text_too_long'));
    const turnMin = kit.range(turn, 'f-turn', 1, 30);
    const talkMin = kit.range(talk, 'f-discussion', 1, 120);
    return { kind: 'circle', title: title.value.trim(), challenge: challenge.value.trim(), turn_secs: turnMin * 60, discussion_secs: talkMin * 60 };
  };
}
