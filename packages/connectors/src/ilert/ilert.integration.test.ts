import { runConnectorContract } from '../contract/run-connector-contract.ts';
import { startSimulated } from '../contract/simulated.ts';

runConnectorContract({
  provider: 'ilert',
  start: (o) => startSimulated('ilert', o),
  unknownId: '987654321',
  skipsNoOpWrites: true,
  validationCases: [
    {
      name: 'invalid email target',
      run: async (c, { existing }) =>
        c.update(
          existing.externalId,
          {
            emails: [
              ...((await c.get(existing.externalId))?.projection.emails ?? []),
              { value: 'not-an-email', label: null },
            ],
          },
          ['emails'],
        ),
      field: 'target',
      message: /valid email/,
    },
  ],
});
