import { describe, expect, it } from 'vitest';
import type { Projection } from './canonical.ts';
import { normalizeProjection } from './normalize.ts';
import { resolvePhonesAgainst } from './phone-context.ts';
import { reconcileRecord } from './reconcile.ts';
import { fullDescriptor } from './test-support/descriptors.ts';
import { canonicalOf, conn, ctxOf, email } from './test-support/fixtures.ts';
import type { SideState } from './types.ts';

const A = conn('a', fullDescriptor);
const B = conn('b', fullDescriptor);
const fresh = (c: typeof A, phones: Projection['phones']): SideState => ({
  connectionId: c.id,
  externalId: `${c.id}-1`,
  base: null,
  current: normalizeProjection({ givenName: 'Ann', familyName: 'Lee', emails: [email('ann@x.io', null)], phones }),
  updatedAt: null,
});

describe('phones without a country code, read in the person’s country', () => {
  it('one number in E.164 on one side and national on the other is one entry: nothing is written', () => {
    const r = reconcileRecord(
      {
        canonicalId: 'p1',
        canonical: null,
        sides: [
          fresh(A, [{ value: '+447431235250', label: null }]),
          fresh(B, [{ value: '07431235250', label: null, raw: '07431 235250' }]),
        ],
      },
      ctxOf([A, B]),
    );
    expect(r.canonical?.phones.map((p) => p.value)).toEqual(['+447431235250']);
    expect(r.ops).toEqual([]);
  });

  it('a second national number takes the country of the person’s only country', () => {
    const r = reconcileRecord(
      {
        canonicalId: 'p1',
        canonical: null,
        sides: [
          fresh(A, [{ value: '+18017600497', label: null }]),
          fresh(B, [
            { value: '8017600497', label: null, raw: '(801) 760-0497' },
            { value: '6462931738', label: null, raw: '(646) 293-1738' },
          ]),
        ],
      },
      ctxOf([A, B]),
    );
    expect(r.canonical?.phones.map((p) => p.value)).toEqual(['+16462931738', '+18017600497']);
    expect(r.ops.map((o) => [o.connectionId, o.target?.phones?.map((p) => p.value)])).toEqual([
      ['a', ['+16462931738', '+18017600497']],
    ]);
  });

  it('a national number in a range not known as assigned still takes the person’s country', () => {
    // 07645 is possible but not valid in libphonenumber's metadata: an E.164 form of it is kept
    // by every mapper, so the national form must read the same, or the two never meet.
    const r = reconcileRecord(
      {
        canonicalId: 'p1',
        canonical: null,
        sides: [
          fresh(A, [{ value: '+447747548160', label: null }]),
          fresh(B, [
            { value: '+447747548160', label: null },
            { value: '07645313570', label: null, raw: '07645 313570' },
          ]),
        ],
      },
      ctxOf([A, B]),
    );
    expect(r.canonical?.phones.map((p) => p.value)).toEqual(['+447645313570', '+447747548160']);
    expect(r.ops.map((o) => [o.connectionId, o.target?.phones?.map((p) => p.value)])).toEqual([
      ['a', ['+447645313570', '+447747548160']],
    ]);
  });

  it('with numbers in several countries, only a reading that is one of them is taken', () => {
    const context = canonicalOf({
      phones: [
        { value: '+447431235250', label: null },
        { value: '+12125550100', label: null },
      ],
    });
    const p = resolvePhonesAgainst(
      {
        phones: [
          { value: '2125550100', label: null, raw: '(212) 555-0100' },
          { value: '6462931738', label: null },
        ],
      },
      context,
    );
    expect(p.phones?.map((e) => e.value)).toEqual(['+12125550100', '6462931738']);
  });

  it('no E.164 number anywhere: bare digits stay as they are', () => {
    const p = resolvePhonesAgainst({ phones: [{ value: '07431235250', label: null }] }, canonicalOf({}));
    expect(p.phones?.map((e) => e.value)).toEqual(['07431235250']);
  });
});
