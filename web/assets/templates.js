// The facilitator's own templates, kept in this browser: decks saved from a session's console
// ("Save as template", from GET /api/rooms/{code}/deck.json), started again from the landing page.

import { store } from './util.js';

const KEY = 'handsup:templates';

/** Saved templates, newest first: [{id, name, title, deck, saved_at}]. */
export function listTemplates() {
  const list = store.get(KEY, []);
  return Array.isArray(list) ? list.filter((x) => x && typeof x.name === 'string' && Array.isArray(x.deck)) : [];
}

/** Saves a deck under `name` (replacing a template of the same name). Returns false when storage refused. */
export function saveTemplate(name, title, deck) {
  const list = listTemplates().filter((x) => x.name !== name);
  list.unshift({ id: `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`, name, title, deck, saved_at: Date.now() });
  store.set(KEY, list.slice(0, 50));
  return listTemplates().some((x) => x.name === name);
}

export function removeTemplate(id) {
  store.set(
    KEY,
    listTemplates().filter((x) => x.id !== id),
  );
}
