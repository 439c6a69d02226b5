// The person view's history: ledger changes and provider writes, newest first, and the undo of
// one admin decision from a change it made (a dry run first). Used by person-view.js.
import { api } from './api.js';

/** The person's history (ledger changes and provider writes), newest first; `reload` after an undo. */
export function historyTable(events, ui, reload) {
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
export function cellText(v) {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) return v.map(cellText).join(', ') || '—';
  if (typeof v === 'object') return 'value' in v ? `${v.label ? `${v.label}: ` : ''}${v.value}` : JSON.stringify(v);
  return String(v);
}
