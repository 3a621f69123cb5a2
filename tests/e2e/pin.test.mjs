// Pin on an image end to end (scenario 5, the estate walk): the facilitator builds it in the
// console's editor, puts up the estate map (a text file called .png is refused with the server's
// reason and changes nothing; a PNG drawn on a canvas goes up), and phones drop pins on it: one
// with a comment, one moving a pin and removing another, one at 320 px with 200 % text, and one
// with the keyboard alone, hearing where the cross-hair is. The 1920×1080 screen shows each pin
// where it was dropped, the heat map's busiest spot over the cluster and the comment, in type
// readable from the back of the room. The facilitator removes a pin and it leaves the screen; a
// new picture while pins are on the old one is explained and starts a new round; a reload keeps
// a phone's pins; then the embed (watching, then taking a pin) and the report. axe checks each
// state.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, shot, axe, until, horizontalOverflow, openConsole, build, showItem, fontSizes } from './harness.mjs';

const QUESTION = 'Where do you feel unsafe at night?';
const ALT = 'Map of the estate: three blocks around a play area, the car park in the top right corner';
const COMMENT = 'No lights by the car park';
const SECOND = 'Bins block the path at night';
const NB = '\u00a0'; // between a count and its noun, so they stay on one line
const FULL_HD = { viewport: { width: 1920, height: 1080 } };
const PHONE_360 = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const PHONE_320 = { viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const KEYBOARD = { viewport: { width: 360, height: 740 } };

/** A PNG drawn on a canvas in `page` (an estate map: blocks, a play area, the car park top right). */
async function canvasPng(page, width, height, tint) {
  const b64 = await page.evaluate(
    ({ width, height, tint }) => {
      const c = document.createElement('canvas');
      c.width = width;
      c.height = height;
      const g = c.getContext('2d');
      g.fillStyle = tint;
      g.fillRect(0, 0, width, height);
      g.fillStyle = '#9ca3af';
      for (const [x, y, w, h] of [
        [0.08, 0.15, 0.22, 0.3],
        [0.38, 0.1, 0.2, 0.35],
        [0.1, 0.6, 0.3, 0.3],
      ])
        g.fillRect(x * width, y * height, w * width, h * height);
      g.fillStyle = '#86efac';
      g.fillRect(0.5 * width, 0.55 * height, 0.25 * width, 0.3 * height);
      g.fillStyle = '#4b5563';
      g.fillRect(0.82 * width, 0.02 * height, 0.16 * width, 0.16 * height);
      return c.toDataURL('image/png').split(',')[1];
    },
    { width, height, tint },
  );
  return Buffer.from(b64, 'base64');
}

/** Taps the picture on a phone at (x, y) of 10,000 across and down. */
async function tapAt(page, x, y) {
  const board = page.locator('.pin-board.phone');
  const box = await board.boundingBox();
  await board.click({ position: { x: (box.width * x) / 10_000, y: (box.height * y) / 10_000 } });
}

/** Where each of `sel`'s elements sits on its picture: [[x, y]] as shares (0–1) of its width and height. */
const placesOn = (page, sel, board = '.pin-board') =>
  page.evaluate(
    async ({ sel, board }) => {
      // Measured where they come to rest (a new pin drops in).
      await Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {})));
      return [...document.querySelectorAll(sel)].map((el) => {
        const b = el.closest(board).querySelector('.pin-img').getBoundingClientRect();
        const r = el.getBoundingClientRect();
        return [(r.left + r.width / 2 - b.left) / b.width, (r.top + r.height / 2 - b.top) / b.height];
      });
    },
    { sel, board },
  );

const near = (got, want, what, tolerance = 0.012) => {
  assert.ok(Math.abs(got[0] - want[0]) <= tolerance && Math.abs(got[1] - want[1]) <= tolerance, `${what}: at ${got.map((v) => v.toFixed(3))}, expected ${want}`);
};

test('pin on an image: the estate map, pins with comments, the heat map, moderation and a new round', { timeout: 240_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Estate walk');
  const host = await openConsole(w, room);

  // The editor: pins per person within 1 to 10, a description encouraged.
  await build(host, 'pin', 1, async () => {
    await host.fill('#f-question', QUESTION);
    await host.fill('#f-max-pins', '11');
    await host.check('#f-comments');
    await host.click('#editor button[type=submit]');
    await host.locator('#f-max-pins-err', { hasText: 'from 1 to 10' }).waitFor();
    assert.equal(await host.evaluate(() => document.activeElement.id), 'f-max-pins', 'focus goes to the field to fix');
    await host.fill('#f-max-pins', '3');
    await host.fill('#f-alt', ALT);
    assert.match(await host.locator('#f-alt-hint').textContent(), /Screen readers read it out/);
    await host.locator('#editor .notice', { hasText: 'Next, put up the picture in the activity’s panel.' }).waitFor();
    await axe(host, 'host console, pin editor');
    await shot(host, 'p01-host-pin-editor', { fullPage: false });
  });
  const id = await host.evaluate(() => Number(document.querySelector('.deck-item [data-key^="sel-"]').dataset.key.slice(4)));
  await host.locator('.deck-item', { hasText: 'no picture yet' }).waitFor();
  await host.locator('.pin-manager .pin-info', { hasText: 'No picture yet' }).waitFor();

  // Everyone waits for the picture.
  const screen = await w.page(FULL_HD);
  await screen.goto(`${w.base}/present/${room.code}`);
  await screen.locator('.big-code').waitFor();
  const priya = await w.join(room.code, 'Priya', PHONE_360);
  const ben = await w.join(room.code, 'Ben', PHONE_360);
  const cai = await w.join(room.code, '', PHONE_320);
  await cai.addStyleTag({ content: 'html { font-size: 200% !important; }' });
  const kay = await w.join(room.code, 'Kay', KEYBOARD);
  const noOverflow = async (state) => {
    const overflow = await horizontalOverflow(cai);
    assert.ok(overflow <= 0, `${state}: ${overflow} px of horizontal overflow at 320 px and 200 % text`);
  };
  await showItem(host, QUESTION);
  await priya.locator('.pin-waiting', { hasText: 'The picture is on its way' }).waitFor();
  await screen.locator('.pin-screen-wait', { hasText: 'The picture will appear here.' }).waitFor();
  await axe(priya, 'participant pin, waiting for the picture');
  await cai.locator('.pin-waiting').waitFor();
  await noOverflow('pin, waiting');
  await shot(priya, 'p02-phone-pin-waiting');

  // A text file called .png: the server says why, and nothing changes.
  const file = `#pin-file-${id}`;
  await host.setInputFiles(file, { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('Minutes of the residents’ meeting, not a picture.') });
  await host.locator('.pin-manager .field-error', { hasText: '“notes.png” was not put up: the file is not a PNG, JPEG or WebP picture' }).waitFor();
  assert.equal(await host.locator('.pin-manager .pin-info').textContent(), 'No picture yet');
  assert.equal((await fetch(`${w.base}/api/rooms/${room.code}/activities/${id}/image`)).status, 404, 'no picture on the server');
  assert.equal(await priya.locator('.pin-waiting').isVisible(), true, 'phones still wait');
  // A real PNG, cut short on the way: said so too.
  const map = await canvasPng(host, 1600, 800, '#e5e7eb');
  await host.setInputFiles(file, { name: 'estate-map.png', mimeType: 'image/png', buffer: map.subarray(0, map.length - 30) });
  await host.locator('.pin-manager .field-error', { hasText: 'cut short' }).waitFor();
  await axe(host, 'host console, a refused picture');

  // The map goes up: the console, the screen and the phones show it.
  await host.setInputFiles(file, { name: 'estate-map.png', mimeType: 'image/png', buffer: map });
  await host.locator('.flash', { hasText: 'Picture up: “estate-map.png”, 1,600 × 800 pixels' }).waitFor();
  assert.equal(await host.locator('.pin-manager .field-error').isHidden(), true, 'the earlier error is gone');
  await host.locator('.pin-manager .pin-info', { hasText: /^PNG · 1,600 × 800 pixels · \d+ KB$/ }).waitFor();
  await host.locator('.preview .pin-board.loaded').waitFor();
  assert.equal(await host.locator('.preview .pin-img').evaluate((img) => img.naturalWidth), 1600);
  assert.equal(await host.locator('.deck-item', { hasText: 'no picture yet' }).count(), 0);
  await axe(host, 'host console, pin with its picture');
  await shot(host, 'p03-host-pin-picture');
  for (const phone of [priya, ben, cai, kay]) await phone.locator('.pin-board.phone.loaded').waitFor();
  assert.equal(await priya.locator(`#pin-where-${id}`).textContent(), 'The picture is up: drop your pins on it.', 'said to those who waited');
  await screen.locator('.pin-board.screen.loaded').waitFor();
  assert.equal(await priya.locator('.pin-count').textContent(), '0 of 3 pins placed');
  assert.equal(await priya.locator('.pin-board.phone').getAttribute('role'), 'application');
  assert.match(await priya.locator(`#pin-alt-${id}`).textContent(), /The picture: Map of the estate/);
  await axe(priya, 'participant pin, open');
  await shot(priya, 'p04-phone-pin-open');
  await noOverflow('pin, open');
  await shot(cai, 'p05-phone320-pin-open');

  // Priya pins the car park with a comment (asked once the pin is down).
  await tapAt(priya, 9200, 500);
  await priya.locator('.pin-count', { hasText: '1 of 3 pins placed' }).waitFor();
  await priya.locator('.pin-comment:not([hidden])').waitFor();
  assert.notEqual(await priya.evaluate(() => document.activeElement.id), `pin-comment-${id}`, 'after a tap the field waits (a phone keyboard would cover the picture)');
  assert.match(await priya.locator('.pin-comment label').textContent(), /Comment on pin 1/);
  await priya.fill(`#pin-comment-${id}`, COMMENT);
  await priya.click('.pin-comment button[type=submit]');
  await priya.locator('.feedback', { hasText: 'Comment saved on pin 1.' }).waitFor();
  await priya.locator('.pin-item', { hasText: `“${COMMENT}”` }).waitFor();
  near((await placesOn(priya, '.pin-own'))[0], [0.92, 0.05], 'Priya’s pin');

  // Ben drops three, moves the third and removes the second.
  await tapAt(ben, 9300, 400);
  await ben.locator('.pin-comment:not([hidden])').waitFor();
  await ben.click('.pin-comment button:has-text("No comment")');
  await tapAt(ben, 8000, 2000);
  await ben.locator('.pin-count', { hasText: '2 of 3 pins placed' }).waitFor();
  await tapAt(ben, 2000, 8000);
  await ben.locator('.pin-count', { hasText: '3 of 3 pins placed' }).waitFor();
  await ben.locator('.pin-hint', { hasText: 'All your pins are placed' }).waitFor();
  await tapAt(ben, 6000, 3000);
  await ben.locator('.feedback[data-kind="error"]', { hasText: 'You have placed all 3 pins' }).waitFor();
  await until(async () => (await ben.locator('#live').textContent()).startsWith('You have placed all 3 pins'), 'the refusal is announced');
  await ben.locator('.pin-own[data-n="3"]').click();
  await ben.locator('.pin-picked', { hasText: 'Pin 3 selected: tap its new place on the picture.' }).waitFor();
  await axe(ben, 'participant pin, a pin selected');
  await shot(ben, 'p06-phone-pin-selected');
  await tapAt(ben, 5000, 5000);
  await ben.locator('.feedback', { hasText: 'Pin 3 moved to 50 % across, 50 % down (middle).' }).waitFor();
  await ben.locator('.pin-item', { hasText: 'Pin 2' }).locator('button', { hasText: 'Remove' }).click();
  await ben.locator('.feedback', { hasText: 'Pin 2 removed.' }).waitFor();
  assert.equal(await ben.locator('.pin-count').textContent(), '2 of 3 pins placed');
  assert.deepEqual(await ben.locator('.pin-item .pin-num').allTextContents(), ['1', '3'], 'pins keep their numbers');

  // Cai, at 320 px and 200 % text: the heat map waits until they have pinned.
  await cai.locator('.pin-results-later', { hasText: 'Drop a pin to see where everyone else pinned.' }).waitFor();
  assert.equal(await cai.locator('.pin-heat').isHidden(), true, 'no heat map before pinning');
  await tapAt(cai, 9250, 600);
  await cai.locator('.pin-comment:not([hidden])').waitFor();
  await noOverflow('pin, comment form');
  await shot(cai, 'p07-phone320-pin-comment');
  await cai.click('.pin-comment button:has-text("No comment")');
  await cai.locator('.pin-results:not([hidden])').waitFor();
  await cai.locator('.pin-heat:not([hidden])').waitFor();
  await noOverflow('pin, placed');
  await axe(cai, 'participant pin at 320 px and 200 %, placed');
  await shot(cai, 'p08-phone320-pin-placed');

  // Kay, with the keyboard alone: the cross-hair, said in words, then Enter.
  for (let i = 0; i < 12 && !(await kay.evaluate(() => document.activeElement?.classList.contains('pin-board'))); i++) await kay.keyboard.press('Tab');
  assert.equal(await kay.evaluate(() => document.activeElement.getAttribute('aria-roledescription')), 'picture to pin on');
  const where = kay.locator(`#pin-where-${id}`);
  assert.equal(await where.getAttribute('aria-live'), 'polite');
  await until(async () => (await where.textContent()).startsWith('Cross-hair at 50 % across, 50 % down (middle).'), 'the cross-hair is announced');
  for (let i = 0; i < 4; i++) await kay.keyboard.press('Shift+ArrowRight');
  for (let i = 0; i < 2; i++) await kay.keyboard.press('ArrowRight');
  for (let i = 0; i < 4; i++) await kay.keyboard.press('Shift+ArrowUp');
  for (let i = 0; i < 5; i++) await kay.keyboard.press('ArrowUp');
  assert.equal(await where.textContent(), '92 % across, 5 % down (top right)');
  near((await placesOn(kay, '.pin-cross'))[0], [0.92, 0.05], 'the cross-hair');
  await axe(kay, 'participant pin, keyboard cross-hair');
  await shot(kay, 'p09-phone-pin-keyboard');
  await kay.keyboard.press('Enter');
  await until(async () => (await kay.locator('#live').textContent()) === 'Pin 1 placed at 92 % across, 5 % down (top right).', 'the pin is announced');
  assert.equal(await kay.evaluate(() => document.activeElement.id), `pin-comment-${id}`);
  await kay.keyboard.press('Escape');
  assert.equal(await kay.evaluate(() => document.activeElement.classList.contains('pin-board')), true, 'Escape goes back to the picture');
  assert.equal(await kay.locator('.pin-count').textContent(), '1 of 3 pins placed');

  // The screen: five pins from four people, each where it was dropped; the busiest spot over the
  // car park; the comment beside the picture.
  await until(async () => (await screen.locator('.pin-dot').count()) === 5, 'the screen shows five pins');
  const dots = await placesOn(screen, '.pin-dot');
  for (const want of [
    [0.92, 0.05],
    [0.93, 0.04],
    [0.5, 0.5],
    [0.925, 0.06],
    [0.92, 0.05],
  ])
    assert.ok(
      dots.some((d) => Math.abs(d[0] - want[0]) <= 0.012 && Math.abs(d[1] - want[1]) <= 0.012),
      `a dot at ${want} (dots: ${JSON.stringify(dots.map((d) => d.map((v) => +v.toFixed(3))))})`,
    );
  const img = await screen.locator('.pin-board.screen .pin-img').boundingBox();
  assert.ok(img.width > 1000 && Math.abs(img.width / img.height - 2) < 0.01, `the picture is large and keeps its shape (${img.width}×${img.height})`);
  const hot = await placesOn(screen, '.pin-hot');
  assert.equal(hot.length, 1, 'one busiest spot');
  near(hot[0], [0.925, 0.05], 'the busiest spot (column 19, row 1)', 0.001);
  assert.equal(await screen.locator('.pin-hotline').textContent(), `Busiest spot: top right (4${NB}pins)`);
  assert.deepEqual(await screen.locator('.pin-fig dd').allTextContents(), ['5', '4']);
  await screen.locator('.pin-comment-item', { hasText: COMMENT }).waitFor();
  near((await placesOn(screen, '.pin-badges .pin-badge'))[0], [0.92, 0.05], 'the comment’s letter', 0.06);
  const sizes = await fontSizes(screen, '.act', '.pin-fig dt, .pin-fig dd, .pin-hotline, .pin-comments-head');
  assert.ok(sizes.bigs >= 6, 'labels and figures are on screen');
  assert.ok(sizes.smallestBig >= 32, `result labels and figures at least 32 px (${sizes.smallestBig})`);
  assert.ok(sizes.smallest >= 20, `nothing under 20 px (${sizes.smallest})`);
  const secondary = await fontSizes(screen, '.act', '.pin-comment-text, .act-foot');
  assert.ok(secondary.smallestBig >= 24, `comments and the foot line at least 24 px (${secondary.smallestBig})`);
  await axe(screen, 'presenter pin, results');
  await shot(screen, 'p10-present-pin-results', { fullPage: false });

  // Phones that pinned see the heat map, not the others' pins.
  await priya.locator('.pin-results-line', { hasText: `Everyone so far: 5 pins from 4 people. Busiest spot: top right (4${NB}pins)` }).waitFor();
  assert.equal(await priya.locator('.pin-dot').count(), 0, 'phones get no dots');
  await axe(priya, 'participant pin, with the heat map');
  await shot(priya, 'p11-phone-pin-heat');

  // Results hidden: the picture and the question only.
  await host.click('[data-key="d-results"]');
  await until(async () => (await screen.locator('.pin-dot').count()) === 0, 'the dots leave the screen');
  assert.equal(await screen.locator('.pin-side').isHidden(), true);
  assert.equal(await screen.locator('.pin-heat').isHidden(), true);
  await screen.locator('.act-foot', { hasText: '4 people have pinned · Results will be shown later.' }).waitFor();
  await axe(screen, 'presenter pin, results hidden');
  await shot(screen, 'p12-present-pin-hidden', { fullPage: false });
  await host.click('[data-key="d-results"]');
  await until(async () => (await screen.locator('.pin-dot').count()) === 5, 'the dots come back');

  // The facilitator removes the commented pin, then one selected on the picture.
  await host.locator('.moderation > .mod-list > .mod-item', { hasText: COMMENT }).waitFor();
  await axe(host, 'host console, pins and comments');
  await shot(host, 'p13-host-pin-results');
  await host.locator('.moderation > .mod-list > .mod-item', { hasText: COMMENT }).locator('button', { hasText: 'Remove pin' }).click();
  await until(async () => (await screen.locator('.pin-dot').count()) === 4, 'the removed pin leaves the screen');
  assert.equal(await screen.locator('.pin-comment-item').count(), 0, 'and its comment');
  await priya.locator('.pin-count', { hasText: '0 of 3 pins placed' }).waitFor();
  await priya.locator('.feedback[data-kind="error"]', { hasText: 'The facilitator removed one of your pins.' }).waitFor();
  await host.locator('.preview .pin-dot[style*="left: 50%"]').click();
  await host.locator('.pin-host-pick', { hasText: '50 % across, 50 % down' }).waitFor();
  await host.click('[data-key="pin-host-remove"]');
  await until(async () => (await screen.locator('.pin-dot').count()) === 3, 'the selected pin leaves the screen');
  await ben.locator('.pin-count', { hasText: '1 of 3 pins placed' }).waitFor();

  // Kay drops a second pin and types its comment, keyboard only; a reload keeps both, numbered.
  await kay.keyboard.press('Shift+ArrowLeft');
  await kay.keyboard.press('Enter');
  await kay.locator('.pin-count', { hasText: '2 of 3 pins placed' }).waitFor();
  await until(() => kay.evaluate((id) => document.activeElement.id === `pin-comment-${id}`, id), 'the comment field has the keyboard');
  await kay.keyboard.type(SECOND);
  await kay.keyboard.press('Enter');
  await until(async () => (await kay.locator('#live').textContent()) === 'Comment saved on pin 2.', 'the comment is announced');
  await screen.locator('.pin-comment-item', { hasText: SECOND }).waitFor();
  await kay.reload();
  await kay.locator('.pin-count', { hasText: '2 of 3 pins placed' }).waitFor();
  assert.deepEqual(await kay.locator('.pin-item .pin-num').allTextContents(), ['1', '2']);
  assert.match(await kay.locator('.pin-item').first().textContent(), /92 % across, 5 % down/);
  assert.match(await kay.locator('.pin-item').nth(1).textContent(), new RegExp(`82 % across, 5 % down \\(top right\\)“${SECOND}”`));

  // The embed watches the picture and its heat map.
  const embed = await w.page({ viewport: { width: 480, height: 700 } });
  await embed.goto(`${w.base}/embed/${room.code}`);
  await embed.locator('.pin-embed .pin-board.loaded').waitFor();
  await embed.locator('.pin-embed .pin-heat:not([hidden])').waitFor();
  await embed.locator('.pin-embed .pin-results-line', { hasText: '4 pins from 3 people' }).waitFor();
  near((await placesOn(embed, '.pin-hot'))[0], [0.925, 0.05], 'the embed’s busiest spot', 0.001);
  await axe(embed, 'embed pin');
  await shot(embed, 'p14-embed-pin');
  // With voting from embeds, a visitor drops a pin there too.
  await host.click('[data-key="panel-embed"]');
  await host.check('#embed-voting');
  await embed.locator('.embed-vote .pin-board.phone.loaded').waitFor();
  await tapAt(embed, 3000, 7000);
  await embed.locator('.pin-count', { hasText: '1 of 3 pins placed' }).waitFor();
  await embed.click('.pin-comment button:has-text("No comment")');
  await embed.locator('.embed-vote .pin-heat:not([hidden])').waitFor();
  await until(async () => (await screen.locator('.pin-dot').count()) === 5, 'the embed’s pin reaches the screen');
  await axe(embed, 'embed pin, voting');
  await shot(embed, 'p15-embed-pin-voting');

  // Voting closed: read-only, and says so.
  await host.click('[data-key="d-voting"]');
  await ben.locator('.activity .notice', { hasText: 'Voting is closed. Your pin was counted.' }).waitFor();
  assert.equal(await ben.locator('.pin-board.phone').getAttribute('role'), 'img');
  assert.equal(await ben.locator('.pin-item button:visible').count(), 0, 'no moving or removing');
  const before = await ben.locator('.pin-count').textContent();
  await tapAt(ben, 1000, 1000);
  assert.equal(await ben.locator('.pin-count').textContent(), before, 'a tap does nothing');
  await axe(ben, 'participant pin, closed');
  await shot(ben, 'p16-phone-pin-closed');
  await cai.locator('.activity .notice', { hasText: 'Voting is closed' }).waitFor();
  await noOverflow('pin, closed');
  await host.click('[data-key="d-voting"]');

  // A new picture while pins are on the old one: explained, and only a new round changes it.
  const plan = await canvasPng(host, 900, 1200, '#fef3c7');
  await host.setInputFiles(file, { name: 'floor-plan.png', mimeType: 'image/png', buffer: plan });
  const inUse = host.locator('.pin-in-use');
  await inUse.waitFor();
  assert.match(await inUse.textContent(), /5 pins are on the current picture\. Start round 2 to change it: the pins so far stay with the current picture as round 1/);
  await axe(host, 'host console, picture in use');
  await shot(host, 'p17-host-pin-in-use', { fullPage: false });
  assert.equal(await host.evaluate(() => document.activeElement.dataset.key), 'pin-new-round', 'the offer has the keyboard');
  await host.click('[data-key="pin-keep"]');
  assert.equal(await inUse.isHidden(), true);
  assert.equal(await host.evaluate(() => document.activeElement.dataset.key), 'pin-file', 'back to choosing a file');
  assert.match(await host.locator('.pin-manager .pin-info').textContent(), /1,600 × 800/, 'the map stays');
  // Dropped on the console this time.
  await host.evaluate(
    ({ b64 }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'floor-plan.png', { type: 'image/png' }));
      document.querySelector('.pin-drop').dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    },
    { b64: plan.toString('base64') },
  );
  await inUse.waitFor();
  await host.click('[data-key="pin-new-round"]');
  await host.locator('.pin-manager .pin-info', { hasText: '900 × 1,200 pixels' }).waitFor();
  await host.locator('.flash', { hasText: 'Check that its description still fits (Edit).' }).waitFor();
  await ben.locator('.pin-count', { hasText: '0 of 3 pins placed' }).waitFor();
  await until(async () => (await ben.locator('.pin-board.phone .pin-img').evaluate((i) => i.complete && i.naturalWidth)) === 900, 'phones show the new picture');
  await until(async () => (await screen.locator('.pin-dot').count()) === 0, 'the screen starts afresh');
  const portrait = await screen.locator('.pin-board.screen .pin-img').boundingBox();
  assert.ok(Math.abs(portrait.width / portrait.height - 0.75) < 0.01 && portrait.height > 500, `a portrait picture keeps its shape (${portrait.width}×${portrait.height})`);
  await tapAt(ben, 4000, 6000);
  await ben.locator('.pin-count', { hasText: '1 of 3 pins placed' }).waitFor();
  await shot(screen, 'p18-present-pin-round2', { fullPage: false });

  // The report: each round with its own picture, the heat map, the pins and the comments.
  const report = await w.page({ viewport: { width: 1000, height: 900 } });
  await report.goto(`${w.base}/report/${room.code}#key=${encodeURIComponent(room.host_key)}`);
  const section = report.locator('section.activity', { hasText: QUESTION });
  await section.locator('.pin-board.report.loaded').nth(1).waitFor();
  const widths = await section.locator('.pin-board.report .pin-img').evaluateAll((imgs) => imgs.map((i) => i.naturalWidth));
  assert.deepEqual(widths, [1600, 900], 'round 1 keeps the map, round 2 has the floor plan');
  assert.match(await section.innerText(), /5 pins from 4 people\. Busiest spot: top right \(3\s+pins\)/);
  assert.equal(await section.locator('.pin-board.report').first().locator('.pin-dot').count(), 5);
  assert.match(await section.locator('.pin-board.report').first().getAttribute('aria-label'), /The picture: Map of the estate/);
  await section.locator('.pin-report-comments li', { hasText: `${SECOND} (top right)` }).waitFor();
  assert.equal(await section.locator('.pin-board.report').first().locator('.pin-badge').count(), 1, 'the comment’s letter is on the picture');
  await axe(report, 'report with a pin activity');
  await shot(report, 'p19-report-pin');
  w.assertClean();
});
