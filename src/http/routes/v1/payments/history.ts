import { Type } from 'typebox';
import { getPayment } from '../../../../flows/payments/create-payment.ts';
import { listHistory } from '../../../../store/payments.ts';
import { IdParams, Nullable, errorResponses, listOf } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const HistoryEntry = Type.Object({
  id: Type.String(),
  object: Type.Literal('payment_history_entry'),
  from_status: Nullable(Type.String()),
  to_status: Type.String(),
  actor: Type.String(),
  reason: Nullable(Type.String()),
  error_code: Nullable(Type.String()),
  decline_code: Nullable(Type.String()),
  attempt: Nullable(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
});

export function registerPaymentsHistory(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/payments/:id/history',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Payments'],
        summary: "A payment's status changes, oldest first",
        description: 'Every change is recorded once and never altered: from and to status, who caused it (payer, merchant, provider, system), the reason and the error.',
        security: bearerAuth,
        params: IdParams,
        response: { 200: listOf(HistoryEntry), ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const payment = await getPayment(deps.context, scopeOf(request), request.params.id);
      const rows = await listHistory(deps.context.db, payment.merchant_id, payment.id);
      return {
        object: 'list' as const,
        has_more: false,
        data: rows.map((row) => ({
          id: row.id,
          object: 'payment_history_entry' as const,
          from_status: row.from_status,
          to_status: row.to_status,
          actor: row.actor,
          reason: row.reason,
          error_code: row.error_code,
          decline_code: row.decline_code,
          attempt: row.attempt_id,
          created_at: row.created_at.toISOString(),
        })),
      };
    },
  );
}
