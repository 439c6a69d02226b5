import { runConnectorContract } from '../contract/run-connector-contract.ts';
import { startSimulated } from '../contract/simulated.ts';

const none = { emails: [], phones: [], chats: [] };

runConnectorContract({
  provider: 'nodeping',
  start: (o) => startSimulated('nodeping', o),
  unknownId: 'NOPE-NOPE',
  skipsNoOpWrites: true,
  // Contacts of sub-accounts are listed only with their customerid; ids start with the account id.
  visible: (r, sb) => r.externalId?.startsWith(`${String(sb.providers.nodeping.options.customerId)}-`) ?? false,
  validationCases: [
    {
      name: 'create without any address',
      run: (c) => c.create({ displayName: 'Nobody', ...none }),
      field: 'newaddresses',
      message: /at least one address/i,
    },
    {
      name: 'update removing the last address',
      run: (c, { existing }) =>
        c.update(existing.externalId, { ...existing.projection, ...none }, ['emails', 'phones', 'chats']),
      field: 'addresses',
      message: /at least one address/i,
    },
  ],
});
