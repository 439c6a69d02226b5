import {
  CliError,
  type Command,
  commandHelp,
  EXIT,
  EXIT_CODES_HELP,
  type Io,
  parseCommandArgs,
  stdio,
  UsageError,
} from './cli.ts';
import { adminOpCommands } from './commands/admin-ops.ts';
import { bulkCommands } from './commands/bulk.ts';
import { demoCommand } from './commands/demo.ts';
import { ledgerCommands } from './commands/ledger.ts';
import { peopleCommands } from './commands/people.ts';
import { planCommands } from './commands/plan.ts';
import { serverCommands } from './commands/servers.ts';
import { escapingIo } from './format.ts';

/** Every command, in the order `contact-sync --help` lists them. */
export const COMMANDS: Command[] = [
  demoCommand,
  ...serverCommands,
  ...adminOpCommands,
  ...ledgerCommands,
  ...planCommands,
  ...peopleCommands,
  ...bulkCommands,
];

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'Usage: contact-sync <command> [options]',
    '',
    'Bidirectional contact sync between ilert, ChurchPad, NodePing, Grow CRM and R-Service.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary.split('\n')[0]}`),
    '',
    'Run `contact-sync <command> --help` for its options.',
    '',
    EXIT_CODES_HELP,
  ].join('\n');
}

/** Finds the command named by the leading words of argv (`conflicts list …`). */
function resolve(argv: string[]): { cmd: Command; rest: string[] } | null {
  let best: { cmd: Command; rest: string[] } | null = null;
  for (const cmd of COMMANDS) {
    const words = cmd.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.cmd.name.split(' ').length))
      best = { cmd, rest: argv.slice(words.length) };
  }
  return best;
}

export async function main(argv: string[], raw: Io = stdio): Promise<number> {
  // Provider data (names, error messages) is printed: no control character reaches the terminal.
  const io = escapingIo(raw);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(topHelp());
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const found = resolve(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
    if (group.length > 0) {
      const sub =
        argv[1] && !argv[1].startsWith('-')
          ? `unknown subcommand "${argv[0]} ${argv[1]}"`
          : `"${argv[0]}" needs a subcommand`;
      io.err(`contact-sync: ${sub}; one of: ${group.map((c) => c.name).join(', ')}`);
      return argv.includes('--help') || argv.includes('-h') ? EXIT.ok : EXIT.usage;
    }
    io.err(`contact-sync: unknown command "${argv[0]}" (run contact-sync --help)`);
    return EXIT.usage;
  }
  const { cmd, rest } = found;
  try {
    const parsed = parseCommandArgs(cmd, rest);
    if (parsed.help) {
      io.out(commandHelp(cmd));
      return EXIT.ok;
    }
    return await cmd.run({ values: parsed.values, positionals: parsed.positionals, io });
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`contact-sync ${cmd.name}: ${err.message}`);
      io.err(`Run \`contact-sync ${cmd.name} --help\` for usage.`);
      return EXIT.usage;
    }
    if (err instanceof CliError) {
      io.err(`contact-sync ${cmd.name}: ${err.message}`);
      return err.exitCode;
    }
    io.err(`contact-sync ${cmd.name}: ${(err as Error).stack ?? String(err)}`);
    return EXIT.failure;
  }
}
