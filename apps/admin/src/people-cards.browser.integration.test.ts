import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { insertAmbiguousNodepingContact } from '@contact-sync/testkit/scenarios';
import type { Stack } from '@contact-sync/testkit/stack';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAdminServer } from './server.ts';
import { ensureChromium } from './testing/chromium.ts';
import { type ReviewStack, screenshotPath, startReviewStack, TOKEN } from './testing/review-stack.ts';

// Issue 22: review cards that show people. An ambiguous match and a duplicate in a provider show
// the records involved side by side (names, every e-mail and phone, organisation, provider and id,
// when each changed), with actions that say what they do.
const browserBin = ensureChromium();
if ('skip' in browserBin) process.stderr.write(`[admin tests] people cards test skipped: ${browserBin.skip}\n`);

const SCREENSHOT = screenshotPath('people-cards.png');

describe.skipIf('skip' in browserBin)('review cards that show people (headless Chromium)', () => {
  let stack: Stack;
  let admin: RunningAdminServer;
  let browser: Browser;
  let review: ReviewStack | undefined;

  beforeAll(async () => {
    review = await startReviewStack('path' in browserBin ? browserBin.path : '', {
      sandboxOptions: { seed: 5, contacts: 16 },
      configOverrides: { connection: { createPolicy: 'skip' } },
    });
    ({ stack, admin, browser } = review);
  });
  afterAll(() => review?.close());

  async function openKind(kind: string) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${admin.url}/ui/#token=${TOKEN}`);
    await page.getByTestId('filter-kind').selectOption(kind);
    await page.getByTestId('filter-apply').click();
    return page;
  }

  it('an ambiguous match shows the record and both people side by side; keep as a separate person', async () => {
    const { people, contact } = await insertAmbiguousNodepingContact(stack);
    await stack.sync();
    const page = await openKind('ambiguous-match');
    const card = page.getByTestId('conflict-row');
    await expect.poll(() => card.count()).toBe(1);
    const table = card.getByTestId('people-table');
    await table.waitFor();
    // The record: its provider and id, and both addresses.
    expect(await card.getByTestId('subject-head').textContent()).toBe('This record');
    const subject = table.locator('td.subject');
    expect(await subject.nth(0).textContent()).toBe('nodeping');
    expect(await subject.nth(1).textContent()).toBe(contact._id);
    const emails = await table.getByTestId('people-row-e-mails').locator('td.subject li').allTextContents();
    for (const p of people) expect(emails).toContain(p.keys[0]!.value);
    // Each candidate: a head with the person's name and a link button, and their records' e-mails.
    const heads = card.getByTestId('candidate');
    expect((await heads.evaluateAll((els) => els.map((e) => e.getAttribute('data-candidate-id')))).sort()).toEqual(
      people.map((p) => p.id).sort(),
    );
    for (const p of people) {
      const head = card.locator(`[data-testid="candidate"][data-candidate-id="${p.id}"]`);
      expect(await head.getByTestId(`link-${p.id}`).textContent()).toBe('Link to this person');
    }
    const personEmails = await table.getByTestId('people-row-e-mails').locator('td.person li').allTextContents();
    for (const p of people) expect(personEmails).toContain(p.keys[0]!.value);
    const provider = await table.getByTestId('people-row-provider').locator('td.person').allTextContents();
    expect(provider.length).toBeGreaterThanOrEqual(2);
    expect(provider).not.toContain('nodeping'); // neither person has a NodePing record
    expect(await table.getByTestId('people-row-changed').locator('td').count()).toBe(provider.length + 1);
    expect(await card.getByTestId('create-new').textContent()).toBe('Keep as a separate person');
    expect(await card.getByTestId('ignore-record').textContent()).toBe('Ignore this record');
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: false });

    await card.getByTestId('create-new').click();
    await expect.poll(() => card.getAttribute('data-status')).toBe('resolved');
    expect(await card.getByTestId('conflict-outcome').textContent()).toContain('kept as a separate person');
    const link = await stack.res.prisma.link.findUniqueOrThrow({
      where: { connectionId_externalId: { connectionId: 'nodeping', externalId: contact._id } },
    });
    expect(people.map((p) => p.id)).not.toContain(link.canonicalId);
    await page.close();
  });

  it('a duplicate in a provider shows both records of that provider; ignore this record', async () => {
    const grow = stack.sandbox.sim.growcrm;
    const phone = '+14155550199';
    const stray = grow.insert({
      first_name: 'Dana',
      last_name: 'Dup',
      email: 'dana.other@dup.example',
      phone,
      clientId: 1,
    });
    const original = grow.insert({
      first_name: 'Dana',
      last_name: 'Dup',
      email: 'dana@dup.example',
      phone,
      clientId: 1,
    });
    stack.sandbox.sim.churchpad.insert({ first_name: 'Dana', last_name: 'Dup', email: 'dana@dup.example', phone });
    await stack.sync();
    const report = await stack.res.prisma.conflict.findFirstOrThrow({
      where: { kind: 'duplicate-in-provider', status: 'open' },
    });
    const about = (report.sides as { externalId: string }[])[0]!.externalId;
    const other = about === String(stray.id) ? original : stray;
    const page = await openKind('duplicate-in-provider');
    const card = page.locator(`[data-testid="conflict-row"][data-conflict-id="${report.id}"]`);
    const table = card.getByTestId('people-table');
    await table.waitFor();
    const ids = await table.getByTestId('people-row-record-id').locator('td').allTextContents();
    expect(ids).toContain(about);
    expect(ids).toContain(String(other.id));
    const providers = await table.getByTestId('people-row-provider').locator('td').allTextContents();
    expect(providers.filter((p) => p === 'growcrm')).toHaveLength(2);
    expect(providers).toContain('churchpad');
    const emails = await table.getByTestId('people-row-e-mails').locator('td').allTextContents();
    expect(emails.join(' ')).toContain('dana.other@dup.example');
    expect(emails.join(' ')).toContain('dana@dup.example');
    expect((await table.getByTestId('people-row-phones').locator('td').allTextContents()).join(' ')).toContain(
      '4155550199',
    );
    expect(await card.getByTestId(`link-${report.canonicalId}`).count()).toBe(0); // already has a growcrm record
    await card.getByTestId('ignore-record').click();
    await expect.poll(() => card.getAttribute('data-status')).toBe('dismissed');
    await page.close();
  });
});
