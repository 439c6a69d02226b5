import type { Rng } from '../shared/prng.ts';

export interface SeedPhone {
  /** E.164, the ground truth. */
  e164: string;
  region: 'US' | 'GB' | 'DE' | 'FR' | 'JP';
  national: string;
  international: string;
}

const US_AREAS = ['212', '312', '415', '503', '617', '646', '702', '720', '801', '917'];

export function randomPhone(rng: Rng, region: SeedPhone['region']): SeedPhone {
  const d = (n: number) => rng.chars(n, '0123456789');
  switch (region) {
    case 'US': {
      const area = rng.pick(US_AREAS);
      const ex = `${rng.int(2, 9)}${d(2)}`;
      const line = d(4);
      return {
        e164: `+1${area}${ex}${line}`,
        region,
        national: `(${area}) ${ex}-${line}`,
        international: `+1 ${area} ${ex} ${line}`,
      };
    }
    case 'GB': {
      const a = `7${rng.int(4, 9)}${d(2)}`;
      const b = d(6);
      return { e164: `+44${a}${b}`, region, national: `0${a} ${b}`, international: `+44 ${a} ${b}` };
    }
    case 'DE': {
      const b = `${rng.int(2, 9)}${d(6)}`;
      return { e164: `+4930${b}`, region, national: `030 ${b}`, international: `+49 30 ${b}` };
    }
    case 'FR': {
      const p = [d(2), d(2), d(2), d(2)];
      return {
        e164: `+336${p.join('')}`,
        region,
        national: `06 ${p.join(' ')}`,
        international: `+33 6 ${p.join(' ')}`,
      };
    }
    case 'JP': {
      const a = d(4);
      const b = d(4);
      return { e164: `+813${a}${b}`, region, national: `03-${a}-${b}`, international: `+81 3-${a}-${b}` };
    }
  }
}

export type PhoneStyle = 'e164' | 'national' | 'international' | 'dotted';

export function formatPhone(p: SeedPhone, style: PhoneStyle): string {
  if (style === 'e164') return p.e164;
  if (style === 'international') return p.international;
  if (style === 'dotted' && p.region === 'US') return p.national.replace(/[()]/g, '').replace(/[ -]/g, '.');
  return p.national;
}
