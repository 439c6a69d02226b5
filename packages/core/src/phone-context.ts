import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Canonical, Projection, SetEntry } from './canonical.ts';
import { mainCountryOf, normalizeSetEntries, possibleE164 } from './normalize.ts';
import type { ReconcileInput, SideState } from './types.ts';

/**
 * A phone written without a country code ("07431 235250", "(801) 760-0497") cannot be put in
 * E.164 by the mapper, which does not know the country; it stays as bare digits. Read in the
 * context of the person, it usually can: their other numbers say which country they live in.
 * Without this, the same number held in E.164 by one provider and nationally by another counts
 * as two numbers, and every provider is written the other form.
 *
 * The rule, per bare-digits entry (value not starting with "+"): parsed in each country of the
 * person's E.164 numbers (every side's current and base, and the canonical record), a reading
 * that is one of those numbers wins; otherwise, when all their numbers are of one country and
 * the digits are a possible number there, that reading (possible, as for a number written in
 * E.164: a range libphonenumber does not know as assigned, "07645 313570", is still a UK
 * number). Else the entry is left as it is. The
 * side's own base takes part, so a reading once agreed stays stable while the side holds it.
 */
export function resolveNationalPhones(input: ReconcileInput): ReconcileInput {
  // Fast path (the common case): no bare-digits phone anywhere, nothing to read. The rest is a
  // function of its own, so this call allocates nothing (its closures' context included).
  return anyNational(input) ? readInContext(input) : input;
}

function readInContext(input: ReconcileInput): ReconcileInput {
  let national = false;
  const known = new Set<string>();
  const collect = (entries: readonly SetEntry[] | undefined) => {
    if (entries)
      for (const e of entries) {
        if (e.value.startsWith('+')) known.add(e.value);
        else national = true;
      }
  };
  collect(input.canonical?.phones);
  for (const s of input.sides) {
    collect(s.current?.phones);
    collect(s.base?.phones);
  }
  if (!national || known.size === 0) return input;
  const regions = new Set<CountryCode>();
  for (const n of known) {
    const r = regionOf(n);
    if (r) regions.add(r);
  }
  if (regions.size === 0) return input;
  const read = (e: SetEntry): string | null => readNational(e.raw ?? e.value, regions, known);
  const fix = <P extends Projection | Canonical | null>(p: P): P => {
    if (!p?.phones?.some((e) => !e.value.startsWith('+'))) return p;
    let changed = false;
    const phones = p.phones.map((e) => {
      if (e.value.startsWith('+')) return e;
      const v = read(e);
      if (v === null) return e;
      changed = true;
      return { ...e, value: v, raw: e.raw ?? e.value };
    });
    return changed ? { ...p, phones: normalizeSetEntries('phones', phones) } : p;
  };
  const sides = input.sides.map((s): SideState => ({ ...s, current: fix(s.current), base: fix(s.base) }));
  return { ...input, canonical: fix(input.canonical), sides };
}

function anyNational(input: ReconcileInput): boolean {
  const canonical = input.canonical;
  // A list already looked at (the canonical one, or the side's current one in its base) is not read again.
  const known = canonical ? canonical.phones : undefined;
  if (hasNational(known)) return true;
  const sides = input.sides;
  for (let i = 0; i < sides.length; i++) {
    const s = sides[i]!;
    const current = s.current;
    const phones = current ? current.phones : undefined;
    if (phones !== known && hasNational(phones)) return true;
    const base = s.base;
    if (base && base !== current && base.phones !== known && base.phones !== phones && hasNational(base.phones))
      return true;
  }
  return false;
}

function hasNational(entries: readonly SetEntry[] | undefined): boolean {
  if (entries !== undefined)
    for (let i = 0; i < entries.length; i++) if (entries[i]!.value.charCodeAt(0) !== 43 /* + */) return true;
  return false;
}

function readNational(text: string, regions: ReadonlySet<CountryCode>, known: ReadonlySet<string>): string | null {
  let only: string | null = null;
  for (const region of regions) {
    const number = possibleE164(text, region);
    if (number === null) continue;
    // A reading that is one of the person's numbers is taken as is; a new one only in their one country.
    if (known.has(number)) return number;
    if (regions.size === 1) only = number;
  }
  return only;
}

/** Country of an E.164 number, memoized: the same numbers come back on every pass. */
const regionCache = new Map<string, CountryCode | null>();
function regionOf(e164: string): CountryCode | null {
  let r = regionCache.get(e164);
  if (r === undefined) {
    let parsed: ReturnType<typeof parsePhoneNumberFromString>;
    try {
      parsed = parsePhoneNumberFromString(e164);
    } catch {
      parsed = undefined;
    }
    r = mainCountryOf(parsed);
    if (regionCache.size > 50_000) regionCache.clear();
    regionCache.set(e164, r);
  }
  return r;
}

/** One projection's bare-digit phones read in the context of a canonical record (convergence checks). */
export const resolvePhonesAgainst = (p: Projection, canonical: Canonical): Projection =>
  resolveNationalPhones({
    canonicalId: '',
    canonical,
    sides: [{ connectionId: '', externalId: '', base: null, current: p, updatedAt: null }],
  }).sides[0]!.current!;
