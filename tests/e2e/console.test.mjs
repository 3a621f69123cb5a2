// The host console around one obvious next action (issue: "the console is a wall"): where the
// activity is (collect → vote → reveal → move on) and the one button that moves it on, in words
// that match the kind; settings, sharing, embed, exports and the session one click away; every
// kind to add with what it is for.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, shot, axe, until, openConsole, horizontalOverflow } from './harness.mjs';

const primary = (host) => host.locator('.next-step .btn.primary');
const steps = (host) => host.locator('.steps li').evaluateAll((lis) => lis.map((li) => `${li.textContent}${li.getAttribute('aria-current') ? ' ←' : ''}`));

test('the console: one next step per phase, in the kind’s own words; panels one click away; kinds with descriptions', { timeout: 150_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Tenant meetup');
  const host = await openConsole(w, room);

  // Nothing yet: one way forward.
  await host.locator('[data-key="start-adding"]').waitFor();
  // Every kind, with what it is for, in groups.
  await host.click('[data-key="add-activity"]');
  const picker = host.locator('#editor[open] .picker');
  await picker.waitFor();
  const picks = await picker.locator('.kind-pick').evaluateAll((bs) => bs.map((b) => [b.querySelector('.kind-pick-name').textContent, b.querySelector('.kind-pick-desc').textContent]));
  assert.equal(picks.length, 16, 'every kind is offered');
  for (const [name, desc] of picks) assert.ok(desc.length > 20, `${name} says what it is for`);
  assert.deepEqual(await picker.locator('h3').allTextContents(), ['Vote and decide', 'Gather from the room', 'Assess and test', 'Run the room']);
  await axe(host, 'console: the kind picker');
  await shot(host, 'c01-console-kind-picker', { fullPage: false });
  await host.keyboard.press('Escape');
  await picker.waitFor({ state: 'detached' }).catch(() => {});

  const driver = await w.hostDriver(room);
  const { id: ideas } = await driver.send({ type: 'add_activity', spec: { kind: 'ideas', prompt: 'What should we work on?' } });
  const { id: poll } = await driver.send({ type: 'add_activity', spec: { kind: 'poll', question: 'Which first?', options: ['Repairs', 'Rent'] } });
  await driver.send({ type: 'add_activity', spec: { kind: 'scales', prompt: 'How well do we do this?', statements: [{ text: 'We listen' }, { text: 'We report back' }] } });

  // Not on screen: show it.
  await host.locator(`[data-key="sel-${ideas}"]`).click();
  await until(async () => (await primary(host).textContent()) === 'Show on screen', 'the next step is to show it');
  assert.deepEqual(await steps(host), ['Collect', 'Vote', 'Reveal', 'Move on'], 'no step is current before it is on screen');
  await primary(host).click();

  // Collecting suggestions: the words say so, and the next step is the dot vote.
  await until(async () => (await primary(host).textContent()) === 'Start dot voting', 'collecting: next is the dot vote');
  const pills = await host.locator('.states .pill').allTextContents();
  assert.ok(pills.includes('Collecting suggestions'), pills.join(', '));
  assert.equal(pills.some((p) => /voting open/i.test(p)), false, `no "voting open" while collecting: ${pills.join(', ')}`);
  assert.ok(await host.locator('[data-key="d-voting"]', { hasText: 'Stop taking suggestions' }).isVisible());
  assert.deepEqual(await steps(host), ['Collect ←', 'Vote', 'Reveal', 'Move on']);
  await axe(host, 'console: collecting suggestions');
  await shot(host, 'c02-console-collecting', { fullPage: false });
  await primary(host).click();
  await until(async () => (await primary(host).textContent()) === 'Close dot voting', 'dot voting: next is closing it');
  assert.deepEqual(await steps(host), ['Collect (done)', 'Vote ←', 'Reveal', 'Move on']);
  assert.ok((await host.locator('.states .pill').allTextContents()).includes('Dot voting open'));
  await primary(host).click();
  await until(async () => (await primary(host).textContent()) === 'Next: Which first? →', 'closed and shown: move on');
  await primary(host).click();

  // A poll: results live from the start, so closing voting is the step; then move on.
  await until(async () => (await host.locator('.detail-col .question').textContent()) === 'Which first?', 'the stage follows the screen');
  assert.equal(await primary(host).textContent(), 'Close voting');
  assert.deepEqual(await steps(host), ['Vote ←', 'Reveal', 'Move on']);
  // The screen's results and the phones' are two separate things, said as such.
  assert.equal(await host.locator('[data-key="d-results"]').textContent(), 'Hide results from the screen');
  const settings = host.locator('details.shared-controls');
  assert.equal(await settings.getAttribute('open'), null, 'timing, phones and rounds are one click away, not always open');
  assert.equal(await settings.locator('summary').textContent(), 'Timing, phones and rounds phones: after answering · Round 1');
  await host.click('[data-key="activity-settings"]');
  await host.locator('[data-key="phones-never"]').check();
  await until(async () => (await settings.locator('.settings-now').textContent()) === 'phones: never · Round 1', 'the summary says what is set');
  // Starting a new round is its own setting, not inside the countdown.
  const reset = settings.locator('[data-key="reset-results"]');
  assert.equal(await reset.textContent(), 'Start round 2…');
  assert.equal(await reset.evaluate((b) => !!b.closest('.cd-set, .cd-run')), false);
  await axe(host, 'console: a live poll with its settings open');
  await shot(host, 'c03-console-poll-settings-open', { fullPage: false });
  await host.click('[data-key="d-voting"]');
  await until(async () => (await primary(host).textContent()).startsWith('Next: How well do we do this?'), 'closed: move on');
  assert.deepEqual(await steps(host), ['Vote (done)', 'Reveal (done)', 'Move on ←']);
  await primary(host).click();

  // Scales start hidden: one step closes rating and shows the results.
  await until(async () => (await primary(host).textContent()) === 'Close rating and show the results', 'rating: close and reveal');
  assert.deepEqual(await steps(host), ['Rate ←', 'Reveal', 'Move on']);
  await primary(host).click();
  await until(async () => (await primary(host).textContent()) === 'Finish: back to the waiting screen', 'the last activity: finish');
  await host.locator('.states .pill', { hasText: 'Results on screen' }).waitFor();

  // The side panels: none at first, one at a time, each one click from the toolbar.
  assert.equal(await host.locator('#drawer').isHidden(), true);
  await host.click('[data-key="panel-invite"]');
  await host.locator('#panel-invite .big-code').waitFor();
  assert.equal(await host.locator('[data-key="panel-invite"]').getAttribute('aria-expanded'), 'true');
  assert.equal(await host.evaluate(() => document.activeElement?.id), 'panel-invite-h', 'the panel takes the focus');
  await shot(host, 'c04-console-invite-panel', { fullPage: false });
  await host.click('[data-key="panel-export"]');
  await host.locator('[data-key="export-json"]').waitFor();
  assert.equal(await host.locator('#panel-invite').isHidden(), true, 'one panel at a time');
  // Each activity's results as a picture too, downloaded with the host key.
  const [picture] = await Promise.all([host.waitForEvent('download'), host.click(`[data-key="export-png-${poll}"]`)]);
  assert.match(picture.suggestedFilename(), /\.png$/);
  await host.click('[data-key="close-export"]');
  await host.locator('#drawer').waitFor({ state: 'hidden' });
  assert.equal(await host.evaluate(() => document.activeElement?.dataset.key), 'panel-export', 'closing gives the focus back');
  await host.click('[data-key="panel-session"]');
  await host.locator('#pace-audience').waitFor();
  await host.locator('[data-key="delete-session"]').waitFor();
  await axe(host, 'console: the session panel');
  await shot(host, 'c05-console-session-panel', { fullPage: false });
  // A reload keeps the panel open (this tab remembers it).
  await host.reload();
  await host.locator('#panel-session:not([hidden]) #lang-select').waitFor();

  // On a phone (a colleague running the console from a phone): one column, no sideways scroll.
  const small = await w.page({ viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true });
  await small.goto(w.base + room.host_url);
  await small.locator('.next-step .btn.primary').waitFor();
  assert.equal(await horizontalOverflow(small), 0, 'the console fits a 360 px phone');
  await shot(small, 'c06-console-360', { fullPage: true });
  w.assertClean();
});
