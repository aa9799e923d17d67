/**
 * Schemas shared by the routes: the objects the API answers and the pieces
 * requests reuse. Request objects reject unknown fields; the OpenAPI
 * description is generated from these.
 */
import { Type, type TSchema, type TProperties } from 'typebox';
import { cancellationReasons, paymentStatuses } from '../domain/payments/payment-state.ts';
import { ledgerTransactionKinds } from '../domain/wallet/ledger.ts';
import { limits } from '../domain/limits.ts';
import { errorCatalog } from '../domain/errors.ts';

export function stringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** A request object: unknown fields are refused with `parameter_unknown`. */
export function requestObject<T extends TProperties>(properties: T, options: { description?: string } = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const AmountInput = Type.Integer({
  minimum: Number(limits.amountMinorUnitsMin),
  maximum: Number(limits.amountMinorUnitsMax),
  description: "Amount in the currency's minor unit (fen for CNY, cents for USD, yen for JPY).",
});

export const CurrencyInput = Type.String({ pattern: '^[A-Z]{3}$', description: 'Upper-case ISO 4217 code.' });

export const Metadata = Type.Record(Type.String({ maxLength: limits.metadataKeyLengthMax }), Type.String({ maxLength: limits.metadataValueLengthMax }), {
  maxProperties: limits.metadataKeysMax,
  description: `String keys to string values, at most ${limits.metadataKeysMax} keys.`,
});

export const ClientSecret = Type.String({ maxLength: 200, description: "The payment's client_secret; required with a publishable key." });

/** What every way of creating a payment accepts (POST /v1/payments, wallet top-ups). */
export const PaymentCommonFields = {
  amount: AmountInput,
  currency: CurrencyInput,
  description: Type.Optional(Type.String({ maxLength: limits.descriptionLengthMax })),
  metadata: Type.Optional(Metadata),
  return_url: Type.Optional(Type.String({ maxLength: 2000, pattern: '^https?://' })),
  expires_in_seconds: Type.Optional(Type.Integer({ minimum: limits.paymentExpiresInSecondsMin, maximum: limits.paymentExpiresInSecondsMax })),
};

export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) }, { additionalProperties: false });

export const ListQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.pageSizeMax, default: limits.pageSizeDefault })),
  starting_after: Type.Optional(Type.String({ maxLength: 64, description: 'An id: the page starts after it (newest first).' })),
};

export function listOf<T extends TSchema>(item: T) {
  return Type.Object({ object: Type.Literal('list'), data: Type.Array(item), has_more: Type.Boolean() });
}

const Timestamp = Type.String({ format: 'date-time' });
const NullableTimestamp = Nullable(Timestamp);

export const OrderInput = requestObject({
  reference: Type.String({ minLength: 1, maxLength: 100, description: "The merchant's order number." }),
  description: Type.Optional(Type.String({ maxLength: limits.descriptionLengthMax })),
  items: Type.Optional(
    Type.Array(
      requestObject({
        name: Type.String({ minLength: 1, maxLength: 200 }),
        quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
        unit_amount: Type.Integer({ minimum: 0, maximum: Number(limits.amountMinorUnitsMax) }),
      }),
      { maxItems: limits.orderItemsMax },
    ),
  ),
});

const ErrorObject = Type.Object({
  type: Type.String(),
  code: Type.String(),
  decline_code: Nullable(Type.String()),
  message: Type.String(),
  suggestion: Type.String(),
  attempt: Type.Optional(Nullable(Type.String())),
});

export const Payment = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('payment'),
    livemode: Type.Boolean(),
    status: stringEnum(paymentStatuses),
    amount: Type.Integer({ description: 'What is charged: amount_original less amount_discount.' }),
    currency: Type.String(),
    amount_original: Type.Integer({ description: 'The price before any coupon.' }),
    amount_discount: Type.Integer({ description: "What the payment's coupon takes off; 0 without one." }),
    amount_due: Type.Integer({ description: 'What is charged; equal to amount.' }),
    coupon: Nullable(Type.String({ description: 'The code of the coupon applied, upper-case.' })),
    amount_capturable: Type.Integer(),
    amount_received: Type.Integer(),
    amount_refunded: Type.Integer(),
    capture_method: stringEnum(['automatic', 'manual'] as const),
    purpose: stringEnum(['payment', 'wallet_top_up'] as const, {
      description: '`wallet_top_up`: created by POST /v1/customers/:id/wallet/top_ups; its money goes into the wallet when it succeeds.',
    }),
    points: Type.Object(
      {
        redeemed: Type.Integer({ description: 'Loyalty points reserved for this payment (spent once it succeeds; given back if it is declined, canceled or abandoned).' }),
        value: Type.Integer({ description: "Their value in the currency's minor unit: `amount` is what remains due after it." }),
        amount_original: Type.Integer({ description: 'The amount before points: `amount + value`.' }),
        earned: Type.Integer({ description: 'Points the payment earned when it succeeded (pending for the programme’s delay).' }),
      },
      { description: 'Loyalty points (see the Loyalty section). `amount` is the amount due; all zero without points.' },
    ),
    payment_method_types: Type.Array(Type.String()),
    payment_method: Nullable(Type.Object({}, { additionalProperties: true })),
    customer: Nullable(Type.String()),
    order: Nullable(Type.Object({}, { additionalProperties: true })),
    description: Nullable(Type.String()),
    metadata: Type.Record(Type.String(), Type.String()),
    client_secret: Type.String(),
    checkout_url: Type.String(),
    return_url: Nullable(Type.String()),
    next_action: Nullable(
      Type.Object(
        {},
        {
          additionalProperties: true,
          description:
            'What the payer must do next, by `type`, with a member of the same name: `redirect_to_url` (`url`), `display_qr_code` (`data`, `expires_at`), `verify_otp`, `wechat_pay_jsapi` (the parameters for WeixinJSBridge getBrandWCPayRequest: `appId`, `timeStamp`, `nonceStr`, `package`, `signType`, `paySign`), `alipay_app` (`order_string`, for Alipay\'s app SDK), `alipay_mini_program` (`trade_no`, for my.tradePay).',
        },
      ),
    ),
    last_error: Nullable(ErrorObject),
    cancellation_reason: Nullable(stringEnum(cancellationReasons)),
    cancellation_comment: Nullable(Type.String()),
    canceled_at: NullableTimestamp,
    expires_at: Timestamp,
    created_at: Timestamp,
    updated_at: Timestamp,
    risk: Type.Optional(
      Type.Object(
        {},
        {
          additionalProperties: true,
          description:
            "GET /v1/payments/:id with a secret key only: the payment's risk from its newest decision — `decision`, `score`, `rules_fired`, `signals`, `challenge_passed`, `fraudulent`, `decided_at` (docs/api-risk.md, GET /v1/payments/:id/risk).",
        },
      ),
    ),
  },
);

const PinState = Type.Object({
  set: Type.Boolean(),
  locked_until: NullableTimestamp,
  attempts_remaining: Type.Integer({ description: 'Wrong PINs allowed before wallet payments lock for 15 minutes.' }),
});

export const Wallet = Type.Object({
  object: Type.Literal('wallet'),
  customer: Type.String(),
  currency: Nullable(Type.String({ description: 'Null when the customer has no wallet yet and none was asked for.' })),
  balance: Type.Integer({ description: 'available + held, minor units.' }),
  available: Type.Integer({ description: 'What the customer can spend now.' }),
  held: Type.Integer({ description: 'Set aside for uncaptured wallet payments.' }),
  pin: PinState,
});

export const WalletTransaction = Type.Object({
  id: Type.String(),
  object: Type.Literal('wallet_transaction'),
  type: stringEnum(ledgerTransactionKinds),
  currency: Type.String(),
  amount: Type.Integer({ description: 'Change of the available balance (negative: money out).' }),
  held_change: Type.Integer(),
  available_after: Nullable(Type.Integer()),
  held_after: Nullable(Type.Integer()),
  payment: Nullable(Type.String()),
  refund: Nullable(Type.String()),
  created_at: Timestamp,
});

export const WalletInquiry = Type.Object({
  object: Type.Literal('wallet_inquiry'),
  payment: Type.String(),
  offered: Type.Boolean({ description: "False when the payment does not offer the wallet or names no customer." }),
  currency: Type.String(),
  amount: Type.Integer(),
  available: Type.Integer({ description: "The customer's spendable balance in the payment's currency." }),
  covers: Type.Boolean(),
  shortfall: Type.Integer({ description: 'What a top-up would have to add; 0 when covered.' }),
  pin: PinState,
});

export const Attempt = Type.Object({
  id: Type.String(),
  object: Type.Literal('payment_attempt'),
  payment: Type.String(),
  operation: stringEnum(['authorize', 'capture', 'void'] as const),
  payment_method_type: Type.String(),
  connector: Type.String(),
  connector_account: Nullable(Type.String()),
  status: stringEnum(['pending', 'requires_action', 'succeeded', 'failed', 'unknown'] as const),
  amount: Type.Integer(),
  error_code: Nullable(Type.String()),
  decline_code: Nullable(Type.String()),
  tries: Type.Integer(),
  latency_ms: Nullable(Type.Integer()),
  created_at: Timestamp,
  completed_at: NullableTimestamp,
});

export const Refund = Type.Object({
  id: Type.String(),
  object: Type.Literal('refund'),
  payment: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  status: stringEnum(['pending', 'succeeded', 'failed'] as const),
  reason: Nullable(Type.String()),
  failure_reason: Nullable(Type.String()),
  created_at: Timestamp,
});

export const Customer = Type.Object({
  id: Type.String(),
  object: Type.Literal('customer'),
  livemode: Type.Boolean(),
  email: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  name: Nullable(Type.String()),
  locale: Type.String(),
  time_zone: Type.String({ description: 'IANA time zone; times in the payer\'s emails and SMS are shown in it.' }),
  notifications: Type.Object({ email: Type.Boolean(), sms: Type.Boolean() }, { description: 'Whether the payer gets payment emails and SMS (false: opted out).' }),
  metadata: Type.Record(Type.String(), Type.String()),
  restricted_until: Nullable(
    Type.String({ format: 'date-time', description: 'Until when the customer is flagged for abuse of cancellation (too many payments canceled within an hour); null when not flagged.' }),
  ),
  created_at: Timestamp,
});

export const ConnectorAccount = Type.Object({
  id: Type.String(),
  object: Type.Literal('connector_account'),
  livemode: Type.Boolean(),
  connector: Type.String(),
  enabled: Type.Boolean(),
  priority: Type.Integer(),
  base_url: Type.String(),
  notify_url: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const ApiKey = Type.Object({
  id: Type.String(),
  object: Type.Literal('api_key'),
  kind: stringEnum(['secret', 'publishable'] as const),
  mode: stringEnum(['test', 'live'] as const),
  hint: Type.String({ description: 'The key\'s prefix and last four characters.' }),
  status: stringEnum(['active', 'expiring', 'expired', 'revoked'] as const, {
    description: '`expiring`: rolled, working until `expires_at`; `expired`: that instant has passed.',
  }),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: NullableTimestamp,
  revoked_at: NullableTimestamp,
  replaced_by: Nullable(Type.String({ description: 'The key a roll made in this one\'s place.' })),
});

/** A key with its secret: the answer of a create or a roll, the one time the secret is shown. */
export const ApiKeyWithSecret = Type.Object({
  ...ApiKey.properties,
  secret: Nullable(
    Type.String({
      description:
        'The key itself, shown this once: store it now. Null in a replay of the request under the same Idempotency-Key (the secret is never stored; revoke that key and make another if the first answer was lost).',
    }),
  ),
});

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      type: Type.String(),
      code: stringEnum(Object.keys(errorCatalog) as (keyof typeof errorCatalog)[]),
      decline_code: Nullable(Type.String()),
      message: Type.String(),
      suggestion: Type.String(),
      param: Nullable(Type.String()),
      payment: Nullable(Type.String()),
      request_id: Type.String(),
      doc_url: Type.String(),
      attempts_remaining: Type.Optional(Type.Integer({ description: 'incorrect_pin, pin_locked, authentication_failed: tries left before the lock.' })),
      unlocks_at: Type.Optional(Type.String({ format: 'date-time', description: 'pin_locked: when wallet payments unlock.' })),
      available: Type.Optional(Type.Integer({ description: 'insufficient_funds (wallet): the balance still available, in minor units.' })),
      position: Type.Optional(Type.Integer({ description: 'risk_rule_invalid: the 0-based character of the expression where the error was found.' })),
    }, { additionalProperties: true }),
  },
);

/** The error answers a route may give, for the OpenAPI description. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, { ...ErrorResponse, description: 'An error from the catalog' }]));
}
