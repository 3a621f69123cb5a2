// Scales: rate a (long) list of statements on a range, at one's own pace. Phones page through ten
// statements at a time and send each page with `rate`; the screen and the host show per-statement
// means and distributions, strengths, weaknesses, "talk about this" and theme means.

import { h, put, setText, keyed, sig } from '../util.js';
import { t, num, errorText } from '../i18n.js';
import { dec, distribution } from './common.js';
import { MAX_PROMPT_CHARS, MAX_LABEL_CHARS, MAX_STATEMENTS, MAX_STATEMENT_CHARS, MAX_THEME_CHARS } from './limits.js';

const PAGE = 10;

const byId = (a) => new Map(a.statements.map((s) => [s.id, s]));
const resultsById = (a) => new Map((a.results?.statements || []).map((r) => [r.id, r]));
const previousById = (a) => new Map((a.results?.previous?.statements || []).map((r) => [r.id, r]));

/** The change in a mean as the figures show it (one decimal), or null when either is missing. */
export function meanChange(now, then) {
  if (now == null || then == null) return null;
  return (Math.round(now * 10) - Math.round(then * 10)) / 10;
}

/** "▲ +0.5", "▼ −1.2" or "= 0.0": a change that reads without colour. */
export function changeText(d) {
  if (d == null) return '';
  return d > 0 ? `▲ +${dec(d)}` : d < 0 ? `▼ −${dec(-d)}` : `= ${dec(0)}`;
}

const changeClass = (d) => (d == null ? '' : d > 0 ? 'up' : d < 0 ? 'down' : 'same');

/** The pages the screen shows once results are revealed: the summary; the earlier round beside
 * this one, when there is one; then six statements a page. The console lists the same pages. */
export function screenPages(a) {
  const pages = [{ kind: 'summary' }];
  if (a.results?.previous) pages.push({ kind: 'compare', round: a.results.previous.round });
  for (let from = 0; from < a.statements.length; from += SCREEN_ROWS) pages.push({ kind: 'detail', from, to: Math.min(a.statements.length, from + SCREEN_ROWS) });
  return pages;
}

// ---------------------------------------------------------------------------------------------
// Phone

export function phone(first, ctx) {
  const f = ctx.frame(first, t('kind.scales'));
  const id = first.id;
  let page = null; // chosen on the first update: the first page with something unrated
  let pageSig = '';
  let last = first;
  let lastAnswer = null;
  const drafts = new Map(); // statement id → value (null = skip), not sent yet

  const intro = h('p', { class: 'hint', id: `si${id}` });
  const progressText = h('p', { class: 'scale-progress-text', id: `sp${id}` });
  const progress = h('progress', { class: 'scale-progress', max: 1, value: 0, 'aria-labelledby': `sp${id}` });
  const pageHead = h('h2', { class: 'scale-page-head', tabindex: -1 });
  const list = h('div', { class: 'statements' });
  const unsaved = h('p', { class: 'hint scale-unsaved', hidden: true });
  const prev = h('button', { class: 'btn', type: 'button', text: t('scales.prev_page') });
  const next = h('button', { class: 'btn primary', type: 'submit' });
  const firstUnrated = h('button', { class: 'btn link', type: 'button', hidden: true, text: t('scales.first_unrated') });
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    intro,
    h('div', { class: 'scale-progress-box' }, progressText, progress),
    pageHead,
    list,
    unsaved,
    h('div', { class: 'pager' }, prev, next),
    firstUnrated,
    f.feedback,
  );
  const resultsBox = h('div', { class: 'results', hidden: true });
  f.el.append(form, resultsBox);

  const saved = () => new Map((lastAnswer?.ratings || []).map((r) => [r.statement, r.value]));
  const pages = () => Math.max(1, Math.ceil(last.statements.length / PAGE));
  const onPage = () => last.statements.slice(page * PAGE, page * PAGE + PAGE);

  /** Sends what changed: resolves 'sent', 'none' (nothing to send) or false (refused). */
  async function send(button) {
    if (!drafts.size || !last.voting_open) {
      drafts.clear();
      return 'none';
    }
    const ratings = [...drafts].map(([statement, value]) => ({ statement, value }));
    try {
      await ctx.request(button, { type: 'rate', activity: id, ratings });
      const mine = saved();
      for (const r of ratings) mine.set(r.statement, r.value);
      lastAnswer = { kind: 'scales', ratings: [...mine].map(([statement, value]) => ({ statement, value })) };
      ctx.setAnswer(id, lastAnswer);
      drafts.clear();
      return 'sent';
    } catch (err) {
      f.setFeedback(errorText(err), 'error');
      return false;
    }
  }

  async function turn(to, button) {
    const outcome = await send(button);
    if (!outcome) return;
    const rated = saved().size;
    page = Math.max(0, Math.min(pages() - 1, to));
    update(last, lastAnswer);
    f.setFeedback(outcome === 'sent' ? t('scales.saved', { n: rated, total: last.statements.length }) : '');
    if (outcome !== 'sent') ctx.say(t('scales.page', { i: page + 1, n: pages() }));
    pageHead.focus({ preventScroll: true });
    pageHead.scrollIntoView?.({ block: 'start' });
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    turn(page + 1, next);
  });
  prev.addEventListener('click', () => turn(page - 1, prev));
  firstUnrated.addEventListener('click', () => {
    const mine = saved();
    const i = last.statements.findIndex((s) => !mine.has(s.id) && !drafts.has(s.id));
    if (i >= 0) turn(Math.floor(i / PAGE), firstUnrated);
  });

  function buildPage(a) {
    const range = [];
    for (let v = a.min; v <= a.max; v++) range.push(v);
    const statements = onPage();
    let theme = null;
    const kids = [];
    statements.forEach((s, i) => {
      if (s.theme && s.theme !== theme) kids.push(h('h3', { class: 'scale-theme', text: s.theme }));
      theme = s.theme || theme;
      const n = page * PAGE + i + 1;
      const name = `r${id}-${s.id}`;
      const option = (value, text, extra) =>
        h(
          'label',
          { class: value == null ? 'scale-opt skip-opt' : 'scale-opt' },
          h('input', { type: 'radio', name, value: value == null ? 'skip' : String(value), 'data-key': `${name}-${value ?? 'skip'}` }),
          h('span', { text }),
          extra ? h('span', { class: 'sr-only', text: extra }) : null,
        );
      const fs = h(
        'fieldset',
        { class: 'statement', 'data-s': s.id },
        h('legend', {}, h('span', { class: 'statement-n', text: `${num(n)}. ` }), s.text),
        stepsRow(
          range.length,
          range.map((v) =>
            option(
              v,
              String(v),
              v === a.min && a.min_label ? ` — ${a.min_label}` : v === a.max && a.max_label ? ` — ${a.max_label}` : '',
            ),
          ),
        ),
        a.min_label || a.max_label
          ? h('p', { class: 'scale-ends', 'aria-hidden': 'true' }, h('span', { text: a.min_label || '' }), h('span', { text: a.max_label || '' }))
          : null,
        a.allow_skip ? h('div', { class: 'scale-skip' }, option(null, t('scales.skip'))) : null,
      );
      fs.addEventListener('change', (e) => {
        const raw = e.target.value;
        const value = raw === 'skip' ? null : Number(raw);
        const before = saved();
        if (before.has(s.id) && before.get(s.id) === value) drafts.delete(s.id);
        else drafts.set(s.id, value);
        f.setFeedback('');
        refresh();
      });
      kids.push(fs);
    });
    put(list, kids);
  }

  /** Checked states, progress and buttons (no rebuilding). */
  function refresh() {
    const a = last;
    const mine = saved();
    const open = a.voting_open;
    for (const fs of list.querySelectorAll('fieldset.statement')) {
      const sid = Number(fs.dataset.s);
      const value = drafts.has(sid) ? drafts.get(sid) : mine.has(sid) ? mine.get(sid) : undefined;
      const want = value === undefined ? null : value === null ? 'skip' : String(value);
      for (const input of fs.querySelectorAll('input')) {
        input.checked = input.value === want;
        input.disabled = !open;
        input.parentElement.classList.toggle('on', input.checked);
      }
      fs.classList.toggle('rated', value !== undefined);
    }
    const total = a.statements.length;
    const rated = a.statements.filter((s) => mine.has(s.id)).length;
    setText(progressText, t('scales.progress', { n: rated, total }));
    progress.max = Math.max(1, total);
    progress.value = rated;
    setText(pageHead, t('scales.page', { i: page + 1, n: pages() }));
    unsaved.hidden = !drafts.size || !open;
    setText(unsaved, t('scales.unsaved', { n: drafts.size }));
    prev.disabled = page <= 0;
    const lastPage = page >= pages() - 1;
    setText(next, open ? (lastPage ? t('scales.save') : t('scales.save_next')) : lastPage ? t('scales.done') : t('scales.next_page'));
    next.disabled = lastPage && (!open || !drafts.size);
    const firstGap = a.statements.findIndex((s) => !mine.has(s.id) && !drafts.has(s.id));
    firstUnrated.hidden = !open || firstGap < 0 || Math.floor(firstGap / PAGE) === page;
    if (!open) f.setNotice(rated ? t('p.closed_voted') : t('p.closed'));
    else if (rated === total && total) f.setNotice(t('scales.all_rated', { n: total }), 'info');
    else f.setNotice('');
  }

  function update(a, answer) {
    last = a;
    if (answer !== undefined) lastAnswer = answer;
    f.setHead(a, a.prompt || t('scales.default_prompt'));
    intro.textContent = a.allow_skip ? t('scales.intro_skip', { min: a.min, max: a.max }) : t('scales.intro', { min: a.min, max: a.max });
    if (page == null) {
      const mine = saved();
      const i = a.statements.findIndex((s) => !mine.has(s.id));
      page = i < 0 ? 0 : Math.floor(i / PAGE);
    }
    page = Math.max(0, Math.min(pages() - 1, page));
    const live = new Set(a.statements.map((s) => s.id));
    for (const sid of [...drafts.keys()]) if (!live.has(sid)) drafts.delete(sid);
    const s = sig([page, onPage(), a.min, a.max, a.min_label, a.max_label, a.allow_skip]);
    if (s !== pageSig) {
      pageSig = s;
      buildPage(a);
    }
    refresh();
    resultsBox.hidden = !a.results;
    if (a.results) {
      if (!resultsBox.firstChild) resultsBox.append(h('h2', { class: 'results-head', text: t('p.results') }), h('div'));
      summary(resultsBox.lastChild, a, { limit: 5 });
    }
  }

  return {
    el: f.el,
    update(a, answer) {
      update(a, answer || null);
    },
  };
}

/** The row of values; `--steps` lets wide scales (0–10) wrap evenly on narrow phones. */
function stepsRow(steps, kids) {
  const row = h('div', { class: 'scale-row' }, kids);
  row.style.setProperty('--steps', String(steps));
  if (steps > 6) row.classList.add('wide');
  return row;
}

// ---------------------------------------------------------------------------------------------
// Results, shared by the phone, the host preview and the screen

/** Bars of means on the scale's own range (a mean of `min` is an empty bar). */
export function meanBars(container, rows, min, max) {
  let list = container.querySelector(':scope > ol.bars');
  if (!list) {
    list = h('ol', { class: 'bars mean-bars', role: 'list' });
    container.replaceChildren(list);
  }
  keyed(
    list,
    rows,
    (r) => r.key,
    () =>
      h(
        'li',
        { class: 'bar' },
        h('div', { class: 'bar-head' }, h('span', { class: 'bar-label' }), h('span', { class: 'bar-value' }, h('span', { class: 'st-change', 'aria-hidden': 'true' }), h('span', { class: 'bar-count', 'aria-hidden': 'true' })), h('span', { class: 'sr-only bar-sr' })),
        h('div', { class: 'bar-track', 'aria-hidden': 'true' }, h('div', { class: 'bar-then' }), h('div', { class: 'bar-fill' })),
      ),
    (li, r) => {
      const share = (m) => (m == null ? 0 : Math.max(0, Math.min(100, ((m - min) * 100) / Math.max(1, max - min))));
      setText(li.querySelector('.bar-label'), r.label);
      setText(li.querySelector('.bar-count'), dec(r.mean));
      const then = r.previous ? r.previous.mean : null;
      const d = r.previous ? meanChange(r.mean, then) : null;
      const change = li.querySelector('.st-change');
      change.className = `st-change ${changeClass(d)}`;
      setText(change, changeText(d));
      let sr = r.mean == null ? t('scales.no_ratings') : t('scales.mean_sr', { mean: dec(r.mean), n: r.count });
      if (then != null) sr += ` ${t('scales.was_sr', { mean: dec(then), round: r.previous.round })}`;
      setText(li.querySelector('.bar-sr'), sr);
      li.querySelector('.bar-fill').style.width = `${share(r.mean)}%`;
      // The earlier round's mean is a mark on the same track.
      const mark = li.querySelector('.bar-then');
      mark.hidden = then == null;
      mark.style.insetInlineStart = `${share(then)}%`;
    },
  );
}

/** One statement in a results list: text, mean (or spread) and distribution. */
function statementItem() {
  const li = h('li', { class: 'st-item' });
  li._text = h('span', { class: 'st-text' });
  li._value = h('span', { class: 'st-value' });
  li._change = h('span', { class: 'st-change', hidden: true });
  li._dist = h('span');
  li.append(li._text, h('span', { class: 'st-meta' }, li._value, li._change, li._dist));
  return li;
}

function fillStatement(li, s, r, a, mode) {
  setText(li._text, s.text);
  const mean = dec(r?.mean);
  setText(
    li._value,
    mode === 'spread' ? t('scales.spread_value', { spread: dec(r?.spread), mean }) : t('scales.mean_value', { mean }),
  );
  // Beside the round before: how far the mean moved, and from where.
  const previous = a.results?.previous;
  const then = previous ? previousById(a).get(s.id) : null;
  const d = then ? meanChange(r?.mean, then.mean) : null;
  li._change.hidden = d == null;
  li._change.className = `st-change ${changeClass(d)}`;
  if (d != null) setText(li._change, t('scales.change_since', { change: changeText(d), mean: dec(then.mean), round: previous.round }));
  distribution(li._dist, r?.distribution || [], a.min);
}

/** A statement that moved: its text, then → now, and the change. */
function moverItem() {
  const li = h('li', { class: 'st-item st-mover' });
  li._text = h('span', { class: 'st-text' });
  li._value = h('span', { class: 'st-value' });
  li._change = h('span', { class: 'st-change' });
  li.append(li._text, h('span', { class: 'st-meta' }, li._value, li._change));
  return li;
}

function fillMover(li, s, now, then) {
  setText(li._text, s.text);
  setText(li._value, t('scales.then_now', { then: dec(then?.mean), now: dec(now?.mean) }));
  const d = meanChange(now?.mean, then?.mean);
  li._change.className = `st-change ${changeClass(d)}`;
  setText(li._change, changeText(d));
}

/** The biggest movers since the earlier round. */
function fillMovers(list, a, limit) {
  const statements = byId(a);
  const now = resultsById(a);
  const then = previousById(a);
  const items = (a.results?.previous?.movers || []).slice(0, limit).map((sid) => statements.get(sid)).filter(Boolean);
  keyed(list, items, (s) => s.id, moverItem, (li, s) => fillMover(li, s, now.get(s.id), then.get(s.id)));
  return items.length;
}

/** Theme rows for `meanBars`, each with its mean in the earlier round when there was one. */
function themeRows(a) {
  const previous = a.results?.previous;
  const before = new Map((previous?.themes || []).map((th) => [th.theme, th]));
  return (a.results?.themes || []).map((th) => ({
    key: th.theme,
    label: th.theme,
    mean: th.mean,
    count: th.count,
    previous: before.has(th.theme) ? { mean: before.get(th.theme).mean, round: previous.round } : null,
  }));
}

/** The three lists and the theme means. `limit` caps each list; `columns` lays them side by side. */
export function summary(container, a, opts = {}) {
  const res = a.results;
  if (!container._lists) {
    container.className = `scale-summary${opts.columns ? ' columns' : ''}`;
    const box = (key, title, hint) => {
      const list = h('ol', { class: 'st-list', role: 'list' });
      const empty = h('p', { class: 'muted', text: t('scales.none_yet') });
      const el = h('section', { class: `st-box st-${key}` }, h('h3', { text: title }), hint ? h('p', { class: 'hint', text: hint }) : null, list, empty);
      return { el, list, empty };
    };
    container._lists = {
      strengths: box('strengths', t('scales.strengths')),
      weaknesses: box('weaknesses', t('scales.weaknesses')),
      talk: box('talk', t('scales.talk_about'), opts.hints ? t('scales.talk_about_hint') : null),
    };
    container._lists.movers = box('movers', '');
    container._themesHead = h('h3', { text: t('scales.themes') });
    container._themes = h('div');
    container._themesBox = h('section', { class: 'st-box st-themes' }, container._themesHead, container._themes);
    const kids = [container._lists.strengths.el, container._lists.weaknesses.el, container._lists.talk.el];
    // The screen gives the earlier round a page of its own; the console and phones list the
    // movers here.
    if (!opts.noMovers) kids.push(container._lists.movers.el);
    container.replaceChildren(...kids, container._themesBox);
  }
  const statements = byId(a);
  const results = resultsById(a);
  const limit = opts.limit ?? 50;
  const fill = (box, ids, mode) => {
    const items = ids.slice(0, limit).map((sid) => statements.get(sid)).filter(Boolean);
    box.empty.hidden = items.length > 0;
    keyed(box.list, items, (s) => s.id, statementItem, (li, s) => fillStatement(li, s, results.get(s.id), a, mode));
  };
  fill(container._lists.strengths, res.strengths, 'mean');
  fill(container._lists.weaknesses, res.weaknesses, 'mean');
  fill(container._lists.talk, res.talk_about, 'spread');
  const movers = container._lists.movers;
  movers.el.hidden = !res.previous;
  if (res.previous) {
    setText(movers.el.querySelector('h3'), t('scales.movers', { round: res.previous.round }));
    movers.empty.hidden = fillMovers(movers.list, a, limit) > 0;
    setText(movers.empty, t('scales.no_movers'));
  }
  const themes = res.themes || [];
  container._themesBox.hidden = !themes.length;
  meanBars(container._themes, themeRows(a), a.min, a.max);
}

/** The screen's page for the earlier round: theme means then and now, and what moved most. */
function comparePage(box, a) {
  const previous = a.results.previous;
  if (!box._parts) {
    const head = h('h3');
    const themes = h('div');
    const key = h('p', { class: 'st-then-key' }, h('span', { class: 'then-swatch', 'aria-hidden': 'true' }), h('span'));
    const themesBox = h('section', { class: 'st-box st-themes' }, head, key, themes);
    const moversHead = h('h3');
    const movers = h('ol', { class: 'st-list', role: 'list' });
    const none = h('p', { class: 'muted' });
    const moversBox = h('section', { class: 'st-box st-movers' }, moversHead, movers, none);
    const lede = h('p', { class: 'st-compare-lede' });
    box._parts = { head, key, themes, themesBox, moversHead, movers, none, lede };
    box.className = 'st-compare';
    box.replaceChildren(lede, h('div', { class: 'scale-summary columns' }, themesBox, moversBox));
  }
  const p = box._parts;
  setText(p.lede, t('scales.compare_lede', { round: previous.round, now: a.round || 1, then: previous.responses, n: a.responses }));
  setText(p.head, t('scales.themes'));
  setText(p.key.lastChild, t('scales.then_key', { round: previous.round }));
  p.themesBox.hidden = !(a.results.themes || []).length;
  meanBars(p.themes, themeRows(a), a.min, a.max);
  setText(p.moversHead, t('scales.movers', { round: previous.round }));
  p.none.hidden = fillMovers(p.movers, a, Math.min(6, a.highlight)) > 0;
  setText(p.none, t('scales.no_movers'));
}

/** Every statement in order, with mean, spread, count and distribution (themes as headings). */
export function detailRows(list, a, statements) {
  const results = resultsById(a);
  const rows = [];
  let theme = null;
  for (const s of statements) {
    if (s.theme && s.theme !== theme) rows.push({ key: `t:${s.theme}:${s.id}`, theme: s.theme });
    theme = s.theme || theme;
    rows.push({ key: `s${s.id}`, s, r: results.get(s.id) });
  }
  keyed(
    list,
    rows,
    (row) => row.key,
    (row) => {
      if (row.theme) return h('li', { class: 'st-theme', text: row.theme });
      const li = statementItem();
      li._count = h('span', { class: 'st-count' });
      li.querySelector('.st-meta').append(li._count);
      return li;
    },
    (li, row) => {
      if (row.theme) return;
      fillStatement(li, row.s, row.r, a, 'both');
      setText(
        li._value,
        t('scales.mean_spread', { mean: dec(row.r?.mean), spread: dec(row.r?.spread) }),
      );
      setText(li._count, t('scales.ratings', { n: row.r?.count || 0, skips: row.r?.skips || 0 }));
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Screen

const SCREEN_ROWS = 6;

/** The projected screen: counts while hidden; then a summary page and pages of every statement. */
export function present(first, ctx) {
  const el = h('div', { class: 'scales-screen' });
  let mode = '';
  let page = 0;
  let focus = null; // a statement shown alone, from the console (`set_screen`)
  let driven = null; // the console's last page/statement, applied once each
  let last = first;
  const pageCount = () => screenPages(last).length;
  const turn = (delta) => {
    if (!last.results) return;
    focus = null;
    page = Math.max(0, Math.min(pageCount() - 1, page + delta));
    render(last);
    ctx?.refit?.();
  };
  const onKey = (e) => {
    if (!el.isConnected) return document.removeEventListener('keydown', onKey);
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'ArrowRight' || e.key === 'PageDown' || e.key === ' ') turn(1);
    else if (e.key === 'ArrowLeft' || e.key === 'PageUp') turn(-1);
    else return;
    e.preventDefault();
  };
  document.addEventListener('keydown', onKey);
  const prevBtn = h('button', { type: 'button', class: 'corner-btn', text: '‹', 'aria-label': t('scales.screen_prev'), onclick: () => turn(-1) });
  const nextBtn = h('button', { type: 'button', class: 'corner-btn', text: '›', 'aria-label': t('scales.screen_next'), onclick: () => turn(1) });
  const pagerText = h('span');
  const pager = h('p', { class: 'screen-pager' }, prevBtn, pagerText, nextBtn);

  function render(a) {
    last = a;
    const zoomed = focus != null ? a.statements.find((s) => s.id === focus) : null;
    const pages = screenPages(a);
    const at = pages[Math.min(page, pages.length - 1)];
    const want = a.results ? (zoomed ? 'focus' : at.kind) : 'waiting';
    if (want !== mode) {
      mode = want;
      el.replaceChildren();
      el.dataset.mode = want;
    }
    if (want === 'waiting') {
      page = 0;
      put(
        el,
        h(
          'div',
          { class: 'waiting-box' },
          // Before the first rating, the footer's "Nobody has rated yet" says it: no "0 people".
          a.responses ? h('p', { class: 'waiting-n', text: num(a.responses) }) : null,
          h('p', {
            class: 'waiting-label',
            text: a.responses
              ? t('scales.screen_rating', { n: a.responses, total: a.statements.length })
              : t('scales.screen_to_rate', { n: a.statements.length }),
          }),
          h('p', { class: 'hidden-note', text: t('present.results_hidden') }),
        ),
      );
      return;
    }
    page = Math.min(page, pageCount() - 1);
    if (want === 'focus') {
      // One statement, large: the team talks about it.
      if (!el._focus) el._focus = h('ol', { class: 'st-detail st-focus', role: 'list' });
      if (el._focus.parentNode !== el) el.replaceChildren(el._focus);
      detailRows(el._focus, a, [zoomed]);
      return;
    }
    if (want === 'summary') {
      if (!el._summary) el._summary = h('div');
      if (el._summary.parentNode !== el) el.replaceChildren(el._summary, pager);
      summary(el._summary, a, { limit: Math.min(5, a.highlight), columns: true, noMovers: true });
    } else if (want === 'compare') {
      if (!el._compare) el._compare = h('div');
      if (el._compare.parentNode !== el) el.replaceChildren(el._compare, pager);
      comparePage(el._compare, a);
    } else {
      if (!el._detail) el._detail = h('ol', { class: 'st-detail', role: 'list' });
      if (el._detail.parentNode !== el) el.replaceChildren(el._detail, pager);
      detailRows(el._detail, a, a.statements.slice(at.from, at.to));
    }
    setText(
      pagerText,
      want === 'summary'
        ? t('scales.screen_summary', { n: pageCount() })
        : want === 'compare'
          ? t('scales.screen_compare', { round: at.round })
          : t('scales.screen_page', { from: at.from + 1, to: at.to, total: a.statements.length }),
    );
    prevBtn.disabled = page === 0;
    nextBtn.disabled = page >= pageCount() - 1;
  }

  return {
    el,
    update(a, room) {
      // The console drives the page and the statement; the screen's own keys turn pages until
      // it next does.
      const drive = room?.screen || {};
      const key = `${drive.page || 0}|${drive.focus ?? ''}`;
      if (key !== driven) {
        driven = key;
        page = drive.page || 0;
        focus = drive.focus ?? null;
      }
      render(a);
      return [
        t('scales.screen_people', { n: a.responses }),
        t('scales.screen_statements', { n: a.statements.length }),
      ];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Host

/** The host's preview: the summary, then every statement (sortable) in a scrolling box. */
export function preview(box, a) {
  if (!box._scales) {
    const sort = h(
      'select',
      { id: `st-sort-${a.id}`, 'data-key': 'st-sort' },
      h('option', { value: 'order', text: t('scales.sort_order') }),
      h('option', { value: 'mean_desc', text: t('scales.sort_high') }),
      h('option', { value: 'mean_asc', text: t('scales.sort_low') }),
      h('option', { value: 'spread', text: t('scales.sort_spread') }),
      h('option', { value: 'change', text: t('scales.sort_change') }),
    );
    const detail = h('ol', { class: 'st-detail', role: 'list' });
    box._scales = { summary: h('div'), sort, detail };
    sort.addEventListener('change', () => preview(box, box._last));
    box.replaceChildren(
      box._scales.summary,
      h('h4', { class: 'st-all-head', text: t('scales.all_statements') }),
      h('div', { class: 'field inline-field' }, h('label', { for: sort.id, text: t('scales.sort_label') }), sort),
      h('div', { class: 'scroll-box', tabindex: 0, role: 'region', 'aria-label': t('scales.all_statements') }, detail),
    );
  }
  box._last = a;
  const res = a.results || { statements: [], strengths: [], weaknesses: [], talk_about: [], themes: [] };
  summary(box._scales.summary, { ...a, results: res }, { hints: true });
  const results = resultsById({ results: res });
  const before = previousById({ results: res });
  const changeOption = box._scales.sort.querySelector('option[value="change"]');
  changeOption.hidden = changeOption.disabled = !res.previous;
  if (!res.previous && box._scales.sort.value === 'change') box._scales.sort.value = 'order';
  const order = box._scales.sort.value;
  let statements = a.statements;
  if (order !== 'order') {
    const key = (s) => {
      const r = results.get(s.id);
      if (order === 'spread') return r?.count >= 2 ? -(r.spread ?? 0) : Infinity;
      if (order === 'change') {
        const d = meanChange(r?.mean, before.get(s.id)?.mean);
        return d == null ? Infinity : -Math.abs(d);
      }
      if (r?.mean == null) return Infinity;
      return order === 'mean_desc' ? -r.mean : r.mean;
    };
    statements = [...statements].map((s) => ({ ...s, theme: undefined })).sort((x, y) => key(x) - key(y));
  }
  detailRows(box._scales.detail, { ...a, results: res }, statements);
}

/** Host summary line. */
export function stats(a) {
  return t('scales.host_stats', { n: a.responses, total: a.statements.length });
}

// --- Editor ------------------------------------------------------------------------------------

/** Splits CSV text (quoted fields, "" escapes, newlines in quotes); the delimiter is guessed. */
export function parseCsv(text) {
  text = String(text || '').replace(/^\uFEFF/, '');
  const firstLine = text.split(/\r?\n/, 1)[0] || '';
  const count = (c) => firstLine.split(c).length - 1;
  const delim = [',', ';', '\t'].reduce((best, c) => (count(c) > count(best) ? c : best), ',');
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && !field.trim()) {
      quoted = true;
      wasQuoted = true;
      field = '';
    } else if (c === delim) {
      row.push(field);
      field = '';
      wasQuoted = false;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      wasQuoted = false;
    } else if (!(wasQuoted && !quoted && /\s/.test(c))) field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((cell) => cell.trim()));
}

const HEAD_TEXT = ['statement', 'statements', 'text', 'outcome', 'item', 'question'];
const HEAD_THEME = ['theme', 'themes', 'category', 'section', 'group', 'area'];

/** Statements ({text, theme}) from pasted text: one per line, or CSV with an optional theme. */
export function parseStatements(text, format) {
  if (format !== 'csv') {
    return String(text || '')
      .split(/\r?\n/)
      .map((line) => line.trim().replace(/\s+/g, ' '))
      .filter(Boolean)
      .map((line) => ({ text: line }));
  }
  const rows = parseCsv(text);
  let textCol = 0;
  let themeCol = 1;
  if (rows.length) {
    const head = rows[0].map((c) => c.trim().toLowerCase());
    const ti = head.findIndex((c) => HEAD_TEXT.includes(c));
    if (ti >= 0) {
      textCol = ti;
      const th = head.findIndex((c) => HEAD_THEME.includes(c));
      themeCol = th >= 0 ? th : ti === 0 ? 1 : -1;
      rows.shift();
    }
  }
  return rows
    .map((r) => ({
      text: (r[textCol] || '').trim().replace(/\s+/g, ' '),
      theme: themeCol >= 0 ? (r[themeCol] || '').trim().replace(/\s+/g, ' ') || undefined : undefined,
    }))
    .filter((s) => s.text);
}

const csvField = (s) => (/[",\n\r]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function editor(spec, kit) {
  const prompt = kit.area('f-prompt', t('scales.f_prompt'), spec?.prompt, MAX_PROMPT_CHARS, { optional: true, hint: t('scales.f_prompt_hint') });
  const hasThemes = (spec?.statements || []).some((s) => s.theme);
  const format = kit.radios('f-format', t('scales.f_format'), [
    ['lines', t('scales.f_format_lines')],
    ['csv', t('scales.f_format_csv')],
  ], hasThemes ? 'csv' : 'lines');
  const initial = (spec?.statements || [])
    .map((s) => (hasThemes ? `${csvField(s.text)},${csvField(s.theme || '')}` : s.text))
    .join('\n');
  const list = kit.area('f-statements', t('scales.f_statements'), initial, 200_000, { rows: 10, hint: t('scales.f_statements_hint') });
  const count = h('p', { class: 'hint', id: 'f-statements-count', 'aria-live': 'polite' });
  list.setAttribute('aria-describedby', `${list.getAttribute('aria-describedby')} f-statements-count`);
  list.closest('.field').append(count);
  const file = h('input', { id: 'f-csv-file', type: 'file', accept: '.csv,.txt,text/csv,text/plain' });
  kit.fields.push(h('div', { class: 'field' }, h('label', { for: 'f-csv-file', text: t('scales.f_file') }), file, h('p', { class: 'hint', text: t('scales.f_file_hint') })));
  const recount = () => {
    const parsed = parseStatements(list.value, format.value());
    const themes = new Set(parsed.map((s) => s.theme).filter(Boolean));
    count.textContent = themes.size ? t('scales.f_count_themes', { n: parsed.length, themes: themes.size }) : t('scales.f_count', { n: parsed.length });
  };
  list.addEventListener('input', recount);
  format.onChange(recount);
  file.addEventListener('change', async () => {
    const picked = file.files?.[0];
    if (!picked) return;
    list.value = await picked.text();
    format.set('csv');
    recount();
    list.focus();
  });
  recount();
  const min = kit.number('f-min', t('scales.f_min'), spec?.min ?? 1, 0, 9, t('scales.f_min_hint'));
  const max = kit.number('f-max-value', t('scales.f_max'), spec?.max ?? 5, 1, 10, t('scales.f_max_hint'));
  const minLabel = kit.text('f-min-label', t('scales.f_min_label'), spec?.min_label ?? '', MAX_LABEL_CHARS, { optional: true, placeholder: t('scales.f_min_label_example') });
  const maxLabel = kit.text('f-max-label', t('scales.f_max_label'), spec?.max_label ?? '', MAX_LABEL_CHARS, { optional: true, placeholder: t('scales.f_max_label_example') });
  const skip = kit.check('f-skip', t('scales.f_allow_skip'), spec ? spec.allow_skip !== false : true);
  const highlight = kit.number('f-highlight', t('scales.f_highlight'), spec?.highlight ?? 5, 1, 50, t('scales.f_highlight_hint'));
  if (spec) kit.fields.push(h('p', { class: 'hint', text: t('scales.f_edit_hint') }));

  return () => {
    const statements = parseStatements(list.value, format.value());
    if (!statements.length) kit.error('f-statements', t('scales.v_no_statements'));
    else if (statements.length > MAX_STATEMENTS) kit.error('f-statements', t('scales.v_too_many', { n: statements.length }));
    else {
      const long = statements.findIndex((s) => [...s.text].length > MAX_STATEMENT_CHARS);
      const longTheme = statements.findIndex((s) => s.theme && [...s.theme].length > MAX_THEME_CHARS);
      if (long >= 0) kit.error('f-statements', t('scales.v_long_statement', { n: long + 1 }));
      else if (longTheme >= 0) kit.error('f-statements', t('scales.v_long_theme', { n: longTheme + 1 }));
    }
    const lo = kit.range(min, 'f-min', 0, 9);
    const hi = kit.range(max, 'f-max-value', Number.isInteger(lo) ? Math.min(10, lo + 1) : 1, 10);
    kit.range(highlight, 'f-highlight', 1, 50);
    // Keep the ratings of statements that are still there, word for word.
    const old = new Map();
    for (const s of spec?.statements || []) if (s.id != null && !old.has(s.text)) old.set(s.text, s.id);
    const out = {
      kind: 'scales',
      prompt: prompt.value.trim(),
      statements: statements.map((s) => {
        const keep = old.get(s.text);
        if (keep != null) old.delete(s.text);
        const item = { text: s.text };
        if (keep != null) item.id = keep;
        if (s.theme) item.theme = s.theme;
        return item;
      }),
      min: lo,
      max: hi,
      allow_skip: skip.checked,
      highlight: Number(highlight.value),
    };
    if (minLabel.value.trim()) out.min_label = minLabel.value.trim();
    if (maxLabel.value.trim()) out.max_label = maxLabel.value.trim();
    return out;
  };
}
