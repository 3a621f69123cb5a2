// The newer activity kinds end to end, one scenario each: the facilitator builds the activity in
// the console's editor, two or three phones answer, the projected screen shows the outcome. Also
// the controls every activity shares (countdown, pacing) and reactions. axe-core checks each state.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, shot, axe, until, sleep, horizontalOverflow, PROJECTOR, openConsole, openScreen, build, showItem } from './harness.mjs';

const text = (page, sel) => page.locator(sel).allTextContents();

test('scales: CSV with themes, paged rating, resume after a reload, strengths and weaknesses', { timeout: 150_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Team self-assessment');
  const host = await openConsole(w, room);
  const themes = ['Repairs', 'Complaints', 'Safety'];
  const statements = Array.from({ length: 25 }, (_, i) => `We do outcome ${i + 1}, and report on it`);
  await build(host, 'scales', 1, async () => {
    // A header row, quoted fields with commas and a theme column.
    await host.click('#f-format-1');
    const csv = ['statement,theme', ...statements.map((s, i) => `"${s}",${themes[Math.floor(i / 9)]}`)].join('\n');
    await host.fill('#f-statements', csv);
    await host.locator('#f-statements-count', { hasText: '25 statements in 3 themes' }).waitFor();
    await host.fill('#f-min-label', 'Not at all');
    await host.fill('#f-max-label', 'Fully');
    await axe(host, 'host console, scales editor');
    await shot(host, 'k01-host-scales-editor', { fullPage: false });
  });
  const screen = await openScreen(w, room);
  const ana = await w.join(room.code, 'Ana');
  const ben = await w.join(room.code, 'Ben');
  await host.click('[data-key="nav-next"]');
  for (const phone of [ana, ben]) await phone.locator('fieldset.statement').first().waitFor();
  assert.equal(await ana.locator('fieldset.statement').count(), 10, 'ten statements a page');
  assert.equal(await ana.locator('.scale-progress-text').textContent(), '0 of 25 rated');
  assert.deepEqual(await text(ana, 'fieldset.statement >> nth=0 >> .scale-opt'), ['1 — Not at all', '2', '3', '4', '5 — Fully', 'Skip']);
  await axe(ana, 'participant scales, page 1');
  await shot(ana, 'k02-phone-scales');

  // Ana: 5 for statements 1–5, 1 for 6–10. Ben: 1 for statement 1, otherwise the same.
  const rate = async (phone, values) => {
    for (const [i, v] of values.entries()) await phone.locator('fieldset.statement').nth(i).locator('.scale-opt', { hasText: v }).click();
    await phone.click('.activity form button[type=submit]');
  };
  await rate(ana, ['5', '5', '5', '5', '5', '1', '1', '1', '1', '1']);
  await ana.locator('.scale-page-head', { hasText: 'Page 2 of 3' }).waitFor();
  await ana.locator('.feedback', { hasText: 'Saved — 10 of 25 rated' }).waitFor();
  await rate(ben, ['1', '5', '5', '5', '5', '1', '1', '1', '1', 'Skip']);
  await ben.locator('.scale-page-head', { hasText: 'Page 2 of 3' }).waitFor();
  // Nobody sees anything yet: the screen counts people, the results are hidden.
  await until(async () => (await screen.locator('.waiting-n').textContent()) === '2', 'the screen counts two people rating');
  assert.equal(await screen.locator('.st-box').count(), 0);
  await axe(screen, 'presenter scales, hidden');

  // A reload resumes at the first page with something unrated, ratings kept.
  await ana.reload();
  await ana.locator('.scale-page-head', { hasText: 'Page 2 of 3' }).waitFor();
  assert.equal(await ana.locator('.scale-progress-text').textContent(), '10 of 25 rated');
  await ana.click('.pager button:first-child');
  await ana.locator('.scale-page-head', { hasText: 'Page 1 of 3' }).waitFor();
  assert.equal(await ana.locator('fieldset.statement').nth(0).locator('.scale-opt.on').textContent(), '5 — Fully');
  assert.equal(await ana.locator('fieldset.statement').nth(7).locator('.scale-opt.on').textContent(), '1 — Not at all');

  // The reveal: strengths, weaknesses and what to talk about.
  await host.click('[data-key="d-results"]');
  await screen.locator('.st-strengths li').first().waitFor();
  const first = (sel) => screen.locator(`${sel} li .st-text`).allTextContents();
  assert.deepEqual((await first('.st-strengths')).slice(0, 4), statements.slice(1, 5), 'strengths: the statements everyone gave 5');
  assert.deepEqual(await first('.st-weaknesses'), statements.slice(5, 10), 'weaknesses: the statements rated 1');
  assert.equal((await first('.st-talk'))[0], statements[0], 'talk about this: the statement with most disagreement');
  assert.deepEqual(await text(screen, '.st-themes .bar-label'), ['Repairs', 'Complaints', 'Safety']);
  await axe(screen, 'presenter scales, summary');
  await shot(screen, 'k03-present-scales-summary', { fullPage: false });
  // Paging through every statement on the screen with the keyboard.
  await screen.keyboard.press('ArrowRight');
  await screen.locator('.st-detail .st-item').first().waitFor();
  assert.match(await screen.locator('.screen-pager').textContent(), /Statements 1–6 of 25/);
  await shot(screen, 'k04-present-scales-detail', { fullPage: false });
  await ben.locator('.results:not([hidden]) .st-weaknesses li').first().waitFor();
  await axe(ben, 'participant scales, results');
  await axe(host, 'host console, scales results');
  await shot(host, 'k05-host-scales');
  w.assertClean();
});

test('Q&A: approval, upvotes reorder the list, pin and answered, the side lane', { timeout: 120_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Fishbowl');
  const host = await openConsole(w, room);
  await build(host, 'qna', 1, async () => {
    await host.fill('#f-prompt', 'Questions for the councillor');
    await host.check('#f-approval');
  });
  await build(host, 'poll', 2, async () => {
    await host.fill('#f-question', 'Top takeaway?');
    const options = host.locator('#editor .option-list input');
    await options.nth(0).fill('Housing');
    await options.nth(1).fill('Transport');
  });
  const screen = await openScreen(w, room);
  const [ana, ben, cai] = [await w.join(room.code, 'Ana'), await w.join(room.code, 'Ben'), await w.join(room.code, '')];
  await showItem(host, 'Questions for the councillor');
  for (const phone of [ana, ben, cai]) await phone.locator('.activity textarea').waitFor();
  await axe(ana, 'participant Q&A, empty');

  await ana.fill('.activity textarea', 'When will the damp survey reach our estate?');
  await ana.click('.activity form button[type=submit]');
  await ana.locator('.feedback', { hasText: 'once the facilitator approves it' }).waitFor();
  await ben.fill('.activity textarea', 'Can tenants join the panel?');
  await ben.check('.activity input[type=checkbox]');
  await ben.click('.activity form button[type=submit]');
  // Waiting for approval: the asker sees it as such, nobody else sees it.
  await ana.locator('.mine-list li', { hasText: 'waiting for approval' }).waitFor();
  assert.equal(await cai.locator('.qna-item').count(), 0);
  await axe(ana, 'participant Q&A, waiting for approval');
  await shot(ana, 'k10-phone-qna-pending');

  await host.locator('.deck-item', { hasText: 'Questions for the councillor' }).locator('.deck-select').click();
  await host.locator('.mod-pending li').nth(1).waitFor();
  await axe(host, 'host console, Q&A moderation');
  await shot(host, 'k11-host-qna-pending');
  await host.click('[data-key="approve-0"]');
  await host.click('[data-key="approve-1"]');
  await until(async () => (await cai.locator('.qna-item').count()) === 2, 'both questions are shown on phones');
  await until(() => ana.locator('.mine-list').isHidden(), 'the asker no longer sees “waiting”');
  assert.equal(await ben.locator('.qna-item', { hasText: 'Can tenants' }).locator('.qna-meta').textContent(), 'Anonymous · you asked this');

  // Two upvotes move Ben's question first on phones and on the screen; one is withdrawn again.
  await cai.locator('.qna-item', { hasText: 'Can tenants' }).locator('button.upvote').click();
  await ana.locator('.qna-item', { hasText: 'Can tenants' }).locator('button.upvote').click();
  await until(async () => (await text(screen, '.qna-card .qna-text'))[0] === 'Can tenants join the panel?', 'the upvoted question leads on the screen');
  assert.equal(await cai.locator('.qna-item', { hasText: 'Can tenants' }).locator('button.upvote').getAttribute('aria-pressed'), 'true');
  await until(async () => (await screen.locator('.qna-card').first().locator('.qna-votes').textContent()) === '2', 'two votes');
  await cai.locator('.qna-item', { hasText: 'Can tenants' }).locator('button.upvote').click();
  await until(async () => (await screen.locator('.qna-card').first().locator('.qna-votes').textContent()) === '1', 'the withdrawn vote is gone');
  // Pinned first, answered last.
  await host.click('[data-key="pin-0"]');
  await until(async () => (await text(screen, '.qna-card .qna-text'))[0].startsWith('When will'), 'the pinned question leads');
  await host.click('[data-key="answered-0"]');
  await until(async () => (await text(screen, '.qna-card .qna-text'))[1]?.startsWith('When will'), 'the answered question goes last');
  await screen.locator('.qna-card.answered').waitFor();
  await axe(screen, 'presenter Q&A');
  await axe(host, 'host console, Q&A moderated');
  await shot(screen, 'k12-present-qna', { fullPage: false });
  await axe(cai, 'participant Q&A, list');
  await shot(cai, 'k13-phone-qna');

  // The side lane: the Q&A stays open while a poll is on screen.
  await host.check('[data-key="side-lane"]');
  await showItem(host, 'Top takeaway?');
  await ana.locator('.activity h1', { hasText: 'Top takeaway?' }).waitFor();
  await ana.locator('#tab-side', { hasText: 'Q&A (2)' }).waitFor();
  assert.equal(await ana.locator('#tab-main').getAttribute('aria-selected'), 'true');
  await ana.click('#tab-side');
  await ana.locator('#lane-side .qna-item').first().waitFor();
  assert.equal(await ana.locator('#lane-main').isHidden(), true);
  await ana.fill('#lane-side textarea', 'Who decides the repair budget?');
  await ana.click('#lane-side form button[type=submit]');
  await ana.locator('#lane-side .mine-list li', { hasText: 'Who decides' }).waitFor();
  await axe(ana, 'participant, side lane');
  await shot(ana, 'k14-phone-side-lane');
  // Arrow keys move between the tabs.
  await ana.focus('#tab-side');
  await ana.keyboard.press('ArrowLeft');
  await until(async () => (await ana.locator('#tab-main').getAttribute('aria-selected')) === 'true', 'ArrowLeft selects the first tab');
  assert.equal(await ana.evaluate(() => document.activeElement.id), 'tab-main');
  w.assertClean();
});

test('timer: start and pause in step on phones and the screen', { timeout: 90_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Meetup');
  const host = await openConsole(w, room);
  await build(host, 'timer', 1, async () => {
    await host.fill('#f-title', 'Networking round');
    await host.fill('#f-minutes', '5');
    await host.fill('#f-seconds', '0');
  });
  const screen = await openScreen(w, room);
  const ana = await w.join(room.code, 'Ana');
  await host.click('[data-key="nav-next"]');
  await ana.locator('.timer-digits', { hasText: '5:00' }).waitFor();
  await screen.locator('.timer-digits', { hasText: '5:00' }).waitFor();
  await host.click('[data-key="timer-start"]');
  await until(async () => (await ana.locator('.timer-face').getAttribute('data-state')) === 'running', 'the phone runs the timer');
  await until(async () => (await screen.locator('.timer-digits').textContent()) === '4:58', 'the screen counts down', 6_000);
  const both = async () => [await ana.locator('.timer-digits').textContent(), await screen.locator('.timer-digits').textContent()];
  const [a, s] = await both();
  assert.ok(Math.abs(toSecs(a) - toSecs(s)) <= 1, `phone ${a} and screen ${s} agree`);
  await axe(ana, 'participant timer, running');
  await shot(ana, 'k20-phone-timer');
  await shot(screen, 'k21-present-timer', { fullPage: false });
  await host.click('[data-key="timer-pause"]');
  await until(async () => (await ana.locator('.timer-state').textContent()) === 'Paused', 'the phone says paused');
  await screen.locator('.timer-face[data-state="paused"]').waitFor();
  const paused = await both();
  await sleep(1500);
  assert.deepEqual(await both(), paused, 'a paused timer stands still');
  assert.equal(paused[0], paused[1], 'phone and screen show the same time while paused');
  await axe(screen, 'presenter timer, paused');
  await host.click('[data-key="timer-reset"]');
  await ana.locator('.timer-digits', { hasText: '5:00' }).waitFor();
  await axe(host, 'host console, timer');
  w.assertClean();
});

function toSecs(clock) {
  const [m, s] = clock.split(':').map(Number);
  return m * 60 + s;
}

test('info: a text slide with talking points on phones and the screen', { timeout: 60_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Meetup');
  const host = await openConsole(w, room);
  await build(host, 'info', 1, async () => {
    await host.fill('#f-title', 'Nine-minute networking');
    await host.fill('#f-body', 'Groups of three or four.\nIntroduce yourself, then talk about:');
    await host.fill('#f-points', 'One thing that went well this month\nOne thing you are stuck on');
  });
  const screen = await openScreen(w, room);
  const ana = await w.join(room.code, 'Ana');
  await host.click('[data-key="nav-next"]');
  await ana.locator('.activity h1', { hasText: 'Nine-minute networking' }).waitFor();
  assert.deepEqual(await text(ana, '.info-points li'), ['One thing that went well this month', 'One thing you are stuck on']);
  // Line breaks are kept.
  const lines = await ana.locator('.info-body').evaluate((el) => Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)));
  assert.ok(lines >= 2, 'the body keeps its line break');
  await screen.locator('.info-screen .info-points li').nth(1).waitFor();
  assert.equal(await screen.locator('.reaction-tally').isHidden(), true);
  await axe(ana, 'participant info');
  await axe(screen, 'presenter info');
  await shot(ana, 'k30-phone-info');
  await shot(screen, 'k31-present-info', { fullPage: false });
  w.assertClean();
});

test('quiz: start, answer, time up, reveal, leaderboard with each phone’s own rank', { timeout: 120_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Quiz');
  const host = await openConsole(w, room);
  await build(host, 'quiz', 1, async () => {
    await host.fill('#f-question', 'Which of these are Welsh councils?');
    const options = host.locator('#f-options input[type=text]');
    await options.nth(0).fill('Cardiff');
    await options.nth(1).fill('Leeds');
    await options.nth(1).press('Enter');
    await host.locator('#f-options input[type=text]').nth(2).fill('Swansea');
    await host.locator('#f-options .correct-box').nth(0).check();
    await host.locator('#f-options .correct-box').nth(2).check();
    await host.fill('#f-limit', '6');
    await axe(host, 'host console, quiz editor');
    await shot(host, 'k40-host-quiz-editor', { fullPage: false });
  });
  await build(host, 'leaderboard', 2, async () => {
    await host.fill('#f-title', 'Who knows their council?');
  });
  const screen = await openScreen(w, room);
  const [ana, ben, cai] = [await w.join(room.code, 'Ana'), await w.join(room.code, 'Ben'), await w.join(room.code, 'Cai')];
  await host.click('[data-key="nav-next"]');
  await ana.locator('.notice', { hasText: 'Get ready' }).waitFor();
  assert.equal(await ana.locator('.quiz-option').first().isDisabled(), true, 'no answers before the clock starts');
  await axe(ana, 'participant quiz, waiting');

  await host.click('[data-key="quiz-start"]');
  await ana.locator('.quiz-clock:not([hidden])').waitFor();
  await screen.locator('.quiz-stage[data-mode="running"]').waitFor();
  await axe(ana, 'participant quiz, running');
  await shot(ana, 'k41-phone-quiz-running');
  await shot(screen, 'k42-present-quiz-running', { fullPage: false });
  // Two answers to pick: Ana right, Ben wrong, Cai too slow.
  const answer = async (phone, a, b) => {
    await phone.locator('.quiz-option', { hasText: a }).click();
    await phone.locator('.quiz-option', { hasText: b }).click();
    await phone.click('.activity button.btn.primary');
    await phone.locator('.feedback', { hasText: 'Answer locked in' }).waitFor();
  };
  await answer(ana, 'Cardiff', 'Swansea');
  await answer(ben, 'Leeds', 'Swansea');
  await cai.locator('.notice', { hasText: 'Time’s up' }).waitFor({ timeout: 10_000 });
  assert.equal(await cai.locator('.quiz-option').first().isDisabled(), true);
  await screen.locator('.quiz-stage[data-mode="up"]').waitFor();
  await axe(cai, 'participant quiz, time up');

  await host.click('[data-key="d-results"]');
  await ana.locator('.quiz-verdict', { hasText: 'Right' }).waitFor();
  await ben.locator('.quiz-verdict', { hasText: 'Not this time' }).waitFor();
  await cai.locator('.quiz-verdict', { hasText: 'did not answer' }).waitFor();
  assert.deepEqual(await text(ben, '.quiz-option.correct .quiz-text'), ['Cardiff', 'Swansea']);
  assert.deepEqual(await text(ben, '.quiz-option.wrong .quiz-text'), ['Leeds']);
  await screen.locator('.quiz-bars li.bar.correct').nth(1).waitFor();
  assert.deepEqual(await text(screen, '.quiz-bars li.bar.correct .bar-label'), ['A. Cardiff', 'C. Swansea']);
  await axe(ben, 'participant quiz, revealed');
  await axe(screen, 'presenter quiz, revealed');
  await shot(ben, 'k43-phone-quiz-revealed');
  await shot(screen, 'k44-present-quiz-revealed', { fullPage: false });

  await host.click('[data-key="nav-next"]');
  await ana.locator('.lb-mine', { hasText: 'You are number 1 of 2' }).waitFor();
  await ben.locator('.lb-mine', { hasText: 'You are number 2 of 2 — 0 points' }).waitFor();
  await cai.locator('.lb-mine', { hasText: 'no points yet' }).waitFor();
  await screen.locator('.lb-screen .lb-row').nth(1).waitFor();
  assert.deepEqual(await text(screen, '.lb-screen .lb-name'), ['Ana', 'Ben']);
  await axe(ana, 'participant leaderboard');
  await axe(screen, 'presenter leaderboard');
  await shot(ana, 'k45-phone-leaderboard');
  await shot(screen, 'k46-present-leaderboard', { fullPage: false });
  w.assertClean();
});

test('ranking: reorder with the keyboard, Borda order on the screen', { timeout: 90_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Priorities');
  const host = await openConsole(w, room);
  await build(host, 'ranking', 1, async () => {
    await host.fill('#f-question', 'Order these priorities');
    const options = host.locator('#f-options input[type=text]');
    await options.nth(0).fill('Repairs');
    await options.nth(1).fill('Communication');
    await options.nth(1).press('Enter');
    await host.locator('#f-options input[type=text]').nth(2).fill('Safety');
  });
  const screen = await openScreen(w, room);
  const [ana, ben] = [await w.join(room.code, 'Ana'), await w.join(room.code, 'Ben')];
  await host.click('[data-key="nav-next"]');
  await ana.locator('.rank-item').nth(2).waitFor();
  // Keyboard: focus "move Safety up", press Enter twice; focus stays on the moved option.
  await ana.locator('.rank-item', { hasText: 'Safety' }).locator('button[data-key^="up"]').focus();
  await ana.keyboard.press('Enter');
  await ana.keyboard.press('Enter');
  assert.deepEqual(await text(ana, '.rank-text'), ['Safety', 'Repairs', 'Communication']);
  assert.match(await ana.evaluate(() => document.activeElement.getAttribute('aria-label')), /Safety/);
  await axe(ana, 'participant ranking');
  await ana.click('.activity form button[type=submit]');
  await ana.locator('.feedback', { hasText: 'Ranking received' }).waitFor();
  await ben.locator('.rank-item', { hasText: 'Safety' }).locator('button[data-key^="up"]').click();
  await ben.click('.activity form button[type=submit]');
  await ben.locator('.feedback', { hasText: 'Ranking received' }).waitFor();
  // Borda (3 options: 2, 1, 0): Safety 2+1 = 3, Repairs 1+2 = 3, Communication 0+0 = 0.
  await until(async () => (await screen.locator('.act-foot').textContent()).startsWith('2 rankings'), 'two rankings');
  assert.deepEqual(await text(screen, '.bar-label'), ['Repairs', 'Safety', 'Communication']);
  assert.deepEqual(await text(screen, '.bar-count'), ['3', '3', '0']);
  assert.deepEqual(await text(screen, '.bar-pct'), ['avg. place 1.5', 'avg. place 1.5', 'avg. place 3.0']);
  await axe(screen, 'presenter ranking');
  await shot(ana, 'k50-phone-ranking');
  await shot(screen, 'k51-present-ranking', { fullPage: false });
  w.assertClean();
});

test('points: share 100 points, over budget is refused, totals and averages', { timeout: 90_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Budget');
  const host = await openConsole(w, room);
  await build(host, 'points', 1, async () => {
    await host.fill('#f-question', 'Split 100 points across next year’s priorities');
    const options = host.locator('#f-options input[type=text]');
    await options.nth(0).fill('Repairs');
    await options.nth(1).fill('Green spaces');
    await options.nth(1).press('Enter');
    await host.locator('#f-options input[type=text]').nth(2).fill('Community events');
  });
  const screen = await openScreen(w, room);
  const [ana, ben] = [await w.join(room.code, 'Ana'), await w.join(room.code, 'Ben')];
  await host.click('[data-key="nav-next"]');
  await ana.locator('.points-item').nth(2).waitFor();
  const field = (phone, i) => phone.locator('.points-item').nth(i).locator('input');
  await field(ana, 0).fill('70');
  await field(ana, 1).fill('40');
  await ana.locator('.points-left', { hasText: '10 points too many' }).waitFor();
  assert.equal(await ana.locator('.activity form button[type=submit]').isDisabled(), true, 'over budget cannot be sent');
  await field(ana, 1).fill('30');
  await ana.locator('.points-left', { hasText: '0 of 100 points left' }).waitFor();
  await axe(ana, 'participant points');
  await ana.click('.activity form button[type=submit]');
  await ana.locator('.feedback', { hasText: 'Points received' }).waitFor();
  for (let i = 0; i < 4; i++) await ben.locator('.points-item').nth(2).locator('button', { hasText: '+' }).click();
  await ben.locator('.points-left', { hasText: '80 of 100 points left' }).waitFor();
  await ben.click('.activity form button[type=submit]');
  await ben.locator('.feedback', { hasText: 'Points received' }).waitFor();
  await until(async () => (await text(screen, '.bar-count')).join() === '70,30,20', 'totals on the screen');
  assert.deepEqual(await text(screen, '.bar-label'), ['Repairs', 'Green spaces', 'Community events']);
  assert.deepEqual(await text(screen, '.bar-pct'), ['avg. 35.0', 'avg. 15.0', 'avg. 10.0']);
  await axe(screen, 'presenter points');
  await shot(ana, 'k60-phone-points');
  await shot(screen, 'k61-present-points', { fullPage: false });
  w.assertClean();
});

test('shared controls: reactions float up, a countdown closes voting, audience pacing', { timeout: 120_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Controls');
  const driver = await w.hostDriver(room);
  await driver.send({ type: 'add_activity', spec: { kind: 'poll', question: 'First?', options: ['Yes', 'No'] } });
  await driver.send({ type: 'add_activity', spec: { kind: 'ranking', question: 'Order these', options: ['X', 'Y', 'Z'] } });
  const host = await openConsole(w, room);
  const screen = await openScreen(w, room);
  const calm = await w.page({ ...PROJECTOR, reducedMotion: 'reduce' });
  await calm.goto(`${w.base}/present/${room.code}`);
  const ana = await w.join(room.code, 'Ana');
  await host.click('[data-key="nav-next"]');
  await ana.locator('.activity h1', { hasText: 'First?' }).waitFor();

  // Reactions: labelled buttons; the screen floats them (at most eight a second), the calm
  // screen shows counts instead, the console counts them.
  assert.deepEqual(
    await ana.locator('.react-btn').evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label'))),
    ['thumbs up', 'heart', 'laugh', 'wow', 'clap'].map((n) => `Send a reaction: ${n}`),
  );
  for (const name of ['clap', 'heart', 'clap']) {
    await ana.click(`[data-reaction="${name}"]`);
    await sleep(350);
  }
  await until(async () => (await screen.locator('.floater').count()) > 0, 'reactions float up on the screen');
  await until(async () => (await calm.locator('.reaction-tally').textContent())?.includes('clap 2'), 'the calm screen counts reactions');
  assert.equal(await calm.locator('.floater').count(), 0, 'nothing floats under reduced motion');
  await until(async () => (await host.locator('.reaction-counts').textContent()).includes('Reactions (3)'), 'the console counts reactions');
  await axe(ana, 'participant with reactions');

  // A countdown closes voting on every screen.
  await host.click('[data-key="activity-settings"]');
  await host.fill('[id^="cd-secs-"]', '3');
  await host.click('[data-key="cd-start"]');
  await ana.locator('.notice.closes', { hasText: /Voting closes in 0:0[1-3]/ }).waitFor();
  await screen.locator('.closes-badge:not([hidden])').waitFor();
  await axe(host, 'host console, countdown running');
  await shot(host, 'k70-host-countdown', { fullPage: false });
  await shot(screen, 'k71-present-countdown', { fullPage: false });
  await ana.locator('.activity .notice', { hasText: 'Voting is closed' }).waitFor({ timeout: 8_000 });
  assert.equal(await ana.locator('.notice.closes').isHidden(), true);
  await screen.locator('.act-foot', { hasText: 'Voting closed' }).waitFor();

  // Audience pacing: the phone moves on by itself and answers a slide that is not on screen.
  await host.click('[data-key="panel-session"]');
  await host.click('#pace-audience');
  await ana.locator('nav.pace:not([hidden])').waitFor();
  assert.equal(await ana.locator('.pace-where').textContent(), '1 of 2');
  await ana.click('[data-key="pace-next"]');
  await ana.locator('.activity h1', { hasText: 'Order these' }).waitFor();
  await ana.click('.activity form button[type=submit]');
  await ana.locator('.feedback', { hasText: 'Ranking received' }).waitFor();
  await host.locator('.deck-item', { hasText: 'Order these' }).locator('.deck-meta', { hasText: '1 response' }).waitFor();
  await ana.reload();
  await ana.locator('.activity h1', { hasText: 'Order these' }).waitFor();
  await axe(ana, 'participant, own pace');
  await shot(ana, 'k72-phone-own-pace');
  // 320 px at 200 % text: the shell does not scroll sideways.
  await ana.setViewportSize({ width: 320, height: 640 });
  await ana.evaluate(() => (document.documentElement.style.fontSize = '200%'));
  assert.ok((await horizontalOverflow(ana)) <= 0, 'no sideways scrolling at 320 px and 200 %');
  w.assertClean();
});
