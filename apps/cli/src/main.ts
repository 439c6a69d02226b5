#!/usr/bin/env node
// contact-sync: the one command-line entry (demo, sandbox, worker, admin, and admin operations).
import { main } from './commands.ts';

// Exit explicitly: queue and database clients may hold handles open after a command is done.
process.exit(await main(process.argv.slice(2)));
