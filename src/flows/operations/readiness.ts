/**
 * Readiness, as a load balancer asks it of an API process: the database
 * answers, its migrations are exactly those this code knows (none pending,
 * none newer unless allowed), and some worker has beaten its heartbeat
 * recently — without a worker, payments would be taken that never settle and
 * webhooks that are never sent.
 */
import { sql } from 'kysely';
import type { Db } from '../../store/database.ts';
import { migrationStatus } from '../../store/migrate.ts';
import { newestWorkerHeartbeatAgeMs } from '../../store/worker-heartbeats.ts';

export interface ReadinessOptions {
  /** The newest worker heartbeat may be this old; null: the worker is not checked (a test, or a deployment without one). */
  workerHeartbeatMaxAgeMs: number | null;
  /**
   * Migrations applied by a newer version leave this one ready. Off by default: a process that does not know
   * the schema says so; on during a rolling deploy whose migrations are additive (docs/migrations.md).
   */
  allowNewerMigrations: boolean;
}

export interface Readiness {
  ready: boolean;
  database: boolean;
  migrations: boolean;
  pending_migrations: string[];
  unknown_migrations: string[];
  /** null when not checked. */
  worker: boolean | null;
  worker_heartbeat_age_ms: number | null;
}

export async function checkReadiness(db: Db, options: ReadinessOptions): Promise<Readiness> {
  const database = await sql`select 1`.execute(db).then(() => true, () => false);
  const status = database ? await migrationStatus(db) : null;
  const pending = status?.pending ?? [];
  const unknown = status?.unknown ?? [];
  const migrations = status !== null && pending.length === 0 && (unknown.length === 0 || options.allowNewerMigrations);
  let worker: boolean | null = null;
  let ageMs: number | null = null;
  if (options.workerHeartbeatMaxAgeMs !== null) {
    ageMs = database && migrations ? await newestWorkerHeartbeatAgeMs(db).catch(() => null) : null;
    worker = ageMs !== null && ageMs <= options.workerHeartbeatMaxAgeMs;
  }
  return {
    ready: database && migrations && worker !== false,
    database,
    migrations,
    pending_migrations: pending,
    unknown_migrations: unknown,
    worker,
    worker_heartbeat_age_ms: ageMs,
  };
}
