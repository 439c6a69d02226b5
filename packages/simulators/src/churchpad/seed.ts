import type { SeedPerson } from '../seed/people.ts';
import type { Rng } from '../shared/prng.ts';
import { seededTime } from '../shared/time.ts';
import type { ChurchpadState } from './state.ts';

/** Seeds directly into state: invalid records (long phones, bad emails) get in as they would have historically. */
export function seedChurchpad(state: ChurchpadState, people: SeedPerson[], rng: Rng): void {
  for (const person of people) {
    for (const record of person.records.churchpad ?? []) {
      const created = seededTime(rng);
      const contact = state.insert({
        id: rng.uuid(),
        legacy_id: rng.chance(0.2) ? `L${rng.int(10000, 99999)}` : null,
        created_at: new Date(created).toISOString(),
        updated_at: new Date(created + Math.floor(rng.next() * 1e9)).toISOString(),
        first_name: record.givenName,
        middle_name: record.middleName,
        last_name: record.familyName,
        phone: record.phones[0]?.value ?? '',
        email: record.emails[0]?.value ?? '',
        avatar: rng.chance(0.1)
          ? `https://cdn.churchpad.example.com/avatars/${rng.chars(12, 'abcdef0123456789')}.png`
          : null,
        is_manual: rng.chance(0.3),
      });
      record.externalId = contact.id;
    }
  }
}
