// 320 px at 200 % text, every kind a phone can show: words wrap at word boundaries (a word breaks
// only when it is longer than its line), nothing runs over its border, nothing scrolls sideways.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, shot, horizontalOverflow, midWordBreaks } from './harness.mjs';

const NARROW = { viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** Text that runs out of its box: an element whose content is wider than the element itself. */
function overrunning(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('main *')]
      .filter((el) => el.getClientRects().length && !el.closest('svg, .sr-only') && getComputedStyle(el).overflowX === 'visible')
      .filter((el) => el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${el.textContent.trim().slice(0, 40)}`),
  );
}

test('320 px and 200 % text: every kind wraps at word boundaries and stays inside its borders', { timeout: 150_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Community hall residents’ association annual meeting');
  const driver = await w.hostDriver(room);
  const kinds = [
    { kind: 'poll', question: 'How satisfied are you with the neighbourhood improvements?', options: ['Very dissatisfied', 'Dissatisfied', 'Neither satisfied nor dissatisfied', 'Satisfied', 'Very satisfied'] },
    { kind: 'scales', prompt: 'How well does the landlord communicate?', statements: [{ text: 'Communications about maintenance appointments are understandable', theme: 'Communication' }, { text: 'Residents’ complaints are acknowledged promptly', theme: 'Complaints' }], min: 1, max: 5, min_label: 'Very dissatisfied', max_label: 'Very satisfied', allow_skip: true },
    { kind: 'ideas', prompt: 'Suggestions for improving communication between residents', dots: 3 },
    { kind: 'wordcloud', prompt: 'Describe the neighbourhood in one word' },
    { kind: 'qna', prompt: 'Questions for the councillor about neighbourhood regeneration', allow_anonymous: true },
    { kind: 'ranking', question: 'Order these neighbourhood priorities', options: ['Maintenance responsiveness', 'Communication', 'Neighbourhood safety'] },
    { kind: 'points', question: 'Split 100 points across next year’s priorities', options: ['Maintenance responsiveness', 'Environmental improvements', 'Community events'], total: 100 },
    { kind: 'quiz', question: 'Which organisations are responsible for neighbourhood maintenance?', options: ['Housing association', 'Municipality', 'Environmental agency'], correct: [0], time_limit_secs: 60, points: 1000 },
    { kind: 'info', title: 'Neighbourhood regeneration', body: 'Introduce yourself, then talk about:', points: ['Improvements that happened recently', 'Responsibilities nobody has taken on'] },
    { kind: 'timer', title: 'Networking conversations', duration_secs: 540 },
  ];
  for (const spec of kinds) await driver.send({ type: 'add_activity', spec });

  const page = await w.join(room.code, 'Bartholomew', NARROW);
  const bigText = () => page.addStyleTag({ content: 'html { font-size: 200% !important; }' });
  for (const [i, spec] of kinds.entries()) {
    await driver.send({ type: 'navigate', to: 'next' });
    await page.locator('.activity .eyebrow', { hasText: `${i + 1} of ${kinds.length}` }).waitFor();
    await page.waitForTimeout(200);
    await bigText();
    const state = spec.kind;
    const breaks = await midWordBreaks(page, 'body');
    assert.deepEqual(breaks, [], `${state}: words broken mid-word at 320 px and 200 % text`);
    assert.deepEqual(await overrunning(page), [], `${state}: text runs over its border`);
    assert.ok((await horizontalOverflow(page)) <= 0, `${state}: the page scrolls sideways`);
    await shot(page, `85-phone320-${state}`);
  }
  w.assertClean();
});
