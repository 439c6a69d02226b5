import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { insertAmbiguousNodepingContact } from '@contact-sync/testkit/scenarios';
import type { Stack } from '@contact-sync/testkit/stack';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAdminServer } from './server.ts';
import { ensureChromium } from './testing/chromium.ts';
import { type ReviewStack, screenshotPath, startReviewStack, TOKEN } from './testing/review-stack.ts';

// The conflict review page in headless Chromium, against a real conflict from a real sync:
// resolve it by picking a side, and the next sync carries that value to every simulator.
const browserBin = ensureChromium();
if ('skip' in browserBin) process.stderr.write(`[admin tests] review page test skipped: ${browserBin.skip}\n`);

// The committed screenshot is rewritten only when missing or asked for, so test runs leave the tree clean.
const SCREENSHOT = screenshotPath('review-page.png');

describe.skipIf('skip' in browserBin)('conflict review page (headless Chromium)', () => {
  let stack: Stack;
  let admin: RunningAdminServer;
  let browser: Browser;
  let review: ReviewStack | undefined;

  beforeAll(async () => {
    review = await startReviewStack('path' in browserBin ? browserBin.path : '', {
      sandboxOptions: { seed: 5, contacts: 16 },
      // Hold: conflicts wait for review. Skip creates: people without a NodePing record exist, for an ambiguous match.
      configOverrides: { conflictPolicy: { kind: 'hold' }, connection: { createPolicy: 'skip' } },
    });
    ({ stack, admin, browser } = review);
  });
  afterAll(() => review?.close());

  /** Edits one field of a person linked in ChurchPad and Grow CRM differently in both. */
  async function conflictingEdit(skip: number, edit: (church: string, grow: number) => void) {
    const link = (
      await stack.res.prisma.link.findMany({
        where: { connectionId: 'churchpad', canonical: { links: { some: { connectionId: 'growcrm' } } } },
        orderBy: { externalId: 'asc' },
      })
    )[skip]!;
    const grow = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'growcrm', canonicalId: link.canonicalId },
    });
    edit(link.externalId, Number(grow.externalId));
    return { canonicalId: link.canonicalId, churchId: link.externalId, growId: Number(grow.externalId) };
  }

  it('shows a real conflict side by side, resolves it by picking a side, and the next sync applies it', async () => {
    const target = await conflictingEdit(0, (c, g) => {
      stack.sandbox.sim.churchpad.update(c, { last_name: 'Okonkwo-Church' });
      stack.sandbox.sim.growcrm.update(g, { last_name: 'Okonkwo-Grow' });
    });
    const second = await conflictingEdit(1, (c, g) => {
      stack.sandbox.sim.churchpad.update(c, { first_name: 'Anneliese' });
      stack.sandbox.sim.growcrm.update(g, { first_name: 'Annelie' });
    });
    await stack.sync();
    const conflict = await stack.res.prisma.conflict.findFirstOrThrow({
      where: { canonicalId: target.canonicalId, field: 'familyName', status: 'open' },
    });

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${admin.url}/ui/#token=${TOKEN}`);
    // The token leaves the address bar at once and stays in this tab's sessionStorage.
    await expect.poll(() => page.url()).not.toContain(TOKEN);
    expect(await page.evaluate(() => sessionStorage.getItem('contact-sync-admin-token'))).toBe(TOKEN);

    const rows = page.getByTestId('conflict-row');
    await rows.first().waitFor();
    const openCount = (field?: string) =>
      stack.res.prisma.conflict.count({ where: { status: 'open', ...(field ? { field } : {}) } });
    expect(await rows.count()).toBe(await openCount());
    const row = page.locator(`[data-testid="conflict-row"][data-conflict-id="${conflict.id}"]`);
    await expect.poll(() => row.getByTestId('value-side-churchpad').textContent()).toBe('Okonkwo-Church');
    expect(await row.getByTestId('value-side-growcrm').textContent()).toBe('Okonkwo-Grow');
    expect(await row.getByTestId('value-base').textContent()).toBe(String(conflict.base));
    expect(await row.getByTestId('conflict-rule').textContent()).toContain(conflict.rule);
    expect(await row.getByTestId('conflict-status').textContent()).toBe('open');

    // Filters: by field, then by kind.
    await page.getByTestId('filter-field').fill('familyName');
    await page.getByTestId('filter-apply').click();
    await expect.poll(() => rows.count()).toBe(await openCount('familyName'));
    await page.getByTestId('filter-field').fill('');
    await page.getByTestId('filter-kind').selectOption('ambiguous-match');
    await page.getByTestId('filter-apply').click();
    await page.getByTestId('conflicts-empty').waitFor();
    await page.getByTestId('filter-kind').selectOption('');
    await page.getByTestId('filter-apply').click();
    await expect.poll(() => rows.count()).toBe(await openCount());

    await row.getByTestId('pick-growcrm').click();
    const resolved = page.locator(`[data-testid="conflict-row"][data-conflict-id="${conflict.id}"]`);
    await expect.poll(() => resolved.getAttribute('data-status')).toBe('resolved');
    expect(await resolved.getByTestId('conflict-status').textContent()).toBe('resolved');
    expect(await resolved.getByTestId('pick-growcrm').count()).toBe(0);
    // The committed screenshot: one conflict just resolved, one still open.
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // The other one: an entered value.
    const otherId = (
      await stack.res.prisma.conflict.findFirstOrThrow({
        where: { canonicalId: second.canonicalId, field: 'givenName', status: 'open' },
      })
    ).id;
    const other = page.locator(`[data-testid="conflict-row"][data-conflict-id="${otherId}"]`);
    await other.getByTestId('value-input').fill('Anna-Lise');
    await other.getByTestId('use-value').click();
    await expect.poll(() => other.getAttribute('data-status')).toBe('resolved');

    await stack.sync();
    expect(stack.sandbox.sim.churchpad.get(target.churchId)?.last_name).toBe('Okonkwo-Grow');
    expect(stack.sandbox.sim.churchpad.get(second.churchId)?.first_name).toBe('Anna-Lise');
    expect(stack.sandbox.sim.growcrm.get(second.growId)?.first_name).toBe('Anna-Lise');
    expect(stack.sandbox.sim.growcrm.get(target.growId)?.last_name).toBe('Okonkwo-Grow');

    // Held deletes: a real mass delete, one rejected and one confirmed from the page.
    const removed = stack.sandbox.sim.churchpad.massDelete(Math.ceil(stack.sandbox.sim.churchpad.count() * 0.7));
    expect(removed.length).toBeGreaterThan(0);
    await stack.sync();
    await page.getByTestId('nav-held-deletes').click();
    const held = page.getByTestId('held-row');
    await held.first().waitFor();
    const heldCount = await held.count();
    expect(heldCount).toBeGreaterThan(1);
    await held.nth(0).getByTestId('reject-delete').click();
    await expect.poll(() => held.nth(0).getAttribute('data-status')).toBe('rejected');
    await held.nth(1).getByTestId('confirm-delete').click();
    await expect.poll(() => held.nth(1).getAttribute('data-status')).toBe('confirmed');
    expect(await stack.res.prisma.heldDelete.count({ where: { status: 'held' } })).toBe(heldCount - 2);

    await page.getByTestId('nav-failed-ops').click();
    await page.locator('[data-testid="ops-empty"], [data-testid="op-row"]').first().waitFor();
    expect(await page.getByTestId('op-row').count()).toBe(
      await stack.res.prisma.outboxOp.count({ where: { status: 'failed' } }),
    );

    // The page traded its token for the dashboard's cookie: Bull Board opens in this browser.
    const board = await page.goto(`${admin.url}/queues`);
    expect(board?.status()).toBe(200);
    await expect.poll(() => page.title()).toContain('contact-sync queues');
    await page.close();
  });

  it('links the record of an ambiguous match to the candidate picked on the page', async () => {
    // A NodePing contact holding the emails of two people who have no NodePing record matches both.
    const { people, contact } = await insertAmbiguousNodepingContact(stack);
    expect(people).toHaveLength(2);
    await stack.sync();

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${admin.url}/ui/#token=${TOKEN}`);
    await page.getByTestId('filter-kind').selectOption('ambiguous-match');
    await page.getByTestId('filter-apply').click();
    const row = page.locator('[data-testid="conflict-row"]');
    await expect.poll(() => row.count()).toBe(1);
    const candidates = row.getByTestId('candidate');
    // The candidates render once their people are fetched: poll, the page may still be loading them.
    await expect
      .poll(async () =>
        (await candidates.evaluateAll((els) => els.map((e) => e.getAttribute('data-candidate-id')))).sort(),
      )
      .toEqual(people.map((p) => p.id).sort());
    expect(await row.getByTestId('create-new').isVisible()).toBe(true);
    const chosen = people[1]!.id;
    await row.getByTestId(`link-${chosen}`).click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('resolved');
    const link = await stack.res.prisma.link.findUniqueOrThrow({
      where: { connectionId_externalId: { connectionId: 'nodeping', externalId: contact._id } },
    });
    expect(link.canonicalId).toBe(chosen);
    await page.close();
  });

  it('asks for the token when it has none and reports a wrong one', async () => {
    const page = await browser.newPage();
    await page.goto(`${admin.url}/ui/`);
    await page.getByTestId('login').waitFor();
    await page.getByTestId('token-input').fill('not-the-token-at-all');
    await page.getByTestId('token-submit').click();
    await expect.poll(() => page.getByTestId('toast').textContent()).toContain('refused');
    expect(await page.getByTestId('login').isVisible()).toBe(true);
    await page.close();
  });
});
