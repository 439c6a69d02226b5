// @ts-check
// Failed pushes: the provider's last error, retry one or all.
import { api, query } from './api.js';
import { $, guarded, h, toast, when } from './dom.js';

/** The failed ops on the page: what 'retry all' retries. */
let shownOps = [];

export async function loadOps() {
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

/** Retries every failed op the page shows. */
export async function retryShown() {
  const r = await api('POST', '/ops/retry', { ids: shownOps.map((o) => o.id) });
  toast(`${r.retried} op${r.retried === 1 ? '' : 's'} back in the queue.`);
  await loadOps();
}
