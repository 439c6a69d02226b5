import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Debian's chromium for the browser tests. CI machines start without it: as root on Debian
 * we install it (and say so); anywhere else the caller skips, with this reason.
 */
export function ensureChromium(): { path: string } | { skip: string } {
  if (existsSync(CHROMIUM)) return { path: CHROMIUM };
  const root = process.getuid?.() === 0;
  if (!root || !existsSync('/etc/debian_version')) {
    return { skip: `${CHROMIUM} is missing; install Debian's chromium (apt-get install chromium) to run this test` };
  }
  process.stderr.write(`[admin tests] ${CHROMIUM} missing: running apt-get update && apt-get install -y chromium\n`);
  try {
    execSync('apt-get update && apt-get install -y chromium', {
      stdio: ['ignore', process.stderr, process.stderr],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 10 * 60_000,
    });
  } catch (e) {
    return { skip: `installing chromium failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  return existsSync(CHROMIUM) ? { path: CHROMIUM } : { skip: `apt-get ran but ${CHROMIUM} is still missing` };
}
