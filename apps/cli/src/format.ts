/**
 * Control characters (C0 such as ESC, BEL, NUL; DEL; C1 such as CSI) and bidirectional overrides,
 * which a terminal would obey: an ESC sequence in a provider's name or error message could retitle,
 * colour or clear it. Issue 17.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above, with newlines allowed
const UNSAFE_KEEP_NEWLINES = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text made safe for a terminal: each control character becomes a visible `\u001b` escape. The
 * escape is JSON's own, so a `--json` line passed through here is still JSON with the same value.
 * `keepNewlines` for multi-line text of our own (help); provider data is escaped whole.
 */
export function printable(text: string, opts: { keepNewlines?: boolean } = {}): string {
  return text.replace(opts.keepNewlines ? UNSAFE_KEEP_NEWLINES : UNSAFE, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/**
 * Every line the CLI prints goes through `printable`, whichever printer built it: table cells,
 * detail views, error messages that quote a provider, usage errors that quote argv.
 */
export function escapingIo<T extends { out: (line: string) => void; err: (line: string) => void }>(io: T): T {
  return {
    ...io,
    out: (line: string) => io.out(printable(line, { keepNewlines: true })),
    err: (line: string) => io.err(printable(line, { keepNewlines: true })),
  };
}

/** A plain text table: columns padded to their widest cell, numbers right-aligned. */
export function table(head: string[], rows: unknown[][]): string[] {
  const cells = rows.map((r) => r.map(cell));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const numeric = head.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...cells.map(line)];
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'string') {
    const text = printable(v);
    return text.length > 60 ? `${text.slice(0, 57)}…` : text;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const json = printable(JSON.stringify(v));
  return json.length > 60 ? `${json.slice(0, 57)}…` : json;
}

/** `2026-11-25T14:09:40.123Z` → `2026-11-25 14:09:40`. */
export const when = (iso: string | null | undefined): string =>
  iso
    ? iso
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z')
        .replace(/Z$/, '')
    : '-';

export const short = (id: string | null | undefined): string => (id ? id.slice(0, 8) : '-');

export function duration(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
}

/** A JSON value on one line, for the detail views. */
export const show = (v: unknown): string => (v === undefined ? '-' : printable(JSON.stringify(v)));
