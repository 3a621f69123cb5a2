// Info: a text slide with talking points, on the screen and on phones (line breaks kept).

import { h, put, setText, sig } from '../util.js';
import { t } from '../i18n.js';
import { MAX_TITLE_CHARS, MAX_BODY_CHARS, MAX_POINTS, MAX_POINT_CHARS } from './limits.js';

function content(box, a) {
  const s = sig([a.body, a.points]);
  if (box.dataset.sig === s) return;
  box.dataset.sig = s;
  put(
    box,
    a.body ? h('p', { class: 'info-body', text: a.body }) : null,
    a.points.length ? h('ul', { class: 'info-points', role: 'list' }, a.points.map((p) => h('li', { text: p }))) : null,
  );
}

export function phone(first, ctx) {
  const f = ctx.frame(first, t('kind.info'));
  const box = h('div', { class: 'info-content' });
  f.el.append(box);
  return {
    el: f.el,
    update(a) {
      f.setHead(a, a.title);
      content(box, a);
    },
  };
}

export function present() {
  const el = h('div', { class: 'info-content info-screen' });
  return {
    el,
    update(a) {
      content(el, a);
      return [];
    },
  };
}

export function preview(box, a) {
  if (!box._info) {
    box._info = h('div', { class: 'info-content' });
    box.replaceChildren(box._info);
  }
  content(box._info, a);
  if (!a.body && !a.points.length) setText(box._info, t('info.empty'));
}

export function stats() {
  return t('info.host_stats');
}

export function editor(spec, kit) {
  const title = kit.text('f-title', t('info.f_title'), spec?.title ?? '', MAX_TITLE_CHARS);
  const body = kit.area('f-body', t('info.f_body'), spec?.body ?? '', MAX_BODY_CHARS, { optional: true, rows: 4, hint: t('info.f_body_hint') });
  const points = kit.area('f-points', t('info.f_points'), (spec?.points || []).join('\n'), MAX_POINTS * (MAX_POINT_CHARS + 1), { optional: true, rows: 4, hint: t('info.f_points_hint') });
  return () => {
    const list = points.value
      .split(/\r?\n/)
      .map((p) => p.trim().replace(/\s+/g, ' '))
      .filter(Boolean);
    if (list.length > MAX_POINTS) kit.error('f-points', t('info.v_points', { n: list.length }));
    const long = list.findIndex((p) => [...p].length > MAX_POINT_CHARS);
    if (long >= 0) kit.error('f-points', t('info.v_point_long', { n: long + 1 }));
    if ([...body.value.trim()].length > MAX_BODY_CHARS) kit.error('f-body', t('error.text_too_long'));
    return { kind: 'info', title: kit.required(title, 'f-title'), body: body.value.trim(), points: list };
  };
}
