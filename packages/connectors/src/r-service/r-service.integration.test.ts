import { runConnectorContract } from '../contract/run-connector-contract.ts';
import { startSimulated } from '../contract/simulated.ts';
import type { RServiceConnector } from './connector.ts';

runConnectorContract({
  provider: 'r-service',
  start: (o) => startSimulated('r-service', o),
  unknownId: '987654321',
  skipsNoOpWrites: true,
  validationCases: [
    {
      name: 'label not valid for the kind (422)',
      run: (c, { existing }) =>
        (c as RServiceConnector).client.addContact(existing.externalId, { label: 'mobile', email: 'x@valid.example' }),
      field: 'label',
      message: /label is not valid for email/,
    },
    {
      name: 'value longer than 255 (422)',
      run: async (c, { existing }) =>
        c.update(
          existing.externalId,
          {
            emails: [
              ...((await c.get(existing.externalId))?.projection.emails ?? []),
              { value: `${'a'.repeat(250)}@valid.example`, label: 'work' },
            ],
          },
          ['emails'],
        ),
      field: 'email',
      message: /too long/,
    },
  ],
});
