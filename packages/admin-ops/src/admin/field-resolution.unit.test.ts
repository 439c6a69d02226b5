import { describe, expect, it } from 'vitest';
import type { ConflictRow } from './conflicts-read.ts';
import { fieldResolution } from './field-resolution.ts';
import { AdminOpError } from './views.ts';

const row = (over: Partial<ConflictRow>): ConflictRow => ({
  id: '00000000-0000-4000-8000-000000000001',
  dedupeKey: 'k',
  kind: 'field',
  canonicalId: '00000000-0000-4000-8000-000000000002',
  connectionId: 'a',
  field: 'familyName',
  base: 'Base',
  sides: [
    { connectionId: 'a', externalId: '1', value: 'FromA', updatedAt: null },
    { connectionId: 'b', externalId: '2', value: 'FromB', updatedAt: null },
  ],
  chosen: 'FromA',
  rule: 'priority',
  status: 'auto-resolved',
  resolution: null,
  runId: null,
  createdAt: new Date(0),
  resolvedAt: null,
  ...over,
});

const entry = (value: string, label: string | null) => ({ value, label });
const setRow = row({
  field: 'emails',
  base: entry('x@y.example', null),
  sides: [
    { connectionId: 'a', externalId: '1', value: entry('x@y.example', 'work'), updatedAt: null },
    { connectionId: 'b', externalId: '2', value: null, updatedAt: null },
  ],
  chosen: entry('x@y.example', null),
  status: 'open',
});

const refusal = (fn: () => unknown): AdminOpError => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AdminOpError);
    return e as AdminOpError;
  }
  throw new Error('expected a refusal');
};

describe('fieldResolution', () => {
  it('keeps an auto-resolved value without writing, and writes a held one', () => {
    expect(fieldResolution(row({}), { action: 'keep' }).resolution).toBeNull();
    expect(fieldResolution(row({ status: 'open', chosen: 'Base' }), { action: 'keep' }).resolution).toEqual({
      field: 'familyName',
      value: 'Base',
    });
  });

  it("takes a side's value, or an entered one", () => {
    expect(fieldResolution(row({}), { action: 'pick', connectionId: 'b' }).resolution).toEqual({
      field: 'familyName',
      value: 'FromB',
    });
    expect(fieldResolution(row({}), { action: 'value', value: null }).resolution).toEqual({
      field: 'familyName',
      value: null,
    });
  });

  it('names what is wrong with a decision', () => {
    expect(refusal(() => fieldResolution(row({}), { action: 'pick', connectionId: 'c' })).message).toBe(
      'connectionId: "c" is not a side of this conflict (sides: a, b)',
    );
    expect(refusal(() => fieldResolution(row({}), { action: 'value', value: 7 })).message).toMatch(/^value: /);
    expect(refusal(() => fieldResolution(row({}), { action: 'value', value: '  ' })).message).toMatch(
      /^value: an empty/,
    );
    expect(refusal(() => fieldResolution(row({}), { action: 'create-new' })).message).toMatch(/^action: /);
    expect(refusal(() => fieldResolution(row({ field: 'shoeSize' }), { action: 'keep' })).code).toBe('invalid');
  });

  it('resolves a set entry by its key', () => {
    expect(fieldResolution(setRow, { action: 'pick', connectionId: 'a' }).resolution).toEqual({
      field: 'emails',
      key: 'x@y.example',
      entry: entry('x@y.example', 'work'),
    });
    expect(fieldResolution(setRow, { action: 'pick', connectionId: 'b' }).resolution).toEqual({
      field: 'emails',
      key: 'x@y.example',
      entry: null,
    });
    // The entry's value may be left out or given in any case; another address is refused.
    expect(fieldResolution(setRow, { action: 'value', value: { label: 'home' } }).resolution).toMatchObject({
      entry: entry('x@y.example', 'home'),
    });
    expect(
      fieldResolution(setRow, { action: 'value', value: { value: 'X@Y.example', label: null } }).resolution,
    ).toMatchObject({ key: 'x@y.example' });
    expect(
      refusal(() => fieldResolution(setRow, { action: 'value', value: { value: 'z@y.example', label: null } })).message,
    ).toMatch(/^value.value: this conflict is about the emails entry "x@y.example"/);
  });
});
