/**
 * Alipay's asynchronous notifications (异步通知): a signed form POST to the
 * order's notify_url, resent until the answer is exactly `success`, at
 * Alipay's intervals (4m, 10m, 10m, 1h, 2h, 6h, 15h: eight attempts in about
 * 25 h), scaled by notifyDelayScale so a test can run them in milliseconds.
 * Every timer and request is tracked, so close() stops them all at once.
 */
import type { KeyObject } from 'node:crypto';
import { notificationSigningString, signRsa2 } from '../../connectors/alipay/signature.ts';
import { assert } from '../../domain/assert.ts';
import type { AlipayFaults } from './faults.ts';
import { takeCounted } from './faults.ts';

const minuteMs = 60_000;
/** The waits before the 2nd … 8th attempt. */
export const resendDelaysMs = [4, 10, 10, 60, 120, 360, 900].map((minutes) => minutes * minuteMs);
export const notificationAttemptsMax = resendDelaysMs.length + 1;
/** Each delivery attempt waits this long for the merchant's answer. */
const deliveryTimeoutMs = 5_000;
/** Bounds the work a misbehaving test can queue up. */
const deliveriesInFlightMax = 10_000;

assert(notificationAttemptsMax === 8, 'Alipay sends a notification at most 8 times');

export interface NotificationStats {
  notificationsQueued: number;
  notificationPosts: number;
  notificationsAcknowledged: number;
  notificationsDropped: number;
  notificationsAbandoned: number;
  forgedNotificationsSent: number;
}

export function newNotificationStats(): NotificationStats {
  return {
    notificationsQueued: 0,
    notificationPosts: 0,
    notificationsAcknowledged: 0,
    notificationsDropped: 0,
    notificationsAbandoned: 0,
    forgedNotificationsSent: 0,
  };
}

export interface Notifier {
  /** Signs `fields` with Alipay's key and delivers them to `url`, resending until acknowledged. */
  notify(url: string, fields: Record<string, string>): void;
  /** Stops every pending resend and aborts requests in flight. */
  stop(): void;
}

export interface NotifierOptions {
  alipayPrivateKey: KeyObject;
  /** A key that is not Alipay's, for forged notifications. */
  forgerPrivateKey: KeyObject;
  delayScale: number;
  faults: () => AlipayFaults;
  stats: () => NotificationStats;
}

export function createNotifier(options: NotifierOptions): Notifier {
  assert(Number.isFinite(options.delayScale) && options.delayScale >= 0, 'notifyDelayScale must be a non-negative number');
  const timers = new Set<NodeJS.Timeout>();
  const stopping = new AbortController();

  const later = (ms: number, run: () => void): void => {
    if (stopping.signal.aborted) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopping.signal.aborted) run();
    }, ms);
    timers.add(timer);
  };

  const post = async (url: string, body: string): Promise<boolean> => {
    options.stats().notificationPosts += 1;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=utf-8' },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(deliveryTimeoutMs), stopping.signal]),
        redirect: 'error',
      });
      return (await response.text()) === 'success';
    } catch {
      return false;
    }
  };

  const attempt = async (url: string, body: string, number: number, duplicate: boolean): Promise<void> => {
    const stats = options.stats();
    let acknowledged = false;
    if (takeCounted(options.faults(), 'dropNotifications')) {
      stats.notificationsDropped += 1;
    } else {
      acknowledged = await post(url, body);
      if (duplicate) acknowledged = (await post(url, body)) || acknowledged;
    }
    if (acknowledged) {
      stats.notificationsAcknowledged += 1;
      return;
    }
    const delayMs = resendDelaysMs[number - 1];
    if (delayMs === undefined) {
      stats.notificationsAbandoned += 1;
      return;
    }
    later(Math.round(delayMs * options.delayScale), () => void attempt(url, body, number + 1, duplicate));
  };

  return {
    notify(url, fields) {
      if (stopping.signal.aborted) return;
      assert(timers.size < deliveriesInFlightMax, 'too many notifications waiting to be resent');
      const faults = options.faults();
      const stats = options.stats();
      stats.notificationsQueued += 1;
      const genuine = signedBody(fields, options.alipayPrivateKey);
      const duplicate = takeCounted(faults, 'duplicateNotifications');
      const held = takeCounted(faults, 'reorder') ? faults.reorderDelayMs : 0;
      if (takeCounted(faults, 'forgeNotifications')) {
        stats.forgedNotificationsSent += 1;
        // Sent once, ahead of the genuine one; its answer does not matter.
        void post(url, signedBody(fields, options.forgerPrivateKey));
      }
      later(held, () => void attempt(url, genuine, 1, duplicate));
    },
    stop() {
      stopping.abort();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

/** The form body Alipay posts: the fields plus sign_type and a sign over the notification string. */
export function signedBody(fields: Record<string, string>, privateKey: KeyObject): string {
  const withType = { ...fields, sign_type: 'RSA2' };
  const sign = signRsa2(notificationSigningString(withType), privateKey);
  return new URLSearchParams({ ...withType, sign }).toString();
}
