// @ts-check
// Held change sets on the review page: updates the blast-radius guard held back, each set with
// what tripped it, every change's before → after, and confirm / reject.
import { api, query } from './api.js';

/** Renders the held change sets into `list`; `ui` brings the page's helpers (h, guarded, toast, showValue, when, short). */
export async function loadHeldChanges(list, ui) {
  const page = await api('GET', `/held-changes${query({ status: 'held', limit: 50 })}`);
  list.replaceChildren();
  if (!page.items.length)
    list.append(ui.h('p', { class: 'hint', 'data-testid': 'held-changes-empty' }, 'Nothing held.'));
  for (const s of page.items) list.append(setCard(s, ui));
}

function setCard(s, ui) {
  const { h } = ui;
  const decide = (button, decision) =>
    ui.guarded(button, async () => {
      const r = await api('POST', `/held-changes/${decision}`, { ids: [s.id] });
      card.replaceWith(setCard({ ...s, status: decision === 'confirm' ? 'confirmed' : 'rejected' }, ui));
      ui.toast(
        decision === 'confirm'
          ? `Confirmed: ${r.writes} held write${r.writes === 1 ? '' : 's'} released.`
          : `Rejected: nothing goes out; ${r.opsEnqueued} write${r.opsEnqueued === 1 ? '' : 's'} back to the source.`,
      );
    });
  const writes = Object.entries(s.writes)
    .map(([c, n]) => `${n} to ${c}`)
    .join(', ');
  const card = h(
    'article',
    {
      class: `conflict held-change ${s.status}`,
      'data-testid': 'held-change-set',
      'data-set-id': s.id,
      'data-status': s.status,
    },
    h(
      'header',
      {},
      h('strong', {}, `Mass update of ${s.field.split(',').join(' and ')}`),
      ' ',
      h('span', { class: `status ${s.status}`, 'data-testid': 'held-change-status' }, s.status),
      h('small', {}, ` held ${ui.when(s.createdAt)}`),
    ),
    h(
      'p',
      { class: 'rule', 'data-testid': 'held-change-tripped' },
      s.summary
        .map(
          (t) =>
            `${t.connectionId}: ${t.changed} of ${t.total} records (${Math.round(t.share * 100)}%) change ${t.field}`,
        )
        .join('; '),
      writes ? ` — held writes: ${writes}.` : '',
    ),
    s.status === 'held'
      ? h(
          'div',
          { class: 'actions' },
          h(
            'button',
            { type: 'button', 'data-testid': 'confirm-changes', onclick: (e) => decide(e.currentTarget, 'confirm') },
            'Confirm: send these updates',
          ),
          ' ',
          h(
            'button',
            {
              type: 'button',
              class: 'quiet',
              'data-testid': 'reject-changes',
              onclick: (e) => decide(e.currentTarget, 'reject'),
            },
            'Reject: keep the old values, write them back to the source',
          ),
        )
      : null,
    h(
      'table',
      { class: 'grid', 'data-testid': 'held-change-items' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'Person'),
          h('th', {}, 'Record'),
          h('th', {}, 'Field'),
          h('th', {}, 'Before'),
          h('th', {}, 'After'),
        ),
      ),
      h(
        'tbody',
        {},
        s.items.map((i) =>
          h(
            'tr',
            { 'data-testid': 'held-change-item' },
            h('td', {}, h('code', {}, ui.short(i.canonicalId))),
            h('td', {}, `${i.connectionId} `, h('code', {}, i.externalId ?? 'new')),
            h('td', {}, i.field),
            h('td', { 'data-testid': 'held-change-before' }, ui.showValue(i.before)),
            h('td', { 'data-testid': 'held-change-after' }, ui.showValue(i.after)),
          ),
        ),
      ),
    ),
    s.itemCount > s.items.length ? h('p', { class: 'hint' }, `… and ${s.itemCount - s.items.length} more.`) : null,
  );
  return card;
}
