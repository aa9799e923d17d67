/**
 * The typed shape of the database, one interface per table, as Kysely sees it.
 * Column names are the API's snake_case; bigint columns arrive as `bigint`
 * (see database.ts), timestamps as `Date`.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { Actor, CancellationReason, PaymentStatus } from '../domain/payments/payment-state.ts';
import type { LedgerAccountKind } from '../domain/wallet/ledger.ts';

import type { BigIntColumn, ChildMerchantId, Json, Mode, Timestamp } from './tables/columns.ts';
import type { AlertRulesTable, AlertsTable, ConnectorIncidentsTable, CancellationRecordsTable, CancellationAbuseSettingsTable, CancellationAbuseFlagsTable, CustomerVerificationsTable, FunnelEventsTable, PaymentFeedbackTable } from './tables/insight.ts';
import type { WebhookEndpointsTable, WebhookDeliveriesTable, WebhookDeliveryAttemptsTable, MessagesTable } from './tables/notifications.ts';
import type { FulfillmentEventsTable, AfterSalesRequestsTable } from './tables/orders.ts';
import type { CouponsTable, CouponCustomerHoldsTable, CouponRedemptionsTable } from './tables/coupons.ts';
import type { LoyaltyProgrammesTable, PointsLotsTable, PointsPaymentsTable } from './tables/loyalty.ts';
import type { CommentAnalysesTable, CommentAnalysisQueueTable } from './tables/comments.ts';
import type { CheckoutSettingsTable, ExperimentExposuresTable, ExperimentsTable } from './tables/experiments.ts';
import type { FaqEntriesTable, FaqSearchesTable, NpsSurveySettingsTable, NpsSurveysTable, NpsUnsubscribesTable, SupportMessagesTable, SupportRequestEventsTable, SupportRequestsTable } from './tables/support.ts';
import type { EventStreamOutboxTable, EventStreamPublishersTable } from './tables/event-stream.ts';

export type { Mode } from './tables/columns.ts';
export type { AlertRulesTable, AlertsTable, ConnectorIncidentsTable, CancellationRecordsTable, CancellationAbuseSettingsTable, CancellationAbuseFlagsTable, CustomerVerificationsTable, FunnelEventsTable, PaymentFeedbackTable } from './tables/insight.ts';
export type { WebhookEndpointsTable, WebhookDeliveriesTable, WebhookDeliveryAttemptsTable, MessagesTable } from './tables/notifications.ts';
export type { FulfillmentEventsTable, AfterSalesRequestsTable } from './tables/orders.ts';
export type { CouponsTable, CouponCustomerHoldsTable, CouponRedemptionStatus, CouponRedemptionsTable } from './tables/coupons.ts';
export type { LoyaltyProgrammesTable, PointsLotsTable, PointsPaymentsTable } from './tables/loyalty.ts';
export type { CommentAnalysesTable, CommentAnalysisQueueTable, CommentSource } from './tables/comments.ts';
export type { CheckoutSettingsTable, ExperimentExposuresTable, ExperimentsTable } from './tables/experiments.ts';
export type { SupportRequestStatus, SupportAuthor } from './tables/support.ts';

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

/** Payments the expiry sweep may have to cancel (migration 0047): written with the payment, deleted by the sweep once final. */
export interface PaymentExpiryWatchTable {
  payment_id: string;
  /** Migration 0058: see `ChildMerchantId`. */
  merchant_id: ChildMerchantId;
  expires_at: Timestamp;
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
  /** Migration 0058: see `ChildMerchantId`. */
  merchant_id: ChildMerchantId;
  key: string;
  request_method: string;
  request_path: string;
  request_hash: Buffer;
  status: 'in_progress' | 'complete';
  response_status: number | null;
  response_body: string | null;
  locked_at: Timestamp;
  /** The API process (`api_nodes`) whose request claimed the key; null for keys claimed before migration 0056. */
  locked_by: Generated<string | null>;
  created_at: Timestamp;
  /** The object the request changed first, written in the statement that changed it. */
  effect_object_type: Generated<'payment' | 'refund' | 'api_key' | 'coupon' | 'experiment' | null>;
  effect_object_id: Generated<string | null>;
}

export interface ProviderNotificationsTable {
  id: string;
  connector_account_id: string;
  /** Migration 0058: see `ChildMerchantId`. */
  merchant_id: ChildMerchantId;
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
  /** Migration 0058: see `ChildMerchantId`. */
  merchant_id: ChildMerchantId;
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
  /** Migration 0058: see `ChildMerchantId`. */
  merchant_id: ChildMerchantId;
  account_id: string;
  amount: bigint;
  balance_after: bigint;
  created_at: Timestamp;
}

export interface WalletPinsTable {
  customer_id: string;
  /** Migration 0058: see `ChildMerchantId`. */
  merchant_id: ChildMerchantId;
  pin_hash: string;
  failed_attempts: Generated<number>;
  locked_until: Timestamp | null;
  updated_at: Timestamp;
  /** Tries reserved and not yet judged; they count against the limit. */
  tries_in_flight: Generated<number>;
  in_flight_since: Timestamp | null;
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

export interface Database {
  comment_analysis_queue: CommentAnalysisQueueTable;
  comment_analyses: CommentAnalysesTable;
  experiments: ExperimentsTable;
  experiment_exposures: ExperimentExposuresTable;
  checkout_settings: CheckoutSettingsTable;
  payment_expiry_watch: PaymentExpiryWatchTable;
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
  coupon_code_tries: { payment_id: string; merchant_id: ChildMerchantId; tries: number; tries_max: number };
  support_requests: SupportRequestsTable;
  support_messages: SupportMessagesTable;
  support_request_events: SupportRequestEventsTable;
  faq_entries: FaqEntriesTable;
  faq_searches: FaqSearchesTable;
  nps_survey_settings: NpsSurveySettingsTable;
  nps_surveys: NpsSurveysTable;
  nps_unsubscribes: NpsUnsubscribesTable;
  event_stream_publishers: EventStreamPublishersTable;
  event_stream_outbox: EventStreamOutboxTable;
}

export type SupportRequestRow = Selectable<SupportRequestsTable>;
export type SupportMessageRow = Selectable<SupportMessagesTable>;
export type FaqEntryRow = Selectable<FaqEntriesTable>;

export type CouponRow = Selectable<CouponsTable>;
export type ExperimentRow = Selectable<ExperimentsTable>;
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


import type { RiskRulesTable, RiskDecisionsTable, RiskReviewsTable, RiskBlocklistEntriesTable, PaymentFraudMarksTable, RiskModelsTable, PaymentDisputesTable, RiskSettingsTable } from './tables/risk.ts';
export type { RiskAction, BlocklistKind, FraudSource } from './tables/risk.ts';

/** Fraud and risk (migration 0035). */
export interface Database {
  risk_rules: RiskRulesTable;
  risk_decisions: RiskDecisionsTable;
  risk_reviews: RiskReviewsTable;
  risk_blocklist_entries: RiskBlocklistEntriesTable;
  payment_fraud_marks: PaymentFraudMarksTable;
  risk_models: RiskModelsTable;
  /** Migration 0054. */
  payment_disputes: PaymentDisputesTable;
  risk_settings: RiskSettingsTable;
}

import type { ApiNodesTable, WorkerHeartbeatsTable } from './tables/operations.ts';

/** The running deployment: one heartbeat row per worker process (migration 0044) and per API process (0056). */
export interface Database {
  worker_heartbeats: WorkerHeartbeatsTable;
  api_nodes: ApiNodesTable;
}
