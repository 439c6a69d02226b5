import type { SeedPerson } from '../seed/people.ts';
import { deriveSeed, Rng } from '../shared/prng.ts';
import { seededTime } from '../shared/time.ts';
import type { ContactStatus } from './schema.ts';
import type { IlertState } from './state.ts';

const TIMEZONES: Record<string, string> = {
  US: 'America/New_York',
  GB: 'Europe/London',
  DE: 'Europe/Berlin',
  FR: 'Europe/Paris',
  JP: 'Asia/Tokyo',
};

/** Staff who use ilert become users; their emails and phones become contact methods. */
export function seedIlert(state: IlertState, people: SeedPerson[], seed: number): void {
  const rng = new Rng(deriveSeed(seed, 'ilert'));
  const status = (): ContactStatus => (rng.chance(0.02) ? 'LOCKED' : rng.chance(0.01) ? 'BLACKLISTED' : 'OK');
  for (const person of people) {
    for (const record of person.records.ilert ?? []) {
      const created = seededTime(rng);
      const user = state.addUser({
        firstName: record.givenName,
        lastName: record.familyName,
        email: person.email,
        timezone: TIMEZONES[person.phone.region] ?? 'UTC',
        position: record.title,
        department: person.department,
        avatarUrl: null,
        role: rng.chance(0.05) ? 'ADMIN' : rng.chance(0.5) ? 'RESPONDER' : 'USER',
        createdAt: new Date(created).toISOString(),
        updatedAt: new Date(created + Math.floor(rng.next() * 1e9)).toISOString(),
      });
      record.externalId = String(user.id);
      for (const e of record.emails) state.addEmail(user.id, e.value, status());
      let primaryGiven = false;
      for (const p of record.phones) {
        const primary: boolean = !primaryGiven && rng.chance(0.8);
        primaryGiven ||= primary;
        state.addPhone(user.id, { regionCode: p.region, target: p.value, primary }, status());
      }
    }
  }
}
