/**
 * The typed shape of the console's tables (migration 0019), merged into
 * `Database` in ../schema.ts.
 */
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { ConsoleRole } from '../../domain/console/roles.ts';
import type { ChildMerchantId } from '../tables/columns.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type BigIntColumn = ColumnType<bigint, bigint | number | string, bigint | number | string>;

export type { ConsoleRole };


export interface ConsoleMembersTable {
  id: string;
  merchant_id: string;
  email: string;
  name: string;
  role: ConsoleRole;
  password_hash: string | null;
  totp_secret_sealed: Buffer | null;
  totp_pending_sealed: Buffer | null;
  totp_enabled_at: Timestamp | null;
  totp_last_step: BigIntColumn | null;
  locale: string;
  failed_sign_ins: Generated<number>;
  locked_until: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  removed_at: Timestamp | null;
}
export type ConsoleMemberRow = Selectable<ConsoleMembersTable>;

export interface ConsoleRecoveryCodesTable {
  member_id: string;
  /** Migration 0058: see `ChildMerchantId`. */
  merchant_id: ChildMerchantId;
  code_hash: Buffer;
  created_at: Timestamp;
  used_at: Timestamp | null;
}

export interface ConsoleSessionsTable {
  id: string;
  token_hash: Buffer;
  member_id: string;
  merchant_id: string;
  csrf_token: string;
  address: string | null;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  ended_at: Timestamp | null;
}

export interface ConsoleTokensTable {
  token_hash: Buffer;
  member_id: string;
  /** Migration 0058: see `ChildMerchantId`. */
  merchant_id: ChildMerchantId;
  purpose: 'password_reset' | 'invitation';
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface ConsoleSignInAddressesTable {
  address: string;
  window_started_at: Timestamp;
  failures: number;
}

export interface ConsoleRefundLimitsTable {
  merchant_id: string;
  currency: string;
  amount_max: BigIntColumn;
  updated_at: Timestamp;
}

export interface AuditChainHeadsTable {
  merchant_id: string;
  seq: BigIntColumn;
  hash: Buffer;
}

export interface AuditLogTable {
  merchant_id: string;
  seq: BigIntColumn;
  id: string;
  occurred_at: Timestamp;
  actor_type: 'member' | 'api_key' | 'system' | 'anonymous';
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  address: string | null;
  request_id: string | null;
  before: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  after: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  prev_hash: Buffer;
  hash: Buffer;
}
export type AuditLogRow = Selectable<AuditLogTable>;

/** The merchant's recent /v1 requests (migration 0021): no bodies, headers, query strings or secrets. */
export interface ApiRequestLogTable {
  /** Given by PostgreSQL (an identity column), never by the application. */
  seq: ColumnType<bigint, never, never>;
  request_id: string;
  merchant_id: string;
  mode: 'test' | 'live' | null;
  key_id: string | null;
  member_id: string | null;
  method: string;
  path: string;
  route: string | null;
  status: number;
  error_code: string | null;
  duration_ms: number;
  occurred_at: Timestamp;
}
