import { COMPANIES, STAFF_COMPANY } from '../seed/names.ts';
import type { SeedPerson } from '../seed/people.ts';
import type { Rng } from '../shared/prng.ts';
import { seededTime } from '../shared/time.ts';
import type { GrowState } from './state.ts';

/** One client per company; the first contact of each client is its account owner. */
export function seedGrowcrm(state: GrowState, people: SeedPerson[], rng: Rng): void {
  const clientByCompany = new Map<string, number>();
  for (const c of [...COMPANIES, STAFF_COMPANY]) clientByCompany.set(c.name, state.addClient(c.name).id);
  for (const email of ['admin@growcrm-sandbox.example.com', 'billing@growcrm-sandbox.example.com'])
    state.addTeamUser(email);
  const hasOwner = new Set<number>();
  for (const person of people) {
    for (const record of person.records.growcrm ?? []) {
      let email = record.emails[0]?.value ?? `${person.id}@invalid.example.com`;
      // The service never let two users share an e-mail; a colliding seed record gets a tag.
      if (state.emailTaken(email)) email = email.replace('@', `+${person.id}@`);
      const orphan = rng.chance(0.005);
      const clientId = orphan ? null : (clientByCompany.get(record.organization ?? '') ?? 1);
      const created = seededTime(rng);
      const owner = clientId !== null && !hasOwner.has(clientId);
      if (owner && clientId !== null) hasOwner.add(clientId);
      const contact = state.insert({
        first_name: record.givenName,
        last_name: record.familyName,
        email,
        phone: record.phones[0]?.value ?? null,
        job_position: record.title,
        clientId,
        account_owner: owner ? 'yes' : 'no',
        status: rng.chance(0.05) ? 'inactive' : 'active',
        created,
        updated: created + Math.floor(rng.next() * 1e9),
      });
      record.externalId = String(contact.id);
    }
  }
}
