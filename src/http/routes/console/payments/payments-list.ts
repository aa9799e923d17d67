import { Type } from 'typebox';
import { limits } from '../../../../domain/limits.ts';
import { paymentStatuses } from '../../../../domain/payments/payment-state.ts';
import { findPayments } from '../../../../flows/console/payment-search.ts';
import { amountToJson } from '../../../../domain/money.ts';
import { sendCsv, wantsCsv } from '../../../csv-reply.ts';
import { CurrencyInput, stringEnum } from '../../../schemas.ts';
import { consoleFoundPaymentView, consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

const Amount = Type.Integer({ minimum: 0, maximum: Number(limits.amountMinorUnitsMax) });
const Status = stringEnum(paymentStatuses);
const Query = Type.Object(
  {
    mode: Type.Optional(stringEnum(['test', 'live'] as const)),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    id: Type.Optional(Type.String({ maxLength: 64 })),
    order_reference: Type.Optional(Type.String({ maxLength: 100 })),
    customer: Type.Optional(Type.String({ maxLength: 64 })),
    email: Type.Optional(Type.String({ maxLength: 254 })),
    card_last4: Type.Optional(Type.String({ pattern: '^[0-9]{4}$' })),
    amount: Type.Optional(Amount),
    amount_gte: Type.Optional(Amount),
    amount_lte: Type.Optional(Amount),
    currency: Type.Optional(CurrencyInput),
    status: Type.Optional(Type.Union([Status, Type.Array(Status, { maxItems: paymentStatuses.length })])),
    method: Type.Optional(Type.String({ maxLength: 32 })),
    channel: Type.Optional(Type.String({ maxLength: 64 })),
    created_gte: Type.Optional(Type.String({ minLength: 10, maxLength: 40 })),
    created_lt: Type.Optional(Type.String({ minLength: 10, maxLength: 40 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.pageSizeMax })),
    starting_after: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

const csvColumns = [
  'id',
  'created_at',
  'status',
  'amount',
  'currency',
  'amount_received',
  'amount_refunded',
  'method',
  'card_last4',
  'customer',
  'customer_email',
  'order_reference',
  'connector_account',
  'description',
] as const;

/** The console's payment search, newest first (keyset on id); `Accept: text/csv` answers up to `consolePaymentsCsvRowsMax` rows of the same search. */
export function registerConsolePaymentsList(app: App, deps: RouteDeps): void {
  app.get('/console/api/payments', { config: { console: { permission: 'payments.read' } }, schema: { ...consoleSchema, querystring: Query } }, async (request, reply) => {
    const { mode, limit, ...input } = request.query;
    const csv = wantsCsv(request);
    const page = await findPayments(deps.context, consoleScope(request, mode), input, csv ? limits.consolePaymentsCsvRowsMax : (limit ?? limits.pageSizeDefault));
    if (csv) {
      const rows = page.data.map((p) => ({
        id: p.id,
        created_at: p.created_at.toISOString(),
        status: p.status,
        amount: amountToJson(BigInt(p.amount)),
        currency: p.currency,
        amount_received: amountToJson(BigInt(p.amount_received)),
        amount_refunded: amountToJson(BigInt(p.amount_refunded)),
        method: (p.payment_method as { type?: string } | null)?.type ?? null,
        card_last4: p.card_last4,
        customer: p.customer_id,
        customer_email: p.customer_email,
        order_reference: p.order_reference,
        connector_account: p.connector_account,
        description: p.description,
      }));
      return sendCsv(reply, `payments_${mode ?? 'live'}`, csvColumns, rows);
    }
    const data = page.data.map((p) => consoleFoundPaymentView(deps.context, request, p));
    return { object: 'list' as const, data, has_more: page.hasMore, next_starting_after: page.hasMore ? (data.at(-1)?.id ?? null) : null };
  });
}
