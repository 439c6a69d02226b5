import type { SeedPerson } from '../seed/people.ts';
import type { Rng } from '../shared/prng.ts';
import { seededTime } from '../shared/time.ts';
import type { RServiceState } from './state.ts';

const SITES = ['New York HQ', 'London Office', 'Berlin Office', 'Remote'];

/** Staff become people; their e-mails, phones, websites and chat links become contact details. */
export function seedRService(state: RServiceState, people: SeedPerson[], rng: Rng): void {
  let lastManager: { id: number; name: string } | null = null;
  for (const person of people) {
    for (const record of person.records['r-service'] ?? []) {
      const created = seededTime(rng);
      const name =
        person.displayName === `${person.familyName}${person.givenName}`
          ? `${record.familyName}${record.givenName}`
          : `${record.givenName} ${record.familyName}`;
      const p = state.addPerson({
        sourceID: rng.chance(0.3) ? `AD-${rng.int(100000, 999999)}` : null,
        name,
        primary_email: record.emails[0]?.value ?? person.email,
        job_title: record.title,
        organization: { id: 1, name: person.organization },
        site: { id: 1 + rng.int(0, SITES.length - 1), name: rng.pick(SITES) },
        manager: lastManager,
        disabled: rng.chance(0.03),
        created,
        updated: created + Math.floor(rng.next() * 1e9),
      });
      if (rng.chance(0.05)) lastManager = { id: p.id, name: p.name };
      record.externalId = String(p.id);
      const integration = () => rng.chance(0.1);
      for (const e of record.emails)
        state.addContact(p.id, { label: e.label, email: e.value, integration: integration() });
      for (const t of record.phones) {
        state.addContact(p.id, {
          label: t.label === 'mobile' ? 'mobile' : 'work',
          telephone: t.value,
          integration: integration(),
        });
      }
      for (const w of record.websites) state.addContact(p.id, { label: 'personal', website: w.value });
      for (const c of record.chats) state.addContact(p.id, { label: c.label, chat: c.value });
    }
  }
}
