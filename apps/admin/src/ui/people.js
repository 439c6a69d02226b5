// @ts-check
// Review cards that show people: an ambiguous match, a duplicate in a provider or a skipped create
// shows the records involved side by side — names, every e-mail and phone, organisation, provider
// and id, when each changed — with actions that say what they do.
import { api } from './api.js';
import { mergeAction, mergeRecordAction } from './merge.js';

export const PEOPLE_KINDS = new Set(['ambiguous-match', 'duplicate-in-provider', 'create-skipped']);

/** @type {[string, (r: any, ui?: any) => any][]} */
const ROWS = [
  ['Provider', (r) => r.connectionId],
  ['Record id', (r) => r.externalId],
  ['Name', (r) => [r.givenName, r.familyName].filter(Boolean).join(' ') || r.displayName || '—'],
  ['Display name', (r) => r.displayName ?? '—'],
  ['E-mails', (r) => r.emails],
  ['Phones', (r) => r.phones],
  ['Organisation', (r) => r.organization ?? '—'],
  ['Changed', (r, ui) => (r.updatedAt ? ui.when(r.updatedAt) : '—')],
  ['Last pulled', (r, ui) => (r.lastSeenAt ? ui.when(r.lastSeenAt) : 'not pulled yet (written by contact-sync)')],
];

/** Fills `card` (the conflict's article) with the side-by-side records; `resolve(button, decision)` decides. */
export function peopleCard(c, card, resolve, ui) {
  const { h } = ui;
  const open = c.status === 'open';
  card.classList.add('people');
  const body = h(
    'div',
    { class: 'people-grid', 'data-testid': 'people-grid' },
    h('p', { class: 'hint' }, 'Loading the records…'),
  );
  card.append(
    h(
      'header',
      {},
      h('span', { class: 'kind' }, c.kind),
      h('strong', {}, title(c)),
      h('span', { class: `status ${c.status}`, 'data-testid': 'conflict-status' }, c.status),
      h('time', {}, ui.when(c.createdAt)),
    ),
    h('p', { class: 'rule', 'data-testid': 'conflict-rule' }, h('b', {}, 'Why: '), c.rule),
    body,
  );
  if (c.resolution)
    card.append(h('p', { class: 'outcome', 'data-testid': 'conflict-outcome' }, outcome(c.resolution, ui)));
  api('GET', `/conflicts/${c.id}/people`)
    .then((v) =>
      body.replaceChildren(
        grid(c, v, open, resolve, ui),
        ...actions(v, open, resolve, ui),
        (open &&
          mergeAction(v, ui, () => card.replaceWith(peopleCard(c, ui.h('article', cardAttrs(c)), resolve, ui)))) ||
          '',
        (open && mergeRecordAction(c, v, ui, (r) => card.replaceWith(mergedCard(c, r, resolve, ui)))) || '',
      ),
    )
    .catch((e) => body.replaceChildren(h('p', { class: 'error' }, e.message)));
  return card;
}

const cardAttrs = (c) => ({
  class: `conflict ${c.status}`,
  'data-testid': 'conflict-row',
  'data-conflict-id': c.id,
  'data-status': c.status,
  'data-field': c.field ?? '',
});

/** The card of a duplicate merged into its person: resolved, saying so. */
function mergedCard(c, r, resolve, ui) {
  const done = { ...c, status: 'resolved', resolution: { action: 'merge', by: 'review-page', canonicalId: r.into } };
  return peopleCard(done, ui.h('article', cardAttrs(done)), resolve, ui);
}

const title = (c) =>
  ({
    'ambiguous-match': 'Which person is this record?',
    'duplicate-in-provider': 'Two records of one person in one provider',
    'create-skipped': 'Not created: required fields are empty',
  })[c.kind] ?? c.kind;

function grid(c, v, open, resolve, ui) {
  const { h } = ui;
  // Columns: the record the entry is about, then each person's records.
  const cols = [];
  if (v.record) cols.push({ record: v.record, group: 'This record', testid: 'record-subject' });
  for (const p of v.people)
    for (const [i, r] of (p.records.length ? p.records : [null]).entries())
      cols.push({ record: r, person: p, first: i === 0, span: Math.max(1, p.records.length) });
  const groupHead = h(
    'tr',
    {},
    h('th', {}, ''),
    cols
      .filter((col) => !col.person || col.first)
      .map((col) =>
        h(
          'th',
          {
            colspan: col.span ?? 1,
            class: col.person ? 'person' : 'subject',
            'data-testid': col.person ? 'candidate' : 'subject-head',
            'data-candidate-id': col.person?.canonicalId,
          },
          col.person
            ? [
                col.person.name || 'a person',
                h(
                  'small',
                  {},
                  ` person ${ui.short(col.person.canonicalId)} · changed ${ui.when(col.person.updatedAt)}`,
                ),
              ]
            : col.group,
          col.person && open && c.kind === 'ambiguous-match'
            ? [
                h('br'),
                h(
                  'button',
                  {
                    type: 'button',
                    'data-testid': `link-${col.person.canonicalId}`,
                    onclick: (e) => resolve(e.currentTarget, { action: 'link', canonicalId: col.person.canonicalId }),
                  },
                  'Link to this person',
                ),
              ]
            : null,
        ),
      ),
  );
  const cell = (col, get) => {
    if (!col.record) return h('td', { class: 'absent' }, '— no record');
    const val = get(col.record, ui);
    return h(
      'td',
      { class: col.person ? 'person' : 'subject' },
      Array.isArray(val)
        ? val.length
          ? h(
              'ul',
              {},
              val.map((x) => h('li', {}, x)),
            )
          : '—'
        : val,
    );
  };
  return h(
    'table',
    { class: 'sides people', 'data-testid': 'people-table' },
    h('thead', {}, groupHead),
    h(
      'tbody',
      {},
      ROWS.map(([label, get]) =>
        h(
          'tr',
          { 'data-testid': `people-row-${label.toLowerCase().replace(/[^a-z]+/g, '-')}` },
          h('th', {}, label),
          cols.map((col) => cell(col, get)),
        ),
      ),
    ),
  );
}

function actions(v, open, resolve, ui) {
  const { h } = ui;
  if (!open || !v.record) return [];
  const button = (testid, decision, text, help, cls) =>
    h(
      'span',
      { class: 'action' },
      h(
        'button',
        { type: 'button', class: cls, 'data-testid': testid, onclick: (e) => resolve(e.currentTarget, decision) },
        text,
      ),
      h('small', {}, ` ${help}`),
    );
  return [
    h(
      'div',
      { class: 'actions people-actions' },
      button(
        'create-new',
        { action: 'create-new' },
        'Keep as a separate person',
        `${v.record.connectionId} ${v.record.externalId} becomes a person of its own, created in the other providers as their policies say.`,
      ),
      ' ',
      button(
        'ignore-record',
        { action: 'dismiss' },
        'Ignore this record',
        'Nothing is linked or written; the record stays as it is.',
        'quiet',
      ),
    ),
  ];
}

function outcome(r, ui) {
  const what =
    {
      link: `linked to person ${ui.short(r.canonicalId)}`,
      'create-new': 'kept as a separate person',
      merge: `merged into person ${ui.short(r.canonicalId)}`,
      dismiss: 'ignored',
    }[r.action] ?? r.action;
  return `${r.by ? `${r.by}: ` : ''}${what}`;
}
