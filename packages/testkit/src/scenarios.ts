import { peopleWithoutRecordIn } from '@contact-sync/store';
import type { Stack } from './stack.ts';

/**
 * Test and demo scenarios driven through the simulators. An ambiguous match: a NodePing
 * contact holding the emails of two people who have no NodePing record yet, so it matches
 * both. Returns the two candidates and the contact; the caller syncs.
 */
export async function insertAmbiguousNodepingContact(stack: Stack) {
  const people = await peopleWithoutRecordIn(stack.res.prisma, 'nodeping', 2);
  if (people.length < 2)
    throw new Error(`an ambiguous match needs two people without a NodePing record, found ${people.length}`);
  const nodeping = stack.config.connections.find((c) => c.id === 'nodeping');
  if (!nodeping) throw new Error('the stack has no nodeping connection');
  const customer = String(nodeping.options.customerId ?? stack.sandbox.sim.nodeping.primaryId);
  const contact = stack.sandbox.sim.nodeping.insert(customer, {
    name: 'Both Of Them',
    addresses: people.map((p) => ({ address: p.keys[0]!.value, type: 'email' })),
  });
  return { people, contact };
}
