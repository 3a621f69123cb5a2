// Pin on an image: the facilitator puts up a picture (an estate map, a floor plan) and everyone
// drops up to `max_pins` pins on it, each with a short comment where comments are on. Positions
// are whole numbers from 0 to 10,000 across and down from the picture's top left, whatever size it
// is shown at, so every layer here is placed in shares of the picture and stays aligned.
//
// Phones (and embeds that allow voting) place each pin at once: a tap drops it, a tap on one's own
// pin selects it to move or remove, and the comment (where comments are on) is asked after the pin
// is down and saved by moving the pin onto itself with the comment (`replace`), so a pin is never
// lost to a half-filled form. Keyboard and screen-reader users focus the picture and move a
// cross-hair with the arrow keys (Shift for bigger steps), hearing where it is in words, and drop
// a pin with Enter. The screen shows every pin as a dot, a smoothed heat map of where they gather
// and the latest comments; phones and embeds get the heat map only, once they have placed a pin.

import { h, put, setText, keyed, sig, store, codeFromPath, keepFocus } from '../util.js';
import { t, num, errorText } from '../i18n.js';
import { letter, moderationRow } from './common.js';
import { MAX_PROMPT_CHARS, MAX_PINS, MAX_PIN_COMMENT_CHARS, MAX_ALT_CHARS, MAX_IMAGE_BYTES } from './limits.js';

/**
 * Adds this kind's stylesheet to the page once, so phones fetch it only for a session with a pin
 * activity. Resolves when it has loaded, or failed to: the kind renders either way.
 */
function loadStyle(href) {
  if ([...document.querySelectorAll('link[rel="stylesheet"]')].some((l) => l.getAttribute('href') === href)) return Promise.resolve();
  const link = h('link', { rel: 'stylesheet', href });
  const ready = new Promise((resolve) => {
    link.addEventListener('load', resolve);
    link.addEventListener('error', resolve);
  });
  document.head.append(link);
  return ready;
}

// Before anything is drawn: an unstyled picture would show at its full size for a moment.
await loadStyle('/assets/kinds/pin.css');

/** The far edge of the picture: positions run from 0 to this, across and down. */
const SCALE = 10_000;
const clamp = (v) => Math.max(0, Math.min(SCALE, Math.round(v)));

// ---------------------------------------------------------------------------------------------
// Words for positions

/** The picture's address, by its id: every copy is cached for good (an earlier round's too). */
function imageUrl(a, code = codeFromPath()) {
  return `/api/rooms/${code}/activities/${a.id}/image?v=${encodeURIComponent(a.image.id)}`;
}

const share = (v) => Math.round(v / 100);

/** "34 % across, 60 % down". */
const whereText = (x, y) => t('pin.where', { x: share(x), y: share(y) });

/** The part of the picture a position is in, by thirds: "top left", "middle", "bottom right". */
function areaText(x, y) {
  const third = (v) => Math.min(2, Math.floor((v * 3) / (SCALE + 1)));
  return t(`pin.area_${['top', 'middle', 'bottom'][third(y)]}_${['left', 'centre', 'right'][third(x)]}`);
}

/** Position and area together: "34 % across, 60 % down (middle left)". */
const placeText = (x, y) => t('pin.where_area', { where: whereText(x, y), area: areaText(x, y) });

/** What the picture is, for people who cannot see it. */
function pictureText(a) {
  return a.alt ? t('pin.picture_of', { alt: a.alt }) : t('pin.picture_no_alt');
}

/** The heat map's cells holding the most pins (with the cell's centre in picture units). */
function hotCells(heat) {
  if (!heat || !heat.max) return [];
  const out = [];
  heat.counts.forEach((n, i) => {
    if (n !== heat.max) return;
    const col = i % heat.cols;
    const row = Math.floor(i / heat.cols);
    out.push({ col, row, x: ((col + 0.5) * SCALE) / heat.cols, y: ((row + 0.5) * SCALE) / heat.rows });
  });
  return out;
}

/** "Busiest spot: top right (10 pins)", or '' while no spot holds two pins. */
function hotText(r) {
  const cells = hotCells(r?.heat);
  if (!cells.length || r.heat.max < 2) return '';
  const areas = [...new Set(cells.map((c) => areaText(c.x, c.y)))].slice(0, 3);
  return t(cells.length > 1 ? 'pin.hot_many' : 'pin.hot_one', { area: areas.join(', '), n: r.heat.max });
}

/** "14 pins from 6 people". */
const totalsText = (r) => (r?.pins ? t('pin.totals', { pins: t('pin.pins', { n: r.pins }), n: r.voters }) : t('pin.none_yet'));

// ---------------------------------------------------------------------------------------------
// The picture and its layers

/** Canvas pixels per heat-map cell; the browser smooths the rest as it scales the canvas up. */
const HEAT_PX = 8;

/** Pale yellow to crimson, by share of the busiest spot. */
const RAMP = [
  [0, [255, 236, 150]],
  [0.35, [253, 186, 40]],
  [0.7, [240, 96, 28]],
  [1, [190, 18, 48]],
];

function rampColour(v) {
  for (let i = 1; i < RAMP.length; i++) {
    const [at, to] = RAMP[i];
    if (v <= at) {
      const [from, c0] = RAMP[i - 1];
      const k = (v - from) / (at - from);
      return c0.map((c, j) => Math.round(c + (to[j] - c) * k));
    }
  }
  return RAMP[RAMP.length - 1][1];
}

/** A one-dimensional Gaussian kernel of standard deviation `sigma` pixels. */
function kernel(sigma) {
  const radius = Math.ceil(sigma * 3);
  const k = new Float32Array(radius * 2 + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  return k.map((v) => v / sum);
}

/** Blurs `grid` (w × h) along x, then y (a separable Gaussian; outside the picture counts 0). */
function blur(grid, w, hgt, k) {
  const r = (k.length - 1) / 2;
  const tmp = new Float32Array(grid.length);
  const out = new Float32Array(grid.length);
  for (let y = 0; y < hgt; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) {
        const xx = x + i;
        if (xx >= 0 && xx < w) s += grid[y * w + xx] * k[i + r];
      }
      tmp[y * w + x] = s;
    }
  }
  for (let y = 0; y < hgt; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) {
        const yy = y + i;
        if (yy >= 0 && yy < hgt) s += tmp[yy * w + x] * k[i + r];
      }
      out[y * w + x] = s;
    }
  }
  return out;
}

const HEAT_KERNEL = kernel(HEAT_PX);

/**
 * Draws the heat map (`cols` × `rows` counts from the top left) as a smoothed density: each cell's
 * count fills its square, a Gaussian blur spreads it, and the busiest spot is the deepest colour.
 */
function drawHeat(canvas, heat) {
  const on = !!heat && heat.max > 0;
  canvas.hidden = !on;
  if (!on) {
    delete canvas.dataset.sig;
    return;
  }
  const s = sig([heat.cols, heat.rows, heat.counts]);
  if (canvas.dataset.sig === s) return;
  canvas.dataset.sig = s;
  const w = heat.cols * HEAT_PX;
  const hgt = heat.rows * HEAT_PX;
  canvas.width = w;
  canvas.height = hgt;
  const grid = new Float32Array(w * hgt);
  heat.counts.forEach((n, i) => {
    if (!n) return;
    const x0 = (i % heat.cols) * HEAT_PX;
    const y0 = Math.floor(i / heat.cols) * HEAT_PX;
    for (let y = y0; y < y0 + HEAT_PX; y++) grid.fill(n, y * w + x0, y * w + x0 + HEAT_PX);
  });
  const density = blur(grid, w, hgt, HEAT_KERNEL);
  let peak = 0;
  for (const v of density) if (v > peak) peak = v;
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(w, hgt);
  for (let i = 0; i < density.length; i++) {
    const v = density[i] / peak;
    if (v < 0.02) continue;
    const [r, g, b] = rampColour(v);
    image.data[i * 4] = r;
    image.data[i * 4 + 1] = g;
    image.data[i * 4 + 2] = b;
    // Fades out to nothing at the edges (no rim on dark pictures), solid over the busiest spots.
    image.data[i * 4 + 3] = Math.round(255 * 0.8 * Math.min(1, v * 1.6) ** 1.2);
  }
  ctx.putImageData(image, 0, 0);
}

/** Places an absolutely positioned mark at (x, y) of the picture. */
function place(el, x, y) {
  el.style.left = `${x / 100}%`;
  el.style.top = `${y / 100}%`;
}

/**
 * The picture with its layers, all aria-hidden (the page describes them in words): the heat map,
 * rings round its busiest spots, a dot per pin, letters for the comments listed beside it. `cls`
 * says where it is shown ('screen', 'console', 'phone', 'embed', 'report'), for its sizes.
 */
function makeBoard(cls) {
  const img = h('img', { class: 'pin-img', alt: '', draggable: 'false' });
  const loading = h('span', { class: 'pin-loading', 'aria-hidden': 'true', text: t('pin.loading_picture') });
  const failed = h('p', { class: 'pin-failed', hidden: true });
  const heat = h('canvas', { class: 'pin-heat', 'aria-hidden': 'true', hidden: true });
  const hots = h('div', { class: 'pin-hots', 'aria-hidden': 'true' });
  const dots = h('div', { class: 'pin-dots', 'aria-hidden': 'true' });
  const badges = h('div', { class: 'pin-badges', 'aria-hidden': 'true' });
  const el = h('div', { class: `pin-board ${cls}` }, loading, img, failed, heat, hots, dots, badges);
  let src = '';
  img.addEventListener('load', () => {
    el.classList.add('loaded');
    failed.hidden = true;
  });
  img.addEventListener('error', () => {
    if (!src) return;
    el.classList.remove('loaded');
    const retry = h('button', {
      class: 'btn small',
      type: 'button',
      text: t('pin.retry_picture'),
      onclick: (e) => {
        e.stopPropagation();
        failed.hidden = true;
        img.src = `${src}&retry=${Date.now()}`;
      },
    });
    put(failed, h('span', { text: t('pin.picture_failed') }), ' ', retry);
    failed.hidden = false;
  });
  return {
    el,
    dots,
    /** Shows `a`'s picture (its shape sets the board's), or nothing before it is up. */
    setImage(a, code) {
      const next = a.image ? imageUrl(a, code) : '';
      if (next === src) return;
      src = next;
      el.classList.remove('loaded');
      failed.hidden = true;
      if (!a.image) {
        img.removeAttribute('src');
        return;
      }
      const { width, height } = a.image;
      el.style.aspectRatio = `${width} / ${height}`;
      el.style.setProperty('--ar', String(width / height));
      img.width = width;
      img.height = height;
      img.src = src;
    },
    setHeat(heatMap) {
      drawHeat(heat, heatMap);
      const cells = heatMap && heatMap.max >= 2 ? hotCells(heatMap) : [];
      // A ring marks the busiest spot; several tied spots are rings too, up to three.
      const rings = cells.length <= 3 ? cells : [];
      keyed(
        hots,
        rings,
        (c) => `${c.col}:${c.row}`,
        () => h('span', { class: 'pin-hot' }),
        (ring, c) => {
          place(ring, c.x, c.y);
          ring.style.width = `${150 / heatMap.cols}%`;
        },
      );
    },
    /** A dot per pin; `opts.ids` keys them by pin id (the console, which selects them). */
    setDots(marks, opts = {}) {
      const list = marks || [];
      const seen = new Map();
      const keyOf = (m) => {
        if (opts.ids && m.id != null) return `i${m.id}`;
        const k = `${m.x},${m.y}`;
        const n = (seen.get(k) || 0) + 1;
        seen.set(k, n);
        return `${k}#${n}`;
      };
      const items = list.map((m) => ({ m, k: keyOf(m) }));
      keyed(
        dots,
        items,
        (it) => it.k,
        () => h('span', { class: 'pin-dot' }),
        (dot, { m }) => {
          place(dot, m.x, m.y);
          if (m.id != null) dot.dataset.id = m.id;
          dot.classList.toggle('picked', opts.picked != null && m.id === opts.picked);
        },
      );
    },
    /** Letters at the comments' places, matching the list beside the picture (one badge for a spot). */
    setBadges(list) {
      const spots = [];
      for (const c of list) {
        const near = spots.find((s) => Math.abs(s.x - c.x) < 300 && Math.abs(s.y - c.y) < 300);
        if (near) near.letter += `\u2009${c.letter}`;
        else spots.push({ ...c });
      }
      keyed(
        badges,
        spots,
        (c) => c.key,
        () => h('span', { class: 'pin-badge' }),
        (b, c) => {
          place(b, c.x, c.y);
          // Beside the spot, turned inwards near the top and the right edge so they stay in view.
          b.classList.toggle('low', c.y < 1800);
          b.classList.toggle('left', c.x > 8500);
          setText(b, c.letter);
        },
      );
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Phone (and embeds that allow voting)

/** Whether the person's last action was on the keyboard: the cross-hair shows only then. */
let viaKeys = true;
let watching = false;
function watchInput() {
  if (watching) return;
  watching = true;
  addEventListener('keydown', () => (viaKeys = true), true);
  addEventListener('pointerdown', () => (viaKeys = false), true);
}

/**
 * Each pin's number ("pin 2") is kept in this browser by pin id, so that it stays the same when
 * the pin moves or gets a comment (either gives it a new id) and after a reload.
 */
function pinNumbers(code, activity) {
  const key = `handsup:pin-slots:${code}`;
  let map = new Map(Object.entries((store.get(key, {}) || {})[activity] || {}).map(([k, v]) => [Number(k), v]));
  let saved = sig([...map]);
  const save = () => {
    const s = sig([...map]);
    if (s === saved) return;
    saved = s;
    const all = store.get(key, {}) || {};
    if (map.size) all[activity] = Object.fromEntries(map);
    else delete all[activity];
    store.set(key, all);
  };
  return {
    /** Numbers for `pins` (oldest first): kept where still valid, else the lowest free ones. */
    assign(pins, taken, max) {
      const used = new Set(taken);
      const out = new Map();
      for (const p of pins) {
        const n = map.get(p.id);
        if (n && n <= max && !used.has(n)) {
          out.set(p.id, n);
          used.add(n);
        }
      }
      let next = 1;
      for (const p of pins) {
        if (out.has(p.id)) continue;
        while (used.has(next)) next++;
        out.set(p.id, next);
        used.add(next);
      }
      map = out;
      save();
      return out;
    },
    set(id, n) {
      map.set(id, n);
      save();
    },
  };
}

/**
 * The picture to pin on, the person's own pins (numbered, each to move, comment on or remove),
 * the comment form and the heat map once they have pinned. `f` is the screen's frame
 * ({feedback, setFeedback, setNotice}); `ctx` lends {request(button, msg), setAnswer(id, answer)}.
 * `opts.notice`: a notice line to place inside (the embed has no frame for it).
 */
export function pinForm(first, f, ctx, { notice = null } = {}) {
  const id = first.id;
  const code = codeFromPath();
  const numbers = pinNumbers(code, id);
  let last = first;
  let confirmed = []; // the person's pins as the server holds them, oldest first
  let pending = []; // dropped, not yet acknowledged: {x, y, n}
  const moving = new Map(); // pin id → {x, y} while its move is on the way
  let picked = null; // the number of the pin selected to move or remove
  let cross = null; // the keyboard cross-hair's place {x, y}, kept while the picture is left
  let commentFor = null; // the number of the pin whose comment form is open
  let shown = []; // the pins as last drawn: {id, x, y, n, comment, busy}
  let chain = Promise.resolve();
  let seen = false; // whether an update has been drawn (the picture may arrive in a later one)
  watchInput();

  const keysId = `pin-keys-${id}`;
  const altId = `pin-alt-${id}`;
  const whereId = `pin-where-${id}`;
  const board = makeBoard('phone');
  const mine = h('div', { class: 'pin-mine', 'aria-hidden': 'true' });
  const crossEl = h('span', { class: 'pin-cross', 'aria-hidden': 'true', hidden: true });
  board.el.append(mine, crossEl);
  board.el.id = `pin-board-${id}`;
  board.el.setAttribute('aria-describedby', `${altId} ${keysId}`);
  board.el.dataset.key = `pin-board-${id}`;
  const altText = h('p', { class: 'sr-only', id: altId });
  const keysText = h('p', { class: 'sr-only', id: keysId, text: t('pin.keys') });
  const where = h('p', { class: 'pin-where', id: whereId, 'aria-live': 'polite' });

  const count = h('p', { class: 'pin-count' });
  const hint = h('p', { class: 'hint pin-hint' });
  const waiting = h(
    'div',
    { class: 'pin-waiting', hidden: true },
    h('div', { class: 'pulse', 'aria-hidden': 'true' }, h('span'), h('span'), h('span')),
    h('p', { text: t('pin.waiting_title') }),
    h('p', { class: 'muted', text: t('pin.waiting_text') }),
  );

  // Selected pin: move it by tapping elsewhere, or remove it.
  const pickedText = h('p', { class: 'pin-picked-text' });
  const pickedRemove = h('button', { class: 'btn small danger', type: 'button', 'data-key': `pin-picked-remove-${id}`, onclick: () => picked != null && removePin(picked) });
  const pickedCancel = h('button', { class: 'btn small', type: 'button', 'data-key': `pin-picked-cancel-${id}`, text: t('pin.cancel_move'), onclick: () => unpick(true) });
  const pickedBox = h('div', { class: 'pin-picked', hidden: true }, pickedText, h('div', { class: 'pin-row' }, pickedRemove, pickedCancel));

  // The comment, asked once a pin is down.
  const commentInput = h('input', {
    type: 'text',
    id: `pin-comment-${id}`,
    maxlength: MAX_PIN_COMMENT_CHARS,
    autocomplete: 'off',
    enterkeyhint: 'send',
    'aria-describedby': `pin-comment-hint-${id}`,
  });
  const commentLabel = h('label', { for: commentInput.id });
  const commentSave = h('button', { class: 'btn primary', type: 'submit', text: t('pin.comment_save') });
  const commentSkip = h('button', { class: 'btn', type: 'button', text: t('pin.comment_skip'), onclick: () => closeComment(true) });
  const commentForm = h(
    'form',
    { class: 'pin-comment stack', novalidate: true, hidden: true },
    h('div', { class: 'field' }, commentLabel, commentInput, h('p', { class: 'hint', id: `pin-comment-hint-${id}`, text: t('pin.comment_hint', { n: MAX_PIN_COMMENT_CHARS }) })),
    h('div', { class: 'pin-row' }, commentSave, commentSkip),
  );
  commentForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (commentFor != null) saveComment(commentFor, commentInput.value);
  });
  commentInput.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      closeComment(true);
    }
  });

  // The person's pins, as a list with their actions (the keyboard's way to move and remove).
  const listHead = h('h2', { class: 'pin-list-head', text: t('pin.yours') });
  const list = h('ol', { class: 'pin-list', role: 'list' });
  const listBox = h('div', { class: 'pin-list-box', hidden: true }, listHead, list);

  // Where everyone pinned: the heat map over the picture, once this person has pinned.
  const heatToggle = h('input', { type: 'checkbox', id: `pin-heat-${id}`, checked: true, 'data-key': `pin-heat-${id}` });
  heatToggle.addEventListener('change', () => render());
  const resultsLine = h('p', { class: 'pin-results-line' });
  const resultsBox = h(
    'div',
    { class: 'pin-results', hidden: true },
    resultsLine,
    h('div', { class: 'check' }, heatToggle, h('label', { for: heatToggle.id, text: t('pin.show_heat') })),
  );
  const resultsLater = h('p', { class: 'hint pin-results-later', hidden: true, text: t('pin.results_after') });

  const about = h('details', { class: 'pin-about' }, h('summary', { text: t('pin.about_picture') }), h('p', { class: 'pin-about-text' }));
  const pictureBox = h('div', { class: 'pin-picture' }, board.el, where);
  const el = h(
    'div',
    { class: 'pin-phone stack' },
    waiting,
    count,
    hint,
    notice,
    pickedBox,
    pictureBox,
    altText,
    keysText,
    commentForm,
    f.feedback,
    resultsBox,
    resultsLater,
    listBox,
    about,
  );

  const interactive = () => !!last.image && last.voting_open;
  const byNumber = (n) => shown.find((p) => p.n === n);
  const run = (job) => (chain = chain.then(job, job));
  const commit = () =>
    ctx.setAnswer(id, { kind: 'pin', pins: confirmed.map((p) => (p.comment ? { id: p.id, x: p.x, y: p.y, comment: p.comment } : { id: p.id, x: p.x, y: p.y })) });
  const swap = (oldId, pin) => {
    const i = confirmed.findIndex((p) => p.id === oldId);
    if (i >= 0) confirmed.splice(i, 1);
    confirmed = confirmed.filter((p) => p.id !== pin.id);
    confirmed.push(pin);
  };

  function freeNumber() {
    const used = new Set(shown.map((p) => p.n));
    let n = 1;
    while (used.has(n)) n++;
    return n;
  }

  // --- Dropping, moving, commenting and removing

  function drop(x, y) {
    if (!interactive()) return;
    if (picked != null) return moveTo(picked, x, y);
    if (shown.length >= last.max_pins) {
      // With one pin, a tap elsewhere simply moves it.
      const only = shown.length === 1 && !shown[0].busy ? shown[0] : null;
      if (last.max_pins === 1 && only) return moveTo(only.n, x, y);
      f.setFeedback(t('pin.all_placed', { n: last.max_pins }), 'error');
      return;
    }
    const pin = { x, y, n: freeNumber() };
    pending.push(pin);
    closeComment(false);
    render();
    run(async () => {
      try {
        const ack = await ctx.request(null, { type: 'pin', activity: id, x, y });
        numbers.set(ack.id, pin.n);
        swap(null, { id: ack.id, x, y });
        pending = pending.filter((p) => p !== pin);
        commit();
        f.setFeedback(t('pin.placed', { n: pin.n, where: placeText(x, y) }));
        if (last.comments && interactive()) openComment(pin.n);
      } catch (err) {
        pending = pending.filter((p) => p !== pin);
        f.setFeedback(errorText(err), 'error');
      }
      render();
    });
  }

  function moveTo(n, x, y) {
    const p = byNumber(n);
    if (!p || p.busy) return;
    moving.set(p.id, { x, y });
    unpick(false);
    render();
    run(async () => {
      const msg = { type: 'pin', activity: id, x, y, replace: p.id };
      if (p.comment && last.comments) msg.comment = p.comment;
      try {
        const ack = await ctx.request(null, msg);
        numbers.set(ack.id, n);
        swap(p.id, { id: ack.id, x, y, comment: msg.comment });
        commit();
        f.setFeedback(t('pin.moved', { n, where: placeText(x, y) }));
      } catch (err) {
        f.setFeedback(errorText(err), 'error');
      }
      moving.delete(p.id);
      render();
    });
  }

  function removePin(n) {
    const p = byNumber(n);
    if (!p || p.busy) return;
    unpick(false);
    if (commentFor === n) closeComment(false);
    moving.set(p.id, { x: p.x, y: p.y });
    render();
    run(async () => {
      try {
        await ctx.request(null, { type: 'unpin', activity: id, pin: p.id });
        confirmed = confirmed.filter((q) => q.id !== p.id);
        commit();
        f.setFeedback(t('pin.removed', { n }));
      } catch (err) {
        f.setFeedback(errorText(err), 'error');
      }
      moving.delete(p.id);
      render();
      // The pin's buttons are gone: the keyboard goes back to the picture.
      if (!el.contains(document.activeElement) || document.activeElement === document.body) board.el.focus({ preventScroll: true });
    });
  }

  function saveComment(n, raw) {
    const p = byNumber(n);
    const text = raw.trim().replace(/\s+/g, ' ');
    if (!p || p.busy) return;
    if (text === (p.comment || '')) return closeComment(true);
    closeComment(false);
    moving.set(p.id, { x: p.x, y: p.y });
    render();
    run(async () => {
      const msg = { type: 'pin', activity: id, x: p.x, y: p.y, replace: p.id };
      if (text) msg.comment = text;
      try {
        const ack = await ctx.request(null, msg);
        numbers.set(ack.id, n);
        swap(p.id, { id: ack.id, x: p.x, y: p.y, comment: msg.comment });
        commit();
        f.setFeedback(t(text ? 'pin.comment_saved' : 'pin.comment_removed', { n }));
      } catch (err) {
        f.setFeedback(errorText(err), 'error');
        openComment(n, text, true);
      }
      moving.delete(p.id);
      render();
    });
  }

  /**
   * Asks for a pin's comment. The field takes the focus when asked for (editing a comment) or on
   * the keyboard; after a tap it waits below the picture, so a phone's keyboard does not cover the
   * picture between pins.
   */
  function openComment(n, text, focus = viaKeys) {
    const p = byNumber(n);
    commentFor = n;
    setText(commentLabel, t('pin.comment_label', { n }));
    commentInput.value = text ?? p?.comment ?? '';
    commentForm.hidden = false;
    if (focus) commentInput.focus();
  }

  function closeComment(refocus) {
    if (commentFor == null) return;
    commentFor = null;
    commentForm.hidden = true;
    if (refocus) board.el.focus({ preventScroll: true });
  }

  function pick(n, { focus = false } = {}) {
    const p = byNumber(n);
    if (!p || p.busy || !interactive()) return;
    if (picked === n && !focus) return unpick(true);
    picked = n;
    closeComment(false);
    f.setFeedback('');
    render();
    if (focus) {
      board.el.focus();
      if (viaKeys) setCross(p.x, p.y, t('pin.moving_keys', { n, where: placeText(p.x, p.y) }));
    }
  }

  function unpick(say) {
    if (picked == null) return;
    const n = picked;
    picked = null;
    render();
    if (say) setText(where, t('pin.move_cancelled', { n }));
  }

  // --- The cross-hair (shown while the keyboard is on the picture; it keeps its place)

  function setCross(x, y, say) {
    cross = { x: clamp(x), y: clamp(y) };
    crossEl.hidden = false;
    place(crossEl, cross.x, cross.y);
    setText(where, say || placeText(cross.x, cross.y));
  }

  function hideCross() {
    crossEl.hidden = true;
    setText(where, '');
  }

  board.el.addEventListener('pointerdown', () => hideCross());
  board.el.addEventListener('focus', () => {
    if (!viaKeys || !interactive()) return;
    const p = picked != null ? byNumber(picked) : null;
    const at = p || cross;
    if (at) setCross(at.x, at.y);
    else setCross(SCALE / 2, SCALE / 2, t('pin.cross_start', { where: placeText(SCALE / 2, SCALE / 2) }));
  });
  board.el.addEventListener('blur', () => hideCross());
  board.el.addEventListener('keydown', (e) => {
    if (!interactive() || e.altKey || e.ctrlKey || e.metaKey) return;
    const at = cross || { x: SCALE / 2, y: SCALE / 2 };
    const step = e.shiftKey ? 1000 : 100;
    let { x, y } = at;
    switch (e.key) {
      case 'ArrowLeft':
        x -= step;
        break;
      case 'ArrowRight':
        x += step;
        break;
      case 'ArrowUp':
        y -= step;
        break;
      case 'ArrowDown':
        y += step;
        break;
      case 'PageUp':
        y -= 1000;
        break;
      case 'PageDown':
        y += 1000;
        break;
      case 'Home':
        x = 0;
        break;
      case 'End':
        x = SCALE;
        break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        // After a tap the cross-hair is away: the first Enter brings it back, the next drops.
        if (crossEl.hidden) setCross(at.x, at.y, t('pin.cross_start', { where: placeText(at.x, at.y) }));
        else drop(cross.x, cross.y);
        return;
      case 'Escape':
        if (picked != null) {
          e.preventDefault();
          unpick(true);
        }
        return;
      default:
        return;
    }
    e.preventDefault();
    setCross(x, y);
  });
  board.el.addEventListener('click', (e) => {
    if (!interactive()) return;
    const own = e.target.closest('.pin-own');
    if (own) {
      pick(Number(own.dataset.n));
      return;
    }
    const r = board.el.getBoundingClientRect();
    if (!r.width || !r.height) return;
    drop(clamp(((e.clientX - r.left) / r.width) * SCALE), clamp(((e.clientY - r.top) / r.height) * SCALE));
  });

  // --- Drawing

  function listItem() {
    const li = h('li', { class: 'pin-item' });
    li._n = h('span', { class: 'pin-num', 'aria-hidden': 'true' });
    li._label = h('span', { class: 'sr-only' });
    li._where = h('span', { class: 'pin-item-where' });
    li._comment = h('span', { class: 'pin-item-comment' });
    li._move = h('button', { class: 'btn small', type: 'button', onclick: () => (picked === li._pin.n ? unpick(true) : pick(li._pin.n, { focus: true })) });
    li._edit = h('button', { class: 'btn small', type: 'button', onclick: () => openComment(li._pin.n, undefined, true) });
    li._remove = h('button', { class: 'btn small danger', type: 'button', text: t('pin.remove'), onclick: () => removePin(li._pin.n) });
    li.append(li._n, h('span', { class: 'pin-item-text' }, li._label, li._where, li._comment), h('span', { class: 'pin-item-actions' }, li._move, li._edit, li._remove));
    return li;
  }

  function render() {
    const a = last;
    const numbered = numbers.assign(confirmed, pending.map((p) => p.n), a.max_pins);
    shown = [
      ...confirmed.map((p) => {
        const m = moving.get(p.id);
        return { id: p.id, x: m ? m.x : p.x, y: m ? m.y : p.y, comment: p.comment, n: numbered.get(p.id), busy: !!m };
      }),
      ...pending.map((p) => ({ id: null, x: p.x, y: p.y, n: p.n, busy: true })),
    ].sort((p, q) => p.n - q.n);
    if (picked != null && !byNumber(picked)) picked = null;
    if (commentFor != null && !byNumber(commentFor)) {
      commentFor = null;
      commentForm.hidden = true;
    }
    const open = interactive();
    if (!open) {
      picked = null;
      if (commentFor != null) {
        commentFor = null;
        commentForm.hidden = true;
      }
    }

    // The picture, or the wait for it.
    waiting.hidden = !!a.image;
    pictureBox.hidden = !a.image;
    board.setImage(a, code);
    setText(altText, pictureText(a));
    about.hidden = !a.image || !a.alt;
    setText(about.querySelector('.pin-about-text'), a.alt || '');
    if (open) {
      board.el.tabIndex = 0;
      board.el.setAttribute('role', 'application');
      board.el.setAttribute('aria-roledescription', t('pin.board_role'));
      board.el.setAttribute('aria-label', t('pin.board_label', { question: a.question }));
    } else {
      board.el.removeAttribute('tabindex');
      board.el.setAttribute('role', 'img');
      board.el.removeAttribute('aria-roledescription');
      board.el.setAttribute('aria-label', shown.length ? t('pin.board_closed_mine', { picture: pictureText(a), n: shown.length }) : pictureText(a));
      if (!crossEl.hidden) hideCross();
    }
    board.el.classList.toggle('open', open);
    board.el.classList.toggle('picking', picked != null);

    // The person's pins on the picture.
    keyed(
      mine,
      shown,
      (p) => p.n,
      () => h('span', { class: 'pin-own' }, h('span', { class: 'pin-own-n' })),
      (m, p) => {
        m.dataset.n = p.n;
        place(m, p.x, p.y);
        setText(m.firstChild, num(p.n));
        m.classList.toggle('busy', p.busy);
        m.classList.toggle('picked', picked === p.n);
        m.classList.toggle('has-comment', !!p.comment);
      },
    );

    // Counts and what to do.
    count.hidden = !a.image;
    setText(count, t('pin.count', { n: a.max_pins, placed: shown.length }));
    hint.hidden = !open;
    setText(
      hint,
      shown.length >= a.max_pins
        ? t(a.max_pins === 1 ? 'pin.hint_one_placed' : 'pin.hint_all_placed')
        : t(a.max_pins === 1 ? 'pin.hint_one' : 'pin.hint_many', { n: a.max_pins }),
    );
    pickedBox.hidden = picked == null;
    if (picked != null) {
      setText(pickedText, t('pin.picked', { n: picked }));
      setText(pickedRemove, t('pin.remove_n', { n: picked }));
    }
    if (!a.voting_open) f.setNotice(shown.length ? t('pin.closed_mine', { n: shown.length }) : t('p.closed'));
    else f.setNotice('');

    // The list.
    listBox.hidden = !shown.length;
    keepFocus(list, () =>
      keyed(list, shown, (p) => p.n, listItem, (li, p) => {
        li._pin = p;
        li.classList.toggle('picked', picked === p.n);
        li.classList.toggle('busy', p.busy);
        setText(li._n, num(p.n));
        setText(li._label, `${t('pin.pin_n', { n: p.n })}: `);
        setText(li._where, placeText(p.x, p.y));
        li._comment.hidden = !p.comment;
        setText(li._comment, p.comment ? t('pin.quoted', { text: p.comment }) : '');
        li._move.hidden = li._edit.hidden = li._remove.hidden = !open;
        li._edit.hidden = !open || !a.comments;
        li._move.disabled = li._edit.disabled = li._remove.disabled = p.busy;
        setText(li._move, picked === p.n ? t('pin.cancel_move') : t('pin.move'));
        setText(li._edit, p.comment ? t('pin.edit_comment') : t('pin.add_comment'));
        li._move.dataset.key = `pin-move-${id}-${p.n}`;
        li._edit.dataset.key = `pin-edit-${id}-${p.n}`;
        li._remove.dataset.key = `pin-remove-${id}-${p.n}`;
        li._move.setAttribute('aria-label', picked === p.n ? t('pin.cancel_move_n', { n: p.n }) : t('pin.move_n', { n: p.n }));
        li._edit.setAttribute('aria-label', t(p.comment ? 'pin.edit_comment_n' : 'pin.add_comment_n', { n: p.n }));
        li._remove.setAttribute('aria-label', t('pin.remove_n', { n: p.n }));
      }),
    );

    // Where everyone pinned, once this person has pinned.
    const r = a.results;
    const seen = confirmed.length > 0 || !open || !!a.phones_before_answering;
    const withHeat = !!r && !!a.image && seen;
    resultsBox.hidden = !withHeat;
    resultsLater.hidden = !r || !a.image || seen;
    board.setHeat(withHeat && heatToggle.checked ? r.heat : null);
    if (withHeat) setText(resultsLine, [t('pin.everyone', { totals: totalsText(r) }), hotText(r)].filter(Boolean).join(' '));
  }

  return {
    el,
    update(a, answer) {
      const before = confirmed.map((p) => p.id);
      const sameRound = (a.round || 1) === (last.round || 1);
      // Said for people who were waiting for the picture (not when the page opens on it).
      const arrived = seen && !last.image && !!a.image;
      if (last.voting_open && !a.voting_open) f.setFeedback('');
      last = a;
      seen = true;
      confirmed = answer?.kind === 'pin' ? answer.pins.map((p) => ({ id: p.id, x: p.x, y: p.y, comment: p.comment })) : [];
      // A pin gone that this phone did not move or remove: the facilitator took it away.
      const now = new Set(confirmed.map((p) => p.id));
      const gone = before.filter((pid) => !now.has(pid) && !moving.has(pid));
      if (sameRound && gone.length) f.setFeedback(t('pin.removed_by_host', { n: gone.length }), 'error');
      render();
      if (arrived) setText(where, t('pin.picture_up'));
    },
  };
}

export function phone(first, ctx) {
  const f = ctx.frame(first, t('kind.pin'));
  const form = pinForm(first, f, ctx);
  f.el.append(form.el);
  return {
    el: f.el,
    update(a, answer) {
      f.setHead(a, a.question);
      form.update(a, answer);
    },
  };
}

/** Embeds that allow voting let visitors pin too, with the phone's form. */
export const embedVote = pinForm;

/** The phone holds the heat map back itself until its first pin (and says so): the shell's
 * gate passes the results through. */
export const answered = () => true;

// ---------------------------------------------------------------------------------------------
// Screen

/** The latest comments beside the picture, lettered as on it. */
function commentRows(r) {
  return (r?.comments || []).map((c, i) => ({ ...c, key: c.id != null ? `c${c.id}` : `c${c.x},${c.y},${c.text}`, letter: letter(i) }));
}

export function present(first) {
  const code = codeFromPath();
  const board = makeBoard('screen');
  board.el.setAttribute('role', 'img');
  const fitBox = h('div', { class: 'pin-fit' }, board.el);
  const waiting = h('p', { class: 'pin-screen-wait', text: t('pin.screen_waiting') });
  const figs = h('dl', { class: 'pin-figs' });
  const hot = h('p', { class: 'pin-hotline' });
  const commentsHead = h('h2', { class: 'pin-comments-head', text: t('pin.latest_comments') });
  const comments = h('ol', { class: 'pin-comments', role: 'list' });
  const side = h('div', { class: 'pin-side' }, figs, hot, commentsHead, comments);
  const el = h('div', { class: 'pin-stage' }, waiting, fitBox, side);
  let rows = [];

  /** Shows as many of the latest comments as fit beside the picture, and their letters on it. */
  const trim = () => {
    const items = [...comments.children];
    for (const li of items) li.hidden = false;
    for (let i = items.length - 1; i > 0 && comments.scrollHeight > comments.clientHeight + 1; i--) items[i].hidden = true;
    const visible = new Set(items.filter((li) => !li.hidden).map((li) => li.dataset.k));
    board.setBadges(rows.filter((c) => visible.has(c.key)));
  };
  new ResizeObserver(trim).observe(comments);

  return {
    el,
    fit: false,
    update(a) {
      const r = a.results;
      waiting.hidden = !!a.image;
      fitBox.hidden = !a.image;
      board.setImage(a, code);
      board.setHeat(r?.heat || null);
      board.setDots(r?.marks || []);
      side.hidden = !a.image || !r;
      el.classList.toggle('with-side', !side.hidden);
      board.el.setAttribute('aria-label', [pictureText(a), r ? totalsText(r) : '', hotText(r)].filter(Boolean).join('. '));
      if (r) {
        const s = sig([r.pins, r.voters]);
        if (figs.dataset.sig !== s) {
          figs.dataset.sig = s;
          put(
            figs,
            h('div', { class: 'pin-fig' }, h('dt', { text: t('pin.fig_pins', { n: r.pins }) }), h('dd', { text: num(r.pins) })),
            h('div', { class: 'pin-fig' }, h('dt', { text: t('pin.fig_people', { n: r.voters }) }), h('dd', { text: num(r.voters) })),
          );
        }
        const line = hotText(r);
        hot.hidden = !line;
        setText(hot, line);
        rows = commentRows(r);
        commentsHead.hidden = !a.comments || !rows.length;
        comments.hidden = !a.comments || !rows.length;
        keyed(
          comments,
          rows,
          (c) => c.key,
          () => {
            const li = h('li', { class: 'pin-comment-item' });
            li._letter = h('span', { class: 'pin-badge inline', 'aria-hidden': 'true' });
            li._sr = h('span', { class: 'sr-only' });
            li._text = h('span', { class: 'pin-comment-text' });
            li.append(li._letter, h('span', { class: 'pin-comment-body' }, li._sr, li._text));
            return li;
          },
          (li, c) => {
            setText(li._letter, c.letter);
            setText(li._sr, `${t('pin.comment_at', { area: areaText(c.x, c.y) })}: `);
            setText(li._text, c.text);
          },
        );
        trim();
      } else {
        rows = [];
        board.setBadges([]);
      }
      const parts = [t('pin.people_pinned', { n: a.responses })];
      if (a.image && !r) parts.push(t('present.results_hidden'));
      return parts;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Embed

/** The embed's picture with the heat map; returns what its note and meta line say. */
export function embed() {
  const code = codeFromPath();
  let board = null;
  let line = null;
  return {
    update(results, a, { voting }) {
      const meta = [t('pin.people_pinned', { n: a.responses })];
      // Voting visitors see the picture in the form above (with the heat map once they pin).
      if (!a.image || voting) {
        if (board) {
          board = null;
          results.replaceChildren();
        }
        return { note: a.image ? null : t('pin.waiting_title'), meta };
      }
      if (!board || !board.el.isConnected) {
        board = makeBoard('embed');
        board.el.setAttribute('role', 'img');
        line = h('p', { class: 'pin-results-line' });
        put(results, h('div', { class: 'pin-embed' }, board.el, line));
      }
      const r = a.results;
      board.setImage(a, code);
      board.setHeat(r?.heat || null);
      board.el.setAttribute('aria-label', [pictureText(a), r ? totalsText(r) : '', hotText(r)].filter(Boolean).join('. '));
      line.hidden = !r;
      if (r) setText(line, [totalsText(r), hotText(r)].filter(Boolean).join('. '));
      return { note: r ? null : t('present.results_hidden'), meta };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Report

/** The report's picture with the heat map and pins, its totals and the comments (lettered on it). */
export function report(view, code) {
  const r = view.results;
  if (!view.image) return h('p', { class: 'empty', text: t('pin.report_no_picture') });
  const board = makeBoard('report');
  board.el.setAttribute('role', 'img');
  board.setImage(view, code);
  board.setHeat(r?.heat || null);
  board.setDots(r?.marks || []);
  const rows = view.comments ? commentRows(r) : [];
  board.setBadges(rows);
  board.el.setAttribute('aria-label', [pictureText(view), totalsText(r), hotText(r)].filter(Boolean).join('. '));
  return h(
    'div',
    { class: 'pin-report' },
    h('p', { class: r?.pins ? null : 'empty', text: r?.pins ? [totalsText(r), hotText(r)].filter(Boolean).join('. ') : t('report.no_answers') }),
    board.el,
    view.alt ? h('p', { class: 'pin-report-alt' }, h('strong', { text: t('pin.about_picture') }), ' ', view.alt) : null,
    rows.length
      ? [
          h('h3', { text: t('pin.report_comments', { n: rows.length }) }),
          h(
            'ol',
            { class: 'pin-report-comments', role: 'list' },
            rows.map((c) =>
              h(
                'li',
                null,
                h('span', { class: 'pin-badge inline', 'aria-hidden': 'true', text: c.letter }),
                h('span', null, h('span', { class: 'sr-only', text: `${t('pin.comment_at', { area: areaText(c.x, c.y) })}: ` }), c.text, ' ', h('span', { class: 'muted', text: `(${areaText(c.x, c.y)})` })),
              ),
            ),
          ),
        ]
      : null,
  );
}

// ---------------------------------------------------------------------------------------------
// Console

export function stats(a) {
  if (!a.image) return t('pin.no_picture_yet');
  const r = a.results;
  return [totalsText(r), hotText(r)].filter(Boolean).join(' · ');
}

export function deckMeta(a) {
  return a.image ? [] : [t('pin.no_picture_short')];
}

/** The pin the facilitator selected on the picture, by activity. */
const picks = new Map();

async function removeMark(a, pinId, hctx, button) {
  if (await hctx.cmd({ type: 'remove_pin', activity: a.id, pin: pinId }, button)) {
    if (picks.get(a.id) === pinId) picks.delete(a.id);
    hctx.flash(t('pin.host_removed'));
  }
}

/** The facilitator's view: the picture with every pin and the heat map; a pin is selected by clicking it. */
export function preview(box, a, hctx) {
  if (!box._board) {
    box._line = h('p', { class: 'pin-results-line' });
    box._none = h('p', { class: 'muted', text: t('pin.preview_none') });
    box._board = makeBoard('console');
    box._board.el.setAttribute('role', 'img');
    box._pick = h('div', { class: 'pin-host-pick', hidden: true });
    box._board.dots.addEventListener('click', (e) => {
      const dot = e.target.closest('.pin-dot');
      if (!dot || dot.dataset.id == null) return;
      const pinId = Number(dot.dataset.id);
      picks.set(box._a.id, picks.get(box._a.id) === pinId ? null : pinId);
      preview(box, box._a, hctx);
      box._pick.querySelector('button')?.focus();
    });
    box.replaceChildren(box._line, box._none, box._board.el, box._pick);
  }
  box._a = a;
  const r = a.results || { pins: 0, voters: 0, heat: null, marks: [] };
  box._none.hidden = !!a.image;
  box._board.el.hidden = !a.image;
  box._line.hidden = !a.image || !(r.marks || []).length;
  box._board.setImage(a, hctx.code);
  box._board.setHeat(r.heat);
  const marks = r.marks || [];
  let picked = picks.get(a.id);
  if (picked != null && !marks.some((m) => m.id === picked)) picked = null;
  box._board.setDots(marks, { ids: true, picked });
  box._board.el.setAttribute('aria-label', [pictureText(a), totalsText(r), hotText(r)].filter(Boolean).join('. '));
  setText(box._line, t('pin.preview_click'));
  const m = marks.find((x) => x.id === picked);
  box._pick.hidden = !m;
  const s = m ? sig([m, (r.comments || []).find((c) => c.id === m.id)?.text]) : '';
  if (m && box._pick.dataset.sig !== s) {
    box._pick.dataset.sig = s;
    const comment = (r.comments || []).find((c) => c.id === m.id)?.text;
    put(
      box._pick,
      h('p', null, h('strong', { text: t('pin.host_pin', { n: m.id }) }), ' ', placeText(m.x, m.y), comment ? ` — ${t('pin.quoted', { text: comment })}` : ''),
      h(
        'div',
        { class: 'pin-row' },
        h('button', { class: 'btn small danger', type: 'button', 'data-key': 'pin-host-remove', text: t('pin.host_remove'), onclick: (e) => removeMark(a, m.id, hctx, e.currentTarget) }),
        h('button', {
          class: 'btn small',
          type: 'button',
          text: t('pin.host_unselect'),
          onclick: () => {
            picks.delete(a.id);
            preview(box, box._a, hctx);
          },
        }),
      ),
    );
  }
}

/** The latest comments with a button to remove each pin, then every pin shown (latest 300). */
export function moderation(box, a, hctx) {
  if (!box._comments) {
    box._head = h('h3');
    box._empty = h('p', { class: 'muted' });
    box._comments = h('ul', { class: 'mod-list', role: 'list' });
    box._allHead = h('summary');
    box._all = h('ul', { class: 'mod-list', role: 'list' });
    box._details = h('details', { class: 'pin-all' }, box._allHead, box._all);
    put(box, box._head, box._empty, box._comments, box._details);
  }
  const r = a.results || {};
  const comments = r.comments || [];
  const marks = r.marks || [];
  const row = (list, items, text, meta) =>
    keyed(list, items, (x) => x.id, moderationRow, (li, x) => {
      setText(li._text, text(x));
      setText(li._meta, meta(x));
      if (li._id === x.id) return;
      li._id = x.id;
      const label = list === box._comments ? t('pin.host_remove_comment', { n: x.id, text: x.text }) : t('pin.host_remove_at', { n: x.id, where: whereText(x.x, x.y) });
      keepFocus(li._actions, () =>
        put(li._actions, h('button', { class: 'btn small danger', type: 'button', 'data-key': `pin-rm-${x.id}`, text: t('pin.host_remove'), 'aria-label': label, onclick: (e) => removeMark(a, x.id, hctx, e.currentTarget) })),
      );
    });
  box._head.hidden = !a.comments;
  setText(box._head, t('pin.host_comments', { n: comments.length }));
  box._empty.hidden = !a.comments || comments.length > 0;
  setText(box._empty, t('pin.host_no_comments'));
  box._comments.hidden = !a.comments;
  row(box._comments, a.comments ? comments : [], (c) => c.text, (c) => `${t('pin.host_pin', { n: c.id })} · ${placeText(c.x, c.y)}`);
  box._details.hidden = !marks.length;
  setText(box._allHead, t('pin.host_all', { n: marks.length }));
  // Only the latest comments come with the view: a pin's is shown when it is one of them.
  const text = new Map(comments.map((c) => [c.id, c.text]));
  row(
    box._all,
    marks,
    (m) => placeText(m.x, m.y),
    (m) => [t('pin.host_pin', { n: m.id }), text.has(m.id) ? t('pin.quoted', { text: text.get(m.id) }) : ''].filter(Boolean).join(' · '),
  );
}

// --- The picture: choose or drop a file, upload it, replace or take it down

/** "PNG", "JPEG", "WebP". */
const typeName = (mime) => ({ 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/webp': 'WebP' })[mime] || mime;

/** "178 KB", "1.4 MB". */
function sizeText(bytes) {
  if (bytes < 1024 * 1024) return t('pin.kb', { n: Math.max(1, Math.round(bytes / 1024)) });
  return t('pin.mb', { n: num(Math.round((bytes / (1024 * 1024)) * 10) / 10) });
}

/** The server's refusal of an upload, as the facilitator reads it. */
function uploadError(status, body) {
  const e = body?.error;
  if (e?.message && (e.code === 'invalid_image' || e.code === 'payload_too_large' || e.code === 'request_timeout')) return e.message;
  if (status === 0) return t('pin.upload_cut');
  return errorText(e || { code: `http_${status}` });
}

/**
 * A file dropped beside the drop zone would make the browser open it in place of the console:
 * while a picture can be dropped, files dropped anywhere else on the page are ignored.
 */
let guarded = false;
function guardDrops() {
  if (guarded) return;
  guarded = true;
  const files = (e) => [...(e.dataTransfer?.types || [])].includes('Files');
  for (const type of ['dragover', 'drop']) {
    addEventListener(type, (e) => {
      if (!files(e) || e.target.closest?.('.pin-drop')) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'none';
    });
  }
}

function pictureManager(first, hctx) {
  guardDrops();
  const id = first.id;
  let last = first;
  let xhr = null;
  let held = null; // {file, action}: waiting for the facilitator's choice (pins are on the picture)
  const fileInput = h('input', { type: 'file', id: `pin-file-${id}`, class: 'pin-file', accept: 'image/png,image/jpeg,image/webp', 'data-key': 'pin-file', 'aria-describedby': `pin-file-hint-${id}` });
  const chooseLabel = h('label', { for: fileInput.id, class: 'btn primary pin-choose' });
  const info = h('p', { class: 'pin-info' });
  const hint = h('p', { class: 'hint', id: `pin-file-hint-${id}`, text: t('pin.file_hint') });
  const drop = h('div', { class: 'pin-drop' }, h('p', { class: 'pin-drop-text', text: t('pin.drop_here') }), h('div', { class: 'pin-row' }, fileInput, chooseLabel), hint);
  const progress = h('progress', { max: 100, value: 0 });
  const progressText = h('span');
  const cancel = h('button', { class: 'btn small', type: 'button', text: t('common.cancel'), onclick: () => xhr?.abort() });
  const progressBox = h('div', { class: 'pin-progress', role: 'status', hidden: true }, progressText, progress, cancel);
  const error = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const inUseText = h('p');
  const inUseGo = h('button', { class: 'btn primary small', type: 'button', 'data-key': 'pin-new-round' });
  const keep = () => {
    showHeld(null);
    fileInput.focus();
  };
  const inUseKeep = h('button', { class: 'btn small', type: 'button', 'data-key': 'pin-keep', text: t('pin.keep_picture'), onclick: keep });
  const inUse = h('div', { class: 'notice pin-in-use', hidden: true }, inUseText, h('div', { class: 'pin-row' }, inUseGo, inUseKeep));
  const remove = h('button', { class: 'btn small danger', type: 'button', 'data-key': 'pin-remove-picture', text: t('pin.take_down'), onclick: () => takeDown() });
  const noAlt = h('p', { class: 'notice pin-no-alt', 'data-kind': 'closed', hidden: true, text: t('pin.no_alt') });
  const el = h(
    'section',
    { class: 'pin-manager', 'aria-labelledby': `pin-pic-h-${id}` },
    h('h3', { id: `pin-pic-h-${id}`, text: t('pin.picture') }),
    info,
    drop,
    progressBox,
    error,
    inUse,
    h('div', { class: 'pin-row' }, remove),
    noAlt,
  );

  const pins = () => last.results?.pins || 0;
  const setError = (text) => {
    error.hidden = !text;
    error.textContent = text || '';
  };

  /** Explains why the picture cannot change yet and offers a new round; `focus` on first showing. */
  function showHeld(next, focus = false) {
    held = next;
    inUse.hidden = !held;
    if (!held) return;
    const round = (last.round || 1) + 1;
    setText(inUseText, t('pin.in_use', { pins: t('pin.pins', { n: pins() }), n: round, now: last.round || 1 }));
    setText(inUseGo, held.file ? t('pin.new_round_replace', { n: round, name: held.file.name }) : t('pin.new_round_remove', { n: round }));
    inUseGo.onclick = async (e) => {
      const go = held;
      // Let go first, so that the state the reset brings does not put the picture up as well.
      held = null;
      if (!(await hctx.cmd({ type: 'reset_results', activity: id }, e.currentTarget))) return showHeld(go, true);
      showHeld(null);
      hctx.say(t('ctl.reset_done', { n: round }));
      if (go.file) upload(go.file, true);
      else takeDown(true);
    };
    if (focus) inUseGo.focus();
  }

  function choose(file) {
    if (!file || xhr) return;
    setError('');
    if (file.size > MAX_IMAGE_BYTES) return setError(t('pin.too_big', { name: file.name, size: sizeText(file.size), max: sizeText(MAX_IMAGE_BYTES) }));
    if (pins() > 0) return showHeld({ file }, true);
    upload(file);
  }

  function upload(file, afterReset = false) {
    // A new picture for an old description: the facilitator is asked to check it.
    const replacing = !!last.image && !!last.alt;
    showHeld(null);
    setError('');
    const req = new XMLHttpRequest();
    xhr = req;
    progress.value = 0;
    setText(progressText, t('pin.uploading', { name: file.name, pct: 0 }));
    progressBox.hidden = false;
    fileInput.disabled = true;
    const done = () => {
      xhr = null;
      progressBox.hidden = true;
      fileInput.disabled = false;
      fileInput.value = '';
    };
    req.upload.addEventListener('progress', (e) => {
      if (!e.lengthComputable) return;
      const pct = Math.round((e.loaded * 100) / e.total);
      progress.value = pct;
      setText(progressText, t('pin.uploading', { name: file.name, pct }));
    });
    req.addEventListener('load', () => {
      done();
      let body = null;
      try {
        body = JSON.parse(req.responseText);
      } catch {
        /* not JSON */
      }
      if (req.status === 200 && body?.image) {
        const im = body.image;
        hctx.flash(t(replacing ? 'pin.uploaded_check' : 'pin.uploaded', { name: file.name, w: num(im.width), h: num(im.height) }));
        return;
      }
      if (req.status === 409 && body?.error?.code === 'image_in_use' && !afterReset) return showHeld({ file }, true);
      setError(t('pin.upload_failed', { name: file.name, why: uploadError(req.status, body) }));
    });
    req.addEventListener('error', () => {
      done();
      setError(t('pin.upload_failed', { name: file.name, why: t('pin.upload_cut') }));
    });
    req.addEventListener('timeout', () => {
      done();
      setError(t('pin.upload_failed', { name: file.name, why: t('pin.upload_cut') }));
    });
    req.addEventListener('abort', () => {
      done();
      hctx.say(t('pin.upload_cancelled'));
    });
    req.open('PUT', `/api/rooms/${hctx.code}/activities/${id}/image`);
    req.setRequestHeader('Authorization', `Bearer ${hctx.hostKey}`);
    req.setRequestHeader('Accept', 'application/json');
    req.timeout = 180_000;
    req.send(file);
  }

  async function takeDown(afterReset = false) {
    setError('');
    if (pins() > 0 && !afterReset) return showHeld({ file: null }, true);
    remove.disabled = true;
    try {
      const res = await fetch(`/api/rooms/${hctx.code}/activities/${id}/image`, { method: 'DELETE', headers: { Authorization: `Bearer ${hctx.hostKey}` }, cache: 'no-store' });
      if (res.status === 204) {
        hctx.flash(t('pin.taken_down'));
        return;
      }
      let body = null;
      try {
        body = await res.json();
      } catch {
        /* not JSON */
      }
      if (res.status === 409 && !afterReset) return showHeld({ file: null }, true);
      setError(errorText(body?.error || { code: `http_${res.status}` }));
    } catch {
      setError(t('pin.upload_cut'));
    } finally {
      remove.disabled = false;
    }
  }

  fileInput.addEventListener('change', () => choose(fileInput.files?.[0]));
  drop.addEventListener('dragenter', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', (e) => {
    if (!drop.contains(e.relatedTarget)) drop.classList.remove('over');
  });
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    choose(e.dataTransfer?.files?.[0]);
  });

  return {
    el,
    update(a) {
      last = a;
      const im = a.image;
      setText(info, im ? t('pin.image_info', { type: typeName(im.mime), w: num(im.width), h: num(im.height), size: sizeText(im.bytes) }) : t('pin.no_picture_yet'));
      info.classList.toggle('missing', !im);
      setText(chooseLabel, im ? t('pin.replace') : t('pin.choose'));
      setText(drop.firstChild, im ? t('pin.drop_replace') : t('pin.drop_here'));
      remove.parentNode.hidden = !im;
      noAlt.hidden = !!a.alt;
      if (held && !pins()) {
        // The pins went (a reset from the shared controls): nothing stands in the way any more.
        const go = held;
        showHeld(null);
        if (go.file) upload(go.file);
        else takeDown();
      } else if (held) showHeld(held);
      else inUse.hidden = true;
    },
  };
}

/** Picture managers by activity, kept while the detail panel is rebuilt (an upload keeps its bar). */
const managers = new Map();

export function controls(box, a, view, hctx) {
  for (const key of managers.keys()) if (!view.deck.some((x) => x.id === key)) managers.delete(key);
  let m = managers.get(a.id);
  if (!m) {
    m = pictureManager(a, hctx);
    managers.set(a.id, m);
  }
  if (m.el.parentNode !== box) put(box, m.el);
  m.update(a);
}

export function editor(spec, kit) {
  const question = kit.area('f-question', t('host.f_question'), spec?.question, MAX_PROMPT_CHARS, { hint: t('pin.f_question_hint') });
  const maxPins = kit.number('f-max-pins', t('pin.f_max'), spec?.max_pins ?? 1, 1, MAX_PINS, t(spec ? 'pin.f_max_hint_edit' : 'pin.f_max_hint', { n: MAX_PINS }));
  const comments = kit.check('f-comments', t('pin.f_comments'), spec?.comments, t('pin.f_comments_hint', { n: MAX_PIN_COMMENT_CHARS }));
  const alt = kit.area('f-alt', t('pin.f_alt'), spec?.alt, MAX_ALT_CHARS, { optional: true, rows: 3, hint: t('pin.f_alt_hint', { n: MAX_ALT_CHARS }) });
  kit.fields.push(h('p', { class: 'notice', 'data-kind': 'info', text: t(spec ? 'pin.f_picture_edit' : 'pin.f_picture_new') }));
  return () => {
    const q = kit.required(question, 'f-question');
    if ([...q].length > MAX_PROMPT_CHARS) kit.error('f-question', t('pin.v_long', { n: MAX_PROMPT_CHARS }));
    const max = kit.range(maxPins, 'f-max-pins', 1, MAX_PINS);
    const text = alt.value.trim().replace(/\s+/g, ' ');
    if ([...text].length > MAX_ALT_CHARS) kit.error('f-alt', t('pin.v_long', { n: MAX_ALT_CHARS }));
    const out = { kind: 'pin', question: q, max_pins: max, comments: comments.checked };
    if (text) out.alt = text;
    return out;
  };
}
