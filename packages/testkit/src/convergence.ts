import type { Canonical, Projection } from '@contact-sync/core';
import { canonicalEquals, expectedProjection, resolvePhonesAgainst } from '@contact-sync/core';
import type { Resources } from '@contact-sync/engine/resources';
import { allLinksWithPeople, allSnapshotProjections } from '@contact-sync/store';

export interface Divergence {
  canonicalId: string;
  connectionId: string;
  externalId: string;
  expected: Projection;
  actual: Projection | null;
}

/**
 * Checks, from the last pulled snapshots, that every linked provider record holds what
 * its connection should hold of its canonical record (the descriptor's projection, on the
 * fields the engine writes). Run it after a full resync, so the snapshots are fresh.
 */
export async function divergences(res: Resources): Promise<Divergence[]> {
  const [links, snaps] = await Promise.all([allLinksWithPeople(res.prisma), allSnapshotProjections(res.prisma)]);
  const snapOf = new Map(snaps.map((s) => [`${s.connectionId}\u0000${s.externalId}`, s]));
  const out: Divergence[] = [];
  for (const link of links) {
    if (link.canonical.deletedAt) continue;
    const conn = res.connections.get(link.connectionId);
    if (!conn || conn.config.direction === 'pull') continue;
    const caps = conn.connector.capabilities;
    const snap = snapOf.get(`${link.connectionId}\u0000${link.externalId}`);
    const canonical = link.canonical.data as Canonical;
    // Read as the reconciler reads it: phones without a country code in the person's country.
    const current = snap && !snap.goneAt ? resolvePhonesAgainst(snap.projection as Projection, canonical) : null;
    const expected = pick(expectedProjection(caps, canonical, current), caps.fields);
    const actual = current ? pick(current, caps.fields) : null;
    if (!actual || !canonicalEquals(expected, actual)) {
      out.push({
        canonicalId: link.canonicalId,
        connectionId: link.connectionId,
        externalId: link.externalId,
        expected,
        actual,
      });
    }
  }
  return out;
}

const pick = (p: Projection, fields: readonly string[]): Projection =>
  Object.fromEntries(Object.entries(p).filter(([k]) => fields.includes(k))) as Projection;
