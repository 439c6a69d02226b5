// @ts-check
// "Merge these people" on a review card that shows two or more people: the merge's preview (what
// the merged person keeps of each field, editable), what it does not keep, then the merge itself.
import { api } from './api.js';

const SETS = new Set(['emails', 'phones', 'websites', 'chats']);

const text = (v) =>
  v === null || v === undefined
    ? ''
    : Array.isArray(v)
      ? v.map((e) => `${e.label ? `${e.label}: ` : ''}${e.value}`).join('\n')
      : String(v);

/** One line per entry, "label: value" or "value". */
function entries(t) {
  return t
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      // "https://…" has no space after its colon: only "label: value" is read as a label.
      const m = /^([a-z][a-z-]{0,20}):\s+(.+)$/i.exec(l);
      return m ? { value: m[2], label: m[1] } : { value: l, label: null };
    });
}

/** The merge action for a card's people (`v` from /conflicts/{id}/people); `done()` reloads the card. */
export function mergeAction(v, ui, done) {
  const { h } = ui;
  if (v.people.length < 2) return null;
  const panel = h('div', { class: 'merge-panel', 'data-testid': 'merge-panel', hidden: true });
  const open = h(
    'button',
    {
      type: 'button',
      'data-testid': 'merge-open',
      onclick: (e) =>
        ui.guarded(e.currentTarget, () => showPreview(panel, ui, done, peopleSpec(v.people[0], v.people[1]))),
    },
    'Merge these people',
  );
  return h(
    'div',
    { class: 'merge' },
    h(
      'span',
      { class: 'action' },
      open,
      h(
        'small',
        {},
        ' They are one person: every value of both is kept (or shown here as not kept), and every provider gets the result.',
      ),
    ),
    panel,
  );
}

/** Merging two people: `from` into `into`; the other way round one click away. */
const peopleSpec = (into, from) => ({
  title: `Merge ${from.name || from.canonicalId.slice(0, 8)} into ${into.name || into.canonicalId.slice(0, 8)}`,
  intoName: into.name || 'person',
  fromName: from.name || 'person',
  send: (body) => api('POST', '/people/merge', { into: into.canonicalId, from: from.canonicalId, ...body }),
  swapped: () => peopleSpec(from, into),
});

/** A duplicate in a provider: the second record's values join the person; the record stays, unlinked. */
export function mergeRecordAction(c, v, ui, done) {
  const { h } = ui;
  if (c.kind !== 'duplicate-in-provider' || !v.record || v.people.length !== 1) return null;
  const person = v.people[0];
  const rec = v.record;
  const spec = {
    title: `Merge ${rec.connectionId} record ${rec.externalId} into ${person.name || 'the person'}`,
    intoName: person.name || 'person',
    fromName: `${rec.connectionId} ${rec.externalId}`,
    send: (body) => api('POST', `/conflicts/${c.id}/merge`, body),
    note: `${rec.connectionId} keeps both records: this one stays there, unlinked — delete it there if it is a leftover.`,
  };
  const panel = h('div', { class: 'merge-panel', 'data-testid': 'merge-panel', hidden: true });
  return h(
    'div',
    { class: 'merge' },
    h(
      'span',
      { class: 'action' },
      h(
        'button',
        {
          type: 'button',
          'data-testid': 'merge-open',
          onclick: (e) => ui.guarded(e.currentTarget, () => showPreview(panel, ui, done, spec)),
        },
        'Merge these people',
      ),
      h('small', {}, ' The record is this person too: its values join theirs and every provider gets the result.'),
    ),
    panel,
  );
}

async function showPreview(panel, ui, done, spec) {
  const { h } = ui;
  const p = await spec.send({ dryRun: true });
  const inputs = new Map();
  const row = (f) => {
    const set = SETS.has(f.field);
    const input = set
      ? h('textarea', { rows: Math.max(2, (f.merged ?? []).length), 'data-testid': `merge-value-${f.field}` })
      : h('input', { 'data-testid': `merge-value-${f.field}` });
    input.value = text(f.merged);
    inputs.set(f.field, { input, set, initial: input.value });
    return h(
      'tr',
      { 'data-testid': `merge-field-${f.field}` },
      h('th', {}, f.field),
      h('td', { class: 'into' }, text(f.into) || '—'),
      h('td', { class: 'from' }, text(f.from) || '—'),
      h('td', { class: 'kept' }, input),
    );
  };
  const swap = h(
    'button',
    {
      type: 'button',
      class: 'quiet',
      'data-testid': 'merge-swap',
      onclick: (e) => ui.guarded(e.currentTarget, () => showPreview(panel, ui, done, spec.swapped())),
    },
    'Keep the other person first',
  );
  const go = h(
    'button',
    {
      type: 'button',
      'data-testid': 'merge-confirm',
      onclick: (e) =>
        ui.guarded(e.currentTarget, async () => {
          const values = {};
          for (const [field, { input, set, initial }] of inputs) {
            if (input.value === initial) continue;
            values[field] = set ? entries(input.value) : input.value.trim() === '' ? null : input.value.trim();
          }
          const r = await spec.send({ ...(Object.keys(values).length ? { values } : {}), by: 'review-page' });
          ui.toast(
            `Merged: ${r.opsEnqueued} push${r.opsEnqueued === 1 ? '' : 'es'} queued; ${r.dropped.length} value${r.dropped.length === 1 ? '' : 's'} not kept (reported).`,
          );
          done(r);
        }),
    },
    'Merge',
  );
  const parts = [
    h('h4', {}, spec.title),
    h(
      'table',
      { class: 'sides merge', 'data-testid': 'merge-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'Field'),
          h('th', {}, `${spec.intoName} (stays)`),
          h('th', {}, `${spec.fromName} (merged in)`),
          h('th', {}, 'The merged person keeps (edit)'),
        ),
      ),
      h('tbody', {}, p.fields.map(row)),
    ),
    p.dropped.length
      ? h(
          'div',
          { class: 'dropped', 'data-testid': 'merge-dropped' },
          h('b', {}, 'Not kept (each reported, and back on a split): '),
          h(
            'ul',
            {},
            p.dropped.map((d) =>
              h(
                'li',
                {},
                `${d.field}: ${typeof d.value === 'string' ? d.value : d.value.value} (${d.side === 'into' ? spec.intoName : spec.fromName})`,
              ),
            ),
          ),
        )
      : h('p', { class: 'hint', 'data-testid': 'merge-dropped' }, 'Every value of both is kept.'),
    spec.note ? h('p', { class: 'hint' }, spec.note) : null,
    !spec.note && p.duplicates.length
      ? h(
          'p',
          { class: 'hint' },
          `Both have a record in ${p.duplicates.map((d) => d.connectionId).join(', ')}: the merged-in one stays there, unlinked (reported).`,
        )
      : null,
    h('div', { class: 'actions' }, go, spec.swapped ? [' ', swap] : null),
  ];
  panel.replaceChildren(...parts.filter(Boolean));
  panel.hidden = false;
}
