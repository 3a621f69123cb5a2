// The session report as our users publish it: a theme column in the statements table, notes
// written one after another without the panel closing, and on paper margins, page numbers and no
// half-empty first page (read back from the PDF Chromium prints, with pdftotext).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { setup, shot, axe, SHOTS, DESKTOP } from './harness.mjs';

const THEMES = ['Repairs', 'Complaints', 'Communication', 'Scrutiny'];

test('the report: theme column, notes one after another, page numbers and a full first page on paper', { timeout: 120_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Annual self-assessment');
  const driver = await w.hostDriver(room);
  // Forty statements in four themes: the statements table alone runs over more than one page.
  const statements = Array.from({ length: 40 }, (_, i) => ({ text: `Statement ${i + 1}: we do what we said we would about ${THEMES[i % 4].toLowerCase()}`, theme: THEMES[Math.floor(i / 10)] }));
  const { id } = await driver.send({ type: 'add_activity', spec: { kind: 'scales', prompt: 'How well do we do this?', statements, min: 1, max: 5 } });
  await driver.send({ type: 'add_activity', spec: { kind: 'poll', question: 'Which theme first next year?', options: THEMES } });
  await driver.send({ type: 'navigate', to: { activity: id } });
  await driver.send({ type: 'set_results', activity: id, shown: true });

  const report = await w.page(DESKTOP);
  await report.goto(`${w.base}/report/${room.code}#key=${encodeURIComponent(room.host_key)}`);
  const section = report.locator('section.activity', { hasText: 'How well do we do this?' });
  await section.waitFor();

  // The statements table names each statement's theme.
  const headers = await section.locator('table').last().locator('th').allTextContents();
  assert.deepEqual(headers.slice(0, 2), ['Statement', 'Theme']);
  const first = await section.locator('table').last().locator('tbody tr').first().locator('td').allTextContents();
  assert.equal(first[1], 'Repairs');

  // Two notes on the poll, one after the other: the panel stays open and says each was saved.
  const poll = report.locator('section.activity', { hasText: 'Which theme first next year?' });
  await poll.locator('details summary').click();
  const editors = poll.locator('.note-editor');
  assert.ok((await editors.count()) >= 2, 'a note for the poll as a whole and for each option');
  await editors.nth(0).locator('textarea').fill('We will publish repair times every month.');
  await editors.nth(0).locator('button').click();
  await poll.locator('.said dd', { hasText: 'We will publish repair times every month.' }).waitFor();
  assert.equal(await poll.locator('details').getAttribute('open'), '', 'the notes panel stays open after saving');
  await poll.locator('.note-editor .status', { hasText: 'Saved' }).waitFor();
  assert.equal(await report.evaluate(() => document.activeElement?.dataset.note), `${await poll.locator('.note-editor button').first().getAttribute('data-note')}`, 'the focus stays on the button pressed');
  await poll.locator('.note-editor').nth(1).locator('textarea').fill('The scrutiny panel reviews this in June.');
  await poll.locator('.note-editor').nth(1).locator('button').click();
  await poll.locator('.said dd', { hasText: 'The scrutiny panel reviews this in June.' }).waitFor();
  assert.equal(await poll.locator('.said dd').count(), 2);
  await axe(report, 'report with two notes, panel open');
  await shot(report, 'r01-report-notes-open');

  // On paper.
  const pdf = path.join(SHOTS, 'r02-report.pdf');
  await report.emulateMedia({ media: 'print' });
  await report.pdf({ path: pdf, format: 'A4', printBackground: true, preferCSSPageSize: true });
  const pages = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).split('\f').filter((p) => p.trim());
  assert.ok(pages.length >= 2, `the report runs over several pages (${pages.length})`);
  pages.forEach((text, i) => assert.match(text, new RegExp(`\\b${i + 1}\\s*/\\s*${pages.length}\\b`), `page ${i + 1} is numbered`));
  // The first page holds the first activity's results, not only the title.
  assert.match(pages[0], /Annual self-assessment/);
  assert.match(pages[0], /How well do we do this\?/);
  assert.match(pages[0], /Statement 1: /, 'the statements start on the first page');
  // The notes are printed, the editors are not.
  assert.match(pages.join('\n'), /We will publish repair times every month\./);
  assert.doesNotMatch(pages.join('\n'), /Write “you said, we did” notes|Save/);
  w.assertClean();
});
