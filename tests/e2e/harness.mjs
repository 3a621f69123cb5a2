// Shared by every browser test: the real server binary on a free port with a fresh data
// directory, Debian's Chromium through playwright-core, a guard that fails the test when a page
// talks to any origin but the server's, axe-core checks, screenshots, and a host driver.

import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '../..');
export const BINARY = path.join(ROOT, 'target/debug/handsup');
export const SHOTS = path.join(ROOT, 'target/e2e');
export const CHROMIUM = '/usr/bin/chromium';
export const PHONE = { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
export const DESKTOP = { viewport: { width: 1366, height: 900 } };
export const PROJECTOR = { viewport: { width: 1280, height: 720 } };

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Servers still running: killed if this test process exits early (a timeout, a crash). */
const running = new Set();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts target/debug/handsup on 127.0.0.1:0 with its own data directory. */
export async function startServer(extraArgs = []) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'handsup-e2e-'));
  const child = spawn(BINARY, ['--bind', '127.0.0.1:0', '--data-dir', dataDir, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // The address is announced at level info, on stdout.
    env: { ...process.env, RUST_LOG: 'info' },
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 20 s:\n${stderr}`)), 20_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before it was ready:\n${stderr}`));
    });
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      stdout = (stdout + line + '\n').slice(-20_000);
      const m = line.replace(/\x1b\[[0-9;]*m/g, '').match(/handsup is running at (http:\/\/[^\s/]+)\/?/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  return {
    base,
    child,
    dataDir,
    /** The server's log so far (for failure messages). */
    log: () => stdout + stderr,
    async stop() {
      if (child.exitCode == null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * One test's world: a server, a browser, and a guard on every page opened through `page()`.
 * Everything is stopped by `t.after`, whatever the outcome.
 */
export async function setup(t, { serverArgs = [], allowedOrigins = [] } = {}) {
  const server = await startServer(serverArgs);
  let browser;
  try {
    browser = await launchBrowser();
  } catch (err) {
    await server.stop();
    throw err;
  }
  const world = new World(server, browser, allowedOrigins);
  t.after(async () => {
    await browser.close().catch(() => {});
    await server.stop();
  });
  return world;
}

export class World {
  constructor(server, browser, allowedOrigins) {
    this.server = server;
    this.base = server.base;
    this.browser = browser;
    this.allowed = new Set([server.base, ...allowedOrigins]);
    /** Requests to any other origin, by any page of this test. */
    this.foreign = [];
    /** Uncaught exceptions in any page. */
    this.pageErrors = [];
  }

  /** A new browser context whose every page is watched. */
  async context(options = {}) {
    const context = await this.browser.newContext(options);
    context.on('request', (request) => {
      let from = '';
      try {
        from = request.frame().url();
      } catch {
        /* a worker's request */
      }
      this.#check(request.url(), from);
    });
    context.on('page', (page) => this.#watch(page));
    return context;
  }

  /** A new page in a new context (a separate person, with their own storage). */
  async page(options = {}) {
    const context = await this.context(options);
    return context.newPage();
  }

  #watch(page) {
    page.on('pageerror', (err) => this.pageErrors.push(`${page.url()}: ${err.message}`));
    page.on('websocket', (ws) => this.#check(ws.url().replace(/^ws/, 'http'), page.url()));
  }

  #check(url, from) {
    if (/^(data|blob|about):/.test(url)) return;
    let origin;
    try {
      origin = new URL(url).origin;
    } catch {
      this.foreign.push(`${url} (from ${from})`);
      return;
    }
    if (!this.allowed.has(origin)) this.foreign.push(`${url} (from ${from})`);
  }

  /** Fails when any page requested another origin or threw. Call at the end of each test. */
  assertClean() {
    assert.deepEqual(this.foreign, [], 'no request may leave the server’s origin');
    assert.deepEqual(this.pageErrors, [], 'no page may throw');
  }

  /** POST /api/rooms: {code, host_key, host_url, …}. */
  async createRoom(title = '') {
    const res = await fetch(`${this.base}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title }),
    });
    assert.equal(res.status, 201);
    return res.json();
  }

  /** A host connection, for setting up a session quickly (the console itself is tested elsewhere). */
  async hostDriver(room) {
    const page = await this.page();
    await page.goto(`${this.base}/healthz`);
    const send = await socketClients(page, room.code, [{ type: 'hello', role: 'host', host_key: room.host_key }]);
    return {
      page,
      /** Sends a host message; resolves to the ack, throws on an error reply. */
      send: (msg) => send(0, msg),
    };
  }

  /**
   * `n` participants on plain sockets, answering as phones do: resolves to `answer(i, msg)`,
   * which sends as the i-th and resolves to the ack (throws on an error reply).
   */
  async participantSockets(room, n) {
    const page = await this.page();
    await page.goto(`${this.base}/healthz`);
    return socketClients(
      page,
      room.code,
      Array.from({ length: n }, (_, i) => ({ type: 'hello', role: 'participant', name: `Person ${i + 1}` })),
    );
  }

  async join(code, name = '', options = PHONE) {
    const page = await this.page(options);
    await page.goto(`${this.base}/${code}`);
    await page.locator('#join-name').waitFor();
    if (name) await page.fill('#join-name', name);
    await page.click('.join button[type=submit]');
    await page.locator('#who').waitFor({ state: 'visible' });
    return page;
  }
}

/**
 * Opens one WebSocket per hello in `page` (a page of this server) and waits until each has its
 * session; returns `send(i, msg)`, resolving to the i-th socket's ack (an error reply throws).
 */
async function socketClients(page, code, hellos) {
  await page.evaluate(
    ({ code, hellos }) =>
      Promise.all(
        hellos.map(
          (hello, i) =>
            new Promise((resolve, reject) => {
              const ws = new WebSocket(`ws://${location.host}/ws/${code}`);
              const pending = new Map();
              let rid = 1;
              (window.__sockets ||= [])[i] = {
                send(msg) {
                  const id = ++rid;
                  ws.send(JSON.stringify({ ...msg, rid: id }));
                  return new Promise((res) => pending.set(id, res));
                },
              };
              ws.onmessage = (e) => {
                const msg = JSON.parse(e.data);
                if (msg.type === 'welcome') ws.send(JSON.stringify({ ...hello, rid: 1 }));
                else if (msg.type === 'session') resolve();
                else if (msg.type === 'error' && msg.rid === 1) reject(new Error(msg.code));
                else if (msg.rid != null && pending.has(msg.rid)) {
                  pending.get(msg.rid)(msg);
                  pending.delete(msg.rid);
                }
              };
              ws.onerror = () => reject(new Error(`socket ${i} failed`));
            }),
        ),
      ),
    { code, hellos },
  );
  return async (i, msg) => {
    let reply = await page.evaluate(([i, m]) => window.__sockets[i].send(m), [i, msg]);
    // Too fast for the rate limit: wait as the server says and send it again, as clients do.
    for (let tries = 0; reply.code === 'rate_limited' && tries < 20; tries++) {
      await sleep(reply.retry_after_ms || 100);
      reply = await page.evaluate(([i, m]) => window.__sockets[i].send(m), [i, msg]);
    }
    if (reply.type !== 'ack') throw new Error(`${msg.type} refused: ${reply.code} ${reply.message}`);
    return reply;
  };
}

/** Saves a screenshot as target/e2e/<name>.png. */
export async function shot(page, name, options = {}) {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true, ...options });
}

let axeSource = null;

/**
 * Runs axe-core in a page (or frame) and fails on any violation of impact serious or critical.
 * Lesser findings are returned, not failed.
 */
export async function axe(target, name) {
  axeSource ??= await readFile(path.join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol, so the pages' strict CSP needs no exception.
  const loaded = await target.evaluate(() => typeof window.axe === 'object');
  if (!loaded) await target.evaluate(axeSource);
  const violations = await target.evaluate(async () => {
    // Audit what people see once things settle: an element fading in is briefly low-contrast.
    const finite = document.getAnimations().filter((a) => a.effect?.getComputedTiming().iterations !== Infinity);
    await Promise.race([Promise.allSettled(finite.map((a) => a.finished)), new Promise((r) => setTimeout(r, 2000))]);
    const result = await window.axe.run(document, { resultTypes: ['violations'], iframes: false });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `axe: serious or critical violations on ${name}`);
  return violations;
}

/** Polls `fn` until it returns a truthy value; fails with `message` after `timeout` ms. */
export async function until(fn, message, timeout = 10_000, interval = 25) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${message} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(interval);
  }
}

/** Counts on a bar chart, by label, read from the page. */
export function barCounts(page, scope = '') {
  return page.evaluate((scope) => {
    const out = {};
    for (const li of document.querySelectorAll(`${scope} ol.bars > li.bar`)) {
      out[li.querySelector('.bar-label').textContent] = Number(li.querySelector('.bar-count').textContent.replace(/\D/g, ''));
    }
    return out;
  }, scope);
}

/** How far the page scrolls sideways (0 = no horizontal overflow). */
export function horizontalOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/**
 * Words broken across lines although they would fit their line whole ("dissatisf/ied"): each
 * visible word of four letters or more in `sel` that the layout split over two or more lines while
 * it is no wider than the content box of the block it sits in. A word longer than its line may
 * break (it has to); any other break is a fault. Returns `[{word, width, room}]`.
 */
export function midWordBreaks(page, sel = 'body') {
  return page.evaluate((sel) => {
    const out = [];
    const root = document.querySelector(sel);
    if (!root) return out;
    const ctx = document.createElement('canvas').getContext('2d');
    const blockOf = (el) => {
      while (el && el !== document.body && getComputedStyle(el).display.startsWith('inline')) el = el.parentElement;
      return el;
    };
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || !el.getClientRects().length || el.closest('.sr-only, [hidden], svg')) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden') continue;
      ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const block = blockOf(el);
      const bs = getComputedStyle(block);
      const room = block.clientWidth - parseFloat(bs.paddingLeft) - parseFloat(bs.paddingRight);
      const re = /[\p{L}\p{N}'’]{4,}/gu; // a hyphen is a fair place to break
      for (let m = re.exec(node.textContent); m; m = re.exec(node.textContent)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size < 2) continue;
        const shown = style.textTransform === 'uppercase' ? m[0].toUpperCase() : m[0];
        const spacing = parseFloat(style.letterSpacing) || 0;
        const width = ctx.measureText(shown).width + spacing * shown.length;
        if (width <= room) out.push({ word: m[0], width: Math.round(width), room: Math.round(room) });
      }
    }
    return out;
  }, sel);
}

/**
 * The smallest computed font size of any visible text in `sel` (`smallest`), and of the elements
 * matching `big` (`smallestBig`, over `bigs` of them): the projected screen's type checks.
 */
export function fontSizes(page, sel, big) {
  return page.evaluate(
    ({ sel, big }) => {
      const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden' && !el.closest('.sr-only');
      const size = (el) => parseFloat(getComputedStyle(el).fontSize);
      const texts = [...document.querySelectorAll(`${sel} *`)].filter((el) => visible(el) && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()));
      const bigs = [...document.querySelectorAll(big)].filter(visible);
      return { smallest: Math.min(...texts.map(size)), smallestBig: Math.min(...bigs.map(size)), bigs: bigs.length };
    },
    { sel, big },
  );
}

/** The host console of `room` on a desktop, once it is connected. */
export async function openConsole(w, room) {
  const host = await w.page(DESKTOP);
  await host.goto(w.base + room.host_url);
  await host.locator('.deck-col').waitFor();
  await until(() => host.locator('#conn[data-status="connected"]').count(), 'the host console connects');
  return host;
}

/** The projected screen of `room`, once it shows the join code. */
export async function openScreen(w, room) {
  const screen = await w.page(PROJECTOR);
  await screen.goto(`${w.base}/present/${room.code}`);
  await screen.locator('.big-code').waitFor();
  return screen;
}

/** Adds an activity through the console's editor, filled by `fill`; resolves when the deck holds `count` items. */
export async function build(host, kind, count, fill) {
  await host.click('[data-key="add-activity"]');
  await host.click(`[data-key="add-${kind}"]`);
  await host.locator('#editor[open] form').waitFor();
  await fill();
  await host.click('#editor button[type=submit]');
  await until(async () => (await host.locator('.deck .deck-item').count()) === count, `the ${kind} activity is in the deck`);
  await host.locator('#editor[open]').waitFor({ state: 'detached' }).catch(() => {});
}

/** Shows the deck item with `text` through its "Show" button; resolves once it is live. */
export async function showItem(host, text) {
  await host.locator('.deck-item', { hasText: text }).locator('[data-key^="go-"]').click();
  await host.locator('.deck-item.live', { hasText: text }).waitFor();
}
