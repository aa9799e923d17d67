/** Runs the frozen migrations in order; safe to run at every start and from several processes. */
import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './database.ts';
import * as m0001 from './migrations/0001_core.ts';
import * as m0002 from './migrations/0002_drop_status_index.ts';
import * as m0003 from './migrations/0003_provider_notifications.ts';
import * as m0004 from './migrations/0004_reconciliation.ts';

const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_drop_status_index': m0002,
  '0003_provider_notifications': m0003,
  '0004_reconciliation': m0004,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export const migrationNames = Object.keys(migrations);

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when every known migration has been applied: what `/ready` reports. */
export async function migrationsApplied(db: Db): Promise<boolean> {
  try {
    const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    const applied = new Set(rows.rows.map((r) => r.name));
    return migrationNames.every((name) => applied.has(name));
  } catch {
    return false;
  }
}
