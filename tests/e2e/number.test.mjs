// Guess the number end to end (scenario 5's warm-up, "how many bins overflow each week?"): the
// facilitator builds it in the console's editor (with its validation), three phones estimate (one
// at 320 px with 200 % text) and one changes theirs; the 1920×1080 screen shows nothing of the
// results until they are revealed, then the histogram, median and mean in type readable from the
// back of the room, and once voting closes the answer and who came closest. Also the embed and the
// report. axe-core checks each state.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setup, shot, axe, until, horizontalOverflow, openConsole, build, showItem, fontSizes, SHOTS } from './harness.mjs';

const QUESTION = 'How many bins overflow each week?';
const FULL_HD = { viewport: { width: 1920, height: 1080 } };
const PHONE_360 = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const PHONE_320 = { viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** The screen's (or console's) histogram: [[range, count], …] (without the labels' line-break hints). */
const columns = (page, scope = '') =>
  page.evaluate(
    (scope) => [...document.querySelectorAll(`${scope} .num-hist > li`)].map((li) => [li.querySelector('.num-range').textContent.replace(/\u200b/g, ''), Number(li.querySelector('.num-count').textContent)]),
    scope,
  );

/** The figures on a page: {Median: '41 bins', …}. */
const figures = (page, scope = '') =>
  page.evaluate(
    (scope) => Object.fromEntries([...document.querySelectorAll(`${scope} .num-fig`)].map((d) => [d.querySelector('dt').textContent, d.querySelector('dd').textContent])),
    scope,
  );

test('guess the number: estimates, hidden then revealed, the answer and the closest person', { timeout: 150_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Estate walk');
  const host = await openConsole(w, room);

  // The editor: its limits are checked before anything is sent.
  await build(host, 'number', 1, async () => {
    await host.fill('#f-question', QUESTION);
    await host.fill('#f-min', '0');
    await host.fill('#f-max', '0');
    await host.fill('#f-correct', '150');
    await host.fill('#f-unit', 'bins');
    await host.click('#editor button[type=submit]');
    await host.locator('#f-max-err', { hasText: 'more than the lowest number (0)' }).waitFor();
    assert.equal(await host.locator('#f-max').getAttribute('aria-invalid'), 'true');
    await host.fill('#f-max', '100');
    await host.click('#editor button[type=submit]');
    await host.locator('#f-correct-err', { hasText: 'from 0 to 100' }).waitFor();
    assert.equal(await host.locator('#f-max-err').isHidden(), true, 'the fixed field is no longer flagged');
    assert.equal(await host.evaluate(() => document.activeElement.id), 'f-correct', 'focus goes to the field to fix');
    await host.fill('#f-correct', '42');
    await axe(host, 'host console, number editor');
    await shot(host, 'n01-host-number-editor', { fullPage: false });
  });
  const deck = await host.evaluate(() => document.querySelector('.deck-item').textContent);
  assert.match(deck, /How many bins overflow/);

  const screen = await w.page(FULL_HD);
  await screen.goto(`${w.base}/present/${room.code}`);
  await screen.locator('.big-code').waitFor();
  const priya = await w.join(room.code, 'Priya', PHONE_360);
  const ben = await w.join(room.code, 'Ben', PHONE_360);
  const cai = await w.join(room.code, '', PHONE_320);
  // Cai reads at 200 % text, as a browser's text-size setting gives.
  await cai.addStyleTag({ content: 'html { font-size: 200% !important; }' });
  const noOverflow = async (state) => {
    const overflow = await horizontalOverflow(cai);
    assert.ok(overflow <= 0, `${state}: ${overflow} px of horizontal overflow at 320 px and 200 % text`);
  };

  await showItem(host, QUESTION);
  for (const phone of [priya, ben, cai]) await phone.locator('.activity input[type=number]').waitFor();
  const input = priya.locator('.activity input[type=number]');
  assert.equal(await input.getAttribute('min'), '0');
  assert.equal(await input.getAttribute('max'), '100');
  assert.equal(await input.getAttribute('step'), '1');
  assert.equal(await input.getAttribute('inputmode'), 'numeric');
  assert.equal(await priya.locator('.activity label', { hasText: 'Your estimate' }).count(), 1, 'the field is labelled');
  assert.equal(await priya.locator('.activity .hint').first().textContent(), 'A whole number from 0 to 100 bins.');
  assert.equal(await priya.locator('.num-unit').textContent(), 'bins');
  await axe(priya, 'participant number, open');
  await shot(priya, 'n02-phone-number-open');
  await noOverflow('number, open');
  await shot(cai, 'n03-phone320-number-open');

  // Out of range: said clearly, the field marked, nothing sent.
  const send = (phone) => phone.click('.activity form button[type=submit]');
  await input.fill('150');
  await send(priya);
  await priya.locator('.activity .feedback[data-kind="error"]', { hasText: 'Choose a number from 0 to 100 bins.' }).waitFor();
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  await until(async () => (await priya.locator('#live').textContent()) === 'Choose a number from 0 to 100 bins.', 'the error is announced');
  await axe(priya, 'participant number, error');

  const estimate = async (phone, value) => {
    await phone.locator('.activity input[type=number]').fill(String(value));
    await send(phone);
    await phone.locator('.num-mine', { hasText: `Your estimate: ${value} bins` }).waitFor();
  };
  await estimate(priya, 41);
  assert.equal(await input.getAttribute('aria-invalid'), null);
  await until(async () => (await priya.locator('#live').textContent()).startsWith('Estimate received: 41 bins'), 'the estimate is announced');
  await estimate(ben, 30);
  await estimate(cai, 55);
  // Still open: the form stays, and Cai changes their mind.
  assert.equal(await cai.locator('.activity form button[type=submit]').textContent(), 'Change my estimate');
  await cai.locator('.notice', { hasText: 'You can change your estimate' }).waitFor();
  await estimate(cai, 50);
  await axe(cai, 'participant number, sent');
  await noOverflow('number, sent');
  await shot(cai, 'n04-phone320-number-sent');
  await shot(priya, 'n05-phone-number-sent');
  // A reload brings back the estimate.
  await ben.reload();
  await ben.locator('.num-mine', { hasText: 'Your estimate: 30 bins' }).waitFor();
  assert.equal(await ben.locator('.activity input[type=number]').inputValue(), '30');

  // Nothing of the results on the screen yet: only how many estimates are in.
  await until(async () => (await screen.locator('.waiting-n').textContent()) === '3', 'the screen counts three estimates');
  assert.equal(await screen.locator('.num-hist').count(), 0, 'no histogram before the reveal');
  assert.equal(await screen.locator('.num-fig').count(), 0, 'no median or mean before the reveal');
  assert.doesNotMatch(await screen.locator('.act').innerText(), /Median|Mean|Closest|41|50|30/);
  assert.equal(await priya.locator('.activity .results').isHidden(), true, 'phones see no results either');
  await axe(screen, 'presenter number, hidden');
  await shot(screen, 'n06-present-number-hidden', { fullPage: false });

  // The facilitator sees everything at once, names included.
  await until(async () => (await figures(host, '.preview')).Median === '41 bins', 'the console shows the median');
  assert.deepEqual(await figures(host, '.preview'), { Median: '41 bins', Mean: '40.3 bins', 'The answer': '42 bins' });
  assert.equal((await columns(host, '.preview')).reduce((n, [, c]) => n + c, 0), 3);
  assert.match(await host.locator('.preview .num-closest').textContent(), /^Closest: Priya \(41 bins\) — 1 off$/);
  assert.match(await host.locator('.stats').textContent(), /3 estimates · Median 41 bins · Mean 40.3 bins/);
  await axe(host, 'host console, number running');
  await shot(host, 'n07-host-number-running');

  // The reveal: histogram, median and mean; the answer waits until voting closes.
  await host.click('[data-key="d-results"]');
  await screen.locator('.num-hist > li').first().waitFor();
  const cols = await columns(screen);
  assert.ok(cols.length >= 2 && cols.length <= 10, `up to ten ranges (${cols.length})`);
  assert.equal(cols.reduce((n, [, c]) => n + c, 0), 3, 'three estimates in the columns');
  const holding = (v) =>
    cols.find(([range]) => {
      const [from, to = from] = range.split('–').map(Number);
      return v >= from && v <= to;
    });
  // Three in all, so Cai's earlier 55 no longer counts.
  for (const v of [30, 41, 50]) assert.ok(holding(v)?.[1] >= 1, `the range holding ${v} counts it`);
  assert.deepEqual(await figures(screen), { Median: '41 bins', Mean: '40.3 bins' });
  assert.equal(await screen.locator('.num-closest').isHidden(), true, 'no closest while voting is open');
  const sizes = await fontSizes(screen, '.act', '.num-range, .num-count, .num-fig dt, .num-fig dd');
  assert.ok(sizes.bigs >= 4, 'labels and figures are on screen');
  assert.ok(sizes.smallestBig >= 32, `result labels and figures at least 32 px (${sizes.smallestBig})`);
  assert.ok(sizes.smallest >= 20, `nothing under 20 px (${sizes.smallest})`);
  await axe(screen, 'presenter number, results');
  await shot(screen, 'n08-present-number-results', { fullPage: false });
  await priya.locator('.activity .results:not([hidden]) .bars li').first().waitFor();
  assert.deepEqual(await figures(priya), { Median: '41 bins', Mean: '40.3 bins' });
  assert.equal(await priya.locator('.num-answer').isHidden(), true);
  await axe(priya, 'participant number, results');
  await shot(priya, 'n09-phone-number-results');
  await cai.locator('.activity .results:not([hidden])').waitFor();
  await noOverflow('number, results');
  await shot(cai, 'n10-phone320-number-results');

  // Voting closes: the answer and who came closest.
  await host.click('[data-key="d-voting"]');
  await screen.locator('.num-fig.answer dd', { hasText: '42 bins' }).waitFor();
  assert.equal(await screen.locator('.num-closest').textContent(), 'Closest: Priya (41 bins) — 1 off');
  assert.ok((await screen.locator('.num-col.correct .num-range').count()) === 1, 'the range holding the answer is marked');
  await screen.locator('.act-foot', { hasText: 'Voting closed' }).waitFor();
  const closed = await fontSizes(screen, '.act', '.num-range, .num-count, .num-fig dt, .num-fig dd, .num-closest');
  assert.ok(closed.smallestBig >= 32, `result labels and figures at least 32 px (${closed.smallestBig})`);
  assert.ok(closed.smallest >= 20, `nothing under 20 px (${closed.smallest})`);
  await axe(screen, 'presenter number, answer');
  await shot(screen, 'n11-present-number-answer', { fullPage: false });
  await priya.locator('.num-answer', { hasText: 'The answer is 42 bins. You were 1 off.' }).waitFor();
  await ben.locator('.num-answer', { hasText: 'You were 12 off.' }).waitFor();
  await priya.locator('.activity .notice', { hasText: 'Voting is closed' }).waitFor();
  assert.equal(await priya.locator('.activity form').isHidden(), true, 'no more estimates once voting is closed');
  await priya.locator('.num-mine', { hasText: 'Your estimate: 41 bins' }).waitFor();
  await axe(priya, 'participant number, answer');
  await shot(priya, 'n12-phone-number-answer');
  // The results on their own (the reactions bar floats over them in a full-page shot).
  await priya.locator('.activity .results').screenshot({ path: path.join(SHOTS, 'n12b-phone-number-answer-results.png') });
  await cai.locator('.num-answer', { hasText: 'You were 8 off.' }).waitFor();
  await axe(cai, 'participant number at 320 px and 200 %, answer');
  await noOverflow('number, answer');
  await shot(cai, 'n13-phone320-number-answer');
  await axe(host, 'host console, number closed');

  // The embed: compact results with the answer.
  const embed = await w.page({ viewport: { width: 480, height: 600 } });
  await embed.goto(`${w.base}/embed/${room.code}`);
  await embed.locator('.num-fig.answer dd', { hasText: '42 bins' }).waitFor();
  assert.deepEqual(Object.keys(await figures(embed)), ['Median', 'Mean', 'The answer']);
  await embed.locator('.embed-results .bars li').first().waitFor();
  await axe(embed, 'embed number');
  await shot(embed, 'n14-embed-number');

  // The report (the facilitator's copy, through the host key): summary, ranges, the closest.
  const report = await w.page({ viewport: { width: 1000, height: 900 } });
  await report.goto(`${w.base}/report/${room.code}#key=${encodeURIComponent(room.host_key)}`);
  const section = report.locator('section.activity', { hasText: QUESTION });
  await section.locator('table').first().waitFor();
  assert.match(await section.innerText(), /3 estimates · median 41 bins · mean 40.3 bins/);
  assert.match(await section.innerText(), /The answer: 42 bins/);
  assert.ok((await section.locator('table').first().locator('tbody tr').count()) >= 2);
  assert.match(await section.locator('table').nth(1).innerText(), /41 bins\s+1/);
  await axe(report, 'report with a number activity');
  await shot(report, 'n15-report-number');
  w.assertClean();
});
