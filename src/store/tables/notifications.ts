/** Tables of webhook endpoints and deliveries, and the messages (email, SMS) sent to payers. */
import type { Generated } from 'kysely';
import type { ChildMerchantId, Mode, Timestamp } from './columns.ts';

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
  /** Migration 0058: see `ChildMerchantId`. */
  merchant_id: ChildMerchantId;
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
