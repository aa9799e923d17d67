/** Runs the frozen migrations in order; safe to run at every start and from several processes. */
import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './database.ts';
import * as m0001 from './migrations/0001_core.ts';
import * as m0002 from './migrations/0002_drop_status_index.ts';
import * as m0003 from './migrations/0003_provider_notifications.ts';
import * as m0004 from './migrations/0004_reconciliation.ts';
import * as m0005 from './migrations/0005_wallet_ledger.ts';
import * as m0006 from './migrations/0006_webhooks_and_messages.ts';
import * as m0007 from './migrations/0007_checkout_and_orders.ts';
import * as m0008 from './migrations/0008_late_payment_refunds.ts';
import * as m0009 from './migrations/0009_funnel_events.ts';
import * as m0010 from './migrations/0010_analytics_rollups.ts';
import * as m0011 from './migrations/0011_cancellation_records.ts';
import * as m0012 from './migrations/0012_alerts_and_incidents.ts';
import * as m0013 from './migrations/0013_archive.ts';
import * as m0014 from './migrations/0014_feedback_nps.ts';
import * as m0015 from './migrations/0015_idempotency_effects_and_pin_tries.ts';
import * as m0016 from './migrations/0016_api_key_lifecycle.ts';
import * as m0017 from './migrations/0017_sealed_messages.ts';
import * as m0018 from './migrations/0018_webhook_response_bytes.ts';
import * as m0019 from './migrations/0019_console_members_and_audit.ts';
import * as m0020 from './migrations/0020_analytics_fold.ts';
import * as m0021 from './migrations/0021_console_settings_and_request_log.ts';
import * as m0024 from './migrations/0024_sweep_fairness_and_order_polls.ts';
import * as m0025 from './migrations/0025_connector_account_invalidation.ts';
import * as m0026 from './migrations/0026_feedback_by_merchant.ts';
import * as m0027 from './migrations/0027_console_read_paths.ts';
import * as m0028 from './migrations/0028_coupons.ts';
import * as m0029 from './migrations/0029_loyalty_points.ts';
import * as m0030 from './migrations/0030_analytics_note_conditions.ts';
import * as m0032 from './migrations/0032_shared_breakers_and_rate_limits.ts';
import * as m0034 from './migrations/0034_customer_segment_results.ts';
import * as m0035 from './migrations/0035_risk.ts';
import * as m0038 from './migrations/0038_checkout_experiments.ts';
import * as m0040 from './migrations/0040_support_requests_and_faq.ts';
import * as m0041 from './migrations/0041_nps_surveys.ts';
import * as m0042 from './migrations/0042_comment_analyses.ts';
import * as m0044 from './migrations/0044_worker_heartbeats.ts';
import * as m0046 from './migrations/0046_event_stream_outbox.ts';
import * as m0047 from './migrations/0047_payment_expiry_watch.ts';
import * as m0048 from './migrations/0048_idempotency_keys_fillfactor.ts';
import * as m0054 from './migrations/0054_risk_provider_marks.ts';
import * as m0056 from './migrations/0056_api_nodes_and_key_holders.ts';
import * as m0057 from './migrations/0057_idempotency_key_fence.ts';
import * as m0058 from './migrations/0058_tenant_child_merchant_ids.ts';
import * as m0061 from './migrations/0061_payment_path_queue_triggers.ts';
import * as m0062 from './migrations/0062_tenant_keys.ts';
import * as m0063 from './migrations/0063_tenant_keys_named_by_constraint.ts';
import * as m0064 from './migrations/0064_payment_value_domains.ts';

const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_drop_status_index': m0002,
  '0003_provider_notifications': m0003,
  '0004_reconciliation': m0004,
  '0005_wallet_ledger': m0005,
  '0006_webhooks_and_messages': m0006,
  '0007_checkout_and_orders': m0007,
  '0008_late_payment_refunds': m0008,
  '0009_funnel_events': m0009,
  '0010_analytics_rollups': m0010,
  '0011_cancellation_records': m0011,
  '0012_alerts_and_incidents': m0012,
  '0013_archive': m0013,
  '0014_feedback_nps': m0014,
  '0015_idempotency_effects_and_pin_tries': m0015,
  '0016_api_key_lifecycle': m0016,
  '0017_sealed_messages': m0017,
  '0018_webhook_response_bytes': m0018,
  '0019_console_members_and_audit': m0019,
  '0020_analytics_fold': m0020,
  '0021_console_settings_and_request_log': m0021,
  '0024_sweep_fairness_and_order_polls': m0024,
  '0025_connector_account_invalidation': m0025,
  '0026_feedback_by_merchant': m0026,
  '0027_console_read_paths': m0027,
  '0028_coupons': m0028,
  '0029_loyalty_points': m0029,
  '0030_analytics_note_conditions': m0030,
  '0032_shared_breakers_and_rate_limits': m0032,
  '0034_customer_segment_results': m0034,
  '0035_risk': m0035,
  '0038_checkout_experiments': m0038,
  '0040_support_requests_and_faq': m0040,
  '0041_nps_surveys': m0041,
  '0042_comment_analyses': m0042,
  '0044_worker_heartbeats': m0044,
  '0046_event_stream_outbox': m0046,
  '0047_payment_expiry_watch': m0047,
  '0048_idempotency_keys_fillfactor': m0048,
  '0054_risk_provider_marks': m0054,
  '0056_api_nodes_and_key_holders': m0056,
  '0057_idempotency_key_fence': m0057,
  '0058_tenant_child_merchant_ids': m0058,
  '0061_payment_path_queue_triggers': m0061,
  '0062_tenant_keys': m0062,
  '0063_tenant_keys_named_by_constraint': m0063,
  '0064_payment_value_domains': m0064,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export const migrationNames = Object.keys(migrations);

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Applies the migrations up to and including `name`, never down: restore loads a backup into the schema it was taken from. */
export async function migrateUpTo(db: Db, name: string): Promise<void> {
  if (!migrationNames.includes(name)) throw new Error(`unknown migration ${name}`);
  const { error } = await new Migrator({ db, provider }).migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/**
 * Which known migrations the database lacks, and which it has that this code does not know (a newer version
 * migrated it: this one may not understand its schema). Null when the migrations table cannot be read.
 */
export async function migrationStatus(db: Db): Promise<{ pending: string[]; unknown: string[] } | null> {
  try {
    const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    const applied = new Set(rows.rows.map((r) => r.name));
    const known = new Set(migrationNames);
    return { pending: migrationNames.filter((name) => !applied.has(name)), unknown: [...applied].filter((name) => !known.has(name)).sort() };
  } catch {
    return null;
  }
}

/** True when every known migration has been applied and no unknown one has. */
export async function migrationsApplied(db: Db): Promise<boolean> {
  const status = await migrationStatus(db);
  return status !== null && status.pending.length === 0 && status.unknown.length === 0;
}
