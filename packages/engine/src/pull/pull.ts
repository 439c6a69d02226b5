import { contentHash, massDeleteGuard } from '@contact-sync/core';
import {
  adoptUnlistedLinks,
  bumpRun,
  committedMaxSeq,
  countVanished,
  dbNow,
  holdVanished,
  ingestPage,
  ingestUnchangedPage,
  markQuarantinedSeen,
  markVanishedGone,
  openPullRun,
  quarantine,
  recordPullCompleted,
  recordPullFailed,
  resolveReturnedHolds,
  type SnapshotInput,
  saveCheckpoint,
  setRunStatus,
  snapshotRowHash,
  withSeqWrite,
} from '@contact-sync/store';
import type { PullJob } from '../jobs.ts';
import { connectionOf, enqueueReconcile, type Resources } from '../resources.ts';
import { resyncPullEnded } from '../resync.ts';
import { pullDeadline } from './pull-deadline.ts';
import { countPullRequests, ListShiftedError, pagesFrom, probeSchedule, totalChanged } from './pull-pages.ts';

export interface PullResult {
  runId: string;
  pulled: number;
  changed: number;
  quarantined: number;
  gone: number;
  held: number;
}

/**
 * Snapshots one connection: streams the provider's pages into Postgres (one statement per
 * page), quarantines what fails validation, and — for a completed full pull only — marks
 * what it did not see as gone, unless the mass-delete guard holds those deletes.
 */
export async function runPull(
  res: Resources,
  job: PullJob,
  signal?: AbortSignal,
  /** The queue job's id: its retries (and the job restarted after a crash) resume this pull's checkpoint. */
  jobId?: string,
): Promise<PullResult> {
  const { config, connector } = connectionOf(res, job.connectionId);
  // Only a list that can resume has a checkpoint worth resuming; any other starts a new run.
  const { run, checkpoint, resumed } = await openPullRun(res.prisma, {
    connectionId: job.connectionId,
    full: job.full,
    parentRunId: job.resyncRunId ?? null,
    jobId: connector.listFrom && jobId !== undefined ? jobId : null,
  });
  const log = res.logger.child({ connectionId: job.connectionId, runId: run.id });
  const spent = await countPullRequests(res, job.connectionId, run.id);
  if (resumed) log.info({ cursor: checkpoint.cursor, pages: checkpoint.pages }, 'pull resumed from its checkpoint');
  const counters = [run.id, ...(job.resyncRunId ? [job.resyncRunId] : [])];
  const bump = (c: Parameters<typeof bumpRun>[2]) => Promise.all(counters.map((id) => bumpRun(res.prisma, id, c)));
  const result: PullResult = { runId: run.id, pulled: 0, changed: 0, quarantined: 0, gone: 0, held: 0 };
  /** Records listed but invalid: they exist, so they are not gone. */
  const quarantinedIds = new Set<string>();
  /** Invalid items whose id could not be read: some record was listed that cannot be named. */
  let unnamed = 0;
  const deadline = await pullDeadline(
    res,
    {
      runId: run.id,
      resyncRunId: job.resyncRunId ?? null,
      connectionId: job.connectionId,
      deadlineMs: config.pullDeadline,
    },
    signal,
  );
  const schedule = probeSchedule();
  try {
    let requestedAt = await dbNow(res.prisma);
    for await (const listed of pagesFrom(connector, checkpoint, deadline.signal)) {
      const page = listed.items;
      const records: SnapshotInput[] = [];
      const invalid: { externalId: string | null; raw: unknown; error: string }[] = [];
      if (totalChanged(checkpoint, listed)) checkpoint.shifted = true;
      checkpoint.total ??= listed.total;
      for (const item of page) {
        if (item.kind === 'invalid') {
          invalid.push(item);
          continue;
        }
        const record: SnapshotInput = {
          externalId: item.record.externalId,
          raw: item.record.raw,
          projection: item.record.projection,
          extras: item.record.extras,
          contentHash: contentHash(item.record.projection),
          remoteUpdatedAt: item.record.updatedAt,
        };
        record.rowHash = snapshotRowHash(record);
        records.push(record);
      }
      const twiceInPage = repeatedIds(records);
      checkpoint.cursor = listed.next;
      checkpoint.pages++;
      // With the page, so a page is ingested once: a resumed read starts after it. The page's
      // statement also adds it to the pull's counters (`pulled`, `changed`); a resync reads its
      // own as the sum of its pulls' (`withRunCounts`).
      const saved = connector.listFrom ? { runId: run.id, ...checkpoint } : null;
      const progress = { runIds: [run.id], checkpoint: saved };
      // A page listed exactly as stored is marked seen in one statement (no data sent, no change
      // number); a page with any other record is ingested whole.
      const unchanged =
        records.length > 0 && schedule.probe()
          ? await ingestUnchangedPage(res.sql, job.connectionId, run.id, records, requestedAt, progress)
          : undefined;
      if (unchanged !== undefined) schedule.probed(unchanged !== null);
      const ingested =
        unchanged ??
        (await withSeqWrite(res.prisma, async (tx) => {
          const out = await ingestPage(tx, job.connectionId, run.id, records, requestedAt, progress);
          // No valid record, so no statement ran: the checkpoint is saved on its own.
          if (out.at === null && saved) await saveCheckpoint(tx, run.id, checkpoint);
          return out;
        }));
      // A record an earlier page listed, while the total changed under the read: the offsets shifted
      // (an insert before it), not a provider's duplicate, so it is not quarantined. With the total
      // unchanged it is the provider listing one id twice, quarantined as before.
      const duplicates = checkpoint.shifted
        ? ingested.duplicates.filter((id) => twiceInPage.has(id))
        : ingested.duplicates;
      for (const id of duplicates) {
        invalid.push({
          externalId: id,
          raw: null,
          error: `externalId: "${id}" was returned more than once in this pull`,
        });
      }
      if (invalid.length > 0) await quarantine(res.prisma, job.connectionId, run.id, invalid);
      for (const item of invalid) {
        if (item.externalId === null) unnamed++;
        else quarantinedIds.add(item.externalId);
      }
      result.pulled += records.length;
      result.changed += ingested.changed;
      result.quarantined += invalid.length;
      // (The page's statement counted `pulled` and `changed`; a page without one held no record.)
      if (invalid.length > 0) await bump({ quarantined: invalid.length });
      requestedAt = ingested.at ?? (await dbNow(res.prisma));
    }
    if (checkpoint.shifted) {
      throw new ListShiftedError(
        `${job.connectionId}: the list changed while it was read (total or offsets shifted between pages); nothing marked gone, the pull is read again`,
      );
    }
    await markQuarantinedSeen(res.prisma, job.connectionId, run.id, [...quarantinedIds]);
    if (job.full && unnamed > 0) {
      // A listed record whose id cannot be read may be any of the unseen ones: nothing is gone.
      log.warn({ unnamed }, 'full pull listed records without a readable id: nothing marked gone');
    } else if (job.full) {
      await adoptUnlistedLinks(res.prisma, job.connectionId, run.startedAt);
      const { before, vanished, listed } = await countVanished(res.prisma, job.connectionId, run.id, run.startedAt);
      const guard = massDeleteGuard({ total: before, vanished, listed, threshold: config.massDeleteThreshold });
      if (guard.held) {
        result.held = await holdVanished(res.prisma, job.connectionId, run.id);
        log.warn(
          { before, vanished, listed, threshold: config.massDeleteThreshold },
          'mass-delete guard: deletes held for review',
        );
      } else if (vanished > 0) {
        result.gone = await withSeqWrite(res.prisma, (tx) => markVanishedGone(tx, job.connectionId, run.id));
        await bump({ gone: result.gone });
      }
    }
    const resolved = await resolveReturnedHolds(res.prisma, job.connectionId, run.id);
    if (resolved > 0) log.info({ resolved }, 'held deletes closed: their records were listed again');
    await recordPullCompleted(res.prisma, job.connectionId, run.id, job.full);
    await spent.save();
    await setRunStatus(res.prisma, run.id, 'completed');
    log.info(result, 'pull completed');
  } catch (caught) {
    // An incomplete pull marks nothing gone; what it ingested is real data and stays.
    const err = deadline.passed() ? deadline.error() : caught;
    const message = (err as Error).message;
    await spent.save().catch(() => {});
    await setRunStatus(res.prisma, run.id, 'failed', message).catch(() => {});
    await recordPullFailed(res.prisma, job.connectionId, message).catch(() => {});
    log.warn({ err: message }, 'pull failed');
    throw err;
  } finally {
    deadline.clear();
  }
  // A resync reconciles once, after all its pulls ended (see resyncPullEnded).
  if (job.resyncRunId) {
    if (!(await resyncPullEnded(res, job.resyncRunId))) log.debug('reconcile waits for the other pulls of this resync');
    return result;
  }
  await enqueueReconcile(res, await committedMaxSeq(res.prisma), `pull:${job.connectionId}`);
  return result;
}

/** Ids a page itself lists more than once (the provider's own duplicates). */
function repeatedIds(records: readonly SnapshotInput[]): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const r of records) (seen.has(r.externalId) ? twice : seen).add(r.externalId);
  return twice;
}
