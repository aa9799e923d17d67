/**
 * The `Paypilot-Signature` header on every webhook:
 *
 *   Paypilot-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * Receivers verify it with `verifyWebhookSignature` on the raw bytes of the
 * body, before parsing it, and reject old timestamps so a captured delivery
 * cannot be replayed later. This file imports nothing but node:crypto, so a
 * receiver may copy it as it is:
 *
 *   import { verifyWebhookSignature } from './webhook-signature.ts';
 *   app.post('/paypilot', { rawBody }, (req, res) => {
 *     if (!verifyWebhookSignature(req.rawBody, req.headers['paypilot-signature'], process.env.WEBHOOK_SECRET, 300)) return res.status(400).end();
 *     const event = JSON.parse(req.rawBody); // dedupe on event.id: a delivery may repeat
 *   });
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const webhookSignatureHeader = 'Paypilot-Signature';

export function webhookSignature(rawBody: string | Buffer, secret: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.`).update(rawBody).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/**
 * True when `header` carries a v1 signature of `rawBody` made with `secret`
 * (several v1 entries are allowed, as during a secret's rotation) and its
 * timestamp is within `toleranceSeconds` of now (0: do not check the time).
 */
export function verifyWebhookSignature(
  rawBody: string | Buffer,
  header: string | string[] | null | undefined,
  secret: string,
  toleranceSeconds: number,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): boolean {
  if (typeof header !== 'string' || secret.length === 0) return false;
  let timestamp: number | null = null;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    const name = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (name === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (name === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === null || signatures.length === 0) return false;
  if (toleranceSeconds > 0 && Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
  return signatures.some((signature) => timingSafeEqual(signature, expected));
}
