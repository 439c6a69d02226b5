import { DEFAULT_CONTACTS as SIM_CONTACTS, DEFAULT_SEED as SIM_SEED } from '@contact-sync/simulators';
import { describe, expect, it } from 'vitest';
import { type Command, commandHelp, intFlag, parseCommandArgs, UsageError } from './cli.ts';
import { DEFAULT_CONTACTS, DEFAULT_SEED } from './commands/demo.ts';
import { COMMANDS, main } from './commands.ts';
import { escapingIo, printable, show, table } from './format.ts';
import { reasonOf } from './summary.ts';

const cmd: Command = {
  name: 'thing show',
  summary: 'test',
  args: '<id>',
  positionals: { min: 1, max: 1 },
  options: { limit: { type: 'string', value: 'N', description: 'n' }, json: { type: 'boolean', description: 'j' } },
  run: async () => 0,
};

describe('argument parsing', () => {
  it('parses flags and positionals, and --help wins over missing arguments', () => {
    expect(parseCommandArgs(cmd, ['abc', '--limit', '5', '--json'])).toMatchObject({
      values: { limit: '5', json: true },
      positionals: ['abc'],
      help: false,
    });
    expect(parseCommandArgs(cmd, ['--help']).help).toBe(true);
  });

  it('names the bad flag or argument', () => {
    expect(() => parseCommandArgs(cmd, ['abc', '--lmit', '5'])).toThrow(new UsageError("Unknown option '--lmit'"));
    expect(() => parseCommandArgs(cmd, ['abc', '--limit'])).toThrow(/--limit/);
    expect(() => parseCommandArgs(cmd, [])).toThrow(/missing argument <id>/);
    expect(() => parseCommandArgs(cmd, ['a', 'b'])).toThrow(/unexpected argument "b"/);
  });

  it('validates integers with their bounds', () => {
    expect(intFlag({ n: '12' }, 'n', { min: 1 })).toBe(12);
    expect(intFlag({}, 'n', { default: 3 })).toBe(3);
    expect(() => intFlag({ n: '1.5' }, 'n')).toThrow('--n must be an integer, got "1.5"');
    expect(() => intFlag({ n: '0' }, 'n', { min: 1 })).toThrow('--n must be at least 1, got 0');
    expect(() => intFlag({ n: '9' }, 'n', { max: 8 })).toThrow('--n must be at most 8, got 9');
  });

  it('every command has a unique name, a summary and help that lists its options', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of COMMANDS) {
      const help = commandHelp(c);
      for (const o of Object.keys(c.options)) expect(help, `${c.name} --${o}`).toContain(`--${o}`);
      expect(help).toContain('Exit codes:');
    }
  });
});

describe('demo helpers', () => {
  it("repeats the simulators' defaults exactly", () => {
    expect(DEFAULT_CONTACTS).toBe(SIM_CONTACTS);
    expect(DEFAULT_SEED).toBe(SIM_SEED);
  });

  it('groups quarantine errors without their record-specific values', () => {
    expect(reasonOf('emails[0].value: Invalid email "a@@b"\nmore')).toBe('emails[0].value: Invalid email …');
    expect(reasonOf('externalId: "123456" was returned more than once')).toBe(
      'externalId: … was returned more than once',
    );
  });

  it('aligns tables, numbers to the right', () => {
    expect(
      table(
        ['name', 'n'],
        [
          ['a', 1],
          ['bbb', 100],
        ],
      ),
    ).toEqual(['name    n', 'a       1', 'bbb   100']);
  });
});

// Issue 17: an ESC/BEL sequence in a provider's name or error message retitled, coloured or
// cleared the terminal.
describe('control characters in printed output', () => {
  const hostile = 'Ann\u001b]0;pwned\u0007\u001b[2J\u001b[31mRed\u009b1m\u202eevil\u0000';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;

  it('are escaped visibly, the rest of the text kept', () => {
    expect(printable('Zoë Ñandú 山田')).toBe('Zoë Ñandú 山田');
    expect(printable('a\u001b[2Jb\u0007\n')).toBe('a\\u001b[2Jb\\u0007\\u000a');
    expect(printable('one\ntwo\u001b', { keepNewlines: true })).toBe('one\ntwo\\u001b');
    expect(printable(hostile)).not.toMatch(raw);
  });

  it('never reach a table cell or a detail view', () => {
    const lines = table(['name', 'error'], [[hostile, { message: hostile }]]);
    for (const l of lines) expect(l).not.toMatch(raw);
    expect(show({ name: hostile })).not.toMatch(raw);
  });

  it('are escaped on every line the CLI prints, and a JSON line stays the same JSON', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), tty: false };
    expect(await main([hostile], io)).toBe(2);
    expect(err.join('\n')).toContain('unknown command "Ann\\u001b]0;pwned');
    expect(err.join('\n')).not.toMatch(raw);
    const safe = escapingIo(io);
    const value = { name: hostile, n: 1 };
    safe.out(JSON.stringify(value));
    expect(out.at(-1)).not.toMatch(raw);
    expect(JSON.parse(out.at(-1)!)).toEqual(value);
  });
});
