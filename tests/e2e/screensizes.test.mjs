// The projected screen read from the back row: on every kind's presenter view at 1920×1080,
// result labels and figures are at least 32 px, secondary text at least 24 px, and nothing is
// under 20 px. (Number, grid and pin are measured in their own tests.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, shot, fontSizes } from './harness.mjs';

const FULL_HD = { viewport: { width: 1920, height: 1080 } };

// Each kind: its spec, what four people answer, what the host does next, and the selectors of its
// result labels and figures (at least 32 px) and of its secondary text (at least 24 px).
const KINDS = [
  {
    spec: { kind: 'poll', question: 'Which topic first?', options: ['Repairs', 'Damp and mould', 'Rent', 'Parking'] },
    answer: (id, i) => ({ type: 'vote', activity: id, options: [i % 3] }),
    big: '.bar-label, .bar-count',
    secondary: '.bar-pct, .act-foot',
  },
  {
    spec: { kind: 'ideas', prompt: 'What should we work on?', dots: 2 },
    answer: (id, i) => ({ type: 'submit_idea', activity: id, text: ['Lifts that work', 'Faster repairs', 'A community garden', 'Better lighting'][i] }),
    big: '.bar-label, .bar-count',
    secondary: '.act-foot',
  },
  {
    spec: { kind: 'wordcloud', prompt: 'One word for today?' },
    answer: (id, i) => ({ type: 'submit_words', activity: id, words: [['hope', 'repairs'], ['hope'], ['damp'], ['community']][i] }),
    big: '.cloud-word, .word',
    secondary: '.act-foot',
  },
  {
    spec: { kind: 'scales', prompt: 'How well do we do this?', statements: [{ text: 'We involve tenants in setting repair priorities', theme: 'Repairs' }, { text: 'We report back on complaints', theme: 'Complaints' }], min: 1, max: 5, min_label: 'Not at all', max_label: 'Fully' },
    answer: (id, i) => ({ type: 'rate', activity: id, ratings: [{ statement: 0, value: 2 + (i % 3) }, { statement: 1, value: 5 - (i % 2) }] }),
    after: (id) => ({ type: 'set_results', activity: id, shown: true }),
    pages: 2, // the summary, then the statements page by page
    big: '.st-text, .st-value, .bar-label, .bar-count',
    secondary: '.st-meta, .st-dist, .act-foot',
  },
  {
    spec: { kind: 'qna', prompt: 'Questions for the councillor', allow_anonymous: true },
    answer: (id, i) => ({ type: 'ask', activity: id, text: ['When will the damp survey reach us?', 'Who fixes the lifts?', 'Can we have more bins?', 'Is rent going up?'][i], anonymous: i % 2 === 0 }),
    big: '.qna-text, .qna-votes',
    secondary: '.qna-meta, .act-foot',
  },
  {
    spec: { kind: 'ranking', question: 'Order these priorities', options: ['Repairs', 'Communication', 'Safety'] },
    answer: (id, i) => ({ type: 'rank', activity: id, order: [[0, 1, 2], [1, 0, 2], [0, 2, 1], [2, 0, 1]][i] }),
    big: '.bar-label, .bar-count, .rank-n',
    secondary: '.bar-pct, .act-foot',
  },
  {
    spec: { kind: 'points', question: 'Split 100 points', options: ['Repairs', 'Green spaces', 'Events'], total: 100 },
    answer: (id, i) => ({ type: 'allocate', activity: id, points: [{ option: 0, points: 50 + i * 5 }, { option: 1, points: 30 }, { option: 2, points: 20 - i * 5 }] }),
    big: '.bar-label, .bar-count',
    secondary: '.bar-pct, .act-foot',
  },
  {
    spec: { kind: 'quiz', question: 'Which of these are Welsh councils?', options: ['Cardiff', 'Leeds', 'Swansea'], correct: [0, 2], time_limit_secs: 60, points: 1000 },
    start: (id) => ({ type: 'start_quiz', activity: id }),
    answer: (id, i) => ({ type: 'quiz_answer', activity: id, options: [[0, 2], [0], [1], [0, 2]][i] }),
    after: (id) => ({ type: 'set_results', activity: id, shown: true }),
    big: '.bar-label, .bar-count',
    secondary: '.bar-pct, .act-foot',
  },
  {
    spec: { kind: 'leaderboard', title: 'Who knows their council?' },
    big: '.lb-name, .lb-score, .lb-rank',
    secondary: '.act-foot',
  },
  {
    spec: { kind: 'info', title: 'Nine-minute networking', body: 'Introduce yourself, then talk about:', points: ['One thing that went well this month', 'One thing you are stuck on'] },
    big: '.info-points li',
    secondary: '.info-body',
  },
  {
    spec: { kind: 'timer', title: 'Networking round', duration_secs: 540 },
    start: (id) => ({ type: 'timer', activity: id, action: 'start' }),
    big: '.timer-digits',
    secondary: '.timer-state, .act-foot',
  },
];

test('every kind on the 1920×1080 screen: results ≥ 32 px, secondary ≥ 24 px, nothing under 20 px', { timeout: 150_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Back-row check');
  const driver = await w.hostDriver(room);
  const ids = [];
  for (const k of KINDS) ids.push((await driver.send({ type: 'add_activity', spec: k.spec })).id);
  const answer = await w.participantSockets(room, 4);
  const screen = await w.page(FULL_HD);
  await screen.goto(`${w.base}/present/${room.code}`);
  const report = [];
  for (const [n, k] of KINDS.entries()) {
    const id = ids[n];
    await driver.send({ type: 'navigate', to: { activity: id } });
    if (k.start) await driver.send(k.start(id));
    if (k.answer) for (let i = 0; i < 4; i++) await answer(i, k.answer(id, i));
    if (k.after) await driver.send(k.after(id));
    if (k.spec.kind === 'ideas') await driver.send({ type: 'set_ideas_phase', activity: id, phase: 'vote' });
    await screen.locator(`.act[data-kind="${k.spec.kind}"], .act`).first().waitFor();
    await screen.waitForTimeout(2500); // a tick: the frame with every answer
    for (let page = 1; page <= (k.pages || 1); page++) {
      if (page > 1) {
        await screen.keyboard.press('ArrowRight');
        await screen.waitForTimeout(400);
      }
      const sizes = await fontSizes(screen, '.act', k.big);
      const secondary = await fontSizes(screen, '.act', k.secondary);
      const small = await screen.evaluate(
        (limit) =>
          [...document.querySelectorAll('.act *')]
            .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden' && !el.closest('.sr-only') && [...el.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim()))
            .map((el) => [`${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`, Math.round(parseFloat(getComputedStyle(el).fontSize))])
            .filter(([, size]) => size < limit),
        24,
      );
      const kind = page > 1 ? `${k.spec.kind} (page ${page})` : k.spec.kind;
      report.push({ kind, ...sizes, secondary: secondary.smallestBig, small });
      await shot(screen, `s${String(n).padStart(2, '0')}-present-${k.spec.kind}${page > 1 ? `-p${page}` : ''}`, { fullPage: false });
    }
  }
  t.diagnostic(JSON.stringify(report));
  for (const r of report) {
    assert.ok(r.bigs >= 1, `${r.kind}: its result labels are on screen`);
    assert.ok(r.smallestBig >= 32, `${r.kind}: result labels and figures at least 32 px (${r.smallestBig})`);
    assert.ok(!(r.secondary < 24), `${r.kind}: secondary text at least 24 px (${r.secondary})`);
    assert.ok(r.smallest >= 20, `${r.kind}: nothing under 20 px (${r.smallest}: ${JSON.stringify(r.small)})`);
  }
  w.assertClean();
});
