/**
 * Back notifications: a signed form POSTed to the order's backUrl, resent
 * until the merchant answers HTTP 200 (any body), on a bounded schedule:
 *
 *   first attempt at once, then after 1, 2, 4, 8 and 16 minutes
 *   (each gap × notifyDelayScale), six attempts in all; then it gives up.
 *
 * (UnionPay documents resends at growing intervals for a bounded time; the
 * exact gaps are our own.) Timers are real: `notifyDelayScale` makes them
 * short in tests. close() cancels every pending attempt.
 */
import { assert } from '../../domain/assert.ts';
import { encodeForm } from '../../connectors/unionpay/wire.ts';
import type { UnionpayFaults } from './faults.ts';
import { takeCount } from './faults.ts';

export const resendGapsMs: readonly number[] = [60_000, 120_000, 240_000, 480_000, 960_000];
export const notificationAttemptsMax = resendGapsMs.length + 1;
/** How long one attempt waits for the merchant's answer. */
export const notificationTimeoutMs = 5_000;

export interface NotifierStats {
  notifications_created: number;
  notification_attempts: number;
  notifications_acknowledged: number;
  notifications_dropped: number;
  notifications_duplicated: number;
  notifications_forged: number;
  notifications_given_up: number;
}

export function newNotifierStats(): NotifierStats {
  return {
    notifications_created: 0,
    notification_attempts: 0,
    notifications_acknowledged: 0,
    notifications_dropped: 0,
    notifications_duplicated: 0,
    notifications_forged: 0,
    notifications_given_up: 0,
  };
}

export interface Notifier {
  /** Queues a notification: `fields` are already signed; `forge` makes the copy sent first when the forgeNotifications fault applies. */
  send(url: string, fields: Record<string, string>, forge: () => Record<string, string>): void;
  /** Cancels every pending attempt (reset and close). */
  cancelAll(): void;
  /** Resolves when no attempt is scheduled or in flight. */
  idle(): Promise<void>;
}

export function createNotifier(options: { scale: number; faults: () => UnionpayFaults; stats: () => NotifierStats }): Notifier {
  assert(Number.isFinite(options.scale) && options.scale >= 0, 'notifyDelayScale is a non-negative number');
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<AbortController>();
  let generation = 0; // bumped by cancelAll: an attempt of an older generation does nothing
  let pending = 0;
  let idleWaiters: (() => void)[] = [];

  const settleOne = (): void => {
    pending -= 1;
    if (pending === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  };

  const later = (ms: number, run: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  /** POSTs once; true only for HTTP 200. */
  const post = async (url: string, fields: Record<string, string>): Promise<boolean> => {
    const controller = new AbortController();
    inFlight.add(controller);
    const timer = setTimeout(() => controller.abort(), notificationTimeoutMs);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
        body: encodeForm(fields),
        signal: controller.signal,
        redirect: 'manual',
      });
      await response.arrayBuffer();
      return response.status === 200;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      inFlight.delete(controller);
    }
  };

  const attempt = (url: string, fields: Record<string, string>, number: number, started: number): void => {
    if (started !== generation) return; // cancelled: cancelAll already cleared the count
    const stats = options.stats();
    const faults = options.faults();
    stats.notification_attempts += 1;
    const dropped = takeCount(faults, 'dropNotifications');
    const duplicated = !dropped && takeCount(faults, 'duplicateNotifications');
    if (dropped) stats.notifications_dropped += 1;
    if (duplicated) stats.notifications_duplicated += 1;
    const sending = dropped ? Promise.resolve(false) : duplicated ? Promise.all([post(url, fields), post(url, fields)]).then(([a, b]) => a || b) : post(url, fields);
    void sending.then((acknowledged) => {
      if (started !== generation) return;
      if (acknowledged) {
        options.stats().notifications_acknowledged += 1;
        return settleOne();
      }
      const gap = resendGapsMs[number];
      if (gap === undefined) {
        options.stats().notifications_given_up += 1;
        return settleOne();
      }
      later(Math.round(gap * options.scale), () => attempt(url, fields, number + 1, started));
    });
  };

  return {
    send(url, fields, forge) {
      const faults = options.faults();
      const stats = options.stats();
      stats.notifications_created += 1;
      pending += 1;
      const started = generation;
      if (takeCount(faults, 'forgeNotifications')) {
        stats.notifications_forged += 1;
        // Sent once, unacknowledged or not: a forger does not follow the schedule.
        void post(url, forge());
      }
      const hold = takeCount(faults, 'reorder') ? faults.reorderHoldMs : 0;
      later(hold, () => attempt(url, fields, 0, started));
    },
    cancelAll() {
      generation += 1;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const controller of inFlight) controller.abort();
      pending = 0;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    },
    idle() {
      return pending === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
