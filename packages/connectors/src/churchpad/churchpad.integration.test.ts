import { runConnectorContract } from '../contract/run-connector-contract.ts';
import { startSimulated } from '../contract/simulated.ts';

const base = { givenName: 'Ann', familyName: 'Lee', emails: [{ value: 'v1@valid.example', label: null }] };
const phone = [{ value: '+14155550100', label: null }];

runConnectorContract({
  provider: 'churchpad',
  start: (o) => startSimulated('churchpad', o),
  unknownId: '00000000-0000-4000-8000-000000000000',
  skipsNoOpWrites: false,
  validationCases: [
    {
      name: 'phone longer than 15',
      run: (c) => c.create({ ...base, phones: [{ value: '+1234567890123456789', label: null }] }),
      field: 'phone',
      message: /no more than 15/,
    },
    {
      name: 'invalid email',
      run: (c) => c.create({ ...base, phones: phone, emails: [{ value: 'not-an-email', label: null }] }),
      field: 'email',
      message: /valid email/,
    },
    {
      name: 'blank first name',
      run: (c) => c.create({ ...base, phones: phone, givenName: null }),
      field: 'first_name',
      message: /blank/,
    },
  ],
});
