/**
 * Records every audited /v1 write (domain/console/audited-writes.ts) made by
 * a secret key or a console session: the object is read before the handler
 * runs, and the row appended once the answer is a success, before it is
 * sent (flows/console/api-audit.ts says what a crash can lose). A replayed
 * Idempotency-Key answer changed nothing and records nothing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auditedWriteOf, type AuditedWrite } from '../../domain/console/audited-writes.ts';
import type { AuditValues } from '../../domain/console/audit-chain.ts';
import type { FlowContext } from '../../flows/context.ts';
import { objectBeforeWrite, recordApiWrite, type ApiWriteActor } from '../../flows/console/api-audit.ts';
import type { Scope } from '../../store/payments.ts';

interface Pending {
  write: AuditedWrite;
  scope: Scope;
  actor: ApiWriteActor;
  objectId: string | null;
  before: AuditValues | null;
}

export function registerApiAudit(app: FastifyInstance, options: { context: FlowContext }): void {
  const { context } = options;
  const pending = new WeakMap<FastifyRequest, Pending>();

  app.addHook('preHandler', async (request: FastifyRequest) => {
    const caller = request.auth;
    if (!caller || caller.kind !== 'secret') return;
    const write = auditedWriteOf(request.method, request.routeOptions.url ?? '');
    if (!write) return;
    const scope: Scope = { merchantId: caller.merchantId, mode: caller.mode };
    const member = request.consoleSession?.member;
    const actor: ApiWriteActor = member ? { type: 'member', memberId: member.id, email: member.email } : { type: 'api_key', keyId: caller.keyId };
    const objectId = objectIdBefore(write, request, scope);
    const before = write.before ? await objectBeforeWrite(context, scope, write.before, objectId) : null;
    pending.set(request, { write, scope, actor, objectId, before });
  });

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const entry = pending.get(request);
    if (!entry) return payload;
    pending.delete(request);
    if (reply.statusCode < 200 || reply.statusCode >= 300 || reply.getHeader('idempotent-replayed') !== undefined) return payload;
    const answer = parsed(payload);
    const objectId = entry.write.objectId.from === 'answer' ? (typeof answer?.id === 'string' ? answer.id : null) : entry.objectId;
    const body = request.body;
    const requestFields = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body).sort() : [];
    try {
      await recordApiWrite(context, { ...entry, objectId, answer, requestFields, origin: { address: request.ip ?? null, requestId: request.id } });
    } catch (error) {
      // The change has committed: its answer goes out; the missing row is logged loudly.
      request.log.error({ err: error, action: entry.write.action, object_id: objectId }, 'audit row not recorded');
    }
    return payload;
  });
}

function objectIdBefore(write: AuditedWrite, request: FastifyRequest, scope: Scope): string | null {
  switch (write.objectId.from) {
    case 'param':
      return (request.params as { id?: string } | undefined)?.id ?? null;
    case 'body': {
      const value = (request.body as Record<string, unknown> | undefined)?.[write.objectId.field];
      return typeof value === 'string' ? value : null;
    }
    case 'merchant':
      return scope.merchantId;
    case 'answer':
      return null;
  }
}

function parsed(payload: unknown): AuditValues | null {
  if (typeof payload !== 'string') return null;
  try {
    const value: unknown = JSON.parse(payload);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as AuditValues) : null;
  } catch {
    return null;
  }
}
