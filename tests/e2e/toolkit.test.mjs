// The facilitator's toolkit end to end: a session from a template on the landing page, breakout
// rounds (groups on every phone and on the screen; round two re-mixes), a solution circle (sharer
// listens, speakers post ideas in turn, the sharer's feedback), and exports (save as template,
// JSON and CSV downloads, the report with notes). axe-core checks each new page state.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { setup, shot, axe, until, horizontalOverflow, DESKTOP, openConsole, openScreen, build, showItem } from './harness.mjs';

/** No sideways scrolling at 320 px with 200 % text (the root font size doubled). */
async function narrowCheck(page, state) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 640 });
  const tag = await page.addStyleTag({ content: 'html { font-size: 200% !important; }' });
  const overflow = await horizontalOverflow(page);
  await tag.evaluate((el) => el.remove());
  await page.setViewportSize(size);
  assert.ok(overflow <= 0, `${state}: ${overflow} px of horizontal overflow at 320 px and 200 % text`);
}

/** The presenter's groups: [[names…], …]. */
const screenGroups = (screen) =>
  screen.evaluate(() => [...document.querySelectorAll('.group-grid > li')].map((li) => [...li.querySelectorAll('.group-members li')].map((x) => x.textContent)));

test('breakout rounds: every phone shows its group, the screen shows all; round two re-mixes', { timeout: 150_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Meetup');
  const host = await openConsole(w, room);
  await build(host, 'groups', 1, async () => {
    await host.fill('#f-title', 'Nine-minute networking');
    await host.fill('#f-points', 'One thing that went well\nOne thing you are stuck on');
    await host.fill('#f-minutes', '9');
    await axe(host, 'host console, groups editor');
  });
  const screen = await openScreen(w, room);
  const names = ['Ann', 'Bo', 'Cy', 'Dee', 'Ed', 'Flo', 'Gus'];
  const phones = [];
  for (const name of names) phones.push(await w.join(room.code, name));
  await showItem(host, 'Nine-minute networking');
  for (const p of phones) await p.locator('.group-mine', { hasText: 'facilitator starts' }).waitFor();
  await axe(phones[0], 'phone, groups before the round');

  const start = host.locator('[data-key="groups-start"]');
  assert.equal((await start.textContent()).trim(), 'Start round');
  await start.click();
  await until(async () => (await start.textContent()).trim() === 'Start round 2', 'the button offers round two');

  const rounds = [];
  for (let round = 1; round <= 2; round++) {
    // Every phone: "You're in group N" with the others' names.
    const mine = {};
    for (const [i, p] of phones.entries()) {
      const line = await until(async () => {
        const text = await p.locator('.group-mine').textContent();
        return /You’re in group \d/.test(text) && (await p.locator('.group-mine').getAttribute('data-group')) && text;
      }, `${names[i]} sees their group in round ${round}`);
      mine[names[i]] = Number(line.match(/\d+/)[0]);
      const others = await p.locator('.group-with li').allTextContents();
      assert.ok(others.length >= 2 && others.length <= 3, `${names[i]} is with 2 or 3 others`);
      assert.ok(!others.includes(names[i]));
    }
    // The screen: every group, everyone once, and the countdown.
    const groups = await until(async () => {
      const g = await screenGroups(screen);
      return g.flat().length === 7 && g;
    }, `the screen shows all groups of round ${round}`);
    assert.deepEqual(groups.flat().sort(), [...names].sort());
    for (const g of groups) assert.ok(g.length >= 3 && g.length <= 4, 'groups of 3 or 4');
    groups.forEach((g, i) => g.forEach((n) => assert.equal(mine[n], i + 1, `${n}'s phone agrees with the screen`)));
    const digits = await screen.locator('.groups-clock .timer-digits').textContent();
    assert.match(digits, /^[89]:\d\d$/);
    const phoneDigits = await phones[0].locator('.timer-digits').textContent();
    assert.match(phoneDigits, /^[89]:\d\d$/);
    rounds.push(groups);
    await shot(screen, `t0${round}-screen-groups-round-${round}`);
    await shot(phones[0], `t0${round}-phone-groups-round-${round}`);
    if (round === 1) {
      await axe(screen, 'presenter, groups');
      await axe(phones[0], 'phone, in a group');
      await narrowCheck(phones[0], 'phone, in a group');
      await axe(host, 'host console, groups running');
      // Pause and resume the countdown.
      await host.click('[data-key="timer-pause"]');
      await screen.locator('.groups-clock[data-state="paused"]').waitFor();
      await host.click('[data-key="timer-start"]');
      await screen.locator('.groups-clock[data-state="running"]').waitFor();
      await start.click();
      await until(async () => (await start.textContent()).trim() === 'Start round 3', 'the button offers round three');
      await host.locator('.deck-item', { hasText: 'Round 2' }).waitFor();
    }
  }
  // Round two re-mixes as far as possible. With 7 people in a group of 3 and a group of 4, no
  // pair meeting twice is impossible (the new group of 4 would need at most one person from each
  // old group): the fewest repeats is 3 (2+2 and 1+2 from the old groups of 3 and 4).
  const pairs = (groups) => groups.flatMap((g) => g.flatMap((a, i) => g.slice(i + 1).map((b) => [a, b].sort().join('+'))));
  const first = new Set(pairs(rounds[0]));
  const again = pairs(rounds[1]).filter((p) => first.has(p));
  assert.ok(again.length <= 3, `as few pairs as possible meet again (${again.join(', ')})`);
  assert.notDeepEqual(rounds[1], rounds[0], 'round two re-mixes the groups');
  w.assertClean();
});

test('solution circle: the sharer listens, speakers post ideas in turn, the sharer’s feedback', { timeout: 150_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Meetup');
  const host = await openConsole(w, room);
  await build(host, 'circle', 1, async () => {
    await host.fill('#f-title', 'Solution circle');
    await host.fill('#f-challenge', 'Getting the repairs team invested in tenant engagement');
    await host.fill('#f-turn', '2');
    await host.fill('#f-discussion', '10');
    await axe(host, 'host console, circle editor');
  });
  const screen = await openScreen(w, room);
  const names = ['Ann', 'Bo', 'Cy', 'Dee'];
  const phones = {};
  for (const name of names) phones[name] = await w.join(room.code, name);
  await showItem(host, 'Solution circle');
  await phones.Ann.locator('.circle-role', { hasText: 'setting up' }).waitFor();

  // Setup: Ann shares; the order is set by hand, Dee moved up before Cy.
  const sharer = host.locator('[data-key="circle-sharer"]');
  await until(async () => (await sharer.locator('option').count()) === 5, 'the console lists the four people');
  await sharer.selectOption({ label: 'Ann' });
  await host.check('[data-key="circle-set"]');
  const orderNames = async () => (await host.locator('.circle-order-name').allTextContents()).map((x) => x.replace(/^\d+\. /, ''));
  const before = await until(async () => {
    const o = await orderNames();
    return o.length === 3 && o;
  }, 'the order lists the three speakers');
  assert.deepEqual([...before].sort(), ['Bo', 'Cy', 'Dee']);
  // Move the last speaker up one place.
  await host.getByRole('button', { name: `Move ${before[2]} up` }).click();
  const order = [before[0], before[2], before[1]];
  await until(async () => (await orderNames()).join('|') === order.join('|'), 'the last speaker moved up');
  await axe(host, 'host console, circle setup');
  await shot(host, 't30-host-circle-setup', { fullPage: false });
  await host.click('[data-key="circle-start"]');

  await phones.Ann.locator('.circle-role', { hasText: 'Listening — mic off' }).waitFor();
  const [first, second, third] = order.map((n) => phones[n]);
  await screen.locator('.circle-now', { hasText: `Now speaking: ${order[0]}` }).waitFor();
  assert.equal(await screen.locator('.circle-next').textContent(), `Next: ${order[1]}`);
  await first.locator('.circle-role', { hasText: 'Your turn now' }).waitFor();
  await third.locator('.circle-role', { hasText: 'You speak after 2 more' }).waitFor();
  assert.equal(await phones.Ann.locator('.activity textarea').isVisible(), false, 'the sharer cannot post during the turns');
  assert.equal(await third.locator('.activity textarea').isVisible(), false, 'a speaker waiting for their turn cannot post');
  await axe(phones.Ann, 'phone, sharer listening');
  await narrowCheck(phones.Ann, 'phone, sharer listening');
  await narrowCheck(first, 'phone, your turn');
  await axe(first, 'phone, your turn');
  await shot(phones.Ann, 't31-phone-circle-sharer');
  await shot(first, 't32-phone-circle-your-turn');

  // The first speaker posts an idea; it appears on the screen.
  await first.fill('.activity textarea', 'Invite the repairs manager to our next meetup');
  await first.click('.activity form button[type=submit]');
  await screen.locator('.circle-ideas li', { hasText: 'Invite the repairs manager to our next meetup' }).waitFor();
  assert.match(await screen.locator('.circle-ideas li').first().textContent(), new RegExp(`${order[0]}, turn 1`));
  assert.match(await screen.locator('.circle-clock .timer-digits').textContent(), /^[12]:\d\d$/);
  await axe(screen, 'presenter, circle turns');
  await shot(screen, 't33-screen-circle-turns');

  // Next turns.
  const next = host.locator('[data-key="circle-next"]');
  assert.equal((await next.textContent()).trim(), 'Next speaker');
  await next.click();
  await screen.locator('.circle-now', { hasText: `Now speaking: ${order[1]}` }).waitFor();
  await second.locator('.circle-role', { hasText: 'Your turn now' }).waitFor();
  await third.locator('.circle-role', { hasText: 'You speak after 1 more' }).waitFor();
  await first.locator('.circle-role', { hasText: 'You have had your turn' }).waitFor();
  await next.click();
  await screen.locator('.circle-now', { hasText: `Now speaking: ${order[2]}` }).waitFor();
  await third.fill('.activity textarea', 'Joint walkabouts with tenants');
  await third.click('.activity form button[type=submit]');
  await screen.locator('.circle-ideas li', { hasText: 'Joint walkabouts with tenants' }).waitFor();
  await until(async () => (await next.textContent()).trim() === 'Start discussion', 'the last turn offers the discussion');
  await next.click();
  await screen.locator('.circle-now', { hasText: 'Open discussion' }).waitFor();
  await until(async () => (await next.textContent()).trim() === 'Sharer’s feedback', 'the discussion offers the feedback');
  await next.click();

  // The sharer's feedback shows on the screen.
  await phones.Ann.locator('.circle-role', { hasText: 'say what was useful' }).waitFor();
  await phones.Ann.fill('.activity textarea', 'The walkabouts: I will try one in May');
  await phones.Ann.click('.activity form button[type=submit]');
  await screen.locator('.circle-feedback li', { hasText: 'The walkabouts: I will try one in May' }).waitFor();
  await axe(phones.Ann, 'phone, sharer feedback');
  await axe(screen, 'presenter, circle feedback');
  await shot(screen, 't34-screen-circle-feedback');
  await next.click();
  await screen.locator('.circle-now', { hasText: 'finished' }).waitFor();
  w.assertClean();
});

test('templates: a session from “LA/ALMO meetup” on the landing page', { timeout: 90_000 }, async (t) => {
  const w = await setup(t);
  const page = await w.page(DESKTOP);
  await page.goto(w.base);
  const item = page.locator('#template-list li', { hasText: 'LA/ALMO meetup' });
  await item.waitFor();
  assert.equal(await page.locator('#template-list li').count(), 4, 'four built-in templates');
  assert.match(await item.textContent(), /6 activities/);
  await axe(page, 'landing page with templates');
  await shot(page, 't10-index-templates');
  await page.fill('#template-title', 'March meetup');
  await item.getByRole('button', { name: 'Use “LA/ALMO meetup” for a new session' }).click();
  await page.waitForURL(/\/host\/\d{8}#key=/);
  await until(async () => (await page.locator('.deck .deck-item').count()) === 6, 'the deck holds the template’s six activities');
  const deck = (await page.locator('.deck .deck-item').allTextContents()).join('\n');
  for (const text of ['Nine-minute networking: round one', 'Nine-minute networking: round two', 'What do you want to work on today?', 'Solution circle', 'Open space: raise anything', 'Feedback on today']) {
    assert.ok(deck.includes(text), `the deck has “${text}”`);
  }
  assert.equal(await page.inputValue('#title-input'), 'March meetup');
  w.assertClean();
});

test('exports: save as template and start from it, JSON and CSV downloads, the report with notes', { timeout: 120_000 }, async (t) => {
  const w = await setup(t);
  const res = await fetch(`${w.base}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ template: 'meetup', title: 'Meetup' }) });
  assert.equal(res.status, 201);
  const room = await res.json();
  const driver = await w.hostDriver(room);
  const ana = await w.join(room.code, 'Ana');
  await driver.send({ type: 'navigate', to: { activity: 2 } });
  await ana.fill('.activity textarea', 'Repairs engagement');
  await ana.click('.activity form button[type=submit]');
  await ana.locator('.mine-list li', { hasText: 'Repairs engagement' }).waitFor();

  const host = await openConsole(w, room);
  await host.click('[data-key="panel-export"]');
  await host.locator('[data-key="export-json"]').waitFor();
  await axe(host, 'host console with exports');
  await shot(host, 't20-host-exports');

  // The whole session as JSON.
  const [json] = await Promise.all([host.waitForEvent('download'), host.click('[data-key="export-json"]')]);
  assert.equal(json.suggestedFilename(), `handsup-${room.code}.json`);
  const session = JSON.parse(await readFile(await json.path(), 'utf8'));
  assert.ok(JSON.stringify(session).includes('Repairs engagement'), 'the JSON export holds the idea');
  // The ideas activity as CSV.
  const [csv] = await Promise.all([host.waitForEvent('download'), host.click('[data-key="export-csv-2"]')]);
  assert.equal(csv.suggestedFilename(), `handsup-${room.code}-activity-2.csv`);
  const rows = await readFile(await csv.path(), 'utf8');
  assert.match(rows, /Repairs engagement/);
  assert.match(rows, /Ana/);

  // Save as template, then start a new session from it on the landing page.
  await host.fill('#template-name', 'Our meetup');
  await host.click('[data-key="template-save"]');
  await host.locator('.flash', { hasText: 'Saved as the template “Our meetup”' }).waitFor();
  await host.goto(w.base);
  const own = host.locator('#own-template-list li', { hasText: 'Our meetup' });
  await own.waitFor();
  assert.match(await own.textContent(), /6 activities/);
  await axe(host, 'landing page with own templates');
  await own.getByRole('button', { name: 'Use “Our meetup” for a new session' }).click();
  await host.waitForURL(/\/host\/\d{8}#key=/);
  assert.ok(!host.url().includes(`/host/${room.code}`), 'a new session');
  await until(async () => (await host.locator('.deck .deck-item').count()) === 6, 'the new session has the saved deck');
  assert.ok((await host.locator('.deck').textContent()).includes('What do you want to work on today?'));

  // The report: write a "you said, we did" note, see it shown.
  await host.goto(`${w.base}/report/${room.code}#key=${encodeURIComponent(room.host_key)}`);
  const section = host.locator('section.activity', { hasText: 'What do you want to work on today?' });
  await section.waitFor();
  await section.locator('details summary').click();
  const area = section.locator('.note-editor textarea').first();
  await area.fill('The repairs manager joins our March meetup.');
  await section.locator('.note-editor button').first().click();
  await host.locator('section.activity .said dd', { hasText: 'The repairs manager joins our March meetup.' }).waitFor();
  await axe(host, 'report with notes');
  await shot(host, 't21-report-notes');
  w.assertClean();
});
