import type { Canonical } from '@contact-sync/core/canonical';
import { emptyCanonical } from '@contact-sync/core/canonical';
import type { Sandbox, SeedRecord } from '@contact-sync/simulators';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '../errors.ts';
import type { ProviderKey } from '../registry.ts';
import { capabilitiesFor } from '../registry.ts';
import type { Connector, ExternalRecord } from '../types.ts';
import { canonicalArb } from './arbitraries.ts';
import { comparable } from './comparable.ts';
import { heapAfterGc } from './heap.ts';
import type { Simulated } from './simulated.ts';
import { until } from './until.ts';

interface ValidationCase {
  name: string;
  /** Provokes the documented validation error (directly, bypassing `project`). */
  run(connector: Connector, ctx: { existing: ExternalRecord }): Promise<unknown>;
  field: string | null;
  message: RegExp;
}

export interface ContractSubject {
  provider: ProviderKey;
  start(opts: { contacts: number }): Promise<Simulated>;
  validationCases: ValidationCase[];
  /** An id the provider does not hold, in its id format. */
  unknownId: string;
  /** Whether `update` reads first and skips writes the record does not need (else it writes idempotently). */
  skipsNoOpWrites: boolean;
  /** Seed records this connection can see (default: all of the provider's). */
  visible?: (record: SeedRecord, sandbox: Sandbox) => boolean;
}

const LARGE = 10_000;
const SMALL = 150;

/** Canonical record a create will accept: required fields filled, emails unique to this run. */
const creatable = (c: Canonical, run: number): Canonical => ({
  ...c,
  givenName: c.givenName ?? 'Ann',
  familyName: c.familyName ?? 'Lee',
  displayName: c.displayName,
  emails: [
    { value: `rt${run}@roundtrip.example`, label: 'work' },
    ...c.emails.map((e, i) => ({ ...e, value: `rt${run}x${i}.${e.value}` })),
  ],
  phones: c.phones.length > 0 ? c.phones : [{ value: '+14155550100', label: 'mobile' }],
});

const collect = async (connector: Connector): Promise<ExternalRecord[]> => {
  const out: ExternalRecord[] = [];
  for await (const page of connector.list()) for (const i of page) if (i.kind === 'record') out.push(i.record);
  return out;
};

/** The contract every connector passes against its simulator. */
export const runConnectorContract = (subject: ContractSubject): void => {
  const { provider, start, validationCases, visible } = subject;
  const { canCreate } = capabilitiesFor(provider);
  describe(`${provider} connector contract`, () => {
    it(`lists every record of a ${LARGE}-contact seed page by page without retaining pages`, async () => {
      const sim = await start({ contacts: LARGE });
      try {
        const expected = sim.sandbox.people.reduce(
          (n, p) => n + (p.records[provider] ?? []).filter((r) => visible?.(r, sim.sandbox) ?? true).length,
          0,
        );
        const base = heapAfterGc();
        const refs: WeakRef<object>[] = [];
        let seen = 0;
        let pages = 0;
        let peak = 0;
        for await (const page of sim.connector.list()) {
          seen += page.length;
          pages++;
          refs.push(new WeakRef(page));
          if (pages % 5 === 0) peak = Math.max(peak, heapAfterGc() - base);
        }
        expect(seen).toBe(expected);
        expect(pages).toBeGreaterThan(1);
        // WeakRef targets stay alive until the current job ends: let it end before collecting.
        await new Promise((r) => setTimeout(r, 0));
        heapAfterGc();
        // Pages handed out are not kept by the connector…
        expect(refs.slice(0, -1).filter((r) => r.deref() !== undefined)).toHaveLength(0);
        // …and the heap while streaming stays far below the size of the whole provider.
        expect(peak).toBeLessThan(48 * 1024 * 1024);
      } finally {
        await sim.sandbox.stop();
      }
    });

    describe('against a small seed', () => {
      let sim: Simulated;
      let existing: ExternalRecord;
      beforeAll(async () => {
        sim = await start({ contacts: SMALL });
        const all = await collect(sim.connector);
        const withEmail = all.find(
          (r) => (r.projection.emails?.length ?? 0) > 0 && (r.projection.phones?.length ?? 0) > 0,
        );
        if (!withEmail) throw new Error('seed has no record with an email and a phone');
        existing = withEmail;
      });
      afterAll(() => sim.sandbox.stop());
      const caps = () => sim.connector.capabilities;

      it('gets a record as listed, and null for an unknown id', async () => {
        const got = await sim.connector.get(existing.externalId);
        expect(got?.projection).toEqual(existing.projection);
        expect(await sim.connector.get(subject.unknownId)).toBeNull();
      });

      it('round-trips an update of every held set through the simulator (property)', async () => {
        let run = 0;
        await fc.assert(
          fc.asyncProperty(canonicalArb, async (c0) => {
            run++;
            const c = creatable(c0, 1000 + run);
            const { projection } = caps().project(c);
            const changed = caps().fields.filter((f) => f in projection);
            const written = await sim.connector.update(existing.externalId, projection, changed);
            const pulled = await sim.connector.get(existing.externalId);
            expect(comparable(written.projection, changed)).toEqual(comparable(projection, changed));
            expect(comparable(pulled?.projection ?? {}, changed)).toEqual(comparable(projection, changed));
          }),
          { numRuns: 15 },
        );
      });

      // Flat providers write what they are given (idempotent PATCH/PUT); the engine does not call them without a change.
      it.runIf(subject.skipsNoOpWrites)(
        'makes no write call for an update to what the provider already holds',
        async () => {
          const current = await sim.connector.get(existing.externalId);
          if (!current) throw new Error('record vanished');
          sim.sandbox.clearRequests();
          await sim.connector.update(existing.externalId, current.projection, caps().fields);
          expect(sim.sandbox.writeCount(provider)).toBe(0);
        },
      );

      it.runIf(canCreate)(
        'create → get → delete round-trips (property), delete of a gone record succeeds',
        async () => {
          let run = 0;
          await fc.assert(
            fc.asyncProperty(canonicalArb, async (c0) => {
              run++;
              const { projection } = caps().project(creatable(c0, run));
              // A canonical value the provider cannot hold (a name over its limit) leaves a required field out.
              fc.pre(
                caps().requiredForCreate.every((f) =>
                  Array.isArray(projection[f]) ? projection[f].length > 0 : projection[f] != null,
                ),
              );
              const created = await sim.connector.create(projection);
              const fields = caps().fields.filter((f) => f in projection);
              const got = await sim.connector.get(created.externalId);
              expect(comparable(got?.projection ?? {}, fields)).toEqual(comparable(projection, fields));
              await sim.connector.delete(created.externalId);
              expect(await sim.connector.get(created.externalId)).toBeNull();
              await sim.connector.delete(created.externalId);
            }),
            { numRuns: 15 },
          );
        },
      );

      it.runIf(canCreate)('a create whose answer is lost is adopted, not duplicated', async () => {
        const { projection } = caps().project(creatable({ ...emptyCanonical(), givenName: 'Ghost' }, 99_999));
        sim.sandbox.setFaults({ ghostWrite: 1 }, provider);
        const created = await sim.connector.create(projection).finally(() => sim.sandbox.setFaults({}, provider));
        const found = (await collect(sim.connector)).filter((r) =>
          r.projection.emails?.some((e) => e.value === 'rt99999@roundtrip.example'),
        );
        expect(found.map((r) => r.externalId)).toEqual([created.externalId]);
      });

      it.runIf(!canCreate)('an update changing one email makes exactly one write call', async () => {
        const current = await sim.connector.get(existing.externalId);
        const emails = current?.projection.emails ?? [];
        const first = emails[0];
        if (!current || !first) throw new Error('record without email');
        const target = {
          ...current.projection,
          emails: [{ ...first, value: `changed.${first.value}` }, ...emails.slice(1)],
        };
        sim.sandbox.clearRequests();
        const after = await sim.connector.update(existing.externalId, target, ['emails']);
        expect(sim.sandbox.writeCount(provider)).toBe(1);
        expect(after.projection.emails?.map((e) => e.value)).toContain(`changed.${first.value}`);
      });

      it.runIf(!canCreate)('refuses to create or delete the parent (documented)', async () => {
        await expect(sim.connector.create({})).rejects.toBeInstanceOf(PermanentError);
        await expect(sim.connector.delete(existing.externalId)).rejects.toBeInstanceOf(PermanentError);
        expect(caps().canCreate || caps().canDelete).toBe(false);
      });

      for (const vc of validationCases) {
        it(`surfaces the documented validation error: ${vc.name}`, async () => {
          sim.sandbox.clearRequests();
          const err = await vc.run(sim.connector, { existing }).then(
            () => null,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(PermanentError);
          expect((err as PermanentError).field).toBe(vc.field);
          expect((err as PermanentError).message).toMatch(vc.message);
          // Permanent: not retried.
          expect(sim.sandbox.requests(provider).filter((r) => r.isWrite)).toHaveLength(1);
        });
      }

      const faultCases = [
        { name: '5xx', faults: { error5xx: 1 }, mark: 'error5xx' },
        { name: '429', faults: { rate429: 1, retryAfterSec: 0 }, mark: 'rate429' },
        { name: 'malformed 200 bodies', faults: { malformed: 1 }, mark: 'malformed' },
        { name: 'connection resets', faults: { reset: 1 }, mark: 'reset' },
        { name: 'timeouts', faults: { timeout: 1, timeoutHoldMs: 10_000 }, mark: 'timeout' },
      ] as const;
      for (const fcase of faultCases) {
        it(`retries ${fcase.name} and succeeds when the fault clears`, async () => {
          const connector = sim.connect({ timeoutMs: 300 });
          sim.sandbox.clearRequests();
          sim.sandbox.setFaults(fcase.faults, provider);
          const pending = connector.get(existing.externalId);
          try {
            await until(() => sim.sandbox.requests(provider).filter((r) => r.fault === fcase.mark).length >= 2);
          } finally {
            sim.sandbox.setFaults({}, provider);
          }
          expect((await pending)?.projection).toEqual((await sim.connector.get(existing.externalId))?.projection);
        });
      }

      it('lists through malformed 200 bodies once they clear, every record once', async () => {
        const expected = (await collect(sim.connector)).map((r) => r.externalId).sort();
        const connector = sim.connect({ timeoutMs: 300 });
        sim.sandbox.clearRequests();
        sim.sandbox.setFaults({ malformed: 1 }, provider);
        const pending = collect(connector);
        try {
          await until(() => sim.sandbox.requests(provider).filter((r) => r.fault === 'malformed').length >= 2);
        } finally {
          sim.sandbox.setFaults({}, provider);
        }
        expect((await pending).map((r) => r.externalId).sort()).toEqual(expected);
      });

      it('waits for Retry-After before trying again', async () => {
        sim.sandbox.clearRequests();
        sim.sandbox.setFaults({ rate429: 1, retryAfterSec: 1 }, provider);
        const pending = sim.connector.get(existing.externalId);
        try {
          await until(() => sim.sandbox.requests(provider).some((r) => r.fault === 'rate429'));
        } finally {
          sim.sandbox.setFaults({}, provider);
        }
        await pending;
        const log = sim.sandbox.requests(provider);
        const i = log.findIndex((r) => r.fault === 'rate429');
        const limited = log[i];
        const next = log[i + 1];
        expect(next && limited ? next.time - limited.time : 0).toBeGreaterThanOrEqual(950);
      });
    });
  });
};
