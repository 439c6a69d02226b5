// The person view: find a person by name, e-mail or phone; see why they look as they do
// (explain) and what happened to them (history), and undo one admin decision from there.
// Opened as #person (search) or #person=<canonical id>; every conflict card links here.
import { api, query } from './api.js';

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

function historyTable(events, ui, reload) {
  const { h } = ui;
  if (!events.length) return h('p', { class: 'hint', 'data-testid': 'person-history-empty' }, 'No history.');
  return h(
    'table',
    { class: 'grid', 'data-testid': 'person-history' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['at', 'event', 'field', 'change / outcome', 'cause', ''].map((t) => h('th', {}, t)),
      ),
    ),
    h(
      'tbody',
      {},
      events.map((e) =>
        e.type === 'change'
          ? h(
              'tr',
              { 'data-testid': 'history-change', 'data-cause': e.cause?.kind ?? '' },
              h('td', {}, ui.when(e.at)),
              h('td', {}, 'change'),
              h('td', {}, e.key ? `${e.field} ${e.key}` : e.field),
              h('td', {}, cellText(e.old), ' → ', cellText(e.new)),
              h('td', {}, causeText(e.cause, ui)),
              h(
                'td',
                {},
                e.cause?.kind === 'admin' && e.cause.decision ? undoButton(e.cause.decision, ui, reload) : null,
              ),
            )
          : h(
              'tr',
              { 'data-testid': 'history-write', 'data-status': e.status },
              h('td', {}, ui.when(e.at)),
              h('td', {}, `${e.kind} ${e.connectionId}`),
              h('td', {}, e.changed.join(', ') || '—'),
              h('td', {}, e.status + (e.attempts > 1 ? ` (${e.attempts} attempts)` : '')),
              h('td', { class: 'error' }, e.lastError ?? ''),
              h('td', {}),
            ),
      ),
    ),
  );
}

/** Undo one admin decision: a dry run shows the writes first, then the admin confirms. */
function undoButton(decision, ui, reload) {
  const { h } = ui;
  const cell = h('span', { 'data-testid': 'undo-decision', 'data-decision-id': decision });
  const plan = h('div', { class: 'undo-plan', 'data-testid': 'undo-plan', hidden: true });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'quiet',
      'data-testid': 'undo-decision-dry-run',
      onclick: (e) =>
        ui.guarded(e.currentTarget, async () => {
          const dry = await api('POST', `/decisions/${decision}/undo`, { dryRun: true, by: 'review-page' });
          plan.hidden = false;
          plan.replaceChildren(
            h(
              'p',
              { 'data-testid': 'undo-plan-summary' },
              `Would put ${dry.people.reduce((n, p) => n + p.reverts.length, 0)} field(s) back, ` +
                `with ${dry.writes.length} write(s): ${dry.writes.map((w) => `${w.kind} ${w.connectionId} [${w.changed.join(', ')}]`).join('; ') || 'none'}` +
                (dry.conflictsOpened ? `; ${dry.conflictsOpened} field(s) changed since become conflicts` : ''),
            ),
            h(
              'button',
              {
                type: 'button',
                'data-testid': 'undo-decision-confirm',
                onclick: (ev) =>
                  ui.guarded(ev.currentTarget, async () => {
                    const r = await api('POST', `/decisions/${decision}/undo`, { by: 'review-page' });
                    ui.toast(`Decision undone: ${r.opsEnqueued} push${r.opsEnqueued === 1 ? '' : 'es'} queued.`);
                    await reload();
                  }),
              },
              'Undo it',
            ),
          );
        }),
    },
    'Undo this decision…',
  );
  cell.append(button, plan);
  return cell;
}

function causeText(c, ui) {
  if (!c || typeof c !== 'object') return '';
  switch (c.kind) {
    case 'provider':
      return `${c.connectionId} record ${c.externalId}`;
    case 'conflict':
      return `conflict rule (${c.policy}, ${c.status})`;
    case 'admin':
      return `admin ${c.by ?? '?'}: ${c.action}`;
    case 'undo':
      return `undo of ${c.runId ? `run ${ui.short(c.runId)}` : `decision ${ui.short(c.decision)}`}${c.by ? ` by ${c.by}` : ''}`;
    default:
      return c.rule ?? c.kind ?? '';
  }
}

/** A value as short text: a scalar, a set entry (label: value), a list of entries, or absent. */
function cellText(v) {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) return v.map(cellText).join(', ') || '—';
  if (typeof v === 'object') return 'value' in v ? `${v.label ? `${v.label}: ` : ''}${v.value}` : JSON.stringify(v);
  return String(v);
}
