// @ts-check
// Deletes the mass-delete guard held back: confirm or reject each.
import { api, query } from './api.js';
import { personSummary } from './conflicts.js';
import { $, guarded, h, short, toast, when } from './dom.js';

export async function loadHeld() {
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
