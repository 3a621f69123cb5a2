// The host console's parts for every kind and the shared controls: editor fields (with the
// domain's limits), live previews, kind-specific controls (start a quiz, run a timer, moderate a
// Q&A), and for every activity a countdown that closes voting, whether phones see results and
// resetting results into a new round; for the session, pacing and reaction counts.

import { h, put, setText } from '../util.js';
import { t, num } from '../i18n.js';
import { clockText, closesIn, onTick, ANSWERLESS, REACTIONS, KINDS } from './common.js';
import { MAX_OPTION_CHARS } from './limits.js';
import * as poll from './poll.js';
import * as ideas from './ideas.js';
import * as wordcloud from './wordcloud.js';
import * as scales from './scales.js';
import * as qna from './qna.js';
import * as ranking from './ranking.js';
import * as points from './points.js';
import * as quiz from './quiz.js';
import * as number from './number.js';
import * as pin from './pin.js';
import * as grid from './grid.js';
import * as leaderboard from './leaderboard.js';
import * as info from './info.js';
import * as timer from './timer.js';
import * as groups from './groups.js';
import * as circle from './circle.js';

const MODS = { poll, ideas, wordcloud, scales, qna, ranking, points, quiz, number, grid, pin, leaderboard, info, timer, groups, circle };

export { ANSWERLESS, KINDS };

/** Whether an activity takes answers (so voting, results and countdowns apply). */
export const answerable = (a) => !ANSWERLESS.includes(a.kind);

/**
 * Field builders for the editor dialog. `fields` collects the form's children; `fieldError(id)`
 * makes the error line the dialog fills in; `errors` maps ids to those lines.
 */
export function formKit(fields, fieldError, errors) {
  const describe = (id, hint) => [hint ? `${id}-hint` : '', `${id}-err`].filter(Boolean).join(' ');
  const hintEl = (id, hint) => (hint ? h('p', { class: 'hint', id: `${id}-hint`, text: hint }) : null);
  const kit = {
    fields,
    text(id, label, value, max, opts = {}) {
      const input = h('input', {
        id,
        type: 'text',
        maxlength: max,
        value: value ?? '',
        required: !opts.optional,
        placeholder: opts.placeholder,
        'aria-describedby': describe(id, opts.hint),
      });
      fields.push(h('div', { class: 'field' }, h('label', { for: id, text: label }), input, hintEl(id, opts.hint), fieldError(id)));
      return input;
    },
    area(id, label, value, max, opts = {}) {
      const input = h('textarea', { id, rows: opts.rows || 2, maxlength: max, required: !opts.optional, 'aria-describedby': describe(id, opts.hint) });
      input.value = value ?? '';
      fields.push(h('div', { class: 'field' }, h('label', { for: id, text: label }), input, hintEl(id, opts.hint), fieldError(id)));
      return input;
    },
    number(id, label, value, min, max, hint) {
      const input = h('input', { id, type: 'number', inputmode: 'numeric', min, max, step: 1, value, required: true, 'aria-describedby': describe(id, hint) });
      fields.push(h('div', { class: 'field' }, h('label', { for: id, text: label }), input, hintEl(id, hint), fieldError(id)));
      return input;
    },
    check(id, label, checked, hint) {
      const input = h('input', { id, type: 'checkbox', checked: !!checked, 'aria-describedby': hint ? `${id}-hint` : null });
      fields.push(h('div', { class: 'check' }, input, h('label', { for: id, text: label })), hintEl(id, hint));
      return input;
    },
    select(id, label, options, value) {
      const input = h('select', { id }, options.map(([v, text]) => h('option', { value: v, text })));
      input.value = value;
      fields.push(h('div', { class: 'field' }, h('label', { for: id, text: label }), input));
      return input;
    },
    /** A radio group; returns {value(), set(v), onChange(fn)}. */
    radios(id, legend, options, value) {
      const inputs = options.map(([v, text], i) => {
        const input = h('input', { type: 'radio', name: id, id: `${id}-${i}`, value: v, checked: v === value });
        return [input, h('div', { class: 'check' }, input, h('label', { for: `${id}-${i}`, text }))];
      });
      fields.push(h('fieldset', { class: 'field radios', id }, h('legend', { text: legend }), inputs.map((x) => x[1])));
      return {
        value: () => inputs.find(([input]) => input.checked)?.[0].value ?? value,
        set(v) {
          for (const [input] of inputs) input.checked = input.value === v;
        },
        onChange(fn) {
          for (const [input] of inputs) input.addEventListener('change', fn);
        },
      };
    },
    /** Gathers the fields `build()` adds into one fieldset with a legend (an axis: its label and end words). */
    section(legend, build, cls = '') {
      const start = fields.length;
      build();
      const el = h('fieldset', { class: `field-group ${cls}`.trim() }, h('legend', { text: legend }), fields.splice(start));
      fields.push(el);
      return el;
    },
    /** Makes an error line for a group (options lists) and returns its id. */
    group(id) {
      return fieldError(id);
    },
    error(id, text) {
      const el = errors.get(id);
      if (el && !el.textContent) el.textContent = text;
    },
    /** A whole number from `input` within [min, max]; flags the field otherwise. */
    range(input, id, min, max) {
      const v = Number(input.value);
      if (input.value === '' || !Number.isInteger(v) || v < min || v > max) kit.error(id, t('host.v_range', { min, max }));
      return v;
    },
    required(input, id) {
      const v = input.value.trim();
      if (!v) kit.error(id, t('host.v_required'));
      return v;
    },
  };
  return kit;
}

/** What an option list calls its rows: options (polls, rankings…) or items (a grid). */
const OPTION_WORDS = {
  n: 'host.f_option_n',
  remove: 'host.f_remove_option',
  add: 'host.f_add_option',
  min: 'kinds.v_min_options',
  max: 'kinds.v_max_options',
  long: 'kinds.v_option_long',
};

/**
 * An editable list of options (2 to `max`), each optionally with a "correct" checkbox. Returns
 * {el, rows()} where rows() gives [{text, id, correct}] of the filled ones; `fill(texts)` replaces
 * the rows. `words` renames the rows in labels and errors (see OPTION_WORDS).
 */
export function optionList(kit, id, legend, options, { min = 2, max = 10, correct = null, hint = null, words = {} } = {}) {
  const say = { ...OPTION_WORDS, ...words };
  const list = h('ol', { class: 'option-list', role: 'list' });
  const add = (text = '', oid = null, isCorrect = false, focus = false) => {
    if (list.children.length >= max) return;
    const n = list.children.length + 1;
    const input = h('input', { type: 'text', maxlength: MAX_OPTION_CHARS, value: text, 'aria-label': t(say.n, { n }) });
    if (oid != null) input.dataset.id = oid;
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        if (li === list.lastElementChild) add('', null, false, true);
        else li.nextElementSibling?.querySelector('input[type=text]')?.focus();
      }
    });
    const tick = correct ? h('input', { type: 'checkbox', class: 'correct-box', checked: isCorrect, id: `${id}-c${n}-${Math.random().toString(36).slice(2, 7)}` }) : null;
    const remove = h('button', {
      class: 'btn small',
      type: 'button',
      text: '✕',
      'aria-label': t(say.remove, { n }),
      onclick: () => {
        if (list.children.length <= min) {
          input.value = '';
          input.focus();
          return;
        }
        const next = li.nextElementSibling || li.previousElementSibling;
        li.remove();
        renumber();
        next?.querySelector('input[type=text]')?.focus();
      },
    });
    const li = h('li', {}, input, tick ? h('span', { class: 'check correct-check' }, tick, h('label', { for: tick.id, text: t('quiz.f_correct') })) : null, remove);
    list.append(li);
    renumber();
    if (focus) input.focus();
  };
  const renumber = () =>
    [...list.children].forEach((li, i) => {
      li.querySelector('input[type=text]').setAttribute('aria-label', t(say.n, { n: i + 1 }));
      li.querySelector('button').setAttribute('aria-label', t(say.remove, { n: i + 1 }));
      const box = li.querySelector('.correct-box');
      if (box) box.setAttribute('aria-label', t('quiz.f_correct_n', { n: i + 1 }));
    });
  const given = options || [];
  given.forEach((o, i) => (typeof o === 'string' ? add(o, null, correct?.includes(i)) : add(o.text, o.id ?? null, correct?.includes(i))));
  while (list.children.length < min) add();
  const addBtn = h('button', { class: 'btn small', type: 'button', text: t(say.add), onclick: () => add('', null, false, true) });
  kit.fields.push(
    h(
      'fieldset',
      { class: 'field', id, 'aria-describedby': `${id}-err` },
      h('legend', { text: legend }),
      list,
      addBtn,
      hint ? h('p', { class: 'hint', text: hint }) : null,
      kit.group(id),
    ),
  );
  return {
    list,
    rows() {
      return [...list.children]
        .map((li) => ({
          text: li.querySelector('input[type=text]').value.trim().replace(/\s+/g, ' '),
          id: li.querySelector('input[type=text]').dataset.id,
          correct: !!li.querySelector('.correct-box')?.checked,
        }))
        .filter((r) => r.text);
    },
    /** Replaces every row with `texts` (at most `max`); a row whose text stays keeps its id. Returns how many it took. */
    fill(texts) {
      const ids = new Map(this.rows().filter((r) => r.id != null).map((r) => [r.text.toLowerCase(), r.id]));
      list.replaceChildren();
      for (const text of texts.slice(0, max)) add(text, ids.get(text.toLowerCase()) ?? null);
      while (list.children.length < min) add();
      return Math.min(texts.length, max);
    },
    /**
     * Checks count and duplicates; returns the filled rows. A row at fault is marked
     * (aria-invalid), so the editor puts focus on it rather than on the first row.
     */
    check(minCount = min, maxCount = max) {
      const clean = (input) => input.value.trim().replace(/\s+/g, ' ');
      const filled = [...list.querySelectorAll('input[type=text]')].filter((input) => {
        input.removeAttribute('aria-invalid');
        return clean(input);
      });
      const seen = new Set();
      if (filled.length < minCount) kit.error(id, t(say.min, { n: minCount }));
      else if (filled.length > maxCount) kit.error(id, t(say.max, { n: maxCount }));
      for (const input of filled) {
        const text = clean(input);
        const k = text.toLowerCase();
        if (seen.has(k)) {
          kit.error(id, t('host.v_duplicate_option', { text }));
          input.setAttribute('aria-invalid', 'true');
        }
        seen.add(k);
        if ([...text].length > MAX_OPTION_CHARS) {
          kit.error(id, t(say.long, { n: MAX_OPTION_CHARS }));
          input.setAttribute('aria-invalid', 'true');
        }
      }
      return this.rows();
    },
  };
}

/** The spec options as the server takes them: kept ones by id, new ones as text. */
export const specOptions = (rows) => rows.map((r) => (r.id != null ? { id: Number(r.id), text: r.text } : r.text));

/**
 * Builds a kind's editor fields; returns its collect() function. `deck`: the session's
 * activities as the host sees them (a grid takes its items from an ideas activity's results).
 */
export function kindEditor(kind, spec, kit, deck = []) {
  return MODS[kind].editor(spec, kit, { optionList, specOptions, deck });
}

/** The host's live preview of a newer kind. */
export function kindPreview(box, a, hctx) {
  if (box._kind !== `${a.kind}:${a.id}`) {
    box._kind = `${a.kind}:${a.id}`;
    for (const k of Object.keys(box)) if (k.startsWith('_') && k !== '_kind') delete box[k];
    box.replaceChildren();
  }
  MODS[a.kind].preview(box, a, hctx);
}

/** The summary line under the controls. */
export function kindStats(a, participants) {
  return MODS[a.kind]?.stats?.(a, participants) ?? null;
}

/** A kind's moderation queue (Q&A questions, ideas), below the preview; other kinds have none. */
export function kindModeration(box, a, hctx) {
  const key = `${a.kind}:${a.id}`;
  if (box._mod !== key) {
    for (const k of Object.keys(box)) if (k.startsWith('_')) delete box[k];
    box._mod = key;
    box.replaceChildren();
  }
  MODS[a.kind]?.moderation?.(box, a, hctx);
}

/** What a kind adds to its deck row's line (the ideas phase), as a list of bits. */
export function kindMeta(a) {
  return MODS[a.kind]?.deckMeta?.(a) ?? [];
}

/**
 * Controls below the common ones: the kind's own (start a quiz, run a timer, the Q&A side lane),
 * then a countdown that closes voting, whether phones see results, and resetting into a new round.
 */
export function extraControls(box, a, view, hctx) {
  const key = `${a.kind}:${a.id}`;
  if (box._key !== key) {
    box._key = key;
    box._kindBox = h('div', { class: 'kind-controls' });
    box._shared = answerable(a) ? sharedControls(a, hctx) : null;
    put(box, box._kindBox, box._shared?.el);
  }
  MODS[a.kind]?.controls?.(box._kindBox, a, view, hctx);
  box._shared?.update(a);
}

function sharedControls(first, hctx) {
  const id = first.id;
  let last = first;
  const secs = h('input', { id: `cd-secs-${id}`, type: 'number', min: 1, max: 3600, step: 1, value: 60, inputmode: 'numeric', 'aria-describedby': `cd-hint-${id}` });
  const startCd = h('button', {
    class: 'btn small',
    type: 'button',
    'data-key': 'cd-start',
    text: t('ctl.countdown_start'),
    onclick: async (e) => {
      const v = Number(secs.value);
      if (!Number.isInteger(v) || v < 1 || v > 3600) {
        hctx.flash(t('ctl.countdown_range'), 'error');
        secs.focus();
        return;
      }
      if (await hctx.cmd({ type: 'set_countdown', activity: id, seconds: v }, e.currentTarget)) hctx.say(t('ctl.countdown_started', { time: clockText(v * 1000) }));
    },
  });
  const cancelCd = h('button', {
    class: 'btn small',
    type: 'button',
    'data-key': 'cd-cancel',
    text: t('ctl.countdown_cancel'),
    onclick: async (e) => {
      if (await hctx.cmd({ type: 'set_countdown', activity: id }, e.currentTarget)) hctx.say(t('ctl.countdown_cancelled'));
    },
  });
  const running = h('span', { class: 'cd-running', role: 'timer' });
  const setRow = h('div', { class: 'cd-set' }, h('label', { for: secs.id, text: t('ctl.countdown_label') }), secs, startCd);
  const runRow = h('div', { class: 'cd-run', hidden: true }, running, cancelCd);
  onTick(running, (now) => {
    const left = closesIn(last, now);
    runRow.hidden = left == null;
    setRow.hidden = left != null;
    if (left != null) setText(running, t('closes.in', { time: clockText(left) }));
  });
  // Phones and results, in one choice: never (the screen only), once they have answered, or
  // even before. "On the screen" is the stage's own button.
  const phoneChoice = (value, key, label) => {
    const input = h('input', { type: 'radio', name: `phones-${id}`, id: `phones-${value}-${id}`, value, 'data-key': key });
    input.addEventListener('change', async () => {
      if (!input.checked) return;
      const msg = { type: 'set_phone_results', activity: id, shown: value !== 'never' };
      if (value === 'early') msg.before_answering = true;
      if (await hctx.cmd(msg)) hctx.say(t(`ctl.phones_now_${value}`));
      else update(last);
    });
    return { input, el: h('div', { class: 'check' }, input, h('label', { for: input.id, text: label })) };
  };
  const choices = {
    after: phoneChoice('after', 'phones-after', t('ctl.phones_after')),
    early: phoneChoice('early', 'phones-early', t('ctl.phones_early')),
    never: phoneChoice('never', 'phones-never', t('ctl.phones_never')),
  };
  const phonesNow = (a) => (a.phones_see_results === false ? 'never' : a.phones_before_answering ? 'early' : 'after');
  const round = h('span', { class: 'pill' });
  const reset = h('button', {
    class: 'btn small danger',
    type: 'button',
    'data-key': 'reset-results',
    onclick: async (e) => {
      if (!confirm(t('ctl.reset_confirm', { n: (last.round || 1) + 1, responses: last.responses }))) return;
      if (await hctx.cmd({ type: 'reset_results', activity: id }, e.currentTarget)) hctx.flash(t('ctl.reset_done', { n: (last.round || 1) + 1 }));
    },
  });
  const summaryText = h('span', { class: 'settings-now' });
  const el = h(
    'details',
    { class: 'shared-controls', open: settingsOpen },
    h('summary', { 'data-key': 'activity-settings' }, h('span', { class: 'settings-title', text: t('ctl.heading') }), ' ', summaryText),
    h(
      'div',
      { class: 'settings-grid' },
      h('section', { class: 'setting', 'aria-labelledby': `cd-h-${id}` }, h('h4', { id: `cd-h-${id}`, text: t('ctl.countdown_heading') }), setRow, runRow, h('p', { class: 'hint', id: `cd-hint-${id}`, text: t('ctl.countdown_hint') })),
      h('fieldset', { class: 'setting' }, h('legend', { text: t('ctl.phones_heading') }), choices.after.el, choices.early.el, choices.never.el),
      h('section', { class: 'setting', 'aria-labelledby': `round-h-${id}` }, h('h4', { id: `round-h-${id}`, text: t('ctl.round_heading') }), h('div', { class: 'round-row' }, round, reset), h('p', { class: 'hint', text: t('ctl.round_hint') })),
    ),
  );
  el.addEventListener('toggle', () => (settingsOpen = el.open));
  function update(a) {
    last = a;
    const now = phonesNow(a);
    for (const [value, c] of Object.entries(choices)) if (document.activeElement !== c.input) c.input.checked = value === now;
    setText(round, t('ctl.round', { n: a.round || 1 }));
    setText(reset, t('ctl.reset_to', { n: (a.round || 1) + 1 }));
    const counting = a.closes_at != null && a.voting_open;
    setText(summaryText, [counting ? t('ctl.countdown_on') : null, t(`ctl.phones_short_${now}`), t('ctl.round', { n: a.round || 1 })].filter(Boolean).join(' · '));
  }
  return { el, update };
}

/** Whether the activity settings are open: they stay so from one activity to the next. */
let settingsOpen = false;

/**
 * The screen's pages for the activity on it, driven from here (`set_screen`): for scales, the
 * page and one statement alone. Shown in the stage while that activity is selected.
 */
export function screenDrive(box, view, hctx, selected) {
  const current = view.deck.find((a) => a.id === view.current);
  const rated = current?.kind === 'scales' && !!current.results && selected?.id === current.id ? current : null;
  box.hidden = !rated;
  if (!rated) return;
  if (!box._screen) {
    const page = h('select', { id: 'screen-page', 'data-key': 'screen-page' });
    const focus = h('select', { id: 'screen-focus', 'data-key': 'screen-focus' });
    const send = (change) => sendScreen(box._view, change, hctx);
    const prev = h('button', { class: 'btn small', type: 'button', 'data-key': 'screen-prev', text: '‹', 'aria-label': t('ctl.screen_prev'), onclick: () => send({ page: Math.max(0, Number(page.value) - 1), focus: null }) });
    const next = h('button', { class: 'btn small', type: 'button', 'data-key': 'screen-next', text: '›', 'aria-label': t('ctl.screen_next'), onclick: () => send({ page: Math.min(page.options.length - 1, Number(page.value) + 1), focus: null }) });
    page.addEventListener('change', () => send({ page: Number(page.value), focus: null }));
    focus.addEventListener('change', () => send({ focus: focus.value === '' ? null : Number(focus.value) }));
    box._screen = { page, focus, prev, next };
    box.append(
      h(
        'fieldset',
        { class: 'screen-drive' },
        h('legend', { text: t('ctl.screen') }),
        h('p', { class: 'hint', text: t('ctl.screen_hint') }),
        h('div', { class: 'screen-pages' }, h('label', { for: page.id, text: t('ctl.screen_page') }), prev, page, next),
        h('div', { class: 'field' }, h('label', { for: focus.id, text: t('ctl.screen_focus') }), focus),
      ),
    );
  }
  box._view = view;
  const c = box._screen;
  const screen = view.screen || {};
  // The screen's pages, as kinds/scales.js lays them out: the summary, the earlier round, then
  // six statements a page.
  const labels = scales.screenPages(rated).map((p) =>
    p.kind === 'summary' ? t('ctl.screen_summary') : p.kind === 'compare' ? t('ctl.screen_compare', { round: p.round }) : t('ctl.screen_statements', { from: p.from + 1, to: p.to }),
  );
  const sigPages = JSON.stringify(labels);
  if (c.page.dataset.sig !== sigPages) {
    c.page.dataset.sig = sigPages;
    put(c.page, labels.map((label, i) => h('option', { value: String(i), text: label })));
  }
  const sigFocus = JSON.stringify(rated.statements.map((s) => [s.id, s.text]));
  if (c.focus.dataset.sig !== sigFocus) {
    c.focus.dataset.sig = sigFocus;
    put(
      c.focus,
      h('option', { value: '', text: t('ctl.screen_focus_none') }),
      rated.statements.map((s, i) => h('option', { value: String(s.id), text: `${i + 1}. ${s.text}` })),
    );
  }
  const at = Math.min(screen.page || 0, labels.length - 1);
  if (document.activeElement !== c.page) c.page.value = String(at);
  if (document.activeElement !== c.focus) c.focus.value = screen.focus != null ? String(screen.focus) : '';
  c.prev.disabled = at <= 0 && screen.focus == null;
  c.next.disabled = at >= labels.length - 1;
}

/** Sends the screen's state with `change` applied (page, statement, QR code). */
async function sendScreen(view, change, hctx) {
  const now = { page: 0, qr: false, ...(view?.screen || {}), ...change };
  const msg = { type: 'set_screen', page: now.page, qr: now.qr };
  if (now.focus != null) msg.focus = now.focus;
  if (await hctx.cmd(msg)) hctx.say(t('ctl.screen_done'));
}

/** Beside "what is on screen": the join QR code over everything, and the reactions sent during it. */
export function sessionControls(box, view, hctx) {
  if (!box._built) {
    box._built = true;
    const qr = h('input', { type: 'checkbox', id: 'screen-qr', 'data-key': 'screen-qr' });
    qr.addEventListener('change', () => sendScreen(box._view, { qr: qr.checked }, hctx));
    box._qr = qr;
    box._reactions = h('p', { class: 'reaction-counts' });
    put(box, h('div', { class: 'check' }, qr, h('label', { for: qr.id, text: t('ctl.screen_qr') })), box._reactions);
  }
  box._view = view;
  if (document.activeElement !== box._qr) box._qr.checked = !!view.screen?.qr;
  const r = view.reactions || {};
  const total = REACTIONS.reduce((n, [name]) => n + (r[name] || 0), 0);
  const s = JSON.stringify(r);
  if (box._reactions.dataset.sig !== s) {
    box._reactions.dataset.sig = s;
    put(
      box._reactions,
      h('span', { class: 'muted', text: t('ctl.reactions', { n: total }) }),
      ' ',
      REACTIONS.map(([name, emoji]) =>
        h('span', { class: 'reaction-count', title: t(`react.${name}`) }, h('span', { 'aria-hidden': 'true', text: emoji }), h('span', { class: 'sr-only', text: `${t(`react.${name}`)}:` }), ` ${num(r[name] || 0)}`),
      ),
    );
  }
}

/** Presenter-paced or audience-paced (the session panel). */
export function pacingControls(box, view, hctx) {
  if (!box._built) {
    box._built = true;
    const follow = h('input', { type: 'radio', name: 'pacing', id: 'pace-presenter', value: 'presenter', 'data-key': 'pace-presenter' });
    const own = h('input', { type: 'radio', name: 'pacing', id: 'pace-audience', value: 'audience', 'data-key': 'pace-audience' });
    const change = async (e) => {
      const pacing = e.currentTarget.value;
      if (await hctx.cmd({ type: 'set_pacing', pacing })) hctx.say(t(pacing === 'audience' ? 'ctl.pacing_now_audience' : 'ctl.pacing_now_presenter'));
    };
    follow.addEventListener('change', change);
    own.addEventListener('change', change);
    box._follow = follow;
    box._own = own;
    put(
      box,
      h(
        'fieldset',
        { class: 'pacing' },
        h('legend', { text: t('ctl.pacing') }),
        h('div', { class: 'check' }, follow, h('label', { for: follow.id, text: t('ctl.pacing_presenter') })),
        h('div', { class: 'check' }, own, h('label', { for: own.id, text: t('ctl.pacing_audience') })),
      ),
    );
  }
  const audience = view.pacing === 'audience';
  box._follow.checked = !audience;
  box._own.checked = audience;
}
