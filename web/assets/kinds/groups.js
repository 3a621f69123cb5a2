// Groups: breakout rounds. The host starts a round; everyone connected is put in a group of 3–4
// with talking points and a shared countdown. Each phone learns its own group from its `me`
// answer (asking with `sync` when it sees a round newer than the one it knows); the screen shows
// every group and the time left.

import { h, put, setText, sig, keyed } from '../util.js';
import { t } from '../i18n.js';
import { face } from './timer.js';
import * as timer from './timer.js';
import { MAX_TITLE_CHARS, MAX_POINTS, MAX_POINT_CHARS } from './limits.js';

/** A member's display name, or the neutral label for someone who gave none. */
const nameOf = (n) => n || t('groups.guest');

/** The countdown as a timer view (the face keys its announcements by the activity's id). */
const clockOf = (a) => ({ ...a.timer, id: a.id });

function points(box, a) {
  const s = sig(a.talking_points);
  if (box.dataset.sig === s) return;
  box.dataset.sig = s;
  put(
    box,
    a.talking_points.length ? h('h2', { class: 'groups-sub', text: t('groups.points') }) : null,
    a.talking_points.length ? h('ul', { class: 'info-points', role: 'list' }, a.talking_points.map((p) => h('li', { text: p }))) : null,
  );
}

/** Every group: "Group 3" and its members. */
function allGroups(list, a) {
  keyed(
    list,
    a.groups,
    (g) => g.number,
    () => {
      const li = h('li', { class: 'group-card' });
      li._h = h('h2', { class: 'group-no' });
      li._ul = h('ul', { class: 'group-members', role: 'list' });
      li.append(li._h, li._ul);
      return li;
    },
    (li, g) => {
      setText(li._h, t('groups.group', { n: g.number }));
      const s = sig(g.members);
      if (li._ul.dataset.sig !== s) {
        li._ul.dataset.sig = s;
        put(li._ul, g.members.map((m) => h('li', { class: m ? null : 'muted', text: nameOf(m) })));
      }
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Phone

export function phone(first, ctx) {
  const f = ctx.frame(first, t('kind.groups'));
  const mine = h('p', { class: 'group-mine', 'aria-live': 'polite' });
  const withLabel = h('p', { class: 'group-with-label' });
  const others = h('ul', { class: 'group-with', role: 'list' });
  const box = h('div', { class: 'info-content' });
  const clock = face('phone', ctx.say);
  f.el.append(h('div', { class: 'stack' }, mine, withLabel, others, box, clock.el));
  let asked = -1;
  return {
    el: f.el,
    update(a, answer) {
      f.setHead(a, a.title || t('kind.groups'));
      const round = a.groups_round || 0;
      const current = answer && answer.kind === 'groups' && answer.round === round ? answer : null;
      // A round newer than the group this phone knows: ask for it (once per round).
      if (round > 0 && !current && asked !== round) {
        asked = round;
        ctx.send({ type: 'sync' }).catch(() => {});
      }
      if (!round) setText(mine, t('groups.waiting'));
      else if (!current) setText(mine, t('groups.finding'));
      else setText(mine, t('groups.you_are_in', { n: current.group }));
      mine.dataset.group = current ? String(current.group) : '';
      const names = current ? current.with : [];
      withLabel.hidden = !current;
      setText(withLabel, names.length ? t('groups.with') : t('groups.alone'));
      const s = sig(names);
      if (others.dataset.sig !== s) {
        others.dataset.sig = s;
        put(others, names.map((n) => h('li', { class: n ? null : 'muted', text: nameOf(n) })));
      }
      others.hidden = !names.length;
      points(box, a);
      clock.el.hidden = !round;
      clock.set(clockOf(a));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Screen

export function present() {
  const clock = face('screen groups-clock');
  const list = h('ol', { class: 'group-grid', role: 'list' });
  const waiting = h('p', { class: 'waiting', text: t('groups.waiting_screen') });
  const box = h('div', { class: 'info-content' });
  const el = h('div', { class: 'groups-stage' }, h('div', { class: 'groups-side' }, clock.el, box), h('div', { class: 'groups-main' }, list, waiting));
  return {
    el,
    update(a) {
      clock.set(clockOf(a));
      clock.el.hidden = !a.groups_round;
      allGroups(list, a);
      waiting.hidden = a.groups.length > 0;
      points(box, a);
      return a.groups_round ? [t('groups.round_of', { round: a.groups_round, n: a.groups.length })] : [];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Console

export function preview(box, a) {
  if (!box._list) {
    box._clock = face('host');
    box._list = h('ol', { class: 'group-grid host', role: 'list' });
    box._empty = h('p', { class: 'muted', text: t('groups.waiting_host') });
    box.replaceChildren(box._clock.el, box._list, box._empty);
  }
  box._clock.set(clockOf(a));
  box._clock.el.hidden = !a.groups_round;
  allGroups(box._list, a);
  box._empty.hidden = a.groups.length > 0;
}

export function stats(a) {
  return a.groups_round ? t('groups.round_of', { round: a.groups_round, n: a.groups.length }) : t('groups.not_started');
}

/** "Start round 2", then the countdown's start/pause/reset. */
export function controls(box, a, view, hctx) {
  box._a = a;
  if (box._id !== a.id) {
    box._id = a.id;
    box._start = h('button', {
      class: 'btn primary',
      type: 'button',
      'data-key': 'groups-start',
      onclick: async (e) => {
        const n = (box._a.groups_round || 0) + 1;
        if (await hctx.cmd({ type: 'start_groups', activity: box._a.id }, e.currentTarget)) hctx.say(t('groups.started', { n }));
      },
    });
    box._hint = h('p', { class: 'hint', text: t('groups.start_hint') });
    box._timer = h('div');
    box.replaceChildren(h('div', { class: 'controls' }, box._start), box._hint, box._timer);
  }
  const next = (a.groups_round || 0) + 1;
  setText(box._start, next === 1 ? t('groups.start') : t('groups.start_n', { n: next }));
  box._timer.hidden = !a.groups_round;
  timer.controls(box._timer, clockOf(a), view, hctx);
}

export function editor(spec, kit) {
  const title = kit.text('f-title', t('groups.f_title'), spec?.title ?? '', MAX_TITLE_CHARS, { optional: true, placeholder: t('groups.f_title_example') });
  const pts = kit.area('f-points', t('info.f_points'), (spec?.talking_points || []).join('\n'), MAX_POINTS * (MAX_POINT_CHARS + 1), { optional: true, rows: 4, hint: t('info.f_points_hint') });
  const minutes = kit.number('f-minutes', t('timer.f_minutes'), Math.max(1, Math.round((spec?.duration_secs ?? 540) / 60)), 1, 1440, t('groups.f_minutes_hint'));
  return () => {
    const list = pts.value
      .split(/\r?\n/)
      .map((p) => p.trim().replace(/\s+/g, ' '))
      .filter(Boolean);
    if (list.length > MAX_POINTS) kit.error('f-points', t('info.v_points', { n: list.length }));
    const long = list.findIndex((p) => [...p].length > MAX_POINT_CHARS);
    if (long >= 0) kit.error('f-points', t('info.v_point_long', { n: long + 1 }));
    const m = kit.range(minutes, 'f-minutes', 1, 1440);
    return { kind: 'groups', title: title.value.trim(), talking_points: list, duration_secs: m * 60 };
  };
}
