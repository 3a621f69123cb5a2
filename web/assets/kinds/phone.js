// The participant page's frame around whatever is on screen: the reactions bar (in every state),
// the "voting closes in 0:42" line, moving through the deck at one's own pace (audience pacing),
// and the side-lane Q&A as a second tab. Every kind's screen is loaded on first use, so a
// phone downloads only what its session shows.

import { h, put, setText } from '../util.js';
import { t, errorText } from '../i18n.js';
import { clock, onTick, clockText, spokenTime, closesIn, REACTIONS, titleOf } from './common.js';

const modules = new Map();

/** Loads `kinds/<kind>.js` once. */
export function loadKind(kind) {
  if (!modules.has(kind)) modules.set(kind, import(`./${kind}.js`));
  return modules.get(kind);
}

/**
 * A screen for any kind, shown as soon as its module has loaded. `ctx` is what the
 * participant page lends every screen (frame, request, answers, say…).
 */
export function lazyScreen(first, ctx) {
  const el = h('div', { class: 'kind-slot' }, h('p', { class: 'loading', text: t('common.loading') }));
  let inner = null;
  let mod = null;
  let last = [first, null];
  // A phone sees results only once it has answered (or voting has closed), unless the
  // facilitator lets phones see them before: what others chose must not steer a first answer.
  // A kind says what counts as answered and where its results are (`answered`, `withoutResults`);
  // by default any answer counts and the results are `results`.
  const gate = (a, answer) => {
    const answered = mod?.answered ? mod.answered(answer, a) : !!answer;
    if (!a.voting_open || a.phones_before_answering || answered) return a;
    return mod?.withoutResults ? mod.withoutResults(a) : { ...a, results: undefined };
  };
  loadKind(first.kind).then(
    (loaded) => {
      mod = loaded;
      const focusHere = !document.activeElement || document.activeElement === document.body || document.activeElement.id === 'main';
      inner = mod.phone(first, ctx);
      put(el, inner.el);
      inner.update(gate(last[0], last[1]), last[1]);
      if (focusHere && el.isConnected) el.querySelector('h1')?.focus();
    },
    () => put(el, h('p', { class: 'notice', text: t('p.unsupported') })),
  );
  return {
    el,
    update(a, answer) {
      last = [a, answer];
      inner?.update(gate(a, answer), answer);
    },
  };
}

/**
 * The participant page's shell. `ctx`: {send, say, saved(), save(), render(), answers()}, plus
 * what screens need (passed on to the side lane).
 */
export function makeShell(ctx) {
  let lane = 'main'; // 'main' | 'side'
  let room = null;
  let shown = null;
  const rounds = new Map(); // activity id → round seen

  // --- Tabs: the current activity and the side-lane Q&A.
  const tabMain = h('button', { type: 'button', role: 'tab', id: 'tab-main', 'aria-controls': 'lane-main', class: 'lane-tab' });
  const tabSide = h('button', { type: 'button', role: 'tab', id: 'tab-side', 'aria-controls': 'lane-side', class: 'lane-tab' });
  const tabs = h('div', { class: 'lanes', role: 'tablist', 'aria-label': t('lane.label'), hidden: true }, tabMain, tabSide);
  const pick = (which, focus) => {
    lane = which;
    ctx.render();
    if (focus) (which === 'side' ? tabSide : tabMain).focus();
    ctx.say(which === 'side' ? t('lane.side_now') : t('lane.main_now'));
  };
  tabMain.addEventListener('click', () => pick('main'));
  tabSide.addEventListener('click', () => pick('side'));
  tabs.addEventListener('keydown', (e) => {
    if (['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) {
      e.preventDefault();
      const next = e.key === 'Home' ? 'main' : e.key === 'End' ? 'side' : lane === 'main' ? 'side' : 'main';
      pick(next, true);
    }
  });

  // --- Moving through the deck at one's own pace.
  const prev = h('button', { type: 'button', class: 'btn', 'data-key': 'pace-prev', text: t('pace.prev'), onclick: () => go(-1) });
  const next = h('button', { type: 'button', class: 'btn', 'data-key': 'pace-next', text: t('pace.next'), onclick: () => go(1) });
  const where = h('span', { class: 'pace-where' });
  const pace = h('nav', { class: 'pace', 'aria-label': t('pace.label'), hidden: true }, prev, where, next);

  // --- "Voting closes in 0:42".
  const closes = h('p', { class: 'notice closes', 'data-kind': 'info', hidden: true });
  const said = new Set();
  const showCloses = (now) => {
    const a = shown;
    const left = closesIn(a, now);
    closes.hidden = left == null;
    if (left == null) return;
    setText(closes, left > 0 ? t('closes.in', { time: clockText(left) }) : t('closes.now'));
    // Said when it starts, and again ten seconds before the end.
    const base = `${a.id}:${a.closes_at}`;
    const late = left <= 10_500;
    if (!said.has(base)) {
      said.add(base);
      if (late) said.add(`${base}:ten`);
      if (left > 0) ctx.say(t('closes.in_spoken', { time: spokenTime(left) }));
    } else if (late && left > 0 && !said.has(`${base}:ten`)) {
      said.add(`${base}:ten`);
      ctx.say(t('closes.in_spoken', { time: spokenTime(left) }));
    }
  };
  onTick(closes, showCloses);

  const slot = h('div', { id: 'lane-main', class: 'lane' });
  const sideSlot = h('div', { id: 'lane-side', class: 'lane', hidden: true });
  let side = null; // {id, ui}

  // --- Reactions, available in every state.
  let lastReact = 0;
  const react = async (name, button) => {
    const now = Date.now();
    if (now - lastReact < 300) return;
    lastReact = now;
    button.classList.remove('sent');
    void button.offsetWidth; // restart the animation
    button.classList.add('sent');
    try {
      await ctx.send({ type: 'react', reaction: name });
      ctx.say(t('react.sent', { name: t(`react.${name}`) }));
    } catch (err) {
      ctx.say(errorText(err));
    }
  };
  // The bar sits below the activity, never over it, and folds to one button (remembered on this
  // device); narrow screens and large text start folded.
  const buttons = h(
    'div',
    { class: 'react-buttons', id: 'react-buttons', role: 'group', 'aria-label': t('react.label') },
    REACTIONS.map(([name, emoji]) => {
      const b = h('button', {
        type: 'button',
        class: 'react-btn',
        'data-reaction': name,
        'aria-label': t('react.send', { name: t(`react.${name}`) }),
        title: t(`react.${name}`),
      }, h('span', { 'aria-hidden': 'true', text: emoji }));
      b.addEventListener('click', () => react(name, b));
      return b;
    }),
  );
  const foldKey = 'handsup.reactions';
  const stored = (() => {
    try {
      return localStorage.getItem(foldKey);
    } catch {
      return null;
    }
  })();
  let folded = stored ? stored === 'folded' : matchMedia('(max-width: 20em)').matches;
  const toggle = h('button', { type: 'button', class: 'btn small react-toggle', 'aria-controls': 'react-buttons' });
  const showFold = () => {
    buttons.hidden = folded;
    toggle.setAttribute('aria-expanded', String(!folded));
    toggle.textContent = folded ? t('react.show') : t('react.hide');
    bar.classList.toggle('folded', folded);
  };
  toggle.addEventListener('click', () => {
    folded = !folded;
    try {
      localStorage.setItem(foldKey, folded ? 'folded' : 'open');
    } catch {
      // Private mode: the choice lasts for this page.
    }
    showFold();
    if (!folded) buttons.querySelector('button')?.focus();
  });
  const bar = h('div', { class: 'react-bar' }, buttons, toggle);
  showFold();

  const el = h('div', { class: 'shell' }, tabs, pace, closes, slot, sideSlot, bar);

  function audience() {
    return room && room.pacing === 'audience' && Array.isArray(room.deck);
  }

  function deckIndex() {
    const deck = room.deck;
    const saved = ctx.saved();
    let i = deck.findIndex((a) => a.id === saved.at);
    if (i < 0 && room.activity) i = deck.findIndex((a) => a.id === room.activity.id);
    return deck.length ? Math.max(0, i) : -1;
  }

  function go(delta) {
    if (!audience()) return;
    const i = deckIndex() + delta;
    if (i < 0 || i >= room.deck.length) return;
    ctx.saved().at = room.deck[i].id;
    ctx.save();
    lane = 'main';
    ctx.render();
    ctx.say(t('pace.moved', { i: i + 1, n: room.deck.length, text: titleOf(room.deck[i]) }));
    slot.querySelector('h1')?.focus();
  }

  return {
    el,
    slot,
    /** Whether the side lane is the one showing (the page then leaves focus where it is). */
    onSide: () => lane === 'side',

    /** The activity this phone shows: the facilitator's, or its own place in the deck. */
    pick(view) {
      room = view;
      // A reset starts a new round: earlier answers no longer count (the server sends no `me`).
      const answers = ctx.answers();
      for (const a of [view.activity, view.side, ...(view.deck || [])]) {
        if (!a) continue;
        const round = a.round || 1;
        if (rounds.has(a.id) && rounds.get(a.id) !== round) delete answers[a.id];
        rounds.set(a.id, round);
      }
      if (audience()) {
        const i = deckIndex();
        return i >= 0 ? view.deck[i] : null;
      }
      return view.activity || null;
    },

    /** Where `a` sits for this phone's heading ("3 of 7"), or null. */
    position(a) {
      if (!room || !a) return null;
      if (audience()) {
        const i = room.deck.findIndex((x) => x.id === a.id);
        return i >= 0 ? { index: i, count: room.deck.length } : null;
      }
      return room.activity && room.activity.id === a.id ? room.position : null;
    },

    update(view, a) {
      room = view;
      shown = a;
      // Own pace.
      const own = audience();
      pace.hidden = !own || !view.deck.length;
      if (own && view.deck.length) {
        const i = deckIndex();
        prev.disabled = i <= 0;
        next.disabled = i >= view.deck.length - 1;
        setText(where, t('pace.where', { i: i + 1, n: view.deck.length }));
      }
      // Side lane.
      const s = view.side;
      tabs.hidden = !s;
      if (!s) {
        lane = 'main';
        if (side) {
          side = null;
          put(sideSlot);
        }
      } else {
        if (!side || side.id !== s.id) {
          side = { id: s.id, ui: lazyScreen(s, ctx) };
          put(sideSlot, side.ui.el);
        }
        side.ui.update(s, ctx.answers()[s.id] || null);
        setText(tabMain, a ? t('lane.main') : t('lane.main_lobby'));
        setText(tabSide, t('lane.side', { n: (s.questions || []).length }));
      }
      const onSide = !!s && lane === 'side';
      tabMain.setAttribute('aria-selected', String(!onSide));
      tabSide.setAttribute('aria-selected', String(onSide));
      tabMain.tabIndex = onSide ? -1 : 0;
      tabSide.tabIndex = onSide ? 0 : -1;
      if (s) {
        slot.setAttribute('role', 'tabpanel');
        slot.setAttribute('aria-labelledby', 'tab-main');
        sideSlot.setAttribute('role', 'tabpanel');
        sideSlot.setAttribute('aria-labelledby', 'tab-side');
      } else {
        slot.removeAttribute('role');
        slot.removeAttribute('aria-labelledby');
      }
      slot.hidden = onSide;
      sideSlot.hidden = !onSide;
      pace.hidden = pace.hidden || onSide;
      // The countdown line follows the activity being looked at.
      shown = onSide ? s : a;
      showCloses(clock.now());
    },
  };
}


