import type { Rng } from './prng.ts';

const SEED_EPOCH = Date.UTC(2023, 0, 1);
const TWO_YEARS = 2 * 365 * 24 * 3600 * 1000;

/** A deterministic past instant for seeded records (never the wall clock). */
export function seededTime(rng: Rng): number {
  return SEED_EPOCH + Math.floor(rng.next() * TWO_YEARS);
}

export const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
