/** Alipay notifications: verified by the RSA2 signature over the sorted form, then judged as a payment or a refund verdict. */
import type { ConnectorAccount, NotificationVerdict, ProviderAnswer } from '../connector.ts';
import { parseDecimal } from '../../domain/money.ts';
import { notificationSigningString, verifyRsa2 } from './signature.ts';
import { currency, credentialsOf, tradeState } from './gateway.ts';

// ---------------------------------------------------------------------------
// Notifications.

export const acceptAnswer: ProviderAnswer = { status: 200, contentType: 'text/plain', body: 'success' };
/** Anything but `success` makes Alipay send the notification again. */
export const refuseAnswer: ProviderAnswer = { status: 400, contentType: 'text/plain', body: 'fail' };

export function verifyAlipayNotification(account: ConnectorAccount, rawBody: Buffer): NotificationVerdict {
  const credentials = credentialsOf(account);
  // URLSearchParams decodes form encoding (`+` is a space), as Alipay signed the decoded values.
  const form = new URLSearchParams(rawBody.toString('utf8'));
  const fields: Record<string, string> = {};
  for (const [key, value] of form) {
    if (key in fields) return rejected('a field appears twice', null);
    fields[key] = value;
  }
  const orderNumber = fields.out_trade_no !== undefined && fields.out_trade_no !== '' ? fields.out_trade_no : null;
  const signature = fields.sign;
  if (signature === undefined || signature === '') return rejected('no sign', orderNumber);
  if (fields.sign_type !== undefined && fields.sign_type !== 'RSA2') return rejected(`sign_type ${fields.sign_type}`, orderNumber);
  if (!verifyRsa2(notificationSigningString(fields), signature, credentials.alipayPublicKey)) {
    return rejected('signature verification failed', orderNumber);
  }
  const { notify_id: notificationId, app_id: appId } = fields;
  if (notificationId === undefined || notificationId === '' || orderNumber === null || fields.trade_status === undefined) {
    return rejected('notify_id, out_trade_no or trade_status missing', orderNumber);
  }
  if (appId !== credentials.appId) return rejected('notification for another app_id', orderNumber);
  const amount = fields.total_amount === undefined ? null : parseDecimal(fields.total_amount, currency);
  if (fields.total_amount !== undefined && amount === null) return rejected('total_amount unreadable', orderNumber);
  const merchantIdentity: Record<string, string> = { app_id: appId };
  if (fields.seller_id !== undefined) merchantIdentity.seller_id = fields.seller_id;
  const base = { kind: 'verified' as const, notificationId, orderNumber, merchantIdentity, ack: acceptAnswer };
  /*
   * A refund is told by the trade's own notification (trade_status_sync): a
   * partial refund keeps TRADE_SUCCESS, a full one makes TRADE_CLOSED, and
   * either adds out_biz_no (our out_request_no), refund_fee (all refunded on
   * the trade so far, not this refund alone) and gmt_refund. Alipay sends one
   * only when a refund succeeded.
   */
  const refundNumber = fields.out_biz_no;
  if (refundNumber !== undefined && refundNumber !== '' && fields.refund_fee !== undefined) {
    const refundedTotal = parseDecimal(fields.refund_fee, currency);
    if (refundedTotal === null) return rejected('refund_fee unreadable', orderNumber);
    return { ...base, amount: null, orderAmount: amount, refundedTotal, refundNumber, state: { kind: 'succeeded', reference: refundNumber } };
  }
  return { ...base, amount, refundNumber: null, state: tradeState(fields) };
}

export function rejected(reason: string, orderNumber: string | null): NotificationVerdict {
  return { kind: 'rejected', reason, orderNumber, ack: refuseAnswer };
}
