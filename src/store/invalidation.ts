/**
 * Telling every API process that something it may have cached has changed,
 * through PostgreSQL's LISTEN/NOTIFY: one channel, each message
 * `<topic>:<subject>` (for example `api_key:key_…`). A change is announced
 * in the transaction that makes it (by a trigger, or `notifyInvalidation`),
 * so PostgreSQL delivers it when, and only if, the change commits.
 *
 * A cache built on this must hold to two rules, which `onReset` serves:
 * while the listener is not listening, nothing is cached and nothing cached
 * is trusted (a message sent then is lost for good); and when it is back,
 * the cache starts empty. The listener proves its connection alive with a
 * heartbeat, so a connection that died silently is noticed within
 * `invalidationHeartbeatMs + invalidationHeartbeatTimeoutMs`.
 *
 * Delivery is asynchronous: each process hears a change a few milliseconds
 * after it commits. A change made through the API waits for every process to
 * have heard it (`barrier`): each listener acknowledges what it hears on the
 * same channel, and the change's request answers once as many listeners as
 * are connected have acknowledged it (or after a bounded wait).
 *
 * The listener holds one connection of the pool it is given for as long as it
 * runs, named `paypilot-invalidation` (application_name), which is how the
 * listeners are counted.
 */
import { sql } from 'kysely';
import type pg from 'pg';
import { limits } from '../domain/limits.ts';
import type { Db } from './database.ts';

export const invalidationChannel = 'paypilot_invalidation';
/** The application_name of every listener's connection: counting them tells how many acknowledgements to wait for. */
export const invalidationListenerName = 'paypilot-invalidation';
const ackTopic = 'ack';

/**
 * What can be announced: `api_key:<key id>` (api-key-cache.ts), `connector_account:<merchant>:<mode>`
 * (store/connector-accounts.ts), `connector_breaker:<account id>` (flows/channels/account-health.ts);
 * later caches add their topic here.
 */
export const invalidationTopics = ['api_key', 'connector_account', 'connector_breaker'] as const;
export type InvalidationTopic = (typeof invalidationTopics)[number];

export interface InvalidationListener {
  /** True while LISTEN is in place and the connection answers: only then may a cache be trusted. */
  isListening(): boolean;
  /** Calls `handler` with the subject of each message on `topic`. Answers a function that unsubscribes. */
  subscribe(topic: InvalidationTopic, handler: (subject: string) => void): () => void;
  /** Calls `handler` when the connection is lost and again when it is back: drop everything cached. */
  onReset(handler: () => void): () => void;
  /**
   * Resolves true once this listener hears `topic:subject` (after the
   * subscribers have), false after `timeoutMs` or at once when not listening.
   * Call it before the change commits.
   */
  waitFor(topic: InvalidationTopic, subject: string, timeoutMs: number): Promise<boolean>;
  /**
   * Call before the change commits; after it commits, `settled` resolves true
   * once every listening process (this one included) has heard `topic:subject`
   * and dropped what it held, false after `timeoutMs` (a process whose
   * connection died without a word cannot answer; its own heartbeat stops it
   * trusting its cache soon after).
   */
  barrier(topic: InvalidationTopic, subject: string): { settled(timeoutMs: number): Promise<boolean>; cancel(): void };
  /** The PostgreSQL backend serving the LISTEN connection, if any (operations and tests). */
  backendPid(): number | null;
  close(): Promise<void>;
}

/** Announces a change inside the caller's transaction (or at once, outside one). */
export async function notifyInvalidation(db: Db, topic: InvalidationTopic, subject: string): Promise<void> {
  await sql`select pg_notify(${invalidationChannel}, ${`${topic}:${subject}`})`.execute(db);
}

export interface InvalidationListenerOptions {
  reconnectDelayMs?: number;
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
}

function pidOf(connection: pg.PoolClient): number | null {
  return (connection as unknown as { processID?: number }).processID ?? null;
}

/** Starts listening; answers once the first attempt has succeeded or failed (it keeps retrying after a failure). */
export async function startInvalidationListener(pool: pg.Pool, options: InvalidationListenerOptions = {}): Promise<InvalidationListener> {
  const reconnectDelayMs = options.reconnectDelayMs ?? limits.invalidationReconnectDelayMs;
  const heartbeatMs = options.heartbeatMs ?? limits.invalidationHeartbeatMs;
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? limits.invalidationHeartbeatTimeoutMs;
  const subscribers = new Map<InvalidationTopic, Set<(subject: string) => void>>();
  const resetHandlers = new Set<() => void>();
  const waiters = new Set<{ message: string; resolve: (heard: boolean) => void }>();
  const barriers = new Set<{ message: string; ackedBy: Set<string>; check: () => void }>();
  let client: pg.PoolClient | null = null;
  let closed = false;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let heartbeatTimer: NodeJS.Timeout | null = null;

  const reset = () => {
    for (const handler of resetHandlers) handler();
  };

  const onNotification = (message: pg.Notification) => {
    if (message.channel !== invalidationChannel || !message.payload) return;
    const payload = message.payload;
    const separator = payload.indexOf(':');
    if (separator < 0) return;
    const topic = payload.slice(0, separator);
    const subject = payload.slice(separator + 1);
    if (topic === ackTopic) {
      // `ack:<listener's backend pid>:<message heard>`
      const pidEnd = subject.indexOf(':');
      const heard = subject.slice(pidEnd + 1);
      for (const barrier of barriers) {
        if (barrier.message !== heard) continue;
        barrier.ackedBy.add(subject.slice(0, pidEnd));
        barrier.check();
      }
      return;
    }
    for (const handler of subscribers.get(topic as InvalidationTopic) ?? []) handler(subject);
    for (const waiter of waiters) if (waiter.message === payload) waiter.resolve(true);
    // Acknowledged only once the subscribers have dropped what they held.
    const current = client;
    if (current) {
      current.query('select pg_notify($1, $2)', [invalidationChannel, `${ackTopic}:${pidOf(current)}:${payload}`]).catch(() => {});
    }
  };

  /** The connection failed (or stopped answering): stop trusting, drop it, and try again later. */
  const lose = (lost: pg.PoolClient) => {
    if (client !== lost) return;
    client = null;
    if (heartbeatTimer) clearInterval(heartbeatTimer);
    heartbeatTimer = null;
    lost.removeListener('notification', onNotification);
    lost.release(new Error('invalidation listener connection lost'));
    reset();
    for (const waiter of waiters) waiter.resolve(false);
    scheduleConnect();
  };

  const scheduleConnect = () => {
    if (closed || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      void connect();
    }, reconnectDelayMs);
    reconnectTimer.unref();
  };

  const heartbeat = (current: pg.PoolClient) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('heartbeat timed out')), heartbeatTimeoutMs);
    });
    Promise.race([current.query('select 1'), timeout]).then(
      () => clearTimeout(timer),
      () => {
        clearTimeout(timer);
        lose(current);
      },
    );
  };

  async function connect(): Promise<void> {
    if (closed) return;
    let candidate: pg.PoolClient | null = null;
    try {
      candidate = await pool.connect();
      const current = candidate;
      current.on('notification', onNotification);
      current.on('error', () => lose(current));
      current.on('end', () => lose(current));
      await current.query(`listen ${invalidationChannel}`);
      await current.query('select set_config($1, $2, false)', ['application_name', invalidationListenerName]);
      if (closed) {
        current.release(true);
        return;
      }
      client = current;
      // Whatever was announced while nobody listened is lost: caches start empty.
      reset();
      heartbeatTimer = setInterval(() => heartbeat(current), heartbeatMs);
      heartbeatTimer.unref();
    } catch {
      if (candidate && client !== candidate) candidate.release(true);
      scheduleConnect();
    }
  }

  await connect();

  return {
    isListening: () => client !== null,
    subscribe(topic, handler) {
      const set = subscribers.get(topic) ?? new Set();
      subscribers.set(topic, set);
      set.add(handler);
      return () => set.delete(handler);
    },
    onReset(handler) {
      resetHandlers.add(handler);
      return () => resetHandlers.delete(handler);
    },
    waitFor(topic, subject, timeoutMs) {
      if (!client) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const waiter = {
          message: `${topic}:${subject}`,
          resolve: (heard: boolean) => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(heard);
          },
        };
        const timer = setTimeout(() => waiter.resolve(false), timeoutMs);
        waiters.add(waiter);
      });
    },
    barrier(topic, subject) {
      const entry = { message: `${topic}:${subject}`, ackedBy: new Set<string>(), check: () => {} };
      barriers.add(entry);
      return {
        cancel: () => barriers.delete(entry),
        async settled(timeoutMs) {
          try {
            const current = client;
            if (!current) return false;
            const counted = await current.query<{ listeners: number }>(
              'select count(*)::int as listeners from pg_stat_activity where application_name = $1 and datname = current_database()',
              [invalidationListenerName],
            );
            const listeners = counted.rows[0]?.listeners ?? 0;
            if (entry.ackedBy.size >= listeners) return true;
            return await new Promise<boolean>((resolve) => {
              const timer = setTimeout(() => resolve(false), timeoutMs);
              entry.check = () => {
                if (entry.ackedBy.size < listeners) return;
                clearTimeout(timer);
                resolve(true);
              };
            });
          } catch {
            return false;
          } finally {
            barriers.delete(entry);
          }
        },
      };
    },
    backendPid: () => (client ? pidOf(client) : null),
    async close() {
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      if (heartbeatTimer) clearInterval(heartbeatTimer);
      for (const waiter of waiters) waiter.resolve(false);
      const current = client;
      client = null;
      if (current) {
        current.removeListener('notification', onNotification);
        await current.query(`unlisten ${invalidationChannel}`).catch(() => {});
        current.release(true);
      }
    },
  };
}
