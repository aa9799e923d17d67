/**
 * Loading and ranking a merchant's connector accounts: machinery every use
 * case that calls a provider shares (confirm, capture, cancel, refund, status
 * queries, late payments).
 */
import type { ConnectorAccount, ConnectorName } from '../../connectors/connector.ts';
import { PaymentError } from '../../domain/errors.ts';
import { findConnectorAccountById, findEnabledAccounts, openConnectorAccount } from '../../store/connector-accounts.ts';
import type { PaymentRecord } from '../../store/payments.ts';
import type { FlowContext } from '../context.ts';

/**
 * The accounts to try for this payment, best first: enabled ones, ranked by
 * priority and recent health, without those whose circuit breaker is open
 * (nor half-open with another call's probe out).
 */
export async function rankAccounts(context: FlowContext, payment: PaymentRecord, connector: ConnectorName): Promise<ConnectorAccount[]> {
  const rows = await findEnabledAccounts(context.db, { merchantId: payment.merchant_id, mode: payment.mode }, connector);
  if (rows.length === 0) {
    throw new PaymentError('payment_method_unavailable', {
      paymentId: payment.id,
      details: { payment_method_type: connector, available: payment.payment_method_types.filter((t) => t !== connector).join(', ') || '(none)' },
    });
  }
  // A half-open account comes back only when this payment holds its probe (one probe at a time, every process together).
  const ranked = await context.accountHealth.rank(payment.merchant_id, rows, context.clock.nowMs());
  // Every account's breaker is open: refuse at once rather than wait on providers known to be failing.
  if (ranked.length === 0) throw new PaymentError('connector_unavailable', { paymentId: payment.id });
  return ranked.map((row) => openConnectorAccount(row, context.keys.credentials));
}

export async function loadAccount(context: FlowContext, merchantId: string, accountId: string): Promise<ConnectorAccount> {
  const row = await findConnectorAccountById(context.db, merchantId, accountId);
  if (!row) throw new PaymentError('connector_unavailable', {});
  return openConnectorAccount(row, context.keys.credentials);
}
