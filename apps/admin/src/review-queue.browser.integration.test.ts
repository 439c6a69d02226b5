import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { insertAmbiguousNodepingContact } from '@contact-sync/testkit/scenarios';
import type { Stack } from '@contact-sync/testkit/stack';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAdminServer } from './server.ts';
import { ensureChromium } from './testing/chromium.ts';
import { type ReviewStack, screenshotPath, startReviewStack, TOKEN } from './testing/review-stack.ts';

// Issue 22 on the review page: "merge these people" with the values the merge keeps (editable),
// bulk resolve with a count and a preview first, the count per kind, and the keyboard.
const browserBin = ensureChromium();
if ('skip' in browserBin) process.stderr.write(`[admin tests] review queue test skipped: ${browserBin.skip}\n`);

// A decision's answer waits for its transaction: on a busy machine more than poll's default second.
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 });
const shot = screenshotPath;

describe.skipIf('skip' in browserBin)('the review queue: merge, bulk, counts, keys (headless Chromium)', () => {
  let stack: Stack;
  let admin: RunningAdminServer;
  let browser: Browser;
  let review: ReviewStack | undefined;

  beforeAll(async () => {
    review = await startReviewStack('path' in browserBin ? browserBin.path : '', {
      sandboxOptions: { seed: 5, contacts: 40 },
      configOverrides: { conflictPolicy: { kind: 'hold' }, connection: { createPolicy: 'skip' } },
    });
    ({ stack, admin, browser } = review);
    mkdirSync(new URL('../docs/', import.meta.url).pathname, { recursive: true });
  });
  afterAll(() => review?.close());

  async function settled(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while ((await stack.res.prisma.outboxOp.count({ where: { status: { in: ['pending', 'in_flight'] } } })) > 0) {
      if (Date.now() > deadline) throw new Error('ops still pending');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function open(filters: { kind?: string; field?: string } = {}): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${admin.url}/ui/#token=${TOKEN}`);
    await page.getByTestId('conflict-list').waitFor();
    if (filters.kind) await page.getByTestId('filter-kind').selectOption(filters.kind);
    if (filters.field) await page.getByTestId('filter-field').fill(filters.field);
    await page.getByTestId('filter-apply').click();
    return page;
  }

  /** People in ChurchPad and Grow CRM whose family name each side edits differently (held: policy hold). */
  async function familyClashes(n: number, tag: string, skip: number) {
    // Not the people of the merge test: their records moved.
    const merged = (await stack.res.prisma.personMerge.findMany()).flatMap((m) => [m.intoId, m.fromId]);
    const links = await stack.res.prisma.link.findMany({
      where: {
        connectionId: 'churchpad',
        canonicalId: { notIn: merged },
        canonical: { links: { some: { connectionId: 'growcrm' } } },
      },
      orderBy: { externalId: 'asc' },
      skip,
      take: n,
    });
    const out = [];
    for (const [i, church] of links.entries()) {
      const grow = await stack.res.prisma.link.findFirstOrThrow({
        where: { connectionId: 'growcrm', canonicalId: church.canonicalId },
      });
      stack.sandbox.sim.churchpad.update(church.externalId, { last_name: `Church${tag}${i}` });
      stack.sandbox.sim.growcrm.update(Number(grow.externalId), { last_name: `Grow${tag}${i}` });
      out.push({ church: church.externalId, i, tag });
    }
    await stack.sync();
    const got = await stack.res.prisma.conflict.findMany({ where: { status: 'open', field: 'familyName' } });
    expect(got.length).toBe(n);
    return out;
  }

  it('merge these people: the preview shows what the merge keeps, an edit is taken, the result flows out', async () => {
    const { people } = await insertAmbiguousNodepingContact(stack);
    await stack.sync();
    const page = await open({ kind: 'ambiguous-match' });
    const card = page.getByTestId('conflict-row');
    await poll(() => card.count()).toBe(1);
    await card.getByTestId('people-table').waitFor();
    await card.getByTestId('merge-open').click();
    const table = card.getByTestId('merge-table');
    await table.waitFor();
    // Both people's e-mails are kept; the given name is the first person's, editable.
    const emails = await card.getByTestId('merge-value-emails').inputValue();
    const [into, from] = people;
    for (const p of people) expect(emails).toContain(p.keys[0]!.value);
    const given = card.getByTestId('merge-value-givenName');
    expect(await given.inputValue()).toBe((into!.data as { givenName: string }).givenName);
    expect(await card.getByTestId('merge-dropped').textContent()).toMatch(/Not kept/);
    await given.fill('Merged');
    await card.getByTestId('merge-confirm').scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot('merge.png'), fullPage: false });
    await card.getByTestId('merge-confirm').click();
    await poll(() => page.getByTestId('toast').textContent()).toMatch(/Merged: \d+ push/);
    const kept = await stack.res.prisma.canonicalContact.findUniqueOrThrow({ where: { id: into!.id } });
    expect((kept.data as { givenName: string }).givenName).toBe('Merged');
    expect((kept.data as { emails: { value: string }[] }).emails.map((e) => e.value)).toContain(from!.keys[0]!.value);
    expect((await stack.res.prisma.canonicalContact.findUniqueOrThrow({ where: { id: from!.id } })).mergedIntoId).toBe(
      into!.id,
    );
    await settled();
    // The merged name reached the providers through the push path.
    const grow = await stack.res.prisma.link.findFirst({ where: { canonicalId: into!.id, connectionId: 'growcrm' } });
    if (grow) expect(stack.sandbox.sim.growcrm.get(Number(grow.externalId))?.first_name).toBe('Merged');
    // The card now shows one person: the one merged in is gone from it.
    await poll(() => card.getByTestId('candidate').count()).toBe(1);
    await page.close();
  });

  it("merge these people on a duplicate in a provider: the second record's values join the person", async () => {
    const grow = stack.sandbox.sim.growcrm;
    const phone = '+14155550177';
    grow.insert({
      first_name: 'Dora',
      last_name: 'Dupe',
      email: 'dora.other@dup.example',
      phone,
      clientId: 1,
    });
    grow.insert({ first_name: 'Dora', last_name: 'Dupe', email: 'dora@dup.example', phone, clientId: 1 });
    stack.sandbox.sim.churchpad.insert({ first_name: 'Dora', last_name: 'Dupe', email: 'dora@dup.example', phone });
    await stack.sync();
    const report = await stack.res.prisma.conflict.findFirstOrThrow({
      where: { kind: 'duplicate-in-provider', status: 'open', rule: { contains: 'growcrm' } },
      orderBy: { createdAt: 'desc' },
    });
    const about = (report.sides as { externalId: string }[])[0]!.externalId;
    const page = await open({ kind: 'duplicate-in-provider' });
    const card = page.locator(`[data-testid="conflict-row"][data-conflict-id="${report.id}"]`);
    await card.getByTestId('people-table').waitFor();
    await card.getByTestId('merge-open').click();
    await card.getByTestId('merge-table').waitFor();
    const emails = await card.getByTestId('merge-value-emails').inputValue();
    expect(emails).toContain('dora@dup.example');
    expect(emails).toContain('dora.other@dup.example');
    await card.getByTestId('merge-confirm').click();
    await poll(() => page.locator(`[data-conflict-id="${report.id}"]`).getAttribute('data-status')).toBe('resolved');
    expect(
      await page.locator(`[data-conflict-id="${report.id}"]`).getByTestId('conflict-outcome').textContent(),
    ).toMatch(/merged into person/);
    const person = await stack.res.prisma.canonicalContact.findUniqueOrThrow({ where: { id: report.canonicalId! } });
    expect((person.data as { emails: { value: string }[] }).emails.map((e) => e.value).sort()).toEqual([
      'dora.other@dup.example',
      'dora@dup.example',
    ]);
    expect((await stack.res.prisma.conflict.findUniqueOrThrow({ where: { id: report.id } })).status).toBe('resolved');
    // The record stays at its provider, unlinked.
    expect(grow.get(Number(about))).toBeDefined();
    expect(await stack.res.prisma.link.count({ where: { connectionId: 'growcrm', externalId: about } })).toBe(0);
    await settled();
    await page.close();
  });

  it('bulk resolve: the count per kind, a preview with the count, then every familyName conflict picks growcrm', async () => {
    const clashes = await familyClashes(3, 'B', 0);
    const page = await open({ kind: 'field', field: 'familyName' });
    await poll(() => page.getByTestId('conflict-row').count()).toBe(3);
    // The navigation counts the open entries per kind.
    const openCount = await stack.res.prisma.conflict.count({ where: { status: 'open' } });
    await poll(() => page.getByTestId('count-conflicts').textContent()).toBe(String(openCount));
    expect(await page.getByTestId('count-field').textContent()).toBe('field 3');
    await page.getByTestId('bulk-open').click();
    await page.getByTestId('bulk-rule').selectOption('pick:growcrm');
    await page.getByTestId('bulk-preview-button').click();
    await expect
      .poll(() => page.getByTestId('bulk-count').textContent())
      .toBe('3 conflicts selected; the rule applies to 3.');
    expect(await page.getByTestId('bulk-sample-row').count()).toBe(3);
    expect(await stack.res.prisma.conflict.count({ where: { status: 'open', field: 'familyName' } })).toBe(3);
    await page.screenshot({ path: shot('bulk-resolve.png'), fullPage: false });
    await page.getByTestId('bulk-confirm').click();
    await poll(() => page.getByTestId('bulk-result').textContent()).toMatch(/^Resolved 3 of 3/);
    await poll(() => page.getByTestId('conflicts-empty').count()).toBe(1);
    expect(await stack.res.prisma.conflict.count({ where: { status: 'open', field: 'familyName' } })).toBe(0);
    await settled();
    for (const c of clashes) expect(stack.sandbox.sim.churchpad.get(c.church)?.last_name).toBe(`Grow${c.tag}${c.i}`);
    await page.close();
  });

  it('the keyboard: j/k move through the queue, a digit picks a side, d dismisses', async () => {
    await familyClashes(3, 'K', 0);
    const page = await open({ kind: 'field', field: 'familyName' });
    const cards = page.getByTestId('conflict-row');
    await poll(() => cards.count()).toBe(3);
    const focused = () => page.locator('[data-testid="conflict-row"].focused').getAttribute('data-conflict-id');
    const ids = await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-conflict-id')));
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await poll(focused).toBe(ids[0]);
    await page.keyboard.press('j');
    await poll(focused).toBe(ids[1]);
    await page.keyboard.press('ArrowDown');
    await poll(focused).toBe(ids[2]);
    await page.keyboard.press('k');
    await poll(focused).toBe(ids[1]);
    await page.keyboard.press('?');
    expect(await page.getByTestId('keys').isVisible()).toBe(true);
    await page.getByTestId('keys').scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot('keyboard.png'), fullPage: false });
    // The second card: its first side's pick button is key 1.
    const second = page.locator(`[data-conflict-id="${ids[1]}"]`);
    const firstPick = await second.locator('[data-testid^="pick-"]').first().getAttribute('data-testid');
    await page.keyboard.press('1');
    await expect
      .poll(() => page.locator(`[data-conflict-id="${ids[1]}"]`).getAttribute('data-status'))
      .toBe('resolved');
    const row = await stack.res.prisma.conflict.findUniqueOrThrow({ where: { id: ids[1]! } });
    expect((row.resolution as { connectionId: string }).connectionId).toBe(firstPick!.replace('pick-', ''));
    // Focus stays at its place in the queue; j then d dismisses the third.
    await page.keyboard.press('j');
    await poll(focused).toBe(ids[2]);
    await page.keyboard.press('d');
    await expect
      .poll(() => page.locator(`[data-conflict-id="${ids[2]}"]`).getAttribute('data-status'))
      .toBe('dismissed');
    // Typing into a field is not a command.
    await page.getByTestId('filter-field').focus();
    await page.keyboard.press('d');
    expect(await stack.res.prisma.conflict.findUniqueOrThrow({ where: { id: ids[0]! } })).toMatchObject({
      status: 'open',
    });
    await page.close();
  });

  it('at 10,000 open entries: the page asks for one page, shows it, counts every kind, and pages on', async () => {
    const kinds = ['rejected-write', 'ambiguous-match', 'delete-vs-edit', 'field'];
    const rows = Array.from({ length: 10_000 }, (_, i) => ({
      dedupeKey: randomUUID(),
      kind: kinds[i % kinds.length]!,
      connectionId: 'growcrm',
      field: kinds[i % kinds.length] === 'field' ? 'title' : null,
      sides: [{ connectionId: 'growcrm', externalId: String(200_000 + i), value: `seeded ${i}` }],
      rule: `seeded entry ${i}`,
      status: 'open',
    }));
    for (let i = 0; i < rows.length; i += 2_000)
      await stack.res.prisma.conflict.createMany({ data: rows.slice(i, i + 2_000) });
    const total = await stack.res.prisma.conflict.count({ where: { status: 'open' } });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/conflicts')) asked.push(new URL(r.url()).pathname + new URL(r.url()).search);
    });
    const t0 = performance.now();
    await page.goto(`${admin.url}/ui/#token=${TOKEN}`);
    await poll(() => page.getByTestId('count-conflicts').textContent()).toBe(String(total));
    const shownMs = performance.now() - t0;
    // One bounded page of the list (never the whole queue), and the counts.
    const lists = asked.filter((u) => u.startsWith('/api/v1/conflicts?'));
    expect(lists).toHaveLength(1);
    expect(new URLSearchParams(lists[0]!.split('?')[1]).get('limit')).toBe('25');
    expect(await page.getByTestId('conflict-row').count()).toBeLessThanOrEqual(25);
    expect(await page.getByTestId('count-rejected-write').textContent()).toMatch(/ 2\d{3}$/);
    // Server-side filter: the kind's chip asks the server for that kind only.
    await page.getByTestId('count-delete-vs-edit').click();
    await poll(() => page.locator('[data-testid="conflict-row"][data-status="open"]').count()).toBe(25);
    expect(asked.at(-2) ?? '').toMatch(/kind=delete-vs-edit/);
    await page.getByTestId('conflict-more').click();
    await poll(() => page.getByTestId('conflict-row').count()).toBe(50);
    expect(asked.some((u) => u.includes('cursor='))).toBe(true);
    await page.keyboard.press('j');
    await poll(() => page.locator('[data-testid="conflict-row"].focused').count()).toBe(1);
    process.stderr.write(`[review page at ${total} open] first page and counts shown in ${shownMs.toFixed(0)} ms\n`);
    await page.close();
  });
});
