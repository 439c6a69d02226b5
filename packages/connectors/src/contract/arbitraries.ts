import type { Canonical, SetEntry } from '@contact-sync/core/canonical';
import fc from 'fast-check';

/**
 * Canonical records as the engine holds them (normalized), with the messiness providers
 * produce: unicode names, long values, labels from several vocabularies, phones in E.164
 * and unparseable ones.
 */
const word = fc.constantFrom('Ann', 'José', 'Zoë', 'Mary Ann', 'Ødegård', "O'Neil", 'Łukasz', 'Nguyễn', 'Li');
const longName = fc.string({ minLength: 51, maxLength: 60, unit: fc.constantFrom('a', 'b', 'é') });
const name = fc.option(fc.oneof({ weight: 6, arbitrary: word }, { weight: 1, arbitrary: longName }), { nil: null });
const localPart = fc.stringMatching(/^[a-z][a-z0-9._]{0,12}$/);
const domain = fc.constantFrom('example.com', 'mail.example.org', 'church.example');
const email = fc.tuple(localPart, domain).map(([l, d]) => `${l}@${d}`);
const phone = fc.oneof(
  fc.constantFrom('+14155550100', '+442079460958', '+491711234567', '+33612345678', '+61412345678', '+12025550143'),
  fc.integer({ min: 2_000_000, max: 9_999_999 }).map((n) => `+1415${n}`),
  fc.constantFrom('5550100', '+1034137223'),
);
const website = fc.constantFrom('https://example.com', 'https://blog.example.org/me', 'http://www.my-site.example');
const chat = fc.constantFrom('https://slack.example/team/u1', 'skype:ann.example', 'https://teams.example/u/2');
const label = (vocab: readonly string[]) => fc.option(fc.constantFrom(...vocab), { nil: null });

const entries = (value: fc.Arbitrary<string>, labels: readonly string[], max: number) =>
  fc
    .uniqueArray(fc.record({ value, label: label(labels) }), { maxLength: max, selector: (e) => e.value })
    .map((xs) => xs as SetEntry[]);

export const canonicalArb: fc.Arbitrary<Canonical> = fc.record({
  givenName: name,
  middleName: name,
  familyName: name,
  displayName: name,
  organization: fc.option(fc.constantFrom('Acme', 'St. Mark’s'), { nil: null }),
  title: fc.option(fc.constantFrom('Pastor', 'Engineer', 'Ops lead'), { nil: null }),
  avatarUrl: fc.option(fc.constantFrom('https://img.example/a.png', 'https://img.example/b.jpg'), { nil: null }),
  emails: entries(email, ['work', 'home', 'personal', 'other'], 3),
  phones: entries(phone, ['mobile', 'work', 'home', 'fax', 'sms', 'voice', 'other'], 3),
  websites: entries(website, ['work', 'personal', 'other'], 2),
  chats: entries(chat, ['slack', 'skype', 'teams', 'hipchat'], 2),
});
