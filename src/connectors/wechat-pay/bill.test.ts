/**
 * The trade bill (交易账单, bill_type=ALL) as WeChat Pay writes it: a bill
 * downloaded from WeChat (as the wechatpay Go client's tests keep it), then
 * the cases a real bill has that it does not: refunds, a BOM, CRLF, a refund
 * still PROCESSING, a bill cut short.
 */
import { describe, expect, it } from 'vitest';
import { parseTradeBill, tradeBillColumns } from './wire.ts';

const header = '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const summaryHeader = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';

const downloaded = [
  header,
  '`2021-01-28 17:07:11,`wx81be3101902f7cb2,`1601959334,`0,`,`4200000925202101284997714292,`S20210128170702357723,`ofyak5qR_1wYsC99CsWA6R9MJazA,`NATIVE,`SUCCESS,`OTHERS,`CNY,`0.01,`0.00,`0,`0,`0.00,`0.00,`,`,`for testing,`cipher code,`0.00000,`1.00%,`0.01,`0.00,`',
  '`2021-01-28 15:35:18,`wx81be3101902f7cb2,`1601959334,`0,`,`4200000910202101282955148400,`S20210128153505214586,`ofyak5qR_1wYsC99CsWA6R9MJazA,`NATIVE,`SUCCESS,`OTHERS,`CNY,`0.01,`0.00,`0,`0,`0.00,`0.00,`,`,`for testing,`cipher code,`0.00000,`1.00%,`0.01,`0.00,`',
  '`2021-01-28 16:59:46,`wx81be3101902f7cb2,`1601959334,`0,`,`4200000926202101281412639609,`S20210128165824499930,`ofyak5qR_1wYsC99CsWA6R9MJazA,`NATIVE,`SUCCESS,`OTHERS,`CNY,`0.01,`0.00,`0,`0,`0.00,`0.00,`,`,`for testing,`cipher code,`0.00000,`1.00%,`0.01,`0.00,`',
  summaryHeader,
  '`3,`0.03,`0.00,`0.00,`0.00000,`0.03,`0.00',
  '',
].join('\n');

function refundRow(status: string, refundNumber: string): string {
  return `\`2021-01-29 10:00:00,\`wx81be3101902f7cb2,\`1601959334,\`0,\`,\`4200000925202101284997714292,\`S20210128170702357723,\`ofyak5qR_1wYsC99CsWA6R9MJazA,\`NATIVE,\`REFUND,\`OTHERS,\`CNY,\`0.00,\`0.00,\`50300807092021020105990201735,\`${refundNumber},\`0.01,\`0.00,\`ORIGINAL,\`${status},\`for testing,\`cipher code,\`-0.00010,\`1.00%,\`0.01,\`0.01,\``;
}

describe('parseTradeBill', () => {
  it('reads the bill WeChat sent: 27 backticked fields a row (the last empty), the summary after', () => {
    expect(header.split(',')).toEqual([...tradeBillColumns]);
    expect(parseTradeBill(downloaded)).toEqual([
      { orderNumber: 'S20210128170702357723', reference: '4200000925202101284997714292', kind: 'payment', refundNumber: null, amount: 1n, occurredAt: new Date('2021-01-28T17:07:11+08:00') },
      { orderNumber: 'S20210128153505214586', reference: '4200000910202101282955148400', kind: 'payment', refundNumber: null, amount: 1n, occurredAt: new Date('2021-01-28T15:35:18+08:00') },
      { orderNumber: 'S20210128165824499930', reference: '4200000926202101281412639609', kind: 'payment', refundNumber: null, amount: 1n, occurredAt: new Date('2021-01-28T16:59:46+08:00') },
    ]);
  });

  it('reads refund rows by their refund columns, with a BOM and CRLF, and leaves out a refund not yet SUCCESS', () => {
    const text = `\uFEFF${[header, refundRow('SUCCESS', 'S20210201151309277501'), refundRow('PROCESSING', 'S20210201151309277502'), summaryHeader, '`2,`0.00,`0.01,`0.00,`-0.00010,`0.02,`0.02', ''].join('\r\n')}`;
    expect(parseTradeBill(text)).toEqual([
      { orderNumber: 'S20210128170702357723', reference: '50300807092021020105990201735', kind: 'refund', refundNumber: 'S20210201151309277501', amount: 1n, occurredAt: new Date('2021-01-29T10:00:00+08:00') },
    ]);
  });

  it('refuses a bill cut before its summary, a row with a field missing, or a header without the columns it reads', () => {
    const lines = downloaded.split('\n');
    expect(parseTradeBill(lines.slice(0, 3).join('\n'))).toBeNull();
    expect(parseTradeBill([header, lines[1]?.replace(',`0.00,`', ',`'), summaryHeader, '`1'].join('\n'))).toBeNull();
    expect(parseTradeBill(downloaded.replace('商户订单号', '订单号'))).toBeNull();
  });
});
