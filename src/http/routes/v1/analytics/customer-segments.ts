/**
 * GET /v1/analytics/customer_segments: the merchant's customers grouped by
 * behaviour with k-means, each group named by what sets it apart. The rules
 * are in src/domain/insight/customer-segments.ts and run off the event loop
 * (src/flows/insight/customer-segments.ts); this file reads the query and answers
 * JSON or (with `Accept: text/csv`) one row per customer.
 */
import { Type } from 'typebox';
import { PaymentError } from '../../../../domain/errors.ts';
import { limits } from '../../../../domain/limits.ts';
import type { CustomerFeatures } from '../../../../domain/insight/customer-segments.ts';
import type { CsvValue } from '../../../../domain/csv.ts';
import { keptCustomerSegments } from '../../../../flows/insight/kept-customer-segments.ts';
import { sendCsv, wantsCsv } from '../../../csv-reply.ts';
import { CurrencyInput, Nullable, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const Query = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Start of the range (inclusive) on payments’ created_at. Default: 90 days before `to`.' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'End of the range (exclusive). Default: now.' })),
    currency: Type.Optional({ ...CurrencyInput, description: 'Only payments in this currency.' }),
    k: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: limits.segmentsMax,
        description: `How many segments (default ${limits.segmentsDefault}); fewer when there are fewer customers or fewer distinct behaviours.`,
      }),
    ),
    min_payments: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: `A customer needs this many payments in the range to be segmented (default ${limits.segmentPaymentsPerCustomerMin}).` }),
    ),
  },
  { additionalProperties: false },
);

const Rates = Type.Record(Type.String(), Type.Number());
const Amounts = Type.Record(Type.String(), Type.Integer(), { description: "Currency → the members' mean of their average payment, in minor units." });

const Segment = Type.Object({
  name: Type.String({
    description:
      'frequent_cancelers, abandoners, retriers, big_spenders, small_spenders, card_users, wallet_users, alipay_users, wechat_pay_users, unionpay_users or steady_payers (a second segment with nothing else to tell it apart: steady_payers_2 …).',
  }),
  label: Type.String({ description: 'The name for people, in the language of Accept-Language.' }),
  size: Type.Integer(),
  centroid: Type.Object({
    cancellation_rate: Type.Number({ description: 'Canceled for any reason but `abandoned`, per payment.' }),
    abandonment_rate: Type.Number({ description: 'Canceled as `abandoned`, per payment.' }),
    attempts_per_payment: Type.Number(),
    average_amount: Amounts,
    method_mix: Rates,
  }),
  distinguishing_feature: Nullable(
    Type.Object({
      feature: Type.String({ description: 'cancellation_rate, abandonment_rate, attempts_per_payment, average_amount or method_mix.<payment_method_type>' }),
      direction: Type.Union([Type.Literal('above'), Type.Literal('below')]),
      standard_deviations: Type.Number({ description: "How far the segment's centre lies from all customers' mean, in standard deviations." }),
    }),
  ),
  customers: Type.Array(Type.String()),
});

const CustomerSegments = Type.Object({
  object: Type.Literal('customer_segments'),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  currency: Nullable(Type.String()),
  k: Type.Integer({ description: 'How many segments were made.' }),
  min_payments: Type.Integer(),
  customers_total: Type.Integer({ description: 'Customers with at least min_payments payments in the range.' }),
  customers_segmented: Type.Integer({ description: `At most ${limits.segmentCustomersMax}: the most active customers when there are more.` }),
  computed_at: Type.String({
    format: 'date-time',
    description: `When this segmentation read the data. A kept one is answered while computed less than ${limits.segmentResultFreshMs / 60_000} minutes ago; older (up to ${limits.segmentResultStaleMaxMs / 3_600_000} hours) it is still answered at once while a refresh runs in the background.`,
  }),
  segments: Type.Array(Segment),
});

const description = `Groups the customers who made at least \`min_payments\` payments in \`[from, to)\` by how they pay:
cancellation rate (canceled for any reason but \`abandoned\`), abandonment rate, attempts per payment, average amount
(the logarithm of each customer's average, standardized within each currency; amounts of different currencies are never added)
and method mix (share of attempts per payment_method_type). The features are standardized (z-scores) and clustered with
k-means (k-means++ with fixed seeds and several starts, so the same data always gives the same segments). Each segment is named
by the feature on which its centre lies furthest from the mean (at least half a standard deviation), e.g. \`frequent_cancelers\`;
a segment with nothing that distinctive is \`steady_payers\`. Wallet top-ups are not counted. At most
${limits.segmentCustomersMax} customers are segmented (the most active). With \`Accept: text/csv\`: one row per customer with its segment and features.

The segmentation of a question (range, currency, k, min_payments, language) is kept once computed and answered from what is kept:
as it is while computed less than ${limits.segmentResultFreshMs / 60_000} minutes ago (\`computed_at\`); older, up to
${limits.segmentResultStaleMaxMs / 3_600_000} hours, it is answered at once and recomputed in the background; older still it is recomputed
before answering. Payments made or changed since \`computed_at\` may therefore not be reflected yet. Without \`to\`, the range ends at
\`computed_at\` (the answer's \`from\` and \`to\` say which range it is).`;

export function registerAnalyticsSegments(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/analytics/customer_segments',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Customer segments by behaviour (k-means)',
        description,
        security: bearerAuth,
        querystring: Query,
        response: { 200: CustomerSegments, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const to = parseTime(query.to, 'to') ?? null;
      const from = parseTime(query.from, 'from') ?? (to === null ? null : new Date(to.getTime() - limits.segmentRangeDefaultMs));
      const effectiveTo = to ?? new Date(deps.context.clock.nowMs());
      if (from !== null && from.getTime() >= effectiveTo.getTime()) {
        throw new PaymentError('parameter_invalid', { param: 'from', details: { reason: '`from` must be before `to`' } });
      }
      const minPayments = query.min_payments ?? limits.segmentPaymentsPerCustomerMin;
      const csv = wantsCsv(request);
      const segments = await keptCustomerSegments(
        deps.context,
        scopeOf(request),
        { from, to, currency: query.currency ?? null, paymentsPerCustomerMin: minPayments, k: query.k ?? limits.segmentsDefault },
        request.locale,
        { withMembers: csv },
      );
      if (csv) {
        const name = `customer_segments_${segments.from.toISOString().slice(0, 10)}_${segments.to.toISOString().slice(0, 10)}`;
        return sendCsv(reply, name, ...csvOf(segments.members ?? []));
      }
      return {
        object: 'customer_segments' as const,
        from: segments.from.toISOString(),
        to: segments.to.toISOString(),
        currency: query.currency ?? null,
        k: segments.k,
        min_payments: minPayments,
        customers_total: segments.customersTotal,
        customers_segmented: segments.customersSegmented,
        computed_at: segments.computedAt.toISOString(),
        segments: segments.segments.map((segment) => ({
          ...segment,
          centroid: { ...segment.centroid, average_amount: numbers(segment.centroid.average_amount) },
        })),
      };
    },
  );
}

/** One row per customer: its segment, then its features, with a column per currency and per method seen. */
function csvOf(members: { features: CustomerFeatures; segment: string }[]): [string[], Record<string, CsvValue>[]] {
  const currencies = [...new Set(members.flatMap((m) => Object.keys(m.features.averageAmount)))].sort();
  const methods = [...new Set(members.flatMap((m) => Object.keys(m.features.methodMix)))].sort();
  const columns = [
    'customer',
    'segment',
    'payments',
    'cancellation_rate',
    'abandonment_rate',
    'attempts_per_payment',
    ...currencies.map((c) => `average_amount.${c}`),
    ...methods.map((m) => `method_mix.${m}`),
  ];
  const round4 = (value: number) => Math.round(value * 10_000) / 10_000;
  const rows = members.map(({ features, segment }) => ({
    customer: features.customerId,
    segment,
    payments: features.payments,
    cancellation_rate: round4(features.cancellationRate),
    abandonment_rate: round4(features.abandonmentRate),
    attempts_per_payment: round4(features.attemptsPerPayment),
    ...Object.fromEntries(currencies.map((c) => [`average_amount.${c}`, features.averageAmount[c] ?? null])),
    ...Object.fromEntries(methods.map((m) => [`method_mix.${m}`, round4(features.methodMix[m] ?? 0)])),
  }));
  return [columns, rows];
}

function numbers(amounts: Record<string, bigint>): Record<string, number> {
  return Object.fromEntries(Object.entries(amounts).map(([currency, amount]) => [currency, Number(amount)]));
}

function parseTime(text: string | undefined, param: string): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new PaymentError('parameter_invalid', { param, details: { reason: 'not a time that can be compared' } });
  return date;
}
