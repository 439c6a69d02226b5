import { describe, expect, it } from 'vitest';
import { diffSubresources, type ExistingEntry } from './subresource-diff.ts';

const ex = (id: number, group: string, value: string, label: string | null = null): ExistingEntry<null> => ({
  id,
  group,
  value,
  label,
  wire: null,
});

describe('diffSubresources', () => {
  it('turns a changed value into one update, not a remove and a create', () => {
    const plan = diffSubresources(
      [ex(1, 'email', 'a@x.io'), ex(2, 'email', 'b@x.io')],
      [
        { group: 'email', value: 'a@x.io', label: null },
        { group: 'email', value: 'c@x.io', label: null },
      ],
    );
    expect(plan).toEqual({
      update: [{ from: ex(2, 'email', 'b@x.io'), to: { group: 'email', value: 'c@x.io', label: null } }],
      create: [],
      remove: [],
    });
  });

  it('changes a label in place and never pairs across kinds', () => {
    const plan = diffSubresources(
      [ex(1, 'telephone', '+1', 'work'), ex(2, 'email', 'a@x.io', 'work')],
      [
        { group: 'telephone', value: '+1', label: 'mobile' },
        { group: 'website', value: 'https://x.io', label: 'work' },
      ],
    );
    expect(plan.update.map((u) => u.from.id)).toEqual([1]);
    expect(plan.create).toEqual([{ group: 'website', value: 'https://x.io', label: 'work' }]);
    expect(plan.remove.map((r) => r.id)).toEqual([2]);
  });

  it('does nothing when the state already matches (a retry after a ghost write)', () => {
    const plan = diffSubresources(
      [ex(1, 'email', 'a@x.io'), ex(2, 'email', 'a@x.io')],
      [{ group: 'email', value: 'a@x.io', label: null }],
    );
    expect(plan).toEqual({ update: [], create: [], remove: [] });
  });
});
