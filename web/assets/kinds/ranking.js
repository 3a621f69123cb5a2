// Ranking: put 2–10 options in order with up/down buttons (keyboard friendly; focus follows the
// moved option), send the order with `rank`. Results: Borda score and average position.

import { h, setText, keyed, sig } from '../util.js';
import { t, num, errorText } from '../i18n.js';
import { renderBars } from '../charts.js';
import { dec } from './common.js';
import { MAX_PROMPT_CHARS, MIN_OPTIONS, MAX_RANKING_OPTIONS } from './limits.js';

/** Rows for the bars: best Borda score first, with the average position as the note. */
export function rankingRows(a, mine = []) {
  const text = new Map(a.options.map((o) => [o.id, o.text]));
  return (a.results?.ranking || []).map((r) => ({
    key: `o${r.id}`,
    label: text.get(r.id) || '',
    count: r.score,
    note: r.average_position != null ? t('ranking.avg', { pos: dec(r.average_position) }) : '',
    mine: mine[0] === r.id,
  }));
}

export function phone(first, ctx) {
  const f = ctx.frame(first, t('kind.ranking'));
  const id = first.id;
  let last = first;
  let order = null; // option ids, first place first
  let dirty = false;
  let optionsSig = '';
  const hint = h('p', { class: 'hint', id: `rh${id}`, text: t('ranking.hint') });
  const list = h('ol', { class: 'rank-list', role: 'list', 'aria-describedby': `rh${id}` });
  const send = h('button', { class: 'btn primary big', type: 'submit' });
  const form = h('form', { class: 'stack', novalidate: true }, hint, list, send, f.feedback);
  const resultsHead = h('h2', { class: 'results-head' });
  const results = h('div');
  const resultsBox = h('div', { class: 'results', hidden: true }, resultsHead, results);
  f.el.append(form, resultsBox);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await ctx.request(send, { type: 'rank', activity: id, order: [...order] });
      ctx.setAnswer(id, { kind: 'ranking', order: [...order] });
      dirty = false;
      f.setFeedback(t('ranking.received'));
      update(last, { order: [...order] });
    } catch (err) {
      f.setFeedback(errorText(err), 'error');
    }
  });

  function move(oid, delta, dir) {
    const i = order.indexOf(oid);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= order.length) return;
    [order[i], order[j]] = [order[j], order[i]];
    dirty = true;
    f.setFeedback('');
    draw();
    const text = last.options.find((o) => o.id === oid)?.text || '';
    ctx.say(t('ranking.moved', { text, i: j + 1, n: order.length }));
    // Keep the keyboard on the moved option: the same button if it can still move that way.
    const again = list.querySelector(`[data-key="${dir}${id}-${oid}"]`);
    const other = list.querySelector(`[data-key="${dir === 'up' ? 'down' : 'up'}${id}-${oid}"]`);
    (again && !again.disabled ? again : other)?.focus();
  }

  function draw() {
    const a = last;
    const text = new Map(a.options.map((o) => [o.id, o.text]));
    const open = a.voting_open;
    keyed(
      list,
      order,
      (oid) => oid,
      (oid) => {
        const li = h('li', { class: 'rank-item' });
        li._n = h('span', { class: 'rank-n', 'aria-hidden': 'true' });
        li._text = h('span', { class: 'rank-text' });
        li._up = h('button', { type: 'button', class: 'btn small', text: '↑', 'data-key': `up${id}-${oid}` });
        li._down = h('button', { type: 'button', class: 'btn small', text: '↓', 'data-key': `down${id}-${oid}` });
        li._up.addEventListener('click', () => move(oid, -1, 'up'));
        li._down.addEventListener('click', () => move(oid, 1, 'down'));
        li.append(li._n, li._text, h('span', { class: 'rank-moves' }, li._up, li._down));
        return li;
      },
      (li, oid, i) => {
        const label = text.get(oid) || '';
        setText(li._n, `${num(i + 1)}.`);
        setText(li._text, label);
        li._up.disabled = !open || i === 0;
        li._down.disabled = !open || i === order.length - 1;
        li._up.setAttribute('aria-label', t('ranking.up', { text: label, i: i + 1, n: order.length }));
        li._down.setAttribute('aria-label', t('ranking.down', { text: label, i: i + 1, n: order.length }));
      },
    );
  }

  function update(a, answer) {
    last = a;
    f.setHead(a, a.question);
    const ids = a.options.map((o) => o.id);
    const s = sig(ids);
    const saved = answer?.order || null;
    if (s !== optionsSig) {
      optionsSig = s;
      if (order && dirty) {
        order = order.filter((o) => ids.includes(o));
        for (const o of ids) if (!order.includes(o)) order.push(o);
      } else order = null;
    }
    if (!dirty || !order) order = saved && saved.length === ids.length ? [...saved] : order || [...ids];
    draw();
    send.hidden = !a.voting_open || (saved && !dirty);
    send.textContent = saved ? t('ranking.update') : t('ranking.send');
    if (!a.voting_open) f.setNotice(saved ? t('p.closed_voted') : t('p.closed'));
    else f.setNotice('');
    if (saved && !dirty && f.feedback.hidden) {
      f.feedback.hidden = false;
      f.feedback.dataset.kind = 'ok';
      f.feedback.textContent = t('ranking.received');
    }
    resultsBox.hidden = !a.results;
    if (a.results) {
      setText(resultsHead, t('ranking.results', { n: a.results.voters }));
      renderBars(results, rankingRows(a, saved || []), { scale: 'max', unit: 'borda', ranked: true, closed: !a.voting_open });
    }
  }

  return {
    el: f.el,
    update(a, answer) {
      update(a, answer || null);
    },
  };
}

export function present() {
  const el = h('div', { class: 'ranking-stage' });
  return {
    el,
    update(a) {
      if (!a.results) {
        const s = sig(a.options);
        if (el.dataset.sig !== s) {
          el.dataset.sig = s;
          el.replaceChildren(h('ol', { class: 'options' }, a.options.map((o) => h('li', { text: o.text }))), h('p', { class: 'hidden-note', text: t('present.results_hidden') }));
        }
      } else {
        if (el.dataset.sig) {
          delete el.dataset.sig;
          el.replaceChildren();
        }
        renderBars(el, rankingRows(a), { scale: 'max', unit: 'borda', ranked: true, closed: !a.voting_open });
      }
      return [t('ranking.voters', { n: a.responses })];
    },
  };
}

export function preview(box, a) {
  if (!box._r) {
    box._r = h('div');
    box.replaceChildren(box._r);
  }
  renderBars(box._r, rankingRows(a), { scale: 'max', unit: 'borda', ranked: true, closed: !a.voting_open });
}

export function editor(spec, kit, { optionList, specOptions }) {
  const question = kit.area('f-question', t('host.f_question'), spec?.question, MAX_PROMPT_CHARS);
  const opts = optionList(kit, 'f-options', t('host.f_options'), spec?.options, { min: MIN_OPTIONS, max: MAX_RANKING_OPTIONS, hint: spec ? t('ranking.f_edit_hint') : t('ranking.f_options_hint') });
  return () => ({ kind: 'ranking', question: kit.required(question, 'f-question'), options: specOptions(opts.check(MIN_OPTIONS, MAX_RANKING_OPTIONS)) });
}
