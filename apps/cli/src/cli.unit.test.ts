import { DEFAULT_CONTACTS as SIM_CONTACTS, DEFAULT_SEED as SIM_SEED } from '@contact-sync/simulators';
import { describe, expect, it } from 'vitest';
import { type Command, commandHelp, intFlag, parseCommandArgs, UsageError } from './cli.ts';
import { DEFAULT_CONTACTS, DEFAULT_SEED } from './commands/demo.ts';
import { COMMANDS } from './commands.ts';
import { table } from './format.ts';
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
