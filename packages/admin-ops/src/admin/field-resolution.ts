import {
  FieldKeySchema,
  normalizeSetEntries,
  type Resolution,
  SCALAR_FIELDS,
  type ScalarField,
  type SetEntry,
  type SetField,
} from '@contact-sync/core';
import { z } from 'zod';
import { type ConflictRow, sidesOf } from './conflicts-read.ts';
import { parseInput } from './page.ts';
import { AdminOpError, type Decision } from './views.ts';

const isScalar = (f: string): f is ScalarField => (SCALAR_FIELDS as readonly string[]).includes(f);

const ScalarValue = z.object({ value: z.string().nullable() });
/** A set entry as an admin enters it: the entry's value may be left out (it is the entry in conflict). */
const EntryValue = z.object({
  value: z.strictObject({ value: z.string().optional(), label: z.string().nullable() }).nullable(),
});

const entryKey = (v: unknown): string | null =>
  v && typeof v === 'object' && typeof (v as { value?: unknown }).value === 'string'
    ? (v as { value: string }).value
    : null;

/**
 * A field conflict's decision as a hand resolution for the core (`applyResolution`), or null
 * when nothing needs writing (keeping what the policy already applied).
 */
export function fieldResolution(
  row: ConflictRow,
  decision: Decision,
): { resolution: Resolution | null; value: unknown } {
  const field = FieldKeySchema.safeParse(row.field);
  if (!field.success) throw new AdminOpError('invalid', `conflict ${row.id} names no known field ("${row.field}")`);
  const sides = sidesOf(row);
  let value: unknown;
  switch (decision.action) {
    case 'keep':
      // The policy's choice was applied and pushed already; only a held conflict still needs writing.
      if (row.status !== 'open') return { resolution: null, value: row.chosen };
      value = row.chosen;
      break;
    case 'pick': {
      const side = sides.find((s) => s.connectionId === decision.connectionId);
      if (!side)
        throw new AdminOpError(
          'invalid',
          `connectionId: "${decision.connectionId}" is not a side of this conflict (sides: ${sides.map((s) => s.connectionId).join(', ')})`,
        );
      value = side.value ?? null;
      break;
    }
    case 'value':
      value = decision.value ?? null;
      break;
    default:
      throw new AdminOpError('invalid', `action: "${decision.action}" does not apply to a field conflict`);
  }
  const f = field.data;
  if (isScalar(f)) {
    const v = parseInput(ScalarValue, { value }).value;
    if (decision.action === 'value' && v !== null && v.trim() === '')
      throw new AdminOpError('invalid', `value: an empty ${f}; give null to clear it`);
    return { resolution: { field: f, value: v }, value: v };
  }
  // A set field's conflict is about one entry, keyed by its normalized value.
  const key = [row.chosen, row.base, ...sides.map((s) => s.value)].map(entryKey).find((k) => k !== null);
  if (!key) throw new AdminOpError('invalid', `conflict ${row.id} holds no entry value for ${f}`);
  const entry = parseInput(EntryValue, { value }).value;
  if (entry?.value !== undefined) {
    const normalized = normalizeSetEntries(f as SetField, [{ value: entry.value, label: entry.label }])[0]?.value;
    if (normalized !== key)
      throw new AdminOpError(
        'invalid',
        `value.value: this conflict is about the ${f} entry "${key}", not "${entry.value}"`,
      );
  }
  const resolved: SetEntry | null = entry ? { value: key, label: entry.label } : null;
  return { resolution: { field: f as SetField, key, entry: resolved }, value: resolved };
}
