// Grid (2×2 matrix): everyone places each item on two axes, such as effort across and impact up
// (`place`, again to move it; `unplace` takes it back). Each placement counts at once: there is
// no ballot to send. Results: each item's mean position with its spread (the standard deviation
// on each axis) and the quadrant the mean falls in.
//
// One board is drawn everywhere (phones, the screen, the console, embeds, the report): the axes
// with their end words, the quadrants' labels faint in the corners, numbered markers (the legend
// or the item list says which is which, so long texts never collide on the board).

import { h, put, setText, keyed, sig } from '../util.js';
import { t, num, errorText } from '../i18n.js';
import { dec, onTick } from './common.js';
import { MAX_PROMPT_CHARS, MAX_GRID_ITEMS, MAX_GRID_ITEM_CHARS, MAX_AXIS_CHARS, MAX_QUADRANT_CHARS, GRID_SCALE } from './limits.js';

/**
 * The board's styles (grid.css): pages that can always show a grid link them in their head; a
 * phone, which loads a kind's module on first use, gets them with it, before anything is drawn.
 */
const STYLES = '/assets/grid.css';
await new Promise((resolve) => {
  if (document.querySelector(`link[rel="stylesheet"][href="${STYLES}"]`)) return resolve();
  document.head.append(h('link', { rel: 'stylesheet', href: STYLES, onload: resolve, onerror: resolve }));
});

/** The quadrants in the order of the spec's `quadrants`. */
const QUADRANTS = ['top_left', 'top_right', 'bottom_left', 'bottom_right'];
const TONES = 6;
const KEY_STEP = 5;

const clamp = (v) => Math.max(0, Math.min(GRID_SCALE, Math.round(v)));

/** The quadrant a position falls in (null on a centre line), as the server reckons it. */
export function quadrantOf(x, y) {
  const mid = GRID_SCALE / 2;
  if (x === mid || y === mid) return null;
  return `${y > mid ? 'top' : 'bottom'}_${x > mid ? 'right' : 'left'}`;
}

/** A quadrant's label: the facilitator's, or where it is ("Top left"); null on a centre line. */
export function quadrantName(a, q) {
  if (!q) return null;
  return a.quadrants?.[QUADRANTS.indexOf(q)] || t(`grid.q_${q}`);
}

/** "1. Fix the hall lights". */
const itemLabel = (a, item) => {
  const i = a.items.findIndex((o) => o.id === item);
  return i < 0 ? '' : `${num(i + 1)}. ${a.items[i].text}`;
};

/** A position in words: "Effort 20 of 100, Impact 85 of 100 — Quick wins". */
export function whereText(a, x, y, quadrant = quadrantOf(x, y), fmt = (v) => Math.round(v)) {
  const at = (axis, v) => t('grid.at', { label: axis.label, n: fmt(v), max: GRID_SCALE });
  const name = quadrantName(a, quadrant);
  return name ? t('grid.where', { x: at(a.x, x), y: at(a.y, y), quadrant: name }) : t('grid.where_line', { x: at(a.x, x), y: at(a.y, y) });
}

const mean = (v) => dec(v);

// ---------------------------------------------------------------------------------------------
// The board

/**
 * The 2×2 board: {el, plot, area, axes(a), marks(list), spreads(list), point(event)}. The area
 * holding markers is inset by half a marker, so one at 0 or 100 stays on the board. Positions
 * are kept in CSS variables (--x, --y, 0 to 100), so moves animate (not under reduced motion).
 */
export function board(cls = '') {
  const quads = QUADRANTS.map((q) => h('span', { class: `gb-q gb-q-${q}` }, h('span', { class: 'gb-q-text' })));
  const area = h('div', { class: 'gb-area gb-marks' });
  const spreadArea = h('div', { class: 'gb-area' });
  const plot = h(
    'div',
    { class: 'gb-plot' },
    h('div', { class: 'gb-quads', 'aria-hidden': 'true' }, quads),
    h('div', { class: 'gb-spreads', 'aria-hidden': 'true' }, spreadArea),
    area,
  );
  const end = (kind, arrow, after = false) => {
    const el = h('span', { class: `gb-end gb-${kind}` });
    el._name = h('span', { class: 'gb-nm' });
    el._sep = h('span', { class: 'gb-sep', text: ': ' });
    el._word = h('span', { class: 'gb-w' });
    const mark = h('span', { class: 'gb-arrow', 'aria-hidden': 'true', text: arrow });
    if (after) el.append(el._name, el._sep, el._word, ' ', mark);
    else el.append(mark, ' ', el._name, el._sep, el._word);
    return el;
  };
  const yHigh = end('y-high', '▲');
  const yLow = end('y-low', '▼');
  const xLow = end('x-low', '◀');
  const xHigh = end('x-high', '▶', true);
  const yName = h('span', { class: 'gb-name gb-y-name' });
  const xName = h('span', { class: 'gb-name gb-x-name' });
  const el = h(
    'div',
    { class: `gb ${cls}`.trim() },
    h('div', { class: 'gb-layout' }, yHigh, yName, yLow, plot, h('div', { class: 'gb-x' }, xLow, xName, xHigh)),
  );
  const setEnd = (e, axis, word) => {
    setText(e._name, axis.label);
    setText(e._word, word || '');
    e._sep.hidden = !word;
  };
  let axesSig = '';
  return {
    el,
    plot,
    area,
    axes(a) {
      const s = sig([a.x, a.y, a.quadrants]);
      if (s === axesSig) return;
      axesSig = s;
      setEnd(yHigh, a.y, a.y.high);
      setEnd(yLow, a.y, a.y.low);
      yLow.hidden = !a.y.low;
      setEnd(xLow, a.x, a.x.low);
      xLow.hidden = !a.x.low;
      setEnd(xHigh, a.x, a.x.high);
      setText(yName, a.y.label);
      setText(xName, a.x.label);
      quads.forEach((q, i) => setText(q.firstChild, a.quadrants?.[i] || ''));
    },
    /** Numbered markers: [{key, n, tone, x, y, cls?, item?}]. */
    marks(list) {
      keyed(
        area,
        list,
        (m) => m.key,
        () => h('span', { class: 'gb-mark' }),
        (el, m) => {
          el.className = `gb-mark${m.cls ? ` ${m.cls}` : ''}`;
          el.dataset.tone = String(m.tone);
          if (m.item != null) el.dataset.item = String(m.item);
          el.style.setProperty('--x', String(m.x));
          el.style.setProperty('--y', String(m.y));
          setText(el, num(m.n));
        },
      );
    },
    /** Spreads: [{key, tone, x, y, sx, sy}], ellipses one standard deviation each way. */
    spreads(list) {
      keyed(
        spreadArea,
        list,
        (m) => m.key,
        () => h('span', { class: 'gb-spread' }),
        (el, m) => {
          el.dataset.tone = String(m.tone);
          for (const k of ['x', 'y', 'sx', 'sy']) el.style.setProperty(`--${k}`, String(Math.round(m[k] * 10) / 10));
        },
      );
    },
    /** Where a pointer event falls, 0 to 100 on each axis (clamped to the board). */
    point(e) {
      const r = area.getBoundingClientRect();
      return { x: clamp(((e.clientX - r.left) / r.width) * GRID_SCALE), y: clamp(((r.bottom - e.clientY) / r.height) * GRID_SCALE) };
    },
  };
}

/** Results rows, in item order: [{o, i, r}] (`r` is absent for an item nobody placed). */
const resultRows = (a) => a.items.map((o, i) => ({ o, i, r: a.results?.items?.[i]?.count ? a.results.items[i] : null }));

/** Each item's mean as a marker and its spread as an ellipse. */
export function showMeans(b, a) {
  const rows = resultRows(a).filter((row) => row.r?.mean);
  b.spreads(rows.map(({ o, i, r }) => ({ key: o.id, tone: i % TONES, x: r.mean.x, y: r.mean.y, sx: r.spread?.x ?? 0, sy: r.spread?.y ?? 0 })));
  b.marks(rows.map(({ o, i, r }) => ({ key: o.id, n: i + 1, tone: i % TONES, x: r.mean.x, y: r.mean.y })));
}

/**
 * The legend: each item with its number, its quadrant and how many placed it; `numbers` adds
 * the mean and spread (the console). Screen readers hear the mean position in words.
 */
export function legend(list, a, { numbers = false } = {}) {
  keyed(
    list,
    resultRows(a),
    ({ o }) => o.id,
    () => {
      const li = h('li');
      li._key = h('span', { class: 'gb-key', 'aria-hidden': 'true' });
      li._text = h('span', { class: 'gb-legend-text' });
      li._detail = h('span', { class: 'gb-legend-detail', 'aria-hidden': 'true' });
      li._sr = h('span', { class: 'sr-only' });
      li.append(li._key, h('span', { class: 'gb-legend-body' }, li._text, li._detail, li._sr));
      return li;
    },
    (li, { o, i, r }) => {
      li._key.dataset.tone = String(i % TONES);
      setText(li._key, num(i + 1));
      setText(li._text, o.text);
      li.classList.toggle('none', !r);
      if (!r) {
        setText(li._detail, t('grid.not_placed'));
        setText(li._sr, t('grid.not_placed'));
        return;
      }
      const where = quadrantName(a, r.quadrant) || t('grid.on_line');
      const bits = [where, t('grid.people', { n: r.count })];
      if (numbers) bits.push(t('grid.average', { x: mean(r.mean.x), y: mean(r.mean.y) }), t('grid.spread', { x: mean(r.spread?.x ?? 0), y: mean(r.spread?.y ?? 0) }));
      setText(li._detail, bits.join(' · '));
      setText(li._sr, t('grid.mean_sr', { where: whereText(a, r.mean.x, r.mean.y, r.quadrant, mean), n: r.count, sx: mean(r.spread?.x ?? 0), sy: mean(r.spread?.y ?? 0) }));
    },
  );
  return list;
}

/** A board of means with its legend (the console, embeds, phones' results, the report). */
export function resultsView(cls = '') {
  const b = board(cls);
  const list = h('ol', { class: 'gb-legend', role: 'list', 'aria-label': t('grid.legend_label') });
  const el = h('div', { class: 'gb-results' }, b.el, list);
  return {
    el,
    update(a, opts) {
      b.axes(a);
      showMeans(b, a);
      legend(list, a, opts);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Placing items: the phone's board and list, also the embed's (embedVote)

/** The errors a placement can meet, said for a grid. */
function placeError(err) {
  const own = { option_not_found: 'grid.e_gone', out_of_range: 'grid.e_range', not_voted: 'grid.e_not_placed' }[err?.code];
  return own ? t(own) : errorText(err);
}

/**
 * The participant's board and the list of items. Picking an item (the list, or tapping its
 * marker) and tapping the board places it (`place`, sent at once); a picked item that is on the
 * board can be dragged, moved with another tap, or taken back. The board takes the keyboard:
 * arrows move the picked item (5 a press, 1 with Shift) with its position said in words, Enter or
 * Space places it, Delete takes it back, Page Up / Page Down pick another item.
 *
 * `f` is the screen's frame ({feedback, setFeedback, setNotice}); `ctx` lends
 * {request(button, msg), setAnswer(id, answer), say(text)}. `notice`: a line placed inside (the
 * embed has no frame for it).
 */
export function placer(first, f, ctx, { notice = null } = {}) {
  const id = first.id;
  let last = first;
  let saved = new Map(); // item → {x, y}, as the server holds it
  const pending = new Map(); // item → {x, y} (or null: taking back) while its request is out
  let picked = null; // the item the person chose; null: the next one not yet placed
  let auto = true; // with nothing chosen, the next unplaced item is the one being placed
  let cursor = null; // where the keyboard moved the picked item to, not placed yet
  let drag = null;

  const say = (text) => ctx.say?.(text);
  const mine = () => {
    const m = new Map(saved);
    for (const [item, p] of pending) {
      if (p) m.set(item, p);
      else m.delete(item);
    }
    return m;
  };
  const nextUnplaced = () => {
    const placed = mine();
    return last.items.find((o) => !placed.has(o.id))?.id ?? null;
  };
  const current = () => (picked != null ? picked : auto ? nextUnplaced() : null);
  const indexOf = (item) => last.items.findIndex((o) => o.id === item);

  const hint = h('p', { class: 'hint', id: `gh${id}`, text: t('grid.hint') });
  const keys = h('p', { class: 'hint grid-keys', id: `gk${id}`, text: t('grid.keys') });
  const now = h('p', { class: 'grid-now-text', id: `gn${id}` });
  const takeBack = h('button', { class: 'btn small', type: 'button', 'data-key': `gt${id}`, text: t('grid.take_back') });
  const keep = h('button', { class: 'btn small', type: 'button', 'data-key': `gl${id}`, text: t('grid.keep') });
  const nowBox = h('div', { class: 'grid-now' }, now, h('span', { class: 'grid-now-actions' }, takeBack, keep));
  const b = board('gb-phone');
  b.plot.tabIndex = 0;
  b.plot.setAttribute('role', 'application');
  b.plot.setAttribute('aria-describedby', `gn${id} gh${id} gk${id}`);
  b.plot.dataset.key = `gb${id}`;
  const list = h('ol', { class: 'grid-items', role: 'list', 'aria-label': t('grid.items_label') });
  // Nothing above the board changes as items are placed, so quick taps never land on a moved board.
  const el = h('div', { class: 'stack grid-placer' }, hint, b.el, nowBox, keys, notice, f.feedback, list);

  function pick(item, announce = true) {
    picked = item;
    auto = true;
    cursor = null;
    draw();
    if (announce && item != null) say(t('grid.picked', { item: itemLabel(last, item) }));
  }

  async function place(item, p) {
    const x = clamp(p.x);
    const y = clamp(p.y);
    const mark = { x, y };
    const fresh = !mine().has(item);
    pending.set(item, mark);
    cursor = null;
    // A new one placed: on to the next one not yet placed; a move: back to that too.
    picked = null;
    auto = true;
    draw();
    try {
      await ctx.request(null, { type: 'place', activity: id, item, x, y });
      saved.set(item, mark);
      if (pending.get(item) === mark) pending.delete(item);
      ctx.setAnswer(id, answerOf(saved));
      const next = current();
      const text = t('grid.placed', { item: itemLabel(last, item), where: whereText(last, x, y) });
      f.setFeedback(next != null && fresh ? `${text} ${t('grid.next', { item: itemLabel(last, next) })}` : text);
    } catch (err) {
      if (pending.get(item) === mark) pending.delete(item);
      f.setFeedback(placeError(err), 'error');
    }
    draw();
  }

  async function unplace(item) {
    pending.set(item, null);
    picked = item;
    cursor = null;
    draw();
    try {
      await ctx.request(null, { type: 'unplace', activity: id, item });
      saved.delete(item);
      f.setFeedback(t('grid.taken_back', { item: itemLabel(last, item) }));
    } catch (err) {
      // Not placed after all (another device took it back): the board says so now.
      if (err.code === 'not_voted') saved.delete(item);
      f.setFeedback(placeError(err), 'error');
    } finally {
      if (pending.get(item) === null) pending.delete(item);
    }
    ctx.setAnswer(id, answerOf(saved));
    draw();
  }

  takeBack.addEventListener('click', () => {
    const item = current();
    if (item != null && mine().has(item)) unplace(item);
  });
  keep.addEventListener('click', () => {
    picked = null;
    auto = false;
    cursor = null;
    draw();
    say(now.textContent);
  });

  // Tapping the board places the picked item; a marker's own taps and drags are handled below.
  b.plot.addEventListener('click', (e) => {
    if (!last.voting_open || e.target.closest('.gb-mark')) return;
    const item = current();
    if (item == null) return f.setFeedback(t('grid.pick_first'), 'error');
    place(item, b.point(e));
  });

  b.area.addEventListener('pointerdown', (e) => {
    const mark = e.target.closest('.gb-mark[data-item]');
    if (!mark || !last.voting_open || e.button > 0) return;
    drag = { item: Number(mark.dataset.item), pointer: e.pointerId, x: e.clientX, y: e.clientY, moved: false, mark };
    mark.setPointerCapture?.(e.pointerId);
  });
  b.area.addEventListener('pointermove', (e) => {
    if (!drag || e.pointerId !== drag.pointer) return;
    if (!drag.moved && Math.hypot(e.clientX - drag.x, e.clientY - drag.y) < 8) return;
    e.preventDefault();
    drag.moved = true;
    const p = b.point(e);
    drag.mark.classList.add('dragging');
    drag.mark.style.setProperty('--x', String(p.x));
    drag.mark.style.setProperty('--y', String(p.y));
    setText(now, t('grid.moving_to', { item: itemLabel(last, drag.item), where: whereText(last, p.x, p.y) }));
  });
  const endDrag = (e, cancelled) => {
    if (!drag || e.pointerId !== drag.pointer) return;
    const { item, moved, mark } = drag;
    drag = null;
    mark.classList.remove('dragging');
    if (cancelled) return draw();
    if (moved) place(item, b.point(e));
    else pick(item);
  };
  b.area.addEventListener('pointerup', (e) => endDrag(e, false));
  b.area.addEventListener('pointercancel', (e) => endDrag(e, true));

  b.plot.addEventListener('keydown', (e) => {
    if (!last.voting_open || e.altKey || e.ctrlKey || e.metaKey) return;
    const step = e.shiftKey ? 1 : KEY_STEP;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (moves[e.key]) {
      e.preventDefault();
      // With nothing left to place, the arrows take up the first item again.
      const item = current() ?? last.items[0]?.id;
      if (item == null) return;
      const from = cursor || mine().get(item) || { x: GRID_SCALE / 2, y: GRID_SCALE / 2 };
      picked = item;
      cursor = { x: clamp(from.x + moves[e.key][0]), y: clamp(from.y + moves[e.key][1]) };
      draw();
      say(t('grid.position', { item: last.items[indexOf(item)].text, where: whereText(last, cursor.x, cursor.y) }));
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      const item = current();
      if (item == null) return f.setFeedback(t('grid.pick_first'), 'error');
      place(item, cursor || mine().get(item) || { x: GRID_SCALE / 2, y: GRID_SCALE / 2 });
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      const item = current();
      if (item != null && mine().has(item)) {
        e.preventDefault();
        unplace(item);
      }
    } else if (e.key === 'PageDown' || e.key === 'PageUp') {
      e.preventDefault();
      const items = last.items;
      if (!items.length) return;
      const i = indexOf(current());
      const j = i < 0 ? 0 : (i + (e.key === 'PageDown' ? 1 : -1) + items.length) % items.length;
      const item = items[j].id;
      pick(item, false);
      const at = mine().get(item);
      say(`${t('grid.picked', { item: itemLabel(last, item) })} ${at ? whereText(last, at.x, at.y) : t('grid.not_placed')}.`);
    } else if (e.key === 'Escape' && cursor) {
      e.preventDefault();
      cursor = null;
      draw();
      say(t('grid.move_cancelled'));
    }
  });
  // Leaving the board forgets a keyboard move that was never placed.
  b.plot.addEventListener('blur', () => {
    if (!cursor) return;
    cursor = null;
    draw();
  });

  function draw() {
    const a = last;
    const open = a.voting_open;
    const placed = mine();
    const item = open ? current() : null;
    b.axes(a);
    b.plot.setAttribute('aria-label', t('grid.board_label', { x: a.x.label, y: a.y.label }));
    if (open) b.plot.removeAttribute('aria-disabled');
    else b.plot.setAttribute('aria-disabled', 'true');
    b.el.classList.toggle('closed', !open);
    const marks = a.items
      .map((o, i) => [o, i])
      .filter(([o]) => placed.has(o.id))
      .map(([o, i]) => ({ key: o.id, item: o.id, n: i + 1, tone: i % TONES, ...placed.get(o.id), cls: o.id === item ? 'picked' : '' }));
    if (cursor && item != null) {
      const i = indexOf(item);
      marks.push({ key: 'ghost', n: i + 1, tone: i % TONES, x: cursor.x, y: cursor.y, cls: 'ghost' });
    }
    b.marks(marks);

    nowBox.hidden = !open;
    hint.hidden = !open;
    keys.hidden = !open;
    const on = item != null && placed.has(item);
    takeBack.hidden = !on;
    keep.hidden = !on;
    if (open && !drag) {
      if (item == null) setText(now, placed.size >= a.items.length ? t('grid.all_placed') : t('grid.none_picked'));
      else setText(now, t(on ? 'grid.now_move' : 'grid.now_place', { item: itemLabel(a, item) }));
    }

    keyed(
      list,
      a.items,
      (o) => o.id,
      (o) => {
        const li = h('li');
        li._button = h('button', { type: 'button', class: 'grid-item', 'data-key': `gi${id}-${o.id}` });
        li._key = h('span', { class: 'gb-key', 'aria-hidden': 'true' });
        li._text = h('span', { class: 'grid-item-text' });
        li._state = h('span', { class: 'grid-item-state' });
        li._button.append(li._key, h('span', { class: 'grid-item-body' }, li._text, li._state));
        li._button.addEventListener('click', (e) => {
          if (!last.voting_open) return;
          pick(li._o.id);
          // Chosen with the keyboard: straight onto the board, where the arrow keys move it.
          if (e.detail === 0) b.plot.focus();
        });
        li.append(li._button);
        return li;
      },
      (li, o, i) => {
        li._o = o;
        const p = placed.get(o.id);
        li._key.dataset.tone = String(i % TONES);
        setText(li._key, num(i + 1));
        setText(li._text, o.text);
        setText(li._state, p ? whereText(a, p.x, p.y) : t('grid.not_placed'));
        li._button.setAttribute('aria-pressed', String(o.id === item));
        li._button.disabled = !open;
        li.classList.toggle('placed', !!p);
      },
    );
  }

  function update(a, answer) {
    last = a;
    const ids = new Set(a.items.map((o) => o.id));
    saved = new Map((answer?.placements || []).filter((p) => ids.has(p.item)).map((p) => [p.item, { x: p.x, y: p.y }]));
    for (const item of [...pending.keys()]) if (!ids.has(item)) pending.delete(item);
    if (picked != null && !ids.has(picked)) picked = null;
    if (!a.voting_open) cursor = null;
    const count = mine().size;
    if (!a.voting_open) f.setNotice(count ? t('grid.closed_placed') : t('p.closed'));
    else f.setNotice('');
    if (!drag) draw();
  }

  return { el, update, count: () => mine().size };
}

function answerOf(placed) {
  if (!placed.size) return null;
  return { kind: 'grid', placements: [...placed].sort((x, y) => x[0] - y[0]).map(([item, p]) => ({ item, x: p.x, y: p.y })) };
}

/** Embeds may let visitors place items (when the facilitator allows it): the phone's board. */
export const embedVote = placer;

// ---------------------------------------------------------------------------------------------
// Phone

export function phone(first, ctx) {
  const f = ctx.frame(first, t('kind.grid'));
  const part = placer(first, f, ctx);
  const resultsHead = h('h2', { class: 'results-head' });
  const results = resultsView('gb-small');
  const after = h('p', { class: 'hint', text: t('grid.results_after') });
  const resultsBox = h('div', { class: 'results', hidden: true }, resultsHead, results.el);
  f.el.append(part.el, after, resultsBox);
  let hadResults = !!first.results;
  return {
    el: f.el,
    update(a, answer) {
      f.setHead(a, a.question);
      part.update(a, answer || null);
      // Where everyone put them only once this phone has placed something: no bandwagon.
      const show = !!a.results && (part.count() > 0 || !a.voting_open || !!a.phones_before_answering);
      after.hidden = !a.results || show;
      resultsBox.hidden = !show;
      if (show) {
        setText(resultsHead, t('grid.results', { n: a.results.voters }));
        results.update(a);
        // Revealed by the facilitator (a first placement says its own outcome instead).
        if (!hadResults) ctx.say(resultsHead.textContent);
      }
      hadResults = !!a.results;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Screen

const PAGE_MS = 8000;
const LEGEND_SIZES = ['full', 'compact', 'clamp'];

export function present(first, { waitingBox }) {
  const waiting = h('div', { class: 'grid-waiting' });
  const b = board('gb-screen');
  const list = h('ol', { class: 'gb-legend', role: 'list', 'aria-label': t('grid.legend_label') });
  const page = h('p', { class: 'gb-page', hidden: true });
  const legendBox = h('div', { class: 'gb-legend-box' }, list, page);
  const shown = h('div', { class: 'grid-show' }, b.el, legendBox);
  const el = h('div', { class: 'grid-stage' }, waiting, shown);
  let waitingFor = null;
  let pages = null; // [[from, to)] when the legend needs more than one page
  let pagesSig = '';
  let showing = -1;

  const showPage = (k) => {
    showing = k;
    const [from, to] = pages[k];
    [...list.children].forEach((li, i) => (li.hidden = i < from || i >= to));
    setText(page, t('grid.page', { from: num(from + 1), to: num(to), n: list.children.length }));
  };
  // A legend that does not fit (20 long items) first gets smaller type (never under the screen's
  // minimum) and narrower columns, then long texts kept to two lines, then pages of what fits.
  const paginate = () => {
    const lis = [...list.children];
    const s = sig([lis.map((li) => li.textContent), legendBox.clientWidth, legendBox.clientHeight]);
    if (s === pagesSig) return;
    pagesSig = s;
    for (const li of lis) li.hidden = false;
    page.hidden = true;
    pages = null;
    const fits = (li) => li.getBoundingClientRect().bottom <= list.getBoundingClientRect().bottom + 1;
    for (const size of LEGEND_SIZES) {
      legendBox.dataset.size = size;
      if (!lis.length || fits(lis[lis.length - 1])) return;
    }
    page.hidden = false;
    pages = [];
    for (let from = 0; from < lis.length; ) {
      lis.forEach((li, i) => (li.hidden = i < from));
      let to = from;
      while (to < lis.length && fits(lis[to])) to++;
      if (to === from) to = from + 1;
      pages.push([from, to]);
      from = to;
    }
    showPage(Math.min(Math.max(showing, 0), pages.length - 1));
  };
  onTick(el, (now) => {
    if (!pages) return;
    const k = Math.floor(now / PAGE_MS) % pages.length;
    if (k !== showing) showPage(k);
  });

  return {
    el,
    fit: false,
    update(a) {
      const r = a.results;
      waiting.hidden = !!r;
      shown.hidden = !r;
      if (!r) {
        if (waitingFor !== a.responses) {
          waitingFor = a.responses;
          put(waiting, waitingBox(a.responses, t('grid.screen_in', { n: a.responses })));
        }
      } else {
        waitingFor = null;
        b.axes(a);
        showMeans(b, a);
        legend(list, a);
        paginate();
      }
      return [t('grid.voters', { n: r ? r.voters : a.responses })];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Embed

/** The embed's board of means; returns what its note and meta line say. */
export function embed() {
  let view = null;
  return {
    update(results, a, { answer, voting }) {
      const placed = answer?.kind === 'grid' ? answer.placements.length : 0;
      // Visitors who may place items see where everyone put them once they have placed one.
      const show = !!a.results && (!voting || placed > 0);
      if (!show) {
        if (view) {
          view = null;
          results.replaceChildren();
        }
        return { note: a.results ? t('grid.results_after') : t('present.results_hidden'), meta: [t('grid.voters', { n: a.responses })] };
      }
      if (!view || !view.el.isConnected) {
        view = resultsView('gb-small');
        view.head = h('h2', { class: 'results-head' });
        put(results, view.head, view.el);
      }
      // Under the visitor's own board, this one needs saying what it is.
      view.head.hidden = !voting;
      setText(view.head, t('grid.results', { n: a.results.voters }));
      view.update(a);
      return { note: null, meta: [t('grid.voters', { n: a.results.voters })] };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Console

export function stats(a) {
  return t('grid.voters', { n: a.results ? a.results.voters : a.responses });
}

/** The facilitator's view: the board of means and a legend with the figures. */
export function preview(box, a) {
  if (!box._grid) {
    box._grid = resultsView('gb-console');
    box.replaceChildren(box._grid.el);
  }
  box._grid.update({ ...a, results: a.results || { voters: 0, items: [] } }, { numbers: true });
}

/** The axes and quadrant labels the editor offers to start from: [name, x, y, quadrants]. */
const PRESETS = [
  ['grid.preset_effort', ['grid.p_effort', 'grid.p_little', 'grid.p_a_lot'], ['grid.p_impact', 'grid.p_small', 'grid.p_big'], ['grid.p_quick_wins', 'grid.p_big_projects', 'grid.p_fill_ins', 'grid.p_not_worth_it']],
  ['grid.preset_urgent', ['grid.p_urgency', 'grid.p_can_wait', 'grid.p_urgent'], ['grid.p_importance', 'grid.p_minor', 'grid.p_important'], ['grid.p_plan_it', 'grid.p_do_it_now', 'grid.p_drop_it', 'grid.p_hand_it_on']],
];

/** Ideas activities in the deck with their visible suggestions, most votes first. */
function ideaSources(deck) {
  return deck
    .map((a, i) => [a, i])
    .filter(([a]) => a.kind === 'ideas')
    .map(([a, i]) => ({
      a,
      i,
      ideas: (a.ideas || []).filter((x) => !x.hidden && x.merged_into == null).sort((x, y) => (y.votes || 0) - (x.votes || 0) || x.id - y.id),
    }));
}

/** "Use the top ideas from …": fills the items from an ideas activity's results. */
function fromIdeas(kit, deck, items) {
  const sources = ideaSources(deck);
  if (!sources.length) return;
  const from = h(
    'select',
    { id: 'f-ideas-from' },
    sources.map((s) => h('option', { value: String(s.a.id), text: t('grid.f_ideas_option', { i: s.i + 1, text: s.a.prompt, n: s.ideas.length }) })),
  );
  const top = h('input', { id: 'f-ideas-top', type: 'number', inputmode: 'numeric', min: 1, max: MAX_GRID_ITEMS, step: 1, value: 5 });
  const status = h('p', { class: 'hint grid-fill-status', role: 'status' });
  const use = h('button', {
    class: 'btn small',
    type: 'button',
    'data-key': 'f-ideas-use',
    text: t('grid.f_ideas_use'),
    onclick: () => {
      const s = sources.find((x) => String(x.a.id) === from.value);
      const n = Number(top.value);
      status.classList.remove('error');
      if (!Number.isInteger(n) || n < 1 || n > MAX_GRID_ITEMS) {
        status.classList.add('error');
        setText(status, t('host.v_range', { min: 1, max: MAX_GRID_ITEMS }));
        return top.focus();
      }
      if (!s.ideas.length) {
        status.classList.add('error');
        return setText(status, t('grid.f_ideas_none'));
      }
      const took = items.fill(s.ideas.slice(0, n).map((x) => x.text.slice(0, MAX_GRID_ITEM_CHARS)));
      setText(status, t('grid.f_ideas_done', { n: took, text: s.a.prompt }));
      items.list.querySelector('input')?.focus();
    },
  });
  kit.fields.push(
    h(
      'fieldset',
      { class: 'field-group grid-fill' },
      h('legend', { text: t('grid.f_from_ideas') }),
      h('div', { class: 'grid-fill-row' }, h('div', { class: 'field' }, h('label', { for: from.id, text: t('grid.f_ideas_activity') }), from), h('div', { class: 'field grid-fill-n' }, h('label', { for: top.id, text: t('grid.f_ideas_top') }), top), use),
      h('p', { class: 'hint', text: t('grid.f_ideas_hint') }),
      status,
    ),
  );
}

export function editor(spec, kit, { optionList, specOptions, deck = [] }) {
  const preset = PRESETS[0];
  const start = spec || {
    x: { label: t(preset[1][0]), low: t(preset[1][1]), high: t(preset[1][2]) },
    y: { label: t(preset[2][0]), low: t(preset[2][1]), high: t(preset[2][2]) },
    quadrants: preset[3].map((k) => t(k)),
  };
  const question = kit.area('f-question', t('host.f_question'), spec?.question, MAX_PROMPT_CHARS);
  const items = optionList(kit, 'f-items', t('grid.f_items'), spec?.items, {
    min: 1,
    max: MAX_GRID_ITEMS,
    hint: t(spec ? 'grid.f_items_edit_hint' : 'grid.f_items_hint', { n: MAX_GRID_ITEMS }),
    words: { n: 'grid.f_item_n', remove: 'grid.f_remove_item', add: 'grid.f_add_item', min: 'grid.v_min_items', max: 'grid.v_max_items', long: 'grid.v_item_long' },
  });
  fromIdeas(kit, deck, items);

  // The presets fill both axes and the quadrants in one go.
  const presetRow = h(
    'div',
    { class: 'grid-presets', role: 'group', 'aria-labelledby': 'f-preset-l', 'aria-describedby': 'f-preset-hint' },
    h('span', { id: 'f-preset-l', class: 'grid-presets-label', text: t('grid.f_preset') }),
    PRESETS.map(([name, x, y, q], i) =>
      h('button', {
        class: 'btn small',
        type: 'button',
        'data-key': `f-preset-${i}`,
        text: t(name),
        onclick: () => {
          [fx.label, fx.low, fx.high].forEach((input, k) => (input.value = t(x[k])));
          [fy.label, fy.low, fy.high].forEach((input, k) => (input.value = t(y[k])));
          quads.forEach((input, k) => (input.value = t(q[k])));
          describeQuadrants();
          presetStatus.textContent = t('grid.f_preset_done', { name: t(name) });
        },
      }),
    ),
  );
  const presetStatus = h('p', { class: 'sr-only', role: 'status' });
  kit.fields.push(h('div', { class: 'field' }, presetRow, h('p', { class: 'hint', id: 'f-preset-hint', text: t('grid.f_preset_hint') }), presetStatus));

  const axis = (which, value) => {
    const out = {};
    kit.section(t(`grid.f_${which}`), () => {
      out.label = kit.text(`f-${which}-label`, t('grid.f_label'), value?.label, MAX_AXIS_CHARS, { hint: t(`grid.f_label_${which}_hint`, { n: MAX_AXIS_CHARS }) });
      out.low = kit.text(`f-${which}-low`, t(`grid.f_low_${which}`), value?.low, MAX_AXIS_CHARS, { optional: true });
      out.high = kit.text(`f-${which}-high`, t(`grid.f_high_${which}`), value?.high, MAX_AXIS_CHARS, { optional: true });
    }, 'grid-axis');
    return out;
  };
  const fx = axis('x', start.x);
  const fy = axis('y', start.y);

  // Each quadrant says which ends of the axes meet there ("Impact: Big · Effort: Little"), so a
  // preset or a change of axis can be checked at a glance.
  const endOf = (f, high) => t('grid.f_end', { label: f.label.value.trim() || '…', end: (high ? f.high : f.low).value.trim() || t(high ? 'grid.f_high' : 'grid.f_low') });
  const meets = (q) => t('grid.f_q_where', { y: endOf(fy, q.startsWith('top')), x: endOf(fx, q.endsWith('right')) });
  let quads = [];
  const group = kit.section(t('grid.f_quadrants'), () => {
    quads = QUADRANTS.map((q, i) => kit.text(`f-q${i}`, t(`grid.q_${q}`), start.quadrants?.[i], MAX_QUADRANT_CHARS, { optional: true, hint: meets(q) }));
  }, 'grid-quads');
  group.append(h('p', { class: 'hint grid-quads-hint', text: t('grid.f_quadrants_hint') }));
  const where = QUADRANTS.map((q, i) => group.querySelector(`#f-q${i}-hint`));
  function describeQuadrants() {
    QUADRANTS.forEach((q, i) => setText(where[i], meets(q)));
  }
  for (const input of [fx.label, fx.low, fx.high, fy.label, fy.low, fy.high]) input.addEventListener('input', describeQuadrants);

  return () => {
    const text = (input) => input.value.trim().replace(/\s+/g, ' ');
    const long = (input, id, max) => {
      if ([...text(input)].length > max) kit.error(id, t('grid.v_long', { n: max }));
      return text(input);
    };
    const q = kit.required(question, 'f-question');
    if ([...q].length > MAX_PROMPT_CHARS) kit.error('f-question', t('grid.v_long', { n: MAX_PROMPT_CHARS }));
    const rows = items.check(1, MAX_GRID_ITEMS);
    const axisSpec = (f, which) => {
      kit.required(f.label, `f-${which}-label`);
      const out = { label: long(f.label, `f-${which}-label`, MAX_AXIS_CHARS) };
      const low = long(f.low, `f-${which}-low`, MAX_AXIS_CHARS);
      const high = long(f.high, `f-${which}-high`, MAX_AXIS_CHARS);
      if (low) out.low = low;
      if (high) out.high = high;
      return out;
    };
    const x = axisSpec(fx, 'x');
    const y = axisSpec(fy, 'y');
    const labels = quads.map((input, i) => long(input, `f-q${i}`, MAX_QUADRANT_CHARS));
    return { kind: 'grid', question: q, items: specOptions(rows), x, y, quadrants: labels.some(Boolean) ? labels : [] };
  };
}

/** The phone holds the means back itself until its first placement (and says so): the shell's
 * gate passes the results through. */
export const answered = () => true;
