/**
 * The stored-value wallet: top-ups through a channel, payments with a PIN,
 * holds and captures, refunds, the ledger's invariants under concurrency,
 * and the PIN lockout on an injected clock.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { verifyLedger } from '../../src/store/ledger.ts';
import { resolveUnknownOutcomes } from '../../src/flows/channels/resolve-outcomes.ts';
import { card, ManualClock, startStack, type Stack } from '../support/stack.ts';

const pin = '402913';
let stack: Stack;
const clock = new ManualClock(Date.parse('2026-11-22T08:00:00Z'));

beforeAll(async () => {
  stack = await startStack({ clock });
});
afterAll(async () => stack?.close());

async function newCustomer(withPin = true): Promise<string> {
  const customer = await stack.api('POST', '/v1/customers', { email: 'payer@example.com', locale: 'en' });
  expect(customer.status).toBe(200);
  if (withPin) expect((await stack.api('PUT', `/v1/customers/${customer.body.id}/wallet/pin`, { pin })).status).toBe(200);
  return customer.body.id;
}

async function topUp(customer: string, amount: number, currency = 'CNY'): Promise<string> {
  const created = await stack.api('POST', `/v1/customers/${customer}/wallet/top_ups`, { amount, currency });
  expect(created.status).toBe(200);
  const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
  expect(paid.body.status).toBe('succeeded');
  return created.body.id;
}

async function wallet(customer: string, currency = 'CNY') {
  const answer = await stack.api('GET', `/v1/customers/${customer}/wallet?currency=${currency}`);
  expect(answer.status).toBe(200);
  return answer.body as { available: number; held: number; balance: number; pin: { attempts_remaining: number; locked_until: string | null } };
}

async function walletPayment(customer: string, amount: number, options: { capture_method?: 'manual' } = {}) {
  const created = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY', customer, ...options });
  expect(created.status).toBe(200);
  expect(created.body.payment_method_types).toContain('wallet');
  return created.body.id as string;
}

function payWithWallet(payment: string, withPin = pin, headers: Record<string, string> = {}) {
  return stack.api('POST', `/v1/payments/${payment}/confirm`, { payment_method: { type: 'wallet', wallet: { pin: withPin } } }, { headers });
}

async function expectLedgerBalanced() {
  const report = await verifyLedger(stack.db.db);
  expect(report.problems).toEqual([]);
}

describe('wallet top-ups, payments and refunds', () => {
  it('tops up through a card, pays, refunds, with the balance right at each step', async () => {
    const customer = await newCustomer();
    const empty = await stack.api('GET', `/v1/customers/${customer}/wallet`);
    expect(empty.body).toMatchObject({ object: 'wallet', customer, currency: null, balance: 0, available: 0, held: 0, pin: { set: true } });

    // A top-up that needs a one-time code: nothing arrives while the payer is still at the code step.
    const created = await stack.api('POST', `/v1/customers/${customer}/wallet/top_ups`, { amount: 10_000, currency: 'CNY' });
    expect(created.body).toMatchObject({ object: 'payment', purpose: 'wallet_top_up', customer, amount: 10_000, status: 'requires_payment_method' });
    expect(created.body.payment_method_types).not.toContain('wallet');
    const waiting = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4000002760003184') });
    expect(waiting.body.status).toBe('requires_action');
    expect(await wallet(customer)).toMatchObject({ available: 0, held: 0, balance: 0 });
    const verified = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { otp: '000000' });
    expect(verified.body.status).toBe('succeeded');
    expect(await wallet(customer)).toMatchObject({ available: 10_000, held: 0, balance: 10_000 });

    // A declined top-up adds nothing.
    const declined = await stack.api('POST', `/v1/customers/${customer}/wallet/top_ups`, { amount: 5_000, currency: 'CNY' });
    const refused = await stack.api('POST', `/v1/payments/${declined.body.id}/confirm`, { payment_method: card('4000000000000002') });
    expect(refused.status).toBe(402);
    expect((await wallet(customer)).available).toBe(10_000);

    const payment = await walletPayment(customer, 3_000);
    const paid = await payWithWallet(payment);
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: 'succeeded', amount_received: 3_000, payment_method: { type: 'wallet', wallet: { customer } } });
    expect(await wallet(customer)).toMatchObject({ available: 7_000, balance: 7_000 });
    const attempts = await stack.api('GET', `/v1/payments/${payment}/attempts`);
    expect(attempts.body.data).toMatchObject([{ connector: 'wallet', connector_account: null, status: 'succeeded', amount: 3_000 }]);

    const refund = await stack.api('POST', '/v1/refunds', { payment, amount: 1_000, reason: 'requested_by_customer' });
    expect(refund.body).toMatchObject({ status: 'succeeded', amount: 1_000 });
    expect(await wallet(customer)).toMatchObject({ available: 8_000, balance: 8_000 });

    const history = await stack.api('GET', `/v1/customers/${customer}/wallet/transactions`);
    expect(history.body, JSON.stringify(history.body)).toHaveProperty('has_more', false);
    expect(history.body.data).toMatchObject([
      { object: 'wallet_transaction', type: 'refund', amount: 1_000, available_after: 8_000, payment, refund: refund.body.id },
      { type: 'payment', amount: -3_000, available_after: 7_000, payment, refund: null },
      { type: 'top_up', amount: 10_000, available_after: 10_000, payment: created.body.id },
    ]);
    const paged = await stack.api('GET', `/v1/customers/${customer}/wallet/transactions?limit=2`);
    expect(paged.body.has_more).toBe(true);
    const rest = await stack.api('GET', `/v1/customers/${customer}/wallet/transactions?limit=2&starting_after=${paged.body.data[1].id}`);
    expect(rest.body.data.map((t: { type: string }) => t.type)).toEqual(['top_up']);
    await expectLedgerBalanced();
  });

  it('refuses a payment the balance does not cover before any money moves, and the payer can switch method', async () => {
    const customer = await newCustomer();
    await topUp(customer, 1_000);
    const payment = await walletPayment(customer, 5_000);
    const inquiry = await stack.api('GET', `/v1/payments/${payment}/wallet`);
    expect(inquiry.body).toMatchObject({ object: 'wallet_inquiry', offered: true, currency: 'CNY', amount: 5_000, available: 1_000, covers: false, shortfall: 4_000 });

    const refused = await payWithWallet(payment);
    expect(refused.status).toBe(402);
    expect(refused.body.error).toMatchObject({ code: 'insufficient_funds', available: 1_000, payment });
    expect(refused.body.error.message).toContain('10.00 CNY');
    expect(refused.body.error.suggestion).toContain('40.00 CNY');
    const zh = await stack.api('GET', `/v1/payments/${payment}`, undefined, { headers: { 'accept-language': 'zh-CN' } });
    expect(zh.body).toMatchObject({ status: 'requires_payment_method', last_error: { code: 'insufficient_funds' } });
    expect(zh.body.last_error.message).toContain('余额');
    expect(await wallet(customer)).toMatchObject({ available: 1_000, held: 0 });

    const byCard = await stack.api('POST', `/v1/payments/${payment}/confirm`, { payment_method: card('4242424242424242') });
    expect(byCard.body.status).toBe('succeeded');
    expect(await wallet(customer)).toMatchObject({ available: 1_000 });
    await expectLedgerBalanced();
  });

  it('answers the balance inquiry to the payer with the client secret, and only for that payment', async () => {
    const customer = await newCustomer();
    await topUp(customer, 2_000);
    const payment = await stack.api('POST', '/v1/payments', { amount: 1_500, currency: 'CNY', customer });
    const asPayer = await stack.api('GET', `/v1/payments/${payment.body.id}/wallet?client_secret=${payment.body.client_secret}`, undefined, { key: stack.publishableKey });
    expect(asPayer.body).toMatchObject({ covers: true, available: 2_000, shortfall: 0, pin: { set: true, attempts_remaining: 5, locked_until: null } });
    const wrongSecret = await stack.api('GET', `/v1/payments/${payment.body.id}/wallet?client_secret=${payment.body.id}_secret_nope`, undefined, { key: stack.publishableKey });
    expect(wrongSecret.status).toBe(404);
    // The publishable key cannot read the customer's wallet directly.
    const direct = await stack.api('GET', `/v1/customers/${customer}/wallet`, undefined, { key: stack.publishableKey });
    expect(direct.status).toBe(403);
    // Another merchant cannot see this customer's wallet at all.
    const other = await stack.newMerchant();
    expect((await stack.api('GET', `/v1/customers/${customer}/wallet`, undefined, { key: other.secretKey })).status).toBe(404);
    // A payment in another currency shows nothing of the CNY balance.
    const usd = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'USD', customer });
    expect((await stack.api('GET', `/v1/payments/${usd.body.id}/wallet`)).body).toMatchObject({ available: 0, covers: false });
  });

  it('holds for manual capture, captures part and returns the rest, and releases a hold on cancel', async () => {
    const customer = await newCustomer();
    await topUp(customer, 10_000);
    const payment = await walletPayment(customer, 6_000, { capture_method: 'manual' });
    const held = await payWithWallet(payment);
    expect(held.body).toMatchObject({ status: 'requires_capture', amount_capturable: 6_000, amount_received: 0 });
    expect(await wallet(customer)).toMatchObject({ available: 4_000, held: 6_000, balance: 10_000 });

    const captured = await stack.api('POST', `/v1/payments/${payment}/capture`, { amount_to_capture: 2_500 });
    expect(captured.body).toMatchObject({ status: 'succeeded', amount_received: 2_500, amount_capturable: 0 });
    expect(await wallet(customer)).toMatchObject({ available: 7_500, held: 0, balance: 7_500 });
    const tooMuch = await stack.api('POST', '/v1/refunds', { payment, amount: 2_501 });
    expect(tooMuch.body.error.code).toBe('refund_exceeds_payment');

    const second = await walletPayment(customer, 3_000, { capture_method: 'manual' });
    await payWithWallet(second);
    expect(await wallet(customer)).toMatchObject({ available: 4_500, held: 3_000 });
    const canceled = await stack.api('POST', `/v1/payments/${second}/cancel`, { cancellation_reason: 'requested_by_customer' });
    expect(canceled.body).toMatchObject({ status: 'canceled', amount_capturable: 0 });
    expect(await wallet(customer)).toMatchObject({ available: 7_500, held: 0 });

    const types = (await stack.api('GET', `/v1/customers/${customer}/wallet/transactions`)).body.data.map((t: { type: string; held_change: number }) => [t.type, t.held_change]);
    expect(types).toEqual([['release', -3_000], ['hold', 3_000], ['capture', -6_000], ['hold', 6_000], ['top_up', 0]]);
    await expectLedgerBalanced();
  });

  it('refunds a top-up to its card only from what is left in the wallet, and returns it if the card refund fails', async () => {
    const customer = await newCustomer();
    const topUpPayment = await topUp(customer, 5_000);
    const spend = await walletPayment(customer, 4_000);
    await payWithWallet(spend);
    const tooMuch = await stack.api('POST', '/v1/refunds', { payment: topUpPayment, amount: 2_000 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error).toMatchObject({ code: 'refund_exceeds_payment' });
    expect(tooMuch.body.error.message).toContain('10.00 CNY');
    const refund = await stack.api('POST', '/v1/refunds', { payment: topUpPayment, amount: 1_000 });
    expect(refund.body.status).toBe('succeeded');
    expect(await wallet(customer)).toMatchObject({ available: 0 });

    // The acquirer refuses the next refund: the money taken from the wallet comes back.
    const again = await topUp(customer, 3_000);
    // The acquirer answers 500 to every try: the refund's outcome is unknown, and the money stays out of the wallet meanwhile.
    stack.acquirer.setFaults({ failNext: 10, failMode: 'error_500' });
    const failing = await stack.api('POST', '/v1/refunds', { payment: again, amount: 3_000 }).finally(() => stack.acquirer.setFaults({ failNext: 0 }));
    expect(failing.body).toMatchObject({ status: 'pending' });
    expect(await wallet(customer)).toMatchObject({ available: 0 });
    // The status query finds no such refund at the acquirer: it failed, and the money comes back.
    clock.advanceMs(60_000);
    await resolveUnknownOutcomes(stack.context);
    expect((await stack.api('GET', `/v1/refunds/${failing.body.id}`)).body).toMatchObject({ status: 'failed' });
    expect(await wallet(customer)).toMatchObject({ available: 3_000 });
    const kinds = (await stack.api('GET', `/v1/customers/${customer}/wallet/transactions?limit=2`)).body.data.map((t: { type: string; amount: number }) => [t.type, t.amount]);
    expect(kinds).toEqual([['top_up_refund_reversal', 3_000], ['top_up_refund', -3_000]]);
    await expectLedgerBalanced();
  });

  it('never goes negative under 100 concurrent payments: each one either paid or refused, and the books balance', async () => {
    const customer = await newCustomer();
    await topUp(customer, 50_000);
    const payments = await Promise.all(Array.from({ length: 100 }, () => walletPayment(customer, 1_700)));
    const answers = await Promise.all(payments.map((payment) => payWithWallet(payment)));
    const paid = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 402);
    expect(paid).toHaveLength(29);
    expect(refused).toHaveLength(71);
    for (const answer of refused) expect(answer.body.error.code).toBe('insufficient_funds');
    expect(await wallet(customer)).toMatchObject({ available: 50_000 - 29 * 1_700, held: 0 });

    const statuses = await Promise.all(payments.map(async (id) => (await stack.api('GET', `/v1/payments/${id}`)).body.status as string));
    expect(statuses.filter((s) => s === 'succeeded')).toHaveLength(29);
    expect(statuses.filter((s) => s === 'requires_payment_method')).toHaveLength(71);
    const movements = await sql<{ kind: string; count: number }>`
      select t.kind, count(*)::int as count from ledger_transactions t where t.customer_id = ${customer} group by t.kind order by t.kind
    `.execute(stack.db.db);
    expect(movements.rows).toEqual([{ kind: 'payment', count: 29 }, { kind: 'top_up', count: 1 }]);
    const merchantWallet = await sql<{ balance: bigint }>`
      select balance from ledger_accounts where merchant_id = ${stack.merchant.merchantId} and kind = 'merchant_wallet' and currency = 'CNY'
    `.execute(stack.db.db);
    expect(merchantWallet.rows[0]?.balance).toBeGreaterThanOrEqual(29n * 1_700n);
    await expectLedgerBalanced();
  });
});

describe('wallet PIN', () => {
  it('counts wrong PINs, locks for 15 minutes after five, unlocks with time, and a right PIN resets the count', async () => {
    const customer = await newCustomer();
    await topUp(customer, 10_000);
    const payment = await walletPayment(customer, 1_000);

    const first = await payWithWallet(payment, '111112');
    expect(first.status).toBe(402);
    expect(first.body.error).toMatchObject({ code: 'incorrect_pin', attempts_remaining: 4 });
    expect(first.body.error.suggestion).toContain('4');
    // A right PIN resets the count.
    const other = await walletPayment(customer, 100);
    expect((await payWithWallet(other)).status).toBe(200);
    expect((await wallet(customer)).pin.attempts_remaining).toBe(5);

    for (const remaining of [4, 3, 2, 1]) {
      const wrong = await payWithWallet(payment, '111112');
      expect(wrong.body.error).toMatchObject({ code: 'incorrect_pin', attempts_remaining: remaining });
    }
    const fifth = await payWithWallet(payment, '111112', { 'accept-language': 'zh-TW' });
    expect(fifth.body.error).toMatchObject({ code: 'pin_locked', unlocks_at: new Date(clock.nowMs() + 15 * 60_000).toISOString() });
    expect(fifth.body.error.message).toContain('鎖定');
    // Locked: even the right PIN is refused, and nothing moves.
    const locked = await payWithWallet(payment);
    expect(locked.body.error.code).toBe('pin_locked');
    expect((await wallet(customer)).available).toBe(9_900);
    expect((await wallet(customer)).pin).toMatchObject({ attempts_remaining: 0, locked_until: fifth.body.error.unlocks_at });

    clock.advanceMs(15 * 60_000 - 1);
    expect((await payWithWallet(payment)).body.error.code).toBe('pin_locked');
    clock.advanceMs(1);
    const unlocked = await payWithWallet(payment);
    expect(unlocked.status).toBe(200);
    expect(unlocked.body.status).toBe('succeeded');
    expect((await wallet(customer)).pin).toMatchObject({ attempts_remaining: 5, locked_until: null });
    const history = await stack.api('GET', `/v1/payments/${payment}/attempts`);
    expect(history.body.data.map((a: { error_code: string | null }) => a.error_code)).toEqual([
      'incorrect_pin', 'incorrect_pin', 'incorrect_pin', 'incorrect_pin', 'incorrect_pin', 'pin_locked', 'pin_locked', 'pin_locked', null,
    ]);
  });

  it('evaluates at most five wrong PINs of 24 sent at once with the right one, and the right PIN never lifts the lock they set', async () => {
    const customer = await newCustomer();
    await topUp(customer, 10_000);
    const payments = await Promise.all(Array.from({ length: 25 }, () => walletPayment(customer, 10)));
    const answers = await Promise.all(payments.map((payment, index) => payWithWallet(payment, index === 12 ? pin : '111112')));
    const codes = answers.map((answer) => (answer.status === 200 ? 'paid' : (answer.body.error.code as string)));
    const [counted] = (await sql<{ failed_attempts: number; locked_until: Date | null; tries_in_flight: number }>`
      select failed_attempts, locked_until, tries_in_flight from wallet_pins where customer_id = ${customer}`.execute(stack.db.db)).rows;
    // Every wrong PIN that was checked was counted; the ones beyond the limit were refused unchecked.
    const wrongChecked = codes.filter((code) => code === 'incorrect_pin').length + (counted!.locked_until ? 1 : 0);
    expect(wrongChecked).toBeLessThanOrEqual(5);
    expect(counted!.failed_attempts).toBeLessThanOrEqual(5);
    expect(counted!.tries_in_flight).toBe(0);
    expect(codes.filter((code) => code === 'paid').length).toBeLessThanOrEqual(1);
    expect(codes.filter((code) => code === 'incorrect_pin').length).toBeLessThanOrEqual(4);
    // Five wrong tries were checked: the wallet is locked, whoever came last, and the right PIN cannot pay now.
    if (counted!.failed_attempts >= 5) {
      expect(counted!.locked_until!.getTime()).toBeGreaterThan(clock.nowMs());
      const another = await walletPayment(customer, 10);
      expect((await payWithWallet(another)).body.error.code).toBe('pin_locked');
    }
    // Nothing paid beyond what the answers say.
    const paid = codes.filter((code) => code === 'paid').length;
    expect((await wallet(customer)).available).toBe(10_000 - 10 * paid);
    await expectLedgerBalanced();
  });

  it('a PIN try reserved by a request that died stops counting after a minute', async () => {
    const customer = await newCustomer();
    await topUp(customer, 1_000);
    await sql`update wallet_pins set tries_in_flight = 5, in_flight_since = ${new Date(clock.nowMs())} where customer_id = ${customer}`.execute(stack.db.db);
    const payment = await walletPayment(customer, 10);
    expect((await payWithWallet(payment)).body.error.code).toBe('pin_locked');
    clock.advanceMs(61_000);
    const retried = await walletPayment(customer, 10);
    expect((await payWithWallet(retried)).status).toBe(200);
  });

  it('refuses a guessable PIN, and a wallet payment without a PIN set', async () => {
    const customer = await newCustomer(false);
    for (const weak of ['123456', '000000', '987654']) {
      const refused = await stack.api('PUT', `/v1/customers/${customer}/wallet/pin`, { pin: weak });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'parameter_invalid', param: 'pin' });
    }
    expect((await stack.api('PUT', `/v1/customers/${customer}/wallet/pin`, { pin: '12345' })).status).toBe(400);
    const payment = await walletPayment(customer, 100);
    const noPin = await payWithWallet(payment);
    expect(noPin.status).toBe(402);
    expect(noPin.body.error.code).toBe('pin_not_set');
    const stored = await sql<{ pin_hash: string }>`select pin_hash from wallet_pins where customer_id = ${customer}`.execute(stack.db.db);
    expect(stored.rows).toEqual([]);
  });

  it('stores the PIN only as a salted hash', async () => {
    const customer = await newCustomer();
    const stored = await sql<{ pin_hash: string }>`select pin_hash from wallet_pins where customer_id = ${customer}`.execute(stack.db.db);
    expect(stored.rows[0]?.pin_hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$/);
    expect(stored.rows[0]?.pin_hash).not.toContain(pin);
  });
});

describe('wallet payment creation', () => {
  it('offers the wallet by default only with a customer, and needs one when asked for it', async () => {
    const anonymous = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY' });
    expect(anonymous.body.payment_method_types).not.toContain('wallet');
    const noCustomer = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY', payment_method_types: ['wallet'] });
    expect(noCustomer.status).toBe(400);
    expect(noCustomer.body.error).toMatchObject({ code: 'parameter_missing', param: 'customer' });
    const customer = await newCustomer();
    const topUpWithWallet = await stack.api('POST', `/v1/customers/${customer}/wallet/top_ups`, { amount: 100, currency: 'CNY', payment_method_types: ['wallet'] });
    expect(topUpWithWallet.status).toBe(400);
  });
});

describe('crash recovery', () => {
  it('fails a wallet attempt left open by a crash, with no money moved', async () => {
    const customer = await newCustomer();
    await topUp(customer, 1_000);
    const payment = await walletPayment(customer, 500);
    // What a crash right after the first commit leaves: the payment processing, its wallet attempt pending.
    await sql`update payments set status = 'processing', version = version + 1 where id = ${payment}`.execute(stack.db.db);
    await sql`
      insert into payment_attempts (id, payment_id, merchant_id, operation, connector, connector_account_id, payment_method_type, status,
                                    amount, provider_idempotency_key, started_at, next_query_at)
      values ('att_crashwallet' || substr(md5(${payment}), 1, 11), ${payment}, ${stack.merchant.merchantId}, 'authorize', 'wallet', null, 'wallet',
              'pending', 500, 'crash', ${new Date(clock.nowMs())}, ${new Date(clock.nowMs())})
    `.execute(stack.db.db);
    clock.advanceMs(1_000);
    await resolveUnknownOutcomes(stack.context);
    const after = await stack.api('GET', `/v1/payments/${payment}`);
    expect(after.body).toMatchObject({ status: 'requires_payment_method', last_error: { code: 'processing_error' } });
    expect(await wallet(customer)).toMatchObject({ available: 1_000 });
    // The payer can simply try again.
    expect((await payWithWallet(payment)).body.status).toBe('succeeded');
  });
});

describe('ledger verify', () => {
  it('finds a deliberately corrupted entry, and passes again once it is repaired', async () => {
    const customer = await newCustomer();
    await topUp(customer, 2_500);
    const entry = await sql<{ id: string; account_id: string; amount: bigint }>`
      select e.id::text, e.account_id, e.amount from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
       where t.customer_id = ${customer} and e.amount > 0
    `.execute(stack.db.db);
    const target = entry.rows[0];
    if (!target) throw new Error('the top-up wrote no entry');
    expect((await runLedgerVerify()).code).toBe(0);
    // Entries refuse to change; only bypassing the triggers can corrupt one.
    await expect(sql`update ledger_entries set amount = amount + 1 where id = ${target.id}`.execute(stack.db.db)).rejects.toThrow(/immutable/);
    await corrupt(target.id, 1n);
    try {
      const report = await verifyLedger(stack.db.db);
      expect([...new Set(report.problems.map((p) => p.kind))].sort()).toEqual(['balance_differs_from_entries', 'running_balance_broken', 'unbalanced_transaction']);
      expect(report.problems.find((p) => p.kind === 'balance_differs_from_entries')?.id).toBe(target.account_id);
      const cli = await runLedgerVerify();
      expect(cli.code).toBe(1);
      expect(cli.stdout).toContain(target.account_id);
      expect(cli.stdout).toContain('NOT verified');
    } finally {
      await corrupt(target.id, -1n);
    }
    const repaired = await runLedgerVerify();
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain('ledger verified');
  });

  it('refuses a transaction whose entries do not sum to zero', async () => {
    const customer = await newCustomer();
    await topUp(customer, 100);
    const account = await sql<{ id: string }>`select id from ledger_accounts where customer_id = ${customer} and kind = 'customer_wallet'`.execute(stack.db.db);
    const accountId = account.rows[0]?.id ?? '';
    await expect(
      stack.db.db.transaction().execute(async (tx) => {
        await sql`insert into ledger_transactions (id, merchant_id, mode, currency, kind, customer_id, idempotency_key, created_at)
                  values ('ltx_unbalanced', ${stack.merchant.merchantId}, 'test', 'CNY', 'top_up', ${customer}, 'unbalanced', now())`.execute(tx);
        await sql`insert into ledger_entries (transaction_id, merchant_id, account_id, amount, balance_after, created_at) values ('ltx_unbalanced', ${stack.merchant.merchantId}, ${accountId}, 5, 105, now())`.execute(tx);
      }),
    ).rejects.toThrow(/does not balance/);
  });
});

/** Changes an entry's amount past its immutability trigger, as only an operator with superuser rights could. */
async function corrupt(entryId: string, delta: bigint) {
  await stack.db.db.transaction().execute(async (tx) => {
    await sql`set local session_replication_role = replica`.execute(tx);
    await sql`update ledger_entries set amount = amount + ${delta} where id = ${entryId}`.execute(tx);
  });
}

async function runLedgerVerify(): Promise<{ code: number | null; stdout: string }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'paypilot-ledger-'));
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['src/cli.ts', 'ledger', 'verify'], {
        env: { ...process.env, DATABASE_URL: inject('databaseUrl'), PAYPILOT_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', () => {});
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, stdout }));
    });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
