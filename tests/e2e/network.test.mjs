// Weak networks: a phone loses its network for ten seconds and comes back by itself, caught up;
// the participant page is light (at most 60 KB transferred) and usable on a Slow 3G profile.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, shot, until, barCounts, sleep, PHONE, PROJECTOR } from './harness.mjs';

test('a phone offline for 10 s reconnects by itself and catches up', { timeout: 90_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Weak signal');
  const host = await w.hostDriver(room);
  const poll = (await host.send({ type: 'add_activity', spec: { kind: 'poll', question: 'Best day?', options: ['Monday', 'Friday'] } })).id;
  await host.send({ type: 'add_activity', spec: { kind: 'wordcloud', prompt: 'One word?' } });
  await host.send({ type: 'navigate', to: { activity: poll } });
  await host.send({ type: 'set_results', activity: poll, shown: false });

  const phone = await w.join(room.code, 'Ana');
  const other = await w.join(room.code, 'Ben');
  await phone.locator('.activity h1', { hasText: 'Best day?' }).waitFor();
  const frames = [];
  phone.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(f.payload)));

  // The network goes.
  await phone.context().setOffline(true);
  const wentOffline = Date.now();
  await until(async () => (await phone.locator('#conn').getAttribute('data-status')) === 'reconnecting', 'the phone notices it is offline', 5_000);
  assert.match(await phone.locator('#conn').textContent(), /Offline/);
  await shot(phone, '30-phone-offline');

  // While it is away: a vote from this phone waits; others vote; the facilitator reveals results
  // and renames the session.
  await phone.locator('.choice', { hasText: 'Friday' }).click();
  await phone.click('.activity form button[type=submit]');
  await other.locator('.choice', { hasText: 'Monday' }).click();
  await other.click('.activity form button[type=submit]');
  await other.locator('.feedback', { hasText: 'Vote received' }).waitFor();
  await host.send({ type: 'set_results', activity: poll, shown: true });
  await host.send({ type: 'set_title', title: 'Weak signal, strong views' });
  await other.locator('.results:not([hidden]) ol.bars').waitFor();
  await sleep(Math.max(0, 10_000 - (Date.now() - wentOffline)));
  // Nothing reached the phone meanwhile: the drop was real (no reconnection attempt got through,
  // and the page still shows the old state).
  assert.equal(frames.length, 0, 'no frame reaches an offline phone');
  assert.equal(await phone.locator('.results').isHidden(), true);
  assert.equal(await phone.locator('#room-title').textContent(), 'Weak signal');

  // The network comes back: the phone reconnects by itself, sends its vote and catches up.
  await phone.context().setOffline(false);
  const back = Date.now();
  await until(async () => (await phone.locator('#conn').getAttribute('data-status')) === 'connected', 'the phone reconnects', 10_000);
  await phone.locator('.feedback', { hasText: 'Vote received' }).waitFor({ timeout: 10_000 });
  await phone.locator('.results:not([hidden]) ol.bars').waitFor({ timeout: 10_000 });
  await until(
    async () => JSON.stringify(await barCounts(phone, '.results')) === JSON.stringify({ Monday: 1, Friday: 1 }),
    'the phone shows everyone’s votes, its own included',
  );
  assert.equal(await phone.locator('#room-title').textContent(), 'Weak signal, strong views');
  const caughtUp = Date.now() - back;
  assert.ok(caughtUp < 5_000, `caught up ${caughtUp} ms after the network came back`);
  assert.equal(await phone.locator('.results li.bar.mine .bar-label').textContent(), 'Friday');
  await shot(phone, '31-phone-back-online');

  // It keeps following: the next activity arrives as usual.
  await host.send({ type: 'navigate', to: 'next' });
  await phone.locator('.activity h1', { hasText: 'One word?' }).waitFor();
  w.assertClean();
});

/** Sums what the network carried for HTTP responses, as Chromium reports it. */
async function measureTransfer(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const responses = new Map();
  let bytes = 0;
  cdp.on('Network.responseReceived', (e) => responses.set(e.requestId, e.response));
  cdp.on('Network.loadingFinished', (e) => {
    const response = responses.get(e.requestId);
    if (response && /^https?:/.test(response.url)) {
      bytes += e.encodedDataLength;
      responses.get(e.requestId).bytes = e.encodedDataLength;
    }
  });
  return {
    cdp,
    total: () => bytes,
    list: () => [...responses.values()].filter((r) => r.bytes != null).map((r) => `${r.url.replace(/^https?:\/\/[^/]+/, '')} ${r.bytes} B (${r.headers['content-encoding'] || 'identity'})`),
  };
}

test('the participant page loads in at most 60 KB and works on Slow 3G', { timeout: 90_000 }, async (t) => {
  const w = await setup(t);
  const room = await w.createRoom('Slow network');
  const host = await w.hostDriver(room);
  const poll = (await host.send({ type: 'add_activity', spec: { kind: 'poll', question: 'Is this fast enough?', options: ['Yes', 'No'] } })).id;
  await host.send({ type: 'navigate', to: { activity: poll } });
  const screen = await w.page(PROJECTOR);
  await screen.goto(`${w.base}/present/${room.code}`);
  await screen.locator('.act-body[data-mode="bars"]').waitFor();

  // Weight: a first visit with an empty cache, everything it needs to join and vote.
  const light = await w.page(PHONE);
  const meter = await measureTransfer(light);
  await light.goto(`${w.base}/${room.code}`);
  await light.click('.join button[type=submit]');
  await light.locator('.activity h1', { hasText: 'Is this fast enough?' }).waitFor();
  await light.waitForLoadState('networkidle');
  const kb = meter.total() / 1024;
  t.diagnostic(`participant page: ${kb.toFixed(1)} KB transferred\n  ${meter.list().join('\n  ')}`);
  assert.ok(meter.list().some((r) => r.includes('participant.js') && /br|gzip/.test(r)), 'scripts arrive compressed');
  assert.ok(kb <= 60, `the participant page transferred ${kb.toFixed(1)} KB (at most 60)`);
  // A second visit revalidates with ETags instead of downloading again.
  const statuses = new Map();
  meter.cdp.on('Network.responseReceived', (e) => statuses.set(e.response.url.replace(/^https?:\/\/[^/]+/, ''), e.response.status));
  await light.reload();
  await light.locator('.activity h1', { hasText: 'Is this fast enough?' }).waitFor();
  await light.waitForLoadState('networkidle');
  for (const asset of ['/assets/participant.js', '/assets/app.css', '/assets/i18n/en.js']) {
    assert.equal(statuses.get(asset), 304, `${asset} is revalidated (304), not sent again`);
  }

  // Slow 3G: 400 kbit/s each way, 400 ms latency, empty cache. Join and vote within 10 s.
  const slow = await w.page(PHONE);
  const cdp = await slow.context().newCDPSession(slow);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 400,
    downloadThroughput: (400 * 1024) / 8,
    uploadThroughput: (400 * 1024) / 8,
  });
  const started = Date.now();
  await slow.goto(`${w.base}/${room.code}`, { waitUntil: 'commit' });
  await slow.locator('#join-name').waitFor({ timeout: 10_000 });
  await slow.fill('#join-name', 'Slow Sam');
  await slow.click('.join button[type=submit]');
  await slow.locator('.choice', { hasText: 'Yes' }).click({ timeout: 10_000 });
  await slow.click('.activity form button[type=submit]');
  await slow.locator('.feedback', { hasText: 'Vote received' }).waitFor({ timeout: 10_000 });
  const took = Date.now() - started;
  t.diagnostic(`Slow 3G: joined and voted in ${took} ms`);
  assert.ok(took <= 10_000, `joining and voting on Slow 3G took ${took} ms (at most 10000)`);
  await until(async () => (await barCounts(screen)).Yes === 1, 'the slow vote reaches the presenter');
  await shot(slow, '32-phone-slow-3g-voted');
  w.assertClean();
});
