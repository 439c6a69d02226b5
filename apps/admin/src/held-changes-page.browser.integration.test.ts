import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { listHeldChanges } from '@contact-sync/admin-ops';
import type { Stack } from '@contact-sync/testkit/stack';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAdminServer } from './server.ts';
import { ensureChromium } from './testing/chromium.ts';
import { type ReviewStack, screenshotPath, startReviewStack, TOKEN } from './testing/review-stack.ts';

// Issue 22: the held change sets of the blast-radius guard on the review page, in headless
// Chromium: a provider upper-cases every family name, the set shows each before → after, and
// the confirm button sends exactly the held updates.
const browserBin = ensureChromium();
if ('skip' in browserBin) process.stderr.write(`[admin tests] held changes page test skipped: ${browserBin.skip}\n`);

const SCREENSHOT = screenshotPath('held-changes.png');

describe.skipIf('skip' in browserBin)('held change sets on the review page (headless Chromium)', () => {
  let stack: Stack;
  let admin: RunningAdminServer;
  let browser: Browser;
  let review: ReviewStack | undefined;

  beforeAll(async () => {
    review = await startReviewStack('path' in browserBin ? browserBin.path : '', {
      sandboxOptions: { seed: 22, contacts: 80 },
    });
    ({ stack, admin, browser } = review);
  });
  afterAll(() => review?.close());

  const writes = () => stack.sandbox.requests().filter((r) => r.isWrite);

  it('lists a held set with before / after per person; confirm sends exactly its updates', async () => {
    const grow = stack.sandbox.sim.growcrm;
    for (const c of grow.snapshot().contacts) grow.rawEdit(c.id, (x) => (x.last_name = x.last_name.toUpperCase()));
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(writes()).toEqual([]);
    const set = await stack.res.prisma.heldChangeSet.findFirstOrThrow({ where: { status: 'held' } });
    const items = await stack.res.prisma.heldChange.findMany({ where: { setId: set.id } });
    // The page lists a sample of each set (the first 50, as the API does): check one of those.
    const [listed] = (await listHeldChanges(stack.res, { status: 'held' })).items;

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${admin.url}/ui/#token=${TOKEN}`);
    await page.getByTestId('nav-held-changes').click();
    const card = page.locator(`[data-testid="held-change-set"][data-set-id="${set.id}"]`);
    await card.waitFor();
    expect(await card.getByTestId('held-change-status').textContent()).toBe('held');
    expect(await card.getByTestId('held-change-tripped').textContent()).toMatch(
      /of \d+ records \(\d+%\) change familyName/,
    );
    const rows = card.getByTestId('held-change-item');
    expect(await rows.count()).toBe(Math.min(50, items.length));
    const family = listed!.items.find((i) => i.field === 'familyName' && typeof i.before === 'string')!;
    const row = rows
      .filter({ hasText: family.externalId ?? '' })
      .filter({ hasText: 'familyName' })
      .first();
    expect(await row.getByTestId('held-change-before').textContent()).toBe(family.before);
    expect(await row.getByTestId('held-change-after').textContent()).toBe(String(family.before).toUpperCase());
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: false });

    const held = await stack.res.prisma.outboxOp.count({ where: { status: 'held' } });
    stack.sandbox.clearRequests();
    await card.getByTestId('confirm-changes').click();
    await expect.poll(() => card.getAttribute('data-status')).toBe('confirmed');
    await expect.poll(() => page.getByTestId('held-change-set').first().getByTestId('confirm-changes').count()).toBe(0);
    await expect
      .poll(() => stack.res.prisma.outboxOp.count({ where: { status: { in: ['pending', 'in_flight'] } } }), {
        timeout: 30_000,
      })
      .toBe(0);
    expect(writes().length).toBe(held);
    expect(writes().every((w) => w.provider !== 'growcrm')).toBe(true);
    // Reloaded: nothing is held any more.
    await page.reload();
    await page.getByTestId('held-changes-empty').waitFor();
    await page.close();
  });
});
