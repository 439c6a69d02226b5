import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

/** A server process we started and must never leave behind. */
export type GuardedProcess = {
  pid: number;
  /** How to ask it to stop at once (postgres: SIGQUIT = immediate shutdown; redis: SIGTERM). */
  signal: NodeJS.Signals;
  /** Its /proc/<pid>/comm, checked before the watchdog kills it, so a reused pid is left alone. */
  comm: string;
};

type Registry = { entries: Set<{ processes: GuardedProcess[]; dir: string }>; installed: boolean };

// Shared through globalThis: vitest may evaluate this module once per project in the same process.
const key = Symbol.for('contact-sync.services.process-guard');
const registry: Registry = ((globalThis as Record<symbol, unknown>)[key] as Registry | undefined) ?? {
  entries: new Set(),
  installed: false,
};
(globalThis as Record<symbol, unknown>)[key] = registry;

function killNow(): void {
  for (const entry of registry.entries) {
    for (const p of entry.processes) {
      try {
        process.kill(p.pid, p.signal);
      } catch {
        // already gone
      }
    }
    // Best effort: the watchdog removes the directory once the servers have exited.
    try {
      rmSync(entry.dir, { recursive: true, force: true, maxRetries: 2 });
    } catch {}
  }
  registry.entries.clear();
}

function installHandlers(): void {
  if (registry.installed) return;
  registry.installed = true;
  process.on('exit', killNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killNow();
      // If nobody else handles the signal, restore the default behaviour (terminate).
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

// A detached shell that outlives a SIGKILLed parent: once the parent pid is gone it stops the
// servers (checking their comm first) and deletes the throwaway directory.
const WATCHDOG = `
parent=$1; dir=$2; shift 2
while kill -0 "$parent" 2>/dev/null; do sleep 0.5; done
for spec in "$@"; do
  pid=\${spec%%:*}; rest=\${spec#*:}; sig=\${rest%%:*}; comm=\${rest#*:}
  if [ "$(cat /proc/$pid/comm 2>/dev/null)" = "$comm" ]; then kill -s "$sig" "$pid" 2>/dev/null; fi
done
i=0
while [ $i -lt 40 ]; do
  alive=0
  for spec in "$@"; do pid=\${spec%%:*}; kill -0 "$pid" 2>/dev/null && alive=1; done
  [ $alive = 0 ] && break
  sleep 0.25; i=$((i+1))
done
for spec in "$@"; do
  pid=\${spec%%:*}; comm=\${spec##*:}
  if [ "$(cat /proc/$pid/comm 2>/dev/null)" = "$comm" ]; then kill -9 "$pid" 2>/dev/null; fi
done
rm -rf "$dir"
`;

/**
 * Registers servers living in `dir` so they are stopped on process exit, SIGINT/SIGTERM/SIGHUP,
 * and (through a detached watchdog) even when this process is SIGKILLed.
 * Returns `release()`, to call after a normal stop.
 */
export function guardProcesses(dir: string, processes: GuardedProcess[]): () => void {
  installHandlers();
  const entry = { processes, dir };
  registry.entries.add(entry);
  const specs = processes.map((p) => `${p.pid}:${p.signal.replace(/^SIG/, '')}:${p.comm}`);
  const watchdog = spawn('sh', ['-c', WATCHDOG, 'cs-services-watchdog', String(process.pid), dir, ...specs], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  return () => {
    registry.entries.delete(entry);
    try {
      if (watchdog.pid) process.kill(watchdog.pid, 'SIGKILL');
    } catch {}
  };
}
