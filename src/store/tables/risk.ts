/** Tables of fraud and risk (migration 0035): rules, decisions, reviews, the blocklist, fraud marks, models. */
import type { Generated } from 'kysely';
import type { BigIntColumn, Json, Mode, Timestamp } from './columns.ts';

import type { RiskAction } from '../../domain/risk/decide.ts';

export type { RiskAction };
export type BlocklistKind = 'card_fingerprint' | 'email' | 'phone' | 'address' | 'customer' | 'device';
export type FraudSource = 'merchant' | 'early_fraud_warning' | 'chargeback';

export interface RiskRulesTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  name: string;
  expression: string;
  action: RiskAction;
  position: number;
  enabled: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RiskDecisionsTable {
  id: string;
  payment_id: string;
  merchant_id: string;
  mode: Mode;
  customer_id: string | null;
  card_fingerprint: string | null;
  device_id: string | null;
  address_key: string | null;
  email: string | null;
  phone: string | null;
  amount: BigIntColumn;
  currency: string;
  action: RiskAction;
  challenge_passed: Generated<boolean>;
  score: number | null;
  rules_fired: Json<string[]>;
  signals: Json<Record<string, number | boolean | string>>;
  latency_us: number;
  created_at: Timestamp;
}

export interface RiskReviewsTable {
  payment_id: string;
  merchant_id: string;
  mode: Mode;
  decision_id: string;
  status: 'pending' | 'approved' | 'rejected';
  capture_on_approve: boolean;
  /** A payment reviewed after it was paid (QR and redirect channels): rejecting refunds it in full (migration 0054). */
  refund_on_reject: Generated<boolean>;
  created_at: Timestamp;
  decided_at: Timestamp | null;
}

export interface RiskBlocklistEntriesTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  kind: BlocklistKind;
  value: string;
  reason: string | null;
  source_payment_id: string | null;
  created_at: Timestamp;
}

export interface PaymentFraudMarksTable {
  payment_id: string;
  merchant_id: string;
  mode: Mode;
  source: FraudSource;
  note: string | null;
  created_at: Timestamp;
}

export interface RiskModelsTable {
  merchant_id: string;
  mode: Mode;
  trained_at: Timestamp;
  samples: number;
  frauds: number;
  auc: number | null;
  model: Json<unknown>;
}

/** A chargeback the card acquirer reported, with the amount disputed (migration 0054). */
export interface PaymentDisputesTable {
  id: string;
  payment_id: string;
  merchant_id: string;
  mode: Mode;
  provider_dispute_id: string;
  amount: BigIntColumn;
  currency: string;
  reason: string | null;
  created_at: Timestamp;
}

/** A merchant's risk settings (migration 0054): what a provider's fraud mark adds to the blocklist. */
export interface RiskSettingsTable {
  merchant_id: string;
  mode: Mode;
  provider_mark_blocks: Json<string[]>;
  updated_at: Timestamp;
}
