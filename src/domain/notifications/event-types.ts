/** The events merchants can subscribe to; each is written with the change it reports. */
export const eventTypes = [
  'payment.created',
  'payment.requires_action',
  'payment.amount_capturable_updated',
  'payment.payment_failed',
  'payment.captured',
  'payment.succeeded',
  'payment.canceled',
  'refund.created',
  'refund.succeeded',
  'refund.failed',
  'payment.late_payment_refunded',
  'payment.updated',
  'order.fulfillment_updated',
  'after_sales_request.created',
  'after_sales_request.approved',
  'after_sales_request.rejected',
  'alert.triggered',
  'alert.resolved',
  'payment.fraud_warning',
  'payment.disputed',
] as const;
export type EventType = (typeof eventTypes)[number];
