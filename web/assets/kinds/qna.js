// Q&A: ask (named or anonymous, as allowed), upvote others' questions, see one's own questions
// waiting for approval. The screen lists questions (pinned first, answered last); the host
// approves, hides, pins and marks answered, sorts, and can keep a Q&A open as a side lane.

import { h, put, setText, keyed, keepFocus } from '../util.js';
import { t, num, errorText } from '../i18n.js';
import { moderationRow } from './common.js';
import { MAX_QUESTION_CHARS, MAX_PROMPT_CHARS } from './limits.js';

const MAX = MAX_QUESTION_CHARS;

function qnaError(err) {
  if (err?.code === 'too_many_submissions') return t('qna.too_many');
  if (err?.code === 'duplicate_submission') return t('qna.duplicate');
  return errorText(err);
}

// ---------------------------------------------------------------------------------------------
// Phone

export function phone(first, ctx) {
  const f = ctx.frame(first, t('kind.qna'));
  const id = first.id;
  let last = first;
  let lastAnswer = null;
  let draft = '';
  const inFlight = new Map(); // question id → up, while an upvote is on its way
  let lastSync = 0;
  let syncSig = '';

  // --- Asking.
  const counter = h('span', { class: 'counter', id: `qc${id}` });
  const area = h('textarea', { id: `qa${id}`, rows: 3, maxlength: MAX, 'aria-describedby': `qc${id} qh${id}`, enterkeyhint: 'send' });
  const anon = h('input', { id: `qn${id}`, type: 'checkbox', 'data-key': `anon${id}` });
  const anonBox = h('div', { class: 'check' }, anon, h('label', { for: anon.id, text: t('qna.anonymous') }));
  const who = h('p', { class: 'hint', id: `qh${id}` });
  const send = h('button', { class: 'btn primary big', type: 'submit', text: t('qna.send') });
  const count = () => {
    const n = [...area.value].length;
    counter.textContent = t('p.chars', { n, max: MAX });
    counter.classList.toggle('warn', n > MAX - 20);
    draft = area.value;
  };
  area.addEventListener('input', count);
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  anon.addEventListener('change', () => describeWho());
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    h('div', { class: 'label-row' }, h('label', { for: area.id, text: t('qna.label') }), counter),
    area,
    anonBox,
    who,
    send,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = area.value.trim();
    if (!text) return f.setFeedback(t('error.text_empty'), 'error');
    try {
      await ctx.request(send, { type: 'ask', activity: id, text, anonymous: !!(last.allow_anonymous && anon.checked) });
      area.value = '';
      count();
      f.setFeedback(last.require_approval ? t('qna.sent_pending') : t('qna.sent'));
      area.focus();
    } catch (err) {
      f.setFeedback(qnaError(err), 'error');
    }
  });
  count();

  function describeWho() {
    const name = ctx.name();
    who.textContent = last.allow_anonymous && anon.checked ? t('qna.as_anonymous') : name ? t('qna.as_name', { name }) : t('qna.as_nameless');
  }

  // --- Own questions not (yet) shown.
  const mineHead = h('h2', { text: t('qna.yours_waiting') });
  const mineList = h('ul', { class: 'mine-list', role: 'list' });
  const mineBox = h('div', { hidden: true }, mineHead, mineList);

  // --- Everyone's questions.
  const listHead = h('h2');
  const list = h('ul', { class: 'qna-list', role: 'list' });
  const empty = h('p', { class: 'muted', text: t('qna.none_yet') });
  const formBox = h('div', {}, form);
  f.el.append(h('div', { class: 'stack' }, formBox, f.feedback, mineBox, h('div', { class: 'qna-box' }, listHead, list, empty)));

  /** The questions this phone has upvoted: the server's word, with what is on its way. */
  function pressedSet() {
    const set = new Set(lastAnswer?.upvoted || []);
    for (const [q, up] of inFlight) up ? set.add(q) : set.delete(q);
    return set;
  }

  async function toggle(q) {
    if (inFlight.has(q.id)) return;
    const up = !pressedSet().has(q.id);
    inFlight.set(q.id, up);
    refreshList();
    const settle = () => {
      const upvoted = new Set(lastAnswer?.upvoted || []);
      if (up) upvoted.add(q.id);
      else upvoted.delete(q.id);
      lastAnswer = { kind: 'qna', asked: [], ...lastAnswer, upvoted: [...upvoted] };
      ctx.setAnswer(id, lastAnswer);
    };
    try {
      await ctx.send({ type: 'upvote', activity: id, question: q.id, up });
      settle();
      ctx.say(up ? t('qna.upvoted', { text: q.text }) : t('qna.unvoted', { text: q.text }));
    } catch (err) {
      // Another tab of this phone got there first: the server already holds what was asked.
      if (err?.code === (up ? 'already_voted' : 'not_voted')) settle();
      else f.setFeedback(errorText(err), 'error');
    } finally {
      inFlight.delete(q.id);
      refreshList();
    }
  }

  function refreshList() {
    const a = last;
    const mineIds = new Set((lastAnswer?.asked || []).map((q) => q.id));
    const pressed = pressedSet();
    keyed(
      list,
      a.questions,
      (q) => q.id,
      (q) => {
        const li = h('li', { class: 'qna-item' });
        li._vote = h('button', { type: 'button', class: 'btn upvote', 'data-key': `up${id}-${q.id}` });
        li._voteN = h('span', { class: 'upvote-n' });
        li._voteSr = h('span', { class: 'sr-only' });
        li._vote.append(h('span', { class: 'upvote-mark', 'aria-hidden': 'true', text: '▲' }), li._voteN, li._voteSr);
        li._vote.addEventListener('click', () => toggle(li._q));
        li._text = h('p', { class: 'qna-text' });
        li._meta = h('p', { class: 'qna-meta' });
        li.append(li._vote, h('div', { class: 'qna-main' }, li._text, li._meta));
        return li;
      },
      (li, q) => {
        li._q = q;
        const on = pressed.has(q.id);
        li.className = `qna-item${q.pinned ? ' pinned' : ''}${q.answered ? ' answered' : ''}${mineIds.has(q.id) ? ' mine' : ''}`;
        setText(li._text, q.text);
        const meta = [q.name || t('qna.anonymous_name')];
        if (q.pinned) meta.push(t('qna.pinned'));
        if (q.answered) meta.push(t('qna.answered'));
        if (mineIds.has(q.id)) meta.push(t('qna.you_asked'));
        setText(li._meta, meta.join(' · '));
        setText(li._voteN, num(q.votes));
        li._vote.classList.toggle('on', on);
        li._vote.setAttribute('aria-pressed', String(on));
        setText(li._voteSr, t('qna.upvote_sr', { text: q.text, n: q.votes }));
        li._vote.disabled = !a.voting_open;
      },
    );
    empty.hidden = a.questions.length > 0;
    setText(listHead, t('qna.list_head', { n: a.questions.length }));
  }

  function update(a, answer) {
    last = a;
    lastAnswer = answer;
    f.setHead(a, a.prompt);
    anonBox.hidden = !a.allow_anonymous;
    if (!a.allow_anonymous) anon.checked = false;
    describeWho();
    formBox.hidden = !a.voting_open;
    if (!a.voting_open) f.setNotice(t('qna.closed'));
    else f.setNotice(a.require_approval ? t('qna.approval_note') : '', 'info');
    // Own questions that are not on the list: waiting for approval, or hidden.
    const visible = new Set(a.questions.map((q) => q.id));
    const waiting = (answer?.asked || []).filter((q) => !visible.has(q.id) && q.status !== 'visible');
    mineBox.hidden = !waiting.length;
    const ws = JSON.stringify(waiting.map((q) => [q.id, q.status]));
    if (mineList.dataset.sig !== ws) {
      mineList.dataset.sig = ws;
      put(
        mineList,
        waiting.map((q) =>
          h('li', {}, h('span', { text: q.text }), ' ', h('span', { class: 'tag', text: q.status === 'hidden' ? t('qna.not_shown') : t('qna.waiting') })),
        ),
      );
    }
    // The server says nothing when the host approves: ask again now and then while waiting.
    const pending = waiting.filter((q) => q.status === 'pending');
    const s = JSON.stringify([a.questions.length, pending.length]);
    if (pending.length && s !== syncSig && Date.now() - lastSync > 3000) {
      syncSig = s;
      lastSync = Date.now();
      ctx.send({ type: 'sync' }).catch(() => {});
    }
    refreshList();
  }

  return {
    el: f.el,
    update(a, answer) {
      update(a, answer || null);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Screen

const SCREEN_MAX = 12;

export function present(first) {
  const list = h('ol', { class: 'qna-screen', role: 'list' });
  const waiting = h('p', { class: 'waiting' });
  const el = h('div', { class: 'qna-stage' }, list, waiting);
  return {
    el,
    update(a) {
      const shown = a.questions.slice(0, SCREEN_MAX);
      keyed(
        list,
        shown,
        (q) => q.id,
        () => {
          const li = h('li', { class: 'qna-card' });
          li._votes = h('span', { class: 'qna-votes' });
          li._text = h('p', { class: 'qna-text' });
          li._meta = h('p', { class: 'qna-meta' });
          li.append(li._votes, h('div', { class: 'qna-main' }, li._text, li._meta));
          return li;
        },
        (li, q) => {
          li.className = `qna-card${q.pinned ? ' pinned' : ''}${q.answered ? ' answered' : ''}`;
          setText(li._votes, num(q.votes));
          li._votes.setAttribute('aria-label', t('qna.votes', { n: q.votes }));
          setText(li._text, q.text);
          const meta = [q.name || t('qna.anonymous_name')];
          if (q.pinned) meta.unshift(t('qna.pinned'));
          if (q.answered) meta.unshift(t('qna.answered_mark'));
          setText(li._meta, meta.join(' · '));
        },
      );
      waiting.hidden = a.questions.length > 0;
      setText(waiting, a.require_approval ? t('qna.screen_empty_approval') : t('qna.screen_empty'));
      const parts = [t('qna.count', { n: a.questions.length })];
      if (a.questions.length > SCREEN_MAX) parts.push(t('qna.screen_more', { n: a.questions.length - SCREEN_MAX }));
      parts.push(t(a.sort === 'newest' ? 'qna.sorted_newest' : 'qna.sorted_votes'));
      return parts;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Host

/** The preview: what the audience sees. */
export function preview(box, a) {
  const visible = a.questions.filter((q) => !q.status || q.status === 'visible');
  if (!box._list) {
    box._list = h('ol', { class: 'qna-preview', role: 'list' });
    box._empty = h('p', { class: 'muted', text: t('qna.none_yet') });
    box.replaceChildren(box._list, box._empty);
  }
  keyed(
    box._list,
    visible,
    (q) => q.id,
    () => h('li', { class: 'qna-row' }, h('span', { class: 'qna-votes' }), h('span', { class: 'qna-text' }), h('span', { class: 'qna-meta' })),
    (li, q) => {
      li.className = `qna-row${q.pinned ? ' pinned' : ''}${q.answered ? ' answered' : ''}`;
      setText(li.children[0], num(q.votes));
      li.children[0].setAttribute('aria-label', t('qna.votes', { n: q.votes }));
      setText(li.children[1], q.text);
      const meta = [q.name || t('qna.anonymous_name')];
      if (q.pinned) meta.push(t('qna.pinned'));
      if (q.answered) meta.push(t('qna.answered'));
      setText(li.children[2], meta.join(' · '));
    },
  );
  box._empty.hidden = visible.length > 0;
}

export function stats(a) {
  const pending = a.questions.filter((q) => q.status === 'pending').length;
  const shown = a.questions.filter((q) => q.status === 'visible').length;
  return t('qna.host_stats', { n: shown, pending, people: a.responses });
}

/** The side lane switch and the sort order. */
export function controls(box, a, view, hctx) {
  if (box._id !== a.id) {
    box._id = a.id;
    const side = h('input', { id: `side-${a.id}`, type: 'checkbox', 'data-key': 'side-lane' });
    side.addEventListener('change', async () => {
      const on = side.checked;
      const msg = on ? { type: 'set_side_qna', activity: a.id } : { type: 'set_side_qna' };
      if (await hctx.cmd(msg)) hctx.say(t(on ? 'qna.side_on' : 'qna.side_off'));
      else side.checked = !on;
    });
    const sort = h(
      'select',
      { id: `sort-${a.id}`, 'data-key': 'qna-sort' },
      h('option', { value: 'votes', text: t('qna.sort_votes') }),
      h('option', { value: 'newest', text: t('qna.sort_newest') }),
    );
    sort.addEventListener('change', async () => {
      const spec = { ...box._a.spec, kind: 'qna', sort: sort.value };
      if (await hctx.cmd({ type: 'edit_activity', activity: a.id, spec })) hctx.say(t('qna.sort_saved'));
    });
    box._side = side;
    box._sort = sort;
    put(
      box,
      h('div', { class: 'check' }, side, h('label', { for: side.id, text: t('qna.side_lane') })),
      h('p', { class: 'hint', text: t('qna.side_lane_hint') }),
      h('div', { class: 'field inline-field' }, h('label', { for: sort.id, text: t('qna.sort_label') }), sort),
    );
  }
  box._a = a;
  if (document.activeElement !== box._side) box._side.checked = view.side_qna === a.id;
  if (document.activeElement !== box._sort) box._sort.value = a.sort;
}

/** Approve or hide what waits; pin, mark answered or hide what is shown; bring hidden back. */
export function moderation(box, a, hctx) {
  if (box._qna !== a.id) {
    box._qna = a.id;
    box._head = h('h3');
    box._groups = {};
    const group = (key, title) => {
      const list = h('ul', { class: 'mod-list', role: 'list' });
      const head = h('h4', { text: title });
      const el = h('section', { class: `mod-group mod-${key}` }, head, list);
      box._groups[key] = { el, list, head, title };
      return el;
    };
    box._empty = h('p', { class: 'muted', text: t('qna.none_yet') });
    put(box, box._head, group('pending', t('qna.mod_pending')), group('visible', t('qna.mod_visible')), group('hidden', t('qna.mod_hidden')), box._empty);
  }
  const by = { pending: [], visible: [], hidden: [] };
  for (const q of a.questions) (by[q.status] || by.visible).push(q);
  setText(box._head, t('qna.moderate', { n: by.pending.length }));
  box._empty.hidden = a.questions.length > 0;
  for (const [key, items] of Object.entries(by)) {
    const g = box._groups[key];
    g.el.hidden = !items.length;
    setText(g.head, `${g.title} (${num(items.length)})`);
    keyed(
      g.list,
      items,
      (q) => q.id,
      moderationRow,
      (li, q) => {
        li.classList.toggle('pinned', !!q.pinned);
        li.classList.toggle('answered', !!q.answered);
        setText(li._text, q.text);
        const meta = [q.name || t('qna.anonymous_name'), t('qna.votes', { n: q.votes })];
        if (q.pinned) meta.push(t('qna.pinned'));
        if (q.answered) meta.push(t('qna.answered'));
        setText(li._meta, meta.join(' · '));
        const s = `${key}|${q.pinned}|${q.answered}|${q.text}`;
        if (li._sig === s) return;
        li._sig = s;
        const act = (action, label, aria, cls = 'btn small') =>
          h('button', {
            class: cls,
            type: 'button',
            'data-key': `${action}-${q.id}`,
            text: label,
            'aria-label': t(aria, { text: q.text }),
            onclick: async (e) => {
              if (await hctx.cmd({ type: 'moderate', activity: a.id, question: q.id, action }, e.currentTarget)) hctx.say(t(`qna.did_${action}`));
            },
          });
        keepFocus(li._actions, () =>
          put(
            li._actions,
            key === 'pending'
              ? [act('approve', t('qna.approve'), 'qna.approve_label', 'btn small primary'), act('hide', t('host.hide'), 'host.hide_label')]
              : key === 'hidden'
                ? [act('unhide', t('host.unhide'), 'host.unhide_label')]
                : [
                    q.pinned ? act('unpin', t('qna.unpin'), 'qna.unpin_label') : act('pin', t('qna.pin'), 'qna.pin_label'),
                    q.answered ? act('unanswered', t('qna.unanswer'), 'qna.unanswer_label') : act('answered', t('qna.mark_answered'), 'qna.answered_label'),
                    act('hide', t('host.hide'), 'host.hide_label'),
                  ],
          ),
        );
      },
    );
  }
}

// --- Editor ------------------------------------------------------------------------------------

export function editor(spec, kit) {
  const prompt = kit.area('f-prompt', t('host.f_prompt'), spec?.prompt ?? t('qna.f_prompt_default'), MAX_PROMPT_CHARS);
  const anon = kit.check('f-anon', t('qna.f_allow_anonymous'), spec ? spec.allow_anonymous !== false : true);
  const approval = kit.check('f-approval', t('qna.f_require_approval'), !!spec?.require_approval, t('qna.f_require_approval_hint'));
  const sort = kit.select('f-sort', t('qna.sort_label'), [
    ['votes', t('qna.sort_votes')],
    ['newest', t('qna.sort_newest')],
  ], spec?.sort || 'votes');
  return () => ({
    kind: 'qna',
    prompt: kit.required(prompt, 'f-prompt'),
    allow_anonymous: anon.checked,
    require_approval: approval.checked,
    sort: sort.value,
  });
}
