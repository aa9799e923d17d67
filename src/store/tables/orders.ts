/** Tables of what happens after the payment: fulfilment events and after-sales requests. */
import type { BigIntColumn, Mode, Timestamp } from './columns.ts';

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
