/** Tables of payer support (migration 0040: requests, their threads and events, the FAQ) and NPS surveys (migration 0041). */
import type { Generated } from 'kysely';
import type { ChildMerchantId, Mode, Timestamp } from './columns.ts';

export type SupportRequestStatus = 'open' | 'answered' | 'resolved';
export type SupportAuthor = 'payer' | 'merchant';

export interface SupportRequestsTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  payment_id: string;
  customer_id: string | null;
  category: string;
  contact_preference: 'email' | 'sms';
  contact_email: string | null;
  contact_phone: string | null;
  locale: string;
  status: SupportRequestStatus;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** The first merchant reply. */
  first_response_at: Timestamp | null;
  first_resolved_at: Timestamp | null;
  /** The latest resolution; null while open again after a reopening. */
  resolved_at: Timestamp | null;
  /** Merchant replies before the first resolution (first-contact resolution: exactly one, and never reopened). */
  replies_before_first_resolution: Generated<number>;
  reopen_count: Generated<number>;
}

export interface SupportMessagesTable {
  id: string;
  request_id: string;
  /** Migration 0058: see `ChildMerchantId`. */
  merchant_id: ChildMerchantId;
  author: SupportAuthor;
  body: string;
  created_at: Timestamp;
}

export interface SupportRequestEventsTable {
  id: string;
  request_id: string;
  /** Migration 0058: see `ChildMerchantId`. */
  merchant_id: ChildMerchantId;
  type: 'resolved' | 'reopened';
  actor: SupportAuthor;
  created_at: Timestamp;
}

export interface FaqEntriesTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  locale: string;
  question: string;
  answer: string;
  position: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface FaqSearchesTable {
  id: Generated<string>;
  merchant_id: string;
  mode: Mode;
  locale: string;
  query: string;
  results: number;
  created_at: Timestamp;
}

export interface NpsSurveySettingsTable {
  merchant_id: string;
  mode: Mode;
  enabled: boolean;
  delay_days: number;
  period_days: number;
  updated_at: Timestamp;
}

export interface NpsSurveysTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  customer_id: string;
  payment_id: string;
  period_number: number;
  message_id: string;
  status: 'sent' | 'answered';
  nps_score: number | null;
  answered_at: Timestamp | null;
  created_at: Timestamp;
}

export interface NpsUnsubscribesTable {
  merchant_id: string;
  mode: Mode;
  customer_id: string;
  created_at: Timestamp;
}
