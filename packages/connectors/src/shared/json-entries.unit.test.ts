import { describe, expect, it } from 'vitest';
import { TransientError } from '../errors.ts';
import { jsonObjectEntries } from './json-entries.ts';

/** A body that arrives in the given pieces (bytes split anywhere, even inside a character). */
const bodyOf = (text: string, pieces: number): ReadableStream<Uint8Array> => {
  const bytes = new TextEncoder().encode(text);
  const size = Math.max(1, Math.ceil(bytes.length / pieces));
  return new ReadableStream({
    start(c) {
      for (let i = 0; i < bytes.length; i += size) c.enqueue(bytes.slice(i, i + size));
      c.close();
    },
  });
};

const readAll = async (body: ReadableStream<Uint8Array> | null) => {
  const batches: [string, unknown][][] = [];
  for await (const b of jsonObjectEntries(body, 'nodeping', 'contact list')) batches.push(b);
  return batches;
};

describe('jsonObjectEntries: an object body read entry by entry as it streams', () => {
  const list = {
    'A-1': { _id: 'A-1', name: 'Zoë Ärger', addresses: { X: { address: 'z@x.io', type: 'email' } } },
    'A-2': { _id: 'A-2', name: '李 小龍', addresses: {} },
    'A-3': { _id: 'A-3', name: 'Plain "quoted" {brace}', addresses: { Y: { address: '+14155550100', type: 'sms' } } },
  };

  it('yields every entry, in order, whatever the chunking (split inside strings and characters)', async () => {
    for (const pieces of [1, 2, 7, 50, 400]) {
      const batches = await readAll(bodyOf(`  ${JSON.stringify(list)}\n`, pieces));
      expect(Object.fromEntries(batches.flat()), `${pieces} pieces`).toEqual(list);
      if (pieces >= 50) expect(batches.length, `${pieces} pieces`).toBeGreaterThan(1);
    }
    expect(await readAll(bodyOf('{}', 1))).toEqual([]);
  });

  it('a body that is not one JSON object is an error naming what was read', async () => {
    for (const [text, why] of [
      ['[{"_id":"A-1"}]', /contact list does not match the documented shape: expected an object, got "\["/],
      ['"nope"', /expected an object, got "\\""/],
      ['', /the body is empty/],
      ['{"A-1": {"_id": "A-1"', /the body ended before the object did/],
      ['{"A-1": {"_id": nope}}', /not JSON/],
    ] as const) {
      const err = await readAll(bodyOf(text, 3)).catch((e: unknown) => e);
      expect(err, text).toBeInstanceOf(TransientError);
      expect((err as Error).message, text).toMatch(why);
      expect((err as Error).message, text).toMatch(/^nodeping: /);
    }
    await expect(readAll(null)).rejects.toThrow(/the body is empty/);
  });

  it('a failed read goes up as it is, after the entries read before it', async () => {
    const failing = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"A-1": {"_id": "A-1"}, "A-2"'));
      },
      pull(c) {
        c.error(new Error('socket hang up'));
      },
    });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const b of jsonObjectEntries(failing, 'nodeping', 'contact list')) seen.push(...b.map(([k]) => k));
    })().catch((e: unknown) => e);
    expect((err as Error).message).toBe('socket hang up');
    expect(seen).toEqual(['A-1']);
  });
});
