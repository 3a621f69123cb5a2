// Quiz: a timed question. The host starts the clock; phones answer (once) until the time is up,
// counted from `started_at` on the server's clock; after the reveal, right and wrong are marked.

import { h, put, setText, keyed } from '../util.js';
import { t, errorText } from '../i18n.js';
import { renderBars } from '../charts.js';
import { onTick, clock, clockText, spokenTime, quizLeft, letter } from './common.js';
import { MAX_PROMPT_CHARS } from './limits.js';

/** 'waiting' (clock not started) | 'running' | 'up' at server time `now`. */
export function quizState(a, now) {
  if (a.started_at == null) return 'waiting';
  return quizLeft(a, now) > 0 ? 'running' : 'up';
}

function rows(a, mine = []) {
  const counts = a.results?.counts || [];
  const correct = new Set(a.results?.correct || []);
  return a.options.map((o, i) => ({
    key: `o${o.id}`,
    label: `${letter(i)}. ${o.text}`,
    count: counts[i] || 0,
    correct: correct.has(o.id),
    mine: mine.includes(o.id),
  }));
}

// ---------------------------------------------------------------------------------------------
// Phone

export function phone(first, ctx) {
  const f = ctx.frame(first, t('kind.quiz'));
  const id = first.id;
  let last = first;
  let lastAnswer = null;
  let selected = new Set();
  let timeUp = false; // the server said time_up
  let saidState = null;
  const clockEl = h('p', { class: 'quiz-clock', role: 'timer' });
  const hint = h('p', { class: 'hint', id: `qh${id}` });
  const grid = h('div', { class: 'quiz-options', role: 'group', 'aria-labelledby': `q${id}`, 'aria-describedby': `qh${id}` });
  const submit = h('button', { class: 'btn primary big', type: 'button', hidden: true, text: t('quiz.lock_in') });
  const verdict = h('p', { class: 'quiz-verdict', hidden: true });
  f.el.append(h('div', { class: 'stack' }, clockEl, hint, grid, submit, f.feedback, verdict));

  async function answer(options, button) {
    try {
      await ctx.request(button, { type: 'quiz_answer', activity: id, options });
      lastAnswer = { kind: 'quiz', options };
      ctx.setAnswer(id, lastAnswer);
      f.setFeedback(t('quiz.locked'));
    } catch (err) {
      if (err.code === 'time_up') timeUp = true;
      f.setFeedback(err.code === 'time_up' ? t('quiz.time_up') : errorText(err), 'error');
    }
    refresh(clock.now());
  }
  submit.addEventListener('click', () => {
    if (selected.size !== last.picks) return f.setFeedback(t('quiz.pick_n', { n: last.picks }), 'error');
    answer([...selected], submit);
  });

  function build(a) {
    keyed(
      grid,
      a.options,
      (o) => o.id,
      (o) => {
        const b = h('button', { type: 'button', class: 'quiz-option', 'data-key': `qo${id}-${o.id}` });
        b._letter = h('span', { class: 'quiz-letter', 'aria-hidden': 'true' });
        b._text = h('span', { class: 'quiz-text' });
        b._mark = h('span', { class: 'quiz-mark' });
        b._count = h('span', { class: 'quiz-count' });
        b.append(b._letter, b._text, b._mark, b._count);
        b.addEventListener('click', () => {
          const oid = b._o.id;
          if (last.picks === 1) {
            selected = new Set([oid]);
            refresh(clock.now());
            answer([oid], b);
            return;
          }
          if (selected.has(oid)) selected.delete(oid);
          else if (selected.size < last.picks) selected.add(oid);
          f.setFeedback('');
          refresh(clock.now());
        });
        return b;
      },
      (b, o, i) => {
        b._o = o;
        setText(b._letter, letter(i));
        setText(b._text, o.text);
      },
    );
  }

  function refresh(now) {
    const a = last;
    const mine = lastAnswer?.options || [];
    const answered = mine.length > 0;
    let state = quizState(a, now);
    if (timeUp && state === 'running') state = 'up';
    const left = quizLeft(a, now);
    const can = state === 'running' && a.voting_open && !answered;
    const res = a.results;
    const correct = new Set(res?.correct || []);
    const counts = res?.counts || [];
    clockEl.hidden = state !== 'running' || answered;
    if (!clockEl.hidden) {
      setText(clockEl, clockText(left));
      clockEl.setAttribute('aria-label', t('quiz.left', { time: spokenTime(left) }));
      clockEl.classList.toggle('urgent', left <= 5000);
    }
    hint.hidden = !can;
    setText(hint, a.picks > 1 ? t('quiz.hint_many', { n: a.picks }) : t('quiz.hint_one'));
    [...grid.children].forEach((b, i) => {
      const oid = b._o.id;
      const picked = answered ? mine.includes(oid) : selected.has(oid);
      b.disabled = !can;
      b.classList.toggle('on', picked);
      b.setAttribute('aria-pressed', String(picked));
      b.classList.toggle('correct', !!res && correct.has(oid));
      b.classList.toggle('wrong', !!res && picked && !correct.has(oid));
      setText(b._mark, res ? (correct.has(oid) ? t('quiz.mark_correct') : picked ? t('quiz.mark_wrong') : '') : picked && answered ? t('quiz.mark_yours') : '');
      b._count.hidden = !res;
      if (res) setText(b._count, t('quiz.picked_by', { n: counts[i] || 0 }));
    });
    submit.hidden = !can || a.picks === 1;
    submit.disabled = selected.size !== a.picks;
    // What to say in the notice line.
    if (state === 'waiting') f.setNotice(t('quiz.get_ready'), 'info');
    else if (res && answered) f.setNotice('');
    else if (answered) f.setNotice(state === 'up' ? t('quiz.wait_reveal') : '', 'info');
    else if (state === 'up' || !a.voting_open) f.setNotice(t('quiz.time_up'));
    else f.setNotice('');
    verdict.hidden = !res;
    if (res) {
      const right = answered && mine.length === correct.size && mine.every((o) => correct.has(o));
      verdict.dataset.kind = right ? 'right' : 'wrong';
      setText(verdict, !answered ? t('quiz.no_answer') : right ? t('quiz.right') : t('quiz.wrong'));
    }
    if (answered && f.feedback.hidden && !res) {
      f.feedback.hidden = false;
      f.feedback.dataset.kind = 'ok';
      f.feedback.textContent = t('quiz.locked');
    }
    if (res && !f.feedback.hidden && f.feedback.dataset.kind === 'ok') f.feedback.hidden = true;
    const spoken = `${state}:${!!res}`;
    if (saidState && saidState !== spoken) {
      if (res) ctx.say(verdict.textContent);
      else if (state === 'running') ctx.say(t('quiz.started', { time: spokenTime(left) }));
      else if (state === 'up') ctx.say(t('quiz.time_up'));
    }
    saidState = spoken;
  }

  onTick(f.el, (now) => refresh(now));

  return {
    el: f.el,
    update(a, ans) {
      last = a;
      lastAnswer = ans || lastAnswer;
      if (!ans && a.started_at == null) {
        lastAnswer = null;
        timeUp = false;
      }
      f.setHead(a, a.question);
      build(a);
      const live = new Set(a.options.map((o) => o.id));
      for (const o of [...selected]) if (!live.has(o)) selected.delete(o);
      refresh(clock.now());
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Screen

/** A quiz's results come with the facilitator's reveal, to everyone (also "you did not answer"):
 * the shell does not hold them back. */
export const answered = () => true;

export function present(first) {
  let last = first;
  let mode = '';
  const big = h('p', { class: 'quiz-big', role: 'timer' });
  const options = h('ol', { class: 'options quiz-screen-options' });
  const bars = h('div', { class: 'quiz-bars' });
  const note = h('p', { class: 'hidden-note' });
  const el = h('div', { class: 'quiz-stage' }, big, options, bars, note);
  onTick(el, (now) => draw(now));

  function draw(now) {
    const a = last;
    const state = quizState(a, now);
    const want = a.results ? 'results' : state;
    if (want !== mode) {
      mode = want;
      el.dataset.mode = want;
    }
    big.hidden = want === 'results';
    options.hidden = want === 'results';
    bars.hidden = want !== 'results';
    if (want === 'waiting') setText(big, t('quiz.screen_ready'));
    else if (want === 'running') {
      const left = quizLeft(a, now);
      setText(big, String(Math.ceil(left / 1000)));
      big.setAttribute('aria-label', t('quiz.left', { time: spokenTime(left) }));
      big.classList.toggle('urgent', left <= 5000);
    } else if (want === 'up') setText(big, t('quiz.screen_time_up'));
    note.hidden = want !== 'up';
    setText(note, t('present.results_hidden'));
    if (want !== 'results') {
      const s = JSON.stringify(a.options);
      if (options.dataset.sig !== s) {
        options.dataset.sig = s;
        put(options, a.options.map((o) => h('li', { text: o.text })));
      }
    } else renderBars(bars, rows(a), { total: a.results.answered, unit: 'answers' });
  }

  return {
    el,
    update(a) {
      last = a;
      draw(clock.now());
      const parts = [t('quiz.answers', { n: a.responses })];
      if (a.results) parts.push(t('quiz.correct_count', { n: a.results.correct_answers, total: a.results.answered }));
      else if (a.picks > 1) parts.push(t('quiz.screen_pick', { n: a.picks }));
      parts.push(t('quiz.points_worth', { n: a.points }));
      return parts;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Host

export function preview(box, a) {
  if (!box._bars) {
    box._bars = h('div');
    box.replaceChildren(box._bars);
  }
  renderBars(box._bars, rows(a), { total: a.results?.answered || 0, unit: 'answers' });
}

export function stats(a) {
  return a.results ? t('quiz.correct_count', { n: a.results.correct_answers, total: a.results.answered }) : t('quiz.answers', { n: a.responses });
}

/** "Start question", and the clock while it runs. */
export function controls(box, a, view, hctx) {
  box._a = a;
  if (box._id !== a.id) {
    box._id = a.id;
    box._start = h('button', {
      class: 'btn primary',
      type: 'button',
      'data-key': 'quiz-start',
      text: t('quiz.start'),
      onclick: async (e) => {
        if (await hctx.cmd({ type: 'start_quiz', activity: box._a.id }, e.currentTarget)) hctx.say(t('quiz.did_start'));
      },
    });
    box._clock = h('span', { class: 'quiz-host-clock', role: 'timer' });
    box._hint = h('p', { class: 'hint' });
    box.replaceChildren(h('div', { class: 'controls' }, box._start, box._clock), box._hint);
    onTick(box._clock, (now) => {
      const cur = box._a;
      const state = quizState(cur, now);
      setText(
        box._clock,
        state === 'running' ? t('quiz.host_running', { time: clockText(quizLeft(cur, now)) }) : state === 'up' ? t('quiz.time_up') : t('quiz.host_waiting'),
      );
      const locked = cur.responses > 0;
      box._start.disabled = state === 'running' || locked;
      setText(box._start, state === 'waiting' ? t('quiz.start') : t('quiz.restart'));
      setText(box._hint, locked ? t('quiz.host_locked') : state === 'waiting' ? t('quiz.host_start_hint') : '');
      box._hint.hidden = !box._hint.textContent;
    });
  }
  box._a = a;
}

export function editor(spec, kit, { optionList, specOptions }) {
  const question = kit.area('f-question', t('host.f_question'), spec?.question, MAX_PROMPT_CHARS);
  const opts = optionList(kit, 'f-options', t('quiz.f_options'), spec?.options, { min: 2, max: 10, correct: spec?.correct || [], hint: t('quiz.f_options_hint') });
  const limit = kit.number('f-limit', t('quiz.f_time_limit'), spec?.time_limit_secs ?? 20, 5, 600, t('quiz.f_time_limit_hint'));
  const pts = kit.number('f-points', t('quiz.f_points'), spec?.points ?? 1000, 1, 10_000, t('quiz.f_points_hint'));
  if (spec) kit.fields.push(h('p', { class: 'hint', text: t('quiz.f_edit_hint') }));
  return () => {
    const q = kit.required(question, 'f-question');
    const rowsNow = opts.check(2, 10);
    const correct = rowsNow.map((r, i) => (r.correct ? i : -1)).filter((i) => i >= 0);
    if (rowsNow.length >= 2 && !correct.length) kit.error('f-options', t('quiz.v_correct'));
    return {
      kind: 'quiz',
      question: q,
      options: specOptions(rowsNow),
      correct,
      time_limit_secs: kit.range(limit, 'f-limit', 5, 600),
      points: kit.range(pts, 'f-points', 1, 10_000),
    };
  };
}
