// Driving the projected screen from the console (for a facilitator sharing it on a call, who
// cannot press keys in it): the scales' pages, one statement alone, the join QR code over
// everything — live, through the log.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, shot, axe, until, openConsole } from './harness.mjs';

const FULL_HD = { viewport: { width: 1920, height: 1080 } };
const STATEMENTS = [
  'We involve tenants in setting repair priorities',
  'We report back on complaints',
  'Residents know who to call out of hours',
  'We publish our repair times',
  'Tenants can check their rent account online',
  'We ask residents before changing services',
  'Our newsletters are easy to read',
  'Scrutiny panels get the information they ask for',
];

test('the console drives the screen: scales pages, one statement alone, the QR code full screen', { timeout: 120_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Self-assessment');
  const driver = await w.hostDriver(room);
  const { id } = await driver.send({ type: 'add_activity', spec: { kind: 'scales', prompt: 'How well do we do this?', statements: STATEMENTS.map((text) => ({ text })), min: 1, max: 5 } });
  await driver.send({ type: 'add_activity', spec: { kind: 'poll', question: 'Next topic?', options: ['Repairs', 'Rent'] } });
  await driver.send({ type: 'navigate', to: { activity: id } });
  const phone = await w.join(room.code, 'Priya');
  await phone.locator('.statement').first().waitFor();
  for (const [i] of STATEMENTS.slice(0, 6).entries()) await phone.locator('.statement').nth(i).locator('.scale-opt', { hasText: String(1 + (i % 5)) }).click();
  await phone.click('.activity form button[type=submit]');
  await driver.send({ type: 'set_results', activity: id, shown: true });

  const screen = await w.page(FULL_HD);
  await screen.goto(`${w.base}/present/${room.code}`);
  await screen.locator('.scale-summary').waitFor();
  const host = await openConsole(w, room);
  const page = host.locator('#screen-page');
  await page.waitFor();
  assert.deepEqual(await page.locator('option').allTextContents(), ['Summary', 'Statements 1–6', 'Statements 7–8']);
  await axe(host, 'console with the screen controls');
  await shot(host, 'd01-console-screen-controls', { fullPage: false });

  // A page from the console: the screen turns to it.
  await host.selectOption('#screen-page', '2');
  await screen.locator('.st-detail .st-text', { hasText: STATEMENTS[6] }).waitFor();
  assert.equal(await screen.locator('.st-detail .st-text', { hasText: STATEMENTS[0] }).count(), 0);
  await host.click('[data-key="screen-prev"]');
  await screen.locator('.st-detail .st-text', { hasText: STATEMENTS[0] }).waitFor();
  assert.equal(await page.inputValue(), '1');

  // One statement alone, large.
  await host.selectOption('#screen-focus', { label: `4. ${STATEMENTS[3]}` });
  await screen.locator('.st-focus .st-text', { hasText: STATEMENTS[3] }).waitFor();
  assert.equal(await screen.locator('.st-focus .st-item').count(), 1, 'only that statement is on screen');
  const size = await screen.locator('.st-focus .st-text').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  assert.ok(size >= 48, `the statement alone is large (${size} px)`);
  await shot(screen, 'd02-present-one-statement', { fullPage: false });
  // The screen's own keys still work, and the console follows what it last sent.
  await screen.keyboard.press('ArrowRight');
  await screen.locator('.st-detail:not(.st-focus) .st-text', { hasText: STATEMENTS[6] }).waitFor();
  await host.selectOption('#screen-focus', '');
  await screen.locator('.st-detail:not(.st-focus) .st-text', { hasText: STATEMENTS[0] }).waitFor();

  // The join QR code over the whole screen, and back.
  await host.check('#screen-qr');
  const overlay = screen.locator('.qr-overlay');
  await overlay.waitFor();
  const qr = await overlay.locator('img').boundingBox();
  assert.ok(qr.height >= 0.6 * 1080, `the QR code fills the screen's height (${qr.height} px)`);
  assert.match(await overlay.locator('.qr-code').textContent(), /^\d{4} \d{4}$/);
  await axe(screen, 'presenter with the QR code full screen');
  await shot(screen, 'd03-present-qr-full-screen', { fullPage: false });
  await host.uncheck('#screen-qr');
  await overlay.waitFor({ state: 'hidden' });

  // Through the log: a screen opened now shows what the console chose.
  await host.selectOption('#screen-page', '2');
  const late = await w.page(FULL_HD);
  await late.goto(`${w.base}/present/${room.code}`);
  await late.locator('.st-detail .st-text', { hasText: STATEMENTS[7] }).waitFor();

  // Moving on starts the next activity at its first page; a bad page is refused and changes nothing.
  await assert.rejects(driver.send({ type: 'set_screen', page: 20_000, qr: false }), /out_of_range/);
  await assert.rejects(driver.send({ type: 'set_screen', page: 0, focus: 99, qr: false }), /statement_not_found/);
  await late.locator('.st-detail .st-text', { hasText: STATEMENTS[7] }).waitFor();
  await driver.send({ type: 'navigate', to: 'next' });
  await late.locator('.act-poll').waitFor();
  await assert.rejects(driver.send({ type: 'set_screen', page: 0, focus: 0, qr: false }), /wrong_activity_kind/);
  await until(async () => (await host.locator('#screen-page').isHidden()), 'the page controls leave with the scales');
  w.assertClean();
});
