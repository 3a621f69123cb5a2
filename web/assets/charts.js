// Result rendering shared by the presenter, the host preview and participants' phones: horizontal
// bars, a word cloud and an idea wall. Every renderer updates its container in place (keyed by
// row), so CSS transitions animate changes and frequent updates stay cheap.

import { h, reducedMotion } from './util.js';
import { t, num, currentLang } from './i18n.js';

/** Percent as a whole number; 0 when nobody answered. */
export const pct = (count, total) => (total > 0 ? Math.round((count * 100) / total) : 0);

/** Rows for a poll's bars. `mine` marks the participant's own choices. */
export function pollRows(activity, mine = []) {
  const counts = activity.results?.counts || [];
  return activity.options.map((o, i) => ({
    key: `o${o.id}`,
    label: o.text,
    count: counts[i] || 0,
    mine: mine.includes(o.id),
  }));
}

/** Rows for ranked ideas (visible ones only, in the server's order). */
export function ideaRows(activity, mine = []) {
  return (activity.ideas || [])
    .filter((i) => !i.hidden && i.merged_into == null)
    .map((i) => ({ key: `i${i.id}`, label: i.text, count: i.votes || 0, mine: mine.includes(i.id), merged: (i.merged || []).map((m) => m.text) }));
}

/** Moves children into `order` with a FLIP animation (skipped under reduced motion). */
function reorder(list, order) {
  const current = [...list.children];
  if (current.length === order.length && current.every((el, i) => el === order[i])) return;
  const animate = !reducedMotion() && current.length < 60;
  const before = animate ? new Map(current.map((el) => [el, el.getBoundingClientRect().top])) : null;
  for (const el of order) list.append(el);
  if (!animate) return;
  for (const el of order) {
    const top = before.get(el);
    if (top == null) continue;
    const dy = top - el.getBoundingClientRect().top;
    if (!dy) continue;
    el.style.transition = 'none';
    el.style.transform = `translateY(${dy}px)`;
    requestAnimationFrame(() => {
      el.style.transition = '';
      el.style.transform = '';
    });
  }
}

/**
 * Horizontal bars. `rows`: [{key, label, count, mine, correct, note, noteSr}] (`correct` marks a
 * quiz's right answer; `note` replaces the percentage, e.g. an average). Options:
 *   total: the denominator for percentages (poll voters); omit to show no percentages
 *   scale: 'total' (width = share of total) or 'max' (width relative to the largest count)
 *   unit: 'votes' | 'dots' — the word read out after the count
 *   ranked: number the rows (1., 2., …); rows with the same count share their rank ("=1."), and
 *           nothing is numbered before the first count
 *   closed: voting has closed: a line above the bars names the winner, or says who tied
 */
export function renderBars(container, rows, opts = {}) {
  let list = container.querySelector(':scope > ol.bars');
  if (!list) {
    list = h('ol', { class: 'bars', role: 'list' });
    container.replaceChildren(list);
  }
  const max = Math.max(1, ...rows.map((r) => r.count));
  const counted = rows.some((r) => r.count > 0);
  // Competition ranking: a row's rank is one more than the number of rows with a higher count.
  const ranks = new Map();
  const ties = new Map();
  [...rows.map((r) => r.count)].sort((a, b) => b - a).forEach((count, i) => {
    if (!ranks.has(count)) ranks.set(count, i + 1);
    ties.set(count, (ties.get(count) || 0) + 1);
  });
  outcome(container, list, opts.closed && counted ? rows.filter((r) => r.count === max) : []);
  const existing = new Map([...list.children].map((el) => [el.dataset.k, el]));
  const order = [];
  for (const row of rows) {
    let li = existing.get(row.key);
    if (!li) {
      li = h(
        'li',
        { class: 'bar', 'data-k': row.key },
        h(
          'div',
          { class: 'bar-head' },
          opts.ranked ? h('span', { class: 'bar-rank', 'aria-hidden': 'true' }) : null,
          h('span', { class: 'bar-label' }),
          h('span', { class: 'bar-value' }, h('span', { class: 'bar-count' }), h('span', { class: 'bar-pct' })),
          h('span', { class: 'sr-only bar-sr' }),
        ),
        h('div', { class: 'bar-track', 'aria-hidden': 'true' }, h('div', { class: 'bar-fill' })),
      );
    }
    existing.delete(row.key);
    const share = opts.total != null ? pct(row.count, opts.total) : null;
    const width = opts.scale === 'max' || opts.total == null ? (row.count * 100) / max : share;
    li.classList.toggle('mine', !!row.mine);
    li.classList.toggle('correct', !!row.correct);
    li.classList.toggle('lead', row.count > 0 && row.count === max);
    setText(li.querySelector('.bar-label'), row.label);
    mergedUnder(li.querySelector('.bar-head'), row.merged || []);
    const rank = li.querySelector('.bar-rank');
    const tied = ties.get(row.count) > 1;
    if (rank) setText(rank, counted ? `${tied ? '=' : ''}${ranks.get(row.count)}.` : '');
    const count = li.querySelector('.bar-count');
    setText(count, num(row.count));
    count.setAttribute('aria-hidden', 'true');
    const pctEl = li.querySelector('.bar-pct');
    setText(pctEl, row.note != null ? row.note : share != null ? `${num(share)}%` : '');
    pctEl.setAttribute('aria-hidden', 'true');
    setText(
      li.querySelector('.bar-sr'),
      (share != null
        ? t(`chart.${opts.unit || 'votes'}_pct`, { n: row.count, pct: share })
        : t(`chart.${opts.unit || 'votes'}`, { n: row.count })) +
        (row.note != null ? `, ${row.noteSr ?? row.note}` : '') +
        (opts.ranked && counted && tied ? ` ${t('chart.tied_rank', { n: ranks.get(row.count) })}` : '') +
        (row.correct ? ` ${t('chart.correct')}` : '') +
        (row.mine ? ` ${t('chart.your_choice')}` : ''),
    );
    li.querySelector('.bar-fill').style.width = `${Math.max(0, Math.min(100, width))}%`;
    order.push(li);
  }
  for (const el of existing.values()) el.remove();
  reorder(list, order);
}

/** The line above closed results: "Winner: …" or "Tied: … and …" (`top`: the leading rows). */
function outcome(container, list, top) {
  let line = container.querySelector(':scope > .bars-outcome');
  if (!top.length) {
    line?.remove();
    return;
  }
  if (!line) {
    line = h('p', { class: 'bars-outcome' });
    container.insertBefore(line, list);
  }
  const tie = top.length > 1;
  line.dataset.kind = tie ? 'tie' : 'winner';
  const names = new Intl.ListFormat(currentLang() || 'en', { type: 'conjunction' }).format(top.map((r) => r.label));
  setText(line, tie ? t('chart.tied', { names }) : t('chart.winner', { name: names }));
}

/** Places the heaviest words in the middle: …, 4, 2, 0, 1, 3, … */
function centreOut(words) {
  const out = [];
  words.forEach((w, i) => (i % 2 ? out.push(w) : out.unshift(w)));
  return out;
}

/**
 * Word cloud. `words`: [{text, count}] heaviest first. Font sizes run from `min` to `max` (in em)
 * by the square root of the count. `mine`: the participant's own words, marked.
 */
export function renderCloud(container, words, opts = {}) {
  const min = opts.min ?? 1;
  const maxSize = opts.max ?? 4;
  let list = container.querySelector(':scope > ul.cloud');
  if (!list) {
    list = h('ul', { class: 'cloud', role: 'list' });
    container.replaceChildren(list);
  }
  if (!words.length) {
    list.replaceChildren();
    return;
  }
  const top = words[0].count || 1;
  const mine = new Set((opts.mine || []).map((w) => w.toLowerCase()));
  const existing = new Map([...list.children].map((el) => [el.dataset.k, el]));
  const order = [];
  for (const w of centreOut(words)) {
    const key = w.text.toLowerCase();
    let li = existing.get(key);
    if (!li) {
      li = h('li', { class: 'word', 'data-k': key }, h('span', { class: 'word-text' }), h('span', { class: 'sr-only word-n' }));
    }
    existing.delete(key);
    const weight = Math.sqrt(w.count / top);
    li.style.fontSize = `${(min + (maxSize - min) * weight).toFixed(2)}em`;
    li.dataset.c = String(hash(key) % 6);
    li.style.fontWeight = weight > 0.5 ? '700' : weight > 0.25 ? '600' : '500';
    li.classList.toggle('mine', mine.has(key));
    setText(li.querySelector('.word-text'), w.text);
    setText(li.querySelector('.word-n'), ` (${t('chart.times', { n: w.count })})`);
    li.title = t('chart.times', { n: w.count });
    order.push(li);
  }
  for (const el of existing.values()) el.remove();
  // Order changes only when the ranking does; appending in order is cheap.
  const current = [...list.children];
  if (!(current.length === order.length && current.every((el, i) => el === order[i]))) {
    for (const el of order) list.append(el);
  }
}

/** A small stable hash for colouring words consistently. */
function hash(s) {
  let x = 0;
  for (let i = 0; i < s.length; i++) x = (x * 31 + s.charCodeAt(i)) >>> 0;
  return x;
}

/** The idea wall: one card per visible idea, oldest first; new cards fade in (CSS). */
export function renderWall(container, ideas, opts = {}) {
  let list = container.querySelector(':scope > ul.wall');
  if (!list) {
    list = h('ul', { class: 'wall', role: 'list' });
    container.replaceChildren(list);
  }
  const mine = new Set(opts.mine || []);
  const existing = new Map([...list.children].map((el) => [el.dataset.k, el]));
  const order = [];
  const visible = ideas.filter((i) => !i.hidden && i.merged_into == null).sort((a, b) => a.id - b.id);
  for (const idea of visible) {
    const key = String(idea.id);
    let li = existing.get(key);
    if (!li) li = h('li', { class: 'card', 'data-k': key }, h('span', { class: 'card-text' }));
    existing.delete(key);
    setText(li.firstChild, idea.text);
    mergedUnder(li, (idea.merged || []).map((m) => m.text));
    li.classList.toggle('mine', mine.has(idea.id));
    order.push(li);
  }
  for (const el of existing.values()) el.remove();
  for (const [i, el] of order.entries()) {
    if (list.children[i] !== el) list.insertBefore(el, list.children[i] || null);
  }
}

/** The wordings merged into an idea, listed under it ("+ Getting the repairs team involved"). */
function mergedUnder(el, texts) {
  let box = el.querySelector(':scope > .merged');
  if (!texts.length) {
    box?.remove();
    return;
  }
  const sig = texts.join('\n');
  if (box?.dataset.sig === sig) return;
  if (!box) {
    box = h('ul', { class: 'merged', role: 'list' });
    el.append(box);
  }
  box.dataset.sig = sig;
  box.setAttribute('aria-label', t('chart.merged', { n: texts.length }));
  box.replaceChildren(...texts.map((text) => h('li', { text })));
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}
