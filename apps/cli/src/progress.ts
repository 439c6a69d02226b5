import type { RunProgress } from '@contact-sync/engine';

/** One line of a resync's progress: pulls, records pulled and changed, ops planned, applied and failed. */
export function progressLine(label: string, p: RunProgress, elapsedMs: number): string {
  const r = p.run;
  const phase = p.complete
    ? 'done'
    : p.pulls.completed + p.pulls.failed < p.pulls.expected
      ? 'pulling'
      : p.pendingOps > 0
        ? 'pushing'
        : 'reconciling';
  return (
    `${label}: ${phase.padEnd(11)} pulls ${p.pulls.completed}/${p.pulls.expected}` +
    `${p.pulls.failed ? ` (${p.pulls.failed} failed)` : ''}` +
    `  pulled ${r.pulled}  changed ${r.changed}  planned ${r.opsPlanned}  applied ${r.opsApplied}` +
    `${r.opsFailed ? `  failed ${r.opsFailed}` : ''}  pending ${p.pendingOps}` +
    `${r.conflicts ? `  conflicts ${r.conflicts}` : ''}  ${(elapsedMs / 1000).toFixed(1)}s`
  );
}

/**
 * Progress on stderr: on a terminal one line redrawn in place (at most ~8 times a second),
 * otherwise a line every `everyMs` and at the end, so logs stay readable.
 */
export function createProgress(
  label: string,
  opts: { tty: boolean; write?: (s: string) => void; everyMs?: number; quiet?: boolean },
) {
  const write = opts.write ?? ((s: string) => process.stderr.write(s));
  const started = Date.now();
  let lastDraw = 0;
  let last: RunProgress | null = null;
  const everyMs = opts.tty ? 120 : (opts.everyMs ?? 5000);
  return {
    update(p: RunProgress): void {
      last = p;
      if (opts.quiet) return;
      const now = Date.now();
      if (now - lastDraw < everyMs && !p.complete) return;
      lastDraw = now;
      const line = progressLine(label, p, now - started);
      write(opts.tty ? `\r\x1b[K${line}` : `${line}\n`);
    },
    /** Ends the progress display (a final newline on a terminal). */
    done(): void {
      if (opts.quiet) return;
      if (opts.tty && last) write(`\r\x1b[K${progressLine(label, last, Date.now() - started)}\n`);
    },
  };
}
