// The other activities, end to end: ideas (suggest, merge, hide, dot-vote, ranking on the
// projected screen) and a word cloud (normalised words, weighted on the screen).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, shot, axe, until, barCounts, openConsole, DESKTOP, PROJECTOR } from './harness.mjs';

async function suggest(phone, text) {
  await phone.fill('.activity textarea', text);
  await phone.click('.activity form button[type=submit]');
  await until(async () => (await phone.locator('.mine-list li').allTextContents()).some((s) => s.startsWith(text)), `“${text}” is listed as sent`);
}

test('ideas: suggest, merge duplicates, hide one, dot-vote, ranking on the screen', { timeout: 120_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Choose the topic');
  const driver = await w.hostDriver(room);
  await driver.send({
    type: 'add_activity',
    spec: { kind: 'ideas', prompt: 'What do you want to work on today?', max_per_participant: 3, dots: 3, max_dots_per_item: 1 },
  });
  const host = await w.page(DESKTOP);
  await host.goto(w.base + room.host_url);
  await host.locator('.deck .deck-item').waitFor();
  const screen = await w.page(PROJECTOR);
  await screen.goto(`${w.base}/present/${room.code}`);
  const [ana, ben, cai] = [await w.join(room.code, 'Ana'), await w.join(room.code, 'Ben'), await w.join(room.code, 'Cai')];
  await host.click('[data-key="nav-next"]');
  for (const phone of [ana, ben, cai]) await phone.locator('.activity textarea').waitFor();
  await axe(ana, 'participant ideas, collecting');
  await shot(ana, '40-phone-ideas-empty');

  await suggest(ana, 'Repairs engagement');
  await suggest(ana, 'Damp and mould');
  await suggest(ben, 'Getting the repairs team involved');
  await suggest(ben, 'Football scores');
  await suggest(cai, 'Rent arrears');
  await ana.locator('.feedback', { hasText: 'Suggestion received' }).waitFor();

  // The wall on the screen shows every suggestion.
  await until(async () => (await screen.locator('.wall .card').count()) === 5, 'the presenter wall shows five suggestions');
  await axe(screen, 'presenter idea wall');
  await shot(screen, '41-present-wall', { fullPage: false });
  await axe(ana, 'participant ideas, sent');
  await shot(ana, '42-phone-ideas-sent');

  // Moderation in the console: merge the duplicate, hide the off-topic one.
  const mod = (text) => host.locator('.mod-item').filter({ has: host.getByText(text, { exact: true }) });
  await mod('Getting the repairs team involved').locator('button', { hasText: 'Merge' }).click();
  await host.locator('.merge-banner:not([hidden])').waitFor();
  await mod('Repairs engagement').locator('button', { hasText: 'Merge into this' }).click();
  await mod('Getting the repairs team involved').locator('.mod-meta', { hasText: 'merged into “Repairs engagement”' }).waitFor();
  await mod('Football scores').locator('button', { hasText: 'Hide' }).click();
  await mod('Football scores').locator('.mod-meta', { hasText: 'hidden' }).waitFor();
  assert.match(await mod('Repairs engagement').locator('.mod-meta').textContent(), /2 authors/);
  await axe(host, 'host console, moderating ideas');
  await shot(host, '43-host-moderation');
  await until(async () => (await screen.locator('.wall .card .card-text').allTextContents()).join('|') === 'Repairs engagement|Damp and mould|Rent arrears', 'the wall drops the merged and hidden ideas');
  // The merged wording stays visible under the idea it went into; the hidden one is gone.
  assert.deepEqual(await screen.locator('.wall .card .merged li').allTextContents(), ['Getting the repairs team involved']);
  assert.equal(await screen.getByText('Football scores').count(), 0);
  // A merge can be undone, and done again.
  await mod('Getting the repairs team involved').locator('button', { hasText: 'Undo merge' }).click();
  await until(async () => (await screen.locator('.wall .card .card-text').count()) === 4, 'an undone merge puts the idea back on the wall');
  assert.equal(await screen.locator('.wall .card .merged').count(), 0);
  await mod('Getting the repairs team involved').locator('button', { hasText: 'Merge' }).click();
  await mod('Repairs engagement').locator('button', { hasText: 'Merge into this' }).click();
  await until(async () => (await screen.locator('.wall .card .merged li').count()) === 1, 'merged again');
  // Ben sees that his suggestion was merged (the server sends a participant's own answers on
  // connect and after their own requests, so it shows after a reload).
  await ben.reload();
  await ben.locator('.mine-list li', { hasText: 'merged with a similar one' }).waitFor();

  // The vote phase: three dots each, one per idea.
  await host.click('[data-key="d-phase"]');
  for (const phone of [ana, ben, cai]) await phone.locator('.dot-toggle').first().waitFor();
  assert.deepEqual(await ana.locator('.vote-item .vote-text').allTextContents(), ['Repairs engagement', 'Damp and mould', 'Rent arrears']);
  await axe(ana, 'participant ideas, dot voting');
  // Every dot counts the moment it is placed and leaves the moment it is taken back: there is no
  // ballot to send (four phones once placed all their dots while the screen said nobody had voted).
  assert.equal(await ana.locator('.activity button[type=submit]').count(), 0, 'no "send my dots" button');
  const toggle = (phone, text) => phone.locator('.vote-item', { hasText: text }).locator('.dot-toggle').click();
  // Nothing is numbered before the first dot: a list of noughts has no first place.
  await screen.locator('.act-body[data-mode="ranking"] .bar-rank').first().waitFor({ state: 'attached' });
  assert.deepEqual(await screen.locator('.bar-rank').allTextContents(), ['', '', '']);
  await toggle(ana, 'Rent arrears');
  await ana.locator('.feedback', { hasText: 'Counted: your 1 dot' }).waitFor();
  await until(async () => (await barCounts(screen))['Rent arrears'] === 1, 'the screen counts one dot at once');
  // One dot: first place, and the others share second.
  await until(
    async () => (await screen.locator('.bar-rank').allTextContents()).join(' ') === '1. =2. =2.',
    'ties share their rank',
  );
  await toggle(ana, 'Rent arrears');
  await ana.locator('.feedback', { hasText: 'Your dots were taken back' }).waitFor();
  await until(async () => !(await barCounts(screen))['Rent arrears'], 'a dot taken back leaves the screen at once');
  const dots = async (phone, texts) => {
    for (const text of texts) await toggle(phone, text);
    await phone.locator('.feedback', { hasText: `Counted: your ${texts.length} dots` }).waitFor();
  };
  await dots(ana, ['Repairs engagement', 'Damp and mould']);
  await dots(ben, ['Repairs engagement', 'Rent arrears']);
  await dots(cai, ['Repairs engagement', 'Damp and mould']);
  await axe(cai, 'participant ideas, dots sent');
  await shot(cai, '44-phone-dots-sent');

  // The ranking on the screen, most dots first.
  await screen.locator('.act-body[data-mode="ranking"]').waitFor();
  await until(
    async () => JSON.stringify(await barCounts(screen)) === JSON.stringify({ 'Repairs engagement': 3, 'Damp and mould': 2, 'Rent arrears': 1 }),
    'the presenter ranks the ideas 3 / 2 / 1',
  );
  assert.deepEqual(await screen.locator('.bar-rank').allTextContents(), ['1.', '2.', '3.']);
  assert.deepEqual(await screen.locator('.bar-label').allTextContents(), ['Repairs engagement', 'Damp and mould', 'Rent arrears']);
  await axe(screen, 'presenter idea ranking');
  await shot(screen, '45-present-ranking', { fullPage: false });

  // Closing voting shows phones the ranking, and everyone the winner.
  await host.click('[data-key="d-voting"]');
  await screen.locator('.bars-outcome', { hasText: 'Winner: Repairs engagement' }).waitFor();
  await ana.locator('.results:not([hidden]) ol.bars').waitFor();
  await ana.locator('.results .bars-outcome', { hasText: 'Winner: Repairs engagement' }).waitFor();
  assert.deepEqual(await ana.locator('.results .bar-label').allTextContents(), ['Repairs engagement', 'Damp and mould', 'Rent arrears']);
  await axe(ana, 'participant ideas, closed with ranking');
  await shot(ana, '46-phone-ranking');
  w.assertClean();
});

test('poll: a 3–3 tie reads as a tie, and closing voting says so', { timeout: 90_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Tie');
  const driver = await w.hostDriver(room);
  await driver.send({ type: 'add_activity', spec: { kind: 'poll', question: 'Which first?', options: ['Repairs', 'Damp'] } });
  await driver.send({ type: 'navigate', to: 'next' });
  const screen = await w.page(PROJECTOR);
  await screen.goto(`${w.base}/present/${room.code}`);
  const phones = [];
  for (let i = 0; i < 6; i++) {
    const phone = await w.join(room.code);
    await phone.locator('.choice').first().waitFor();
    if (i === 5) {
      // Others have voted and the screen shows it, but a phone that has not voted sees no bars:
      // nobody is nudged to follow the crowd. Once it has voted, it sees them.
      await screen.locator('.bar').first().waitFor();
      assert.equal(await phone.locator('.activity .bar').count(), 0, 'no results before answering');
    }
    await phone.locator('.choice', { hasText: i % 2 ? 'Damp' : 'Repairs' }).click();
    await phone.click('.activity form button[type=submit]');
    await phone.locator('.feedback', { hasText: 'Vote received' }).waitFor();
    await phone.locator('.activity .bar').first().waitFor();
    phones.push(phone);
  }
  await until(async () => JSON.stringify(await barCounts(screen)) === JSON.stringify({ Repairs: 3, Damp: 3 }), 'three votes each');
  // The facilitator may let phones see results before answering.
  const host = await openConsole(w, room);
  await host.click('[data-key="activity-settings"]');
  await host.locator('[data-key="phones-early"]').check();
  const late = await w.join(room.code);
  await late.locator('.activity .bar').first().waitFor();
  assert.equal(await screen.locator('.bars-outcome').count(), 0, 'no verdict while voting is open');
  await driver.send({ type: 'set_voting', activity: 0, open: false });
  await screen.locator('.bars-outcome[data-kind="tie"]', { hasText: 'Tied: Repairs and Damp' }).waitFor();
  await phones[0].locator('.bars-outcome', { hasText: 'Tied: Repairs and Damp' }).waitFor();
  await axe(screen, 'presenter, tied poll');
  await shot(screen, '47-present-poll-tie', { fullPage: false });
  w.assertClean();
});

test('word cloud: words are normalised and weighted on the screen', { timeout: 90_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Feedback');
  const driver = await w.hostDriver(room);
  await driver.send({ type: 'add_activity', spec: { kind: 'wordcloud', prompt: 'One word for today?', max_words: 3 } });
  await driver.send({ type: 'navigate', to: 'next' });
  const screen = await w.page(PROJECTOR);
  await screen.goto(`${w.base}/present/${room.code}`);
  const phones = [await w.join(room.code, 'Ana'), await w.join(room.code), await w.join(room.code, 'Cai')];
  await phones[0].locator('.activity form input[type=text]').first().waitFor();
  await axe(phones[0], 'participant word cloud, open');

  const words = [['repairs', 'Community'], ['Repairs', 'tired'], ['  repairs ', 'hopeful', 'community']];
  for (const [i, list] of words.entries()) {
    const inputs = phones[i].locator('.activity form input[type=text]');
    for (const [k, word] of list.entries()) await inputs.nth(k).fill(word);
    await phones[i].click('.activity form button[type=submit]');
    // Cai's last words get the "all sent" thank-you instead (below).
    if (i < 2) await phones[i].locator('.feedback', { hasText: 'received' }).waitFor();
  }
  // Cai used all three words: the form is gone and the words are listed.
  await phones[2].locator('.notice', { hasText: 'sent all your words' }).waitFor();
  assert.equal(await phones[2].locator('.feedback:visible').count(), 0, 'one thank-you, not two');
  assert.equal(await phones[2].locator('.activity form').count(), 0);
  // Ana can still add one more.
  assert.equal(await phones[0].locator('.activity form input[type=text]').count(), 1);

  await until(async () => (await screen.locator('.cloud li.word').count()) === 4, 'the cloud shows four distinct words');
  const cloud = await screen.evaluate(() =>
    [...document.querySelectorAll('.cloud li.word')].map((li) => ({
      text: li.querySelector('.word-text').textContent,
      said: li.querySelector('.word-n').textContent,
      size: parseFloat(li.style.fontSize),
    })),
  );
  const byText = Object.fromEntries(cloud.map((w) => [w.text.toLowerCase(), w]));
  assert.deepEqual(Object.keys(byText).sort(), ['community', 'hopeful', 'repairs', 'tired']);
  assert.match(byText.repairs.said, /said 3 times/);
  assert.match(byText.community.said, /said 2 times/);
  assert.ok(byText.repairs.size > byText.community.size && byText.community.size > byText.tired.size, JSON.stringify(cloud));
  assert.match(await screen.locator('.act-foot').textContent(), /7 words · from 3 people/);
  await axe(screen, 'presenter word cloud');
  await shot(screen, '47-present-cloud', { fullPage: false });
  // A phone's own words are ringed, not underlined like a link.
  const own = phones[2].locator('.cloud li.word.mine .word-text').first();
  await own.waitFor();
  assert.equal(await own.evaluate((el) => getComputedStyle(el).textDecorationLine), 'none');
  assert.equal(await own.evaluate((el) => getComputedStyle(el).outlineStyle), 'dashed');
  // Phones see the cloud with their own words marked.
  await phones[1].locator('.cloud-box li.word.mine', { hasText: 'tired' }).waitFor();
  await axe(phones[1], 'participant word cloud, sent');
  await shot(phones[1], '48-phone-cloud');

  // Hiding the results hides the cloud everywhere.
  await driver.send({ type: 'set_results', activity: 0, shown: false });
  await screen.locator('.act-body[data-mode="waiting"] .hidden-note').waitFor();
  await until(() => phones[1].locator('.cloud-box').isHidden(), 'phones hide the cloud');
  w.assertClean();
});
