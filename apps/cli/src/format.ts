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

export function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'string') return v.length > 60 ? `${v.slice(0, 57)}…` : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const json = JSON.stringify(v);
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
export const show = (v: unknown): string => (v === undefined ? '-' : JSON.stringify(v));
