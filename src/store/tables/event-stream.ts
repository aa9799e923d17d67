/** Tables of the event stream for other systems (migration 0046). */
import type { Generated } from 'kysely';
import type { Mode, Timestamp } from './columns.ts';

export interface EventStreamPublishersTable {
  name: string;
  lease_holder: string | null;
  lease_until: Timestamp | null;
  registered_at: Timestamp;
}

export interface EventStreamOutboxTable {
  /** Generated always: the order in which publications are owed. */
  sequence: Generated<bigint>;
  event_id: string;
  merchant_id: string;
  mode: Mode;
  ordering_key: string;
  created_at: Timestamp;
}
