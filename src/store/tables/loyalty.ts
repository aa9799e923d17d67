/** Tables of the loyalty points programme (migration 0029); the points themselves are ledger accounts. */
import type { Generated } from 'kysely';
import type { Json, Mode, Timestamp } from './columns.ts';

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
