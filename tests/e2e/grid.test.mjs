// The 2×2 grid end to end (scenario 5: the top problems of a topic vote go on impact against
// effort, and the quick wins become the action plan): the facilitator builds the grid in the
// console from the ideas activity's top suggestions (with its validation), four phones place the
// items — by tapping, by dragging, and one with the keyboard only — one at 320 px with 200 % text;
// the 1920×1080 screen shows each item's mean and spread with a legend of quadrants, in type
// readable from the back of the room, and follows moves and take-backs at once. Also hiding and
// showing results, a reload, a phone that missed "voting closed", the embed (placing from it), the
// report, and axe-core on every state.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setup, shot, axe, until, horizontalOverflow, openConsole, build, showItem, fontSizes, SHOTS, DESKTOP } from './harness.mjs';

const IDEAS = 'What should we tackle first?';
const QUESTION = 'Where does each problem sit?';
const FULL_HD = { viewport: { width: 1920, height: 1080 } };
const PHONE_360 = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const PHONE_320 = { viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const LAPTOP = { viewport: { width: 1024, height: 800 } };
const LIGHTS = 'Fix the hall lights';
const LITTER = 'Monthly litter pick';
const GARDEN = 'New community garden';
const BIKES = 'Bike shed by block C';

/**
 * Participants on sockets of the host driver's page (quick set-up of the ideas activity): each
 * joins and sends its messages in order, waiting for each answer (and, when the rate limit
 * refuses one, for as long as the server says before sending it again).
 */
function sockets(driver, code, scripts) {
  return driver.page.evaluate(
    ({ code, scripts }) =>
      Promise.all(
        scripts.map(
          (msgs) =>
            new Promise((resolve, reject) => {
              const ws = new WebSocket(`ws://${location.host}/ws/${code}`);
              let rid = 1;
              let i = 0;
              const next = () => {
                if (i >= msgs.length) return resolve();
                ws.send(JSON.stringify({ ...msgs[i++], rid: ++rid }));
              };
              ws.onmessage = (e) => {
                const m = JSON.parse(e.data);
                if (m.type === 'welcome') ws.send(JSON.stringify({ type: 'hello', rid: 1, role: 'participant' }));
                else if (m.type === 'session') next();
                // Too fast for the connection's rate limit: wait as told and send it again.
                else if (m.type === 'error' && m.code === 'rate_limited') setTimeout(() => ((i -= 1), next()), m.retry_after_ms || 100);
                else if (m.type === 'error' && m.rid > 1) reject(new Error(`${msgs[i - 1].type}: ${m.code}`));
                else if (m.type === 'ack' && m.rid > 1) next();
              };
            }),
        ),
      ),
    { code, scripts },
  );
}

/** Where marker `n` sits on the board in `scope`, 0–100 on each axis, and whether it is on the board. */
const markAt = (page, scope, n) =>
  page.evaluate(
    ({ scope, n }) => {
      const area = document.querySelector(`${scope} .gb-marks`);
      const mark = area && [...area.querySelectorAll('.gb-mark')].find((m) => m.textContent === String(n) && !m.classList.contains('ghost'));
      if (!mark) return null;
      const a = area.getBoundingClientRect();
      const m = mark.getBoundingClientRect();
      const plot = area.closest('.gb-plot').getBoundingClientRect();
      return {
        x: ((m.left + m.width / 2 - a.left) / a.width) * 100,
        y: ((a.bottom - (m.top + m.height / 2)) / a.height) * 100,
        onBoard: m.left >= plot.left - 0.5 && m.right <= plot.right + 0.5 && m.top >= plot.top - 0.5 && m.bottom <= plot.bottom + 0.5,
      };
    },
    { scope, n },
  );

/** Waits until marker `n` rests near (x, y); returns how long that took. */
async function markNear(page, scope, n, x, y, what, timeout = 10_000) {
  const start = Date.now();
  await until(
    async () => {
      const at = await markAt(page, scope, n);
      return at && Math.abs(at.x - x) <= 1.5 && Math.abs(at.y - y) <= 1.5;
    },
    `${what}: marker ${n} near (${x}, ${y}) on ${scope} (last: ${JSON.stringify(await markAt(page, scope, n))})`,
    timeout,
  );
  return Date.now() - start;
}

/** Taps (clicks) the phone's board at (x, y), 0–100 each way. */
async function tapAt(page, x, y, scope = '.gb-phone') {
  const area = page.locator(`${scope} .gb-marks`);
  await area.scrollIntoViewIfNeeded();
  const b = await area.boundingBox();
  await page.mouse.click(b.x + (x / 100) * b.width, b.y + (1 - y / 100) * b.height);
}

/** A legend row's detail ("Quick wins · 4 people") by item text. */
const legendDetail = (page, scope, text) =>
  page.evaluate(
    ({ scope, text }) => [...document.querySelectorAll(`${scope} .gb-legend li`)].find((li) => li.querySelector('.gb-legend-text').textContent === text)?.querySelector('.gb-legend-detail').textContent ?? null,
    { scope, text },
  );

/** The phone's item rows: {text: state}. */
const itemStates = (page) =>
  page.evaluate(() => Object.fromEntries([...document.querySelectorAll('.grid-item')].map((b) => [b.querySelector('.grid-item-text').textContent, b.querySelector('.grid-item-state').textContent])));

const said = (page) => page.locator('#live').textContent();

test('2×2 grid: the top ideas placed on impact and effort, means and spreads on the screen', { timeout: 240_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Estate walk');
  const driver = await w.hostDriver(room);

  // The topic vote the grid takes its items from: six suggestions (one hidden), three voters.
  const ideas = (await driver.send({ type: 'add_activity', spec: { kind: 'ideas', prompt: IDEAS, max_per_participant: 6, dots: 3, max_dots_per_item: 1 } })).id;
  await driver.send({ type: 'navigate', to: { activity: ideas } });
  const texts = [BIKES, LITTER, LIGHTS, 'Free pizza every week', GARDEN, 'Repaint the stairwells'];
  await sockets(driver, room.code, [texts.map((text) => ({ type: 'submit_idea', activity: ideas, text }))]);
  await driver.send({ type: 'hide_idea', activity: ideas, idea: 3, hidden: true });
  await driver.send({ type: 'set_ideas_phase', activity: ideas, phase: 'vote' });
  await sockets(driver, room.code, [[2, 4, 1], [2, 4, 5], [2, 1, 0]].map((dots) => [{ type: 'dot_vote', activity: ideas, ideas: dots }]));
  // Votes: lights 3, litter 2, garden 2, bike shed 1, stairwells 1 (ties keep the older idea first).

  // --- The console's editor.
  const host = await openConsole(w, room);
  /** The whole editor dialog, in a window tall enough to hold it. */
  const editorShot = async (name) => {
    await host.setViewportSize({ width: 1366, height: 2200 });
    await host.locator('#editor').screenshot({ path: path.join(SHOTS, `${name}.png`) });
    await host.setViewportSize(DESKTOP.viewport);
  };
  await build(host, 'grid', 2, async () => {
    // A new grid starts from impact and effort: quick wins are high impact for little effort.
    assert.equal(await host.inputValue('#f-x-label'), 'Effort');
    assert.equal(await host.inputValue('#f-y-label'), 'Impact');
    assert.deepEqual(await Promise.all([0, 1, 2, 3].map((i) => host.inputValue(`#f-q${i}`))), ['Quick wins', 'Big projects', 'Fill-ins', 'Not worth it']);
    assert.equal(await host.locator('#f-q0-hint').textContent(), 'Impact: Big · Effort: Little');
    assert.equal(await host.locator('#f-q3-hint').textContent(), 'Impact: Small · Effort: A lot');
    // The other preset, then back.
    await host.click('[data-key="f-preset-1"]');
    assert.equal(await host.inputValue('#f-q1'), 'Do it now');
    assert.equal(await host.locator('#f-q1-hint').textContent(), 'Importance: Important · Urgency: Urgent');
    await host.click('[data-key="f-preset-0"]');
    assert.equal(await host.inputValue('#f-q0'), 'Quick wins');

    await host.fill('#f-question', QUESTION);
    // "Use the top ideas from …": the four with the most votes, hidden ones left out.
    assert.match(await host.locator('#f-ideas-from option').first().textContent(), /^1\. What should we tackle first\? \(5 ideas\)$/);
    await host.fill('#f-ideas-top', '4');
    await host.click('[data-key="f-ideas-use"]');
    await host.locator('.grid-fill-status', { hasText: 'Filled in 4 items from “What should we tackle first?”.' }).waitFor();
    const items = () => host.locator('#f-items input[type=text]').evaluateAll((inputs) => inputs.map((i) => i.value));
    assert.deepEqual(await items(), [LIGHTS, LITTER, GARDEN, BIKES]);
    await editorShot('g01-host-grid-editor');

    // A bad list is refused before anything is sent, with focus on the row at fault.
    await host.click('#f-items button:has-text("+ Add item")');
    await host.keyboard.type('monthly litter pick');
    await host.click('#editor button[type=submit]');
    await host.locator('#f-items-err', { hasText: '“monthly litter pick” is listed twice.' }).waitFor();
    assert.deepEqual(
      await host.evaluate(() => [document.activeElement.value, document.activeElement.getAttribute('aria-invalid')]),
      ['monthly litter pick', 'true'],
      'focus goes to the duplicate',
    );
    assert.equal(await host.locator('#editor[open]').count(), 1, 'the editor stays open');
    await axe(host, 'host console, grid editor with an error');
    await editorShot('g01b-host-grid-editor-error');
    await host.click('#f-items [aria-label="Remove item 5"]');
    await host.fill('#f-x-label', '');
    await host.click('#editor button[type=submit]');
    await host.locator('#f-x-label-err', { hasText: 'This is required.' }).waitFor();
    assert.equal(await host.evaluate(() => document.activeElement.id), 'f-x-label', 'focus goes to the empty axis label');
    assert.equal(await host.locator('#f-items-err').isHidden(), true, 'the fixed list is no longer flagged');
    await host.fill('#f-x-label', 'Effort');
    await axe(host, 'host console, grid editor');
  });
  assert.match(await host.locator('.deck-item').nth(1).textContent(), /2×2 grid.*Where does each problem sit\?/);

  // --- Phones, the screen.
  const screen = await w.page(FULL_HD);
  await screen.goto(`${w.base}/present/${room.code}`);
  await screen.locator('.joinbar-code').waitFor();
  const priya = await w.join(room.code, 'Priya', PHONE_360);
  const ben = await w.join(room.code, 'Ben', PHONE_360);
  const cai = await w.join(room.code, '', PHONE_320);
  await cai.addStyleTag({ content: 'html { font-size: 200% !important; }' });
  const dev = await w.join(room.code, 'Dev', LAPTOP);
  // Eve's connection can be made to miss state frames (a phone that has not heard voting close).
  const eve = await w.page(PHONE_360);
  let hold = false;
  await eve.routeWebSocket(/\/ws\//, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((m) => {
      if (!(hold && typeof m === 'string' && m.startsWith('{"type":"state"'))) ws.send(m);
    });
    ws.onMessage((m) => server.send(m));
  });
  await eve.goto(`${w.base}/${room.code}`);
  await eve.fill('#join-name', 'Eve');
  await eve.click('.join button[type=submit]');
  await eve.locator('#who').waitFor({ state: 'visible' });

  const noOverflow = async (state) => {
    const overflow = await horizontalOverflow(cai);
    assert.ok(overflow <= 0, `${state}: ${overflow} px of horizontal overflow at 320 px and 200 % text`);
  };

  await showItem(host, QUESTION);
  for (const phone of [priya, ben, cai, dev, eve]) await phone.locator('.gb-phone .gb-plot').waitFor();
  const board = priya.locator('.gb-phone .gb-plot');
  assert.equal(await board.getAttribute('role'), 'application');
  assert.equal(await board.getAttribute('aria-label'), 'Board: Effort across, Impact up');
  assert.equal(await priya.locator('.gb-phone .gb-y-high').innerText(), '▲ Impact: Big');
  assert.equal(await priya.locator('.gb-phone .gb-x-high').innerText(), 'Effort: A lot ▶');
  assert.deepEqual(await priya.locator('.gb-phone .gb-q-text').allTextContents(), ['Quick wins', 'Big projects', 'Fill-ins', 'Not worth it']);
  assert.deepEqual(await itemStates(priya), { [LIGHTS]: 'Not placed yet', [LITTER]: 'Not placed yet', [GARDEN]: 'Not placed yet', [BIKES]: 'Not placed yet' });
  await priya.locator('.grid-now-text', { hasText: 'Now placing 1. Fix the hall lights: tap the board where it belongs.' }).waitFor();
  assert.equal(await priya.locator('.activity button[type=submit]').count(), 0, 'nothing to send: each placement counts at once');
  // Results are shown from the start, but a phone sees them only once it has placed something.
  await priya.locator('.activity .hint', { hasText: 'Place an item to see where everyone put them.' }).waitFor();
  assert.equal(await priya.locator('.activity .results').isHidden(), true);
  await axe(priya, 'participant grid, open');
  await shot(priya, 'g02-phone-grid-open');
  await noOverflow('grid, open');
  await axe(cai, 'participant grid at 320 px and 200 %, open');
  await shot(cai, 'g03-phone320-grid-open');

  // Priya taps: the picked item goes where she taps, and the next one is picked for her.
  await tapAt(priya, 15, 85);
  await priya.locator('.activity .feedback[data-kind="ok"]', { hasText: /^Placed 1\. Fix the hall lights: Effort 1[4-6] of 100, Impact 8[4-6] of 100 — Quick wins\. Next: 2\. Monthly litter pick\.$/ }).waitFor();
  const first = await markAt(priya, '.gb-phone', 1);
  assert.ok(first.onBoard && Math.abs(first.x - 15) <= 1.5 && Math.abs(first.y - 85) <= 1.5, `her marker sits where she tapped (${JSON.stringify(first)})`);
  await priya.locator('.grid-now-text', { hasText: 'Now placing 2. Monthly litter pick' }).waitFor();
  await tapAt(priya, 30, 30);
  await priya.locator('.grid-now-text', { hasText: 'Now placing 3. New community garden' }).waitFor();
  await tapAt(priya, 80, 70);
  await priya.locator('.grid-now-text', { hasText: 'Now placing 4. Bike shed by block C' }).waitFor();
  // The corner: the marker stays on the board.
  await tapAt(priya, 100, 0);
  await priya.locator('.grid-now-text', { hasText: 'All placed.' }).waitFor();
  const corner = await markAt(priya, '.gb-phone', 4);
  assert.ok(corner.onBoard, `a marker at the corner stays on the board (${JSON.stringify(corner)})`);
  assert.match((await itemStates(priya))[BIKES], /^Effort (99|100) of 100, Impact [01] of 100 — Not worth it$/);
  // She moves the bike shed with a tap on its marker, then a tap on its new place.
  await priya.locator('.gb-phone .gb-mark[data-item]', { hasText: '4' }).click();
  await priya.locator('.grid-now-text', { hasText: 'Moving 4. Bike shed by block C: tap its new place or drag it there.' }).waitFor();
  await tapAt(priya, 75, 20);
  await until(async () => /^Effort 7[4-6] of 100, Impact (19|20|21) of 100 — Not worth it$/.test((await itemStates(priya))[BIKES]), 'the bike shed moved');
  await priya.locator('.activity .results:not([hidden]) .gb-legend li').first().waitFor();
  await axe(priya, 'participant grid, placed, with results');
  await shot(priya, 'g04-phone-grid-placed');

  await tapAt(ben, 25, 75);
  await ben.locator('.grid-now-text', { hasText: 'Now placing 2.' }).waitFor();
  await tapAt(ben, 20, 40);
  await ben.locator('.grid-now-text', { hasText: 'Now placing 3.' }).waitFor();
  await tapAt(ben, 90, 80);
  await ben.locator('.grid-now-text', { hasText: 'Now placing 4.' }).waitFor();

  await tapAt(cai, 20, 90);
  await cai.locator('.grid-now-text', { hasText: 'Now placing 2.' }).waitFor();
  await noOverflow('grid, placed');
  await axe(cai, 'participant grid at 320 px and 200 %, placed');
  await shot(cai, 'g05-phone320-grid-placed');
  await cai.locator('.grid-placer').screenshot({ path: path.join(SHOTS, 'g05b-phone320-grid-board.png') });

  // Dev uses the keyboard only: Tab to the first item, Enter picks it and goes onto the board.
  for (let i = 0; i < 40; i++) {
    await dev.keyboard.press('Tab');
    if (await dev.evaluate(() => document.activeElement?.classList.contains('grid-item'))) break;
  }
  assert.match(await dev.evaluate(() => document.activeElement.textContent), /Fix the hall lights/);
  await dev.keyboard.press('Enter');
  assert.equal(await dev.evaluate(() => document.activeElement.getAttribute('role')), 'application', 'the board takes the keyboard');
  assert.notEqual(await dev.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none', 'with a visible focus ring');
  await dev.locator('.grid-keys', { hasText: 'the arrow keys move the picked item by 5' }).waitFor();
  for (let i = 0; i < 7; i++) await dev.keyboard.press('ArrowLeft');
  for (let i = 0; i < 7; i++) await dev.keyboard.press('ArrowUp');
  await until(async () => (await said(dev)) === 'Fix the hall lights: Effort 15 of 100, Impact 85 of 100 — Quick wins', 'each step is said in words');
  const ghost = await dev.evaluate(() => {
    const g = document.querySelector('.gb-phone .gb-mark.ghost');
    return g && [g.textContent, g.style.getPropertyValue('--x'), g.style.getPropertyValue('--y')];
  });
  assert.deepEqual(ghost, ['1', '15', '85'], 'the item shows where it would go');
  assert.deepEqual(await itemStates(dev), { [LIGHTS]: 'Not placed yet', [LITTER]: 'Not placed yet', [GARDEN]: 'Not placed yet', [BIKES]: 'Not placed yet' }, 'nothing is sent before Enter');
  await dev.keyboard.press('Shift+ArrowRight');
  await until(async () => (await said(dev)) === 'Fix the hall lights: Effort 16 of 100, Impact 85 of 100 — Quick wins', 'Shift moves by 1');
  await dev.keyboard.press('Enter');
  await until(async () => (await said(dev)) === 'Placed 1. Fix the hall lights: Effort 16 of 100, Impact 85 of 100 — Quick wins. Next: 2. Monthly litter pick.', 'the placement is said');
  // The next item starts from the middle; Page Up picks the lights again; Delete takes them back.
  for (let i = 0; i < 6; i++) await dev.keyboard.press('ArrowLeft');
  for (let i = 0; i < 2; i++) await dev.keyboard.press('ArrowDown');
  await dev.keyboard.press('Enter');
  await until(async () => (await said(dev)).startsWith('Placed 2. Monthly litter pick: Effort 20 of 100, Impact 40 of 100 — Fill-ins.'), 'the second placement is said');
  await dev.keyboard.press('PageUp');
  await dev.keyboard.press('PageUp');
  await until(async () => (await said(dev)) === 'Picked 1. Fix the hall lights. Effort 16 of 100, Impact 85 of 100 — Quick wins.', 'Page Up picks another item, and says where it is');
  await dev.keyboard.press('Delete');
  await until(async () => (await said(dev)) === '1. Fix the hall lights taken back.', 'the take-back is said');
  assert.equal((await itemStates(dev))[LIGHTS], 'Not placed yet');
  await dev.keyboard.press('ArrowLeft');
  for (let i = 0; i < 7; i++) await dev.keyboard.press('ArrowUp');
  for (let i = 0; i < 6; i++) await dev.keyboard.press('Shift+ArrowLeft');
  await dev.keyboard.press('Enter');
  await until(async () => (await said(dev)).startsWith('Placed 1. Fix the hall lights: Effort 39 of 100, Impact 85 of 100 — Quick wins.'), 'placed again');
  assert.match((await itemStates(dev))[LITTER], /^Effort 20 of 100, Impact 40 of 100 — Fill-ins$/);
  await axe(dev, 'participant grid, keyboard');
  await shot(dev, 'g06-laptop-grid-keyboard');

  // --- The screen: means (lights: Priya 15/85, Ben 25/75, Cai 20/90, Dev 39/85), spreads, legend.
  await markNear(screen, '.gb-screen', 1, (15 + 25 + 20 + 39) / 4, (85 + 75 + 90 + 85) / 4, 'the lights');
  await markNear(screen, '.gb-screen', 2, (30 + 20 + 20) / 3, (30 + 40 + 40) / 3, 'the litter pick');
  await markNear(screen, '.gb-screen', 3, (80 + 90) / 2, (70 + 80) / 2, 'the garden');
  await markNear(screen, '.gb-screen', 4, 75, 20, 'the bike shed');
  for (const n of [1, 2, 3, 4]) assert.ok((await markAt(screen, '.gb-screen', n)).onBoard, `marker ${n} is on the board`);
  assert.equal(await legendDetail(screen, '.gb-screen + .gb-legend-box', LIGHTS), 'Quick wins · 4 people');
  assert.equal(await legendDetail(screen, '.grid-show', LITTER), 'Fill-ins · 3 people');
  assert.equal(await legendDetail(screen, '.grid-show', GARDEN), 'Big projects · 2 people');
  assert.equal(await legendDetail(screen, '.grid-show', BIKES), 'Not worth it · 1 person');
  await screen.locator('.act-foot', { hasText: '4 people placed items' }).waitFor();
  // The garden's spread: Priya and Ben 10 apart on each axis, so ±5: an ellipse 10 wide and tall.
  const spread = await screen.evaluate(() => {
    const area = document.querySelector('.gb-screen .gb-spreads .gb-area').getBoundingClientRect();
    const e = document.querySelectorAll('.gb-screen .gb-spread')[2].getBoundingClientRect();
    return [(e.width / area.width) * 100, (e.height / area.height) * 100];
  });
  assert.ok(Math.abs(spread[0] - 10) < 1 && Math.abs(spread[1] - 10) < 1, `the garden's ellipse spans one standard deviation each way (${spread})`);
  const sizes = await fontSizes(screen, '.act', '.gb-legend-text, .gb-mark, .gb-legend .gb-key, .gb-name');
  assert.ok(sizes.bigs >= 12, `labels and figures are on screen (${sizes.bigs})`);
  assert.ok(sizes.smallestBig >= 32, `result labels and figures at least 32 px (${sizes.smallestBig})`);
  const secondary = await fontSizes(screen, '.act', '.gb-legend-detail, .gb-q-text, .gb-end, .act-foot');
  assert.ok(secondary.smallestBig >= 24, `secondary text at least 24 px (${secondary.smallestBig})`);
  assert.ok(sizes.smallest >= 20, `nothing under 20 px (${sizes.smallest})`);
  await axe(screen, 'presenter grid, results');
  await shot(screen, 'g07-present-grid-results', { fullPage: false });

  // Phones see where everyone put them once they have placed something; Eve has not.
  await priya.locator('.results-head', { hasText: 'Where everyone put them — 4 people' }).waitFor();
  assert.equal(await legendDetail(priya, '.activity .results', LIGHTS), 'Quick wins · 4 people');
  await eve.locator('.activity .hint', { hasText: 'Place an item to see where everyone put them.' }).waitFor();
  assert.equal(await eve.locator('.activity .results').isHidden(), true, 'no bandwagon: nothing before her own first placement');
  assert.equal(await eve.locator('.activity .gb-legend li').count(), 0, 'nor in the page for a screen reader');

  // --- Moves and take-backs reach the screen within a second or two.
  await priya.locator('.gb-phone .gb-mark[data-item]', { hasText: '1' }).click();
  await priya.locator('.grid-now-text', { hasText: 'Moving 1. Fix the hall lights' }).waitFor();
  let started = Date.now();
  await tapAt(priya, 60, 85);
  await markNear(screen, '.gb-screen', 1, (60 + 25 + 20 + 39) / 4, (85 + 75 + 90 + 85) / 4, 'after Priya’s move', 5000);
  let took = Date.now() - started;
  assert.ok(took < 2000, `the move shows on the screen within 2 s (${took} ms)`);
  // Ben drags his litter pick from (20, 40) to (45, 60).
  const area = await ben.locator('.gb-phone .gb-marks').boundingBox();
  const from = await ben.locator('.gb-phone .gb-mark[data-item]', { hasText: '2' }).boundingBox();
  await ben.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await ben.mouse.down();
  for (let i = 1; i <= 5; i++) await ben.mouse.move(from.x + from.width / 2 + (i / 5) * 0.25 * area.width, from.y + from.height / 2 - (i / 5) * 0.2 * area.height);
  started = Date.now();
  await ben.mouse.up();
  await markNear(screen, '.gb-screen', 2, (30 + 45 + 20) / 3, (30 + 60 + 40) / 3, 'after Ben’s drag', 5000);
  took = Date.now() - started;
  assert.ok(took < 2000, `the drag shows on the screen within 2 s (${took} ms)`);
  assert.match((await itemStates(ben))[LITTER], /^Effort 4[4-6] of 100, Impact (59|60|61) of 100 — Quick wins$/);
  // Priya takes the bike shed back: nobody has it on the board any more.
  await priya.locator('.gb-phone .gb-mark[data-item]', { hasText: '4' }).click();
  started = Date.now();
  await priya.locator('.grid-now button', { hasText: 'Take it back' }).click();
  await until(async () => (await legendDetail(screen, '.grid-show', BIKES)) === 'Not placed yet' && !(await markAt(screen, '.gb-screen', 4)), 'the bike shed leaves the screen', 5000);
  took = Date.now() - started;
  assert.ok(took < 2000, `the take-back shows on the screen within 2 s (${took} ms)`);
  await priya.locator('.activity .feedback', { hasText: '4. Bike shed by block C taken back.' }).waitFor();
  assert.equal((await itemStates(priya))[BIKES], 'Not placed yet');
  await screen.locator('.act-foot', { hasText: '4 people placed items' }).waitFor();
  await axe(screen, 'presenter grid, after moves');

  // The console: the board and the figures behind it, all along.
  await until(async () => (await legendDetail(host, '.preview', BIKES)) === 'Not placed yet', 'the console follows');
  assert.match(await legendDetail(host, '.preview', GARDEN), /^Big projects · 2 people · average 85\.0, 75\.0 · spread ±5\.0, ±5\.0$/);
  assert.match(await host.locator('.stats').textContent(), /4 people placed items/);
  await axe(host, 'host console, grid running');
  await shot(host, 'g08-host-grid-running');

  // --- Hidden results: the screen shows the question and the count only; phones nothing.
  await host.click('[data-key="d-results"]');
  await until(async () => (await screen.locator('.waiting-n').textContent().catch(() => '')) === '4', 'the screen shows the count');
  assert.equal(await screen.locator('.gb-screen').isHidden(), true, 'no board while hidden');
  assert.doesNotMatch(await screen.locator('.act').innerText(), /hall lights|Quick wins|garden/);
  await screen.locator('.act h1', { hasText: QUESTION }).waitFor();
  await priya.locator('.activity .results').waitFor({ state: 'hidden' });
  await axe(priya, 'participant grid, results hidden');
  await axe(screen, 'presenter grid, hidden');
  await shot(screen, 'g09-present-grid-hidden', { fullPage: false });
  await host.click('[data-key="d-results"]');
  await screen.locator('.gb-screen .gb-mark').first().waitFor();
  await priya.locator('.activity .results:not([hidden])').waitFor();

  // A reload keeps Ben's placements (from the server).
  await ben.reload();
  await ben.locator('.grid-now-text', { hasText: 'Now placing 4. Bike shed by block C' }).waitFor();
  const back = await itemStates(ben);
  assert.match(back[LIGHTS], /^Effort 2[4-6] of 100, Impact 7[4-6] of 100 — Quick wins$/);
  assert.match(back[GARDEN], /^Effort (89|90|91) of 100, Impact (79|80|81) of 100 — Big projects$/);
  assert.equal(back[BIKES], 'Not placed yet');
  assert.equal(await ben.locator('.gb-phone .gb-mark[data-item]').count(), 3);

  // --- The embed, with voting from embeds allowed: a visitor places an item there.
  await host.click('[data-key="panel-embed"]');
  await host.selectOption('#embed-pin', { label: `2. ${QUESTION}` });
  await host.locator('.flash', { hasText: 'Embed settings saved' }).waitFor();
  await host.check('#embed-voting');
  const embed = await w.page({ viewport: { width: 480, height: 900 } });
  await embed.goto(`${w.base}/embed/${room.code}`);
  await embed.locator('.embed-vote .gb-phone .gb-plot').waitFor();
  await embed.locator('.embed-note', { hasText: 'Place an item to see where everyone put them.' }).waitFor();
  await axe(embed, 'embed grid, voting');
  await tapAt(embed, 10, 95, '.embed-vote .gb-phone');
  await embed.locator('.embed-vote .feedback[data-kind="ok"]', { hasText: /^Placed 1\. Fix the hall lights: Effort (9|10|11) of 100, Impact (94|95|96) of 100 — Quick wins\./ }).waitFor();
  await embed.locator('.embed-results .gb-legend li').first().waitFor();
  await embed.locator('.embed-results .results-head', { hasText: 'Where everyone put them — 5 people' }).waitFor();
  await embed.locator('.embed-meta', { hasText: '5 people placed items' }).waitFor();
  await axe(embed, 'embed grid, placed');
  await shot(embed, 'g10-embed-grid');

  // --- Voting closes. Eve's phone misses the news and tries: the server says no, and she hears it.
  hold = true;
  await host.click('[data-key="d-voting"]');
  await priya.locator('.activity .notice', { hasText: 'Voting is closed. Your placements were counted.' }).waitFor();
  assert.equal(await priya.locator('.gb-phone .gb-plot').getAttribute('aria-disabled'), 'true');
  assert.equal(await priya.locator('.grid-item').first().isDisabled(), true);
  assert.equal(await priya.locator('.grid-now').isHidden(), true);
  await tapAt(priya, 90, 90);
  assert.equal(await priya.locator('.gb-phone .gb-mark[data-item]').count(), 3, 'a read-only board takes no placement');
  await axe(priya, 'participant grid, closed');
  await shot(priya, 'g11-phone-grid-closed');
  await noOverflow('grid, closed');
  await cai.locator('.activity .notice', { hasText: 'Voting is closed' }).waitFor();
  await axe(cai, 'participant grid at 320 px and 200 %, closed');
  await shot(cai, 'g12-phone320-grid-closed');
  await tapAt(eve, 50, 75);
  await eve.locator('.activity .feedback[data-kind="error"]', { hasText: 'Voting is closed.' }).waitFor();
  await until(async () => (await said(eve)) === 'Voting is closed.', 'the refusal is announced');
  assert.equal(await eve.locator('.gb-phone .gb-mark[data-item]').count(), 0, 'the refused placement leaves the board');
  assert.equal((await itemStates(eve))[LIGHTS], 'Not placed yet');
  await axe(eve, 'participant grid, refused');
  await screen.locator('.act-foot', { hasText: 'Voting closed' }).waitFor();
  await embed.locator('.embed-vote .gb-plot').waitFor({ state: 'detached' });
  await embed.locator('.embed-results .gb-legend li').first().waitFor();
  await axe(embed, 'embed grid, closed');

  // --- The report (the facilitator's copy): the board of means and the figures.
  const report = await w.page({ viewport: { width: 1000, height: 900 } });
  await report.goto(`${w.base}/report/${room.code}#key=${encodeURIComponent(room.host_key)}`);
  const section = report.locator('section.activity', { hasText: QUESTION });
  await section.locator('table').waitFor();
  assert.match(await section.innerText(), /5 responses/);
  assert.equal(await section.locator('.gb-mark').count(), 3, 'a marker for each item someone placed');
  const rows = await section.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.deepEqual(rows[0].slice(0, 4), ['1', LIGHTS, 'Quick wins', '5']);
  assert.deepEqual(rows[3].slice(0, 4), ['4', BIKES, '–', '0']);
  assert.match(await section.locator('thead').innerText(), /Average \(Effort, Impact\)/);
  await axe(report, 'report with a grid');
  await shot(report, 'g13-report-grid');
  w.assertClean();
});

test('2×2 grid: twenty long items fit the 1920×1080 screen, the legend in pages', { timeout: 120_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Estate walk');
  const driver = await w.hostDriver(room);
  const long = 'because the stairwell, the bin store and the path to the bus stop are dark after four in the afternoon and people do not feel safe walking there';
  const items = Array.from({ length: 20 }, (_, i) => `${i + 1}: ${long}`.slice(0, 200));
  const id = (
    await driver.send({
      type: 'add_activity',
      spec: { kind: 'grid', question: QUESTION, items, x: { label: 'Effort', low: 'Little', high: 'A lot' }, y: { label: 'Impact', low: 'Small', high: 'Big' }, quadrants: ['Quick wins', 'Big projects', 'Fill-ins', 'Not worth it'] },
    })
  ).id;
  await driver.send({ type: 'navigate', to: { activity: id } });
  const screen = await w.page(FULL_HD);
  await screen.goto(`${w.base}/present/${room.code}`);
  // Two people place every item, all over the board.
  await sockets(
    driver,
    room.code,
    [0, 1].map((k) => items.map((_, i) => ({ type: 'place', activity: id, item: i, x: (i * 37 + k * 11) % 101, y: (i * 53 + k * 7) % 101 }))),
  );
  await screen.locator('.act-foot', { hasText: '2 people placed items' }).waitFor();
  await until(async () => (await screen.locator('.gb-screen .gb-mark').count()) === 20, 'twenty markers');
  for (let n = 1; n <= 20; n++) assert.ok((await markAt(screen, '.gb-screen', n)).onBoard, `marker ${n} is on the board`);

  // Each page shows what fits, in type no smaller than the minimum; the pages together show all.
  const page = () =>
    screen.evaluate(() => {
      const box = document.querySelector('.gb-legend').getBoundingClientRect();
      const shown = [...document.querySelectorAll('.gb-legend li')].filter((li) => !li.hidden);
      return {
        label: document.querySelector('.gb-page').hidden ? null : document.querySelector('.gb-page').textContent,
        numbers: shown.map((li) => Number(li.querySelector('.gb-key').textContent)),
        inside: shown.every((li) => li.getBoundingClientRect().bottom <= box.bottom + 1 && li.getBoundingClientRect().right <= box.right + 1),
        scrolls: document.documentElement.scrollHeight > innerHeight || document.documentElement.scrollWidth > innerWidth,
      };
    });
  const seen = new Set();
  // The pages turn with the clock, so the first one seen may be the short last page: judge the
  // fullest.
  let fullest = 0;
  while (seen.size < 20) {
    const now = await until(async () => {
      const p = await page();
      return p.label && p.numbers.length && !seen.has(p.numbers[0]) && p;
    }, `another page of the legend (seen ${[...seen]})`, 12_000);
    fullest = Math.max(fullest, now.numbers.length);
    assert.equal(now.label, `Items ${now.numbers[0]}–${now.numbers.at(-1)} of 20`);
    assert.ok(now.inside, `page ${now.label}: every item inside the legend`);
    assert.ok(!now.scrolls, 'nothing runs off the screen');
    const sizes = await fontSizes(screen, '.act', '.gb-legend-text, .gb-mark, .gb-legend .gb-key');
    assert.ok(sizes.smallestBig >= 32, `${now.label}: result labels and figures at least 32 px (${sizes.smallestBig})`);
    const secondary = await fontSizes(screen, '.act', '.gb-legend-detail, .gb-page, .gb-q-text, .gb-end');
    assert.ok(secondary.smallestBig >= 24, `${now.label}: secondary text at least 24 px (${secondary.smallestBig})`);
    assert.ok(sizes.smallest >= 20, `${now.label}: nothing under 20 px (${sizes.smallest})`);
    for (const n of now.numbers) seen.add(n);
    if (seen.size === now.numbers.length) await shot(screen, 'g14-present-grid-20-items', { fullPage: false });
  }
  assert.ok(fullest >= 6, `a page holds a good share of the items (${fullest})`);
  await axe(screen, 'presenter grid, twenty items');
  w.assertClean();
});
