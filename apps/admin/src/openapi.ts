import { z } from 'zod';
import { ErrorBody, type ErrorCode, errorStatus } from './errors.ts';
import type { RouteDef } from './route.ts';

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

/** Path and query parameters from a zod object: one OpenAPI parameter per property. */
function parameters(where: 'path' | 'query', schema: z.ZodType | undefined): unknown[] {
  if (!schema) return [];
  const json = toSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: s,
  }));
}

const errorResponse = (code: ErrorCode) => ({
  description: code,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate each request and answer. */
export function openApiDocument(routes: RouteDef[], info: { title: string; version: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    const responses: Record<string, unknown> = {
      [String(r.status ?? 200)]: {
        description: 'OK',
        content: { 'application/json': { schema: toSchema(r.response, 'output') } },
      },
      '400': errorResponse('invalid'),
      '401': errorResponse('unauthorized'),
    };
    for (const code of r.errors ?? []) responses[String(errorStatus[code])] = errorResponse(code);
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[/-](\w)/g, (_m, c: string) => c.toUpperCase())}`,
      parameters: [...parameters('path', r.params), ...parameters('query', r.query)],
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(r.body, 'input') } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info,
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: toSchema(ErrorBody, 'output') },
    },
    paths,
  };
}
