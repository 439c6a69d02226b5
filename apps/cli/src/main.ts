import { hello } from '@contact-sync/core';

console.log(hello(process.version));
