// Languages: a participant picks their own language on the phone, whatever the session's; Polish,
// Urdu and Arabic are there; right-to-left pages mirror, and people's words keep their own
// direction inside them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readdir } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { setup, shot, axe, until, horizontalOverflow, ROOT } from './harness.mjs';

const DIR = path.join(ROOT, 'web/assets/i18n');
const catalogue = async (lang) => (await import(pathToFileURL(path.join(DIR, `${lang}.js`)).href)).default;
// What `t()` gives for a plain message with `{name}`-style placeholders filled in.
const fill = (msg, params = {}) => msg.replace(/\{(\w+)\}/g, (_, k) => (k in params ? params[k] : `{${k}}`));

const NARROW = { viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const PHONE_360 = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const SCREEN_1080 = { viewport: { width: 1920, height: 1080 } };

test('the phone’s own language: Arabic right to left, people’s words in their own direction', { timeout: 120_000 }, async (t) => {
  const [en, ar, cy, ur, pl] = await Promise.all(['en', 'ar', 'cy', 'ur', 'pl'].map(catalogue));
  // The new catalogues are complete for what phones, screens and embeds show, and say that they
  // are machine-made until reviewed.
  for (const [lang, cat] of [['ar', ar], ['ur', ur], ['pl', pl], ['cy', cy]]) {
    const missing = Object.keys(en).filter((k) => !(k in cat));
    assert.deepEqual(missing, [], `${lang}.js lacks keys`);
  }
  for (const lang of ['ar', 'ur', 'pl']) {
    const { readFile } = await import('node:fs/promises');
    const head = (await readFile(path.join(DIR, `${lang}.js`), 'utf8')).split('\n').slice(0, 12).join('\n');
    assert.match(head, /machine-made/i, `${lang}.js says it is a machine-made translation`);
  }

  const w = await setup(t);
  const room = await w.createRoom('Tenant meetup');
  const driver = await w.hostDriver(room);
  await driver.send({ type: 'add_activity', spec: { kind: 'poll', question: 'Which topic first?', options: ['Repairs', 'إصلاح المصاعد'] } });

  // The join page offers every catalogue, each by its own name, and the session's language.
  const phone = await w.page(NARROW);
  const bigText = () => phone.addStyleTag({ content: 'html { font-size: 200% !important; }' });
  await phone.goto(`${w.base}/${room.code}`);
  await phone.locator('#join-name').waitFor();
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)).sort();
  const offered = await phone.locator('#lang-pick option').evaluateAll((os) => os.map((o) => o.value));
  assert.equal(offered[0], '', 'the first choice follows the session');
  assert.deepEqual(offered.slice(1).sort(), files);
  assert.equal(await phone.locator('#lang-pick option[value=ar]').textContent(), 'العربية');
  assert.equal(await phone.locator('#lang-pick option[value=ur]').textContent(), 'اردو');
  assert.equal(await phone.locator('#lang-pick option[value=pl]').textContent(), 'Polski');

  // Arabic: the page turns right to left, in Arabic, before joining; what was typed stays.
  await phone.fill('#join-name', 'Gwen');
  await phone.selectOption('#lang-pick', 'ar');
  await phone.locator('label[for="join-name"]', { hasText: ar['p.join_name_label'] }).waitFor();
  assert.equal(await phone.evaluate(() => document.documentElement.dir), 'rtl');
  assert.equal(await phone.evaluate(() => document.documentElement.lang), 'ar');
  assert.equal(await phone.inputValue('#join-name'), 'Gwen');
  assert.equal(await phone.locator('#join-name').evaluate((el) => getComputedStyle(el).direction), 'ltr', 'a Latin name types left to right');
  // Mirrored: the brand sits at the right-hand end of the top bar, the label starts on the right.
  const brand = await phone.locator('.brand').boundingBox();
  assert.ok(brand.x > 320 / 2, `the brand is on the right in Arabic (x ${brand.x})`);
  const label = await phone.locator('label[for="join-name"]').boundingBox();
  const form = await phone.locator('.join form').boundingBox();
  assert.ok(form.x + form.width - (label.x + label.width) < 4, 'the label starts at the right edge of the form');
  // The join code reads left to right inside Arabic text.
  assert.equal(await phone.locator('.code').evaluate((el) => getComputedStyle(el).direction), 'ltr');
  await bigText();
  assert.ok((await horizontalOverflow(phone)) <= 0, 'no sideways scrolling at 320 px and 200 % text in Arabic');
  await shot(phone, '80-phone320-join-ar');

  await phone.click('.join button[type=submit]');
  await phone.locator('.lobby h1', { hasText: ar['p.lobby_title'] }).waitFor();
  // The name inside the Arabic sentence is isolated, so neither runs into the other's order.
  const who = await phone.locator('#who span').textContent();
  assert.ok(who.includes('\u2068Gwen\u2069'), `the name is isolated in "${who}"`);

  // The screen is not the phone's business: it stays in the session's language (English).
  const screen = await w.page(SCREEN_1080);
  await screen.goto(`${w.base}/present/${room.code}`);
  await screen.locator('.lobby-steps', { hasText: en['present.lobby_go_to'] }).waitFor();
  assert.equal(await screen.evaluate(() => document.documentElement.dir), 'ltr');

  await driver.send({ type: 'navigate', to: 'next' });
  await phone.locator('.choice').first().waitFor();
  await bigText();
  // Each option keeps its own direction: English left to right, Arabic right to left.
  const direction = (text) => phone.locator('.choice-text', { hasText: text }).evaluate((el) => getComputedStyle(el).direction);
  assert.equal(await direction('Repairs'), 'ltr');
  assert.equal(await direction('إصلاح المصاعد'), 'rtl');
  // …and still lines up with the page: the English words sit beside the option's mark, at the
  // right like the Arabic ones, not at the far left.
  const gap = await phone.locator('.choice', { hasText: 'Repairs' }).evaluate((choice) => {
    const range = document.createRange();
    range.selectNodeContents(choice.querySelector('.choice-text'));
    return choice.querySelector('.choice-mark').getBoundingClientRect().left - range.getBoundingClientRect().right;
  });
  assert.ok(gap >= 0 && gap < 40, `English words beside the mark on an Arabic phone (gap ${gap} px)`);
  assert.ok((await horizontalOverflow(phone)) <= 0, 'the Arabic poll does not scroll sideways');
  await phone.locator('.choice', { hasText: 'Repairs' }).click();
  await phone.click('.activity form button[type=submit]');
  await phone.locator('.feedback', { hasText: ar['p.vote_received'] }).waitFor();
  await screen.locator('.act-foot', { hasText: '1 vote' }).waitFor();
  await axe(phone, 'participant poll in Arabic');
  await shot(phone, '81-phone320-poll-ar');

  // The facilitator picks Welsh for the session: a phone that follows the session switches; the
  // Arabic phone keeps its own choice, across a reload too.
  const follower = await w.join(room.code, 'Rhys', PHONE_360);
  await driver.send({ type: 'set_language', language: 'cy' });
  await follower.locator('.feedback, .activity', { hasText: cy['p.vote'] }).first().waitFor();
  await until(async () => (await follower.evaluate(() => document.documentElement.lang)) === 'cy', 'the follower turns Welsh');
  await screen.locator('.act-foot', { hasText: '1 bleidlais' }).waitFor();
  await phone.reload();
  await phone.locator('.choice').first().waitFor();
  assert.equal(await phone.evaluate(() => document.documentElement.lang), 'ar', 'the own choice survives a reload and the session’s change');
  // The menu names the session's language now in force.
  assert.equal(
    await phone.locator('#lang-pick option[value=""]').textContent(),
    fill(ar['p.language_session'], { name: '\u2068Cymraeg\u2069' }),
  );

  // Back to the session's language: Welsh, left to right again.
  await phone.selectOption('#lang-pick', '');
  await until(async () => (await phone.evaluate(() => document.documentElement.lang)) === 'cy', 'the phone follows the session again');
  assert.equal(await phone.evaluate(() => document.documentElement.dir), 'ltr');
  await phone.locator('.activity .eyebrow', { hasText: cy['kind.poll'] }).waitFor();

  // Urdu for the session: the 1920×1080 screen turns right to left too, its join code still reads
  // left to right, and phones that follow the session are in Urdu.
  await driver.send({ type: 'set_language', language: 'ur' });
  await until(async () => (await screen.evaluate(() => document.documentElement.dir)) === 'rtl', 'the screen turns right to left');
  await screen.locator('.joinbar-text', { hasText: ur['present.join_at'] }).waitFor();
  const code = await screen.locator('.joinbar-code').evaluate((el) => [getComputedStyle(el).direction, el.textContent]);
  assert.equal(code[0], 'ltr');
  assert.match(code[1], /^\d{4} \d{4}$/);
  await axe(screen, 'presenter in Urdu');
  await shot(screen, '82-present-ur', { fullPage: false });
  await until(async () => (await follower.evaluate(() => document.documentElement.dir)) === 'rtl', 'the follower turns Urdu');
  await shot(follower, '83-phone360-poll-ur');

  // Polish, chosen on a phone.
  await phone.selectOption('#lang-pick', 'pl');
  await until(async () => (await phone.evaluate(() => document.documentElement.lang)) === 'pl', 'the phone turns Polish');
  await phone.locator('.activity .eyebrow', { hasText: pl['kind.poll'] }).waitFor();
  await shot(phone, '84-phone320-poll-pl');

  // The facilitator's console in Arabic (its own strings translated too), mirrored, nothing
  // running off the side.
  const consoleAr = (await import(pathToFileURL(path.join(DIR, 'console/ar.js')).href)).default;
  const host = await w.page({ viewport: { width: 1366, height: 900 } });
  await host.goto(`${w.base}${room.host_url.replace('#', '?lang=ar#')}`);
  await host.locator('.deck-col').waitFor();
  assert.equal(await host.evaluate(() => document.documentElement.dir), 'rtl');
  await host.locator('.shared-controls summary', { hasText: consoleAr['ctl.heading'] }).waitFor();
  await host.locator('[data-key="panel-invite"]', { hasText: consoleAr['host.panel_invite'] }).waitFor();
  assert.ok((await horizontalOverflow(host)) <= 0, 'the Arabic console does not scroll sideways');
  await axe(host, 'host console in Arabic');
  await shot(host, '86-console-ar', { fullPage: false });
  w.assertClean();
});
