// Inclusion: voting by keyboard alone, 320 px screens with 200 % text, reduced motion, and the
// session's language chosen by the facilitator.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readdir } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { setup, shot, axe, until, horizontalOverflow, ROOT, DESKTOP, PROJECTOR } from './harness.mjs';

test('a participant joins and votes with the keyboard alone', { timeout: 60_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Keyboard');
  const driver = await w.hostDriver(room);
  const poll = (await driver.send({ type: 'add_activity', spec: { kind: 'poll', question: 'Which first?', options: ['Repairs', 'Damp', 'Rent'] } })).id;
  const page = await w.page({ viewport: { width: 800, height: 700 } });
  await page.goto(`${w.base}/${room.code}`);

  // The name field has focus; typing and Enter join.
  await until(() => page.evaluate(() => document.activeElement?.id === 'join-name'), 'the name field has focus');
  await page.keyboard.type('Kim');
  await page.keyboard.press('Enter');
  await page.locator('.lobby').waitFor();
  await driver.send({ type: 'navigate', to: { activity: poll } });
  await page.locator('.activity h1', { hasText: 'Which first?' }).waitFor();
  // Focus moves to the new question, so the next Tab lands in the options.
  await until(() => page.evaluate(() => document.activeElement?.matches('.activity h1')), 'focus moves to the question');

  await page.keyboard.press('Tab');
  const focused = () => page.evaluate(() => ({ type: document.activeElement.type, label: document.activeElement.closest('label')?.textContent }));
  assert.deepEqual(await focused(), { type: 'radio', label: 'Repairs' });
  // The focused option shows a visible focus ring.
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement.closest('.choice')).outlineStyle);
  assert.equal(ring, 'solid');
  await page.keyboard.press('ArrowDown'); // moves to (and picks) "Damp"
  assert.deepEqual(await focused(), { type: 'radio', label: 'Damp' });
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Vote');
  await page.keyboard.press('Enter');
  await page.locator('.feedback', { hasText: 'Vote received' }).waitFor();
  // Screen readers hear it: the polite live region says so.
  await until(async () => (await page.locator('#live').textContent()) === 'Vote received', 'the live region announces the vote');
  assert.equal(await page.locator('#live').getAttribute('aria-live'), 'polite');
  assert.equal(await page.locator('.choice.on .choice-text').textContent(), 'Damp');
  const ack = await until(async () => {
    const reply = await driver.page.evaluate(() => window.__sockets[0].send({ type: 'set_results', activity: 0, shown: true }));
    return reply.type === 'ack' && reply;
  }, 'results shown');
  assert.equal(ack.type, 'ack');
  await page.locator('.results:not([hidden]) li.bar.mine', { hasText: 'Damp' }).waitFor();
  w.assertClean();
});

test('320 px wide at 200 % text: nothing scrolls sideways', { timeout: 90_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('A rather long session title for a very narrow phone screen');
  const driver = await w.hostDriver(room);
  await driver.send({
    type: 'add_activity',
    spec: { kind: 'poll', question: 'Which of these themes matters most to you and your neighbours this year?', options: ['Repairs and maintenance', 'Rents and service charges', 'Antisocialbehaviourandsafety', 'Green spaces'], multiple: true, max_choices: 2 },
  });
  await driver.send({ type: 'add_activity', spec: { kind: 'ideas', prompt: 'Questions for the councillor', dots: 4, max_dots_per_item: 2 } });
  await driver.send({ type: 'add_activity', spec: { kind: 'wordcloud', prompt: 'One word for today' } });
  await driver.send({ type: 'set_embed', voting: true });

  const narrow = { viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
  const page = await w.page(narrow);
  // 200 % text: the page's root font size doubled, as a browser's text-size setting does.
  const bigText = () => page.addStyleTag({ content: 'html { font-size: 200% !important; }' });
  const noOverflow = async (state) => {
    await bigText();
    const overflow = await horizontalOverflow(page);
    assert.ok(overflow <= 0, `${state}: ${overflow} px of horizontal overflow at 320 px and 200 % text`);
    await shot(page, `60-narrow-${state}`);
  };
  await page.goto(`${w.base}/${room.code}`);
  await page.locator('#join-name').waitFor();
  await noOverflow('join');
  await page.fill('#join-name', 'Bartholomew Featherstonehaugh');
  await page.click('.join button[type=submit]');
  await page.locator('.lobby').waitFor();
  await noOverflow('lobby');

  await driver.send({ type: 'navigate', to: 'next' });
  await page.locator('.activity .choice').first().waitFor();
  await page.locator('.choice').nth(0).click();
  await page.locator('.choice').nth(2).click();
  await page.click('.activity form button[type=submit]');
  await page.locator('.results:not([hidden]) ol.bars').waitFor();
  await noOverflow('poll-voted');

  await driver.send({ type: 'navigate', to: 'next' });
  await page.locator('.activity textarea').waitFor();
  await page.fill('.activity textarea', 'When will the lifts in Block C be fixed, and who pays?');
  await page.click('.activity form button[type=submit]');
  await page.locator('.mine-list li').waitFor();
  await noOverflow('ideas-collect');
  await driver.send({ type: 'set_ideas_phase', activity: 1, phase: 'vote' });
  await page.locator('.stepper').first().waitFor();
  await noOverflow('ideas-dots');

  await driver.send({ type: 'navigate', to: 'next' });
  await page.locator('.activity input[type=text]').first().waitFor();
  await noOverflow('words');

  // Reactions never cover the activity: they sit below it, folded to one button on a narrow
  // screen; opening them is remembered.
  const toggle = page.locator('.react-toggle');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.locator('.react-btn:visible').count(), 0);
  const below = async () => {
    const card = await page.locator('.activity').boundingBox();
    const bar = await page.locator('.react-bar').boundingBox();
    return bar.y >= card.y + card.height - 1;
  };
  assert.ok(await below(), 'the folded reactions sit below the activity');
  await toggle.click();
  await page.locator('.react-btn').first().waitFor();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.ok(await below(), 'the open reactions sit below the activity');
  await noOverflow('reactions-open');
  await page.reload();
  await page.locator('.react-btn').first().waitFor();

  // The embed page, narrow too.
  await page.goto(`${w.base}/embed/${room.code}`);
  await page.locator('.embed h1').waitFor();
  await noOverflow('embed');
  w.assertClean();
});

test('reduced motion is honoured', { timeout: 60_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Calm');
  const driver = await w.hostDriver(room);
  await driver.send({ type: 'add_activity', spec: { kind: 'poll', question: 'Calm?', options: ['Yes', 'No'] } });

  const motion = async (reducedMotion) => {
    const phone = await w.page({ viewport: { width: 375, height: 667 }, reducedMotion });
    await phone.goto(`${w.base}/${room.code}`);
    await phone.click('.join button[type=submit]');
    await phone.locator('.lobby .pulse span').first().waitFor();
    const pulse = await phone.evaluate(() => {
      const s = getComputedStyle(document.querySelector('.lobby .pulse span'));
      return { duration: parseFloat(s.animationDuration), iterations: s.animationIterationCount };
    });
    const screen = await w.page({ ...PROJECTOR, reducedMotion });
    await screen.goto(`${w.base}/present/${room.code}`);
    return { phone, screen, pulse, prefers: await phone.evaluate(() => matchMedia('(prefers-reduced-motion: reduce)').matches) };
  };
  const calm = await motion('reduce');
  const lively = await motion('no-preference');
  assert.equal(calm.prefers, true);
  assert.equal(lively.prefers, false);
  // The lobby's pulsing dots: a long, repeating animation normally; next to nothing when reduced.
  assert.ok(lively.pulse.duration >= 0.5 && lively.pulse.iterations === 'infinite', JSON.stringify(lively.pulse));
  assert.ok(calm.pulse.duration < 0.001 && calm.pulse.iterations === '1', JSON.stringify(calm.pulse));

  await driver.send({ type: 'navigate', to: 'next' });
  const barTransition = (page) =>
    page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.bar-fill')).transitionDuration));
  await calm.screen.locator('.bar-fill').first().waitFor({ state: 'attached' });
  await lively.screen.locator('.bar-fill').first().waitFor({ state: 'attached' });
  assert.ok((await barTransition(lively.screen)) >= 0.2, 'bars animate normally');
  assert.ok((await barTransition(calm.screen)) < 0.001, 'bars jump when motion is reduced');
  await calm.phone.locator('.choice', { hasText: 'Yes' }).click();
  await calm.phone.click('.activity form button[type=submit]');
  // Under reduced motion the new width is there at once, not after an animation: read it in the
  // first animation frame that shows the new count (an animated bar would still be near empty then).
  const filled = await calm.screen.waitForFunction(
    () => {
      const bar = [...document.querySelectorAll('.bar')].find((b) => b.querySelector('.bar-label')?.textContent === 'Yes');
      if (!bar || bar.querySelector('.bar-count').textContent !== '1') return null;
      return bar.querySelector('.bar-fill').getBoundingClientRect().width / bar.querySelector('.bar-track').clientWidth;
    },
    null,
    { polling: 'raf', timeout: 10_000 },
  );
  const ratio = await filled.jsonValue();
  assert.ok(ratio > 0.99, `the bar is full at once (${ratio})`);
  w.assertClean();
});

test('the facilitator picks the session’s language; phones and the screen follow', { timeout: 90_000 }, async (t) => {
  // Every catalogue file is offered, and every translation matches English's keys and placeholders.
  const dir = path.join(ROOT, 'web/assets/i18n');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)).sort();
  // The console's own strings (console/<lang>.js, which phones never download) are checked the
  // same way, and no key is in both parts.
  const load = async (file) => (await import(pathToFileURL(path.join(dir, file)).href)).default;
  const placeholders = (v) => new Set(JSON.stringify(v).match(/\{\w+\}/g) || []);
  const consoleFiles = (await readdir(path.join(dir, 'console'))).filter((f) => f.endsWith('.js'));
  for (const [sub, names] of [['', files.map((f) => `${f}.js`)], ['console/', consoleFiles]]) {
    const en = await load(`${sub}en.js`);
    for (const name of names) {
      const cat = await load(`${sub}${name}`);
      for (const [key, value] of Object.entries(cat)) {
        assert.ok(key in en, `${sub}${name}: ${key} is not an English key`);
        for (const p of placeholders(value)) assert.ok(placeholders(en[key]).has(p) || p === '{n}', `${sub}${name}: ${key} uses ${p}, which English does not`);
      }
    }
  }
  const phoneKeys = Object.keys(await load('en.js'));
  const consoleKeys = new Set(Object.keys(await load('console/en.js')));
  assert.deepEqual(phoneKeys.filter((k) => consoleKeys.has(k)), [], 'a key in both catalogues');

  const w = await setup(t);
  const room = await w.createRoom('Cyfarfod tenantiaid');
  const driver = await w.hostDriver(room);
  await driver.send({ type: 'add_activity', spec: { kind: 'poll', question: 'Pa bwnc yn gyntaf?', options: ['Atgyweirio', 'Lleithder'] } });
  const offered = await (async () => {
    const host = await w.page(DESKTOP);
    await host.goto(w.base + room.host_url);
    await host.click('[data-key="panel-session"]');
    await host.locator('#lang-select').waitFor();
    return { host, values: await host.locator('#lang-select option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean).sort()) };
  })();
  assert.deepEqual(offered.values, files, 'the language menu offers every catalogue in web/assets/i18n/');
  const host = offered.host;
  await axe(host, 'host console, settings');

  // Before the choice: English, as this browser prefers.
  const phone = await w.join(room.code, 'Gwen');
  await phone.locator('.lobby h1', { hasText: 'You’re in!' }).waitFor();
  const screen = await w.page(PROJECTOR);
  await screen.goto(`${w.base}/present/${room.code}`);
  await screen.locator('.lobby-steps', { hasText: 'On your phone, go to' }).waitFor();

  // The facilitator picks Cymraeg: the phone and the screen switch without a reload.
  await host.selectOption('#lang-select', 'cy');
  await host.locator('.flash', { hasText: 'Language saved' }).waitFor();
  await phone.locator('.lobby h1', { hasText: 'Rydych chi i mewn!' }).waitFor();
  assert.equal(await phone.evaluate(() => document.documentElement.lang), 'cy');
  assert.match(await phone.locator('#who').textContent(), /Rydych chi’n cymryd rhan fel Gwen/);
  await screen.locator('.lobby-steps', { hasText: 'Ar eich ffôn, ewch i' }).waitFor();
  await axe(phone, 'participant lobby in Welsh');
  await shot(phone, '70-phone-lobby-cy');

  // Someone joining now sees the join screen in Welsh straight away.
  const late = await w.page({ viewport: { width: 375, height: 667 } });
  await late.goto(`${w.base}/${room.code}`);
  await late.locator('label[for="join-name"]', { hasText: 'Eich enw (dewisol)' }).waitFor();
  await late.click('.join button[type=submit]');

  await driver.send({ type: 'navigate', to: 'next' });
  await phone.locator('.activity .eyebrow', { hasText: 'Pôl · 1 o 1' }).waitFor();
  await phone.locator('.choice', { hasText: 'Lleithder' }).click();
  await phone.click('.activity form button[type=submit]');
  await phone.locator('.feedback', { hasText: 'Pleidlais wedi’i derbyn' }).waitFor();
  await screen.locator('.act-foot', { hasText: '1 bleidlais' }).waitFor();
  await axe(phone, 'participant poll in Welsh');
  await axe(screen, 'presenter in Welsh');
  await shot(phone, '71-phone-poll-cy');
  await shot(screen, '72-present-cy', { fullPage: false });
  // The console stays in the facilitator's language.
  assert.equal(await host.evaluate(() => document.documentElement.lang), 'en');
  w.assertClean();
});
