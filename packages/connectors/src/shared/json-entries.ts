import { JSONParser } from '@streamparser/json';
import { TransientError } from '../errors.ts';

/**
 * The entries of a JSON object body, read from the stream as they arrive: `[key, value]` in
 * batches (one per network chunk). The whole text and the whole parsed object are never held,
 * so a provider that answers its entire list in one response (NodePing) costs memory by the
 * chunk, not by the provider's size. A body that is not one JSON object, or that ends early, is a
 * transient error naming `what`; a failure of the read itself goes up as it is.
 */
export async function* jsonObjectEntries(
  body: ReadableStream<Uint8Array> | null,
  provider: string,
  what: string,
): AsyncIterable<[string, unknown][]> {
  const shapeError = (why: string) =>
    new TransientError(provider, `${provider}: ${what} does not match the documented shape: ${why}`, 200);
  if (!body) throw shapeError('the body is empty');
  let batch: [string, unknown][] = [];
  let problem: Error | null = null;
  let started = false;
  const parser = new JSONParser({ paths: ['$.*'], keepStack: false });
  // Only a body starting with "{" reaches the parser (checked below), so every key is a string.
  parser.onValue = ({ key, value }) => {
    batch.push([key as string, value]);
  };
  parser.onError = (err) => {
    problem ??= shapeError(`not JSON (${err.message})`);
  };
  const reader = body.getReader();
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      if (!started) {
        const first = chunk.value.find((b: number) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
        if (first === undefined) continue;
        if (first !== 0x7b) throw shapeError(`expected an object, got ${JSON.stringify(String.fromCharCode(first))}…`);
        started = true;
      }
      if (!parser.isEnded) parser.write(chunk.value);
      if (problem) throw problem;
      if (batch.length > 0) {
        yield batch;
        batch = [];
      }
    }
    if (!started) throw shapeError('the body is empty');
    if (!parser.isEnded) throw shapeError('the body ended before the object did');
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => {});
  }
}
