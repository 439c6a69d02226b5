import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sessionCookie, tokenMatches } from './auth.ts';
import { describeIssues } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import { defineRoute } from './route.ts';

describe('token checks', () => {
  it('accepts only the exact token, whatever the lengths', () => {
    expect(tokenMatches('s3cret-token-value', 's3cret-token-value')).toBe(true);
    expect(tokenMatches('s3cret-token-valuE', 's3cret-token-value')).toBe(false);
    expect(tokenMatches('', 's3cret-token-value')).toBe(false);
    expect(tokenMatches('s3cret-token-value-and-more', 's3cret-token-value')).toBe(false);
  });

  it('puts the session id in the cookie, expiring with the session', () => {
    const cookie = sessionCookie('random-session-id', 90_000);
    expect(cookie).toBe('cs_admin_session=random-session-id; Path=/; HttpOnly; SameSite=Strict; Max-Age=90');
  });
});

describe('error messages', () => {
  it('name the field with where it was', () => {
    const r = z.strictObject({ limit: z.number().min(1) }).safeParse({ limit: 0, extra: 1 });
    expect(r.success).toBe(false);
    const { message } = describeIssues('query', r.error!);
    expect(message).toMatch(/query\.limit: /);
    expect(message).toMatch(/query: Unrecognized key: "extra"/);
  });
});

describe('OpenAPI document', () => {
  it('turns a route table into paths, parameters, bodies and responses', () => {
    const route = defineRoute({
      method: 'POST',
      url: '/api/v1/things/:id/poke',
      tag: 'things',
      summary: 'Poke a thing',
      params: z.strictObject({ id: z.string() }),
      query: z.strictObject({ hard: z.coerce.boolean().optional() }),
      body: z.strictObject({ times: z.number().int() }),
      response: z.object({ poked: z.number() }),
      errors: ['not_found'],
      handler: async () => ({ poked: 1 }),
    });
    const doc = openApiDocument([route], { title: 't', version: '1' }) as {
      paths: Record<
        string,
        Record<
          string,
          {
            parameters: { name: string; in: string; required: boolean }[];
            requestBody: unknown;
            responses: Record<string, unknown>;
          }
        >
      >;
    };
    const op = doc.paths['/api/v1/things/{id}/poke']!.post!;
    expect(op.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path', required: true }),
      expect.objectContaining({ name: 'hard', in: 'query', required: false }),
    ]);
    expect(JSON.stringify(op.requestBody)).toContain('"times"');
    expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '401', '404']);
  });
});
