import { describe, expect, it } from 'vitest';
import { assertBalanced, capture, hold, refund, release, topUp, topUpRefund, topUpRefundReversal, walletPayment } from './ledger.ts';

const header = { currency: 'CNY', customerId: 'cus_1', paymentId: 'pay_1', refundId: 're_1' };

describe('ledger postings', () => {
  it('balance for every kind of movement', () => {
    for (const p of [
      topUp(header, 500n),
      walletPayment(header, 500n),
      hold(header, 500n),
      capture(header, 500n, 300n),
      release(header, 500n),
      refund(header, 200n),
      topUpRefund(header, 200n),
      topUpRefundReversal(header, 200n),
    ]) {
      expect(p.legs.reduce((sum, leg) => sum + leg.amount, 0n)).toBe(0n);
    }
  });

  it('capture sends the captured part to the merchant and the rest back to the wallet', () => {
    expect(capture(header, 500n, 300n).legs).toEqual([
      { account: 'customer_hold', amount: -500n },
      { account: 'merchant_wallet', amount: 300n },
      { account: 'customer_wallet', amount: 200n },
    ]);
    // A full capture has no leg back to the wallet.
    expect(capture(header, 500n, 500n).legs).toHaveLength(2);
  });

  it('keys each movement by what caused it, so it can happen only once', () => {
    expect(walletPayment(header, 1n).idempotencyKey).toBe('pay_1:payment');
    expect(refund(header, 1n).idempotencyKey).toBe('re_1:refund');
  });

  it('refuses legs that do not balance or touch one account twice', () => {
    expect(() => assertBalanced([{ account: 'customer_wallet', amount: 1n }, { account: 'merchant_wallet', amount: 1n }])).toThrow();
    expect(() => assertBalanced([{ account: 'customer_wallet', amount: 1n }, { account: 'customer_wallet', amount: -1n }])).toThrow();
    expect(() => capture(header, 100n, 101n)).toThrow();
  });
});
