// @ts-check
// Bulk decisions and counts on the conflicts view: the count per kind (the navigation), and one
// rule for every conflict the filters select — previewed (count, skipped, a sample) before it runs.
import { api, query } from './api.js';

/** Counts of open conflicts per kind: a badge on the nav, a chip per kind that filters the list. */
export async function loadCounts(ui, onKind) {
  const { h } = ui;
  const c = await api('GET', `/conflicts/counts${query({ status: 'open' })}`);
  const badge = document.querySelector('[data-testid="count-conflicts"]');
  if (badge) badge.textContent = String(c.total);
  const chips = document.querySelector('#kind-counts');
  if (!chips) return c;
  chips.replaceChildren(
    h('span', { class: 'hint' }, 'Open: '),
    ...Object.entries(c.byKind)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, n]) =>
        h(
          'button',
          {
            type: 'button',
            class: 'chip',
            'data-testid': `count-${kind}`,
            'data-kind': kind,
            onclick: () => onKind(kind),
          },
          `${kind} `,
          h('b', {}, String(n)),
        ),
      ),
  );
  return c;
}

/** The bulk panel in `root`; `filters()` gives the list's filters, `reload()` refreshes list and counts. */
export function initBulk(root, ui, { filters, reload, connections }) {
  const { h } = ui;
  const rule = h(
    'select',
    { name: 'rule', 'data-testid': 'bulk-rule' },
    h('option', { value: 'keep' }, "keep the policy's value"),
    h('option', { value: 'dismiss' }, 'dismiss'),
  );
  const addConnections = (ids) => {
    for (const id of ids) rule.append(h('option', { value: `pick:${id}` }, `pick ${id}`));
  };
  addConnections(connections);
  const out = h('div', { class: 'bulk-preview', 'data-testid': 'bulk-preview' });
  const selection = () => {
    const f = filters();
    const filter = {};
    if (f.kind) filter.kind = f.kind;
    if (f.connectionId) filter.connectionId = f.connectionId;
    if (f.field) filter.field = f.field;
    filter.status = f.status === 'auto-resolved' ? 'auto-resolved' : 'open';
    const [action, connectionId] = rule.value.split(':');
    return { filter, decision: action === 'pick' ? { action, connectionId } : { action } };
  };
  const preview = h(
    'button',
    {
      type: 'button',
      'data-testid': 'bulk-preview-button',
      onclick: (e) =>
        ui.guarded(e.currentTarget, async () => {
          const req = selection();
          const p = await api('POST', '/conflicts/bulk/preview', req);
          showPreview(out, p, req, ui, reload);
        }),
    },
    'Preview',
  );
  root.replaceChildren(
    h('summary', { 'data-testid': 'bulk-open' }, 'Resolve all that match the filters…'),
    h(
      'p',
      { class: 'hint' },
      'One rule for every conflict the filters above select (kind, connection, field). Preview shows how many and what changes; nothing is decided until you confirm.',
    ),
    h('div', { class: 'bulk-form' }, h('label', {}, 'Rule ', rule), ' ', preview),
    out,
  );
  return { addConnections };
}

function showPreview(out, p, req, ui, reload) {
  const { h } = ui;
  const what =
    req.decision.action === 'pick'
      ? `pick ${req.decision.connectionId}`
      : req.decision.action === 'keep'
        ? 'keep'
        : 'dismiss';
  const go = h(
    'button',
    {
      type: 'button',
      'data-testid': 'bulk-confirm',
      disabled: p.applicable === 0,
      onclick: (e) =>
        ui.guarded(e.currentTarget, async () => {
          const r = await api('POST', '/conflicts/bulk/resolve', { ...req, expect: p.count, by: 'review-page' });
          out.replaceChildren(
            h(
              'p',
              { 'data-testid': 'bulk-result' },
              `Resolved ${r.resolved} of ${r.count}; ${r.opsEnqueued} push${r.opsEnqueued === 1 ? '' : 'es'} queued; ${r.skipped.length} skipped.`,
            ),
          );
          ui.toast(`Bulk: ${r.resolved} resolved.`);
          await reload();
        }),
    },
    `Resolve ${p.applicable} conflict${p.applicable === 1 ? '' : 's'} (${what})`,
  );
  const parts = [
    h(
      'p',
      { 'data-testid': 'bulk-count' },
      `${p.count} conflict${p.count === 1 ? '' : 's'} selected; the rule applies to ${p.applicable}`,
      p.skipped.length ? `, skips ${p.skipped.length}` : '',
      '.',
    ),
    p.sample.length
      ? h(
          'table',
          { class: 'grid', 'data-testid': 'bulk-sample' },
          h(
            'thead',
            {},
            h('tr', {}, h('th', {}, 'Field'), h('th', {}, 'Person'), h('th', {}, 'Now'), h('th', {}, 'Becomes')),
          ),
          h(
            'tbody',
            {},
            p.sample.map((s) =>
              h(
                'tr',
                { 'data-testid': 'bulk-sample-row' },
                h('td', {}, s.field ?? s.kind),
                h('td', {}, h('code', {}, ui.short(s.canonicalId))),
                h('td', {}, ui.showValue(s.chosen)),
                h('td', {}, ui.showValue(s.value)),
              ),
            ),
          ),
        )
      : null,
    p.skipped.length
      ? h(
          'ul',
          { class: 'skipped', 'data-testid': 'bulk-skipped' },
          p.skipped.slice(0, 10).map((s) => h('li', {}, `${ui.short(s.id)}: ${s.reason}`)),
        )
      : null,
    go,
  ];
  out.replaceChildren(...parts.filter(Boolean));
}
