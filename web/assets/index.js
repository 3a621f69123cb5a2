// The landing page: join with a code, create a session, get back to sessions hosted here.

import { h, $, put, api, formatCode, normaliseCode, listSessions, rememberSession, updateSession, forgetSession } from './util.js';
import { initI18n, t, translatePage, errorText, dateTime } from './i18n.js';
import { listTemplates, removeTemplate } from './templates.js';

async function start() {
  await initI18n({ console: true });
  translatePage();
  document.title = t('index.page_title');
  setupJoin();
  setupCreate();
  renderSessions();
  renderTemplates();
  renderOwnTemplates();
}

function showError(el, text) {
  el.textContent = text || '';
  el.hidden = !text;
}

function setupJoin() {
  const form = $('#join-form');
  const input = $('#join-code');
  const error = $('#join-error');
  const prefill = new URLSearchParams(location.search).get('code');
  if (prefill) input.value = formatCode(normaliseCode(prefill));
  input.addEventListener('input', () => {
    // Show the code in two groups of four as it is typed.
    const digits = normaliseCode(input.value).slice(0, 8);
    const pretty = digits.length > 4 ? `${digits.slice(0, 4)} ${digits.slice(4)}` : digits;
    if (pretty !== input.value && /^[\d\s-]*$/.test(input.value)) input.value = pretty;
    showError(error, '');
    input.removeAttribute('aria-invalid');
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const code = normaliseCode(input.value);
    if (code.length !== 8) {
      input.setAttribute('aria-invalid', 'true');
      showError(error, t('index.code_invalid'));
      input.focus();
      return;
    }
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      await api('GET', `/api/rooms/${code}`);
      location.href = `/${code}`;
    } catch (err) {
      button.disabled = false;
      input.setAttribute('aria-invalid', 'true');
      showError(
        error,
        err.code === 'room_not_found' || err.status === 404 ? t('index.code_unknown', { code: formatCode(code) }) : errorText(err),
      );
      input.focus();
    }
  });
}

/** Creates a session from `body` ({template} or {deck}) and opens its console. */
async function createFrom(body, button, fallback = '') {
  const error = $('#template-error');
  const title = $('#template-title').value.trim() || body.title || '';
  button.disabled = true;
  showError(error, '');
  try {
    const room = await api('POST', '/api/rooms', { ...body, ...(title ? { title } : {}) });
    rememberSession({
      code: room.code,
      title: title || fallback,
      host_url: room.host_url,
      present_url: room.present_url,
      join_url: room.join_url,
      expires_at: room.expires_at,
      created_at: Date.now(),
    });
    location.href = room.host_url;
  } catch (err) {
    button.disabled = false;
    showError(error, errorText(err));
  }
}

function templateItem(name, description, count, use, remove) {
  return h(
    'li',
    { class: 'session template' },
    h(
      'div',
      { class: 'session-main' },
      h('strong', { class: 'session-title', text: name }),
      description ? h('span', { class: 'session-meta', text: description }) : null,
      h('span', { class: 'session-meta', text: t('index.template_count', { n: count }) }),
    ),
    h(
      'div',
      { class: 'session-actions' },
      h('button', { class: 'btn small primary', type: 'button', text: t('index.use_template'), 'aria-label': t('index.use_template_label', { name }), onclick: use }),
      remove ? h('button', { class: 'btn small', type: 'button', text: t('index.remove_template'), 'aria-label': t('index.remove_template_label', { name }), onclick: remove }) : null,
    ),
  );
}

async function renderTemplates() {
  const list = $('#template-list');
  put(list, h('li', { class: 'muted', text: t('common.loading') }));
  try {
    const { templates } = await api('GET', '/api/templates');
    put(
      list,
      templates.map((x) => templateItem(x.title, x.description, x.activities, (e) => createFrom({ template: x.id }, e.currentTarget, x.title))),
    );
  } catch (err) {
    put(list, h('li', { class: 'field-error', text: errorText(err) }));
  }
}

function renderOwnTemplates() {
  const own = listTemplates();
  $('#own-templates').hidden = !own.length;
  put(
    $('#own-template-list'),
    own.map((x) =>
      templateItem(
        x.name,
        x.title && x.title !== x.name ? x.title : '',
        x.deck.length,
        (e) => createFrom({ deck: x.deck, title: x.title || x.name }, e.currentTarget),
        () => {
          removeTemplate(x.id);
          renderOwnTemplates();
          $('#own-templates-h').focus?.();
        },
      ),
    ),
  );
}

function setupCreate() {
  const form = $('#create-form');
  const error = $('#create-error');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const title = $('#create-title').value.trim();
    const button = form.querySelector('button');
    button.disabled = true;
    showError(error, '');
    try {
      const room = await api('POST', '/api/rooms', title ? { title } : {});
      rememberSession({
        code: room.code,
        title,
        host_url: room.host_url,
        present_url: room.present_url,
        join_url: room.join_url,
        expires_at: room.expires_at,
        created_at: Date.now(),
      });
      location.href = room.host_url;
    } catch (err) {
      button.disabled = false;
      showError(error, errorText(err));
    }
  });
}

function renderSessions() {
  const sessions = listSessions();
  const box = $('#sessions');
  box.hidden = !sessions.length;
  const list = $('#session-list');
  put(
    list,
    sessions.map((s) => {
      const status = h('span', { class: 'session-status' });
      const li = h(
        'li',
        { class: 'session' },
        h(
          'div',
          { class: 'session-main' },
          h('a', { class: 'session-title', href: s.host_url, text: s.title || t('index.untitled') }),
          h('span', { class: 'session-meta' }, t('index.code_is', { code: formatCode(s.code) }), s.expires_at ? ` · ${t('index.expires', { date: dateTime(s.expires_at) })}` : '', status),
        ),
        h(
          'div',
          { class: 'session-actions' },
          h('a', { class: 'btn small', href: s.host_url, text: t('index.open_host') }),
          h('a', { class: 'btn small', href: `/present/${s.code}`, target: '_blank', rel: 'noopener', text: t('index.open_presenter') }),
          h('button', {
            class: 'btn small',
            type: 'button',
            text: t('index.forget'),
            'aria-label': t('index.forget_label', { title: s.title || formatCode(s.code) }),
            onclick: () => {
              forgetSession(s.code);
              renderSessions();
              $('#sessions-h').focus?.();
            },
          }),
        ),
      );
      check(s, li, status);
      return li;
    }),
  );
}

/** Marks sessions that no longer exist on the server, and refreshes their titles. */
async function check(s, li, status) {
  try {
    const room = await api('GET', `/api/rooms/${s.code}`);
    if (room.title !== undefined && room.title !== s.title) {
      updateSession(s.code, { title: room.title });
      li.querySelector('.session-title').textContent = room.title || t('index.untitled');
    }
  } catch (err) {
    if (err.status === 404) {
      li.classList.add('gone');
      status.textContent = ` · ${t('index.gone')}`;
      for (const a of li.querySelectorAll('a')) a.removeAttribute('href');
    }
  }
}

start();
