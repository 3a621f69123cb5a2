// Word cloud: participants send one to three words (up to `max_words`); the cloud is normalised
// by the server (case, whitespace) and sized by how often each word came.

import { h, put, sig } from '../util.js';
import { t, errorText } from '../i18n.js';
import { renderCloud } from '../charts.js';
import { MAX_WORD_CHARS, MAX_WORDS_PER_PARTICIPANT, MAX_PROMPT_CHARS } from './limits.js';

// --- Phone -------------------------------------------------------------------------------------

export function phone(first, ctx) {
  const f = ctx.frame(first, t('kind.wordcloud'));
  const id = first.id;
  let formSig = '';
  const drafts = [];
  const formBox = h('div');
  const mineHead = h('h2', { text: t('p.words_yours') });
  const mineList = h('ul', { class: 'chips', role: 'list' });
  const mineBox = h('div', { hidden: true }, mineHead, mineList);
  const cloudHead = h('h2');
  const cloud = h('div', { class: 'cloud-box' });
  const cloudBox = h('div', { class: 'results', hidden: true }, cloudHead, cloud);
  f.el.append(h('div', { class: 'stack' }, formBox, f.feedback, mineBox, cloudBox));

  function buildForm(a, mine) {
    const left = a.max_words - mine.length;
    const inputs = [];
    const fields = Array.from({ length: left }, (_, i) => {
      const n = mine.length + i + 1;
      const input = h('input', {
        id: `w${id}-${i}`,
        type: 'text',
        maxlength: MAX_WORD_CHARS,
        autocomplete: 'off',
        autocapitalize: 'none',
        enterkeyhint: i === left - 1 ? 'send' : 'next',
        'aria-describedby': `wh${id}`,
        value: drafts[i] || '',
      });
      input.addEventListener('input', () => {
        drafts[i] = input.value;
      });
      inputs.push(input);
      return h('div', { class: 'field' }, h('label', { for: input.id, text: a.max_words > 1 ? t('p.word_n', { n }) : t('p.word_one') }), input);
    });
    const send = h('button', { class: 'btn primary big', type: 'submit', text: t('p.words_send') });
    const form = h(
      'form',
      { class: 'stack', novalidate: true },
      h('p', { class: 'hint', id: `wh${id}`, text: t('p.words_hint', { n: left }) }),
      fields,
      send,
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const words = inputs.map((i) => i.value.trim().replace(/\s+/g, ' ')).filter(Boolean);
      if (!words.length) return f.setFeedback(t('error.no_words'), 'error');
      const seen = new Set(mine.map((w) => w.toLowerCase()));
      for (const w of words) {
        if (seen.has(w.toLowerCase())) return f.setFeedback(t('error.duplicate_submission'), 'error');
        seen.add(w.toLowerCase());
      }
      try {
        await ctx.request(send, { type: 'submit_words', activity: id, words });
        drafts.length = 0;
        const now = [...mine, ...words];
        const answer = { kind: 'wordcloud', words: now };
        ctx.setAnswer(id, answer);
        f.setFeedback(t('p.words_received', { n: words.length }));
        formSig = '';
        update(lastView, answer);
      } catch (err) {
        f.setFeedback(errorText(err), 'error');
      }
    });
    put(formBox, form);
  }

  let lastView = first;
  function update(a, answer) {
    lastView = a;
    f.setHead(a, a.prompt);
    const mine = answer?.words || [];
    const left = Math.max(0, a.max_words - mine.length);
    const open = a.voting_open && left > 0;
    const s = sig([open, left]);
    if (s !== formSig) {
      const focusIn = formBox.contains(document.activeElement);
      formSig = s;
      if (open) buildForm(a, mine);
      else put(formBox);
      if (focusIn) (formBox.querySelector('input') || f.heading).focus();
    }
    if (!a.voting_open) f.setNotice(mine.length ? t('p.closed_voted') : t('p.closed'));
    else if (!left) {
      // One thank-you, not two: the notice replaces the last "received".
      if (f.feedback.dataset.kind === 'ok') f.feedback.hidden = true;
      f.setNotice(t('p.words_all_sent'), 'info');
    } else f.setNotice('');
    mineBox.hidden = !mine.length;
    const ms = sig(mine);
    if (mineList.dataset.sig !== ms) {
      mineList.dataset.sig = ms;
      put(mineList, mine.map((w) => h('li', { class: 'chip', text: w })));
    }
    cloudBox.hidden = !a.words;
    if (a.words) {
      cloudHead.textContent = t('p.words_all', { n: a.total });
      renderCloud(cloud, a.words, { min: 1, max: 2.6, mine });
    }
  }
  return { el: f.el, update };
}
/** The cloud is the word cloud's result. */
export const withoutResults = (a) => ({ ...a, words: undefined });

// --- Projected screen ----------------------------------------------------------------------------

/** Renders straight into the screen's body (`ctx.body`), whose `data-mode` says what it shows. */
export function present(first, { body, mode, waitingBox }) {
  return {
    el: null,
    fit: 'content',
    update(a) {
      const want = a.words ? 'cloud' : 'waiting';
      mode(want);
      body.dataset.compact = 'false';
      if (want === 'cloud') {
        renderCloud(body, a.words, { min: 1, max: 5 });
        if (!a.words.length) put(body, h('p', { class: 'waiting', text: t('present.words_empty') }));
      } else put(body, waitingBox(a.total, t('present.words_in', { n: a.total })));
      return [t('present.words_count', { n: a.total }), t('present.people', { n: a.responses })];
    },
  };
}

// --- Embed ---------------------------------------------------------------------------------------

/** The embed's results; returns what its note and meta line say. */
export function embed() {
  let shown = '';
  return {
    update(results, a) {
      const want = a.words ? 'cloud' : 'none';
      if (want !== shown) {
        shown = want;
        results.replaceChildren();
      }
      if (want === 'cloud') renderCloud(results, a.words, { min: 1, max: 2.8 });
      const empty = want === 'cloud' && !a.words.length;
      return {
        note: empty ? t('present.words_empty') : want === 'none' ? t('present.results_hidden') : null,
        meta: [t('present.words_count', { n: a.total })],
      };
    },
  };
}

// --- Console -------------------------------------------------------------------------------------

export function preview(box, a) {
  if (box.dataset.mode !== 'cloud') {
    box.dataset.mode = 'cloud';
    box.replaceChildren();
  }
  renderCloud(box, a.words || [], { min: 0.9, max: 2.8 });
  if (!(a.words || []).length) put(box, h('p', { class: 'muted', text: t('host.no_words') }));
}

export function editor(spec, kit) {
  const p = kit.area('f-prompt', t('host.f_prompt'), spec?.prompt, MAX_PROMPT_CHARS);
  const mw = kit.number('f-words', t('host.f_max_words'), spec?.max_words ?? 3, 1, MAX_WORDS_PER_PARTICIPANT, t('host.f_max_words_hint'));
  return () => {
    const prompt = kit.required(p, 'f-prompt');
    const v = Number(mw.value);
    if (!Number.isInteger(v) || v < 1 || v > MAX_WORDS_PER_PARTICIPANT) kit.error('f-words', t('host.v_range', { min: 1, max: MAX_WORDS_PER_PARTICIPANT }));
    return { kind: 'wordcloud', prompt, max_words: v };
  };
}
