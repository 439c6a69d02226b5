import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConnector, TransientError } from '@contact-sync/connectors';
import { runPull } from '@contact-sync/engine/pull/pull';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { divergences } from '@contact-sync/testkit/convergence';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Issue 10, bad input from providers. fast-check generates malformed ChurchPad records
 * (wrong types, missing fields, missing ids, huge strings, invalid Unicode) served by the
 * simulator next to good ones (some with unexpected extra fields) and a record whose id is
 * returned twice on different pages. Guards: per-item validation in the connectors
 * (toPulledItem + unsafeString), the quarantine, and ingestPage's "seen in this run" rule.
 * Without them one bad record fails the whole page (nothing syncs), is stored and
 * propagated (a 100k-character name, U+FFFD in a name), or a repeated id is ingested twice.
 */
const db = await createTestDatabase();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 41, contacts: 30 },
  });
  await stack.sync({ timeoutMs: 120_000 });
});
afterAll(async () => {
  await stack?.close();
});

type Bad = { record: Record<string, unknown>; field: string; marker: string };
const FIELDS = ['first_name', 'last_name', 'phone', 'email'] as const;
let serial = 0;
const base = () => {
  const n = ++serial;
  return {
    id: `bad-${n}-0000-4000-8000-${String(n).padStart(12, '0')}`,
    first_name: `Badrec${n}`,
    last_name: 'Input',
    phone: `+1415555${String(1000 + n).slice(-4)}`,
    email: `bad.input.${n}@bad-input.example.com`,
    marker: `marker-${n}`,
  };
};
const wrongValue = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);
const badRecord: fc.Arbitrary<Bad> = fc.oneof(
  fc.record({ field: fc.constantFrom(...FIELDS), value: wrongValue }).map(({ field, value }) => {
    const r = base();
    return { record: { ...r, [field]: value }, field, marker: r.marker };
  }),
  fc.constantFrom(...FIELDS).map((field) => {
    const r: Record<string, unknown> = base();
    delete r[field];
    return { record: r, field, marker: r.marker as string };
  }),
  fc.constantFrom<unknown>(undefined, 42, '').map((id) => {
    const r: Record<string, unknown> = base();
    if (id === undefined) delete r.id;
    else r.id = id;
    return { record: r, field: 'id', marker: r.marker as string };
  }),
  fc
    .record({ field: fc.constantFrom(...FIELDS), size: fc.integer({ min: 40_000, max: 300_000 }) })
    .map(({ field, size }) => {
      const r = base();
      return { record: { ...r, [field]: 'x'.repeat(size) }, field, marker: r.marker };
    }),
  fc
    .record({ field: fc.constantFrom(...FIELDS), lone: fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF') })
    .map(({ field, lone }) => {
      const r = base();
      return { record: { ...r, [field]: `${String(r[field])}${lone}` }, field, marker: r.marker };
    }),
);
const extraFields = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !(k in base()) && k !== 'id' && !k.includes('.')),
  fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null), fc.object({ maxDepth: 1 })),
  { minKeys: 1, maxKeys: 4 },
);

describe('malformed provider payloads', () => {
  it('are quarantined one by one with the field named; the rest syncs', async () => {
    const cp = stack.sandbox.sim.churchpad;
    await fc.assert(
      fc.asyncProperty(
        fc.array(badRecord, { minLength: 5, maxLength: 9 }),
        fc.array(extraFields, { minLength: 1, maxLength: 3 }),
        async (bads, extras) => {
          for (const b of bads) {
            const c = cp.insert(b.record as never);
            // A record without an id: the simulator indexes it, the wire shape has none.
            if (!('id' in b.record)) delete (c as Partial<typeof c>).id;
          }
          const goodIds: string[] = [];
          for (const x of extras) {
            const r = base();
            cp.insert({ ...x, ...r } as never);
            goodIds.push(r.id);
          }
          // Enough good records to push the list past one page (100), and an id repeated on the next page.
          while (cp.count() < 110) {
            const r = base();
            cp.insert(r as never);
            goodIds.push(r.id);
          }
          const first = cp.page(0, 1)[0]!;
          cp.insert({ ...first } as never);

          const before = new Date();
          await stack.sync({ timeoutMs: 120_000 });
          const rows = await stack.res.prisma.quarantinedRecord.findMany({
            where: { connectionId: 'churchpad', createdAt: { gte: before } },
          });
          for (const b of bads) {
            const row = rows.find((q) => (q.raw as { marker?: string } | null)?.marker === b.marker);
            expect(row, `quarantined: ${b.marker} (${b.field})`).toBeDefined();
            expect(row!.error).toMatch(new RegExp(`(^|\\W)${b.field}\\b`));
            expect(row!.error.length).toBeLessThan(500);
          }
          expect(rows.some((q) => q.externalId === first.id && q.error.includes('more than once'))).toBe(true);
          const linked = await stack.res.prisma.link.findMany({
            where: { connectionId: 'churchpad', externalId: { in: goodIds } },
            select: { externalId: true },
          });
          expect(linked.length).toBe(goodIds.length);
          const badIds = bads.flatMap((b) => (b.record.id == null ? [] : [String(b.record.id)]));
          const badLinks = await stack.res.prisma.link.count({
            where: { connectionId: 'churchpad', externalId: { in: badIds } },
          });
          expect(badLinks).toBe(0);
          // Nothing of a bad record reached another provider.
          const grow = JSON.stringify(stack.sandbox.state('growcrm'));
          for (const b of bads) {
            const n = b.marker.slice('marker-'.length);
            expect(grow).not.toContain(`"bad.input.${n}@bad-input.example.com"`);
            expect(grow).not.toContain(`"Badrec${n}"`);
          }
          // The repeated record is not doubled anywhere: remove the copy, the next sync settles.
          cp.remove(first.id);
          cp.insert(first as never);
        },
      ),
      { numRuns: 2, seed: 41, endOnFailure: true },
    );
    // A fresh full sync (snapshots of what the last one created), then everything good agrees.
    await stack.sync({ timeoutMs: 120_000 });
    expect(await divergences(stack.res)).toEqual([]);
  }, 300_000);
});

describe('a provider answering 200 with HTML or an empty body', () => {
  let server: Server;
  let body = '';
  let type = 'text/html';
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('is a clear transient error from the connector, for HTML and for an empty body', async () => {
    const { port } = server.address() as AddressInfo;
    const connector = createConnector('churchpad', {
      baseUrl: `http://127.0.0.1:${port}/churchpad`,
      credential: 'x.y.z',
      retries: 0,
      minBackoffMs: 1,
    });
    for (const [b, t] of [
      ['<html><body><h1>502 Bad Gateway</h1></body></html>', 'text/html'],
      ['', 'application/json'],
    ] as const) {
      body = b;
      type = t;
      const err = await (async () => {
        for await (const _ of connector.list()) {
        }
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransientError);
      expect((err as Error).message).toMatch(/churchpad/);
      expect((err as Error).message).toMatch(/json|body|html|parse/i);
    }
  });

  it('fails the pull (retried later), marks nothing gone, and leaves the worker running', async () => {
    const live = await stack.res.prisma.snapshotRecord.count({ where: { connectionId: 'churchpad', goneAt: null } });
    stack.sandbox.setFaults({ malformed: 1 }, 'churchpad');
    try {
      const err = await runPull(stack.res, { connectionId: 'churchpad', full: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransientError);
      const run = await stack.res.prisma.syncRun.findFirstOrThrow({
        where: { kind: 'pull', connectionId: 'churchpad' },
        orderBy: { startedAt: 'desc' },
      });
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/churchpad/);
      expect(await stack.res.prisma.snapshotRecord.count({ where: { connectionId: 'churchpad', goneAt: null } })).toBe(
        live,
      );
    } finally {
      stack.sandbox.setFaults('none', 'churchpad');
    }
    // The same worker then completes a sync.
    await stack.sync({ timeoutMs: 120_000 });
  });
});
