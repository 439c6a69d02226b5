// @ts-check
// The conflict report: the filtered, paged list and one card per conflict with its decisions.
import { api, query } from './api.js';
import { loadCounts } from './bulk.js';
import { $, guarded, h, shell, short, showValue, toast, ui, when } from './dom.js';
import { refocus } from './keyboard.js';
import { PEOPLE_KINDS, peopleCard } from './people.js';
import { personLink } from './person-view.js';

let conflictCursor = null;

export function conflictFilters() {
  const f = new FormData($('#conflict-filters'));
  return Object.fromEntries([...f.entries()].map(([k, v]) => [k, String(v).trim()]));
}

let conflictLoad = 0;

export async function loadConflicts(append = false) {
  const list = $('#conflict-list');
  // A newer load (the filters applied while the first page loads) wins: no page is shown twice.
  const load = ++conflictLoad;
  if (!append) {
    conflictCursor = null;
    list.replaceChildren(h('p', { class: 'hint' }, 'Loading…'));
  }
  const page = await api('GET', `/conflicts${query({ ...conflictFilters(), limit: 25, cursor: conflictCursor })}`);
  if (load !== conflictLoad) return;
  if (!append) list.replaceChildren();
  // Candidates of an ambiguous match come with the conflict's own page.
  const items = await Promise.all(
    page.items.map((c) =>
      c.kind === 'ambiguous-match' && c.status === 'open' && !c.candidates ? api('GET', `/conflicts/${c.id}`) : c,
    ),
  );
  if (load !== conflictLoad) return;
  for (const c of items) list.append(conflictCard(c));
  if (!list.children.length)
    list.append(h('p', { class: 'hint', 'data-testid': 'conflicts-empty' }, 'No conflicts match.'));
  conflictCursor = page.nextCursor;
  $('#conflict-more').hidden = !conflictCursor;
  if (!append) {
    refocus();
    await loadCounts(ui, filterKind);
  }
}

/** A kind's count chip: the list shows that kind. */
function filterKind(kind) {
  $('[data-testid="filter-kind"]').value = kind;
  shell.show('conflicts');
}

function conflictCard(c) {
  const open = c.status === 'open';
  const card = h('article', {
    class: `conflict ${c.status}`,
    'data-testid': 'conflict-row',
    'data-conflict-id': c.id,
    'data-status': c.status,
    'data-field': c.field ?? '',
  });
  const resolve = (button, decision) =>
    guarded(button, async () => {
      const r = await api('POST', `/conflicts/${c.id}/resolve`, { decision, by: 'review-page' });
      card.replaceWith(conflictCard(r.conflict));
      toast(`Resolved: ${r.opsEnqueued} push${r.opsEnqueued === 1 ? '' : 'es'} queued.`);
    });
  if (PEOPLE_KINDS.has(c.kind)) {
    const built = peopleCard(c, card, resolve, ui);
    built.querySelector('header')?.append(personLink(c.canonicalId, ui) ?? '');
    return built;
  }

  const cols = [
    { key: 'base', title: 'Base (last agreed)', value: c.base },
    ...c.sides.map((s) => ({
      key: `side-${s.connectionId}`,
      title: s.connectionId,
      sub: s.externalId ? `record ${s.externalId}` : null,
      value: s.value,
      updatedAt: s.updatedAt,
      side: s,
    })),
    { key: 'chosen', title: 'Chosen by policy', value: c.chosen },
  ];
  const table = h(
    'table',
    { class: 'sides', 'data-testid': 'conflict-sides' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        cols.map((col) => h('th', { class: col.key }, col.title, col.sub ? h('small', {}, col.sub) : null)),
      ),
    ),
    h(
      'tbody',
      {},
      h(
        'tr',
        {},
        cols.map((col) => h('td', { class: col.key, 'data-testid': `value-${col.key}` }, showValue(col.value))),
      ),
      h(
        'tr',
        { class: 'when' },
        cols.map((col) => h('td', {}, col.updatedAt ? `edited ${when(col.updatedAt)}` : '')),
      ),
      open && c.kind !== 'ambiguous-match'
        ? h(
            'tr',
            { class: 'actions' },
            cols.map((col) =>
              h(
                'td',
                {},
                col.side
                  ? h(
                      'button',
                      {
                        type: 'button',
                        'data-testid': `pick-${col.side.connectionId}`,
                        onclick: (e) =>
                          resolve(e.currentTarget, { action: 'pick', connectionId: col.side.connectionId }),
                      },
                      `Pick ${col.side.connectionId}`,
                    )
                  : col.key === 'chosen'
                    ? h(
                        'button',
                        {
                          type: 'button',
                          'data-testid': 'keep-chosen',
                          onclick: (e) => resolve(e.currentTarget, { action: 'keep' }),
                        },
                        'Keep chosen',
                      )
                    : null,
              ),
            ),
          )
        : null,
    ),
  );

  const extra = [];
  if (open && c.kind === 'ambiguous-match') {
    extra.push(
      h('h4', {}, 'Candidates'),
      h(
        'ul',
        { class: 'candidates', 'data-testid': 'candidates' },
        (c.candidates ?? []).map((cand) =>
          h(
            'li',
            { 'data-testid': 'candidate', 'data-candidate-id': cand.id },
            h('code', {}, short(cand.id)),
            ' ',
            personSummary(cand.data),
            h('small', {}, ` linked in ${cand.links.map((l) => l.connectionId).join(', ') || 'nothing'}`),
            ' ',
            h(
              'button',
              {
                type: 'button',
                'data-testid': `link-${cand.id}`,
                onclick: (e) => resolve(e.currentTarget, { action: 'link', canonicalId: cand.id }),
              },
              'Link to this person',
            ),
          ),
        ),
      ),
      h(
        'button',
        {
          type: 'button',
          'data-testid': 'create-new',
          onclick: (e) => resolve(e.currentTarget, { action: 'create-new' }),
        },
        'Create a new person',
      ),
    );
  }
  if (open && c.kind !== 'ambiguous-match') {
    const input = h('input', {
      name: 'value',
      'data-testid': 'value-input',
      placeholder: 'text, or JSON such as {"label":"work","value":"a@b.org"} or null',
    });
    extra.push(
      h(
        'form',
        {
          class: 'enter-value',
          'data-testid': 'enter-value',
          onsubmit: (e) => {
            e.preventDefault();
            resolve(e.submitter ?? e.currentTarget.querySelector('button'), {
              action: 'value',
              value: parseEntered(input.value),
            });
          },
        },
        h('label', {}, 'Or enter a value ', input),
        h('button', { type: 'submit', 'data-testid': 'use-value' }, 'Use this value'),
      ),
    );
  }
  if (open) {
    extra.push(
      h(
        'button',
        {
          type: 'button',
          class: 'quiet',
          'data-testid': 'dismiss',
          onclick: (e) => resolve(e.currentTarget, { action: 'dismiss' }),
        },
        'Dismiss',
      ),
    );
  }

  const parts = [
    h(
      'header',
      {},
      h('span', { class: 'kind' }, c.kind),
      h('strong', {}, c.field ?? 'record'),
      h('span', {}, ' ', personLink(c.canonicalId, ui) ?? 'no person'),
      h('span', { class: `status ${c.status}`, 'data-testid': 'conflict-status' }, c.status),
      h('time', {}, when(c.createdAt)),
    ),
    h('p', { class: 'rule', 'data-testid': 'conflict-rule' }, h('b', {}, 'Why: '), c.rule),
    table,
    ...extra,
    c.resolution
      ? h(
          'p',
          { class: 'outcome', 'data-testid': 'conflict-outcome' },
          describeResolution(c.resolution),
          ` · ${when(c.resolvedAt)}`,
        )
      : null,
  ];
  card.append(...parts.filter(Boolean));
  return card;
}

function describeResolution(r) {
  if (!r || typeof r !== 'object') return `Resolution: ${JSON.stringify(r)}`;
  const what =
    {
      keep: 'kept the chosen value',
      pick: `picked ${r.connectionId}`,
      value: 'entered a value',
      link: `linked to person ${short(r.canonicalId)}`,
      'create-new': 'created a new person',
      dismiss: 'dismissed',
    }[r.action] ?? r.action;
  const value = 'value' in r ? [' → ', showValue(r.value)] : [];
  return h('span', {}, `${r.by ? `${r.by}: ` : ''}${what}`, ...value);
}

/** Text stays text; input that starts like JSON (an object, or null) is parsed as JSON. */
function parseEntered(text) {
  const t = text.trim();
  if (t === 'null') return null;
  if (t.startsWith('{')) {
    try {
      return JSON.parse(t);
    } catch {
      return t;
    }
  }
  return t;
}

export function personSummary(data) {
  if (!data || typeof data !== 'object') return '';
  const name = [data.givenName, data.familyName].filter(Boolean).join(' ');
  const emails = Array.isArray(data.emails) ? data.emails.map((e) => e.value ?? e).join(', ') : '';
  return [name, emails].filter(Boolean).join(' · ');
}
