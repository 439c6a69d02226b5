import { runConnectorContract } from '../contract/run-connector-contract.ts';
import { startSimulated } from '../contract/simulated.ts';

runConnectorContract({
  provider: 'growcrm',
  start: (o) => startSimulated('growcrm', o),
  unknownId: '987654321',
  skipsNoOpWrites: false,
  validationCases: [
    {
      name: 'duplicate email (422)',
      run: async (c, { existing }) => {
        const current = await c.get(existing.externalId);
        return c.create({ givenName: 'A', familyName: 'B', emails: current?.projection.emails ?? [] });
      },
      field: 'email',
      message: /already been taken/,
    },
    {
      name: 'first name required on create',
      run: (c) =>
        c.create({ givenName: null, familyName: 'B', emails: [{ value: 'fresh@valid.example', label: null }] }),
      field: 'first_name',
      message: /first name field is required/i,
    },
    {
      name: 'email required on update',
      run: (c, { existing }) => c.update(existing.externalId, { ...existing.projection, emails: [] }, ['emails']),
      field: 'email',
      message: /required/,
    },
  ],
});
