// Points: split a budget (100 by default) across options, with a running "points left"; sent with
// `allocate`. Results: totals (bars) with each option's average.

import { h, setText, keyed, sig } from '../util.js';
import { t, errorText } from '../i18n.js';
import { renderBars } from '../charts.js';
import { dec } from './common.js';
import { MAX_PROMPT_CHARS, MIN_OPTIONS, MAX_OPTIONS } from './limits.js';

export function pointsRows(a, mine = new Map()) {
  const totals = a.results?.totals || [];
  const averages = a.results?.averages || [];
  return a.options
    .map((o, i) => ({
      key: `o${o.id}`,
      label: o.text,
      count: totals[i] || 0,
      note: t('points.avg', { avg: dec(averages[i] || 0) }),
      mine: (mine.get(o.id) || 0) > 0,
    }))
    .sort((x, y) => y.count - x.count);
}

export function phone(first, ctx) {
  const f = ctx.frame(first, t('kind.points'));
  const id = first.id;
  let last = first;
  let split = new Map(); // option id → points
  let dirty = false;
  let optionsSig = '';
  const left = h('p', { class: 'points-left', id: `pl${id}` });
  const meter = h('progress', { class: 'points-meter', max: 100, value: 0, 'aria-hidden': 'true' });
  const hint = h('p', { class: 'hint' });
  const list = h('ul', { class: 'points-list', role: 'list' });
  const send = h('button', { class: 'btn primary big', type: 'submit' });
  const form = h('form', { class: 'stack', novalidate: true }, hint, h('div', { class: 'points-bar' }, left, meter), list, send, f.feedback);
  const resultsHead = h('h2', { class: 'results-head' });
  const results = h('div');
  const resultsBox = h('div', { class: 'results', hidden: true }, resultsHead, results);
  f.el.append(form, resultsBox);

  const used = () => [...split.values()].reduce((x, y) => x + y, 0);
  const step = () => (last.total >= 50 ? 5 : 1);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (used() > last.total) return f.setFeedback(t('points.over', { n: used() - last.total }), 'error');
    if (!used()) return f.setFeedback(t('points.none'), 'error');
    const points = [...split].filter(([, p]) => p > 0).map(([option, p]) => ({ option, points: p }));
    try {
      await ctx.request(send, { type: 'allocate', activity: id, points });
      ctx.setAnswer(id, { kind: 'points', points });
      dirty = false;
      f.setFeedback(t('points.received'));
      update(last, { points });
    } catch (err) {
      f.setFeedback(errorText(err), 'error');
    }
  });

  function set(oid, value, speak) {
    const v = Math.max(0, Math.min(last.total, Math.round(Number(value) || 0)));
    split.set(oid, v);
    dirty = true;
    f.setFeedback('');
    refresh();
    if (speak) ctx.say(`${t('points.value', { n: v, text: last.options.find((o) => o.id === oid)?.text || '' })}. ${left.textContent}`);
  }

  function refresh() {
    const a = last;
    const open = a.voting_open;
    const spent = used();
    const remaining = a.total - spent;
    setText(left, remaining >= 0 ? t('points.left', { n: remaining, total: a.total }) : t('points.over', { n: -remaining }));
    left.classList.toggle('over', remaining < 0);
    meter.max = a.total;
    meter.value = Math.min(a.total, spent);
    keyed(
      list,
      a.options,
      (o) => o.id,
      (o) => {
        const li = h('li', { class: 'points-item' });
        const input = h('input', { type: 'number', id: `pt${id}-${o.id}`, min: 0, inputmode: 'numeric', 'data-key': `pt${id}-${o.id}` });
        li._label = h('label', { for: input.id, class: 'points-label' });
        li._minus = h('button', { type: 'button', class: 'btn', text: '−', 'data-key': `pm${id}-${o.id}` });
        li._plus = h('button', { type: 'button', class: 'btn', text: '+', 'data-key': `pp${id}-${o.id}` });
        li._input = input;
        input.addEventListener('input', () => set(li._o.id, input.value === '' ? 0 : input.value, false));
        input.addEventListener('change', () => refresh());
        li._minus.addEventListener('click', () => set(li._o.id, (split.get(li._o.id) || 0) - step(), true));
        li._plus.addEventListener('click', () => set(li._o.id, Math.min((split.get(li._o.id) || 0) + step(), (split.get(li._o.id) || 0) + Math.max(0, last.total - used())), true));
        li.append(li._label, h('span', { class: 'stepper' }, li._minus, input, li._plus));
        return li;
      },
      (li, o) => {
        li._o = o;
        const v = split.get(o.id) || 0;
        setText(li._label, o.text);
        li._input.max = a.total;
        if (document.activeElement !== li._input || Number(li._input.value) !== v) {
          if (!(document.activeElement === li._input && li._input.value === '')) li._input.value = String(v);
        }
        li._input.disabled = !open;
        li._minus.disabled = !open || v <= 0;
        li._plus.disabled = !open || remaining <= 0;
        li._minus.setAttribute('aria-label', t('points.minus', { n: step(), text: o.text }));
        li._plus.setAttribute('aria-label', t('points.plus', { n: step(), text: o.text }));
        li.classList.toggle('on', v > 0);
      },
    );
    send.disabled = !dirty || remaining < 0 || !spent;
  }

  function update(a, answer) {
    last = a;
    f.setHead(a, a.question);
    setText(hint, t('points.hint', { total: a.total }));
    const s = sig([a.options.map((o) => o.id), a.total]);
    if (s !== optionsSig) {
      optionsSig = s;
      if (dirty) for (const k of [...split.keys()]) if (!a.options.some((o) => o.id === k)) split.delete(k);
    }
    const saved = answer?.points || null;
    if (!dirty) split = new Map((saved || []).map((p) => [p.option, p.points]));
    refresh();
    send.hidden = !a.voting_open || (saved && !dirty);
    send.textContent = saved ? t('points.update') : t('points.send');
    if (!a.voting_open) f.setNotice(saved ? t('p.closed_voted') : t('p.closed'));
    else f.setNotice('');
    if (saved && !dirty && f.feedback.hidden) {
      f.feedback.hidden = false;
      f.feedback.dataset.kind = 'ok';
      f.feedback.textContent = t('points.received');
    }
    resultsBox.hidden = !a.results;
    if (a.results) {
      setText(resultsHead, t('points.results', { n: a.results.voters }));
      renderBars(results, pointsRows(a, new Map((saved || []).map((p) => [p.option, p.points]))), { scale: 'max', unit: 'points', ranked: true, closed: !a.voting_open });
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
  const el = h('div', { class: 'points-stage' });
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
        renderBars(el, pointsRows(a), { scale: 'max', unit: 'points', ranked: true, closed: !a.voting_open });
      }
      return [t('points.voters', { n: a.responses }), t('points.each', { n: a.total })];
    },
  };
}

export function preview(box, a) {
  if (!box._p) {
    box._p = h('div');
    box.replaceChildren(box._p);
  }
  renderBars(box._p, pointsRows(a), { scale: 'max', unit: 'points', ranked: true, closed: !a.voting_open });
}

export function editor(spec, kit, { optionList, specOptions }) {
  const question = kit.area('f-question', t('host.f_question'), spec?.question, MAX_PROMPT_CHARS);
  const opts = optionList(kit, 'f-options', t('host.f_options'), spec?.options, { min: MIN_OPTIONS, max: MAX_OPTIONS });
  const total = kit.number('f-total', t('points.f_total'), spec?.total ?? 100, 1, 1000, t('points.f_total_hint'));
  return () => ({
    kind: 'points',
    question: kit.required(question, 'f-question'),
    options: specOptions(opts.check(2, 30)),
    total: kit.range(total, 'f-total', 1, 1000),
  });
}
