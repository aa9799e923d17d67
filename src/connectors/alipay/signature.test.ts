/**
 * The exact strings Alipay signs, RSA2 round trips, the extraction of a
 * response's signed text, Beijing time, and notification verification on
 * hand-built bodies (no server).
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ConnectorAccount } from '../connector.ts';
import { parseBill, readVerifiedAnswer, signedParams, verifyAlipayNotification } from './alipay-connector.ts';
import {
  beijingDateTime,
  extractMemberText,
  notificationSigningString,
  parseBeijingDateTime,
  requestSigningString,
  signRsa2,
  verifyRsa2,
} from './signature.ts';

const merchantKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipayKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = {
  merchantPrivate: merchantKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  alipayPrivate: alipayKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  alipayPublic: alipayKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  otherPrivate: otherKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};

const account: ConnectorAccount = {
  id: 'acct_alipay_unit',
  connector: 'alipay',
  mode: 'test',
  baseUrl: 'http://127.0.0.1:1',
  credentials: { app_id: '2021000000000001', private_key: pem.merchantPrivate, alipay_public_key: pem.alipayPublic, seller_id: '2088000000000001' },
};

describe('request signing string', () => {
  it('sorts keys in ASCII order, drops empty values and sign, keeps sign_type, and joins raw values', () => {
    const params = {
      version: '1.0',
      timestamp: '2014-07-24 03:07:50',
      sign_type: 'RSA2',
      sign: 'must-not-appear',
      notify_url: '',
      method: 'alipay.trade.query',
      format: 'JSON',
      charset: 'utf-8',
      biz_content: '{"out_trade_no":"20150320010101001","subject":"a&b=c 中文"}',
      app_id: '2014072300007148',
      app_auth_token: undefined,
    };
    expect(requestSigningString(params)).toBe(
      'app_id=2014072300007148&biz_content={"out_trade_no":"20150320010101001","subject":"a&b=c 中文"}' +
        '&charset=utf-8&format=JSON&method=alipay.trade.query&sign_type=RSA2&timestamp=2014-07-24 03:07:50&version=1.0',
    );
  });

  it('uses code-unit (ASCII) order, not locale order: upper case, then underscore, then lower case', () => {
    expect(requestSigningString({ ab: '3', a_b: '2', aB: '1', Z: '0' })).toBe('Z=0&aB=1&a_b=2&ab=3');
  });

  it('leaves sign_type out of a notification string, and sign too', () => {
    const fields = { trade_status: 'TRADE_SUCCESS', sign_type: 'RSA2', sign: 'x', app_id: '1', gmt_payment: '' };
    expect(notificationSigningString(fields)).toBe('app_id=1&trade_status=TRADE_SUCCESS');
  });
});

describe('signed request parameters', () => {
  it('carries the common parameters, Beijing time, biz_content as JSON text, and a sign over the signing string', () => {
    const nowMs = Date.UTC(2026, 5, 15, 17, 0, 0);
    const params = signedParams(
      { appId: '2021000000000001', privateKey: pem.merchantPrivate },
      'alipay.trade.query',
      { out_trade_no: 'ORDER0001' },
      { notify_url: '', return_url: null },
      nowMs,
    );
    const { sign, ...unsigned } = params;
    expect(unsigned).toEqual({
      app_id: '2021000000000001',
      method: 'alipay.trade.query',
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: '2026-06-16 01:00:00',
      version: '1.0',
      biz_content: '{"out_trade_no":"ORDER0001"}',
    });
    const merchantPublic = merchantKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(verifyRsa2(requestSigningString(params), sign!, merchantPublic)).toBe(true);
  });
});

describe('RSA2', () => {
  it('verifies what it signed, with the matching public key only', () => {
    const content = 'app_id=1&biz_content={"subject":"测试"}';
    const signature = signRsa2(content, pem.alipayPrivate);
    expect(verifyRsa2(content, signature, pem.alipayPublic)).toBe(true);
    expect(verifyRsa2(`${content} `, signature, pem.alipayPublic)).toBe(false);
    expect(verifyRsa2(content, signRsa2(content, pem.otherPrivate), pem.alipayPublic)).toBe(false);
  });

  it('treats garbage and empty signatures as failures rather than throwing', () => {
    expect(verifyRsa2('x', '', pem.alipayPublic)).toBe(false);
    expect(verifyRsa2('x', 'not base64!', pem.alipayPublic)).toBe(false);
    expect(verifyRsa2('x', 'AAAA', pem.alipayPublic)).toBe(false);
  });

  it('accepts a bare base64 public key, as Alipay hands them out', () => {
    const bare = pem.alipayPublic.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    expect(verifyRsa2('x', signRsa2('x', pem.alipayPrivate), bare)).toBe(true);
  });
});

describe('response signed text', () => {
  it('extracts the exact raw text, with nested braces, escapes and unicode in strings', () => {
    const inner = '{"code":"10000","msg":"Success","nested":{"a":{"b":"}{"}},"s":"引号\\"}{ 😀 \\u4e2d","list":[1,{"x":"]"}]}';
    const raw = `{"sign":"abc=","alipay_trade_query_response" : ${inner}}`;
    expect(extractMemberText(raw, 'alipay_trade_query_response')).toBe(inner);
  });

  it('keeps the text exactly as sent, whitespace included, not re-serialized', () => {
    const inner = '{ "code" : "10000",\n "total_amount":"1.10" }';
    expect(extractMemberText(`{"m":${inner},"sign":"s"}`, 'm')).toBe(inner);
  });

  it('finds nothing in a body that is truncated, lacks the member, or holds it twice', () => {
    expect(extractMemberText('{"m":{"code":"10000"', 'm')).toBeNull();
    expect(extractMemberText('{"other":{},"sign":"s"}', 'm')).toBeNull();
    expect(extractMemberText('{"m":{},"m":{"code":"10000"}}', 'm')).toBeNull();
    expect(extractMemberText('{"x":{"m":{}}}', 'm')).toBeNull();
  });

  it('accepts a correctly signed answer and refuses one whose text was altered', () => {
    const inner = '{"code":"10000","msg":"Success","out_trade_no":"A1","trade_status":"TRADE_SUCCESS"}';
    const sign = signRsa2(inner, pem.alipayPrivate);
    const good = readVerifiedAnswer(`{"alipay_trade_query_response":${inner},"sign":"${sign}"}`, 'alipay.trade.query', pem.alipayPublic);
    expect(good).toMatchObject({ kind: 'answer', code: '10000' });
    const altered = inner.replace('TRADE_SUCCESS', 'TRADE_CLOSED');
    const bad = readVerifiedAnswer(`{"alipay_trade_query_response":${altered},"sign":"${sign}"}`, 'alipay.trade.query', pem.alipayPublic);
    expect(bad.kind).toBe('unknown');
    const unsigned = readVerifiedAnswer(`{"alipay_trade_query_response":${inner}}`, 'alipay.trade.query', pem.alipayPublic);
    expect(unsigned.kind).toBe('unknown');
  });
});

describe('Beijing time', () => {
  it('formats UTC+8 across a day boundary, and parses it back', () => {
    const ms = Date.UTC(2026, 0, 1, 16, 30, 5);
    expect(beijingDateTime(ms)).toBe('2026-01-02 00:30:05');
    expect(parseBeijingDateTime('2026-01-02 00:30:05')?.getTime()).toBe(ms);
    expect(parseBeijingDateTime('2026-02-31 00:00:00')).toBeNull();
    expect(parseBeijingDateTime('2026-01-02T00:30:05')).toBeNull();
  });
});

describe('notification verification', () => {
  const fields = {
    notify_time: '2026-06-15 12:00:01',
    notify_type: 'trade_status_sync',
    notify_id: 'ntf0001',
    app_id: '2021000000000001',
    seller_id: '2088000000000001',
    trade_no: '2026061522001400000000000001',
    out_trade_no: 'ORDER0001',
    trade_status: 'TRADE_SUCCESS',
    total_amount: '88.80',
    receipt_amount: '88.80',
    gmt_payment: '2026-06-15 12:00:00',
    subject: 'Tea & cake 茶 + 蛋糕',
  };

  function body(values: Record<string, string>, privateKey = pem.alipayPrivate): Buffer {
    const sign = signRsa2(notificationSigningString(values), privateKey);
    return Buffer.from(new URLSearchParams({ ...values, sign_type: 'RSA2', sign }).toString());
  }

  it('verifies over URL-decoded values and reads the payment', () => {
    const verdict = verifyAlipayNotification(account, body(fields));
    expect(verdict).toMatchObject({
      kind: 'verified',
      notificationId: 'ntf0001',
      orderNumber: 'ORDER0001',
      refundNumber: null,
      amount: 8880n,
      merchantIdentity: { app_id: '2021000000000001', seller_id: '2088000000000001' },
      ack: { status: 200, contentType: 'text/plain', body: 'success' },
    });
    expect(verdict.kind === 'verified' && verdict.state).toEqual({
      kind: 'paid',
      reference: '2026061522001400000000000001',
      amountPaid: 8880n,
      paidAt: new Date(Date.UTC(2026, 5, 15, 4, 0, 0)),
    });
  });

  it('rejects a tampered amount, keeps the order number for a status query, and answers so that Alipay resends', () => {
    const raw = body(fields).toString().replace('total_amount=88.80', 'total_amount=0.01');
    const verdict = verifyAlipayNotification(account, Buffer.from(raw));
    expect(verdict).toEqual({
      kind: 'rejected',
      reason: 'signature verification failed',
      orderNumber: 'ORDER0001',
      ack: { status: 400, contentType: 'text/plain', body: 'fail' },
    });
    expect(verdict.ack.body).not.toBe('success');
  });

  it('rejects a notification signed with a key that is not Alipay’s', () => {
    expect(verifyAlipayNotification(account, body(fields, pem.otherPrivate)).kind).toBe('rejected');
  });

  it('rejects a correctly signed notification for another app_id, or without notify_id', () => {
    expect(verifyAlipayNotification(account, body({ ...fields, app_id: '2021999999999999' })).kind).toBe('rejected');
    const { notify_id: _dropped, ...withoutId } = fields;
    expect(verifyAlipayNotification(account, body(withoutId))).toMatchObject({ kind: 'rejected', orderNumber: 'ORDER0001' });
  });

  it('rejects a body without sign, with a null order number when none is readable', () => {
    expect(verifyAlipayNotification(account, Buffer.from('a=b'))).toMatchObject({ kind: 'rejected', orderNumber: null });
  });

  it('reads a closed trade as closed and a partial refund as a refund', () => {
    const closed = verifyAlipayNotification(account, body({ ...fields, trade_status: 'TRADE_CLOSED', gmt_payment: '' }));
    expect(closed.kind === 'verified' && closed.state).toEqual({ kind: 'closed' });
    const refunded = verifyAlipayNotification(account, body({ ...fields, out_biz_no: 'R0001', refund_fee: '10.00' }));
    expect(refunded).toMatchObject({ kind: 'verified', refundNumber: 'R0001', state: { kind: 'succeeded', reference: 'R0001' } });
  });
});

describe('bill parsing', () => {
  it('reads rows by column name, skipping comment lines, and refuses an unreadable row', () => {
    const csv = [
      '#支付宝交易记录明细查询',
      // A subset of Alipay's columns, with half-width parentheses as some exports write them.
      '支付宝交易号,商户订单号,业务类型,订单金额(元),完成时间,退款批次号/请求号',
      '2026061522001,ORDER0001,交易,88.80,2026-06-15 12:00:00,',
      '2026061522001,ORDER0001,退款,-8.80,2026-06-15 13:00:00,R0001',
      '#交易合计：1笔',
    ].join('\r\n');
    expect(parseBill(csv)).toEqual([
      { orderNumber: 'ORDER0001', reference: '2026061522001', kind: 'payment', refundNumber: null, amount: 8880n, occurredAt: new Date(Date.UTC(2026, 5, 15, 4)) },
      { orderNumber: 'ORDER0001', reference: '2026061522001', kind: 'refund', refundNumber: 'R0001', amount: 880n, occurredAt: new Date(Date.UTC(2026, 5, 15, 5)) },
    ]);
    expect(parseBill(csv.replace('88.80', '88.8.0'))).toBeNull();
    expect(parseBill('商户订单号\nA')).toBeNull();
  });
});
