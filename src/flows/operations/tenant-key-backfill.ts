/**
 * The worker's backfill of `merchant_id` on the tables that gained it in
 * migration 0058 (store/tenant-backfill.ts says how a table is walked). A run
 * takes each table not yet done, fills it batch by batch up to the run's
 * bound, and marks it done once nothing is left; a crash or a stop at any
 * point leaves the walk where its last batch committed, and the next run (or
 * another worker at the same time) carries on from there. Once every table is
 * done a run is one read of fifteen rows.
 */
import { limits } from '../../domain/limits.ts';
import { fillTenantKeyBatch, finishTenantKeyWalk, pendingTenantKeyBackfills, type PendingBackfill } from '../../store/tenant-backfill.ts';
import { now, type FlowContext } from '../context.ts';

export interface TenantKeyBackfillRun {
  /** Rows given their merchant_id in this run. */
  filled: number;
  batches: number;
  /** Tables this run marked done. */
  finished: string[];
  /** Whether tables remain to be done after this run. */
  pending: boolean;
}

export interface TenantKeyBackfillBounds {
  pagesPerBatch: number;
  batchesMax: number;
}

const defaultBounds: TenantKeyBackfillBounds = { pagesPerBatch: limits.tenantKeyBackfillPagesPerBatch, batchesMax: limits.tenantKeyBackfillBatchesPerRunMax };

export async function backfillTenantKeys(context: FlowContext, bounds: TenantKeyBackfillBounds = defaultBounds): Promise<TenantKeyBackfillRun> {
  const run: TenantKeyBackfillRun = { filled: 0, batches: 0, finished: [], pending: false };
  for (const backfill of await pendingTenantKeyBackfills(context.db)) {
    const done = await walkTable(context, backfill, bounds, run);
    if (done) run.finished.push(backfill.table);
    else run.pending = true;
  }
  return run;
}

/** Walks one table while the run's bound allows; answers whether this run marked it done. */
async function walkTable(context: FlowContext, backfill: PendingBackfill, bounds: TenantKeyBackfillBounds, run: TenantKeyBackfillRun): Promise<boolean> {
  let page = backfill.nextPage;
  while (run.batches < bounds.batchesMax) {
    run.batches += 1;
    if (page >= backfill.pages) {
      const done = await finishTenantKeyWalk(context.db, backfill.table, page, now(context));
      // Another worker moved the walk: it carries on with this table.
      if (done === null || done) return done === true;
      page = 0;
      continue;
    }
    const batch = await fillTenantKeyBatch(context.db, backfill.table, page, bounds.pagesPerBatch);
    run.filled += batch.filled;
    if (!batch.advanced) return false;
    page += bounds.pagesPerBatch;
  }
  return false;
}
