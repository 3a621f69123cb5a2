// Poll: pick one option, or several (up to `max_choices`), and change the vote when the facilitator
// allows it. Results: bars with counts and percentages. The voting form is shared by the phone
// and by embeds that allow voting (embed-page.js).

import { h, put, sig, keepFocus } from '../util.js';
import { t, errorText } from '../i18n.js';
import { renderBars, pollRows } from '../charts.js';
import { MIN_OPTIONS, MAX_OPTIONS, MAX_OPTION_CHARS, MAX_PROMPT_CHARS } from './limits.js';

/**
 * The voting form. `f` is the screen's frame ({feedback, setFeedback, setNotice}); `ctx` lends
 * {request(button, msg), setAnswer(id, answer)}. `opts.big`: the phone's big submit button;
 * `opts.notice`: a notice line to place inside the form (the embed has no frame for it).
 */
export function voteForm(first, f, ctx, { big = true, notice = null } = {}) {
  const id = first.id;
  let selected = new Set();
  let dirty = false;
  let optionsSig = '';
  let last = first;
  let lastAnswer = null;
  const hint = h('p', { class: 'hint', id: `hint${id}` });
  const choices = h('div', { class: 'choices', role: first.multiple ? 'group' : 'radiogroup', 'aria-labelledby': `q${id}`, 'aria-describedby': `hint${id}` });
  const submit = h('button', { class: big ? 'btn primary big' : 'btn primary', type: 'submit' });
  const el = h('form', { class: 'stack', novalidate: true }, hint, choices, notice, submit, f.feedback);

  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!selected.size) return f.setFeedback(t('error.no_choice'), 'error');
    const options = [...selected];
    let answer = lastAnswer;
    try {
      await ctx.request(submit, { type: 'vote', activity: id, options });
      answer = { kind: 'poll', options };
      ctx.setAnswer(id, answer);
      dirty = false;
      f.setFeedback(t('p.vote_received'));
    } catch (err) {
      if (err.code === 'already_voted') dirty = false;
      f.setFeedback(errorText(err), 'error');
    }
    update(last, answer);
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
          update(last, lastAnswer);
        });
        return h('label', { class: 'choice', 'data-o': o.id }, input, h('span', { class: 'choice-mark', 'aria-hidden': 'true' }), h('span', { class: 'choice-text', text: o.text }));
      }),
    );
  }

  function update(a, answer) {
    last = a;
    lastAnswer = answer;
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
  }

  return { el, update };
}

// --- Phone -------------------------------------------------------------------------------------

export function phone(first, ctx) {
  const f = ctx.frame(first, t('kind.poll'));
  const form = voteForm(first, f, ctx);
  const resultsHead = h('h2', { class: 'results-head' });
  const results = h('div', { class: 'results-body' });
  const resultsBox = h('div', { class: 'results', hidden: true }, resultsHead, results);
  f.el.append(form.el, resultsBox);
  return {
    el: f.el,
    update(a, answer) {
      f.setHead(a, a.question);
      form.update(a, answer);
      resultsBox.hidden = !a.results;
      if (a.results) {
        resultsHead.textContent = t('p.results_votes', { n: a.results.voters });
        renderBars(results, pollRows(a, answer?.options || []), { total: a.results.voters, unit: 'votes', closed: !a.voting_open });
      }
    },
  };
}

// --- Projected screen ----------------------------------------------------------------------------

/** The options, while results are hidden. */
function renderOptions(body, a) {
  const s = JSON.stringify(a.options);
  if (body.dataset.sig === s) return;
  body.dataset.sig = s;
  put(body, h('ol', { class: 'options' }, a.options.map((o) => h('li', { text: o.text }))), h('p', { class: 'hidden-note', text: t('present.results_hidden') }));
}

/** Renders straight into the screen's body (`ctx.body`), whose `data-mode` says what it shows. */
export function present(first, { body, mode }) {
  return {
    el: null,
    fit: 'content',
    update(a) {
      const want = a.results ? 'bars' : 'options';
      mode(want);
      body.dataset.compact = String(want === 'bars' && a.options.length > 8);
      if (want === 'bars') renderBars(body, pollRows(a), { total: a.results.voters, unit: 'votes', closed: !a.voting_open });
      else renderOptions(body, a);
      return [t('present.responses', { n: a.responses })];
    },
  };
}

// --- Embed ---------------------------------------------------------------------------------------

/** Embeds may let visitors vote in a poll (when the facilitator allows it). */
export const embedVote = voteForm;

/** The embed's results; returns what its note and meta line say. */
export function embed() {
  let shown = '';
  return {
    update(results, a, { answer, voting }) {
      const want = a.results ? 'bars' : voting ? 'none' : 'options';
      if (want !== shown) {
        shown = want;
        results.replaceChildren();
      }
      if (want === 'bars') renderBars(results, pollRows(a, answer?.options || []), { total: a.results.voters, unit: 'votes', closed: !a.voting_open });
      else if (want === 'options') {
        const s = sig(a.options);
        if (results.dataset.sig !== s) {
          results.dataset.sig = s;
          put(results, h('ul', { class: 'embed-options' }, a.options.map((o) => h('li', { text: o.text }))));
        }
      }
      return { note: want === 'bars' ? null : t('present.results_hidden'), meta: [t('present.responses', { n: a.responses })] };
    },
  };
}

// --- Console -------------------------------------------------------------------------------------

export function preview(box, a) {
  if (box.dataset.mode !== 'bars') {
    box.dataset.mode = 'bars';
    box.replaceChildren();
  }
  const r = a.results || { voters: 0, counts: [] };
  renderBars(box, pollRows({ ...a, results: r }), { total: r.voters, unit: 'votes', closed: !a.voting_open });
}

export function editor(spec, kit, { optionList, specOptions }) {
  const q = kit.area('f-question', t('host.f_question'), spec?.question, MAX_PROMPT_CHARS);
  const opts = optionList(kit, 'f-options', t('host.f_options'), spec?.options, { min: MIN_OPTIONS, max: MAX_OPTIONS, hint: spec ? t('host.f_options_edit_hint') : null });
  const multiple = h('input', { id: 'f-multiple', type: 'checkbox', checked: !!spec?.multiple });
  const maxChoices = h('input', { id: 'f-max', type: 'number', inputmode: 'numeric', min: 1, max: MAX_OPTIONS, value: spec?.max_choices ?? '', 'aria-describedby': 'f-max-hint f-max-err' });
  const maxBox = h('div', { class: 'field', hidden: !spec?.multiple }, h('label', { for: 'f-max', text: t('host.f_max_choices') }), maxChoices, h('p', { class: 'hint', id: 'f-max-hint', text: t('host.f_max_choices_hint') }), kit.group('f-max'));
  multiple.addEventListener('change', () => (maxBox.hidden = !multiple.checked));
  const allowChange = h('input', { id: 'f-change', type: 'checkbox', checked: spec ? spec.allow_change !== false : true });
  kit.fields.push(
    h('div', { class: 'check' }, multiple, h('label', { for: 'f-multiple', text: t('host.f_multiple') })),
    maxBox,
    h('div', { class: 'check' }, allowChange, h('label', { for: 'f-change', text: t('host.f_allow_change') })),
  );
  return () => {
    const question = kit.required(q, 'f-question');
    const filled = opts.rows();
    const seen = new Set();
    let optErr = '';
    if (filled.length < MIN_OPTIONS) optErr = t('host.v_two_options');
    else if (filled.length > MAX_OPTIONS) optErr = t('host.v_too_many_options', { n: MAX_OPTIONS });
    for (const r of filled) {
      const k = r.text.toLowerCase();
      if (seen.has(k)) optErr = t('host.v_duplicate_option', { text: r.text });
      seen.add(k);
    }
    if (optErr) kit.error('f-options', optErr);
    let max = null;
    if (multiple.checked && maxChoices.value !== '') {
      max = Number(maxChoices.value);
      if (!Number.isInteger(max) || max < 1 || max > filled.length) kit.error('f-max', t('host.v_range', { min: 1, max: filled.length }));
    }
    const out = {
      kind: 'poll',
      question,
      options: specOptions(filled),
      multiple: multiple.checked,
      allow_change: allowChange.checked,
    };
    if (multiple.checked && max) out.max_choices = max;
    return out;
  };
}
