import type { SeedPerson } from '../seed/people.ts';
import type { Rng } from '../shared/prng.ts';
import type { NodepingAddress } from './schema.ts';
import type { NodepingState } from './state.ts';

/** On-call contacts: e-mails and SMS/voice numbers; 15% live in sub-accounts. The first is the owner. */
export function seedNodeping(state: NodepingState, people: SeedPerson[], rng: Rng): void {
  let first = true;
  for (const person of people) {
    for (const record of person.records.nodeping ?? []) {
      const addresses: NodepingAddress[] = [];
      for (const e of record.emails) addresses.push({ address: e.value, type: 'email', status: 'verified' });
      for (const p of record.phones) {
        addresses.push({ address: p.value, type: p.label === 'mobile' ? 'sms' : rng.pick(['sms', 'voice']) });
      }
      for (const c of record.chats) addresses.push({ address: c.value, type: 'slack' });
      if (addresses[1] && rng.chance(0.1)) addresses[1].suppressfirst = true;
      const customerId = !first && rng.chance(0.15) ? rng.pick(state.subaccountIds) : state.primaryId;
      const contact = state.insert(customerId, {
        name: `${record.givenName} ${record.familyName}`,
        custrole: first ? 'owner' : rng.pick(['view', 'view', 'edit', 'notify']),
        addresses,
      });
      first = false;
      record.externalId = contact._id;
    }
  }
}
