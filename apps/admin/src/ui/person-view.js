// The person view: find a person by name, e-mail or phone; see why they look as they do
// (explain) and what happened to them (history), and undo one admin decision from there.
// Opened as #person (search) or #person=<canonical id>; every conflict card links here.
import { api, query } from './api.js';
import { cellText, historyTable } from './person-history.js';

/** A link to a person's view (conflict cards use it). */
export function personLink(canonicalId, ui) {
  if (!canonicalId) return null;
  return ui.h(
    'a',
    { href: `#person=${canonicalId}`, class: 'person-link', 'data-testid': 'person-link' },
    'person ',
    ui.h('code', {}, ui.short(canonicalId)),
  );
}

/** Renders the view into `root`; `id` (from the URL) opens that person at once. */
export async function loadPersonView(root, ui, id) {
  const { h } = ui;
  const input = h('input', {
    name: 'q',
    type: 'search',
    placeholder: 'a name, an e-mail or a phone',
    'data-testid': 'person-search-input',
    required: true,
    minlength: 2,
  });
  const hits = h('ul', { class: 'person-hits', 'data-testid': 'person-hits' });
  const detail = h('div', { class: 'person-detail', 'data-testid': 'person-detail' });
  const search = async (e) => {
    e.preventDefault();
    const q = input.value.trim();
    const r = await api('GET', `/people/search${query({ q, limit: 20 })}`).catch((err) => {
      ui.toast(err.message, 'error');
      return null;
    });
    if (!r) return;
    hits.replaceChildren(
      ...(r.items.length
        ? r.items.map((p) =>
            h(
              'li',
              { 'data-testid': 'person-hit', 'data-canonical-id': p.canonicalId },
              h('a', { href: `#person=${p.canonicalId}` }, p.displayName ?? '(no name)'),
              ' ',
              h('small', {}, [...p.emails, ...p.phones].join(' · ')),
              ' ',
              h('small', { class: 'hint' }, `in ${p.connections.join(', ') || 'no provider'}`),
            ),
          )
        : [h('li', { class: 'hint', 'data-testid': 'person-none' }, `Nobody matches "${q}".`)]),
    );
  };
  root.replaceChildren(
    h(
      'form',
      { class: 'filters', 'data-testid': 'person-search', onsubmit: search },
      h('label', {}, 'Find a person ', input),
      h('button', { type: 'submit', 'data-testid': 'person-search-submit' }, 'Search'),
    ),
    hits,
    detail,
  );
  if (id) await showPerson(detail, ui, id);
}

async function showPerson(root, ui, id) {
  const { h } = ui;
  root.replaceChildren(h('p', { class: 'hint' }, 'Loading…'));
  const [x, hist] = await Promise.all([
    api('GET', `/people/${encodeURIComponent(id)}/explain`),
    api('GET', `/people/${encodeURIComponent(id)}/history${query({ limit: 200 })}`),
  ]);
  const c = x.canonical ?? {};
  const name = c.displayName ?? ([c.givenName, c.familyName].filter(Boolean).join(' ') || '(no name)');
  const parts = [
    h(
      'header',
      { class: 'person-head' },
      h('h3', { 'data-testid': 'person-name' }, name),
      h('code', { 'data-testid': 'person-id' }, x.canonicalId),
      x.deleted ? h('span', { class: 'status dismissed' }, 'deleted') : null,
    ),
    h('h4', {}, 'Canonical record'),
    canonicalTable(c, ui),
    h('h4', {}, 'Why each provider looks as it does'),
    ...x.records.map((r) => recordBlock(r, ui)),
    x.ops.length ? h('h4', {}, 'Unfinished writes') : null,
    x.ops.length
      ? h(
          'ul',
          { 'data-testid': 'person-ops' },
          x.ops.map((o) =>
            h(
              'li',
              { 'data-testid': 'person-op', 'data-status': o.status },
              `${o.kind} ${o.connectionId} [${o.changed.join(', ')}]: ${o.status}`,
              o.lastError ? h('span', { class: 'error' }, ` — ${o.lastError}`) : null,
            ),
          ),
        )
      : null,
    x.conflicts.length ? h('h4', {}, 'Open conflicts and reports') : null,
    x.conflicts.length
      ? h(
          'ul',
          { 'data-testid': 'person-conflicts' },
          x.conflicts.map((k) =>
            h('li', {}, h('span', { class: 'kind' }, k.kind), ` ${k.field ?? ''} `, h('small', {}, k.rule)),
          ),
        )
      : null,
    x.quarantined.length
      ? h(
          'ul',
          { 'data-testid': 'person-quarantined' },
          x.quarantined.map((q) => h('li', {}, `quarantined ${q.connectionId} ${q.externalId ?? '?'}: ${q.error}`)),
        )
      : null,
    x.lookalikes.length
      ? h(
          'ul',
          { 'data-testid': 'person-lookalikes' },
          x.lookalikes.map((l) =>
            h(
              'li',
              {},
              `look-alike ${l.connectionId} ${l.externalId} holds ${l.key}, linked to `,
              l.linkedTo ?? 'nobody',
            ),
          ),
        )
      : null,
    h('h4', {}, 'History (newest first)'),
    historyTable(hist.events, ui, () => showPerson(root, ui, id)),
  ];
  root.replaceChildren(...parts.filter(Boolean));
}

const SHOWN = ['givenName', 'middleName', 'familyName', 'displayName', 'organization', 'title', 'emails', 'phones'];

function canonicalTable(c, ui) {
  const { h } = ui;
  const rows = Object.keys(c)
    .filter((f) => c[f] !== null && c[f] !== undefined && !(Array.isArray(c[f]) && c[f].length === 0))
    .sort((a, b) => (SHOWN.indexOf(a) + 1 || 99) - (SHOWN.indexOf(b) + 1 || 99));
  return h(
    'table',
    { class: 'grid', 'data-testid': 'person-canonical' },
    h(
      'tbody',
      {},
      rows.map((f) => h('tr', { 'data-field': f }, h('th', {}, f), h('td', {}, cellText(c[f])))),
    ),
  );
}

function recordBlock(r, ui) {
  const { h } = ui;
  const s = r.snapshot;
  const state = !s
    ? 'not pulled yet'
    : s.goneAt
      ? 'gone'
      : s.quarantinedAt
        ? 'quarantined'
        : `seen ${ui.when(s.lastSeenAt)}`;
  return h(
    'section',
    { class: 'person-record', 'data-testid': 'person-record', 'data-connection': r.connectionId },
    h('h5', {}, r.connectionId, ' ', h('code', {}, r.externalId), ' ', h('small', {}, state)),
    r.gaps.length
      ? h(
          'table',
          { class: 'grid gaps' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'field'),
              h('th', {}, 'why not the canonical value'),
              h('th', {}, 'holds'),
              h('th', {}, 'should hold'),
            ),
          ),
          h(
            'tbody',
            {},
            r.gaps.map((g) =>
              h(
                'tr',
                { 'data-testid': 'person-gap', 'data-field': g.field, 'data-reason': g.reason },
                h('td', {}, g.field),
                h('td', {}, h('b', {}, g.reason), g.detail ? ` — ${g.detail}` : ''),
                h('td', {}, cellText(g.holds)),
                h('td', {}, cellText(g.expected)),
              ),
            ),
          ),
        )
      : h('p', { class: 'hint' }, 'Holds the canonical value of every field it can hold.'),
  );
}
