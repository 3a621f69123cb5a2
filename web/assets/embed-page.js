// The embed page (/embed/{code}[?activity=ID]), made for iframes on other sites: live results of
// the activity the facilitator pinned for embeds (or the current one), and — when the facilitator
// allows voting from embeds — the poll itself.
//
// It watches on the read-only embed channel (/ws/{code}/embed). A vote goes through an ordinary
// participant connection, opened on the first vote (or at once when this browser has voted here
// before, so its choice shows). It never sees or sends the host key. It tells the parent page its
// height (`{type: 'handsup:resize', height}`) so the loader (embed.js) can size the iframe.

import { h, $, put, store, codeFromPath, formatCode, announcer, sig, keepFocus } from './util.js';
import { initI18n, t, translatePage, errorText, applySessionLanguage } from './i18n.js';
import { Conn, bindStatus } from './conn.js';
import { renderBars, renderCloud, renderWall, pollRows, ideaRows } from './charts.js';

const code = codeFromPath();
const KEY = `handsup:p:${code}`;
const main = $('#main');
const say = announcer($('#live'));
/** `?activity=ID`: show only that activity (the facilitator's pin decides what the server sends). */
const wanted = (() => {
  const v = new URLSearchParams(location.search).get('activity');
  return v != null && /^\d+$/.test(v) ? Number(v) : null;
})();

let view = null; // the embed's PublicView
let screen = null; // {key, el, update(activity)}
let voter = null; // the participant connection, once needed
let answers = {}; // activity id → this visitor's answer
let ended = false;
const saved = store.get(KEY, {}) || {};
const statusEl = h('span', { class: 'conn', 'data-status': 'connecting' });
const showStatus = bindStatus(statusEl);

async function start() {
  await initI18n();
  translatePage();
  document.title = t('embed.page_title');
  reportHeight();
  if (!code) return showEnd('room_not_found');
  const watcher = new Conn(code, {
    channel: 'embed',
    hello: () => ({ type: 'hello', role: 'embed' }),
    onStatus: showStatus,
    onFatal: showEnd,
    onMessage(msg) {
      if (msg.type !== 'state' || ended) return;
      view = msg.view;
      if (view.language) {
        applySessionLanguage(view.language).then((changed) => {
          if (!changed || ended) return;
          translatePage();
          showStatus(watcher.status);
          screen = null;
          render();
        });
      }
      if (view.embed_voting && saved.token && !voter) startVoter();
      render();
    },
  });
  watcher.start();
}

/** Opens the participant connection that carries votes (and brings back earlier answers). */
function startVoter() {
  voter = new Conn(code, {
    hello: () => {
      const msg = { type: 'hello', role: 'participant' };
      if (saved.token) msg.token = saved.token;
      return msg;
    },
    onSession(msg) {
      if (msg.token) {
        saved.token = msg.token;
        store.set(KEY, saved);
      }
    },
    onHelloError(err) {
      if (err.code === 'invalid_token' && saved.token) {
        delete saved.token;
        store.set(KEY, saved);
        return true;
      }
      return false;
    },
    onFatal() {
      voter = null;
    },
    onMessage(msg) {
      if (msg.type !== 'me') return;
      if (msg.full) answers = {};
      for (const [id, answer] of Object.entries(msg.answers || {})) {
        if (answer == null) delete answers[id];
        else answers[id] = answer;
      }
      render();
    },
  });
  voter.start();
  return voter;
}

/** Tells the parent page how tall the content is, whenever that changes. */
function reportHeight() {
  if (window.parent === window) return;
  let last = 0;
  const post = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: 'handsup:resize', height }, '*');
  };
  new ResizeObserver(post).observe(document.body);
  post();
}

function showEnd(reason) {
  ended = true;
  screen = null;
  voter?.stop();
  put(
    main,
    h(
      'section',
      { class: 'embed-idle' },
      h('h1', { text: t(reason === 'room_deleted' ? 'present.ended' : reason === 'room_not_found' ? 'present.not_found' : 'present.disconnected') }),
      h('p', { class: 'muted', text: t('embed.session', { code: formatCode(code || '') }) }),
    ),
  );
}

function render() {
  if (ended || !view) return;
  const current = view.activity || null;
  const a = current && (wanted == null || current.id === wanted) ? current : null;
  const key = a ? `${a.kind}:${a.id}` : current ? 'elsewhere' : 'idle';
  if (!screen || screen.key !== key) {
    screen = a ? activityScreen(a) : idleScreen(key);
    screen.key = key;
    put(main, screen.el);
    if (a) say(t('p.now_showing', { text: a.question || a.prompt || '' }));
  }
  screen.update(a);
}

/** The line at the bottom: connection status, and where to take part. */
function footer(meta) {
  return h(
    'footer',
    { class: 'embed-foot' },
    h('span', { class: 'embed-meta' }, statusEl, meta),
    h('a', { href: `/${code}`, target: '_blank', rel: 'noopener', text: t('embed.join', { code: formatCode(code) }) }),
  );
}

function idleScreen(key) {
  const eyebrow = h('p', { class: 'eyebrow' });
  const el = h(
    'section',
    { class: 'embed-idle', 'aria-labelledby': 'embed-h' },
    eyebrow,
    h('h1', { id: 'embed-h', text: t(key === 'elsewhere' ? 'embed.not_live_title' : 'embed.waiting_title') }),
    h('p', { class: 'muted', text: t(key === 'elsewhere' ? 'embed.not_live_text' : 'embed.waiting_text') }),
    footer(h('span')),
  );
  return {
    el,
    update() {
      eyebrow.textContent = view.title || 'handsup';
      eyebrow.hidden = false;
    },
  };
}

function activityScreen(first) {
  const id = first.id;
  const eyebrow = h('p', { class: 'eyebrow' });
  const heading = h('h1', { class: 'question', id: `q${id}` });
  const voteBox = h('div', { class: 'embed-vote' });
  const note = h('p', { class: 'muted embed-note', hidden: true });
  const results = h('div', { class: 'embed-results' });
  const meta = h('span');
  const el = h('section', { class: 'embed-act', 'aria-labelledby': `q${id}` }, eyebrow, heading, voteBox, note, results, footer(meta));
  let poll = null; // the voting form, while shown
  let mode = '';

  return {
    el,
    update(a) {
      const kind = t(`kind.${a.kind}`);
      eyebrow.textContent = view.title ? `${view.title} · ${kind}` : kind;
      if (heading.textContent !== (a.question || a.prompt || '')) heading.textContent = a.question || a.prompt || '';

      const voting = a.kind === 'poll' && view.embed_voting && a.voting_open;
      if (voting && !poll) {
        poll = pollForm(a);
        put(voteBox, poll.el);
      } else if (!voting && poll) {
        poll = null;
        put(voteBox);
      }
      if (poll) poll.update(a, answers[a.id]);

      let want;
      if (a.kind === 'poll') want = a.results ? 'bars' : voting ? 'none' : 'options';
      else if (a.kind === 'ideas') {
        const ranked = a.phase === 'vote' && (a.ideas || []).some((i) => i.votes != null);
        want = ranked ? 'ranking' : a.ideas ? 'wall' : 'none';
      } else if (a.kind === 'wordcloud') want = a.words ? 'cloud' : 'none';
      else want = 'none';
      if (want !== mode) {
        mode = want;
        results.replaceChildren();
      }
      const mine = answers[a.id]?.options || [];
      if (want === 'bars') renderBars(results, pollRows(a, mine), { total: a.results.voters, unit: 'votes' });
      else if (want === 'options') {
        const s = sig(a.options);
        if (results.dataset.sig !== s) {
          results.dataset.sig = s;
          put(results, h('ul', { class: 'embed-options' }, a.options.map((o) => h('li', { text: o.text }))));
        }
      } else if (want === 'ranking') renderBars(results, ideaRows(a).slice(0, 10), { scale: 'max', unit: 'dots', ranked: true });
      else if (want === 'wall') renderWall(results, a.ideas);
      else if (want === 'cloud') renderCloud(results, a.words, { min: 1, max: 2.8 });
      const empty =
        (want === 'wall' && !a.ideas.some((i) => !i.hidden && i.merged_into == null)) || (want === 'cloud' && !a.words.length);
      note.hidden = !(want === 'none' || want === 'options' || empty);
      note.textContent = empty ? t(a.kind === 'ideas' ? 'present.ideas_empty' : 'present.words_empty') : t('present.results_hidden');

      const parts = [];
      if (a.kind === 'poll') parts.push(t('present.responses', { n: a.responses }));
      else if (a.kind === 'ideas') parts.push(t('present.ideas_count', { n: a.count }));
      else if (a.kind === 'wordcloud') parts.push(t('present.words_count', { n: a.total }));
      if (!a.voting_open) parts.push(t('present.closed'));
      meta.textContent = parts.join(' · ');
    },
  };
}

/** The poll, for visitors to vote in (only while the facilitator allows voting from embeds). */
function pollForm(first) {
  const id = first.id;
  let selected = new Set();
  let dirty = false;
  let optionsSig = '';
  let last = first;
  const hint = h('p', { class: 'hint', id: `hint${id}` });
  const choices = h('div', { class: 'choices', 'aria-labelledby': `q${id}`, 'aria-describedby': `hint${id}` });
  const submit = h('button', { class: 'btn primary', type: 'submit' });
  const feedback = h('p', { class: 'feedback', hidden: true });
  const notice = h('p', { class: 'notice', hidden: true });
  const el = h('form', { class: 'stack', novalidate: true }, hint, choices, notice, submit, feedback);

  const setFeedback = (text, kind = 'ok') => {
    feedback.hidden = !text;
    feedback.textContent = text || '';
    feedback.dataset.kind = kind;
    if (text) say(text);
  };

  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!selected.size) return setFeedback(t('error.no_choice'), 'error');
    const options = [...selected];
    submit.disabled = true;
    try {
      await (voter || startVoter()).send({ type: 'vote', activity: id, options });
      answers[id] = { kind: 'poll', options };
      dirty = false;
      setFeedback(t('p.vote_received'));
    } catch (err) {
      if (err.code === 'already_voted') dirty = false;
      setFeedback(errorText(err), 'error');
    } finally {
      submit.disabled = false;
      update(last, answers[id]);
    }
  });

  function build(a) {
    const type = a.multiple ? 'checkbox' : 'radio';
    choices.setAttribute('role', a.multiple ? 'group' : 'radiogroup');
    put(
      choices,
      a.options.map((o) => {
        const input = h('input', { type, name: `poll${id}`, value: o.id, 'data-key': `o${o.id}` });
        input.addEventListener('change', () => {
          if (a.multiple) {
            if (input.checked) selected.add(o.id);
            else selected.delete(o.id);
          } else selected = new Set([o.id]);
          dirty = true;
          setFeedback('');
          update(last, answers[id]);
        });
        return h(
          'label',
          { class: 'choice', 'data-o': o.id },
          input,
          h('span', { class: 'choice-mark', 'aria-hidden': 'true' }),
          h('span', { class: 'choice-text', text: o.text }),
        );
      }),
    );
  }

  function update(a, answer) {
    last = a;
    const mine = answer?.options || [];
    const voted = mine.length > 0;
    if (!dirty) selected = new Set(mine);
    const live = new Set(a.options.map((o) => o.id));
    for (const o of selected) if (!live.has(o)) selected.delete(o);
    const s = sig([a.options, a.multiple]);
    if (s !== optionsSig) {
      optionsSig = s;
      keepFocus(choices, () => build(a));
    }
    const canVote = !voted || a.allow_change;
    const full = a.multiple && selected.size >= a.max_choices;
    for (const label of choices.children) {
      const input = label.querySelector('input');
      const oid = Number(label.dataset.o);
      input.checked = selected.has(oid);
      input.disabled = !canVote || (full && !selected.has(oid));
      label.classList.toggle('on', selected.has(oid));
    }
    hint.textContent = !a.multiple
      ? t('p.poll_choose_one')
      : a.max_choices >= a.options.length
        ? t('p.poll_choose_any')
        : t('p.poll_choose_up_to', { n: a.max_choices });
    submit.hidden = !canVote || (voted && !dirty);
    submit.textContent = voted ? t('p.change_vote') : t('p.vote');
    submit.disabled = !selected.size;
    notice.hidden = !(voted && !a.allow_change);
    notice.dataset.kind = 'info';
    notice.textContent = t('p.voted_final');
    if (voted && !dirty && feedback.hidden) {
      feedback.hidden = false;
      feedback.dataset.kind = 'ok';
      feedback.textContent = t('p.vote_received');
    }
  }

  return { el, update };
}

start();
