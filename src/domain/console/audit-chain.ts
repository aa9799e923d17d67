/**
 * The audit trail's hash chain. Each row's hash is SHA-256 over the previous
 * row's hash and the row's own canonical content (every column but the
 * hashes, as JSON with sorted keys), so changing any row, removing one, or
 * cutting rows off the end breaks the chain where it happened. The first
 * row of a merchant chains from 32 zero bytes.
 *
 * Values before and after a change never hold secrets: `auditValues` drops
 * every key that names one, at any depth, before anything is hashed or stored.
 */
import { createHash } from 'node:crypto';

export const auditGenesisHash = Buffer.alloc(32);

export type AuditActorType = 'member' | 'api_key' | 'system' | 'anonymous';
export type AuditValues = Record<string, unknown>;

export interface AuditContent {
  merchantId: string;
  seq: bigint;
  id: string;
  occurredAt: Date;
  actorType: AuditActorType;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  objectType: string | null;
  objectId: string | null;
  address: string | null;
  requestId: string | null;
  before: AuditValues | null;
  after: AuditValues | null;
}

export function auditHash(prevHash: Buffer, content: AuditContent): Buffer {
  const canonical = canonicalJson({
    merchant_id: content.merchantId,
    seq: content.seq.toString(),
    id: content.id,
    occurred_at: content.occurredAt.toISOString(),
    actor_type: content.actorType,
    actor_id: content.actorId,
    actor_label: content.actorLabel,
    action: content.action,
    object_type: content.objectType,
    object_id: content.objectId,
    address: content.address,
    request_id: content.requestId,
    before: content.before,
    after: content.after,
  });
  return createHash('sha256').update(prevHash).update(canonical, 'utf8').digest();
}

/** JSON with object keys sorted at every depth: the same value always gives the same text, whatever order jsonb keeps. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const secretKey = /password|secret|token|hash|totp|recovery|credential|pin|cvc|card_number|otp|sealed/i;

/**
 * What may be stored of values before or after a change: keys naming a
 * secret are dropped at every depth, bigints become decimal strings, dates
 * ISO text. Null stays null.
 */
export function auditValues(values: AuditValues | null | undefined): AuditValues | null {
  if (values === null || values === undefined) return null;
  return clean(values) as AuditValues;
}

function clean(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return undefined;
  if (Array.isArray(value)) return value.map(clean);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (secretKey.test(key)) continue;
      const cleaned = clean(inner);
      if (cleaned !== undefined) out[key] = cleaned;
    }
    return out;
  }
  return value;
}
