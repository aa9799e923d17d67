/** What every flow is given: the database, the connectors, and injected time and randomness. */
import type { HttpExchange } from '../connectors/http-exchange.ts';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import type { Clock, RandomSource } from '../domain/clock.ts';
import type { IdGenerator } from '../domain/ids.ts';
import type { AccountHealth } from './channels/account-health.ts';
import type { DerivedKeys } from '../domain/secrets.ts';
import type { Db } from '../store/database.ts';
import type { Messaging } from '../messaging/messaging.ts';
import type { Metrics } from '../observability/metrics.ts';

export interface FlowContext {
  db: Db;
  /**
   * The read replica (DATABASE_READ_URL), or `db` itself when there is none.
   * Only read-only use cases reach it, through `onReadDatabase`
   * (read-database.ts), which sends a read there once the replica has caught up.
   */
  readDb: Db;
  clock: Clock;
  random: RandomSource;
  ids: IdGenerator;
  keys: DerivedKeys;
  connectors: ConnectorRegistry;
  /** The one outbound HTTP exchange (connectors and webhooks), with its address policy and resolver. */
  outbound: HttpExchange;
  /** Each provider account's recent health and circuit breaker (shared by every process), for routing. */
  accountHealth: AccountHealth;
  /** Where payers and providers reach this API: checkout links are built on it. */
  publicBaseUrl: string;
  /** Waits between retries; a test can make it instant. */
  sleep(ms: number): Promise<void>;
  /** Email and SMS senders (either may be absent). */
  messaging: Messaging;
  /** Prometheus counters and histograms of this process. */
  metrics: Metrics;
}

export function now(context: Pick<FlowContext, 'clock'>): Date {
  return new Date(context.clock.nowMs());
}
