/** Tables of the analysis of payers' comments (migration 0042): the worker's queue and one analysis per comment. */
import type { Generated } from 'kysely';
import type { Mode, Timestamp } from './columns.ts';

/** Where a comment lives: `rating` (payment_feedback), `cancellation` (cancellation_records), `support_request` (their table). */
export type CommentSource = 'rating' | 'cancellation' | 'support_request';

export interface CommentAnalysisQueueTable {
  id: Generated<bigint>;
  source: CommentSource;
  source_id: string;
}

export interface CommentAnalysesTable {
  source: CommentSource;
  source_id: string;
  merchant_id: string;
  mode: Mode;
  payment_id: string | null;
  language: 'en' | 'zh-CN' | 'zh-TW' | 'und';
  sentiment: 'negative' | 'neutral' | 'positive';
  /** numeric(5, 4): arrives as text. */
  sentiment_score: string | number;
  topics: string[];
  payment_method_type: string | null;
  cancellation_reason: string | null;
  commented_at: Timestamp;
  analyzer_version: number;
  analyzed_at: Timestamp;
}
