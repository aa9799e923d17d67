/**
 * The card acquirer's risk notifications: an early fraud warning (the issuer
 * reports a payment as fraud before any dispute) and a chargeback (a dispute
 * opened by the cardholder's bank, with the amount disputed). The acquirer
 * POSTs them as JSON to the account's notify URL, signed like a Stripe event:
 * header `Acquirer-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`
 * keyed by the account's `webhook_secret` credential (its `api_key` when it
 * has none). The simulated acquirer imports this file too, so both sides
 * speak one protocol; the parser still checks every field at run time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ConnectorAccount } from '../connector.ts';

export const riskNotificationTypes = ['early_fraud_warning.created', 'dispute.created'] as const;
export type WireRiskNotificationType = (typeof riskNotificationTypes)[number];

export interface WireRiskNotification {
  /** The acquirer's event id: a notification is stored once per id. */
  id: string;
  object: 'event';
  type: WireRiskNotificationType;
  /** Unix seconds. */
  created: number;
  data: {
    /** The authorization the warning or dispute is about. */
    authorization: string;
    /** The dispute's id (dispute.created only). */
    dispute: string | null;
    /** Minor units: the amount disputed, or the authorization's amount for a warning. */
    amount: number;
    currency: string;
    reason: string | null;
  };
}

export const signatureHeader = 'acquirer-signature';
/** A signature older or newer than this is refused (a replayed capture of an old notification). */
export const signatureToleranceS = 300;

export function signingSecretOf(account: Pick<ConnectorAccount, 'credentials'>): string {
  return account.credentials.webhook_secret || account.credentials.api_key || '';
}

export function signRiskNotification(secret: string, timestampS: number, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestampS}.`).update(rawBody).digest('hex');
  return `t=${timestampS},v1=${mac}`;
}

export type RiskNotificationVerdict =
  | { kind: 'verified'; notification: WireRiskNotification }
  | { kind: 'rejected'; reason: string };

/** Verifies the signature on the raw bytes, then reads the body; nothing of an unverified body is trusted. */
export function verifyRiskNotification(
  account: Pick<ConnectorAccount, 'credentials'>,
  request: { headers: Readonly<Record<string, string | undefined>>; rawBody: Buffer; nowMs: number },
): RiskNotificationVerdict {
  const secret = signingSecretOf(account);
  if (!secret) return { kind: 'rejected', reason: 'account has no signing secret' };
  const header = request.headers[signatureHeader] ?? '';
  const parts = new Map(header.split(',').map((part) => [part.slice(0, part.indexOf('=')).trim(), part.slice(part.indexOf('=') + 1).trim()] as const));
  const timestampS = Number(parts.get('t'));
  const given = parts.get('v1') ?? '';
  if (!Number.isSafeInteger(timestampS) || !/^[0-9a-f]{64}$/.test(given)) return { kind: 'rejected', reason: 'signature header unreadable' };
  if (Math.abs(request.nowMs / 1000 - timestampS) > signatureToleranceS) return { kind: 'rejected', reason: 'signature timestamp outside tolerance' };
  const expected = signRiskNotification(secret, timestampS, request.rawBody).slice(`t=${timestampS},v1=`.length);
  if (!timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given, 'hex'))) return { kind: 'rejected', reason: 'signature mismatch' };
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    return { kind: 'rejected', reason: 'body is not JSON' };
  }
  const notification = parseRiskNotification(body);
  return notification ? { kind: 'verified', notification } : { kind: 'rejected', reason: 'body is not a risk notification' };
}

export function parseRiskNotification(value: unknown): WireRiskNotification | null {
  if (!isObject(value) || value.object !== 'event' || !isObject(value.data)) return null;
  const { id, type, created } = value;
  const { authorization, dispute, amount, currency, reason } = value.data;
  const valid =
    typeof id === 'string' && id.length > 0 && id.length <= 64 &&
    typeof type === 'string' && (riskNotificationTypes as readonly string[]).includes(type) &&
    Number.isSafeInteger(created) &&
    typeof authorization === 'string' && authorization.length > 0 &&
    Number.isSafeInteger(amount) && (amount as number) > 0 &&
    typeof currency === 'string' && /^[A-Z]{3}$/.test(currency) &&
    (reason === undefined || reason === null || (typeof reason === 'string' && reason.length <= 200)) &&
    (type === 'dispute.created' ? typeof dispute === 'string' && dispute.length > 0 && dispute.length <= 64 : dispute === undefined || dispute === null);
  if (!valid) return null;
  return {
    id: id as string,
    object: 'event',
    type: type as WireRiskNotificationType,
    created: created as number,
    data: { authorization: authorization as string, dispute: (dispute as string | undefined) ?? null, amount: amount as number, currency: currency as string, reason: (reason as string | undefined) ?? null },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
