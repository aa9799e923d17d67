/**
 * `paypilot archive --before DATE`: moves payment events, funnel events and
 * cancellation records created before DATE (midnight UTC) out of the live
 * tables into their archive tables, and writes each archive table's rows
 * before DATE as gzip-compressed NDJSON with personal data masked.
 *
 * - Bounded: each transaction moves at most `archiveBatchRows` rows, in one
 *   statement that deletes them from the live table and inserts them into
 *   the archive table, so a row is always in exactly one of the two.
 * - Payment events refuse deletes; the archive's statement runs under the
 *   transaction-local `paypilot.archiving = 'on'` that their trigger allows
 *   (migration 0013), and nothing else sets it.
 * - Idempotent: a second run finds nothing left to move, and the archive
 *   tables' primary keys refuse a row twice. The files are written from the
 *   archive tables (not from what this run moved), so running again writes
 *   the same file, with every row archived before DATE, once.
 * - A file is written beside its final name and renamed when complete: a
 *   crash leaves the previous file or none, never half of one.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { sql, type RawBuilder } from 'kysely';
import { assert } from '../domain/assert.ts';
import { limits } from '../domain/limits.ts';
import { maskRecord } from '../domain/masking.ts';
import type { Db } from '../store/database.ts';
import type { FlowContext } from '../flows/context.ts';

/** The tables that are archived, each with its archive table (same columns, same order). */
export const archivedTables = [
  { live: 'payment_events', archive: 'archived_payment_events' },
  { live: 'funnel_events', archive: 'archived_funnel_events' },
  { live: 'cancellation_records', archive: 'archived_cancellation_records' },
] as const;

export interface ArchiveOptions {
  /** `YYYY-MM-DD`: rows created before its midnight UTC are archived. */
  before: string;
  /** Where the NDJSON files go. */
  directory: string;
  batchRows?: number;
}

export interface ArchiveReport {
  before: string;
  tables: { table: string; moved: number; archivedRows: number; file: string }[];
}

/** The cutoff of `YYYY-MM-DD` (midnight UTC), or null when it is not a real date. */
export function parseArchiveDate(text: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const date = new Date(`${text}T00:00:00.000Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text ? null : date;
}

export async function archiveBefore(context: Pick<FlowContext, 'db' | 'clock' | 'keys'>, options: ArchiveOptions): Promise<ArchiveReport> {
  const cutoff = parseArchiveDate(options.before);
  assert(cutoff !== null, 'the archive date is YYYY-MM-DD');
  assert(cutoff.getTime() <= context.clock.nowMs(), 'the archive date is not in the future');
  const batchRows = options.batchRows ?? limits.archiveBatchRows;
  assert(Number.isInteger(batchRows) && batchRows > 0 && batchRows <= limits.archiveBatchRows, 'archive batches are bounded');
  await mkdir(options.directory, { recursive: true });
  const report: ArchiveReport = { before: options.before, tables: [] };
  for (const table of archivedTables) {
    const key = await primaryKeyOf(context.db, table.archive);
    const moved = await moveRowsBefore(context.db, table, key, cutoff, batchRows);
    const file = path.join(options.directory, `${table.live}-${options.before}.ndjson.gz`);
    const archivedRows = await writeArchiveFile(context.db, table.archive, key, cutoff, file, context.keys.customerPseudonym, batchRows);
    report.tables.push({ table: table.live, moved, archivedRows, file });
  }
  return report;
}

/** Moves the rows in batches, one transaction each; answers how many moved. */
async function moveRowsBefore(db: Db, table: (typeof archivedTables)[number], key: string[], cutoff: Date, batchRows: number): Promise<number> {
  const live = sql.table(table.live);
  const archive = sql.table(table.archive);
  const keyList = sql.join(key.map((column) => sql.ref(column)));
  const joinOn = sql.join(key.map((column) => sql`l.${sql.ref(column)} = b.${sql.ref(column)}`), sql` and `);
  let total = 0;
  for (;;) {
    const moved = await db.transaction().execute(async (trx) => {
      await sql`select set_config('paypilot.archiving', 'on', true)`.execute(trx);
      const result = await sql<{ moved: number }>`
        with batch as (
          select ${keyList} from ${live} where created_at < ${cutoff} order by ${keyList} limit ${batchRows} for update skip locked
        ), moved as (
          delete from ${live} l using batch b where ${joinOn} returning l.*
        ), archived as (
          insert into ${archive} select * from moved on conflict do nothing returning 1
        )
        select (select count(*) from moved)::int as moved, (select count(*) from archived)::int as archived
      `.execute(trx);
      return result.rows[0]?.moved ?? 0;
    });
    total += moved;
    if (moved < batchRows) return total;
  }
}

/** Writes the archive table's rows before the cutoff, masked, in key order; answers how many. */
async function writeArchiveFile(db: Db, archiveTable: string, key: string[], cutoff: Date, file: string, customerKey: Buffer, batchRows: number): Promise<number> {
  const partial = `${file}.partial-${process.pid}`;
  const gzip = createGzip();
  const output = createWriteStream(partial, { mode: 0o600 });
  const finished = once(output, 'close');
  gzip.pipe(output);
  let rows = 0;
  try {
    let after: unknown[] | null = null;
    for (;;) {
      const page = await readArchivePage(db, archiveTable, key, cutoff, after, batchRows);
      for (const row of page) {
        if (!gzip.write(`${JSON.stringify(maskRecord(row, customerKey))}\n`)) await once(gzip, 'drain');
      }
      rows += page.length;
      if (page.length < batchRows) break;
      const last = page[page.length - 1]!;
      after = key.map((column) => last[column]);
    }
    gzip.end();
    await finished;
    await rename(partial, file);
    return rows;
  } catch (error) {
    gzip.destroy();
    output.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}

async function readArchivePage(db: Db, archiveTable: string, key: string[], cutoff: Date, after: unknown[] | null, batchRows: number): Promise<Record<string, unknown>[]> {
  const keyList = sql.join(key.map((column) => sql`a.${sql.ref(column)}`));
  const afterCondition: RawBuilder<unknown> = after ? sql`and (${keyList}) > (${sql.join(after.map((value) => sql`${value}`))})` : sql``;
  const result = await sql<{ row: Record<string, unknown> }>`
    select to_jsonb(a) as row from ${sql.table(archiveTable)} a
     where a.created_at < ${cutoff} ${afterCondition}
     order by ${keyList} limit ${batchRows}
  `.execute(db);
  return result.rows.map((r) => r.row);
}

/** The table's primary key columns, in order: the archive pages by them. */
async function primaryKeyOf(db: Db, table: string): Promise<string[]> {
  const result = await sql<{ column: string }>`
    select a.attname as column
      from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any (i.indkey)
     where i.indrelid = to_regclass(${table}) and i.indisprimary
     order by array_position(i.indkey::int2[], a.attnum)
  `.execute(db);
  const columns = result.rows.map((row) => row.column);
  assert(columns.length > 0, `${table} has a primary key`);
  return columns;
}
