/**
 * Cancellation analytics and the settings against abuse of cancellation:
 * - GET /v1/analytics/cancellations: the cancellation records, newest first;
 * - GET /v1/analytics/cancellations/summary: counts by reason, stage, source
 *   and detected cause, and cancellation rates by reason and by stage;
 * - GET /v1/analytics/flagged_customers: customers flagged for canceling too often;
 * - GET and POST /v1/cancellation_abuse_settings.
 * Every analytics answer is CSV with `Accept: text/csv`. Secret key only.
 */
import { Type } from 'typebox';
import { abuseActions, abuseRules } from '../../../domain/insight/cancellation-abuse.ts';
import { cancellationSources, cancellationStages, detectedCauses, type CancellationStage, type DetectedCause } from '../../../domain/insight/cancellation-cause.ts';
import { cancellationSummaryRows, summarizeCancellations } from '../../../domain/insight/cancellation-summary.ts';
import { PaymentError } from '../../../domain/errors.ts';
import { limits } from '../../../domain/limits.ts';
import { amountToJson } from '../../../domain/money.ts';
import { cancellationReasons } from '../../../domain/payments/payment-state.ts';
import { now } from '../../../flows/context.ts';
import { findAbuseSettings, listFlags, saveAbuseSettings, type AbuseFlagRow } from '../../../store/cancellation-abuse.ts';
import { countCancellations, listCancellationRecords, type CancellationRecordRow } from '../../../store/cancellation-records.ts';
import { sendCsv, wantsCsv } from '../../csv-reply.ts';
import { ListQuery, Nullable, errorResponses, listOf, requestObject, stringEnum } from '../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../route-kit.ts';

const rangeFields = {
  from: Type.String({ format: 'date-time', description: 'Start of the range (inclusive), on the payment\'s created_at.' }),
  to: Type.String({ format: 'date-time', description: 'End of the range (exclusive).' }),
  currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
};
const ListRangeQuery = Type.Object({ ...rangeFields, ...ListQuery }, { additionalProperties: false });
const RangeQuery = Type.Object(rangeFields, { additionalProperties: false });

const Timestamp = Type.String({ format: 'date-time' });
const countsOf = (values: readonly string[]) => Type.Object(Object.fromEntries(values.map((v) => [v, Type.Integer()])));
const ratesOf = (values: readonly string[]) => Type.Object(Object.fromEntries(values.map((v) => [v, Type.Number()])));

const CancellationRecord = Type.Object({
  object: Type.Literal('cancellation_record'),
  payment: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  payment_method_type: Nullable(Type.String()),
  connector: Nullable(Type.String()),
  connector_account: Nullable(Type.String()),
  stage: stringEnum(cancellationStages, { description: 'The furthest checkout step reached before the cancellation.' }),
  reason: stringEnum(cancellationReasons),
  comment: Nullable(Type.String()),
  source: stringEnum(cancellationSources, { description: 'Who canceled: the payer at checkout, the merchant, the provider, or Paypilot (expiry: abandoned).' }),
  detected_cause: stringEnum(detectedCauses),
  customer: Nullable(Type.String({ description: 'A pseudonym, the same for one customer of this merchant, not the customer id.' })),
  payment_created_at: Timestamp,
  created_at: Timestamp,
});

const CancellationSummary = Type.Object({
  object: Type.Literal('cancellation_summary'),
  from: Timestamp,
  to: Timestamp,
  currency: Nullable(Type.String()),
  payments_created: Type.Integer(),
  cancellations: Type.Integer(),
  cancellation_rate: Type.Number(),
  by_reason: countsOf(cancellationReasons),
  by_stage: countsOf(cancellationStages),
  by_source: countsOf(cancellationSources),
  by_detected_cause: countsOf(detectedCauses),
  cancellation_rate_by_reason: ratesOf(cancellationReasons),
  cancellation_rate_by_stage: ratesOf(cancellationStages),
});

const FlaggedCustomer = Type.Object({
  object: Type.Literal('flagged_customer'),
  customer: Type.String(),
  active: Type.Boolean(),
  reason: Type.String(),
  cancellations: Type.Integer({ description: 'Cancellations within the hour when last flagged.' }),
  max_cancellations_per_hour: Type.Integer(),
  times_flagged: Type.Integer(),
  first_flagged_at: Timestamp,
  flagged_at: Timestamp,
  flagged_until: Timestamp,
});

const AbuseSettings = Type.Object({
  object: Type.Literal('cancellation_abuse_settings'),
  max_cancellations_per_hour: Type.Integer(),
  action: stringEnum(abuseActions),
  flag_duration_hours: Type.Integer(),
  updated_at: Nullable(Timestamp),
});

const AbuseSettingsBody = requestObject({
  max_cancellations_per_hour: Type.Optional(Type.Integer({ minimum: abuseRules.maxCancellationsPerHourMin, maximum: abuseRules.maxCancellationsPerHourMax })),
  action: Type.Optional(stringEnum(abuseActions)),
  flag_duration_hours: Type.Optional(Type.Integer({ minimum: abuseRules.flagDurationHoursMin, maximum: abuseRules.flagDurationHoursMax })),
});

const FlagsQuery = Type.Object(
  {
    ...ListQuery,
    active: Type.Optional(Type.Boolean({ default: true, description: 'false: flags that ran out too.' })),
    customer: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

const recordColumns = [
  'payment', 'amount', 'currency', 'payment_method_type', 'connector', 'connector_account', 'stage', 'reason', 'comment',
  'source', 'detected_cause', 'customer', 'payment_created_at', 'created_at',
] as const;
const flagColumns = ['customer', 'active', 'reason', 'cancellations', 'max_cancellations_per_hour', 'times_flagged', 'first_flagged_at', 'flagged_at', 'flagged_until'] as const;

export function registerAnalyticsCancellations(app: App, deps: RouteDeps): void {
  const { context } = deps;

  app.get(
    '/v1/analytics/cancellations',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Cancellation records, newest first',
        description:
          'One record per canceled payment created in `[from, to)`: by the payer, the merchant, the provider or the expiry (`abandoned`, source `system`). `stage` is the furthest checkout step reached; `detected_cause` comes from what preceded: a technical failure just before → `network_issue`, a decline just before → `payment_failed`, an amount changed → `price_changed`, time in checkout over 3× the merchant\'s median time to success (15 minutes without 20 successes to judge by) → `too_complicated`, else the reason given or `unknown`. `Accept: text/csv` answers CSV.',
        security: bearerAuth,
        querystring: ListRangeQuery,
        response: { 200: listOf(CancellationRecord), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const range = rangeOf(request.query);
      const page = await listCancellationRecords(context.db, scopeOf(request), {
        ...range,
        limit: request.query.limit ?? limits.pageSizeDefault,
        startingAfter: request.query.starting_after,
      });
      const data = page.data.map(presentRecord);
      if (wantsCsv(request)) return sendCsv(reply, 'cancellations', recordColumns, data);
      return { object: 'list' as const, data, has_more: page.hasMore };
    },
  );

  app.get(
    '/v1/analytics/cancellations/summary',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Cancellations by reason, stage, source and detected cause',
        description:
          'Over payments created in `[from, to)`. Rates are cancellations (of that reason, or at that stage) / payments created, rounded to 4 decimals. `Accept: text/csv` answers one row per figure: `dimension,value,count,rate`.',
        security: bearerAuth,
        querystring: RangeQuery,
        response: { 200: CancellationSummary, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const range = rangeOf(request.query);
      const counts = await countCancellations(context.db, scopeOf(request), range);
      const summary = summarizeCancellations(counts.paymentsCreated, counts.groups);
      if (wantsCsv(request)) return sendCsv(reply, 'cancellations-summary', ['dimension', 'value', 'count', 'rate'], cancellationSummaryRows(summary));
      return {
        object: 'cancellation_summary' as const,
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        currency: range.currency ?? null,
        ...summary,
      };
    },
  );

  app.get(
    '/v1/analytics/flagged_customers',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Customers flagged for abuse of cancellation, newest flag first',
        description:
          'A customer is flagged when their cancellations in the last hour (their own at checkout, or the merchant\'s with reason `requested_by_customer`) exceed `max_cancellations_per_hour`; the flag holds `flag_duration_hours` from the last flagging. `Accept: text/csv` answers CSV.',
        security: bearerAuth,
        querystring: FlagsQuery,
        response: { 200: listOf(FlaggedCustomer), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const at = now(context);
      const page = await listFlags(context.db, scopeOf(request), {
        activeAt: request.query.active === false ? null : at,
        customer: request.query.customer,
        startingAfter: request.query.starting_after,
        limit: request.query.limit ?? limits.pageSizeDefault,
      });
      const data = page.data.map((flag) => presentFlag(flag, at));
      if (wantsCsv(request)) return sendCsv(reply, 'flagged-customers', flagColumns, data);
      return { object: 'list' as const, data, has_more: page.hasMore };
    },
  );

  app.get(
    '/v1/cancellation_abuse_settings',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Settings against abuse of cancellation',
        description: 'Defaults until set: 5 cancellations per hour, action `none` (flagged, not held back), flags holding 24 hours.',
        security: bearerAuth,
        response: { 200: AbuseSettings, ...errorResponses(401, 403) },
      },
    },
    async (request) => presentSettings(await findAbuseSettings(context.db, scopeOf(request))),
  );

  app.post(
    '/v1/cancellation_abuse_settings',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Change the settings against abuse of cancellation',
        description:
          '`action` for a flagged customer\'s next payments: `none`; `require_otp` (confirm answers `requires_action` with `next_action.type = verify_otp` and a 6-digit code goes to the customer by SMS, else email; confirm again with `otp`, 3 tries per code, codes valid 10 minutes, 3 codes per payment); `refuse` (confirm answers 403 `customer_restricted` with `unlocks_at`). Fields left out keep their value.',
        security: bearerAuth,
        body: AbuseSettingsBody,
        response: { 200: AbuseSettings, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const scope = scopeOf(request);
      const current = await findAbuseSettings(context.db, scope);
      const next = {
        maxCancellationsPerHour: request.body.max_cancellations_per_hour ?? current.maxCancellationsPerHour,
        action: request.body.action ?? current.action,
        flagDurationHours: request.body.flag_duration_hours ?? current.flagDurationHours,
      };
      await saveAbuseSettings(context.db, scope, next, now(context));
      return presentSettings(await findAbuseSettings(context.db, scope));
    },
  );
}

function rangeOf(query: { from: string; to: string; currency?: string }): { from: Date; to: Date; currency?: string } {
  const from = new Date(query.from);
  const to = new Date(query.to);
  if (Number.isNaN(from.getTime())) throw new PaymentError('parameter_invalid', { param: 'from', details: { reason: 'not a time that can be compared' } });
  if (Number.isNaN(to.getTime())) throw new PaymentError('parameter_invalid', { param: 'to', details: { reason: 'not a time that can be compared' } });
  if (from.getTime() >= to.getTime()) throw new PaymentError('parameter_invalid', { param: 'to', details: { reason: 'it must be after from' } });
  return { from, to, currency: query.currency };
}

function presentRecord(record: CancellationRecordRow) {
  return {
    object: 'cancellation_record' as const,
    payment: record.payment_id,
    amount: amountToJson(record.amount),
    currency: record.currency,
    payment_method_type: record.payment_method_type,
    connector: record.connector,
    connector_account: record.connector_account_id,
    stage: record.stage as CancellationStage,
    reason: record.reason,
    comment: record.comment,
    source: record.source,
    detected_cause: record.detected_cause as DetectedCause,
    customer: record.customer,
    payment_created_at: record.payment_created_at.toISOString(),
    created_at: record.created_at.toISOString(),
  };
}

function presentFlag(flag: AbuseFlagRow, at: Date) {
  return {
    object: 'flagged_customer' as const,
    customer: flag.customer_id,
    active: flag.flagged_until.getTime() > at.getTime(),
    reason: `${flag.cancellations} cancellations within an hour (limit ${flag.max_cancellations_per_hour})`,
    cancellations: flag.cancellations,
    max_cancellations_per_hour: flag.max_cancellations_per_hour,
    times_flagged: flag.times_flagged,
    first_flagged_at: flag.first_flagged_at.toISOString(),
    flagged_at: flag.flagged_at.toISOString(),
    flagged_until: flag.flagged_until.toISOString(),
  };
}

function presentSettings(settings: Awaited<ReturnType<typeof findAbuseSettings>>) {
  return {
    object: 'cancellation_abuse_settings' as const,
    max_cancellations_per_hour: settings.maxCancellationsPerHour,
    action: settings.action,
    flag_duration_hours: settings.flagDurationHours,
    updated_at: settings.updatedAt ? settings.updatedAt.toISOString() : null,
  };
}
