// Number: everyone guesses or estimates a whole number between `min` and `max` (sent with
// `estimate`; a new estimate replaces the earlier one while voting is open). Results: a histogram
// of up to ten equal ranges, the median and the mean; once voting is closed, the correct value (if
// the facilitator set one) and who came closest. Results start hidden, so nobody is anchored.

import { h, put, setText, keyed, sig } from '../util.js';
import { t, num, currentLang, errorText } from '../i18n.js';
import { renderBars } from '../charts.js';
import { dec } from './common.js';
import { MAX_PROMPT_CHARS, MAX_NUMBER_ABS, MAX_UNIT_CHARS } from './limits.js';

// ---------------------------------------------------------------------------------------------
// Formatting

/** A whole number or a figure with at most one decimal ("41.5", "40"), in the page's language. */
export function figure(x) {
  if (x == null || !Number.isFinite(x)) return '–';
  const r = Math.round(x * 10) / 10;
  return Number.isInteger(r) ? num(r) : dec(r);
}

/** A value with the activity's unit ("42 bins"). */
export function withUnit(text, a) {
  return a.unit ? t('number.with_unit', { n: text, unit: a.unit }) : text;
}

const value = (v, a) => withUnit(figure(v), a);

let compact = null;
/** "1.2M" for axis labels that would not fit the screen's columns. */
function short(n) {
  if (!compact || compact.lang !== currentLang()) {
    let f;
    try {
      f = new Intl.NumberFormat(currentLang(), { notation: 'compact', maximumSignificantDigits: 3 });
    } catch {
      f = new Intl.NumberFormat('en', { notation: 'compact', maximumSignificantDigits: 3 });
    }
    compact = { lang: currentLang(), f };
  }
  return compact.f.format(n);
}

/**
 * A bucket's range as shown ("10–19"; one number when it holds one value). `wrap`: a zero-width
 * space after each number's end, so a narrow column breaks a long range between its two numbers.
 */
export function rangeText(b, fmt = num, wrap = false) {
  const f = wrap ? (n) => `${fmt(n)}\u200b` : fmt;
  return b.from === b.to ? fmt(b.from) : t('number.range', { from: f(b.from), to: fmt(b.to) }).replace(/\u200b(\S)/, '$1\u200b');
}

/** The same range for screen readers and tables ("10 to 19 bins"). */
export function rangeSpoken(b, a) {
  return withUnit(b.from === b.to ? num(b.from) : t('number.range_sr', { from: num(b.from), to: num(b.to) }), a);
}

const inBucket = (b, v) => v != null && v >= b.from && v <= b.to;

/** Who came closest, as text: "Priya (41 bins)"; names absent → "someone". */
function closestText(c, a) {
  return t('number.closest_one', { name: c.name || t('number.someone'), value: withUnit(num(c.value), a) });
}

/** "1 off", "spot on". */
function offText(off) {
  return off === 0 ? t('number.spot_on') : t('number.off', { n: off });
}

// ---------------------------------------------------------------------------------------------
// Charts

/** The buckets as horizontal bars (phones and embeds, where columns would not fit 200 % text). */
function bucketRows(a, mine = null) {
  const r = a.results;
  const buckets = r?.buckets || [];
  const fmt = buckets.some((b) => rangeText(b).length > 15) ? short : num;
  return buckets.map((b) => ({
    key: `b${b.from}`,
    label: withUnit(rangeText(b, fmt, true), a),
    count: b.count,
    note: inBucket(b, mine) ? t('number.yours_mark') : null,
    noteSr: t('number.has_yours'),
    correct: r.correct != null && inBucket(b, r.correct),
  }));
}

/**
 * A column histogram (the projected screen and the console): one column per bucket with its count
 * above and its range below, updated in place so heights animate. Screen readers get one line a
 * column ("10 to 19 bins: 3 estimates").
 */
export function histogram(container, a, opts = {}) {
  let list = container.querySelector(':scope > ol.num-hist');
  if (!list) {
    list = h('ol', { class: 'num-hist', role: 'list', 'aria-label': t('number.hist_label') });
    container.replaceChildren(list);
  }
  const r = a.results || {};
  const buckets = r.buckets || [];
  const max = Math.max(1, ...buckets.map((b) => b.count));
  // Long numbers would not fit a column: the labels go compact (the spoken text stays exact).
  const fmt = buckets.some((b) => rangeText(b).length > (opts.long ?? 9)) ? short : num;
  list.style.setProperty('--cols', String(Math.max(1, buckets.length)));
  keyed(
    list,
    buckets,
    (b) => `${b.from}:${b.to}`,
    () => {
      const li = h('li', { class: 'num-col' });
      li._count = h('span', { class: 'num-count', 'aria-hidden': 'true' });
      li._bar = h('span', { class: 'num-bar', 'aria-hidden': 'true' });
      li._range = h('span', { class: 'num-range', 'aria-hidden': 'true' });
      li._sr = h('span', { class: 'sr-only' });
      li.append(h('span', { class: 'num-plot' }, li._count, li._bar), li._range, li._sr);
      return li;
    },
    (li, b) => {
      const correct = r.correct != null && inBucket(b, r.correct);
      const mine = inBucket(b, opts.mine);
      setText(li._count, num(b.count));
      li.style.setProperty('--h', `${(b.count * 100) / max}%`);
      setText(li._range, rangeText(b, fmt, true));
      li.classList.toggle('correct', correct);
      li.classList.toggle('mine', mine);
      li.classList.toggle('empty', !b.count);
      setText(
        li._sr,
        `${rangeSpoken(b, a)}: ${t('number.col_count', { n: b.count })}` + (correct ? `, ${t('number.has_answer')}` : '') + (mine ? `, ${t('number.has_yours')}` : ''),
      );
    },
  );
  return list;
}

/** Median and mean (and the answer) as figures: [[label, value, class]]. */
function figures(a, { withCorrect = true } = {}) {
  const r = a.results || {};
  const out = [
    [t('number.median'), value(r.median, a), 'median'],
    [t('number.mean'), value(r.mean, a), 'mean'],
  ];
  if (withCorrect && r.correct != null) out.push([t('number.answer'), withUnit(num(r.correct), a), 'answer']);
  return out;
}

function renderFigures(dl, list) {
  const s = sig(list);
  if (dl.dataset.sig === s) return;
  dl.dataset.sig = s;
  // Long figures (big numbers, long units) get smaller type so they stay on one line.
  const chars = list.reduce((n, [, v]) => n + v.length, 0);
  dl.dataset.size = chars <= 26 ? 'l' : chars <= 40 ? 'm' : 's';
  put(
    dl,
    list.map(([label, v, cls]) => h('div', { class: `num-fig ${cls}` }, h('dt', { text: label }), h('dd', { text: v }))),
  );
}

/** The closest people: "Closest: Priya (41 bins), someone (43 bins) — 1 off". */
function closestLine(a, limit = 10) {
  const r = a.results || {};
  const list = r.closest || [];
  if (r.correct == null || !list.length) return '';
  const shown = list.slice(0, limit).map((c) => closestText(c, a));
  const names = list.length > limit ? t('number.and_more', { list: shown.join(', '), n: list.length - limit }) : shown.join(', ');
  return t(list.length > 1 ? 'number.closest_many' : 'number.closest', { list: names, off: offText(list[0].off) });
}

// ---------------------------------------------------------------------------------------------
// Phone

export function phone(first, ctx) {
  const f = ctx.frame(first, t('kind.number'));
  const id = first.id;
  let last = first;
  let saved = null; // this phone's estimate, as the server holds it
  let dirty = false; // typed something not yet sent
  let said = '';
  f.feedback.id = `nf${id}`;
  const hint = h('p', { class: 'hint', id: `nh${id}` });
  const input = h('input', {
    id: `n${id}`,
    type: 'number',
    inputmode: 'numeric',
    step: 1,
    autocomplete: 'off',
    enterkeyhint: 'send',
    class: 'num-input',
    'data-key': `n${id}`,
    'aria-describedby': `nh${id} nf${id}`,
  });
  const unit = h('span', { class: 'num-unit', 'aria-hidden': 'true' });
  const send = h('button', { class: 'btn primary big', type: 'submit', 'data-key': `ns${id}` });
  const form = h(
    'form',
    { class: 'stack num-form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: input.id, text: t('number.label') }), h('div', { class: 'num-entry' }, input, unit), hint),
    send,
    f.feedback,
  );
  const mineLine = h('p', { class: 'feedback num-mine', 'data-kind': 'ok', hidden: true });
  const resultsHead = h('h2', { class: 'results-head' });
  const figs = h('dl', { class: 'num-figures small' });
  const answer = h('p', { class: 'num-answer', hidden: true });
  const closest = h('p', { class: 'num-closest', hidden: true });
  const bars = h('div', { class: 'num-bars' });
  const resultsBox = h('div', { class: 'results', hidden: true }, resultsHead, figs, answer, closest, bars);
  f.el.append(h('div', { class: 'stack' }, form, mineLine), resultsBox);

  const invalid = (text) => {
    input.setAttribute('aria-invalid', 'true');
    f.setFeedback(text, 'error');
    input.focus();
  };

  input.addEventListener('input', () => {
    dirty = true;
    input.removeAttribute('aria-invalid');
    if (f.feedback.dataset.kind === 'error') f.setFeedback('');
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const a = last;
    const raw = input.value.trim();
    // A number input gives '' for text it cannot read (e.g. "12a"); validity tells the two apart.
    if (raw === '') return invalid(input.validity.badInput ? t('number.v_whole') : t('number.v_empty'));
    const v = Number(raw);
    if (!Number.isInteger(v)) return invalid(t('number.v_whole'));
    if (v < a.min || v > a.max) return invalid(t('number.v_range', { min: num(a.min), max: withUnit(num(a.max), a) }));
    try {
      await ctx.request(send, { type: 'estimate', activity: id, value: v });
      saved = { kind: 'number', value: v };
      ctx.setAnswer(id, saved);
      dirty = false;
      input.removeAttribute('aria-invalid');
      f.setFeedback('');
      ctx.say(t('number.received', { value: withUnit(num(v), a) }));
    } catch (err) {
      if (err.code === 'out_of_range') invalid(t('number.v_range', { min: num(a.min), max: withUnit(num(a.max), a) }));
      else f.setFeedback(errorText(err), 'error');
    }
    update(last, saved);
  });

  function update(a, ans) {
    last = a;
    saved = ans && ans.kind === 'number' ? ans : null;
    f.setHead(a, a.question);
    input.min = a.min;
    input.max = a.max;
    setText(unit, a.unit || '');
    unit.hidden = !a.unit;
    setText(hint, t('number.hint', { min: num(a.min), max: withUnit(num(a.max), a) }));
    // The field shows the saved estimate unless the person is typing a new one.
    if (!dirty && document.activeElement !== input) input.value = saved ? String(saved.value) : '';
    form.hidden = !a.voting_open;
    setText(send, saved ? t('number.change') : t('number.send'));
    mineLine.hidden = !saved;
    if (saved) setText(mineLine, t('number.yours', { value: withUnit(num(saved.value), a) }));
    if (!a.voting_open) f.setNotice(saved ? t('p.closed_voted') : t('p.closed'));
    else f.setNotice(saved ? t('number.can_change') : '', 'info');

    const r = a.results;
    resultsBox.hidden = !r;
    if (r) {
      setText(resultsHead, t('number.results', { n: r.count }));
      renderFigures(figs, figures(a, { withCorrect: false }));
      answer.hidden = r.correct == null;
      if (r.correct != null) {
        const off = saved ? Math.abs(saved.value - r.correct) : null;
        setText(answer, t('number.answer_is', { value: withUnit(num(r.correct), a) }) + (off == null ? '' : ` ${t('number.you_were', { off: offText(off) })}`));
      }
      const line = closestLine(a, 5);
      closest.hidden = !line;
      setText(closest, line);
      renderBars(bars, bucketRows(a, saved?.value), { scale: 'max', unit: 'estimates' });
    }
    // Say what changed: results revealed, and the answer once voting closes.
    const now = !r ? '' : r.correct != null ? `answer:${r.correct}` : 'results';
    if (said !== now && now) ctx.say(now === 'results' ? `${resultsHead.textContent}. ${t('number.median')} ${value(r.median, a)}` : answer.textContent);
    said = now;
  }

  return {
    el: f.el,
    update(a, ans) {
      // A reset (no answer any more) forgets what was typed too.
      if (!ans && saved) dirty = false;
      update(a, ans || null);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Screen

export function present(first, { waitingBox }) {
  const range = h('p', { class: 'num-screen-range' });
  const waiting = h('div', { class: 'num-waiting' });
  const figs = h('dl', { class: 'num-figures' });
  const closest = h('p', { class: 'num-closest' });
  const hist = h('div', { class: 'num-hist-box' });
  const results = h('div', { class: 'num-results' }, h('div', { class: 'num-top' }, figs, closest), hist);
  const el = h('div', { class: 'num-stage' }, range, waiting, results);
  let shown = null;
  return {
    el,
    update(a) {
      const r = a.results;
      setText(range, t('number.screen_range', { min: num(a.min), max: withUnit(num(a.max), a) }));
      range.hidden = !!r;
      waiting.hidden = !!r;
      results.hidden = !r;
      if (!r) {
        if (shown !== a.responses) {
          shown = a.responses;
          put(waiting, waitingBox(a.responses, t('number.screen_in', { n: a.responses })));
        }
      } else {
        shown = null;
        renderFigures(figs, figures(a));
        const line = closestLine(a, 5);
        closest.hidden = !line;
        setText(closest, line);
        histogram(hist, a);
      }
      return [t('number.estimates', { n: a.responses }), t('number.screen_range', { min: num(a.min), max: withUnit(num(a.max), a) })];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Embed

/** The embed's compact results; returns what its note and meta line say. */
export function embed() {
  let box = null;
  return {
    update(results, a, { answer }) {
      if (!a.results) {
        if (box) {
          box = null;
          results.replaceChildren();
        }
        return { note: t('present.results_hidden'), meta: [t('number.estimates', { n: a.responses })] };
      }
      if (!box || !box.el.isConnected) {
        box = { figs: h('dl', { class: 'num-figures small' }), answer: h('p', { class: 'num-answer' }), bars: h('div', { class: 'num-bars' }) };
        box.el = h('div', { class: 'num-embed' }, box.figs, box.answer, box.bars);
        put(results, box.el);
      }
      renderFigures(box.figs, figures(a));
      const line = closestLine(a, 3);
      box.answer.hidden = !line;
      setText(box.answer, line);
      renderBars(box.bars, bucketRows(a, answer?.kind === 'number' ? answer.value : null), { scale: 'max', unit: 'estimates' });
      return { note: null, meta: [t('number.estimates', { n: a.responses })] };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Console

export function stats(a) {
  const r = a.results;
  if (!r || !r.count) return t('number.estimates', { n: a.responses });
  return [t('number.estimates', { n: r.count }), `${t('number.median')} ${value(r.median, a)}`, `${t('number.mean')} ${value(r.mean, a)}`].join(' · ');
}

/** The facilitator's view: the histogram, the figures, the answer and who is closest (with names). */
export function preview(box, a) {
  if (!box._figs) {
    box._range = h('p', { class: 'hint' });
    box._figs = h('dl', { class: 'num-figures small' });
    box._closest = h('p', { class: 'num-closest' });
    box._hist = h('div', { class: 'num-hist-box console' });
    box.replaceChildren(box._range, box._figs, box._closest, box._hist);
  }
  setText(box._range, t('number.screen_range', { min: num(a.min), max: withUnit(num(a.max), a) }));
  const withResults = { ...a, results: a.results || { count: 0, buckets: [] } };
  renderFigures(box._figs, figures(withResults));
  const r = withResults.results;
  const line = r.correct == null ? '' : r.closest?.length ? closestLine(withResults) : t('number.closest_none');
  box._closest.hidden = !line;
  setText(box._closest, line);
  histogram(box._hist, withResults, { long: 7 });
}

function optionalNumber(kit, id, label, value, hint) {
  const input = h('input', { id, type: 'number', inputmode: 'numeric', step: 1, value: value ?? '', 'aria-describedby': `${id}-hint ${id}-err` });
  kit.fields.push(h('div', { class: 'field' }, h('label', { for: id, text: label }), input, h('p', { class: 'hint', id: `${id}-hint`, text: hint }), kit.group(id)));
  return input;
}

export function editor(spec, kit) {
  const lim = MAX_NUMBER_ABS;
  const question = kit.area('f-question', t('host.f_question'), spec?.question, MAX_PROMPT_CHARS);
  const min = kit.number('f-min', t('number.f_min'), spec?.min ?? 0, -lim, lim, t('number.f_min_hint', { lim: num(lim) }));
  const max = kit.number('f-max', t('number.f_max'), spec?.max ?? 100, -lim, lim, t('number.f_max_hint'));
  const correct = optionalNumber(kit, 'f-correct', t('number.f_correct'), spec?.correct, t('number.f_correct_hint'));
  const unit = kit.text('f-unit', t('number.f_unit'), spec?.unit, MAX_UNIT_CHARS, { optional: true, hint: t('number.f_unit_hint', { n: MAX_UNIT_CHARS }) });
  return () => {
    const q = kit.required(question, 'f-question');
    if ([...q].length > MAX_PROMPT_CHARS) kit.error('f-question', t('number.v_question_long', { n: MAX_PROMPT_CHARS }));
    const whole = (input) => input.value !== '' && Number.isInteger(Number(input.value)) && Math.abs(Number(input.value)) <= lim;
    const lo = Number(min.value);
    const hi = Number(max.value);
    if (!whole(min)) kit.error('f-min', t('host.v_range', { min: num(-lim), max: num(lim) }));
    if (!whole(max)) kit.error('f-max', t('host.v_range', { min: num(-lim), max: num(lim) }));
    else if (whole(min) && hi <= lo) kit.error('f-max', t('number.v_order', { min: num(lo) }));
    const out = { kind: 'number', question: q, min: lo, max: hi };
    if (correct.value !== '' || correct.validity.badInput) {
      const c = Number(correct.value);
      if (correct.value === '' || !Number.isInteger(c)) kit.error('f-correct', t('number.v_whole'));
      else if (whole(min) && whole(max) && (c < lo || c > hi)) kit.error('f-correct', t('host.v_range', { min: num(lo), max: num(hi) }));
      out.correct = c;
    }
    const u = unit.value.trim().replace(/\s+/g, ' ');
    if ([...u].length > MAX_UNIT_CHARS) kit.error('f-unit', t('number.v_unit_long', { n: MAX_UNIT_CHARS }));
    if (u) out.unit = u;
    return out;
  };
}
