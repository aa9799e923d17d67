/** Tables of analytics, alerts and incidents, cancellations and their abuse, the funnel and payer feedback. */
import type { Generated } from 'kysely';
import type { Actor, CancellationReason } from '../../domain/payments/payment-state.ts';
import type { FunnelStepType } from '../../domain/insight/funnel.ts';
import type { BigIntColumn, Mode, Timestamp } from './columns.ts';

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

export interface PaymentFeedbackTable {
  payment_id: string;
  merchant_id: string;
  /** Null for an answer to an emailed NPS survey without a checkout rating (migration 0041). */
  rating: number | null;
  comment: string | null;
  created_at: Timestamp;
  /** The optional 0–10 "would you recommend" answer (migration 0014). */
  nps_score: number | null;
  /** The payment's mode and creation time, copied from it by a trigger on insert (migration 0027): feedback is counted by when its payment was made. */
  mode: Generated<Mode>;
  payment_created_at: Generated<Timestamp>;
}
