// The core loop in a real browser: a facilitator builds a deck on a desktop, three people join on
// phones and vote, the projected screen follows within a second, results are revealed and hidden,
// a phone reloads and is recognised, voting closes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, shot, axe, until, barCounts, DESKTOP, PHONE, PROJECTOR } from './harness.mjs';

test('facilitator builds a deck, three phones vote, the presenter follows', { timeout: 120_000 }, async (t) => {
  const w = await setup(t);

  // --- The facilitator creates a session on the landing page.
  const desk = await w.context(DESKTOP);
  const host = await desk.newPage();
  await host.goto(w.base + '/');
  await axe(host, 'landing page');
  await shot(host, '01-landing');
  await host.fill('#create-title', 'Tenant meetup');
  await host.click('#create-form button[type=submit]');
  await host.waitForURL(/\/host\/\d{8}#key=/);
  const code = host.url().match(/\/host\/(\d{8})/)[1];
  await host.locator('.deck-col').waitFor();
  await until(() => host.locator('#conn[data-status="connected"]').count(), 'the host console connects');
  await axe(host, 'host console, empty deck');
  await shot(host, '02-host-empty');

  // --- …and builds a deck: a poll, an ideas activity and a word cloud, through the editor.
  await host.click('[data-key="add-activity"]');
  await host.click('[data-key="add-poll"]');
  await host.fill('#f-question', 'Which topic first?');
  const options = host.locator('#editor .option-list input');
  await options.nth(0).fill('Repairs');
  await options.nth(1).fill('Damp and mould');
  await options.nth(1).press('Enter'); // Enter adds a third option
  await host.locator('#editor .option-list input').nth(2).fill('Rent');
  await axe(host, 'host console, poll editor');
  await shot(host, '03-host-poll-editor', { fullPage: false });
  await host.click('#editor button[type=submit]');
  await until(() => host.locator('.deck .deck-item').count().then((n) => n === 1), 'the poll is in the deck');
  await host.click('[data-key="add-activity"]');
  await host.click('[data-key="add-ideas"]');
  await host.fill('#f-prompt', 'What do you want to work on today?');
  await host.click('#editor button[type=submit]');
  await until(() => host.locator('.deck .deck-item').count().then((n) => n === 2), 'the ideas activity is in the deck');
  await host.click('[data-key="add-activity"]');
  await host.click('[data-key="add-wordcloud"]');
  await host.fill('#f-prompt', 'One word for today?');
  await host.click('#editor button[type=submit]');
  await until(() => host.locator('.deck .deck-item').count().then((n) => n === 3), 'the word cloud is in the deck');
  assert.deepEqual(await host.locator('.deck .deck-text').allTextContents(), [
    'Which topic first?',
    'What do you want to work on today?',
    'One word for today?',
  ]);
  await axe(host, 'host console, deck built');
  await shot(host, '04-host-deck');

  // --- The projected screen: the lobby with the code.
  const screen = await w.page(PROJECTOR);
  await screen.goto(`${w.base}/present/${code}`);
  await until(async () => (await screen.locator('.big-code').textContent())?.replace(/\s/g, '') === code, 'the presenter shows the code');
  await axe(screen, 'presenter lobby');
  // The title leads: larger than "Waiting for people to join…", and the QR code scannable from
  // the back of the room (at least a fifth of the screen's height).
  const lobby = await screen.evaluate(() => ({
    title: parseFloat(getComputedStyle(document.querySelector('.lobby-title')).fontSize),
    count: parseFloat(getComputedStyle(document.querySelector('.lobby-count')).fontSize),
    qr: document.querySelector('.lobby-qr img').getBoundingClientRect().height / innerHeight,
  }));
  assert.ok(lobby.title >= 1.5 * lobby.count, `the title (${lobby.title} px) leads the waiting line (${lobby.count} px)`);
  assert.ok(lobby.qr >= 0.2, `the QR code is ${Math.round(lobby.qr * 100)} % of the screen's height`);
  await shot(screen, '05-present-lobby', { fullPage: false });

  // --- Three people join on phones: by typing the code on the landing page.
  const phones = [];
  for (const [i, name] of ['Sam', '', 'Priya'].entries()) {
    const phone = await w.page(PHONE);
    await phone.goto(w.base + '/');
    await phone.fill('#join-code', `${code.slice(0, 4)} ${code.slice(4)}`);
    await phone.click('#join-form button[type=submit]');
    await phone.waitForURL(`${w.base}/${code}`);
    await phone.locator('#join-name').waitFor();
    if (i === 0) {
      await axe(phone, 'participant join screen');
      await shot(phone, '06-phone-join');
    }
    if (name) await phone.fill('#join-name', name);
    await phone.click('.join button[type=submit]');
    await phone.locator('.lobby').waitFor();
    phones.push(phone);
  }
  assert.equal(await phones[0].locator('#who').textContent().then((s) => s.includes('Sam')), true);
  await until(async () => (await phones[2].locator('.lobby .muted').textContent()).includes('3 people'), 'the lobby counts three people');
  await axe(phones[0], 'participant lobby');
  await shot(phones[0], '07-phone-lobby');
  await until(async () => (await screen.locator('.lobby-count').textContent()).includes('3'), 'the presenter counts three people');

  // --- The facilitator starts: the poll appears everywhere.
  await host.click('[data-key="nav-next"]');
  for (const phone of phones) await phone.locator('.activity h1', { hasText: 'Which topic first?' }).waitFor();
  await screen.locator('.act h1', { hasText: 'Which topic first?' }).waitFor();
  await axe(phones[1], 'participant poll, open');
  await shot(phones[1], '08-phone-poll');

  // Results are visible from the start: the presenter shows bars at zero.
  await screen.locator('.act-body[data-mode="bars"]').waitFor();
  assert.deepEqual(await barCounts(screen), { Repairs: 0, 'Damp and mould': 0, Rent: 0 });

  // --- Everyone votes; the presenter shows the new counts within a second of the last vote.
  const choose = async (phone, text) => {
    await phone.locator('.choice', { hasText: text }).click();
    await phone.click('.activity form button[type=submit]');
  };
  await choose(phones[0], 'Repairs');
  await choose(phones[1], 'Damp and mould');
  await phones[0].locator('.feedback', { hasText: 'Vote received' }).waitFor();
  await phones[1].locator('.feedback', { hasText: 'Vote received' }).waitFor();
  await phones[2].locator('.choice', { hasText: 'Repairs' }).click();
  const lastVote = Date.now();
  await phones[2].click('.activity form button[type=submit]');
  await until(
    async () => JSON.stringify(await barCounts(screen)) === JSON.stringify({ Repairs: 2, 'Damp and mould': 1, Rent: 0 }),
    'the presenter shows 2 / 1 / 0',
    5_000,
    10,
  );
  const lag = Date.now() - lastVote;
  assert.ok(lag <= 1_000, `the presenter showed the last vote after ${lag} ms (at most 1000)`);
  t.diagnostic(`the presenter showed the last vote ${lag} ms after it was cast`);
  assert.equal(await screen.locator('.act-foot').textContent().then((s) => s.includes('3 votes')), true);
  await phones[2].locator('.feedback', { hasText: 'Vote received' }).waitFor();
  await axe(phones[2], 'participant poll, voted');
  await axe(screen, 'presenter poll results');
  await shot(phones[2], '09-phone-voted');
  await shot(screen, '10-present-poll', { fullPage: false });
  await axe(host, 'host console, live poll');
  await shot(host, '11-host-poll');

  // Phones see the results too, with their own choice marked.
  await phones[0].locator('.results:not([hidden]) ol.bars').waitFor();
  assert.equal(await phones[0].locator('.results li.bar.mine .bar-label').textContent(), 'Repairs');

  // --- The facilitator hides the results…
  await host.click('[data-key="d-results"]');
  await screen.locator('.act-body[data-mode="options"] .hidden-note').waitFor();
  assert.equal(await screen.locator('ol.bars').count(), 0, 'no bars while results are hidden');
  await until(() => phones[0].locator('.results').isHidden(), 'phones hide the results');
  await host.locator('[data-key="d-results"]', { hasText: 'Show results' }).waitFor();
  await axe(screen, 'presenter, results hidden');
  await axe(phones[0], 'participant poll, results hidden');
  await shot(screen, '12-present-hidden', { fullPage: false });
  // …and reveals them again.
  await host.click('[data-key="d-results"]');
  await screen.locator('.act-body[data-mode="bars"]').waitFor();
  assert.deepEqual(await barCounts(screen), { Repairs: 2, 'Damp and mould': 1, Rent: 0 });

  // --- A participant reloads and is recognised: same name, their vote still selected.
  await phones[0].reload();
  await phones[0].locator('.activity h1', { hasText: 'Which topic first?' }).waitFor();
  await until(() => phones[0].locator('.choice.on').count().then((n) => n === 1), 'the vote is shown selected after a reload');
  assert.equal(await phones[0].locator('.choice.on .choice-text').textContent(), 'Repairs');
  assert.equal(await phones[0].locator('.choice.on input').isChecked(), true);
  assert.match(await phones[0].locator('#who').textContent(), /taking part as Sam/);
  assert.equal(await phones[0].locator('.feedback').textContent(), 'Vote received');
  await shot(phones[0], '13-phone-reloaded');
  // Still three participants: the reload did not join anew.
  assert.match(await host.locator('#counts').textContent(), /^3 joined/);

  // --- A changed vote moves the bars.
  await choose(phones[0], 'Rent');
  await until(
    async () => JSON.stringify(await barCounts(screen)) === JSON.stringify({ Repairs: 1, 'Damp and mould': 1, Rent: 1 }),
    'the changed vote moves the bars',
  );

  // --- Voting closes: phones say so and cannot vote.
  await host.click('[data-key="d-voting"]');
  await phones[1].locator('.notice', { hasText: 'Voting is closed' }).waitFor();
  assert.equal(await phones[1].locator('.choice input').first().isDisabled(), true);
  await axe(phones[1], 'participant poll, closed');
  await shot(phones[1], '14-phone-closed');
  await screen.locator('.act-foot', { hasText: 'Voting closed' }).waitFor();

  // The report of the session, as the facilitator sees it.
  const key = new URL(host.url()).hash.match(/key=([^&]+)/)[1];
  await host.goto(`${w.base}/report/${code}#key=${key}`);
  await host.locator('#report h2', { hasText: 'Which topic first?' }).waitFor();
  await axe(host, 'report page');
  await shot(host, '15-report');

  // The landing page now lists the session for the facilitator.
  await host.goto(w.base + '/');
  await host.locator('#sessions:not([hidden]) .session-title', { hasText: 'Tenant meetup' }).waitFor();
  await axe(host, 'landing page with sessions');
  await shot(host, '16-landing-sessions');

  w.assertClean();
});
