// The session report: every activity's results as tables and bars, and the facilitator's
// "you said, we did" notes. Public once published; with the host key (in the URL fragment) the
// facilitator also writes notes and publishes. Print from the browser for a clean PDF.

import { initI18n, t, num, dateTime, translatePage } from './i18n.js';
import { h, $, put, api, codeFromPath, copyText, listSessions } from './util.js';
import { Conn } from './conn.js';
import { MAX_NOTE_CHARS } from './kinds/limits.js';
import { report as pinReport } from './kinds/pin.js';
import { board, showMeans, quadrantName } from './kinds/grid.js';
import { meanChange, changeText } from './kinds/scales.js';

const code = codeFromPath();
/** The host key: from the URL fragment, or from the sessions this browser hosts. */
function hostKey() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('key');
  if (fromHash) return fromHash;
  const hosted = listSessions().find((s) => s.code === code)?.host_url || '';
  return new URLSearchParams(hosted.split('#')[1] || '').get('key');
}
const key = hostKey();
let conn = null;
let data = null;

const pct = (n, total) => (total > 0 ? Math.round((n * 100) / total) : 0);
const bar = (n, max) => h('span', { class: 'bar', style: { width: `${max > 0 ? Math.max(1, (n * 100) / max) : 0}%` }, 'aria-hidden': 'true' });
const mean = (m) => (m == null ? '–' : m.toFixed(2));

function table(headers, rows, numeric = []) {
  return h(
    'table',
    null,
    h('thead', null, h('tr', null, headers.map((x, i) => h('th', { scope: 'col', class: numeric.includes(i) ? 'num' : null, text: x })))),
    h('tbody', null, rows.map((row) => h('tr', null, row.map((cell, i) => (cell instanceof Node ? h('td', { class: numeric.includes(i) ? 'num' : null }, cell) : h('td', { class: numeric.includes(i) ? 'num' : null, text: String(cell) })))))),
  );
}

/** Items of an activity a note can be about: id → label, in results order. */
function noteItems(view) {
  const r = view.results;
  switch (view.kind) {
    case 'poll':
      return view.options.map((o) => [o.id, o.text]);
    case 'ideas':
      return (view.ideas || []).filter((i) => !i.hidden && i.merged_into == null).slice(0, 5).map((i) => [i.id, i.text]);
    case 'qna':
      return (view.questions || []).filter((q) => !q.status || q.status === 'visible').slice(0, 5).map((q) => [q.id, q.text]);
    case 'scales': {
      // The lowest rated are the to-do list; a statement keeps its note (and its tick) after
      // it stops being one of them: that is what "we did" looks like.
      if (!r) return [];
      const text = new Map(view.statements.map((s) => [s.id, s.text]));
      const noted = data.report.report.notes.filter((n) => n.activity === view.id && n.item != null && text.has(n.item)).map((n) => n.item);
      return [...new Set([...r.weaknesses, ...noted])].map((id) => [id, text.get(id)]);
    }
    case 'ranking':
    case 'points':
      return view.options.map((o) => [o.id, o.text]);
    case 'grid':
      return view.items.map((o) => [o.id, o.text]);
    default:
      return [];
  }
}

function heading(view) {
  return view.question || view.prompt || view.title || t(`report.kind.${view.kind}`);
}

function renderResults(view) {
  const r = view.results;
  switch (view.kind) {
    case 'poll': {
      if (!r) return h('p', { class: 'empty', text: t('report.no_answers') });
      const max = Math.max(0, ...r.counts);
      return table(
        [t('report.option'), t('report.votes'), '%', ''],
        view.options.map((o, i) => [
          h('span', { class: r.correct?.includes(o.id) ? 'correct' : null, text: r.correct?.includes(o.id) ? `${o.text} ✓` : o.text }),
          num(r.counts[i]),
          `${pct(r.counts[i], r.voters)}%`,
          bar(r.counts[i], max),
        ]),
        [1, 2],
      );
    }
    case 'ideas': {
      const ideas = (view.ideas || []).filter((i) => !i.hidden && i.merged_into == null);
      if (!ideas.length) return h('p', { class: 'empty', text: t('report.no_answers') });
      const sorted = [...ideas].sort((a, b) => (b.votes || 0) - (a.votes || 0) || a.id - b.id);
      const max = Math.max(0, ...sorted.map((i) => i.votes || 0));
      return table([t('report.idea'), t('report.votes'), ''], sorted.map((i) => [i.text, num(i.votes || 0), bar(i.votes || 0, max)]), [1]);
    }
    case 'wordcloud':
      if (!view.words?.length) return h('p', { class: 'empty', text: t('report.no_answers') });
      return table([t('report.word'), t('report.count')], view.words.slice(0, 30).map((w) => [w.text, num(w.count)]), [1]);
    case 'scales': {
      if (!r) return h('p', { class: 'empty', text: t('report.no_answers') });
      const text = new Map(view.statements.map((s) => [s.id, s.text]));
      const themeOf = new Map(view.statements.map((s) => [s.id, s.theme]));
      const list = (title, ids) => h('div', null, h('h3', { text: title }), ids.length ? h('ol', null, ids.map((id) => h('li', { text: text.get(id) }))) : h('p', { class: 'empty', text: '–' }));
      // Beside the round before (when there is one): its mean and the change, per theme and
      // per statement, and the statements that moved most.
      const prev = r.previous;
      const then = new Map((prev?.statements || []).map((p) => [p.id, p]));
      const thenTheme = new Map((prev?.themes || []).map((p) => [p.theme, p]));
      const changeCell = (now, before) => {
        const d = meanChange(now, before);
        return d == null ? '' : h('span', { class: `change ${d > 0 ? 'up' : d < 0 ? 'down' : ''}`, text: changeText(d) });
      };
      const themed = view.statements.some((s) => s.theme);
      const head = [t('report.statement'), ...(themed ? [t('report.theme')] : []), t('report.mean'), ...(prev ? [t('report.round_mean', { n: prev.round }), t('report.change')] : []), t('report.spread'), t('report.ratings')];
      const first = themed ? 2 : 1;
      const numeric = head.map((_, i) => i).filter((i) => i >= first);
      return h(
        'div',
        null,
        h('div', { class: 'lists' }, list(t('report.strengths'), r.strengths), list(t('report.weaknesses'), r.weaknesses), list(t('report.talk_about'), r.talk_about)),
        prev
          ? h(
              'div',
              { class: 'compare' },
              h('h3', { text: t('report.compared', { round: prev.round, now: view.round || 1 }) }),
              h('p', { class: 'meta', text: t('report.compared_people', { then: prev.responses, n: view.responses, round: prev.round }) }),
              prev.movers.length
                ? [
                    h('h4', { text: t('report.movers') }),
                    table(
                      [t('report.statement'), t('report.round_mean', { n: prev.round }), t('report.mean'), t('report.change')],
                      prev.movers.map((id) => {
                        const now = r.statements.find((x) => x.id === id);
                        return [text.get(id), mean(then.get(id)?.mean), mean(now?.mean), changeCell(now?.mean, then.get(id)?.mean)];
                      }),
                      [1, 2, 3],
                    ),
                  ]
                : h('p', { class: 'empty', text: t('report.no_movers') }),
            )
          : null,
        r.themes.length
          ? [
              h('h3', { text: t('report.themes') }),
              table(
                [t('report.theme'), t('report.mean'), ...(prev ? [t('report.round_mean', { n: prev.round }), t('report.change')] : []), t('report.ratings')],
                r.themes.map((th) => [th.theme, mean(th.mean), ...(prev ? [mean(thenTheme.get(th.theme)?.mean), changeCell(th.mean, thenTheme.get(th.theme)?.mean)] : []), num(th.count)]),
                prev ? [1, 2, 3, 4] : [1, 2],
              ),
            ]
          : null,
        h('h3', { text: t('report.statements') }),
        table(
          head,
          r.statements.map((s) => [
            text.get(s.id),
            ...(themed ? [themeOf.get(s.id) || ''] : []),
            mean(s.mean),
            ...(prev ? [mean(then.get(s.id)?.mean), changeCell(s.mean, then.get(s.id)?.mean)] : []),
            mean(s.spread),
            num(s.count),
          ]),
          numeric,
        ),
      );
    }
    case 'qna': {
      const qs = (view.questions || []).filter((q) => !q.status || q.status === 'visible');
      if (!qs.length) return h('p', { class: 'empty', text: t('report.no_answers') });
      return table([t('report.question'), t('report.votes'), t('report.answered')], qs.map((q) => [q.text, num(q.votes), q.answered ? '✓' : '']), [1]);
    }
    case 'ranking':
      if (!r) return h('p', { class: 'empty', text: t('report.no_answers') });
      return table(
        [t('report.rank'), t('report.option'), t('report.score'), t('report.average_position')],
        r.ranking.map((row, i) => [i + 1, view.options.find((o) => o.id === row.id)?.text ?? '', num(row.score), mean(row.average_position)]),
        [0, 2, 3],
      );
    case 'points': {
      if (!r) return h('p', { class: 'empty', text: t('report.no_answers') });
      const max = Math.max(0, ...r.totals);
      return table([t('report.option'), t('report.points'), t('report.average'), ''], view.options.map((o, i) => [o.text, num(r.totals[i]), mean(r.averages[i]), bar(r.totals[i], max)]), [1, 2]);
    }
    case 'quiz': {
      if (!r) return h('p', { class: 'empty', text: t('report.no_answers') });
      return h(
        'div',
        null,
        h('p', { text: t('report.quiz_share', { right: r.correct_answers, answered: r.answered, pct: pct(r.correct_answers, r.answered) }) }),
        table([t('report.option'), t('report.answers')], view.options.map((o, i) => [h('span', { class: r.correct.includes(o.id) ? 'correct' : null, text: r.correct.includes(o.id) ? `${o.text} ✓` : o.text }), num(r.counts[i])]), [1]),
      );
    }
    case 'number': {
      if (!r || !r.count) return h('p', { class: 'empty', text: t('report.no_answers') });
      const unit = (n) => (view.unit ? t('number.with_unit', { n, unit: view.unit }) : n);
      const fig = (x) => (x == null ? '–' : Number.isInteger(x) ? num(x) : num(Math.round(x * 10) / 10));
      const range = (b) => unit(b.from === b.to ? num(b.from) : t('number.range_sr', { from: num(b.from), to: num(b.to) }));
      const max = Math.max(0, ...r.buckets.map((b) => b.count));
      const inside = (b, v) => v != null && v >= b.from && v <= b.to;
      // The published report has no names; the facilitator's own copy may.
      const named = (r.closest || []).some((c) => c.name);
      return h(
        'div',
        null,
        h('p', { text: t('report.number_summary', { n: r.count, median: unit(fig(r.median)), mean: unit(fig(r.mean)) }) }),
        r.correct != null ? h('p', { class: 'correct', text: t('report.number_answer', { value: unit(num(r.correct)) }) }) : null,
        table(
          [t('report.range'), t('report.estimates'), ''],
          r.buckets.map((b) => [h('span', { class: inside(b, r.correct) ? 'correct' : null, text: inside(b, r.correct) ? `${range(b)} ✓` : range(b) }), num(b.count), b.count ? bar(b.count, max) : '']),
          [1],
        ),
        r.correct != null && r.closest?.length
          ? [
              h('h3', { text: t('report.closest') }),
              table(
                named ? [t('report.name'), t('report.estimate'), t('report.off')] : [t('report.estimate'), t('report.off')],
                r.closest.map((c) => (named ? [c.name ?? t('report.anonymous'), unit(num(c.value)), num(c.off)] : [unit(num(c.value)), num(c.off)])),
                named ? [1, 2] : [0, 1],
              ),
            ]
          : null,
      );
    }
    case 'pin':
      return pinReport(view, data.code);
    case 'grid': {
      if (!r || !r.voters) return h('p', { class: 'empty', text: t('report.no_answers') });
      // The board of means as the screen shows it, then the figures behind it.
      const b = board('gb-report');
      b.axes(view);
      showMeans(b, view);
      const one = (x) => num(Math.round(x * 10) / 10);
      const pair = (p) => (p ? `${one(p.x)}, ${one(p.y)}` : '–');
      return h(
        'div',
        null,
        h('figure', { class: 'grid-figure' }, b.el, h('figcaption', { class: 'meta', text: t('report.grid_caption') })),
        h('div', { class: 'grid-table' }, table(
          ['#', t('report.grid_item'), t('report.grid_where'), t('report.grid_placed'), t('report.grid_mean', { x: view.x.label, y: view.y.label }), t('report.grid_spread', { x: view.x.label, y: view.y.label })],
          view.items.map((o, i) => {
            const it = r.items[i] || { count: 0 };
            return [num(i + 1), o.text, it.count ? quadrantName(view, it.quadrant) || t('grid.on_line') : '–', num(it.count), pair(it.mean), pair(it.spread)];
          }),
          [0, 3, 4, 5],
        )),
      );
    }
    case 'leaderboard':
      if (!view.top?.length) return h('p', { class: 'empty', text: t('report.no_answers') });
      return table([t('report.rank'), t('report.name'), t('report.score')], view.top.map((e) => [e.rank, e.name ?? t('report.anonymous'), num(e.score)]), [0, 2]);
    case 'groups':
      return h('p', { text: t('report.groups_summary', { rounds: view.groups_round, groups: view.groups.length }) });
    case 'circle':
      return h(
        'div',
        null,
        view.challenge ? h('p', null, h('strong', { text: t('report.challenge') }), ' ', view.challenge) : null,
        view.ideas.length ? [h('h3', { text: t('report.circle_ideas') }), h('ol', null, view.ideas.map((i) => h('li', { text: i.text })))] : null,
        view.feedback.length ? [h('h3', { text: t('report.circle_feedback') }), h('ul', null, view.feedback.map((f) => h('li', { text: f })))] : null,
      );
    case 'info':
      return h('div', null, view.body ? h('p', { text: view.body }) : null, view.points?.length ? h('ul', null, view.points.map((p) => h('li', { text: p }))) : null);
    default:
      return null;
  }
}

function noteFor(activity, item) {
  return data.report.report.notes.find((n) => n.activity === activity && (n.item ?? null) === item);
}

/** What a note is about, by name: any item of the activity, not only those one may write about now. */
function itemLabel(view, item) {
  if (item == null) return t('report.overall');
  const all = view.kind === 'scales' ? view.statements.map((s) => [s.id, s.text]) : noteItems(view);
  return new Map(all).get(item) ?? t('report.item', { id: item });
}

function saidWeDid(id, view) {
  const items = new Map(noteItems(view));
  const notes = data.report.report.notes.filter((n) => n.activity === id);
  // A self-assessment's notes are its to-do list: what will be done about each of the lowest
  // rated statements, ticked off once done.
  const todo = view.kind === 'scales';
  const done = notes.filter((n) => n.done).length;
  const shown = notes.length
    ? h(
        'div',
        { class: 'said' },
        h('h3', { text: t('report.said_did') }),
        todo ? h('p', { class: 'meta', text: t('report.todo_progress', { done, n: notes.length }) }) : null,
        h(
          'dl',
          null,
          notes.map((n) => [
            h('dt', { text: itemLabel(view, n.item) }),
            h('dd', null, h('span', { class: `note-state ${n.done ? 'done' : 'planned'}`, text: n.done ? t('report.done') : t('report.planned') }), ' ', h('span', { class: 'note-text', text: n.text })),
          ]),
        ),
      )
    : null;
  if (!key) return shown;
  const editors = [[null, t('report.overall')], ...items].map(([item, label]) => {
    const note = noteFor(id, item);
    const area = h('textarea', { id: `note-${id}-${item}`, maxlength: MAX_NOTE_CHARS, value: note?.text ?? '' });
    const tick = h('input', { type: 'checkbox', id: `done-${id}-${item}`, checked: !!note?.done });
    const status = h('span', { class: 'status', role: 'status' });
    const button = h('button', { type: 'button', class: 'btn', 'data-note': `${id}-${item}`, text: t('common.save') });
    const save = async () => {
      if (tick.checked && !area.value.trim()) {
        status.textContent = t('report.done_needs_text');
        area.focus();
        return;
      }
      try {
        await conn.send({ type: 'set_report_note', activity: id, ...(item == null ? {} : { item }), text: area.value, done: tick.checked });
        // The page is drawn again with the saved note: the panel stays open and says so.
        justSaved = `${id}-${item}`;
        await load();
      } catch (err) {
        status.textContent = err.message || String(err);
      }
    };
    button.addEventListener('click', save);
    // Ticking a saved note off saves at once: that is the whole point of a to-do list.
    tick.addEventListener('change', () => {
      if (note && area.value === note.text) save();
    });
    if (justSaved === `${id}-${item}`) status.textContent = t('report.saved');
    return h(
      'div',
      { class: 'note-editor' },
      h('label', { for: area.id, text: t('report.note_for', { what: label }) }),
      area,
      h('div', { class: 'note-actions' }, h('span', { class: 'check' }, tick, h('label', { for: tick.id, text: t('report.mark_done') })), button, status),
    );
  });
  const panel = h('details', { class: 'editor-only', open: openNotes.has(id) }, h('summary', { text: t(todo ? 'report.write_todo' : 'report.write_notes') }), editors);
  panel.addEventListener('toggle', () => (panel.open ? openNotes.add(id) : openNotes.delete(id)));
  return h('div', null, shown, panel);
}

/** The activities whose note panels are open, so drawing the page again keeps them open. */
const openNotes = new Set();
/** The note just saved (`activity-item`): its panel says "Saved" and its button keeps the focus. */
let justSaved = null;

function render() {
  const report = data.report;
  put(
    $('#report'),
    h('h1', { text: report.title || t('report.untitled') }),
    h('p', { class: 'meta', text: t('report.meta', { date: dateTime(report.created_at), code: data.code }) }),
    report.activities
      .filter((a) => a.kind !== 'timer')
      .map((a) =>
        h(
          'section',
          { class: 'activity', 'aria-labelledby': `a-${a.id}` },
          h('p', { class: 'kind', text: t(`report.kind.${a.kind}`) }),
          h('h2', { id: `a-${a.id}`, text: heading(a.rounds[a.rounds.length - 1].results) }),
          a.rounds.map((round) => [
            a.rounds.length > 1 ? h('h3', { text: t(round.current ? 'report.round_current' : 'report.round', { n: round.round }) }) : null,
            h('p', { class: 'meta', text: t('report.responses', { n: round.results.responses }) }),
            renderResults(round.results),
          ]),
          picture(a),
          saidWeDid(a.id, a.rounds[a.rounds.length - 1].results),
        ),
      ),
  );
  document.title = `${report.title || t('report.untitled')} · handsup`;
}

/** Links to the activity's results as a picture: plain links once published (for newsletters),
 * else downloads with the host key. Not on paper. */
function picture(a) {
  if (['info', 'timer', 'groups', 'leaderboard'].includes(a.kind)) return null;
  const published = data.report.report.published;
  if (!published && !key) return null;
  const path = (ext) => `/api/rooms/${code}/activities/${a.id}/results.${ext}`;
  const link = (ext) =>
    published
      ? h('a', { href: path(ext), 'data-key': `picture-${ext}-${a.id}`, text: ext.toUpperCase() })
      : h('button', { type: 'button', class: 'btn small', 'data-key': `picture-${ext}-${a.id}`, text: ext.toUpperCase(), onclick: (e) => fetchPicture(path(ext), e.currentTarget) });
  return h(
    'p',
    { class: 'picture' },
    h('span', { text: t('report.picture') }),
    ' ',
    link('png'),
    ' · ',
    link('svg'),
    published ? null : h('span', { class: 'hint', text: ` ${t('report.picture_hint')}` }),
  );
}

async function fetchPicture(path, button) {
  button.disabled = true;
  try {
    const res = await fetch(path, { headers: { Authorization: `Bearer ${key}` }, cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: path.split('/').slice(-2).join('-'), hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (err) {
    button.after(h('span', { class: 'status', role: 'status', text: ` ${err.message}` }));
  } finally {
    button.disabled = false;
  }
}

function renderControls() {
  if (!key) return;
  const published = data.report.report.published;
  const link = `${location.origin}/report/${code}`;
  const toggle = h('button', {
    type: 'button',
    class: 'btn',
    text: published ? t('report.unpublish') : t('report.publish'),
    onclick: async () => {
      await conn.send({ type: 'publish_report', published: !published });
      await load();
    },
  });
  const controls = $('#controls');
  controls.hidden = false;
  put(
    controls,
    h('strong', { text: published ? t('report.is_public') : t('report.is_private') }),
    toggle,
    published ? h('span', { class: 'public-link' }, h('a', { href: link, text: link }), ' ', h('button', { type: 'button', class: 'btn', onclick: () => copyText(link), text: t('common.copy_link') })) : null,
    h('button', { type: 'button', class: 'btn', onclick: () => print(), text: t('report.print') }),
  );
}

async function load() {
  try {
    data = await api('GET', `/api/rooms/${code}/report.json`, null, key ? { Authorization: `Bearer ${key}` } : {});
  } catch (err) {
    put($('#report'), h('h1', { text: t('report.unavailable_title') }), h('p', { text: err.status === 403 ? t('report.private') : err.message }));
    return;
  }
  render();
  renderControls();
  if (justSaved) {
    document.querySelector(`button[data-note="${justSaved}"]`)?.focus();
    justSaved = null;
  }
}

async function main() {
  await initI18n({ console: true });
  translatePage();
  if (key) {
    conn = new Conn(code, { hello: () => ({ type: 'hello', role: 'host', host_key: key }), onMessage: () => {} }).start();
  }
  await load();
}

main();
