import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { zodMessage } from '../shared/zod-message.ts';
import { INVALID_JSON, nodepingAction, nodepingParams, registerParamParsers } from './params.ts';
import { ContactWriteSchema, type NodepingAddress, type NodepingContact } from './schema.ts';
import type { NodepingState } from './state.ts';

const SDOMAIN = 'nodeping.com';

export interface NodepingRouteOptions {
  /** 'observed' (default): API errors come back as HTTP 200 `{error}`; 'documented': 400/403. */
  errorStatus: () => 'observed' | 'documented';
}

export function registerNodepingRoutes(app: FastifyInstance, state: NodepingState, opts: NodepingRouteOptions): void {
  registerParamParsers(app);

  const fail = (reply: FastifyReply, message: string, documentedStatus = 400) =>
    reply.code(opts.errorStatus() === 'observed' ? 200 : documentedStatus).send({ error: message });

  const handler = async (req: FastifyRequest<{ Params: { id?: string } }>, reply: FastifyReply) => {
    const params = nodepingParams(req);
    if (params === INVALID_JSON) return fail(reply, 'Invalid JSON in request');
    const action = nodepingAction(req);
    const id = req.params.id ?? (typeof params.id === 'string' && params.id !== '' ? params.id : undefined);
    const customerId =
      typeof params.customerid === 'string' && params.customerid !== '' ? params.customerid : state.primaryId;
    if (!state.hasAccount(customerId)) return fail(reply, 'Invalid customerid', 403);

    switch (action) {
      case 'GET':
        if (!id) return state.list(customerId);
        return state.get(id, customerId) ?? {};
      case 'RESETPASSWORD':
        if (!id || !state.get(id, customerId)) return fail(reply, 'Unable to find that contact');
        return { success: true };
      case 'DELETE': {
        if (!id) return fail(reply, 'Contact id is required');
        const contact = state.get(id, customerId);
        if (!contact) return fail(reply, 'Unable to find that contact');
        if (contact.custrole === 'owner') return fail(reply, 'The account owner cannot be deleted');
        state.remove(id, customerId);
        return { ok: true, id };
      }
      case 'POST':
      case 'PUT': {
        const parsed = ContactWriteSchema.safeParse(params);
        if (!parsed.success) return fail(reply, zodMessage(parsed.error));
        const body = parsed.data;
        const newAddresses = (body.newaddresses ?? []) as NodepingAddress[];
        if (action === 'POST') {
          if (newAddresses.length === 0) return fail(reply, 'At least one address is required in newaddresses');
          const contact = state.insert(customerId, {
            name: body.name ?? '',
            custrole: body.custrole ?? 'view',
            addresses: newAddresses,
          });
          return { ...contact, sdomain: SDOMAIN };
        }
        if (!id) return fail(reply, 'Contact id is required');
        const contact = state.get(id, customerId);
        if (!contact) return fail(reply, 'Unable to find that contact');
        if (body.custrole && contact.custrole === 'owner')
          return fail(reply, "The account owner's role cannot be changed");
        const result = applyAddresses(contact, body.addresses as Record<string, Partial<NodepingAddress>> | undefined);
        if (typeof result === 'string') return fail(reply, result);
        for (const a of newAddresses) result[state.newAddressId()] = a;
        if (Object.keys(result).length === 0) return fail(reply, 'A contact must have at least one address');
        state.update(
          id,
          {
            addresses: result,
            ...(body.name !== undefined ? { name: body.name } : {}),
            ...(body.custrole !== undefined ? { custrole: body.custrole } : {}),
          },
          customerId,
        );
        return { ...contact, sdomain: SDOMAIN };
      }
      default:
        return fail(reply, `Unsupported action ${action}`);
    }
  };

  const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;
  app.route({ method: [...methods], url: '/contacts', handler });
  app.route({ method: [...methods], url: '/contacts/:id', handler });
}

/**
 * `addresses` on PUT is the whole set: entries missing are removed, unknown ids are an
 * error. Without `addresses`, the existing set is kept. Returns the new set or an error.
 */
function applyAddresses(
  contact: NodepingContact,
  given: Record<string, Partial<NodepingAddress>> | undefined,
): Record<string, NodepingAddress> | string {
  if (given === undefined) return { ...contact.addresses };
  const out: Record<string, NodepingAddress> = {};
  for (const [addressId, entry] of Object.entries(given)) {
    const existing = contact.addresses[addressId];
    if (!existing) return `Invalid address id ${addressId}`;
    out[addressId] = {
      ...entry,
      address: entry.address ?? existing.address,
      type: entry.type ?? existing.type,
      ...(existing.status !== undefined ? { status: existing.status } : {}),
    };
  }
  return out;
}
