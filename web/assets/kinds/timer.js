// Timer: a countdown the facilitator starts, pauses and resets; every screen computes what is left
// from the server's clock (`server_time` in each frame), so phones and the screen agree.

import { h, setText } from '../util.js';
import { t } from '../i18n.js';
import { onTick, clockText, spokenTime, timerLeft } from './common.js';
import { MAX_TITLE_CHARS } from './limits.js';

/** 'ready' | 'running' | 'paused' | 'done' at server time `now`. */
export function timerState(a, now) {
  if (timerLeft(a, now) <= 0) return 'done';
  if (a.running_since != null) return 'running';
  return a.elapsed_ms > 0 ? 'paused' : 'ready';
}

/**
 * The clock face: big digits (role "timer", which screen readers do not read out each second),
 * a state line and a bar of the time left. `say` (phones) announces starts, pauses, the last
 * minute and the end.
 */
export function face(cls, say) {
  let a = null;
  let spoken = null;
  const digits = h('p', { class: 'timer-digits', role: 'timer' });
  const state = h('p', { class: 'timer-state' });
  const fill = h('span', { class: 'timer-fill' });
  const bar = h('span', { class: 'timer-bar', 'aria-hidden': 'true' }, fill);
  const el = h('div', { class: `timer-face ${cls}` }, digits, bar, state);
  onTick(el, (now) => {
    if (!a) return;
    const left = timerLeft(a, now);
    const st = timerState(a, now);
    setText(digits, clockText(left));
    digits.setAttribute('aria-label', t('timer.left', { time: spokenTime(left) }));
    el.dataset.state = st;
    setText(state, t(`timer.${st}`));
    fill.style.width = `${a.duration_ms ? (left * 100) / a.duration_ms : 0}%`;
    if (say) {
      const stage = st === 'running' && left <= 60_000 && a.duration_ms > 90_000 ? 'minute' : st;
      const key = `${a.id}:${stage}`;
      if (spoken !== null && spoken !== key && stage !== 'ready') {
        say(stage === 'minute' ? t('timer.one_minute') : stage === 'running' ? t('timer.said_running', { time: spokenTime(left) }) : t(`timer.said_${stage}`));
      }
      spoken = key;
    }
  });
  return {
    el,
    set(view) {
      a = view;
    },
  };
}

export function phone(first, ctx) {
  const f = ctx.frame(first, t('kind.timer'));
  const clock = face('phone', ctx.say);
  f.el.append(clock.el);
  return {
    el: f.el,
    update(a) {
      f.setHead(a, a.title || t('timer.default_title'));
      clock.set(a);
    },
  };
}

export function present() {
  const clock = face('screen');
  return {
    el: clock.el,
    fit: false,
    update(a) {
      clock.set(a);
      return [t('timer.of', { time: clockText(a.duration_ms) })];
    },
  };
}

export function preview(box, a) {
  if (!box._face) {
    box._face = face('host');
    box.replaceChildren(box._face.el);
  }
  box._face.set(a);
}

export function stats(a) {
  return t('timer.of', { time: clockText(a.duration_ms) });
}

/** Start (or resume), pause and reset. */
export function controls(box, a, view, hctx) {
  box._a = a;
  if (box._id !== a.id) {
    box._id = a.id;
    const act = (action, key) =>
      h('button', {
        class: action === 'start' ? 'btn primary' : 'btn',
        type: 'button',
        'data-key': `timer-${action}`,
        onclick: async (e) => {
          if (await hctx.cmd({ type: 'timer', activity: box._a.id, action }, e.currentTarget)) hctx.say(t(`timer.did_${action}`));
        },
        text: t(key),
      });
    box._start = act('start', 'timer.start');
    box._pause = act('pause', 'timer.pause');
    box._reset = act('reset', 'timer.reset');
    box.replaceChildren(h('div', { class: 'controls', role: 'group', 'aria-label': t('timer.controls') }, box._start, box._pause, box._reset));
  }
  box._a = a;
  const running = a.running_since != null;
  setText(box._start, a.elapsed_ms > 0 && a.elapsed_ms < a.duration_ms ? t('timer.resume') : t('timer.start'));
  box._start.disabled = running;
  box._pause.disabled = !running;
  box._reset.disabled = !running && a.elapsed_ms === 0;
}

export function editor(spec, kit) {
  const title = kit.text('f-title', t('timer.f_title'), spec?.title ?? '', MAX_TITLE_CHARS, { optional: true, placeholder: t('timer.f_title_example') });
  const total = spec?.duration_secs ?? 540;
  const minutes = kit.number('f-minutes', t('timer.f_minutes'), Math.floor(total / 60), 0, 1440, t('timer.f_minutes_hint'));
  const seconds = kit.number('f-seconds', t('timer.f_seconds'), total % 60, 0, 59, t('timer.f_seconds_hint'));
  return () => {
    const m = kit.range(minutes, 'f-minutes', 0, 1440);
    const s = kit.range(seconds, 'f-seconds', 0, 59);
    const secs = m * 60 + s;
    if (Number.isInteger(secs) && (secs < 1 || secs > 86_400)) kit.error('f-minutes', t('timer.v_duration'));
    return { kind: 'timer', title: title.value.trim(), duration_secs: secs };
  };
}
