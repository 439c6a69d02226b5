import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { type Browser, chromium } from 'playwright-core';
import { type RunningAdminServer, startAdminServer } from '../server.ts';
import { CHROMIUM_ARGS } from './chromium.ts';

/** The bearer token of the browser tests' admin server. */
export const TOKEN = 'browser-test-token-0123456789abcdef';

/**
 * Where a browser test writes its screenshot: the committed one in `apps/admin/docs/` when asked
 * (UPDATE_SCREENSHOTS=1) or when it is missing, else a scratch file (the docs stay as committed).
 */
export function screenshotPath(name: string): string {
  const docs = new URL(`../../docs/${name}`, import.meta.url).pathname;
  return process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(docs) ? docs : join(tmpdir(), name);
}

export interface ReviewStack {
  stack: Stack;
  admin: RunningAdminServer;
  browser: Browser;
  close(): Promise<void>;
}

type StackSettings = Pick<Parameters<typeof startStack>[0], 'sandboxOptions' | 'configOverrides'>;

/**
 * What every review-page browser test stands on: a whole contact-sync on a fresh database, synced
 * once, its admin server, and headless Chromium.
 */
export async function startReviewStack(chromiumPath: string, settings: StackSettings): Promise<ReviewStack> {
  const db = await createTestDatabase();
  const stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    ...settings,
  });
  await stack.sync();
  const admin = await startAdminServer({ res: stack.res, token: TOKEN });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  return {
    stack,
    admin,
    browser,
    close: async () => {
      await browser.close();
      await admin.close();
      await stack.close();
    },
  };
}
