/**
 * The CLI's data commands: `archive`, `backup` and `restore` (see cli.ts).
 * Kept apart from cli.ts because restore opens the database without
 * migrating it first: restore runs the migrations itself, up to the backup's.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, type Config } from '../config/config.ts';
import { systemClock } from '../domain/clock.ts';
import { deriveKeys } from '../domain/secrets.ts';
import { archiveBefore, parseArchiveDate } from './archive.ts';
import { BackupRefused, backupDatabase, restoreDatabase } from './backup.ts';
import { prepareJobQueue } from '../jobs/worker.ts';
import { loadMasterKey, openConfiguredDatabase } from '../runtime.ts';
import { openDatabase } from '../store/database.ts';
import { startEmbeddedPostgres } from '../store/embedded-postgres.ts';

/** `archive --before YYYY-MM-DD [--out DIR]` */
export async function archiveCommand(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { before: { type: 'string' }, out: { type: 'string' } } });
  const before = values.before;
  if (!before || !parseArchiveDate(before)) throw new ConfigError('archive needs --before YYYY-MM-DD (a real date)');
  if (parseArchiveDate(before)!.getTime() > systemClock.nowMs()) throw new ConfigError('archive --before must not be in the future');
  const directory = values.out ?? path.join(config.dataDir, 'archive');
  const database = await openConfiguredDatabase(config, { poolSize: 2 });
  try {
    const keys = deriveKeys(await loadMasterKey(config));
    const report = await archiveBefore({ db: database.handle.db, clock: systemClock, keys }, { before, directory });
    for (const table of report.tables) {
      console.log(`${table.table.padEnd(22)} ${String(table.moved).padStart(9)} moved  ${String(table.archivedRows).padStart(9)} in ${table.file}`);
    }
  } finally {
    await database.close();
  }
}

/** `backup --out FILE` */
export async function backupCommand(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { out: { type: 'string' } } });
  if (!values.out) throw new ConfigError('backup needs --out FILE');
  const file = values.out;
  const database = await openConfiguredDatabase(config, { poolSize: 2 });
  try {
    const header = await backupDatabase(database.handle.pool, file, systemClock);
    const rows = header.tables.reduce((sum, table) => sum + table.rows, 0);
    console.log(`backup written to ${file}: ${header.tables.length} tables, ${rows} rows, ${header.migrations.length} migrations (sha256 ${header.data_sha256})`);
    console.log(`not in the backup: ${header.excluded.join('; ')}`);
  } catch (error) {
    throw error instanceof BackupRefused ? new ConfigError(error.message) : error;
  } finally {
    await database.close();
  }
}

/** `restore --in FILE [--force]` */
export async function restoreCommand(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { in: { type: 'string' }, force: { type: 'boolean' } } });
  if (!values.in) throw new ConfigError('restore needs --in FILE (and --force to replace the rows of a database that is not empty)');
  const file = values.in;
  const embedded = config.databaseUrl ? null : await startEmbeddedPostgres(config.dataDir);
  const handle = openDatabase(config.databaseUrl ?? embedded!.url, { poolSize: 2 });
  try {
    await prepareJobQueue(handle.pool);
    const report = await restoreDatabase(handle, file, { force: values.force ?? false });
    console.log(`restored ${report.rows} rows into ${report.tables} tables; ${report.sequences} identity sequences reset; ${report.requeued} provider notifications queued again; ${report.analyzed} tables analyzed`);
    if (report.migrationsAfter.length > 0) console.log(`migrations applied after the restore: ${report.migrationsAfter.join(', ')}`);
    if (report.analysisError) {
      console.log(`the restore is complete, but its tables could not be analyzed (${report.analysisError}): autovacuum will, or run ANALYZE`);
    }
  } catch (error) {
    throw error instanceof BackupRefused ? new ConfigError(error.message) : error;
  } finally {
    await handle.close();
    await embedded?.stop();
  }
}
