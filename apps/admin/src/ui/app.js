// The conflict review page: plain DOM, no build step. Every value from the API goes in
// through textContent, never as HTML.
import { ApiError, api, forgetToken, query, setToken, takeTokenFromFragment } from './api.js';
import { loadHeldChanges } from './held-changes.js';
import { PEOPLE_KINDS, peopleCard } from './people.js';
import { loadPersonView, personLink } from './person-view.js';

const $ = (sel) => document.querySelector(sel);

/** h('td', { 'data-testid': 'x', class: 'y', onclick }, child, …) */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) el.append(c instanceof Node ? c : String(c));
  return el;
}

function toast(message, kind = 'info') {
  const t = $('#toast');
  t.textContent = message;
  t.className = kind;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.hidden = true), 5000);
}

/** A conflict value as text: a scalar, a set entry { label, value }, a record summary, or absent. */
function showValue(v) {
  if (v === null || v === undefined) return h('span', { class: 'absent' }, '— absent');
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return h('span', {}, String(v));
  if (typeof v === 'object' && !Array.isArray(v) && 'value' in v && Object.keys(v).length <= 3) {
    return h('span', {}, v.label ? h('span', { class: 'label' }, `${v.label}: `) : '', String(v.value ?? '—'));
  }
  return h('pre', {}, JSON.stringify(v, null, 2));
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const short = (id) => (id ? id.slice(0, 8) : '—');

async function guarded(button, work) {
  const row = button.closest('[data-testid]');
  for (const b of row?.querySelectorAll('button') ?? []) b.disabled = true;
  try {
    await work();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return signedOut('The token was refused.');
    toast(e.message, 'error');
    for (const b of row?.querySelectorAll('button') ?? []) b.disabled = false;
  }
}

// ---- conflicts --------------------------------------------------------------------------

let conflictCursor = null;

function conflictFilters() {
  const f = new FormData($('#conflict-filters'));
  return Object.fromEntries([...f.entries()].map(([k, v]) => [k, String(v).trim()]));
}

let conflictLoad = 0;

async function loadConflicts(append = false) {
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
    peopleCard(c, card, resolve, ui);
    card.querySelector('header')?.append(personLink(c.canonicalId, ui) ?? '');
    return card;
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

function personSummary(data) {
  if (!data || typeof data !== 'object') return '';
  const name = [data.givenName, data.familyName].filter(Boolean).join(' ');
  const emails = Array.isArray(data.emails) ? data.emails.map((e) => e.value ?? e).join(', ') : '';
  return [name, emails].filter(Boolean).join(' · ');
}

// ---- held deletes -----------------------------------------------------------------------

async function loadHeld() {
  const page = await api('GET', `/held-deletes${query({ status: 'held', limit: 200 })}`);
  const body = $('#held-list');
  body.replaceChildren();
  if (!page.items.length)
    body.append(h('tr', {}, h('td', { colspan: 7, class: 'hint', 'data-testid': 'held-empty' }, 'Nothing held.')));
  for (const d of page.items) body.append(heldRow(d));
}

function heldRow(d) {
  const decide = (button, decision) =>
    guarded(button, async () => {
      const r = await api('POST', `/held-deletes/${decision}`, { ids: [d.id] });
      row.replaceWith(heldRow({ ...d, status: decision === 'confirm' ? 'confirmed' : 'rejected' }));
      toast(
        `${decision === 'confirm' ? 'Confirmed' : 'Rejected'}: ${r.opsEnqueued} push${r.opsEnqueued === 1 ? '' : 'es'} queued.`,
      );
    });
  const row = h(
    'tr',
    { 'data-testid': 'held-row', 'data-held-id': d.id, 'data-status': d.status },
    h('td', {}, d.connectionId),
    h('td', {}, h('code', {}, d.externalId)),
    h('td', {}, h('code', {}, short(d.canonicalId))),
    h('td', {}, personSummary(d.projection)),
    h('td', {}, when(d.createdAt)),
    h('td', { 'data-testid': 'held-status' }, d.status),
    h(
      'td',
      {},
      d.status === 'held'
        ? [
            h(
              'button',
              { type: 'button', 'data-testid': 'confirm-delete', onclick: (e) => decide(e.currentTarget, 'confirm') },
              'Confirm',
            ),
            ' ',
            h(
              'button',
              { type: 'button', 'data-testid': 'reject-delete', onclick: (e) => decide(e.currentTarget, 'reject') },
              'Reject',
            ),
          ]
        : null,
    ),
  );
  return row;
}

// ---- failed ops -------------------------------------------------------------------------

let shownOps = [];

async function loadOps() {
  const page = await api('GET', `/ops${query({ status: 'failed', limit: 200 })}`);
  shownOps = page.items;
  const body = $('#ops-list');
  body.replaceChildren();
  if (!page.items.length)
    body.append(h('tr', {}, h('td', { colspan: 8, class: 'hint', 'data-testid': 'ops-empty' }, 'No failed ops.')));
  for (const o of page.items) body.append(opRow(o));
  $('#retry-all').disabled = !page.items.length;
}

function opRow(o) {
  const row = h(
    'tr',
    { 'data-testid': 'op-row', 'data-op-id': o.id, 'data-status': o.status },
    h('td', {}, o.connectionId),
    h('td', {}, o.kind),
    h('td', {}, h('code', {}, o.externalId ?? 'new')),
    h('td', {}, o.changed.join(', ')),
    h('td', {}, String(o.attempts)),
    h('td', { class: 'error' }, o.lastError ?? ''),
    h('td', {}, when(o.updatedAt)),
    h(
      'td',
      { 'data-testid': 'op-status' },
      o.status === 'failed'
        ? h(
            'button',
            {
              type: 'button',
              'data-testid': 'retry-op',
              onclick: (e) =>
                guarded(e.currentTarget, async () => {
                  await api('POST', '/ops/retry', { ids: [o.id] });
                  row.replaceWith(opRow({ ...o, status: 'pending' }));
                }),
            },
            'Retry',
          )
        : o.status,
    ),
  );
  return row;
}

// ---- shell ------------------------------------------------------------------------------

const ui = { h, guarded, toast, showValue, when, short };
const loaders = {
  conflicts: () => loadConflicts(),
  'held-deletes': loadHeld,
  'held-changes': () => loadHeldChanges($('#held-changes-list'), ui),
  'failed-ops': loadOps,
  person: (id) => loadPersonView($('#person-view'), ui, id),
};

async function show(hash) {
  // `#person=<id>`: a view and its argument.
  const [view, arg] = hash.split('=', 2);
  const name = loaders[view] ? view : 'conflicts';
  for (const p of document.querySelectorAll('[data-view-panel]')) p.hidden = p.dataset.viewPanel !== name;
  for (const a of document.querySelectorAll('nav a[data-view]')) a.classList.toggle('active', a.dataset.view === name);
  try {
    await loaders[name](arg ? decodeURIComponent(arg) : undefined);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return signedOut('The token was refused.');
    toast(e.message, 'error');
  }
}

function signedOut(message) {
  forgetToken();
  $('#app').hidden = true;
  $('#login').hidden = false;
  if (message) toast(message, 'error');
}

async function signedIn() {
  $('#login').hidden = true;
  $('#app').hidden = false;
  try {
    // Opens the queue dashboard link in this browser (an HttpOnly cookie it alone accepts).
    await api('POST', '/session');
    const { items } = await api('GET', '/connections');
    const select = $('[data-testid="filter-connection"]');
    for (const c of items) select.append(h('option', { value: c.id }, c.id));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return signedOut('The token was refused.');
    toast(e.message, 'error');
  }
  await show(location.hash.slice(1));
}

function init() {
  $('#conflict-filters').addEventListener('submit', (e) => {
    e.preventDefault();
    show('conflicts');
  });
  $('#conflict-more').addEventListener('click', () => loadConflicts(true).catch((e) => toast(e.message, 'error')));
  $('#retry-all').addEventListener('click', (e) =>
    guarded(e.currentTarget, async () => {
      const r = await api('POST', '/ops/retry', { ids: shownOps.map((o) => o.id) });
      toast(`${r.retried} op${r.retried === 1 ? '' : 's'} back in the queue.`);
      await loadOps();
    }),
  );
  $('#login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    setToken(new FormData(e.currentTarget).get('token'));
    signedIn();
  });
  $('#sign-out').addEventListener('click', () => {
    api('DELETE', '/session').catch(() => {});
    signedOut();
  });
  window.addEventListener('hashchange', () => {
    if (new URLSearchParams(location.hash.slice(1)).has('token')) takeTokenFromFragment();
    else show(location.hash.slice(1));
  });
  if (takeTokenFromFragment()) signedIn();
  else signedOut();
}

init();
