/**
 * Fraud marks from the card acquirer: an early fraud warning or a chargeback
 * (connectors/card/risk-notifications.ts). Receiving verifies the signature
 * on the raw bytes and stores the notification once per acquirer event id
 * (the worker's `apply_notification` job is queued with it); applying marks
 * the payment fraudulent with its source, records a chargeback's disputed
 * amount, adds to the blocklist what the merchant's risk settings choose,
 * and tells the merchant by a webhook event (`payment.fraud_warning`,
 * `payment.disputed`), all in one transaction that writes only what is new.
 */
import type { ProviderAnswer } from '../../connectors/connector.ts';
import { parseRiskNotification, verifyRiskNotification, type WireRiskNotification } from '../../connectors/card/risk-notifications.ts';
import { findConnectorAccountOfAnyMerchant, openConnectorAccount } from '../../store/connector-accounts.ts';
import type { ConnectorAccountRow } from '../../store/schema.ts';
import { storeNotification } from '../../store/notifications.ts';
import { findPaymentById } from '../../store/payments.ts';
import { applyProviderMark, findRiskSettings, paymentOfAuthorization, saveRiskSettings } from '../../store/risk-provider-marks.ts';
import type { Scope } from '../../store/scope.ts';
import { now, type FlowContext } from '../context.ts';
import { fraudBlockEntries, type FraudBlockChoice } from './blocklists.ts';

const answered = (status: number, body: string): ProviderAnswer => ({ status, contentType: 'application/json; charset=utf-8', body });

/** What a provider's fraud mark adds to the blocklist when the merchant chose nothing. */
export const providerMarkBlocksDefault: readonly FraudBlockChoice[] = ['card'];

export async function receiveCardRiskNotification(
  context: FlowContext,
  row: ConnectorAccountRow,
  request: { headers: Readonly<Record<string, string | undefined>>; rawBody: Buffer },
): Promise<ProviderAnswer> {
  const account = openConnectorAccount(row, context.keys.credentials);
  const verdict = verifyRiskNotification(account, { ...request, nowMs: context.clock.nowMs() });
  // Refused: the acquirer sends it again later; nothing of it is kept or trusted.
  if (verdict.kind === 'rejected') return answered(400, JSON.stringify({ error: { type: 'invalid_request_error', code: 'signature_invalid' } }));
  const { notification } = verdict;
  await storeNotification(context.db, {
    id: context.ids.newId('pnt'),
    connectorAccountId: row.id,
    merchantId: row.merchant_id,
    providerNotificationId: notification.id,
    orderNumber: notification.data.authorization,
    verdict: { kind: 'card_risk', notification },
    receivedAt: now(context),
  });
  return answered(200, JSON.stringify({ received: true }));
}

/** A stored verdict of a card risk notification, or null when the verdict is of another kind. */
export function cardRiskNotificationOf(verdict: unknown): WireRiskNotification | null {
  if (typeof verdict !== 'object' || verdict === null || (verdict as { kind?: unknown }).kind !== 'card_risk') return null;
  return parseRiskNotification((verdict as { notification?: unknown }).notification);
}

/** Answers `applied`, `already_applied`, or why nothing changed (`unknown_order`, `amount_mismatch`). */
export async function applyCardRiskNotification(context: FlowContext, connectorAccountId: string, notification: WireRiskNotification): Promise<string> {
  const account = await findConnectorAccountOfAnyMerchant(context.db, connectorAccountId);
  if (!account) return 'unknown_order';
  const paymentId = await paymentOfAuthorization(context.db, { id: account.id, merchantId: account.merchant_id }, notification.data.authorization);
  const payment = paymentId ? await findPaymentById(context.db, account.merchant_id, paymentId) : undefined;
  if (!payment) return 'unknown_order';
  const amount = BigInt(notification.data.amount);
  if (notification.data.currency !== payment.currency || amount > payment.amount) return 'amount_mismatch';
  const scope = { merchantId: payment.merchant_id, mode: payment.mode };
  const chargeback = notification.type === 'dispute.created';
  const source = chargeback ? 'chargeback' : 'early_fraud_warning';
  const choices = await providerMarkBlocks(context, scope);
  const entries = await fraudBlockEntries(context, scope, payment, choices, `${source.replaceAll('_', ' ')} from the acquirer`);
  const dispute = chargeback
    ? { id: context.ids.newId('dsp'), providerDisputeId: notification.data.dispute ?? notification.id, amount, currency: notification.data.currency, reason: notification.data.reason }
    : null;
  const data = {
    object: {
      object: chargeback ? 'dispute' : 'fraud_warning',
      payment: payment.id,
      source,
      amount: Number(amount),
      currency: notification.data.currency,
      reason: notification.data.reason,
      ...(dispute ? { id: dispute.id, provider_dispute: dispute.providerDisputeId } : {}),
    },
  };
  const result = await applyProviderMark(
    context.db,
    scope,
    { paymentId: payment.id, source, note: notification.data.reason, dispute, entries, event: { id: context.ids.newId('evt'), type: chargeback ? 'payment.disputed' : 'payment.fraud_warning', data } },
    now(context),
  );
  return result.marked || result.disputed ? 'applied' : 'already_applied';
}

async function providerMarkBlocks(context: FlowContext, scope: Scope): Promise<readonly FraudBlockChoice[]> {
  const settings = await findRiskSettings(context.db, scope);
  return settings ? (settings.provider_mark_blocks as FraudBlockChoice[]) : providerMarkBlocksDefault;
}

export function presentRiskSettings(blocks: readonly FraudBlockChoice[]) {
  return { object: 'risk_settings' as const, provider_mark_blocks: [...blocks] };
}

export async function getRiskSettings(context: FlowContext, scope: Scope) {
  return presentRiskSettings(await providerMarkBlocks(context, scope));
}

export async function changeRiskSettings(context: FlowContext, scope: Scope, input: { provider_mark_blocks: FraudBlockChoice[] }) {
  const saved = await saveRiskSettings(context.db, scope, { providerMarkBlocks: [...new Set(input.provider_mark_blocks)] }, now(context));
  return presentRiskSettings(saved.provider_mark_blocks as FraudBlockChoice[]);
}
