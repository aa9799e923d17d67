/**
 * Notifications, as WeChat Pay sends them: a POST of the encrypt-resource
 * body (the resource sealed under the merchant's APIv3 key), signed with the
 * platform key in the `Wechatpay-*` headers. Anything but 200/204 is resent on
 * WeChat's schedule (times notifyDelayScale), a bounded number of times; every
 * resend carries the same id and body, freshly signed. close() stops them all.
 */
import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { encryptAeadAesGcm, wechatpayHeaders } from '../../connectors/wechat-pay/signing.ts';
import type { WireEventType, WireNotification } from '../../connectors/wechat-pay/wire.ts';
import { beijingRfc3339 } from '../../connectors/wechat-pay/wire.ts';
import type { Merchant, SimulatorContext } from './state.ts';
import { randomHex } from './state.ts';

const secondMs = 1000;
const minuteMs = 60 * secondMs;
const hourMs = 60 * minuteMs;

/** The waits before each resend; after the last, WeChat gives up. */
export const notifyResendDelaysMs = [
  15 * secondMs, 15 * secondMs, 30 * secondMs, 3 * minuteMs, 10 * minuteMs, 20 * minuteMs, 30 * minuteMs, 30 * minuteMs,
  30 * minuteMs, 60 * minuteMs, 3 * hourMs, 3 * hourMs, 3 * hourMs, 6 * hourMs, 6 * hourMs,
] as const;

/** One POST waits this long for the merchant's answer. */
const notifyTimeoutMs = 5_000;
/** How long reorder holds a lone notification before sending it anyway. */
const reorderHoldMs = 500;
/** What staleTimestamps signs with: older than the 5-minute window. */
const staleAgeMs = 10 * minuteMs;

interface Delivery {
  url: string;
  body: string;
  /** Sends made so far (a dropped attempt counts). */
  attempts: number;
}

/** One per server; it holds the notifications the reorder fault delays. */
export interface Notifier {
  notify(merchant: Merchant, url: string, event: { type: WireEventType; originalType: 'transaction' | 'refund'; summary: string; resource: object }): void;
}

export function createNotifier(context: SimulatorContext): Notifier {
  let held: Delivery[] = [];

  const releaseHeld = (): void => {
    const batch = held.reverse();
    held = [];
    for (const delivery of batch) void attempt(context, delivery);
  };

  return {
    notify(merchant, url, event) {
      const nonce = randomHex(context, 6);
      const sealed = encryptAeadAesGcm(merchant.apiv3Key, nonce, event.originalType, JSON.stringify(event.resource));
      const notification: WireNotification = {
        id: randomUUID(),
        create_time: beijingRfc3339(context.clock.nowMs()),
        resource_type: 'encrypt-resource',
        event_type: event.type,
        summary: event.summary,
        resource: { original_type: event.originalType, algorithm: 'AEAD_AES_256_GCM', ...sealed },
      };
      const delivery: Delivery = { url, body: JSON.stringify(notification), attempts: 0 };
      if (!context.faults.reorder) {
        void attempt(context, delivery);
        return;
      }
      held.push(delivery);
      if (held.length >= 2) releaseHeld();
      else context.later(reorderHoldMs, () => { if (held.includes(delivery)) releaseHeld(); });
    },
  };
}

async function attempt(context: SimulatorContext, delivery: Delivery): Promise<void> {
  if (context.closing.aborted) return;
  const state = context.state;
  delivery.attempts += 1;
  let acknowledged = false;
  if (context.faults.dropNotifications) {
    state.stats.notificationsDropped += 1;
  } else {
    const copies = context.faults.duplicateNotifications ? 2 : 1;
    for (let copy = 0; copy < copies; copy += 1) {
      if (await post(context, delivery)) acknowledged = true;
    }
  }
  if (acknowledged) {
    state.stats.notificationsAcknowledged += 1;
    return;
  }
  const waitMs = notifyResendDelaysMs[delivery.attempts - 1];
  // After the schedule's last wait, WeChat gives up: the bound on resends.
  if (waitMs === undefined || state !== context.state) return;
  context.later(Math.round(waitMs * context.notifyDelayScale), () => void attempt(context, delivery));
}

/** One signed POST; true when the merchant answered 200 or 204. */
async function post(context: SimulatorContext, delivery: Delivery): Promise<boolean> {
  const faults = context.faults;
  const nowMs = context.clock.nowMs() - (faults.staleTimestamps ? staleAgeMs : 0);
  const key: KeyObject = faults.forgeNotifications ? context.forgerKey : context.platform.privateKey;
  const headers = wechatpayHeaders({
    body: delivery.body,
    timestamp: String(Math.floor(nowMs / 1000)),
    nonce: randomHex(context, 16),
    privateKey: key,
    serial: context.platform.serial,
  });
  context.state.stats.notificationsSent += 1;
  try {
    const response = await fetch(delivery.url, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json', 'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048' },
      body: delivery.body,
      signal: AbortSignal.any([AbortSignal.timeout(notifyTimeoutMs), context.closing]),
      redirect: 'manual',
    });
    await response.arrayBuffer();
    return response.status === 200 || response.status === 204;
  } catch {
    return false;
  }
}
