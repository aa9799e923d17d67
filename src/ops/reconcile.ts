/**
 * Reconciliation (对账): one day of a provider's statement against our
 * records for that account. Every mismatch is stored and answered; what is
 * safe to repair is repaired: a payment the provider shows paid, which we
 * still thought open or failed, is marked succeeded, and a refund the
 * provider shows done, which we still thought pending, succeeds; each with a
 * history row saying why. Nothing is ever undone on the strength of a
 * statement: money we show and the provider does not is reported, not moved.
 */
import { sql } from 'kysely';
import type { StatementLine } from '../connectors/connector.ts';
import { isChannel } from '../connectors/registry.ts';
import { PaymentError } from '../domain/errors.ts';
import { findConnectorAccountOfAnyMerchant, openConnectorAccount } from '../store/connector-accounts.ts';
import { findPaymentById } from '../store/payments.ts';
import type { AttemptRow, RefundRow } from '../store/schema.ts';
import { applyOrderState, attemptIdOf } from '../flows/channels/channel-payments.ts';
import { now, type FlowContext } from '../flows/context.ts';
import { transitionPayment } from '../flows/payments/payment-transitions.ts';
import { refundIdOf, refundNumberOf, settle } from '../flows/payments/refund-payment.ts';

export interface Mismatch {
  kind: 'missing_here' | 'missing_there' | 'amount_differs' | 'status_differs';
  orderNumber: string;
  refundNumber: string | null;
  ourAmount: bigint | null;
  theirAmount: bigint | null;
  ourStatus: string | null;
  repaired: boolean;
  note: string | null;
}

export interface ReconciliationReport {
  account: string;
  date: string;
  statementLines: number;
  matched: number;
  mismatches: Mismatch[];
}

const dayMs = 24 * 60 * 60 * 1000;

export async function reconcile(context: FlowContext, accountId: string, date: string): Promise<ReconciliationReport> {
  if (!/^\d{4}-\d\d-\d\d$/.test(date)) throw new PaymentError('parameter_invalid', { param: 'date', details: { reason: 'YYYY-MM-DD' } });
  const row = await findConnectorAccountOfAnyMerchant(context.db, accountId);
  if (!row || !isChannel(row.connector)) throw new PaymentError('resource_missing', { param: 'account', details: { resource: 'connector account', id: accountId } });
  const statement = await context.connectors.channels[row.connector].downloadStatement(openConnectorAccount(row, context.keys.credentials), { date });
  if (statement.kind !== 'statement') throw new PaymentError('connector_unavailable', { details: { reason: statement.kind } });
  // The statement's day is a Beijing day.
  const from = new Date(Date.parse(`${date}T00:00:00+08:00`));
  const to = new Date(from.getTime() + dayMs);
  const payments = statement.lines.filter((line) => line.kind === 'payment');
  const refunds = statement.lines.filter((line) => line.kind === 'refund');
  const mismatches: Mismatch[] = [];
  let matched = 0;

  const attempts = await ourPayments(context, row.merchant_id, accountId, from, to, payments.map((line) => attemptIdOf(line.orderNumber) ?? ''));
  const seen = new Set<string>();
  for (const line of payments) {
    const attempt = attempts.find((a) => a.provider_idempotency_key === line.orderNumber);
    if (attempt) seen.add(attempt.id);
    const found = await comparePayment(context, line, attempt);
    if (found) mismatches.push(found);
    else matched += 1;
  }
  for (const attempt of attempts) {
    if (attempt.status === 'succeeded' && !seen.has(attempt.id)) {
      mismatches.push(mismatch('missing_there', attempt.provider_idempotency_key, null, attempt.amount, null, attempt.status, 'we show it paid; the provider does not'));
    }
  }

  const ourRefunds = await refundsOf(context, row.merchant_id, accountId, from, to, refunds.map((line) => refundIdOf(line.refundNumber ?? '') ?? ''));
  const seenRefunds = new Set<string>();
  for (const line of refunds) {
    const refund = ourRefunds.find((r) => refundNumberOf(r.id) === line.refundNumber);
    if (refund) seenRefunds.add(refund.id);
    const found = await compareRefund(context, line, refund);
    if (found) mismatches.push(found);
    else matched += 1;
  }
  for (const refund of ourRefunds) {
    if (refund.status === 'succeeded' && !seenRefunds.has(refund.id)) {
      mismatches.push(mismatch('missing_there', refund.payment_id, refundNumberOf(refund.id), refund.amount, null, refund.status, 'we show it refunded; the provider does not'));
    }
  }
  await storeMismatches(context, row, date, mismatches);
  return { account: accountId, date, statementLines: statement.lines.length, matched, mismatches };
}

function mismatch(kind: Mismatch['kind'], orderNumber: string, refundNumber: string | null, ourAmount: bigint | null, theirAmount: bigint | null, ourStatus: string | null, note: string | null, repaired = false): Mismatch {
  return { kind, orderNumber, refundNumber, ourAmount, theirAmount, ourStatus, repaired, note };
}

async function comparePayment(context: FlowContext, line: StatementLine, attempt: AttemptRow | undefined): Promise<Mismatch | null> {
  if (!attempt) return mismatch('missing_here', line.orderNumber, null, null, line.amount, null, 'the provider shows a payment we have no attempt for');
  if (attempt.amount !== line.amount) return mismatch('amount_differs', line.orderNumber, null, attempt.amount, line.amount, attempt.status, null);
  if (attempt.status === 'succeeded') return null;
  const repaired = await markPaid(context, attempt, line);
  return mismatch('status_differs', line.orderNumber, null, attempt.amount, line.amount, attempt.status, repaired ? 'marked succeeded from the statement' : 'the payment is final here; settle it by hand', repaired);
}

/** The payment the statement shows paid succeeds, if its status can still lead there. */
async function markPaid(context: FlowContext, attempt: AttemptRow, line: StatementLine): Promise<boolean> {
  let payment = await findPaymentById(context.db, attempt.merchant_id, attempt.payment_id);
  if (payment?.status === 'requires_payment_method') {
    // We thought the attempt failed: reopen it, saying why, before it succeeds.
    payment = (await transitionPayment(context, payment, { to: 'processing', actor: 'system', reason: 'reconciliation' })) ?? undefined;
  }
  if (!payment || (payment.status !== 'processing' && payment.status !== 'requires_action')) return false;
  const state = { kind: 'paid' as const, reference: line.reference, amountPaid: line.amount, paidAt: line.occurredAt };
  return (await applyOrderState(context, attempt, state, { actor: 'system', reason: 'reconciliation' })) === 'applied';
}

async function compareRefund(context: FlowContext, line: StatementLine, refund: RefundRow | undefined): Promise<Mismatch | null> {
  const refundNumber = line.refundNumber ?? '';
  if (!refund) return mismatch('missing_here', line.orderNumber, refundNumber, null, line.amount, null, 'the provider shows a refund we have no record of');
  if (refund.amount !== line.amount) return mismatch('amount_differs', line.orderNumber, refundNumber, refund.amount, line.amount, refund.status, null);
  if (refund.status === 'succeeded') return null;
  if (refund.status === 'pending') {
    const settled = await settle(context, refund, { kind: 'succeeded', reference: line.reference });
    return mismatch('status_differs', line.orderNumber, refundNumber, refund.amount, line.amount, 'pending', 'marked succeeded from the statement', settled.status === 'succeeded');
  }
  return mismatch('status_differs', line.orderNumber, refundNumber, refund.amount, line.amount, refund.status, 'failed here; settle it by hand');
}

async function ourPayments(context: FlowContext, merchantId: string, accountId: string, from: Date, to: Date, named: string[]): Promise<AttemptRow[]> {
  return context.db
    .selectFrom('payment_attempts')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('connector_account_id', '=', accountId)
    .where('operation', '=', 'authorize')
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'succeeded'), eb('completed_at', '>=', from), eb('completed_at', '<', to)]),
        eb('id', 'in', named.length > 0 ? named : ['']),
      ]),
    )
    .execute();
}

async function refundsOf(context: FlowContext, merchantId: string, accountId: string, from: Date, to: Date, named: string[]): Promise<RefundRow[]> {
  return context.db
    .selectFrom('refunds')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('payment_id', 'in', (eb) =>
      eb.selectFrom('payment_attempts').select('payment_id').where('merchant_id', '=', merchantId).where('connector_account_id', '=', accountId).where('status', '=', 'succeeded'),
    )
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'succeeded'), eb('updated_at', '>=', from), eb('updated_at', '<', to)]),
        eb('id', 'in', named.length > 0 ? named : ['']),
      ]),
    )
    .execute();
}

async function storeMismatches(context: FlowContext, account: { id: string; merchant_id: string }, date: string, mismatches: Mismatch[]): Promise<void> {
  const at = now(context);
  for (const m of mismatches) {
    await sql`
      insert into reconciliation_mismatches (id, connector_account_id, merchant_id, statement_date, kind, order_number, refund_number,
                                             our_amount, their_amount, our_status, repaired, note, created_at)
      values (${context.ids.newId('rcm')}, ${account.id}, ${account.merchant_id}, ${date}::date, ${m.kind}, ${m.orderNumber}, ${m.refundNumber ?? ''},
              ${m.ourAmount}, ${m.theirAmount}, ${m.ourStatus}, ${m.repaired}, ${m.note}, ${at})
      on conflict on constraint reconciliation_mismatches_connector_account_id_statement_da_key
      do update set repaired = reconciliation_mismatches.repaired or excluded.repaired
    `.execute(context.db);
  }
}
