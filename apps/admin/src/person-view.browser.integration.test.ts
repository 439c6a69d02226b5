import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Stack } from '@contact-sync/testkit/stack';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAdminServer } from './server.ts';
import { ensureChromium } from './testing/chromium.ts';
import { type ReviewStack, screenshotPath, startReviewStack, TOKEN } from './testing/review-stack.ts';

// Issue 21: the review page's person view. Reached from a conflict card or by searching a name,
// an e-mail or a phone; shows why each provider differs (explain) and the person's history, and
// undoes one admin decision from the history (dry run first).
const browserBin = ensureChromium();
if ('skip' in browserBin) process.stderr.write(`[admin tests] person view test skipped: ${browserBin.skip}\n`);

const SCREENSHOT = screenshotPath('person-view.png');

describe.skipIf('skip' in browserBin)('the person view (headless Chromium)', () => {
  let stack: Stack;
  let admin: RunningAdminServer;
  let browser: Browser;
  let review: ReviewStack | undefined;

  beforeAll(async () => {
    review = await startReviewStack('path' in browserBin ? browserBin.path : '', {
      sandboxOptions: { seed: 5, contacts: 16 },
      configOverrides: { conflictPolicy: { kind: 'hold' } },
    });
    ({ stack, admin, browser } = review);
    await stack.sync();
  });
  afterAll(() => review?.close());

  const settled = async () => {
    const end = Date.now() + 30_000;
    while ((await stack.res.prisma.outboxOp.count({ where: { status: { in: ['pending', 'in_flight'] } } })) > 0) {
      if (Date.now() > end) throw new Error('ops still pending');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('from a conflict card to the person: explain, history, and undo of a decision', async () => {
    const church = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'churchpad', canonical: { links: { some: { connectionId: 'growcrm' } } } },
      orderBy: { externalId: 'asc' },
    });
    const grow = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'growcrm', canonicalId: church.canonicalId },
    });
    const person = church.canonicalId;
    const original = stack.sandbox.sim.churchpad.get(church.externalId)!.last_name;
    stack.sandbox.sim.churchpad.update(church.externalId, { last_name: 'Chapelside' });
    stack.sandbox.sim.growcrm.update(Number(grow.externalId), { last_name: 'Growside' });
    await stack.sync();

    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(`${admin.url}/ui/#token=${TOKEN}`);
    const card = page.locator('[data-testid="conflict-row"][data-field="familyName"]').first();
    await card.waitFor();
    expect(await card.getAttribute('data-status')).toBe('open');
    await card.getByTestId('person-link').click();
    await expect.poll(() => page.getByTestId('person-id').textContent()).toBe(person);

    // Explain: both sides hold their own edit, held for review.
    const held = page.locator('[data-testid="person-gap"][data-field="familyName"]');
    await expect.poll(() => held.count()).toBeGreaterThanOrEqual(2);
    expect(await held.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-reason')))).toEqual(
      expect.arrayContaining(['held', 'held']),
    );
    expect(await page.getByTestId('person-conflicts').textContent()).toContain('familyName');
    // A field a provider cannot hold is named as such (NodePing holds no structured name).
    const reasons = await page.getByTestId('person-gap').evaluateAll((rows) => rows.map((r) => r.dataset.reason));
    expect(reasons).toContain('not-in-capabilities');
    // History: the initial sync's changes, provider-caused.
    expect(await page.locator('[data-testid="history-change"][data-cause="provider"]').count()).toBeGreaterThan(0);

    // An admin decides on the card; the person's history shows it, with an undo.
    const conflictId = await card.getAttribute('data-conflict-id');
    const decided = await fetch(`${admin.url}/api/v1/conflicts/${conflictId}/resolve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: { action: 'value', value: 'Decided' }, by: 'alice' }),
    });
    expect(decided.status).toBe(200);
    await settled();
    await page.goto(`${admin.url}/ui/#person=${person}`);
    await page.reload();
    const undo = page.locator(`[data-testid="undo-decision"][data-decision-id="${conflictId}"]`).first();
    await undo.waitFor();
    const adminRow = page.locator('[data-testid="history-change"][data-cause="admin"]').first();
    expect(await adminRow.textContent()).toContain('admin alice: value');
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });

    stack.sandbox.clearRequests();
    await undo.getByTestId('undo-decision-dry-run').click();
    const summary = undo.getByTestId('undo-plan-summary');
    await summary.waitFor();
    expect(await summary.textContent()).toMatch(
      /Would put 1 field\(s\) back, with \d+ write\(s\): .*update growcrm \[familyName\]/,
    );
    expect(stack.sandbox.writeCount()).toBe(0);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await undo.getByTestId('undo-decision-confirm').click();
    await expect.poll(() => page.getByTestId('toast').textContent()).toMatch(/Decision undone: \d+ push/);
    await settled();
    expect(stack.sandbox.sim.growcrm.get(Number(grow.externalId))?.last_name).toBe(original);
    expect(stack.sandbox.sim.churchpad.get(church.externalId)?.last_name).toBe(original);
    await expect
      .poll(() => page.locator('[data-testid="history-change"][data-cause="undo"]').count())
      .toBeGreaterThan(0);
    expect(await page.getByTestId('person-detail').textContent()).not.toContain('null');
    await page.close();
  });

  it('finds people by name, e-mail or phone; a too-short query is refused', async () => {
    const key = await stack.res.prisma.canonicalKey.findFirstOrThrow({
      where: { kind: 'email', canonical: { keys: { some: { kind: 'phone' } } } },
      orderBy: { value: 'asc' },
    });
    const phone = await stack.res.prisma.canonicalKey.findFirstOrThrow({
      where: { kind: 'phone', canonicalId: key.canonicalId },
    });
    const person = await stack.res.prisma.canonicalContact.findUniqueOrThrow({ where: { id: key.canonicalId } });
    const familyName = (person.data as { familyName: string }).familyName;

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${admin.url}/ui/#token=${TOKEN}`);
    await page.getByTestId('nav-person').click();
    const search = async (q: string) => {
      await page.getByTestId('person-search-input').fill(q);
      await page.getByTestId('person-search-submit').click();
      const hits = page.locator(`[data-testid="person-hit"][data-canonical-id="${key.canonicalId}"]`);
      await hits.waitFor();
      return hits;
    };
    await search(key.value.toUpperCase());
    await search(familyName.toLowerCase());
    // Its national digits, whatever the notation the provider wrote it in.
    const hit = await search(phone.value.slice(-7));
    await hit.locator('a').click();
    await expect.poll(() => page.getByTestId('person-id').textContent()).toBe(key.canonicalId);
    expect(await page.getByTestId('person-record').count()).toBeGreaterThan(0);

    await page.getByTestId('person-search-input').fill('zzzz-nobody');
    await page.getByTestId('person-search-submit').click();
    await page.getByTestId('person-none').waitFor();

    const short = await fetch(`${admin.url}/api/v1/people/search?q=a`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(short.status).toBe(400);
    expect(((await short.json()) as { error: { message: string } }).error.message).toMatch(/q/);
    await page.close();
  });
});
