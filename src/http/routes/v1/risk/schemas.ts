/** The risk objects the /v1 risk routes answer (rules, back-tests, reviews, the blocklist, fraud marks), for their schemas and the OpenAPI description. */
import { Type } from 'typebox';
import { Nullable, requestObject, stringEnum } from '../../../schemas.ts';

const Timestamp = Type.String({ format: 'date-time' });
export const tags = ['Risk'];

export const RiskActionSchema = stringEnum(['allow', 'challenge', 'review', 'block'] as const, {
  description: '`allow`; `challenge`: a one-time code to the customer by SMS or email before the provider is asked; `review`: authorized, not captured, queued in /v1/reviews; `block`: refused with `risk_blocked`.',
});

export const RiskRule = Type.Object({
  id: Type.String(),
  object: Type.Literal('risk_rule'),
  livemode: Type.Boolean(),
  name: Type.String(),
  expression: Type.String(),
  action: RiskActionSchema,
  position: Type.Integer({ description: 'Rules are evaluated in this order; the first that matches decides.' }),
  enabled: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const Expression = Type.String({
  minLength: 1,
  maxLength: 1000,
  description: 'A boolean expression over the signals (GET /v1/risk_rules/signals), e.g. `customer_cards_24h > 3 || (is_new_customer && amount > 2000000)`. Operators: `&& || !`, `== !=`, `< <= > >=`, `+ - * / %`, parentheses; strings in quotes.',
});

export const CreateRiskRuleBody = requestObject({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  expression: Expression,
  action: RiskActionSchema,
  enabled: Type.Optional(Type.Boolean({ description: 'Default true.' })),
});

export const UpdateRiskRuleBody = requestObject({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  expression: Type.Optional(Expression),
  action: Type.Optional(RiskActionSchema),
  enabled: Type.Optional(Type.Boolean()),
});

export const BacktestBody = requestObject({
  expression: Expression,
  action: RiskActionSchema,
  position: Type.Optional(Type.Integer({ minimum: 0, description: 'Evaluate after the enabled rules placed before this position (default: after them all).' })),
});

export const Backtest = Type.Object({
  object: Type.Literal('risk_rule_backtest'),
  expression: Type.String(),
  action: RiskActionSchema,
  days: Type.Integer(),
  payments_evaluated: Type.Integer({ description: 'Payments decided in the window (their newest decision is replayed).' }),
  matched: Type.Integer(),
  decided: Type.Integer({ description: 'Matched payments no earlier rule decided: those this rule would have blocked, held or challenged.' }),
  decided_refunded: Type.Integer(),
  decided_fraudulent: Type.Integer(),
  decided_succeeded: Type.Integer(),
  summary: Type.String(),
});

export const PaymentRisk = Type.Object({
  object: Type.Literal('payment_risk'),
  decision: Nullable(RiskActionSchema),
  score: Nullable(Type.Integer({ description: "0–100 from the merchant's model; null while it has none." })),
  rules_fired: Type.Array(Type.String(), { description: 'Ids of the rules that matched, in order (`blocklist`: the built-in blocklist rule).' }),
  signals: Nullable(Type.Record(Type.String(), Type.Union([Type.Number(), Type.Boolean(), Type.String()]))),
  challenge_passed: Type.Boolean(),
  fraudulent: Type.Boolean(),
  decided_at: Nullable(Timestamp),
});

export const Review = Type.Object({
  id: Type.String({ description: 'The payment id.' }),
  object: Type.Literal('review'),
  payment: Type.String(),
  status: stringEnum(['pending', 'approved', 'rejected'] as const),
  capture_on_approve: Type.Boolean({ description: 'True when the merchant chose automatic capture: approving captures.' }),
  refund_on_reject: Type.Boolean({ description: 'True for a payment by Alipay, WeChat Pay or UnionPay, reviewed once paid: rejecting refunds it in full.' }),
  created_at: Timestamp,
  decided_at: Nullable(Timestamp),
  risk: PaymentRisk,
});

export const BlocklistKindSchema = stringEnum(['card_fingerprint', 'email', 'phone', 'address', 'customer', 'device'] as const);

export const BlocklistEntry = Type.Object({
  id: Type.String(),
  object: Type.Literal('blocklist_entry'),
  livemode: Type.Boolean(),
  kind: BlocklistKindSchema,
  value: Type.String({ description: 'As compared: a lower-cased email, a phone as digits, an address as its keyed hash.' }),
  reason: Nullable(Type.String()),
  source_payment: Nullable(Type.String()),
  created_at: Timestamp,
});

export const AddressInput = requestObject({
  line1: Type.String({ minLength: 1, maxLength: 200 }),
  line2: Type.Optional(Type.String({ maxLength: 200 })),
  city: Type.Optional(Type.String({ maxLength: 100 })),
  postal_code: Type.Optional(Type.String({ maxLength: 20 })),
  country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
});

export const Deleted = (object: 'risk_rule' | 'blocklist_entry') => Type.Object({ id: Type.String(), object: Type.Literal(object), deleted: Type.Literal(true) });

export const backtestDescription =
  "Replays the rule on the newest risk decision of each payment decided in the last 30 days (their stored signals), after the merchant's enabled rules placed before it: how many payments it would have decided (e.g. blocked), and how many of those were later refunded, marked fraudulent, or succeeded. Nothing is changed.";

export const FraudBlockChoiceSchema = stringEnum(['card', 'email', 'phone', 'device', 'address', 'customer'] as const);

export const RiskSettings = Type.Object({
  object: Type.Literal('risk_settings'),
  provider_mark_blocks: Type.Array(FraudBlockChoiceSchema, {
    description: 'What of a payment the acquirer reports (early fraud warning, chargeback) is added to the blocklist; default `["card"]`.',
  }),
});
