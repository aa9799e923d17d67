/**
 * Schemas several analytics routes share: the range and figures of the
 * payment summary and timeseries (their definitions are in
 * src/domain/insight/analytics.ts), and the range and settings of the
 * cancellation analytics.
 */
import { Type } from 'typebox';
import { abuseActions } from '../../../../domain/insight/cancellation-abuse.ts';
import { limits } from '../../../../domain/limits.ts';
import { CurrencyInput, Nullable, stringEnum } from '../../../schemas.ts';

const Instant = (description: string) =>
  Type.String({ minLength: 10, maxLength: 40, description: `${description} ISO 8601 with a time zone (2026-03-01T08:00:00+08:00), to the millisecond, or a date (2026-03-01, 00:00 UTC).` });

/** The range of the payment summary and timeseries. */
export const FiguresRangeQuery = {
  from: Instant('Start of the range, inclusive, on the payment’s created_at.'),
  to: Instant('End of the range, exclusive.'),
  currency: Type.Optional({ ...CurrencyInput, description: 'Only payments in this currency; amounts then appear as plain numbers.' }),
};

export const Rate = (description: string) => Nullable(Type.Number({ minimum: 0, maximum: 1, description: `${description} Null when the denominator is 0.` }));
const Count = (description: string) => Type.Integer({ minimum: 0, description });

/** The payment figures of a range or of one bucket. */
export const Figures = {
  payments_created: Count('Payments created in the range.'),
  payments_attempted: Count('Of those, confirmed at least once (with at least one authorize attempt).'),
  payments_succeeded: Count('Of those, succeeded now.'),
  payments_canceled: Count('Of those, canceled now (any reason).'),
  payments_abandoned: Count('Of those, canceled with reason `abandoned`.'),
  payments_refunded: Count('Succeeded payments with at least one succeeded refund.'),
  amount_succeeded: Nullable(Type.Integer({ description: 'Sum of amount_received of the succeeded payments, minor units. Null without `currency`: see `amounts`.' })),
  average_order_value: Nullable(Type.Integer({ description: 'amount_succeeded / payments_succeeded rounded half up. Null without `currency` or without succeeded payments.' })),
  amounts: Type.Array(
    Type.Object({
      currency: Type.String(),
      payments_succeeded: Type.Integer(),
      amount_succeeded: Type.Integer(),
      average_order_value: Nullable(Type.Integer()),
    }),
    { description: 'One entry per currency that has payments in the range, in currency order (only the filtered one with `currency`).' },
  ),
  success_rate: Rate('payments_succeeded / payments_attempted.'),
  conversion_rate: Rate('payments_succeeded / payments_created.'),
  cancellation_rate: Rate('payments_canceled / payments_created.'),
  abandonment_rate: Rate('payments_abandoned / payments_created.'),
  refund_rate: Rate('payments_refunded / payments_succeeded.'),
  cancellations_by_reason: Type.Record(Type.String(), Type.Integer(), { description: 'Canceled payments per cancellation_reason; every reason is listed, 0 included.' }),
  decline_codes: Type.Record(Type.String(), Type.Integer(), {
    description: 'Failed authorize attempts per decline_code, or error code when there is none; only codes that occurred, most frequent first.',
  }),
};

/** How the payment summary and timeseries count, at the head of both descriptions. */
export const definitions = `Every figure is exact for the range asked and can be recounted from the payments, attempts and refunds.
The range is half-open, \`[from, to)\`, on the payment's \`created_at\`, at most ${limits.analyticsRangeDaysMax} days; a payment counts
in the range it was created in, with the status it has now (a payment canceled a week later changes the figures of the hour it was
created in). Wallet top-ups are payments and count like any other. Counts and rates span every currency unless \`currency\` is given;
amounts are never added across currencies: without \`currency\`, \`amount_succeeded\` and \`average_order_value\` are null and
\`amounts\` has one entry per currency. Rates are from 0 to 1 rounded half up to 4 decimals, and null when their denominator is 0
(no data, rather than a misleading 0). A payment is attempted once it has an authorize attempt (a card refused before reaching a
provider, such as a mistyped number, makes none). Attempts (decline codes, channels) are the authorize attempts of the payments
created in the range that have an outcome, succeeded or failed; captures and voids are not attempts.`;

/** The range of the cancellation analytics. */
export const cancellationRangeFields = {
  from: Type.String({ format: 'date-time', description: 'Start of the range (inclusive), on the payment\'s created_at.' }),
  to: Type.String({ format: 'date-time', description: 'End of the range (exclusive).' }),
  currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
};

export const AbuseSettings = Type.Object({
  object: Type.Literal('cancellation_abuse_settings'),
  max_cancellations_per_hour: Type.Integer(),
  action: stringEnum(abuseActions),
  flag_duration_hours: Type.Integer(),
  updated_at: Nullable(Type.String({ format: 'date-time' })),
});
