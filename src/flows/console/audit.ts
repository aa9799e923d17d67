/**
 * Recording console actions in the audit trail, and reading and proving it.
 * Every flow of the console records itself through `audit`, inside the
 * transaction of the change it records when it has one.
 */
import { auditValues, type AuditActorType, type AuditValues } from '../../domain/console/audit-chain.ts';
import type { ConsoleRole } from '../../domain/console/roles.ts';
import { limits } from '../../domain/limits.ts';
import type { Db } from '../../store/database.ts';
import { listAudit, recordAudit, verifyAuditChain, type AuditFilter } from '../../store/console/audit.ts';
import type { AuditLogRow } from '../../store/schema.ts';
import { now, type FlowContext } from '../context.ts';
import { onReadDatabase } from '../read-database.ts';

/** Who did something in the console, and from where. */
export interface ConsoleActor {
  merchantId: string;
  memberId: string;
  email: string;
  role: ConsoleRole;
  sessionId: string;
  address: string | null;
  requestId: string | null;
}

/** Where a request came from, before anyone is known (a sign-in, a reset). */
export interface RequestOrigin {
  address: string | null;
  requestId: string | null;
}

export interface AuditRecord {
  merchantId: string;
  actor: { type: AuditActorType; id: string | null; label: string | null };
  origin: RequestOrigin;
  action: string;
  object: { type: string; id: string } | null;
  before?: AuditValues | null;
  after?: AuditValues | null;
}

export async function audit(context: FlowContext, db: Db, record: AuditRecord): Promise<void> {
  await recordAudit(db, {
    id: context.ids.newId('aud'),
    merchantId: record.merchantId,
    occurredAt: now(context),
    actorType: record.actor.type,
    actorId: record.actor.id,
    actorLabel: record.actor.label,
    action: record.action,
    objectType: record.object?.type ?? null,
    objectId: record.object?.id ?? null,
    address: record.origin.address,
    requestId: record.origin.requestId,
    before: auditValues(record.before),
    after: auditValues(record.after),
  });
}

/** The audit record of something a signed-in member did. */
export function byMember(actor: ConsoleActor, action: string, object: AuditRecord['object'], values: { before?: AuditValues | null; after?: AuditValues | null } = {}): AuditRecord {
  return {
    merchantId: actor.merchantId,
    actor: { type: 'member', id: actor.memberId, label: actor.email },
    origin: { address: actor.address, requestId: actor.requestId },
    action,
    object,
    ...values,
  };
}

export async function listAuditLog(context: FlowContext, merchantId: string, filter: AuditFilter): Promise<{ data: AuditLogRow[]; hasMore: boolean }> {
  const rows = await onReadDatabase(context, (db) => listAudit(db, merchantId, filter));
  return { data: rows.slice(0, filter.limit), hasMore: rows.length > filter.limit };
}

export function presentAuditRow(row: AuditLogRow) {
  return {
    object: 'audit_entry' as const,
    id: row.id,
    seq: Number(row.seq),
    occurred_at: row.occurred_at.toISOString(),
    actor: { type: row.actor_type, id: row.actor_id, label: row.actor_label },
    action: row.action,
    object_type: row.object_type,
    object_id: row.object_id,
    address: row.address,
    request_id: row.request_id,
    before: row.before,
    after: row.after,
  };
}

export async function verifyAudit(db: Db, merchantId?: string) {
  return verifyAuditChain(db, { merchantId, batchRows: limits.auditVerifyBatchRows });
}
