import { describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox.ts';
import { PROVIDER_KEYS } from '../types.ts';
import { generatePeople } from './people.ts';

describe('generatePeople', () => {
  it('is deterministic: same seed and count give the same people; another seed differs', () => {
    expect(generatePeople({ seed: 5, count: 300 })).toEqual(generatePeople({ seed: 5, count: 300 }));
    expect(generatePeople({ seed: 5, count: 300 })).not.toEqual(generatePeople({ seed: 6, count: 300 }));
  });

  it('gives every number to one person: no two share a number or its national digits', () => {
    // 30,000 people: random draws alone would give two pairs the same number here.
    const people = generatePeople({ seed: 42, count: 30_000 });
    const owner = new Map<string, string>();
    for (const p of people)
      for (const phone of [p.phone, p.mobile]) {
        if (!phone) continue;
        const national = phone.national.replace(/\D/g, '').replace(/^0+/, '');
        expect(owner.get(national) ?? p.id, `${phone.e164} of ${p.id}`).toBe(p.id);
        owner.set(national, p.id);
      }
  });

  it('spreads people across providers with overlap, duplicates, unicode and invalid records', () => {
    const people = generatePeople({ seed: 42, count: 5000 });
    const records = people.flatMap((p) => Object.values(p.records).flat());
    const quirks = new Set(records.flatMap((r) => r.quirks));
    for (const q of [
      'nfd-name',
      'email-case',
      'stale-title',
      'extra-email',
      'duplicate',
      'invalid-email',
      'phone-too-long',
      'untrimmed-name',
    ]) {
      expect(quirks, q).toContain(q);
    }
    expect(people.filter((p) => p.providers.length >= 2).length).toBeGreaterThan(500);
    expect(people.filter((p) => p.providers.length === 1).length).toBeGreaterThan(500);
    for (const k of PROVIDER_KEYS)
      expect(
        people.some((p) => p.providers.includes(k)),
        k,
      ).toBe(true);
    expect(people.some((p) => /\p{Script=Han}|\p{Script=Hangul}/u.test(p.displayName))).toBe(true);
    // ilert and r-service hold only staff; every person appears somewhere
    expect(people.every((p) => p.providers.length > 0)).toBe(true);
    expect(
      people.filter((p) => p.providers.includes('ilert') || p.providers.includes('r-service')).every((p) => p.staff),
    ).toBe(true);
    // e-mails are unique per person (the ground truth for matching)
    expect(new Set(people.map((p) => p.email)).size).toBe(people.length);
    // phone formatting differs between providers for the same person
    const formats = new Set(
      people.flatMap((p) =>
        Object.values(p.records).flatMap((rs) => rs.map((r) => r.phones[0]?.value.replace(/\d/g, '9'))),
      ),
    );
    expect(formats.size).toBeGreaterThan(5);
  });

  it('generates 100,000 people with the expected shape', () => {
    const people = generatePeople({ seed: 1, count: 100_000 });
    expect(people).toHaveLength(100_000);
    expect(people.at(-1)!.id).toBe('p100000');
    expect(people.every((p) => p.phone.e164.startsWith('+'))).toBe(true);
  }, 60_000); // ~2 s alone; CI runs it beside the integration suites on 2 cores
});

describe('seeded sandbox', () => {
  it('gives the same provider state for the same seed, and records each seed record external id', async () => {
    const a = await startSandbox({ seed: 9, contacts: 200 });
    const b = await startSandbox({ seed: 9, contacts: 200 });
    try {
      for (const k of PROVIDER_KEYS) expect(a.state(k), k).toEqual(b.state(k));
      expect(a.providers.churchpad.credential).toBe(b.providers.churchpad.credential);
      const withIds = a.people.flatMap((p) => Object.values(p.records).flat());
      expect(withIds.every((r) => typeof r.externalId === 'string')).toBe(true);
      const churchpadIds = a.people.flatMap((p) => (p.records.churchpad ?? []).map((r) => r.externalId));
      expect(churchpadIds.length).toBe(a.sim.churchpad.count());
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
