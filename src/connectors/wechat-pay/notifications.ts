/** WeChat Pay notifications: verified by the platform key, decrypted (AES-256-GCM), and judged as a payment or a refund verdict. */
import type { NotificationVerdict, ProviderAnswer } from '../connector.ts';
import { decryptAeadAesGcm, verifyWithPlatformKeys } from './signing.ts';
import { type PlatformKey } from './platform-certificates.ts';
import type { WireNotification } from './wire.ts';
import { isObject, orderState, parseNotification, parseRefundNotice, parseTransaction, refundEventTypes, refundOutcome } from './wire.ts';
import { type Credentials } from './exchange.ts';

// ---------------------------------------------------------------------------
// Notifications.

/** WeChat resends anything but 200/204; this body is the one its documentation asks for. */
export const rejectedAck: ProviderAnswer = { status: 400, contentType: 'application/json', body: JSON.stringify({ code: 'FAIL', message: '失败' }) };
export const acceptedAck: ProviderAnswer = { status: 204, contentType: 'text/plain', body: '' };

export function rejected(reason: string, orderNumber: string | null = null): NotificationVerdict {
  return { kind: 'rejected', reason, orderNumber, ack: rejectedAck };
}

export function openResource(credentials: Credentials, notification: WireNotification): unknown {
  const plain = decryptAeadAesGcm(credentials.apiv3_key, notification.resource);
  if (plain === null) return undefined;
  try {
    return JSON.parse(plain.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export function verifyNotification(
  credentials: Credentials,
  keys: readonly PlatformKey[],
  request: { headers: Readonly<Record<string, string | undefined>>; rawBody: Buffer; nowMs: number },
): { kind: 'verified' | 'rejected'; verdict: NotificationVerdict; unknownSerial: boolean } {
  const notification = parseNotification(parseJson(request.rawBody));
  const check = verifyWithPlatformKeys({ headers: request.headers, body: request.rawBody, keys, nowMs: request.nowMs });
  if (!check.ok) {
    // The resource only opens under our APIv3 key, so its order number may
    // name the order whose status to pull; nothing else in it is believed.
    const opened = notification === null ? undefined : openResource(credentials, notification);
    const orderNumber = isObject(opened) && typeof opened.out_trade_no === 'string' ? opened.out_trade_no : null;
    return { kind: 'rejected', verdict: rejected(check.reason, orderNumber), unknownSerial: check.unknownSerial === true };
  }
  const verdict = verifiedNotification(credentials, notification);
  return { kind: verdict.kind, verdict, unknownSerial: false };
}

/** A notification whose signature holds: its resource opened and read. */
export function verifiedNotification(credentials: Credentials, notification: WireNotification | null): NotificationVerdict {
  if (notification === null) return rejected('not a WeChat Pay notification body');
  const resource = openResource(credentials, notification);
  if (resource === undefined) return rejected('resource does not decrypt under the APIv3 key');
  if (notification.event_type === 'TRANSACTION.SUCCESS') return transactionVerdict(notification, resource);
  if ((refundEventTypes as readonly string[]).includes(notification.event_type)) return refundVerdict(notification, resource);
  const orderNumber = isObject(resource) && typeof resource.out_trade_no === 'string' ? resource.out_trade_no : null;
  return rejected(`event ${notification.event_type} is not handled`, orderNumber);
}

export function transactionVerdict(notification: WireNotification, resource: unknown): NotificationVerdict {
  const transaction = parseTransaction(resource);
  if (transaction === null) return rejected('transaction resource unreadable');
  if (transaction.trade_state !== 'SUCCESS' || transaction.amount.currency !== 'CNY') {
    return rejected(`TRANSACTION.SUCCESS with trade_state ${transaction.trade_state} in ${transaction.amount.currency}`, transaction.out_trade_no);
  }
  const state = orderState(transaction);
  if (state.kind !== 'paid') return rejected('TRANSACTION.SUCCESS without transaction_id', transaction.out_trade_no);
  return {
    kind: 'verified',
    notificationId: notification.id,
    orderNumber: transaction.out_trade_no,
    refundNumber: null,
    state,
    amount: BigInt(transaction.amount.total),
    merchantIdentity: { mchid: transaction.mchid, appid: transaction.appid },
    ack: acceptedAck,
  };
}

export function refundVerdict(notification: WireNotification, resource: unknown): NotificationVerdict {
  const refund = parseRefundNotice(resource);
  if (refund === null) return rejected('refund resource unreadable');
  if (`REFUND.${refund.refund_status}` !== notification.event_type) {
    return rejected(`${notification.event_type} with refund_status ${refund.refund_status}`, refund.out_trade_no);
  }
  return {
    kind: 'verified',
    notificationId: notification.id,
    orderNumber: refund.out_trade_no,
    refundNumber: refund.out_refund_no,
    state: refundOutcome(refund.refund_status, refund.refund_id),
    amount: BigInt(refund.amount.refund),
    orderAmount: BigInt(refund.amount.total),
    merchantIdentity: { mchid: refund.mchid },
    ack: acceptedAck,
  };
}

// ---------------------------------------------------------------------------
// The trade bill.
