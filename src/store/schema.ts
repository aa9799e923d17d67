/**
 * The typed shape of the database, one interface per table, as Kysely sees it.
 * Column names are the API's snake_case; bigint columns arrive as `bigint`
 * (see database.ts), timestamps as `Date`.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { Actor, CancellationReason, PaymentStatus } from '../domain/payments/payment-state.ts';
import type { FunnelStepType } from '../domain/insight/funnel.ts';
import type { LedgerAccountKind } from '../domain/wallet/ledger.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;
type BigIntColumn = ColumnType<bigint, bigint | number | string, bigint | number | string>;

export type Mode = 'test' | 'live';

export interface MerchantsTable {
  id: string;
  name: string;
  support_email: string | null;
  created_at: Timestamp;
  /** Where alerts are emailed; null: the support address. */
  operations_email: Generated<string | null>;
  support_phone: Generated<string | null>;
  /** IANA time zone the console shows times in (migration 0021). */
  time_zone: Generated<string>;
}

export interface ApiKeysTable {
  id: string;
  merchant_id: string;
  kind: 'secret' | 'publishable';
  mode: Mode;
  key_hash: Buffer;
  key_hint: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
  /** Publishable keys only: sealed, so the checkout page can give it to the payer's browser. */
  key_sealed: Buffer | null;
  /** Set by a roll: the key keeps working until then (null: until revoked). */
  expires_at: Generated<Date | null>;
  /** Set by a roll: the key that took this one's place. */
  replaced_by: Generated<string | null>;
}

export interface CustomersTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  email: string | null;
  phone: string | null;
  name: string | null;
  locale: string;
  metadata: Json<Record<string, string>>;
  created_at: Timestamp;
  time_zone: Generated<string>;
  email_opt_out: Generated<boolean>;
  sms_opt_out: Generated<boolean>;
}

export interface ConnectorAccountsTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  connector: string;
  enabled: boolean;
  priority: number;
  base_url: string;
  credentials_encrypted: Buffer;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A connector account's shared circuit breaker (migration 0032); no row: closed, no failures. */
export interface ConnectorAccountBreakersTable {
  account_id: string;
  merchant_id: string;
  state: 'closed' | 'open';
  failures: number;
  opened_at: Timestamp | null;
  probe_holder: string | null;
  probe_leased_until: Timestamp | null;
  updated_at: Timestamp;
}

export interface PaymentsTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  status: PaymentStatus;
  amount: BigIntColumn;
  currency: string;
  amount_capturable: BigIntColumn;
  amount_received: BigIntColumn;
  capture_method: 'automatic' | 'manual';
  payment_method_types: string[];
  payment_method: Json<unknown> | null;
  customer_id: string | null;
  order_details: Json<unknown> | null;
  description: string | null;
  metadata: Json<Record<string, string>>;
  client_secret: string;
  return_url: string | null;
  next_action: Json<unknown> | null;
  last_error: Json<unknown> | null;
  cancellation_reason: CancellationReason | null;
  cancellation_comment: string | null;
  canceled_at: Timestamp | null;
  expires_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
  /** `wallet_top_up`: the payment's money goes into the customer's wallet when it succeeds. */
  purpose: Generated<PaymentPurpose>;
  /** Loyalty points reserved for the payment (spent once it succeeds), their value in minor units, and the points it earned. */
  points_redeemed: Generated<bigint>;
  points_value: Generated<bigint>;
  points_earned: Generated<bigint>;
  /** The coupon applied (migration 0028); `amount` is then what is charged, `amount + amount_discount` the original price. */
  coupon_id: Generated<string | null>;
  coupon_code: Generated<string | null>;
  amount_discount: ColumnType<bigint, bigint | number | string | undefined, bigint | number | string>;
}

export type PaymentPurpose = 'payment' | 'wallet_top_up';

export interface PaymentAttemptsTable {
  id: string;
  payment_id: string;
  merchant_id: string;
  operation: 'authorize' | 'capture' | 'void';
  connector: string;
  connector_account_id: string | null;
  payment_method_type: string;
  status: 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'unknown';
  amount: BigIntColumn;
  provider_idempotency_key: string;
  provider_reference: string | null;
  error_code: string | null;
  decline_code: string | null;
  tries: Generated<number>;
  latency_ms: number | null;
  started_at: Timestamp;
  completed_at: Timestamp | null;
  next_query_at: Timestamp | null;
}

export interface PaymentEventsTable {
  id: string;
  payment_id: string;
  merchant_id: string;
  from_status: PaymentStatus | null;
  to_status: PaymentStatus;
  actor: Actor;
  reason: string | null;
  error_code: string | null;
  decline_code: string | null;
  attempt_id: string | null;
  created_at: Timestamp;
}

export interface RefundsTable {
  id: string;
  payment_id: string;
  merchant_id: string;
  mode: Mode;
  amount: BigIntColumn;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed';
  reason: string | null;
  failure_reason: string | null;
  provider_idempotency_key: string;
  provider_reference: string | null;
  next_query_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface EventsTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  type: string;
  object_id: string;
  data: Json<unknown>;
  created_at: Timestamp;
}

export interface IdempotencyKeysTable {
  api_key_id: string;
  key: string;
  request_method: string;
  request_path: string;
  request_hash: Buffer;
  status: 'in_progress' | 'complete';
  response_status: number | null;
  response_body: string | null;
  locked_at: Timestamp;
  created_at: Timestamp;
  /** The object the request changed first, written in the statement that changed it. */
  effect_object_type: Generated<'payment' | 'refund' | 'api_key' | null>;
  effect_object_id: Generated<string | null>;
}

export interface ProviderNotificationsTable {
  id: string;
  connector_account_id: string;
  provider_notification_id: string;
  order_number: string;
  verdict: Json<unknown>;
  received_at: Timestamp;
  applied_at: Timestamp | null;
  outcome: string | null;
}

export interface ReconciliationMismatchesTable {
  id: string;
  connector_account_id: string;
  statement_date: string;
  kind: 'missing_here' | 'missing_there' | 'amount_differs' | 'status_differs';
  order_number: string;
  refund_number: string;
  our_amount: BigIntColumn | null;
  their_amount: BigIntColumn | null;
  our_status: string | null;
  repaired: boolean;
  note: string | null;
  created_at: Timestamp;
}

export interface LedgerAccountsTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  currency: string;
  kind: LedgerAccountKind;
  customer_id: string | null;
  non_negative: boolean;
  balance: Generated<bigint>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LedgerTransactionsTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  currency: string;
  kind: string;
  customer_id: string | null;
  payment_id: string | null;
  refund_id: string | null;
  idempotency_key: string;
  created_at: Timestamp;
}

export interface LedgerEntriesTable {
  id: Generated<bigint>;
  transaction_id: string;
  account_id: string;
  amount: bigint;
  balance_after: bigint;
  created_at: Timestamp;
}

export interface WalletPinsTable {
  customer_id: string;
  pin_hash: string;
  failed_attempts: Generated<number>;
  locked_until: Timestamp | null;
  updated_at: Timestamp;
  /** Tries reserved and not yet judged; they count against the limit. */
  tries_in_flight: Generated<number>;
  in_flight_since: Timestamp | null;
}

export interface WebhookEndpointsTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  url: string;
  description: string | null;
  enabled_events: string[];
  secret_sealed: Buffer;
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  failing_since: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  merchant_id: string;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled';
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  lease_until: Timestamp | null;
  first_attempted_at: Timestamp | null;
  last_attempted_at: Timestamp | null;
  last_response_status: number | null;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookDeliveryAttemptsTable {
  id: Generated<bigint>;
  delivery_id: string;
  endpoint_id: string;
  attempt: number;
  attempted_at: Timestamp;
  request_url: string;
  request_signature: string;
  response_status: number | null;
  response_body: string | null;
  /** How many bytes of the answer were read (at most webhookResponseBodyBytesMax). */
  response_bytes: number | null;
  duration_ms: number;
  error: string | null;
}

export interface MessagesTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  channel: 'email' | 'sms';
  purpose: string;
  dedupe_key: string;
  recipient: string;
  locale: string;
  customer_id: string | null;
  payment_id: string | null;
  event_id: string | null;
  subject: string | null;
  /** Null once sealed (migration 0017): the body is then in `body_sealed`. */
  body_text: string | null;
  body_html: string | null;
  /** The body as `{"text","html"}`, sealed with the messages key; null on rows queued before it existed. */
  body_sealed: Buffer | null;
  status: 'pending' | 'sent' | 'failed' | 'skipped';
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  lease_until: Timestamp | null;
  last_error: string | null;
  provider_message_id: string | null;
  sent_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PaymentFeedbackTable {
  payment_id: string;
  merchant_id: string;
  rating: number;
  comment: string | null;
  created_at: Timestamp;
  /** The optional 0–10 "would you recommend" answer (migration 0014). */
  nps_score: number | null;
  /** The payment's mode and creation time, copied from it by a trigger on insert (migration 0027): feedback is counted by when its payment was made. */
  mode: Generated<Mode>;
  payment_created_at: Generated<Timestamp>;
}

export interface FulfillmentEventsTable {
  id: string;
  payment_id: string;
  merchant_id: string;
  type: 'shipped' | 'delivered';
  carrier: string | null;
  tracking_number: string | null;
  note: string | null;
  created_at: Timestamp;
}

export interface AfterSalesRequestsTable {
  id: string;
  payment_id: string;
  merchant_id: string;
  mode: Mode;
  kind: 'refund' | 'exchange' | 'repair';
  reason: string;
  amount: BigIntColumn | null;
  status: 'pending' | 'approved' | 'rejected';
  merchant_note: string | null;
  refund_id: string | null;
  created_at: Timestamp;
  decided_at: Timestamp | null;
}

export interface LatePaymentRefundsTable {
  id: string;
  attempt_id: string;
  payment_id: string;
  merchant_id: string;
  mode: Mode;
  connector_account_id: string;
  amount: BigIntColumn;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed';
  provider_reference: string | null;
  failure_reason: string | null;
  next_query_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface FunnelEventsTable {
  id: Generated<bigint>;
  payment_id: string;
  merchant_id: string;
  mode: Mode;
  type: FunnelStepType;
  payment_method_type: string | null;
  device_class: 'mobile' | 'desktop' | null;
  locale: string | null;
  error_code: string | null;
  reason: string | null;
  created_at: Timestamp;
}

export interface Database {
  loyalty_programmes: LoyaltyProgrammesTable;
  points_lots: PointsLotsTable;
  points_payments: PointsPaymentsTable;
  archived_payment_events: PaymentEventsTable;
  archived_funnel_events: Omit<FunnelEventsTable, 'id'> & { id: bigint };
  archived_cancellation_records: CancellationRecordsTable;
  cancellation_records: CancellationRecordsTable;
  cancellation_abuse_settings: CancellationAbuseSettingsTable;
  cancellation_abuse_flags: CancellationAbuseFlagsTable;
  customer_verifications: CustomerVerificationsTable;
  alert_rules: AlertRulesTable;
  alerts: AlertsTable;
  connector_incidents: ConnectorIncidentsTable;
  funnel_events: FunnelEventsTable;
  late_payment_refunds: LatePaymentRefundsTable;
  payment_feedback: PaymentFeedbackTable;
  fulfillment_events: FulfillmentEventsTable;
  after_sales_requests: AfterSalesRequestsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
  messages: MessagesTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_transactions: LedgerTransactionsTable;
  ledger_entries: LedgerEntriesTable;
  wallet_pins: WalletPinsTable;
  reconciliation_mismatches: ReconciliationMismatchesTable;
  provider_notifications: ProviderNotificationsTable;
  merchants: MerchantsTable;
  api_keys: ApiKeysTable;
  customers: CustomersTable;
  connector_accounts: ConnectorAccountsTable;
  connector_account_breakers: ConnectorAccountBreakersTable;
  payments: PaymentsTable;
  payment_attempts: PaymentAttemptsTable;
  payment_events: PaymentEventsTable;
  refunds: RefundsTable;
  events: EventsTable;
  idempotency_keys: IdempotencyKeysTable;
  coupons: CouponsTable;
  coupon_customer_holds: CouponCustomerHoldsTable;
  coupon_redemptions: CouponRedemptionsTable;
  coupon_code_tries: { payment_id: string; tries: number; tries_max: number };
}

/** A merchant's coupon (migration 0028); its limits never change once created. */
export interface CouponsTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  code: string;
  campaign: string | null;
  name: string | null;
  discount_type: 'percentage' | 'fixed_amount';
  percent_off: number | null;
  amount_off: BigIntColumn | null;
  currency: string;
  minimum_amount: BigIntColumn;
  starts_at: Timestamp | null;
  ends_at: Timestamp | null;
  redemptions_max: number | null;
  redemptions_per_customer_max: number | null;
  first_payment_only: boolean;
  payment_method_types: string[] | null;
  stackable_with_points: boolean;
  /** Reserved + consumed redemptions: raised and lowered only in the statements that move their payments. */
  redemptions_held: Generated<number>;
  metadata: Json<Record<string, string>>;
  disabled_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CouponCustomerHoldsTable {
  coupon_id: string;
  customer_id: string;
  held: number;
  held_max: number;
}

export type CouponRedemptionStatus = 'reserved' | 'released' | 'consumed' | 'restored';

export interface CouponRedemptionsTable {
  id: string;
  coupon_id: string;
  payment_id: string;
  merchant_id: string;
  mode: Mode;
  customer_id: string | null;
  status: CouponRedemptionStatus;
  amount_discount: BigIntColumn;
  currency: string;
  reserved_at: Timestamp;
  released_at: Timestamp | null;
  consumed_at: Timestamp | null;
  restored_at: Timestamp | null;
}

export type CouponRow = Selectable<CouponsTable>;
export type CouponRedemptionRow = Selectable<CouponRedemptionsTable>;

export type PaymentRow = Selectable<PaymentsTable>;
export type NewPayment = Insertable<PaymentsTable>;
export type PaymentUpdate = Updateable<PaymentsTable>;
export type AttemptRow = Selectable<PaymentAttemptsTable>;
export type RefundRow = Selectable<RefundsTable>;
export type CustomerRow = Selectable<CustomersTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type MessageRow = Selectable<MessagesTable>;
export type LatePaymentRefundRow = Selectable<LatePaymentRefundsTable>;
export type AfterSalesRequestRow = Selectable<AfterSalesRequestsTable>;
export type FulfillmentEventRow = Selectable<FulfillmentEventsTable>;
export type ConnectorAccountRow = Selectable<ConnectorAccountsTable>;
export type AlertRuleRow = Selectable<AlertRulesTable>;
export type AlertRow = Selectable<AlertsTable>;
export type ConnectorIncidentRow = Selectable<ConnectorIncidentsTable>;

export interface AlertRulesTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  kind: 'failure_rate' | 'cancellation_rate' | 'latency_p95' | 'circuit_opened';
  payment_method_type: string | null;
  connector_account_id: string | null;
  window_seconds: number;
  threshold: number | null;
  baseline_k_stddev: number | null;
  baseline_windows: number;
  min_sample: number;
  enabled: boolean;
  description: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

export interface AlertsTable {
  id: string;
  rule_id: string;
  merchant_id: string;
  mode: Mode;
  kind: AlertRulesTable['kind'];
  payment_method_type: string | null;
  connector_account_id: string | null;
  state: 'triggered' | 'resolved';
  value: number;
  threshold: number;
  sample_count: number;
  onset_at: Timestamp;
  triggered_at: Timestamp;
  acknowledged_at: Timestamp | null;
  resolved_at: Timestamp | null;
  resolved_value: number | null;
  resolution: 'recovered' | 'rule_disabled' | 'rule_deleted' | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ConnectorIncidentsTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  kind: 'circuit_open' | 'success_rate_alert';
  connector_account_id: string | null;
  payment_method_type: string | null;
  alert_id: string | null;
  started_at: Timestamp;
  ended_at: Timestamp | null;
  created_at: Timestamp;
}

/** One per canceled payment (migration 0011); `customer` is a keyed pseudonym, never the id. */
export interface CancellationRecordsTable {
  payment_id: string;
  merchant_id: string;
  mode: Mode;
  amount: BigIntColumn;
  currency: string;
  payment_method_type: string | null;
  connector: string | null;
  connector_account_id: string | null;
  stage: string;
  reason: CancellationReason;
  comment: string | null;
  source: Actor;
  detected_cause: string;
  customer: string | null;
  counts_toward_abuse: boolean;
  payment_created_at: Timestamp;
  created_at: Timestamp;
}

export interface CancellationAbuseSettingsTable {
  merchant_id: string;
  mode: Mode;
  max_cancellations_per_hour: number;
  action: 'none' | 'require_otp' | 'refuse';
  flag_duration_hours: number;
  updated_at: Timestamp;
}

export interface CancellationAbuseFlagsTable {
  merchant_id: string;
  mode: Mode;
  customer_id: string;
  cancellations: number;
  max_cancellations_per_hour: number;
  times_flagged: Generated<number>;
  first_flagged_at: Timestamp;
  flagged_at: Timestamp;
  flagged_until: Timestamp;
}

export interface CustomerVerificationsTable {
  id: Generated<bigint>;
  payment_id: string;
  merchant_id: string;
  customer_id: string;
  code_hash: Buffer;
  channel: 'sms' | 'email';
  attempts_remaining: number;
  status: 'pending' | 'verified' | 'failed' | 'expired';
  expires_at: Timestamp;
  verified_at: Timestamp | null;
  created_at: Timestamp;
}

import type {
  ConsoleMembersTable,
  ConsoleRecoveryCodesTable,
  ConsoleSessionsTable,
  ConsoleTokensTable,
  ConsoleSignInAddressesTable,
  ConsoleRefundLimitsTable,
  AuditChainHeadsTable,
  AuditLogTable,
  ApiRequestLogTable,
} from './console/tables.ts';
export type { AuditLogRow, ConsoleMemberRow, ConsoleRole } from './console/tables.ts';

/** The merchant console (migration 0019): members, their sessions and links, and the audit trail. */
export interface Database {
  console_members: ConsoleMembersTable;
  console_recovery_codes: ConsoleRecoveryCodesTable;
  console_sessions: ConsoleSessionsTable;
  console_tokens: ConsoleTokensTable;
  console_sign_in_addresses: ConsoleSignInAddressesTable;
  console_refund_limits: ConsoleRefundLimitsTable;
  audit_chain_heads: AuditChainHeadsTable;
  audit_log: AuditLogTable;
  api_request_log: ApiRequestLogTable;
}

/** A merchant's loyalty programme (migration 0029); `terms` is checked by domain/loyalty/programme.ts. */
export interface LoyaltyProgrammesTable {
  merchant_id: string;
  mode: Mode;
  enabled: boolean;
  currency: string;
  terms: Json<unknown>;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PointsLotsTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  customer_id: string;
  kind: 'earned' | 'returned';
  payment_id: string | null;
  refund_id: string | null;
  points: bigint;
  reversed: Generated<bigint>;
  available_at: Timestamp;
  expires_at: Timestamp;
  matured_at: Timestamp | null;
  expiry_settled: Generated<boolean>;
  created_at: Timestamp;
}

export interface PointsPaymentsTable {
  payment_id: string;
  merchant_id: string;
  mode: Mode;
  customer_id: string;
  earned: bigint;
  spent: bigint;
  amount_basis: bigint;
  amount_refunded: Generated<bigint>;
  created_at: Timestamp;
}
