// Ideas: participants send short suggestions (collect phase), then spend dot-votes on them (vote
// phase); the facilitator merges duplicates and hides items in between. The screen shows the
// suggestions wall, then the ranking.

import { h, put, sig, keepFocus, keyed, setText } from '../util.js';
import { t, num, errorText } from '../i18n.js';
import { moderationRow } from './common.js';
import { renderBars, renderWall, ideaRows } from '../charts.js';
import { MAX_IDEA_CHARS, MAX_PROMPT_CHARS, MAX_SUBMISSIONS_PER_PARTICIPANT, MAX_DOTS } from './limits.js';

// --- Phone -------------------------------------------------------------------------------------

export function phone(first, ctx) {
  const f = ctx.frame(first, t('kind.ideas'));
  const id = first.id;
  const body = h('div', { class: 'stack' });
  f.el.append(body);
  let phase = null;
  let part = null;
  return {
    el: f.el,
    update(a, answer) {
      f.setHead(a, a.prompt);
      if (a.phase !== phase) {
        phase = a.phase;
        f.setFeedback('');
        part = a.phase === 'vote' ? ideasVote(a, f, id, ctx) : ideasCollect(a, f, id, ctx);
        put(body, part.el);
      }
      part.update(a, answer);
    },
  };
}

function ideasCollect(first, f, id, ctx) {
  const max = MAX_IDEA_CHARS;
  let formSig = '';
  const formBox = h('div');
  const remaining = h('p', { class: 'hint' });
  const mineHead = h('h2', { text: t('p.ideas_yours') });
  const mineList = h('ul', { class: 'mine-list', role: 'list' });
  const mineBox = h('div', { hidden: true }, mineHead, mineList);
  const wallHead = h('h2');
  const wall = h('div');
  const wallBox = h('div', { class: 'results', hidden: true }, wallHead, wall);
  const el = h('div', { class: 'stack' }, formBox, remaining, f.feedback, mineBox, wallBox);
  let draft = '';

  function buildForm(a) {
    const counter = h('span', { class: 'counter', id: `cnt${id}`, 'aria-live': 'off' });
    const area = h('textarea', {
      id: `idea${id}`,
      rows: 3,
      maxlength: max,
      'aria-describedby': `cnt${id}`,
      enterkeyhint: 'send',
    });
    area.value = draft;
    const send = h('button', { class: 'btn primary big', type: 'submit', text: t('p.ideas_send') });
    const count = () => {
      const n = [...area.value].length;
      counter.textContent = t('p.chars', { n, max });
      counter.classList.toggle('warn', n > max - 20);
      draft = area.value;
    };
    area.addEventListener('input', count);
    area.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    count();
    const form = h(
      'form',
      { class: 'stack', novalidate: true },
      h('div', { class: 'label-row' }, h('label', { for: `idea${id}`, text: t('p.ideas_label') }), counter),
      area,
      send,
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = area.value.trim();
      if (!text) return f.setFeedback(t('error.text_empty'), 'error');
      try {
        await ctx.request(send, { type: 'submit_idea', activity: id, text });
        area.value = '';
        draft = '';
        count();
        f.setFeedback(t('p.ideas_received'));
        area.focus();
      } catch (err) {
        f.setFeedback(errorText(err), 'error');
      }
    });
    put(formBox, form);
  }

  return {
    el,
    update(a, answer) {
      const mine = answer?.submitted || [];
      const left = Math.max(0, a.max_per_participant - mine.length);
      const open = a.voting_open && left > 0;
      const s = sig([open]);
      if (s !== formSig) {
        formSig = s;
        if (open) buildForm(a);
        else put(formBox);
      }
      if (!a.voting_open) f.setNotice(t('p.ideas_closed'));
      else if (!left) {
        // One thank-you, not two: the notice replaces the last "received".
        if (f.feedback.dataset.kind === 'ok') f.feedback.hidden = true;
        f.setNotice(t('p.ideas_all_sent'), 'info');
      } else f.setNotice('');
      remaining.hidden = !open;
      remaining.textContent = t('p.ideas_left', { n: left });
      mineBox.hidden = !mine.length;
      const listSig = sig(mine);
      if (mineList.dataset.sig !== listSig) {
        mineList.dataset.sig = listSig;
        put(
          mineList,
          mine.map((i) =>
            h(
              'li',
              {},
              h('span', { text: i.text }),
              i.merged_into != null ? h('span', { class: 'tag', text: t('p.ideas_merged') }) : i.hidden ? h('span', { class: 'tag', text: t('p.ideas_hidden') }) : null,
            ),
          ),
        );
      }
      wallBox.hidden = !a.ideas;
      if (a.ideas) {
        wallHead.textContent = t('p.ideas_all', { n: a.count });
        renderWall(wall, a.ideas, { mine: mine.map((i) => i.id) });
      }
    },
  };
}

function ideasVote(first, f, id, ctx) {
  let dots = new Map(); // idea id → dots, as the phone shows them
  // Every change is sent at once; while one is on its way, the latest ballot waits for it
  // (latest wins), so taps never race. `dirty` until the server has counted what is shown.
  let dirty = false;
  let sending = false;
  let waiting = null;
  let last = first;
  let lastAnswer = null;
  const meter = h('div', { class: 'dots-meter', 'aria-hidden': 'true' });
  const meterText = h('p', { class: 'dots-left' });
  const hint = h('p', { class: 'hint' });
  const list = h('ul', { class: 'vote-list', role: 'list' });
  const empty = h('p', { class: 'muted', hidden: true, text: t('p.ideas_none') });
  const form = h('div', { class: 'stack' }, hint, h('div', { class: 'dots-bar' }, meter, meterText), list, empty, f.feedback);
  const resultsHead = h('h2');
  const results = h('div');
  const resultsBox = h('div', { class: 'results', hidden: true }, resultsHead, results);
  const el = h('div', { class: 'stack' }, form, resultsBox);
  const spent = () => [...dots.values()].reduce((x, y) => x + y, 0);

  const ballot = () => {
    const ideas = [];
    for (const [idea, n] of dots) for (let i = 0; i < n; i++) ideas.push(idea);
    return ideas;
  };

  /** Sends the ballot now, or after the one on its way; says what the server counted. */
  async function send(ideas) {
    waiting = ideas;
    if (sending) return;
    sending = true;
    let counted = null;
    while (waiting) {
      const next = waiting;
      waiting = null;
      try {
        await ctx.request(null, { type: 'dot_vote', activity: id, ideas: next });
        counted = next;
        ctx.setAnswer(id, { ...(ctx.answers()[id] || { kind: 'ideas', submitted: [] }), dots: next });
      } catch (err) {
        // Back to what the server holds; later taps start from there.
        waiting = null;
        counted = null;
        f.setFeedback(errorText(err), 'error');
      }
    }
    sending = false;
    dirty = false;
    const answer = ctx.answers()[id] || lastAnswer;
    if (counted) {
      const text = counted.length ? t('p.dots_counted', { n: counted.length }) : t('p.dots_withdrawn');
      f.setFeedback(text);
      ctx.say(text);
    }
    update(last, answer);
  }

  function change(idea, delta) {
    const n = (dots.get(idea) || 0) + delta;
    if (n < 0 || n > last.max_dots_per_item || (delta > 0 && spent() >= last.dots)) return;
    if (n) dots.set(idea, n);
    else dots.delete(idea);
    dirty = true;
    f.setFeedback(t('p.dots_saving'));
    update(last, lastAnswer);
    send(ballot());
  }

  /** The buttons of one row; handlers read the row's current idea, so rows are never rebuilt. */
  function dotControl(mode, li) {
    if (mode === 'closed') return (li._count = h('span', { class: 'dot-count' }));
    if (mode === 'toggle') {
      li._toggle = h('button', { type: 'button', class: 'btn dot-toggle' });
      li._toggle.addEventListener('click', () => change(li._idea, dots.get(li._idea) ? -1 : 1));
      return li._toggle;
    }
    li._minus = h('button', { type: 'button', class: 'btn', text: '−', onclick: () => change(li._idea, -1) });
    li._n = h('span', { class: 'stepper-n' });
    li._plus = h('button', { type: 'button', class: 'btn', text: '+', onclick: () => change(li._idea, 1) });
    return h('span', { class: 'stepper' }, li._minus, li._n, li._plus);
  }

  function updateDotControl(li, idea, n, left, a) {
    if (li._mode === 'closed') {
      li._count.hidden = !n;
      setText(li._count, t('p.your_dots', { n }));
    } else if (li._mode === 'toggle') {
      const b = li._toggle;
      b.className = n ? 'btn dot-toggle on' : 'btn dot-toggle';
      b.setAttribute('aria-pressed', n ? 'true' : 'false');
      b.setAttribute('aria-label', t(n ? 'p.dot_remove_label' : 'p.dot_give_label', { text: idea.text }));
      b.disabled = !n && !left;
      setText(b, n ? t('p.dot_given') : t('p.dot_give'));
    } else {
      li._minus.setAttribute('aria-label', t('p.dot_minus_label', { text: idea.text }));
      li._minus.disabled = !n;
      li._plus.setAttribute('aria-label', t('p.dot_plus_label', { text: idea.text }));
      li._plus.disabled = !left || n >= a.max_dots_per_item;
      setText(li._n, num(n));
      li._n.setAttribute('aria-label', t('p.your_dots', { n }));
    }
  }

  function update(a, answer) {
    last = a;
    lastAnswer = answer;
    const visible = (a.ideas || []).filter((i) => !i.hidden && i.merged_into == null);
    const ids = new Set(visible.map((i) => i.id));
    if (!dirty) {
      dots = new Map();
      for (const idea of answer?.dots || []) dots.set(idea, (dots.get(idea) || 0) + 1);
    }
    for (const idea of [...dots.keys()]) if (!ids.has(idea)) dots.delete(idea);
    const used = spent();
    const left = Math.max(0, a.dots - used);
    const open = a.voting_open;
    const saved = (answer?.dots || []).length > 0;
    hint.textContent =
      a.max_dots_per_item > 1 ? t('p.dots_hint_multi', { n: a.dots, m: a.max_dots_per_item }) : t('p.dots_hint', { n: a.dots });
    hint.hidden = !open;
    meterText.textContent = t('p.dots_left', { n: left, total: a.dots });
    if (meter.children.length !== a.dots) put(meter, Array.from({ length: a.dots }, () => h('span', { class: 'dot' })));
    [...meter.children].forEach((d, i) => d.classList.toggle('on', i < used));
    form.querySelector('.dots-bar').hidden = !open;
    // The list stays in suggestion order while voting, so nothing moves under a finger.
    const order = open ? [...visible].sort((x, y) => x.id - y.id) : visible;
    const showList = open || !a.results_shown || !visible.some((i) => i.votes != null);
    list.hidden = !showList;
    if (showList) {
      const mode = !open ? 'closed' : a.max_dots_per_item === 1 ? 'toggle' : 'stepper';
      keyed(
        list,
        order,
        (idea) => idea.id,
        (idea) => {
          const li = h('li', { class: 'vote-item' });
          li._text = h('span', { class: 'vote-text' });
          li._tag = h('span', { class: 'tag' });
          li._control = h('span', { class: 'vote-control' });
          li.append(h('span', { class: 'vote-main' }, li._text, li._tag), li._control);
          return li;
        },
        (li, idea) => {
          li._idea = idea.id;
          const n = dots.get(idea.id) || 0;
          li.classList.toggle('on', n > 0);
          setText(li._text, idea.text);
          li._tag.hidden = idea.votes == null;
          if (idea.votes != null) setText(li._tag, t('p.dots_so_far', { n: idea.votes }));
          if (li._mode !== mode) {
            li._mode = mode;
            put(li._control, dotControl(mode, li));
          }
          updateDotControl(li, idea, n, left, a);
        },
      );
    }
    empty.hidden = visible.length > 0;
    if (!open) f.setNotice(saved ? t('p.closed_voted') : t('p.closed'));
    else f.setNotice('');
    if (saved && !dirty && f.feedback.hidden) {
      f.feedback.hidden = false;
      f.feedback.dataset.kind = 'ok';
      f.feedback.textContent = t('p.dots_counted', { n: (answer?.dots || []).length });
    }
    const ranked = !open && a.results_shown && visible.some((i) => i.votes != null);
    resultsBox.hidden = !ranked;
    if (ranked) {
      resultsHead.textContent = t('p.results');
      renderBars(results, ideaRows(a, answer?.dots || []), { scale: 'max', unit: 'dots', ranked: true, closed: !a.voting_open });
    }
  }

  return { el, update };
}
/** In the vote phase a phone has answered once it has placed a dot. */
export const answered = (answer, a) => (a.phase === 'vote' ? (answer?.dots || []).length > 0 : !!answer);

/** The suggestions without their dots (the wall itself is not a result). */
export const withoutResults = (a) => ({ ...a, ideas: a.ideas?.map(({ votes, ...idea }) => idea) });

// --- Projected screen ----------------------------------------------------------------------------

/** Whether the dots have been counted (vote phase, results shown). */
const ranked = (a) => a.phase === 'vote' && (a.ideas || []).some((i) => i.votes != null);

/** Renders straight into the screen's body (`ctx.body`), whose `data-mode` says what it shows. */
export function present(first, { body, mode, waitingBox }) {
  return {
    el: null,
    fit: 'content',
    update(a) {
      const want = ranked(a) ? 'ranking' : a.ideas ? 'wall' : 'waiting';
      mode(want);
      body.dataset.compact = String(want === 'ranking' && ideaRows(a).length > 8);
      if (want === 'ranking') renderBars(body, ideaRows(a).slice(0, 10), { scale: 'max', unit: 'dots', ranked: true, closed: !a.voting_open });
      else if (want === 'wall') {
        renderWall(body, a.ideas);
        if (!a.ideas.length) put(body, h('p', { class: 'waiting', text: t('present.ideas_empty') }));
      } else put(body, waitingBox(a.count, t('present.ideas_in', { n: a.count })));
      return [
        t('present.ideas_count', { n: a.count }),
        a.phase === 'vote' ? t('present.voters', { n: a.responses }) : null,
        a.voting_open ? t(a.phase === 'vote' ? 'present.phase_vote' : 'present.phase_collect') : null,
      ];
    },
  };
}

// --- Embed ---------------------------------------------------------------------------------------

/** The embed's results; returns what its note and meta line say. */
export function embed() {
  let shown = '';
  return {
    update(results, a) {
      const want = ranked(a) ? 'ranking' : a.ideas ? 'wall' : 'none';
      if (want !== shown) {
        shown = want;
        results.replaceChildren();
      }
      if (want === 'ranking') renderBars(results, ideaRows(a).slice(0, 10), { scale: 'max', unit: 'dots', ranked: true, closed: !a.voting_open });
      else if (want === 'wall') renderWall(results, a.ideas);
      const empty = want === 'wall' && !a.ideas.some((i) => !i.hidden && i.merged_into == null);
      return {
        note: empty ? t('present.ideas_empty') : want === 'none' ? t('present.results_hidden') : null,
        meta: [t('present.ideas_count', { n: a.count })],
      };
    },
  };
}

// --- Console -------------------------------------------------------------------------------------

export function preview(box, a) {
  const mode = a.phase === 'vote' ? 'ranking' : 'wall';
  if (box.dataset.mode !== mode) {
    box.dataset.mode = mode;
    box.replaceChildren();
  }
  if (mode === 'ranking') {
    renderBars(box, ideaRows(a), { scale: 'max', unit: 'dots', ranked: true, closed: !a.voting_open });
    if (!ideaRows(a).length) put(box, h('p', { class: 'muted', text: t('host.no_ideas') }));
  } else {
    renderWall(box, a.ideas || []);
    if (!(a.ideas || []).some((i) => !i.hidden && i.merged_into == null)) put(box, h('p', { class: 'muted', text: t('host.no_ideas') }));
  }
}

/** The phase, after the deck row's "responses · closed · hidden". */
export function deckMeta(a) {
  return [t(a.phase === 'vote' ? 'host.phase_vote_short' : 'host.phase_collect_short')];
}

/**
 * Merge duplicates (pick one, then the one it goes into) and hide or bring back suggestions. The
 * idea picked first is kept on `box` (`_from`), which lives as long as the detail panel.
 */
export function moderation(box, a, hctx) {
  box._a = a;
  const again = () => moderation(box, box._a, hctx);
  const ideas = [...(a.ideas || [])].sort((x, y) => x.id - y.id);
  if (box._from != null && !ideas.some((i) => i.id === box._from && i.merged_into == null)) box._from = null;
  const byId = new Map(ideas.map((i) => [i.id, i]));
  const from = box._from != null ? byId.get(box._from) : null;
  const mergeable = ideas.filter((x) => x.merged_into == null).length >= 2;
  if (box._activity !== a.id) {
    box._activity = a.id;
    box._head = h('h3');
    box._banner = h('p', { class: 'merge-banner', role: 'status', hidden: true });
    box._list = h('ul', { class: 'mod-list', role: 'list' });
    box._empty = h('p', { class: 'muted', text: t('host.no_ideas') });
    put(box, box._head, h('p', { class: 'hint', text: t('host.moderate_hint') }), box._banner, box._list, box._empty);
  }
  setText(box._head, t('host.moderate', { n: ideas.filter((i) => i.merged_into == null && !i.hidden).length }));
  const bannerSig = from ? `${from.id}:${from.text}` : '';
  if (box._bannerSig !== bannerSig) {
    box._bannerSig = bannerSig;
    box._banner.hidden = !from;
    if (from) {
      keepFocus(box._banner, () =>
        put(
          box._banner,
          t('host.merge_pick', { text: from.text }),
          ' ',
          h('button', {
            class: 'btn small',
            type: 'button',
            'data-key': 'merge-cancel',
            text: t('common.cancel'),
            onclick: () => {
              box._from = null;
              again();
              box._list.querySelector('button')?.focus();
            },
          }),
        ),
      );
    }
  }
  box._empty.hidden = ideas.length > 0;
  const actions = (i, mode) => {
    if (mode === 'into')
      return h('button', {
        class: 'btn small primary',
        type: 'button',
        'data-key': `into-${i.id}`,
        text: t('host.merge_into_this'),
        'aria-label': t('host.merge_into_label', { from: from.text, into: i.text }),
        onclick: async (e) => {
          if (await hctx.cmd({ type: 'merge_ideas', activity: a.id, from: from.id, into: i.id }, e.currentTarget)) {
            box._from = null;
            hctx.flash(t('host.merged'));
          }
        },
      });
    if (mode === 'merged')
      return h('button', {
        class: 'btn small',
        type: 'button',
        'data-key': `unmerge-${i.id}`,
        text: t('host.unmerge'),
        'aria-label': t('host.unmerge_label', { text: i.text }),
        onclick: async (e) => {
          if (await hctx.cmd({ type: 'unmerge_idea', activity: a.id, idea: i.id }, e.currentTarget)) hctx.flash(t('host.unmerged'));
        },
      });
    if (mode !== 'normal') return null;
    return [
      h('button', {
        class: 'btn small',
        type: 'button',
        'data-key': `hide-${i.id}`,
        text: i.hidden ? t('host.unhide') : t('host.hide'),
        'aria-label': t(i.hidden ? 'host.unhide_label' : 'host.hide_label', { text: i.text }),
        onclick: (e) => hctx.cmd({ type: 'hide_idea', activity: a.id, idea: i.id, hidden: !i.hidden }, e.currentTarget),
      }),
      h('button', {
        class: 'btn small',
        type: 'button',
        'data-key': `merge-${i.id}`,
        text: t('host.merge'),
        'aria-label': t('host.merge_label', { text: i.text }),
        disabled: !mergeable,
        onclick: () => {
          box._from = i.id;
          again();
          box.querySelector('[data-key="merge-cancel"]')?.focus();
        },
      }),
    ];
  };
  keyed(
    box._list,
    ideas,
    (i) => i.id,
    moderationRow,
    (li, i) => {
      const merged = i.merged_into != null;
      li.className = `mod-item${i.hidden ? ' is-hidden' : ''}${merged ? ' is-merged' : ''}${from && from.id === i.id ? ' picked' : ''}`;
      setText(li._text, i.text);
      const meta = [];
      if (i.votes != null) meta.push(t('chart.dots', { n: i.votes }));
      if (i.authors > 1) meta.push(t('host.authors', { n: i.authors }));
      if (merged) meta.push(t('host.merged_into', { text: byId.get(i.merged_into)?.text || `#${i.merged_into}` }));
      if (i.hidden) meta.push(t('host.hidden_tag'));
      setText(li._meta, meta.join(' · '));
      li._meta.hidden = !meta.length;
      const mode = merged ? (from ? 'none' : 'merged') : from ? (from.id === i.id ? 'none' : 'into') : 'normal';
      const actionsSig = `${mode}|${i.hidden}|${mergeable}|${i.text}|${from ? `${from.id}:${from.text}` : ''}`;
      if (li._sig === actionsSig) return;
      li._sig = actionsSig;
      keepFocus(li._actions, () => put(li._actions, actions(i, mode)));
    },
  );
}

export function editor(spec, kit) {
  const p = kit.area('f-prompt', t('host.f_prompt'), spec?.prompt, MAX_PROMPT_CHARS);
  const per = kit.number('f-per', t('host.f_per_participant'), spec?.max_per_participant ?? 3, 1, MAX_SUBMISSIONS_PER_PARTICIPANT, t('host.f_per_participant_hint'));
  const dots = kit.number('f-dots', t('host.f_dots'), spec?.dots ?? 3, 1, MAX_DOTS, t('host.f_dots_hint'));
  const perItem = kit.number('f-per-item', t('host.f_dots_per_item'), spec?.max_dots_per_item ?? 1, 1, MAX_DOTS, t('host.f_dots_per_item_hint'));
  return () => {
    const prompt = kit.required(p, 'f-prompt');
    const check = (input, id, min, max) => {
      const v = Number(input.value);
      if (!Number.isInteger(v) || v < min || v > max) kit.error(id, t('host.v_range', { min, max }));
      return v;
    };
    const d = check(dots, 'f-dots', 1, MAX_DOTS);
    return {
      kind: 'ideas',
      prompt,
      max_per_participant: check(per, 'f-per', 1, MAX_SUBMISSIONS_PER_PARTICIPANT),
      dots: d,
      max_dots_per_item: check(perItem, 'f-per-item', 1, Math.max(1, Math.min(MAX_DOTS, d || 1))),
    };
  };
}
