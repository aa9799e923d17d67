/**
 * `paypilot backup --out FILE` and `paypilot restore --in FILE`: a logical
 * dump of the whole database that needs no pg_dump (the embedded server
 * ships none, and a client older than the server cannot dump it).
 *
 * The file is gzip of: one line of JSON (the header: format version, the
 * migrations applied, each table's columns, row count, byte count and
 * SHA-256, and the SHA-256 of all the data), then each table's rows in
 * COPY's text format, one table after the other, as long as the header says.
 *
 * - Backup reads every table in one snapshot (`repeatable read, read only`),
 *   so the file is consistent whatever runs meanwhile.
 * - Left out: graphile-worker's queue (jobs in flight and the recurring
 *   jobs' bookkeeping). Webhook deliveries and payer messages are rows, found
 *   again by the worker's sweep; recurring jobs come back from the crontab;
 *   restore queues unapplied provider notifications again. A payer notice
 *   whose event had not been turned into messages when the backup was taken
 *   is not sent.
 * - Restore runs the migrations up to the backup's last one (refusing a
 *   database that is ahead of the backup), checks that every table is empty
 *   (or empties them with `force`), loads every table in one transaction
 *   with `session_replication_role = replica` (no triggers, hence no foreign
 *   key checks, no immutability triggers, no outbox jobs: the rows were
 *   consistent when dumped; this setting needs a superuser, which the
 *   embedded server's user is), checks every count and checksum before
 *   committing, moves identity sequences past the loaded rows, then runs the
 *   remaining migrations and analyzes the loaded tables (a restored database
 *   would otherwise be planned on guesses until autovacuum reaches it).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type pg from 'pg';
import { limits } from '../domain/limits.ts';
import type { Clock } from '../domain/clock.ts';
import {
  analyzeTables,
  appliedMigrations,
  copyTableIn,
  copyTableOut,
  listBackupTables,
  nonEmptyTables,
  requeueAfterRestore,
  resetIdentitySequences,
  truncateTables,
  type BackupTable,
} from '../store/backup.ts';
import { migrateToLatest, migrateUpTo, migrationNames } from '../store/migrate.ts';
import type { Db } from '../store/database.ts';

export const backupFormat = 'paypilot-backup';
export const backupFormatVersion = 1;

export interface BackupHeader {
  format: typeof backupFormat;
  version: number;
  created_at: string;
  server_version: string;
  migrations: string[];
  excluded: string[];
  tables: (BackupTable & { rows: number; bytes: number; sha256: string })[];
  data_sha256: string;
}

/** A backup or restore that cannot go ahead, for a reason the operator can act on. */
export class BackupRefused extends Error {
  override name = 'BackupRefused';
}

export async function backupDatabase(pool: pg.Pool, file: string, clock: Clock): Promise<BackupHeader> {
  const dataFile = `${file}.data-${process.pid}`;
  const partial = `${file}.partial-${process.pid}`;
  try {
    const header = await dumpTables(pool, dataFile, clock);
    const headerLine = Buffer.from(`${JSON.stringify(header)}\n`);
    if (headerLine.length > limits.backupHeaderBytesMax) throw new BackupRefused('the backup header is larger than its limit');
    await pipeline(
      async function* () {
        yield headerLine;
        yield* createReadStream(dataFile);
      },
      createGzip(),
      createWriteStream(partial, { mode: 0o600 }),
    );
    await rename(partial, file);
    return header;
  } finally {
    await rm(dataFile, { force: true });
    await rm(partial, { force: true });
  }
}

/** Every table's rows, in one snapshot, into `dataFile`; answers the header that describes them. */
async function dumpTables(pool: pg.Pool, dataFile: string, clock: Clock): Promise<BackupHeader> {
  const client = await pool.connect();
  const output = createWriteStream(dataFile, { mode: 0o600 });
  const closed = once(output, 'close');
  const all = createHash('sha256');
  try {
    await client.query('begin isolation level repeatable read, read only');
    await client.query('set local statement_timeout = 0');
    const version = await client.query<{ server_version: string }>('show server_version');
    const migrations = await appliedMigrations(client);
    const tables: BackupHeader['tables'] = [];
    for (const table of await listBackupTables(client)) {
      const hash = createHash('sha256');
      let bytes = 0;
      const rows = await copyTableOut(client, table, output, (chunk) => {
        hash.update(chunk);
        all.update(chunk);
        bytes += chunk.length;
      });
      tables.push({ ...table, rows, bytes, sha256: hash.digest('hex') });
    }
    await client.query('commit');
    output.end();
    await closed;
    return {
      format: backupFormat,
      version: backupFormatVersion,
      created_at: new Date(clock.nowMs()).toISOString(),
      server_version: version.rows[0]?.server_version ?? 'unknown',
      migrations,
      excluded: ['graphile_worker (the job queue: jobs in flight and recurring-job bookkeeping)'],
      tables,
      data_sha256: all.digest('hex'),
    };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    output.destroy();
    throw error;
  } finally {
    client.release();
  }
}

export interface RestoreReport {
  tables: number;
  rows: number;
  sequences: number;
  requeued: number;
  migrationsAfter: string[];
  /** Tables analyzed after the load. */
  analyzed: number;
  /** Why they were not, if the analysis failed (the restore itself is complete then). */
  analysisError: string | null;
}

/**
 * Loads a backup into the database behind `pool`/`db`. graphile-worker's
 * schema must exist already (`prepareJobQueue`): restore queues jobs into it.
 */
export async function restoreDatabase(handle: { db: Db; pool: pg.Pool }, file: string, options: { force?: boolean } = {}): Promise<RestoreReport> {
  const input = createReadStream(file).pipe(createGunzip());
  const reader = new ByteReader(input[Symbol.asyncIterator]());
  try {
    const header = parseHeader(await reader.readLine(limits.backupHeaderBytesMax));
    await migrateToBackup(handle, header.migrations);
    const loaded = await loadTables(handle.pool, header, reader, options.force ?? false);
    const migrationsAfter = await migrateToLatest(handle.db);
    const client = await handle.pool.connect();
    try {
      const requeued = await requeueAfterRestore(client);
      // The tables as the migrations left them. The rows are committed by now, so a failure here (or a crash) leaves a
      // complete restore that autovacuum analyzes later: it is reported, not thrown.
      const names = (await listBackupTables(client)).map((table) => table.name);
      const analysis = await analyzeTables(client, names).then(
        (analyzed) => ({ analyzed, analysisError: null }),
        (error: unknown) => ({ analyzed: 0, analysisError: error instanceof Error ? error.message : String(error) }),
      );
      return { ...loaded, requeued, migrationsAfter, ...analysis };
    } finally {
      client.release();
    }
  } finally {
    input.destroy();
  }
}

function parseHeader(line: Buffer): BackupHeader {
  let header: BackupHeader;
  try {
    header = JSON.parse(line.toString('utf8')) as BackupHeader;
  } catch {
    throw new BackupRefused('this file is not a Paypilot backup (its header is not JSON)');
  }
  if (header.format !== backupFormat) throw new BackupRefused('this file is not a Paypilot backup');
  if (header.version !== backupFormatVersion) throw new BackupRefused(`backup format version ${header.version} is not supported (this Paypilot reads version ${backupFormatVersion})`);
  if (!Array.isArray(header.tables) || !Array.isArray(header.migrations)) throw new BackupRefused('the backup header is incomplete');
  return header;
}

/** Migrates the database up to the backup's last migration, so the rows load into the columns they came from. */
async function migrateToBackup(handle: { db: Db; pool: pg.Pool }, backupMigrations: string[]): Promise<void> {
  const known = backupMigrations.every((name, index) => migrationNames[index] === name);
  if (!known) throw new BackupRefused('the backup was made by a Paypilot whose migrations this one does not know: restore it with that version');
  const client = await handle.pool.connect();
  let applied: string[];
  try {
    applied = await appliedMigrations(client);
  } finally {
    client.release();
  }
  const behindOrEqual = applied.length <= backupMigrations.length && applied.every((name, index) => backupMigrations[index] === name);
  if (!behindOrEqual) throw new BackupRefused('the database has migrations the backup does not: restore into an empty database');
  const last = backupMigrations[backupMigrations.length - 1];
  if (last) await migrateUpTo(handle.db, last);
}

async function loadTables(pool: pg.Pool, header: BackupHeader, reader: ByteReader, force: boolean): Promise<Omit<RestoreReport, 'requeued' | 'migrationsAfter' | 'analyzed' | 'analysisError'>> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('set local statement_timeout = 0');
    await client.query('set local session_replication_role = replica').catch((error: unknown) => {
      throw new BackupRefused(`restore loads rows with triggers off (session_replication_role = replica), which needs a superuser: ${(error as Error).message}`);
    });
    const present = await listBackupTables(client);
    const presentByName = new Map(present.map((table) => [table.name, table]));
    for (const table of header.tables) {
      const target = presentByName.get(table.name);
      if (!target || table.columns.some((column) => !target.columns.includes(column))) {
        throw new BackupRefused(`table ${table.name} of the backup does not exist here with the same columns`);
      }
    }
    const filled = await nonEmptyTables(client, present);
    if (filled.length > 0 && !force) {
      throw new BackupRefused(`the database is not empty (${filled.slice(0, 5).join(', ')}${filled.length > 5 ? ', …' : ''}): restore into an empty database, or pass --force to replace its rows`);
    }
    if (filled.length > 0) await truncateTables(client, present);
    const all = createHash('sha256');
    let rows = 0;
    for (const table of header.tables) {
      const loaded = await copyTableIn(client, table, verifiedSection(reader, table, all));
      if (loaded !== table.rows) throw new BackupRefused(`table ${table.name}: ${loaded} rows loaded, the header says ${table.rows}`);
      rows += loaded;
    }
    if (all.digest('hex') !== header.data_sha256) throw new BackupRefused('the backup data does not match its checksum');
    if (!(await reader.atEnd())) throw new BackupRefused('the backup has data after its last table');
    const sequences = await resetIdentitySequences(client);
    await client.query('commit');
    return { tables: header.tables.length, rows, sequences };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** A table's bytes from the file, hashed as they pass; a wrong checksum fails the copy before it completes. */
async function* verifiedSection(reader: ByteReader, table: BackupHeader['tables'][number], all: ReturnType<typeof createHash>): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of reader.take(table.bytes)) {
    hash.update(chunk);
    all.update(chunk);
    yield chunk;
  }
  if (hash.digest('hex') !== table.sha256) throw new Error(`table ${table.name} does not match its checksum`);
}

/** Reads a stream of buffers as lines and byte counts. */
class ByteReader {
  private pending: Buffer = Buffer.alloc(0);
  private ended = false;
  private readonly source: AsyncIterator<Buffer>;
  constructor(source: AsyncIterator<Buffer>) {
    this.source = source;
  }

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    this.pending = this.pending.length === 0 ? next.value : Buffer.concat([this.pending, next.value]);
    return true;
  }

  async readLine(bytesMax: number): Promise<Buffer> {
    for (;;) {
      const newline = this.pending.indexOf(0x0a);
      if (newline >= 0) {
        const line = this.pending.subarray(0, newline);
        this.pending = this.pending.subarray(newline + 1);
        return line;
      }
      if (this.pending.length > bytesMax) throw new BackupRefused('the backup header is larger than its limit');
      if (!(await this.fill())) throw new BackupRefused('the backup ends inside its header');
    }
  }

  async *take(bytes: number): AsyncGenerator<Buffer> {
    let remaining = bytes;
    while (remaining > 0) {
      if (this.pending.length === 0 && !(await this.fill())) throw new Error('the backup ends early');
      const chunk = this.pending.subarray(0, Math.min(remaining, this.pending.length));
      this.pending = this.pending.subarray(chunk.length);
      remaining -= chunk.length;
      yield chunk;
    }
  }

  async atEnd(): Promise<boolean> {
    return this.pending.length === 0 && !(await this.fill());
  }
}
