/**
 * A customer's wallet as the API shows it: balances, the PIN, top-ups, the
 * movement history, and the balance inquiry a checkout makes before paying.
 */
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { amountChangeToJson, amountToJson, isCurrency } from '../../domain/money.ts';
import { hashPin, isGuessablePin, isPinFormat, pinLockout } from '../../domain/wallet/pin.ts';
import { findCustomer } from '../../store/customers.ts';
import { ensureLedgerAccounts, listWalletTransactions, walletBalances, walletCurrencies, type WalletTransactionRow } from '../../store/ledger.ts';
import type { PaymentRecord, Scope } from '../../store/payments.ts';
import type { CustomerRow } from '../../store/schema.ts';
import { findPin, savePin } from '../../store/wallet-pins.ts';
import { now, type FlowContext } from '../context.ts';
import { createPayment } from '../payments/create-payment.ts';

async function getCustomer(context: FlowContext, scope: Scope, id: string): Promise<CustomerRow> {
  const customer = await findCustomer(context.db, scope, id);
  if (!customer) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'customer', id } });
  return customer;
}

function checkCurrency(currency: string): void {
  if (!isCurrency(currency)) throw new PaymentError('currency_invalid', { param: 'currency', details: { currency } });
}

/**
 * The wallet in one currency: `currency` when asked, else the customer's
 * first wallet. A customer with no wallet yet has a zero balance.
 */
export async function getWallet(context: FlowContext, scope: Scope, customerId: string, currency: string | undefined) {
  const customer = await getCustomer(context, scope, customerId);
  if (currency !== undefined) checkCurrency(currency);
  const chosen = currency ?? (await walletCurrencies(context.db, scope, customer.id))[0] ?? null;
  const balances = chosen ? await walletBalances(context.db, scope, customer.id, chosen) : { available: 0n, held: 0n };
  const pin = await findPin(context.db, customer);
  const lockout = pin ? pinLockout(pin.failed_attempts, pin.locked_until, context.clock.nowMs()) : null;
  return {
    object: 'wallet' as const,
    customer: customer.id,
    currency: chosen,
    balance: amountToJson(balances.available + balances.held),
    available: amountToJson(balances.available),
    held: amountToJson(balances.held),
    pin: {
      set: pin !== undefined,
      locked_until: lockout?.unlocksAt?.toISOString() ?? null,
      attempts_remaining: lockout?.attemptsRemaining ?? limits.pinAttemptsMax,
    },
  };
}

/** Sets or replaces the PIN; a new PIN also lifts a lock, as the merchant has re-identified the customer. */
export async function setWalletPin(context: FlowContext, scope: Scope, customerId: string, pin: string) {
  const customer = await getCustomer(context, scope, customerId);
  if (!isPinFormat(pin)) throw new PaymentError('parameter_invalid', { param: 'pin', details: { reason: 'a PIN is exactly six digits' } });
  if (isGuessablePin(pin)) {
    throw new PaymentError('parameter_invalid', { param: 'pin', details: { reason: 'the same digit six times or a run such as 123456 is too easy to guess' } });
  }
  await savePin(context.db, customer, await hashPin(pin, context.keys.pinPepper, context.random), now(context));
  return getWallet(context, scope, customer.id, undefined);
}

export interface TopUpInput {
  amount: number;
  currency: string;
  payment_method_types?: string[];
  return_url?: string;
  description?: string;
  metadata?: Record<string, string>;
  expires_in_seconds?: number;
}

/**
 * A top-up is a payment like any other, through any channel, marked as one:
 * its money reaches the wallet in the statement that records its success.
 */
export async function createTopUp(context: FlowContext, scope: Scope, customerId: string, input: TopUpInput): Promise<PaymentRecord> {
  const customer = await getCustomer(context, scope, customerId);
  checkCurrency(input.currency);
  if (input.payment_method_types?.includes('wallet')) {
    throw new PaymentError('payment_method_unavailable', {
      param: 'payment_method_types',
      details: { payment_method_type: 'wallet', available: 'card, alipay, wechat_pay, unionpay' },
    });
  }
  const { available, held } = await walletBalances(context.db, scope, customer.id, input.currency);
  if (Number.isSafeInteger(input.amount) && available + held + BigInt(input.amount) > limits.walletBalanceMinorUnitsMax) {
    throw new PaymentError('amount_invalid', { param: 'amount' });
  }
  // The accounts exist before the money can arrive, so the success statement only has to move it.
  await ensureLedgerAccounts(context.db, scope, {
    currency: input.currency,
    customerId: customer.id,
    kinds: ['customer_wallet', 'top_up_clearing'],
    newId: () => context.ids.newId('lac'),
    now: now(context),
  });
  return createPayment(
    context,
    scope,
    { ...input, customer: customer.id, description: input.description ?? 'Wallet top-up' },
    'wallet_top_up',
  );
}

export async function walletTransactions(
  context: FlowContext,
  scope: Scope,
  customerId: string,
  filter: { currency?: string; starting_after?: string; limit?: number },
) {
  const customer = await getCustomer(context, scope, customerId);
  if (filter.currency !== undefined) checkCurrency(filter.currency);
  const page = await listWalletTransactions(context.db, scope, customer.id, {
    currency: filter.currency,
    startingAfter: filter.starting_after,
    limit: filter.limit ?? limits.pageSizeDefault,
  });
  return { object: 'list' as const, data: page.data.map(presentWalletTransaction), has_more: page.hasMore };
}

function presentWalletTransaction(row: WalletTransactionRow) {
  return {
    id: row.id,
    object: 'wallet_transaction' as const,
    type: row.kind,
    currency: row.currency,
    amount: amountChangeToJson(row.available_change),
    held_change: amountChangeToJson(row.held_change),
    available_after: row.available_after === null ? null : amountToJson(row.available_after),
    held_after: row.held_after === null ? null : amountToJson(row.held_after),
    payment: row.payment_id,
    refund: row.refund_id,
    created_at: row.created_at.toISOString(),
  };
}

/**
 * Whether the payment's customer can pay it from their wallet. The payer's
 * checkout sees its own balance in the payment's currency, and nothing of
 * other currencies or other customers; the merchant sees the same.
 */
export async function walletInquiry(context: FlowContext, payment: PaymentRecord) {
  const offered = payment.payment_method_types.includes('wallet') && payment.customer_id !== null;
  const balances = offered && payment.customer_id ? await walletBalances(context.db, { merchantId: payment.merchant_id, mode: payment.mode }, payment.customer_id, payment.currency) : null;
  const pin = offered && payment.customer_id ? await findPin(context.db, { id: payment.customer_id, merchant_id: payment.merchant_id }) : undefined;
  const lockout = pin ? pinLockout(pin.failed_attempts, pin.locked_until, context.clock.nowMs()) : null;
  const available = balances?.available ?? 0n;
  const shortfall = payment.amount > available ? payment.amount - available : 0n;
  return {
    object: 'wallet_inquiry' as const,
    payment: payment.id,
    offered,
    currency: payment.currency,
    amount: amountToJson(payment.amount),
    available: amountToJson(available),
    covers: offered && shortfall === 0n,
    shortfall: amountToJson(shortfall),
    pin: {
      set: pin !== undefined,
      locked_until: lockout?.unlocksAt?.toISOString() ?? null,
      attempts_remaining: lockout?.attemptsRemaining ?? limits.pinAttemptsMax,
    },
  };
}
