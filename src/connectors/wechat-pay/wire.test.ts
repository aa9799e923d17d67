/**
 * WeChat Pay's wire mapping: trade states and refund statuses onto outcomes,
 * the time format, and the trade bill reader on hand-written files.
 */
import { describe, expect, it } from 'vitest';
import type { WireTransaction } from './wire.ts';
import { beijingDate, beijingRfc3339, orderState, parseTradeBill, parseTransaction, refundOutcome, tradeBillColumns, tradeBillRow } from './wire.ts';

function transaction(overrides: Partial<WireTransaction>): WireTransaction {
  return {
    appid: 'wxd678efh567hg6787', mchid: '1230000109', out_trade_no: 'A12345678', trade_state: 'NOTPAY', trade_state_desc: '',
    amount: { total: 100, currency: 'CNY' }, ...overrides,
  };
}

describe('trade states', () => {
  it('maps every trade_state of the protocol', () => {
    const paid = { transaction_id: '4200000000000000000000000001', success_time: '2026-06-15T20:00:00+08:00' };
    expect(orderState(transaction({ trade_state: 'SUCCESS', ...paid }))).toEqual({
      kind: 'paid', reference: paid.transaction_id, amountPaid: 100n, paidAt: new Date('2026-06-15T12:00:00Z'),
    });
    expect(orderState(transaction({ trade_state: 'REFUND', ...paid })).kind).toBe('paid');
    expect(orderState(transaction({ trade_state: 'NOTPAY' }))).toEqual({ kind: 'pending' });
    expect(orderState(transaction({ trade_state: 'USERPAYING' }))).toEqual({ kind: 'pending' });
    expect(orderState(transaction({ trade_state: 'CLOSED' }))).toEqual({ kind: 'closed' });
    expect(orderState(transaction({ trade_state: 'REVOKED' }))).toEqual({ kind: 'closed' });
    expect(orderState(transaction({ trade_state: 'PAYERROR' })).kind).toBe('failed');
  });

  it('does not call an order paid without the transaction id, and does not read an unknown trade_state', () => {
    expect(orderState(transaction({ trade_state: 'SUCCESS' })).kind).toBe('unknown');
    expect(parseTransaction({ ...transaction({}), trade_state: 'PAID_MAYBE' })).toBeNull();
    expect(parseTransaction({ ...transaction({}), amount: { total: '100', currency: 'CNY' } })).toBeNull();
    expect(parseTransaction({ ...transaction({}), amount: { total: 1.5, currency: 'CNY' } })).toBeNull();
  });

  it('maps refund statuses: SUCCESS succeeded, PROCESSING pending, CLOSED and ABNORMAL failed', () => {
    expect(refundOutcome('SUCCESS', 'R1')).toEqual({ kind: 'succeeded', reference: 'R1' });
    expect(refundOutcome('PROCESSING', 'R1')).toEqual({ kind: 'pending', reference: 'R1' });
    expect(refundOutcome('CLOSED', 'R1')).toEqual({ kind: 'failed', reason: 'CLOSED' });
    expect(refundOutcome('ABNORMAL', 'R1')).toEqual({ kind: 'failed', reason: 'ABNORMAL' });
  });
});

describe('time', () => {
  it('writes RFC 3339 in Beijing time and the Beijing day', () => {
    const ms = Date.UTC(2026, 5, 15, 16, 30, 5, 900);
    expect(beijingRfc3339(ms)).toBe('2026-06-16T00:30:05+08:00');
    expect(Date.parse(beijingRfc3339(ms))).toBe(Date.UTC(2026, 5, 15, 16, 30, 5));
    expect(beijingDate(ms)).toBe('2026-06-16');
  });
});

describe('the trade bill reader', () => {
  const header = tradeBillColumns.join(',');
  const payment = tradeBillRow({
    交易时间: '2026-06-15 20:00:00', 微信订单号: '4200000000000000000000000001', 商户订单号: 'A12345678', 交易状态: 'SUCCESS',
    订单金额: '12.34', 微信退款单号: '0', 商户退款单号: '0', 退款金额: '0.00',
  });
  const refund = tradeBillRow({
    交易时间: '2026-06-15 21:00:00', 微信订单号: '4200000000000000000000000001', 商户订单号: 'A12345678', 交易状态: 'REFUND',
    订单金额: '12.34', 微信退款单号: '50000000000000000000000000001', 商户退款单号: 'RF1', 退款金额: '2.00', 退款状态: 'SUCCESS',
  });
  const summary = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\n`2,`12.34,`2.00,`0.00,`0.07000,`12.34,`2.00';

  it('reads payments and refunds, by column name, through a BOM and CRLF line ends', () => {
    const lines = parseTradeBill(`\uFEFF${[header, payment, refund, summary].join('\r\n')}\r\n`);
    expect(lines).toEqual([
      { orderNumber: 'A12345678', reference: '4200000000000000000000000001', kind: 'payment', refundNumber: null, amount: 1234n, occurredAt: new Date('2026-06-15T12:00:00Z') },
      { orderNumber: 'A12345678', reference: '50000000000000000000000000001', kind: 'refund', refundNumber: 'RF1', amount: 200n, occurredAt: new Date('2026-06-15T13:00:00Z') },
    ]);
  });

  it('keeps a comma inside a field (fields are split on the backtick that starts each)', () => {
    const withComma = payment.replace('`SUCCESS', '`SUCCESS').replace(/`([^`]*)$/, '`a,b');
    expect(parseTradeBill([header, withComma, summary].join('\n'))?.[0]?.amount).toBe(1234n);
  });

  it('refuses a bill cut short, a bad amount, or one without the needed columns (the caller answers unknown)', () => {
    expect(parseTradeBill([header, payment].join('\n'))).toBeNull();
    expect(parseTradeBill([header, payment.replace('`12.34', '`12.345'), summary].join('\n'))).toBeNull();
    expect(parseTradeBill([header.replace('商户订单号', '订单号'), payment, summary].join('\n'))).toBeNull();
    expect(parseTradeBill('')).toBeNull();
    expect(parseTradeBill([header, summary].join('\n'))).toEqual([]);
  });
});
