// Leaderboard: the top ten over every quiz question; each phone asks for its own standing (`sync`,
// answered by a full `me` frame) and shows it.

import { h, setText, keyed } from '../util.js';
import { t, num } from '../i18n.js';
import { MAX_TITLE_CHARS } from './limits.js';

function list(ol, a) {
  keyed(
    ol,
    a.top.map((p, i) => ({ ...p, i })),
    (p) => p.i,
    () => {
      const li = h('li', { class: 'lb-row' });
      li._rank = h('span', { class: 'lb-rank' });
      li._name = h('span', { class: 'lb-name' });
      li._score = h('span', { class: 'lb-score' });
      li.append(li._rank, li._name, li._score);
      return li;
    },
    (li, p) => {
      li.dataset.rank = String(p.rank);
      setText(li._rank, num(p.rank));
      li._rank.setAttribute('aria-label', t('lb.place', { n: p.rank }));
      setText(li._name, p.name || t('lb.anonymous'));
      setText(li._score, t('lb.points', { n: p.score }));
    },
  );
}

export function phone(first, ctx) {
  const f = ctx.frame(first, t('kind.leaderboard'));
  const mine = h('p', { class: 'lb-mine' });
  const ol = h('ol', { class: 'lb-list', role: 'list' });
  const empty = h('p', { class: 'muted', text: t('lb.empty') });
  f.el.append(h('div', { class: 'stack' }, mine, h('h2', { text: t('lb.top') }), ol, empty));
  let asked = '';
  return {
    el: f.el,
    update(a, answer) {
      f.setHead(a, a.title || t('lb.default_title'));
      // Ask for this phone's standing when the slide appears, and again when the board changes.
      const s = JSON.stringify(a.top);
      if (s !== asked) {
        asked = s;
        ctx.send({ type: 'sync' }).catch(() => {});
      }
      setText(mine, answer?.rank ? t('lb.you', { rank: answer.rank, n: answer.players, score: answer.score }) : t('lb.you_none'));
      mine.dataset.ranked = String(!!answer?.rank);
      list(ol, a);
      empty.hidden = a.top.length > 0;
    },
  };
}

export function present() {
  const ol = h('ol', { class: 'lb-list lb-screen', role: 'list' });
  const empty = h('p', { class: 'waiting', text: t('lb.empty') });
  const el = h('div', { class: 'lb-stage' }, ol, empty);
  return {
    el,
    update(a) {
      list(ol, a);
      empty.hidden = a.top.length > 0;
      return [t('lb.players', { n: a.players })];
    },
  };
}

export function preview(box, a) {
  if (!box._ol) {
    box._ol = h('ol', { class: 'lb-list', role: 'list' });
    box._empty = h('p', { class: 'muted', text: t('lb.empty') });
    box.replaceChildren(box._ol, box._empty);
  }
  list(box._ol, a);
  box._empty.hidden = a.top.length > 0;
}

export function stats(a) {
  return t('lb.players', { n: a.players });
}

export function editor(spec, kit) {
  const title = kit.text('f-title', t('lb.f_title'), spec?.title ?? '', MAX_TITLE_CHARS, { optional: true, placeholder: t('lb.default_title') });
  return () => ({ kind: 'leaderboard', title: title.value.trim() });
}
