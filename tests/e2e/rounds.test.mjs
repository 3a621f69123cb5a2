// A team scores its framework again (our users' third scenario): round 2 beside round 1 on the
// console, the projected screen and the report, and the lowest rated as a to-do list the
// facilitator ticks off and publishes ("you said, we did").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { setup, shot, axe, until, openConsole, fontSizes, DESKTOP, SHOTS } from './harness.mjs';

const FULL_HD = { viewport: { width: 1920, height: 1080 } };
const STATEMENTS = [
  { text: 'We involve tenants in setting repair priorities', theme: 'Repairs' },
  { text: 'We publish our repair times', theme: 'Repairs' },
  { text: 'Repairs are done right the first time', theme: 'Repairs' },
  { text: 'We report back on complaints', theme: 'Voice' },
  { text: 'We ask residents before changing services', theme: 'Voice' },
  { text: 'Scrutiny panels get the information they ask for', theme: 'Voice' },
];
// Three people, each rating every statement; round 2 lifts repair priorities (2 → 4) and lets
// complaints fall (4 → 2); the rest move a little or not at all.
const ROUND_1 = [
  [2, 3, 3, 4, 3, 3],
  [2, 3, 3, 4, 3, 4],
  [2, 3, 3, 4, 3, 2],
];
const ROUND_2 = [
  [4, 3, 3, 2, 3, 3],
  [4, 4, 3, 2, 3, 4],
  [4, 3, 3, 2, 3, 2],
];

test('round 2 beside round 1 on the console, the screen and the report; the to-do list is ticked off and published', { timeout: 150_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Tenant scrutiny self-assessment');
  const driver = await w.hostDriver(room);
  const { id } = await driver.send({ type: 'add_activity', spec: { kind: 'scales', prompt: 'How well do we do this?', statements: STATEMENTS, min: 1, max: 5, highlight: 2 } });
  await driver.send({ type: 'navigate', to: { activity: id } });
  const answer = await w.participantSockets(room, 3);
  const rate = async (round) => {
    for (const [who, values] of round.entries()) {
      await answer(who, { type: 'rate', activity: id, ratings: values.map((value, statement) => ({ statement, value })) });
    }
  };
  await rate(ROUND_1);
  // Months later: a new round, the same framework, the same people.
  await driver.send({ type: 'reset_results', activity: id });
  await rate(ROUND_2);
  await driver.send({ type: 'set_results', activity: id, shown: true });

  // The console: the movers beside the usual lists, each statement's change, sorting by change.
  const host = await openConsole(w, room);
  const movers = host.locator('.st-movers');
  await movers.waitFor();
  assert.equal(await movers.locator('h3').textContent(), 'Moved most since round 1');
  assert.deepEqual(await movers.locator('.st-text').allTextContents(), [STATEMENTS[0].text, STATEMENTS[3].text], 'the two biggest changes, in the framework order when equal');
  assert.deepEqual(await movers.locator('.st-value').allTextContents(), ['2.0 → 4.0', '4.0 → 2.0']);
  assert.deepEqual(await movers.locator('.st-change').allTextContents(), ['▲ +2.0', '▼ −2.0']);
  const detail = host.locator('.st-detail');
  const complaints = detail.locator('.st-item', { hasText: STATEMENTS[3].text });
  assert.equal(await complaints.locator('.st-change').textContent(), '▼ −2.0 since round 1 (4.0)');
  // "We publish our repair times" went from 3.0 to 3.3 (shown rounded: 3.0 → 3.3).
  assert.equal(await detail.locator('.st-item', { hasText: STATEMENTS[1].text }).locator('.st-change').textContent(), '▲ +0.3 since round 1 (3.0)');
  await host.selectOption('[data-key="st-sort"]', 'change');
  await until(async () => (await detail.locator('.st-text').first().textContent()) === STATEMENTS[0].text, 'the most changed statement comes first');
  assert.equal(await detail.locator('.st-text').nth(1).textContent(), STATEMENTS[3].text);
  await axe(host, 'console with round 2 beside round 1');
  await shot(host, 'o01-console-round-2-beside-round-1');

  // The screen: the summary, then a page of its own for the earlier round, driven from the console.
  const screen = await w.page(FULL_HD);
  await screen.goto(`${w.base}/present/${room.code}`);
  await screen.locator('.scale-summary').waitFor();
  const pages = await host.locator('#screen-page option').allTextContents();
  assert.deepEqual(pages, ['Summary', 'Against round 1', 'Statements 1–6']);
  await host.selectOption('#screen-page', '1');
  const compare = screen.locator('.st-compare');
  await compare.waitFor();
  assert.equal(await compare.locator('.st-compare-lede').textContent(), 'Round 2: 3 people have rated. Round 1: 3 rated.');
  assert.deepEqual(await compare.locator('.st-movers .st-change').allTextContents(), ['▲ +2.0', '▼ −2.0']);
  // Each theme's bar carries a mark where round 1 left it: Repairs 2.7 → 3.4, Voice 3.3 → 2.7.
  const themes = compare.locator('.st-themes .bar');
  assert.deepEqual(await themes.locator('.bar-label').allTextContents(), ['Repairs', 'Voice']);
  assert.deepEqual(await themes.locator('.st-change').allTextContents(), ['▲ +0.7', '▼ −0.6']);
  const marks = await themes.locator('.bar-then').evaluateAll((els) => els.map((el) => !el.hidden && el.getBoundingClientRect().width > 0));
  assert.deepEqual(marks, [true, true], 'round 1 is marked on every theme bar');
  const sizes = await fontSizes(screen, '.st-compare', '.st-compare .st-text, .st-compare .st-value, .st-compare .bar-label');
  assert.ok(sizes.smallest >= 20, `nothing on the comparison page is under 20 px (${sizes.smallest})`);
  assert.ok(sizes.smallestBig >= 32, `statements, figures and themes are at least 32 px (${sizes.smallestBig})`);
  await axe(screen, 'presenter: round 2 against round 1');
  await shot(screen, 'o02-present-round-2-against-round-1', { fullPage: false });
  // The statements' pages say how each moved.
  await host.selectOption('#screen-page', '2');
  await screen.locator('.st-detail .st-change', { hasText: '▲ +2.0 since round 1 (2.0)' }).waitFor();
  await shot(screen, 'o03-present-statements-with-change', { fullPage: false });

  // The report: the comparison, and the to-do list from the lowest rated.
  const report = await w.page(DESKTOP);
  await report.goto(`${w.base}/report/${room.code}#key=${encodeURIComponent(room.host_key)}`);
  const section = report.locator('section.activity', { hasText: 'How well do we do this?' });
  await section.locator('.compare').waitFor();
  assert.equal(await section.locator('.compare h3').textContent(), 'Round 2 against round 1');
  const moverRows = await section.locator('.compare tbody tr').evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
  assert.deepEqual(moverRows, [
    [STATEMENTS[0].text, '2.00', '4.00', '▲ +2.0'],
    [STATEMENTS[3].text, '4.00', '2.00', '▼ −2.0'],
  ]);
  const statementsTable = section.locator('table').last();
  assert.deepEqual(await statementsTable.locator('th').allTextContents(), ['Statement', 'Theme', 'Mean', 'Round 1', 'Change', 'Spread', 'Ratings']);

  await section.locator('details summary').click();
  const todo = section.locator('.note-editor', { hasText: STATEMENTS[3].text });
  await todo.locator('textarea').fill('The complaints lead reports back at every meetup.');
  await todo.locator('button').click();
  const said = section.locator('.said');
  await said.locator('dd', { hasText: 'The complaints lead reports back at every meetup.' }).waitFor();
  assert.equal(await said.locator('.note-state').first().textContent(), 'Planned');
  assert.equal(await section.locator('details').getAttribute('open'), '', 'the to-do list stays open');
  // Ticking a saved item off saves it at once.
  await section.locator('.note-editor', { hasText: STATEMENTS[3].text }).locator('input[type=checkbox]').check();
  await said.locator('.note-state.done').waitFor();
  assert.equal(await said.locator('.meta').textContent(), '1 of 1 done');
  // Ticking off an item with nothing written says why it cannot, and saves nothing.
  const empty = section.locator('.note-editor', { hasText: STATEMENTS[2].text });
  await empty.locator('input[type=checkbox]').check();
  await empty.locator('button').click();
  await empty.locator('.status', { hasText: 'Write what was done before you tick it off.' }).waitFor();
  assert.equal(await said.locator('dd').count(), 1);
  await axe(report, 'report with the comparison and the to-do list');
  await shot(report, 'o04-report-round-2-and-to-do');

  // Published: anyone reads the comparison and what was done, and cannot edit.
  await report.click('button:has-text("Publish the report")');
  await report.locator('.report-controls', { hasText: 'Published' }).waitFor();
  const reader = await w.page(DESKTOP);
  await reader.goto(`${w.base}/report/${room.code}`);
  const publicSection = reader.locator('section.activity', { hasText: 'How well do we do this?' });
  await publicSection.locator('.compare').waitFor();
  await publicSection.locator('.said .note-state.done').waitFor();
  assert.match(await publicSection.locator('.said dt').first().textContent(), /complaints/);
  assert.equal(await reader.locator('.note-editor, details.editor-only').count(), 0, 'readers get no editors');
  // The results as a picture, at a link anyone can paste into a newsletter.
  const png = await publicSection.locator('a[data-key^="picture-png-"]').getAttribute('href');
  const res = await fetch(`${w.base}${png}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  await writeFile(path.join(SHOTS, 'o06-results-picture-round-2.png'), Buffer.from(await res.arrayBuffer()));
  const svg = await (await fetch(`${w.base}${await publicSection.locator('a[data-key^="picture-svg-"]').getAttribute('href')}`)).text();
  assert.ok(svg.includes(STATEMENTS[0].text), 'the picture names the statements');
  assert.ok(svg.includes('The mark on each bar: round 1'), 'the picture marks where round 1 left each bar');
  await shot(reader, 'o05-report-published-to-do');
  w.assertClean();
});
