// Embedding in other sites: the documented example page (docs/embed-example.html), served from a
// second origin, shows a live poll through embed.js that resizes itself; the facilitator pins it
// and allows voting from the console; the embed never touches the host key; other pages refuse
// to be framed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { setup, shot, axe, until, barCounts, ROOT, DESKTOP, PHONE } from './harness.mjs';

/** A tiny web server on 127.0.0.2 (another site than the handsup server on 127.0.0.1). */
async function otherSite(pages) {
  const server = http.createServer((req, res) => {
    const body = pages[req.url.split('?')[0]];
    if (body == null) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.2', resolve));
  return {
    origin: `http://127.0.0.2:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

test('the example page embeds a live, self-sizing poll from another site', { timeout: 120_000 }, async (t) => {
  const example = await readFile(path.join(ROOT, 'docs/embed-example.html'), 'utf8');
  let site;
  const pages = {};
  site = await otherSite(pages);
  t.after(() => site.close());
  const w = await setup(t, { allowedOrigins: [site.origin] });
  const room = await w.createRoom('Tenants meetup');
  const driver = await w.hostDriver(room);
  const topic = (await driver.send({ type: 'add_activity', spec: { kind: 'poll', question: 'Next meetup topic?', options: ['Repairs', 'Damp and mould', 'Rent'] } })).id;
  const other = (await driver.send({ type: 'add_activity', spec: { kind: 'poll', question: 'Tea or coffee?', options: ['Tea', 'Coffee'] } })).id;
  await driver.send({ type: 'navigate', to: { activity: other } });

  // The facilitator pins the topic poll for embeds in the console, and copies the snippet.
  const host = await w.page(DESKTOP);
  await host.goto(w.base + room.host_url);
  await host.click('[data-key="panel-embed"]');
  await host.locator('#embed-pin').waitFor();
  await host.selectOption('#embed-pin', String(topic));
  await host.locator('.flash', { hasText: 'Embed settings saved' }).waitFor();
  const snippet = await host.locator('#embed-code').inputValue();
  assert.equal(snippet, `<script src="${w.base}/embed.js" data-room="${room.code}"></script>`);
  assert.equal(await host.locator('#embed-voting').isChecked(), false);

  // The example page, as documented, with this server and session filled in.
  pages['/'] = example.replaceAll('https://vote.example.org', w.base).replaceAll('12345678', room.code);
  assert.ok(pages['/'].includes(`<script src="${w.base}/embed.js" data-room="${room.code}"`), 'the example page uses the loader');
  const visitor = await w.page({ viewport: { width: 900, height: 800 } });
  const sent = [];
  const sockets = [];
  visitor.on('websocket', (ws) => {
    sockets.push(ws.url());
    ws.on('framesent', (f) => sent.push({ url: ws.url(), payload: String(f.payload) }));
  });
  await visitor.goto(site.origin + '/');
  const iframe = visitor.locator('iframe.handsup-embed');
  await iframe.waitFor();
  assert.equal(await visitor.locator('script[data-room]').count(), 0, 'the script tag is replaced by the iframe');
  assert.equal(await iframe.getAttribute('src'), `${w.base}/embed/${room.code}#auto-height`, 'the loader sizes its frame itself');
  assert.equal(await iframe.getAttribute('title'), 'Live poll: the next meetup’s topic'.replace('’', "'"));
  const frame = await until(() => visitor.frames().find((f) => f.url().startsWith(`${w.base}/embed/`)), 'the embed frame loads');

  // It shows the pinned poll (not the one on screen), live.
  await frame.locator('h1', { hasText: 'Next meetup topic?' }).waitFor();
  await frame.locator('ol.bars').waitFor();
  assert.deepEqual(await barCounts(frame), { Repairs: 0, 'Damp and mould': 0, Rent: 0 });
  assert.equal(await frame.locator('.choice').count(), 0, 'no voting from embeds unless allowed');
  await driver.send({ type: 'navigate', to: { activity: topic } });
  const phones = [await w.join(room.code, '', PHONE), await w.join(room.code, '', PHONE)];
  for (const [i, text] of ['Repairs', 'Rent'].entries()) {
    await phones[i].locator('.choice', { hasText: text }).click();
    await phones[i].click('.activity form button[type=submit]');
  }
  await until(async () => JSON.stringify(await barCounts(frame)) === JSON.stringify({ Repairs: 1, 'Damp and mould': 0, Rent: 1 }), 'the embed shows the votes live');

  // The iframe is as tall as its content (the loader listens to the frame's resize messages).
  const heights = async () => ({
    frame: await iframe.evaluate((el) => el.clientHeight),
    content: await frame.evaluate(() => document.documentElement.getBoundingClientRect().height),
  });
  await until(async () => {
    const h = await heights();
    return Math.abs(h.frame - h.content) <= 2 && h.frame !== 288;
  }, 'the iframe takes the height of its content');
  const before = await heights();
  await axe(visitor, 'embed example page');
  await axe(frame, 'embed page, results');
  await shot(visitor, '50-embed-example');

  // The facilitator allows voting from embeds: the poll becomes interactive and the frame grows.
  await host.check('#embed-voting');
  await host.locator('.flash', { hasText: 'Embed settings saved' }).waitFor();
  await frame.locator('.choice', { hasText: 'Damp and mould' }).waitFor();
  await until(async () => {
    const h = await heights();
    return h.content > before.content + 50 && Math.abs(h.frame - h.content) <= 2;
  }, 'the iframe grows with the voting form');
  await axe(frame, 'embed page, voting');
  await frame.locator('.choice', { hasText: 'Damp and mould' }).click();
  await frame.locator('form button[type=submit]').click();
  await frame.locator('.feedback', { hasText: 'Vote received' }).waitFor();
  await until(async () => (await barCounts(frame))['Damp and mould'] === 1, 'the embed’s own vote is counted');
  await until(async () => /^3 joined/.test(await host.locator('#counts').textContent()), 'the embed voted as a participant');
  await shot(visitor, '51-embed-example-voted');

  // Looking at an embed joins nobody: after a reload it shows the results and the form, and the
  // session still has three participants. (Browsers that deny storage to frames of other sites,
  // as this one does, cannot keep a visitor's identity across reloads; those that partition it
  // can, and the embed then shows the visitor's earlier choice.)
  await visitor.reload();
  const again = await until(() => visitor.frames().find((f) => f.url().startsWith(`${w.base}/embed/`)), 'the embed frame loads again');
  await again.locator('.choice', { hasText: 'Damp and mould' }).waitFor();
  await until(async () => (await barCounts(again))['Damp and mould'] === 1, 'the results survive the reload');
  assert.match(await host.locator('#counts').textContent(), /^3 joined/, 'the reload did not join anew');

  // What the embed sent: the embed channel said hello as embed only; votes went as a
  // participant; never a host key or a host command.
  const hostTypes = ['add_activity', 'edit_activity', 'navigate', 'set_voting', 'set_results', 'set_embed', 'set_language', 'set_title', 'delete_activity'];
  assert.ok(sockets.includes(`${w.base.replace('http', 'ws')}/ws/${room.code}/embed`), `watched on the embed channel: ${sockets}`);
  const messages = sent.map((s) => ({ ...s, msg: JSON.parse(s.payload) }));
  for (const { url, payload, msg } of messages) {
    assert.ok(!payload.includes(room.host_key) && !('host_key' in msg), `no host key: ${payload}`);
    assert.ok(!hostTypes.includes(msg.type), `no host command: ${payload}`);
    if (url.endsWith('/embed')) assert.deepEqual({ type: msg.type, role: msg.role }, { type: 'hello', role: 'embed' });
  }
  assert.ok(messages.some((m) => m.msg.type === 'vote' && !m.url.endsWith('/embed')), 'the vote went as a participant');

  // Pinning by the embedder (data-activity) shows only that activity.
  await visitor.evaluate(
    ({ base, code, id }) => {
      const s = document.createElement('script');
      s.src = `${base}/embed.js`;
      s.dataset.room = code;
      s.dataset.activity = String(id);
      s.dataset.title = 'Pinned poll';
      document.querySelector('main').append(s);
    },
    { base: w.base, code: room.code, id: other },
  );
  const pinned = await until(() => visitor.frames().find((f) => f.url().endsWith(`/embed/${room.code}?activity=${other}#auto-height`)), 'the second embed loads');
  await pinned.locator('h1', { hasText: 'This question is not on screen right now' }).waitFor();
  await host.selectOption('#embed-pin', '');
  await driver.send({ type: 'navigate', to: { activity: other } });
  await pinned.locator('h1', { hasText: 'Tea or coffee?' }).waitFor();
  await axe(pinned, 'embed page, pinned by the embedder');

  // Other pages of the server refuse to be framed, by this or any site.
  await visitor.evaluate(
    ({ base, code, key }) => {
      for (const src of [`${base}/${code}`, `${base}/host/${code}#key=${key}`, `${base}/present/${code}`]) {
        const f = document.createElement('iframe');
        f.src = src;
        f.title = 'framing attempt';
        f.className = 'attempt';
        document.body.append(f);
      }
    },
    { base: w.base, code: room.code, key: room.host_key },
  );
  await until(async () => {
    const attempts = visitor.frames().filter((f) => f.parentFrame() && f.url() !== 'about:blank' && !f.url().includes('/embed/'));
    return attempts.length === 3 && attempts.every((f) => f.url().startsWith('chrome-error://'));
  }, 'the participant, host and presenter pages cannot be framed', 10_000);

  w.assertClean();
});

test('embed pages of unknown sessions explain themselves', { timeout: 60_000 }, async (t) => {
  const w = await setup(t);
  const page = await w.page();
  const response = await page.goto(`${w.base}/embed/00000000`);
  assert.equal(response.status(), 404);
  await page.locator('h1', { hasText: 'Session not found' }).waitFor();
  await axe(page, 'embed page, unknown session');
  w.assertClean();
});

test('a plain iframe of a fixed size shows the whole poll, Vote button included, at 560×420 and 320×480', { timeout: 90_000 }, async (t) => {
  const pages = {};
  const site = await otherSite(pages);
  t.after(() => site.close());
  const w = await setup(t, { allowedOrigins: [site.origin] });
  const room = await w.createRoom('Fixed frames');
  const driver = await w.hostDriver(room);
  const options = ['Repairs and maintenance', 'Rents and service charges', 'Anti-social behaviour', 'Green spaces and play areas', 'Communication from the landlord'];
  const { id } = await driver.send({ type: 'add_activity', spec: { kind: 'poll', question: 'Which theme should the next meetup take on first?', options } });
  await driver.send({ type: 'navigate', to: { activity: id } });
  await driver.send({ type: 'set_embed', voting: true });
  for (const [width, height] of [[560, 420], [320, 480]]) {
    const visitor = await w.page({ viewport: { width: width + 40, height: height + 40 } });
    // The oEmbed snippet's shape: a plain iframe, no script, nothing to resize it.
    pages[`/${width}`] = `<!doctype html><title>Newsletter</title><body style="margin:20px"><iframe src="${w.base}/embed/${room.code}" title="Live poll" width="${width}" height="${height}" style="border:0;max-width:100%"></iframe></body>`;
    await visitor.goto(`${site.origin}/${width}`);
    const frame = await until(() => visitor.frames().find((f) => f.url().startsWith(`${w.base}/embed/`)), 'the embed frame loads');
    const vote = frame.locator('.embed-vote button[type=submit]');
    await vote.waitFor();
    const fit = async () =>
      frame.evaluate(() => {
        const root = document.documentElement;
        const button = document.querySelector('.embed-vote button[type=submit]').getBoundingClientRect();
        const choices = [...document.querySelectorAll('.embed .choice')].map((c) => c.getBoundingClientRect());
        return {
          overflow: root.scrollHeight - window.innerHeight,
          sideways: root.scrollWidth - window.innerWidth,
          button: button.bottom <= window.innerHeight && button.top >= 0,
          choices: choices.length,
          allShown: choices.every((c) => c.bottom <= window.innerHeight),
          font: parseFloat(getComputedStyle(document.querySelector('.embed .choice')).fontSize),
        };
      });
    await until(async () => (await fit()).overflow <= 1, `${width}×${height}: the page fits its frame`);
    const before = await fit();
    assert.equal(before.choices, options.length);
    assert.ok(before.button, `${width}×${height}: the Vote button is inside the frame`);
    assert.ok(before.allShown, `${width}×${height}: every option is inside the frame`);
    assert.ok(before.sideways <= 1, `${width}×${height}: nothing runs out sideways`);
    assert.ok(before.font >= 10, `${width}×${height}: options stay readable (${before.font} px)`);
    await shot(visitor, `e20-iframe-${width}x${height}-poll`, { fullPage: false });
    // The form and the results take turns in a small frame: the results are one press away…
    await frame.locator('.embed-swap', { hasText: 'See the results' }).click();
    await frame.locator('.embed-results ol.bars').waitFor();
    assert.equal(await frame.locator('.embed-vote').isHidden(), true, 'the form gives way to the results');
    await until(async () => (await fit()).overflow <= 1, `${width}×${height}: the results fit the frame`);
    await frame.locator('.embed-swap', { hasText: 'Back to voting' }).click();
    await vote.waitFor();
    // …and once this visitor has voted, the results come by themselves, counting the vote.
    await frame.locator('.embed .choice', { hasText: 'Green spaces' }).click();
    await vote.click();
    const voted = width === 560 ? 1 : 2;
    await until(async () => (await barCounts(frame))['Green spaces and play areas'] === voted, `${width}×${height}: the visitor's vote shows`);
    await until(async () => (await fit()).overflow <= 1, `${width}×${height}: the page with results fits its frame`);
    assert.equal(await frame.locator('.embed-vote').isHidden(), true);
    await axe(frame, `embed in a ${width}×${height} frame, voted`);
    await shot(visitor, `e21-iframe-${width}x${height}-voted`, { fullPage: false });
    await visitor.close();
  }
  // A page of its own (not in a frame) keeps its full size.
  const own = await w.page({ viewport: { width: 560, height: 420 } });
  await own.goto(`${w.base}/embed/${room.code}`);
  await own.locator('.embed-vote button[type=submit]').waitFor();
  assert.equal(await own.evaluate(() => document.documentElement.style.fontSize), '');
  w.assertClean();
});
