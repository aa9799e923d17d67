/**
 * Contract tests of the Alipay wire messages this connector sends or reads
 * that changed with issue 15, checked with the values Alipay publishes in its
 * documentation where it publishes them: the refund query's query_options (an
 * array in biz_content) and how its answer is read, wap.pay for phones,
 * app.pay's order string for the merchant's app, trade.create for a mini
 * program, a refund notification, and the bill as Alipay hands it out (a ZIP
 * of GBK CSV files with summary lines, cells quoted as CSV).
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ConnectorAccount } from '../connector.ts';
import type { ExchangeRequest, HttpExchange } from '../http-exchange.ts';
import { ManualClock } from '../../domain/clock.ts';
import { encodeGbk, zipArchive } from '../../simulators/alipay/bill-archive.ts';
import { appOrderString, createAlipayConnector, verifyAlipayNotification } from './alipay-connector.ts';
import { notificationSigningString, requestSigningString, signRsa2, verifyRsa2 } from './signature.ts';
import { readBillArchive } from './statement.ts';
import { billDetailColumns, billSummaryColumns } from './wire.ts';
import { readZip } from '../zip.ts';

const merchantKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipayKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = {
  merchantPrivate: merchantKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  alipayPrivate: alipayKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  alipayPublic: alipayKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
};
/** Alipay's documented example app_id and seller (partner) id. */
const account: ConnectorAccount = {
  id: 'acct_alipay_contract',
  connector: 'alipay',
  mode: 'test',
  baseUrl: 'https://openapi.alipay.example',
  credentials: { app_id: '2014072300007148', private_key: pem.merchantPrivate, alipay_public_key: pem.alipayPublic, seller_id: '2088102146225135' },
};
const clock = new ManualClock(Date.UTC(2014, 6, 23, 19, 7, 50)); // 2014-07-24 03:07:50 in Beijing, the docs' timestamp

/** An exchange that keeps each request and answers nothing (a connection refused): what was sent is the contract. */
function recordingExchange(): { exchange: HttpExchange; sent: ExchangeRequest[] } {
  const sent: ExchangeRequest[] = [];
  const exchange = {
    policy: { allowPrivateInTest: true },
    resolve: async () => [],
    close: async () => {},
    send: async (request: ExchangeRequest) => {
      sent.push(request);
      return { kind: 'not_sent', detail: 'recording only', refusedByPolicy: false };
    },
  } as unknown as HttpExchange;
  return { exchange, sent };
}

function bizContentOf(request: ExchangeRequest | undefined): unknown {
  return JSON.parse(new URLSearchParams(request?.body ?? '').get('biz_content') ?? 'null');
}

describe('alipay.trade.fastpay.refund.query', () => {
  it('sends query_options as a JSON array inside biz_content, never as a JSON-encoded string', async () => {
    const { exchange, sent } = recordingExchange();
    const connector = createAlipayConnector({ exchange, clock });
    await connector.queryRefund(account, { orderNumber: '20150320010101001', refundNumber: 'HZ01RF001' });
    const form = new URLSearchParams(sent[0]?.body ?? '');
    expect(form.get('method')).toBe('alipay.trade.fastpay.refund.query');
    expect(bizContentOf(sent[0])).toEqual({ out_trade_no: '20150320010101001', out_request_no: 'HZ01RF001', query_options: ['gmt_refund_pay'] });
    expect(form.get('biz_content')).toContain('"query_options":["gmt_refund_pay"]');
  });
});

/** An exchange that keeps each request and answers it with Alipay's envelope around `fields`, signed with Alipay's key. */
function answeringExchange(member: string, fields: Record<string, string>): { exchange: HttpExchange; sent: ExchangeRequest[] } {
  const inner = JSON.stringify(fields);
  const body = `{"${member}":${inner},"sign":"${signRsa2(inner, pem.alipayPrivate)}"}`;
  const sent: ExchangeRequest[] = [];
  const exchange = {
    policy: { allowPrivateInTest: true },
    resolve: async () => [],
    close: async () => {},
    send: async (request: ExchangeRequest) => {
      sent.push(request);
      return { kind: 'answered', status: 200, headers: new Headers(), body: Buffer.from(body), complete: true, fromPublicAddress: null };
    },
  } as unknown as HttpExchange;
  return { exchange, sent };
}

describe('an answer of alipay.trade.fastpay.refund.query', () => {
  // The values of Alipay's documented response example.
  const found = {
    code: '10000',
    msg: 'Success',
    trade_no: '2014112611001004680073956707',
    out_trade_no: '20150320010101001',
    out_request_no: '20150320010101001',
    total_amount: '100.20',
    refund_amount: '12.33',
  };
  const query = (fields: Record<string, string>) =>
    createAlipayConnector({ exchange: answeringExchange('alipay_trade_fastpay_refund_query_response', fields).exchange, clock })
      .queryRefund(account, { orderNumber: '20150320010101001', refundNumber: '20150320010101001' });

  it('that returns the refund with refund_status REFUND_SUCCESS says it succeeded', async () => {
    expect(await query({ ...found, refund_status: 'REFUND_SUCCESS' })).toEqual({ kind: 'succeeded', reference: '20150320010101001' });
  });

  it('that returns the refund without refund_status says it succeeded (Alipay: data returned and refund_status empty or REFUND_SUCCESS)', async () => {
    expect(await query(found)).toEqual({ kind: 'succeeded', reference: '20150320010101001' });
    expect(await query({ ...found, refund_status: '' })).toEqual({ kind: 'succeeded', reference: '20150320010101001' });
  });

  it('that returns no refund says there is none; a status it does not know keeps it pending, never succeeded', async () => {
    expect(await query({ code: '10000', msg: 'Success' })).toEqual({ kind: 'not_found' });
    expect(await query({ ...found, refund_status: 'REFUND_PROCESSING' })).toEqual({ kind: 'pending', reference: '20150320010101001' });
  });

  it('that names another refund is unknown; one without refund_status nor a readable refund_amount stays pending', async () => {
    expect(await query({ ...found, out_request_no: 'HZ01RF002' })).toMatchObject({ kind: 'unknown' });
    const { refund_amount: _amount, ...withoutAmount } = found;
    expect(await query(withoutAmount)).toEqual({ kind: 'pending', reference: '20150320010101001' });
    expect(await query({ ...found, refund_amount: '12.3.3' })).toEqual({ kind: 'pending', reference: '20150320010101001' });
  });
});

describe('alipay.trade.wap.pay', () => {
  it('a phone gets a signed wap.pay link (QUICK_WAP_WAY) with quit_url, return_url and notify_url, and no call is made', async () => {
    const { exchange, sent } = recordingExchange();
    const connector = createAlipayConnector({ exchange, clock });
    const outcome = await connector.createOrder(account, {
      orderNumber: '70501111111S001111119',
      amount: 900n,
      currency: 'CNY',
      subject: '大乐透',
      device: 'mobile',
      returnUrl: 'http://www.taobao.com/product/113714.html',
      notifyUrl: 'http://api.test.alipay.net/atinterface/receive_notify.htm',
      expiresAt: new Date(clock.nowMs() + 30 * 60_000),
      payerIp: null,
    });
    expect(sent).toHaveLength(0);
    if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'redirect_to_url') throw new Error('no redirect');
    const url = new URL(outcome.nextAction.redirect_to_url.url);
    expect(url.pathname).toBe('/gateway.do');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      app_id: '2014072300007148',
      method: 'alipay.trade.wap.pay',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: '2014-07-24 03:07:50',
      version: '1.0',
      return_url: 'http://www.taobao.com/product/113714.html',
      notify_url: 'http://api.test.alipay.net/atinterface/receive_notify.htm',
    });
    expect(JSON.parse(url.searchParams.get('biz_content')!)).toEqual({
      out_trade_no: '70501111111S001111119',
      total_amount: '9.00',
      subject: '大乐透',
      product_code: 'QUICK_WAP_WAY',
      time_expire: '2014-07-24 03:37:50',
      quit_url: 'http://www.taobao.com/product/113714.html',
    });
  });
});

describe('alipay.trade.app.pay', () => {
  it('a payer in the merchant’s app gets the signed order string its Alipay SDK takes (QUICK_MSECURITY_PAY), and no call is made', async () => {
    const { exchange, sent } = recordingExchange();
    const connector = createAlipayConnector({ exchange, clock });
    // The values of Alipay's documented app.pay example.
    const outcome = await connector.createOrder(account, {
      orderNumber: '70501111111S001111119',
      amount: 900n,
      currency: 'CNY',
      subject: '大乐透',
      device: 'mobile',
      returnUrl: null,
      notifyUrl: 'http://api.test.alipay.net/atinterface/receive_notify.htm',
      expiresAt: new Date(clock.nowMs() + 30 * 60_000),
      payerIp: null,
      alipayClient: { kind: 'app' },
    });
    expect(sent).toHaveLength(0);
    if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'alipay_app') throw new Error('no order string');
    const orderString = outcome.nextAction.alipay_app.order_string;
    // As the Java SDK's sdkExecute writes it: keys in ASCII order, sign last, values form-encoded (a space is +). The Node SDK keeps
    // insertion order and writes %20; Alipay reads both alike (sdk-order-string.test.ts).
    const keys = [...new URLSearchParams(orderString).keys()];
    expect(keys).toEqual(['app_id', 'biz_content', 'charset', 'format', 'method', 'notify_url', 'sign_type', 'timestamp', 'version', 'sign']);
    expect(orderString).toContain('&timestamp=2014-07-24+03%3A07%3A50&');
    expect(orderString).toContain('notify_url=http%3A%2F%2Fapi.test.alipay.net%2Fatinterface%2Freceive_notify.htm');
    const params = Object.fromEntries(new URLSearchParams(orderString));
    expect(params).toMatchObject({ app_id: '2014072300007148', method: 'alipay.trade.app.pay', charset: 'utf-8', format: 'JSON', sign_type: 'RSA2', version: '1.0' });
    expect(JSON.parse(params.biz_content ?? '')).toEqual({
      out_trade_no: '70501111111S001111119',
      total_amount: '9.00',
      subject: '大乐透',
      product_code: 'QUICK_MSECURITY_PAY',
      time_expire: '2014-07-24 03:37:50',
    });
    // Signed as every request is: the sorted, decoded parameters without sign, RSA2 with the merchant's key.
    expect(verifyRsa2(requestSigningString(params), params.sign ?? '', merchantKeys.publicKey)).toBe(true);
    expect(appOrderString(params)).toBe(orderString);
  });
});

describe('alipay.trade.create (a mini program, JSAPI_PAY)', () => {
  // The values of Alipay's documented trade.create request and response examples.
  const answer = { code: '10000', msg: 'Success', out_trade_no: '20150320010101001', trade_no: '2013112011001004330000121536' };
  const order = {
    orderNumber: '20150320010101001',
    amount: 8888n,
    currency: 'CNY' as const,
    subject: 'Iphone6 16G',
    device: 'mobile' as const,
    returnUrl: null,
    notifyUrl: 'http://api.test.alipay.net/atinterface/receive_notify.htm',
    expiresAt: new Date(clock.nowMs() + 30 * 60_000),
    payerIp: null,
  };

  it('creates the trade for the payer the mini program names, and answers the trade_no my.tradePay takes', async () => {
    const { exchange, sent } = answeringExchange('alipay_trade_create_response', answer);
    const connector = createAlipayConnector({ exchange, clock });
    const outcome = await connector.createOrder(account, {
      ...order,
      alipayClient: { kind: 'mini_program', buyerId: null, buyerOpenId: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5', opAppId: '2014072300007148' },
    });
    expect(outcome).toEqual({
      kind: 'requires_action',
      reference: null,
      nextAction: { type: 'alipay_mini_program', alipay_mini_program: { trade_no: '2013112011001004330000121536' } },
    });
    const form = new URLSearchParams(sent[0]?.body ?? '');
    expect(form.get('method')).toBe('alipay.trade.create');
    expect(form.get('notify_url')).toBe('http://api.test.alipay.net/atinterface/receive_notify.htm');
    expect(bizContentOf(sent[0])).toEqual({
      out_trade_no: '20150320010101001',
      total_amount: '88.88',
      subject: 'Iphone6 16G',
      product_code: 'JSAPI_PAY',
      buyer_open_id: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5',
      op_app_id: '2014072300007148',
      time_expire: '2014-07-24 03:37:50',
    });
  });

  it('names the payer by buyer_id when that is what the merchant has', async () => {
    const { exchange, sent } = answeringExchange('alipay_trade_create_response', answer);
    await createAlipayConnector({ exchange, clock }).createOrder(account, {
      ...order,
      alipayClient: { kind: 'mini_program', buyerId: '2088102146225136', buyerOpenId: null, opAppId: null },
    });
    expect(bizContentOf(sent[0])).toMatchObject({ buyer_id: '2088102146225136', product_code: 'JSAPI_PAY' });
    expect(bizContentOf(sent[0])).not.toHaveProperty('buyer_open_id');
    expect(bizContentOf(sent[0])).not.toHaveProperty('op_app_id');
  });

  it('an answer without trade_no, or about another order, is unknown; 20000 is retriable (nothing is paid before the payer confirms)', async () => {
    const client = { kind: 'mini_program' as const, buyerId: '2088102146225136', buyerOpenId: null, opAppId: null };
    const create = (fields: Record<string, string>) =>
      createAlipayConnector({ exchange: answeringExchange('alipay_trade_create_response', fields).exchange, clock }).createOrder(account, { ...order, alipayClient: client });
    const { trade_no: _tradeNo, ...withoutTradeNo } = answer;
    expect(await create(withoutTradeNo)).toMatchObject({ kind: 'unknown' });
    expect(await create({ ...answer, out_trade_no: '20150320010101002' })).toMatchObject({ kind: 'unknown' });
    expect(await create({ code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error', sub_msg: '系统繁忙' })).toMatchObject({ kind: 'retriable' });
  });

  it('a verified refusal of the buyer is declined (no trade was made); a trade already paid or any other refusal stays unknown', async () => {
    const client = { kind: 'mini_program' as const, buyerId: '2088102146225135', buyerOpenId: null, opAppId: null };
    const create = (fields: Record<string, string>) =>
      createAlipayConnector({ exchange: answeringExchange('alipay_trade_create_response', fields).exchange, clock }).createOrder(account, { ...order, alipayClient: client });
    const refusal = (subCode: string, subMsg: string) => ({ code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: subMsg });
    expect(await create(refusal('ACQ.BUYER_SELLER_EQUAL', '买卖家不能相同'))).toEqual({ kind: 'declined', code: 'alipay_buyer_refused', declineCode: null, reference: null, attemptsRemaining: null });
    expect(await create(refusal('ACQ.BUYER_ENABLE_STATUS_FORBID', '买家状态非法'))).toMatchObject({ kind: 'declined', code: 'alipay_buyer_refused' });
    expect(await create(refusal('ACQ.TRADE_HAS_SUCCESS', '交易已被支付'))).toMatchObject({ kind: 'unknown' });
    expect(await create(refusal('ACQ.SYSTEM_ERROR', '系统错误'))).toMatchObject({ kind: 'unknown' });
  });
});

describe('a refund notification', () => {
  // The field values of Alipay's documented asynchronous notification example.
  const fields = {
    notify_time: '2015-04-28 15:45:58',
    notify_type: 'trade_status_sync',
    notify_id: 'ac05099524730693a8b330c5ecf72da9786',
    charset: 'utf-8',
    version: '1.0',
    app_id: '2014072300007148',
    auth_app_id: '2014072300007148',
    seller_id: '2088102146225135',
    trade_no: '2013112011001004330000121536',
    out_trade_no: '6823789339978248',
    out_biz_no: 'HZRF001',
    trade_status: 'TRADE_SUCCESS',
    total_amount: '88.88',
    receipt_amount: '88.88',
    refund_fee: '20.58',
    gmt_create: '2015-04-27 15:45:57',
    gmt_payment: '2015-04-27 15:45:57',
    gmt_refund: '2015-04-28 15:45:57.320',
    subject: '当面付交易',
  };
  const body = (values: Record<string, string>): Buffer => {
    const sign = signRsa2(notificationSigningString(values), pem.alipayPrivate);
    return Buffer.from(new URLSearchParams({ ...values, sign_type: 'RSA2', sign }).toString());
  };

  it('is the trade notification with out_biz_no and refund_fee: the refund it names succeeded, refund_fee being the total refunded so far', () => {
    expect(verifyAlipayNotification(account, body(fields))).toMatchObject({
      kind: 'verified',
      notificationId: 'ac05099524730693a8b330c5ecf72da9786',
      orderNumber: '6823789339978248',
      refundNumber: 'HZRF001',
      amount: null,
      orderAmount: 8888n,
      refundedTotal: 2058n,
      state: { kind: 'succeeded', reference: 'HZRF001' },
      merchantIdentity: { app_id: '2014072300007148', seller_id: '2088102146225135' },
      ack: { status: 200, body: 'success' },
    });
  });

  it('is refused when refund_fee is unreadable, and when its signature fails', () => {
    expect(verifyAlipayNotification(account, body({ ...fields, refund_fee: '20.5.8' }))).toMatchObject({ kind: 'rejected', reason: 'refund_fee unreadable' });
    const forged = body(fields).toString().replace('refund_fee=20.58', 'refund_fee=88.88');
    expect(verifyAlipayNotification(account, Buffer.from(forged))).toMatchObject({ kind: 'rejected', reason: 'signature verification failed' });
  });
});

/** A bill made by another ZIP writer (Python's zipfile: one entry deflated, one stored), names in ASCII, contents in GBK. */
const foreignBillBase64 = [
  'UEsDBBQAAAAIADlR0FzjfKrd/QEAAIIEAAAoAAAAMjA4ODAwMDAwMDAwMDAwMTAxNTZfMjAyNjA2MTVfZGV0YWlsLmNzdp1U32vTQBx/XqH/Q6Bvcql3l92R',
  '9Q/wx6uPyh4Fn5x/k8G1G4OatGnaNGFqTZaltl1rkqIgTPDFqmNj4GQT8e6Salz3UPflOL6/+dz3x5WSarulb07M4UnvbNQ2Po/rxUIp7tueZj/AUFXhX0IQ',
  'EbrOzP5x6ASx/164YPp6Bmn0CpEgliCsiLMuSVISJ51FL5r3YrnkZWkO8eWB/m3ZmGIhfZ7bnUxtD+y/6VZbW+YzxvJsLw4PBkznW72Lhg+aTbcW6s4nMJg1',
  '9gXT88yZfsicOSN8jHfTs0gHSdxiBQKtyHLjfrcKeE73uHWk1aJtbYuldCahGcaZmEKwvz7/mSmcupXom/9Y33rdD7nonBjU7f7oPJc9qAso3I3nHF1Y45x1',
  't3ZJMejvHnnnzaHt3dz7snfKYFu/hifWODNbSXCasXp7+rRYwKzJcBWrGPGGw1VFEa3HiCh0BQirgsUscDNaAby24O6TRxuPH1IJ0duAN1uGVEZEQrCCSQXT',
  'RZ2iAE6IrN1gRCiGQFXLqprdsAzhlVeelWGZKCl/Ddy8MP+FG6VDu4BbFojlpXHfuQ/RvVsCA5PJ/AHX2wT3Y/hjuU0oiSUYOb5mIz3UduZT2jFEydkI7MxH',
  'r2NwTNE2C+JVuiKIqzuGfDkwVf8JNp3Gd75Jiz8AKzBcqxDEfoDfUEsDBBQAAAAAADlR0FzTpLSu+AEAAPgBAAApAAAAMjA4ODAwMDAwMDAwMDAwMTAxNTZf',
  'MjAyNjA2MTVfc3VtbWFyeS5jc3Yj1qe4trGm0rXO8bvj19yy6dGvDQoj1cu6xaO6WzIwODgwMDAwMDAwMDAwMDEwMTU2XQ0KIy0tLS0tLS0tLS0tLS0tLS0t',
  'LS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0t0rXO8bvj19zB0LHtLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLQ0Kw8W16rHgusUsw8W1',
  '6sP7s8YsvbvS17aptaXX3LHKyv0szcu/7raptaXX3LHKyv0stqm1pb3wtu6jqNSqo6ksycy80sq1ytWjqNSqo6ks1qe4trGm08W73aOo1KqjqSzJzLzS08W7',
  '3aOo1KqjqSy/qM/7t9G98Lbuo6jUqqOpLLf+zvG30aOo1KqjqSy31sjzo6jUqqOpLMq1ytW+u7buo6jUqqOpDQosus+8xiwxLDEsODAuMDAsODAuMDAsMC4w',
  'MCwwLjAwLDAuMDAsLTAuNDgsMC4wMCw3OS41Mg0KIy0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0t0rXO8bvj19zB0LHtveHK+C0t',
  'LS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLQ0KI7W8s/bKsbzko7pbMjAyNsTqMDbUwjE2yNUgMTA6MDk6NTFdDQpQSwECFAMUAAAACAA5UdBc',
  '43yq3f0BAACCBAAAKAAAAAAAAAAAAAAAgAEAAAAAMjA4ODAwMDAwMDAwMDAwMTAxNTZfMjAyNjA2MTVfZGV0YWlsLmNzdlBLAQIUAxQAAAAAADlR0FzTpLSu',
  '+AEAAPgBAAApAAAAAAAAAAAAAACAAUMCAAAyMDg4MDAwMDAwMDAwMDAxMDE1Nl8yMDI2MDYxNV9zdW1tYXJ5LmNzdlBLBQYAAAAAAgACAK0AAACCBAAAAAA=',
].join('');

describe('the trade bill (业务明细) as Alipay hands it out', () => {
  const header = billDetailColumns.join(',');
  const row = (cells: Partial<Record<(typeof billDetailColumns)[number], string>>): string => billDetailColumns.map((name) => cells[name] ?? '').join(',');
  const detail = [
    '#支付宝业务明细查询',
    '#账号：[20881021462251350156]',
    '#起始日期：[2026年06月15日 00:00:00]   终止日期：[2026年06月16日 00:00:00]',
    '#-----------------------------------------业务明细列表----------------------------------------',
    header,
    row({ 支付宝交易号: '2026061522001400000000000001\t', 商户订单号: 'ORDER0001\t', 业务类型: '交易', 商品名称: '龙井茶', 完成时间: '2026-06-15 10:25:33', '订单金额（元）': '88.80', '商家实收（元）': '88.80' }),
    row({ 支付宝交易号: '2026061522001400000000000001\t', 商户订单号: 'ORDER0001\t', 业务类型: '退款', 商品名称: '龙井茶', 完成时间: '2026-06-15 23:59:59', '订单金额（元）': '-8.80', '商家实收（元）': '-8.80', '退款批次号/请求号': 'R0001\t' }),
    '#-----------------------------------------业务明细列表结束------------------------------------',
    '#交易合计：1笔，商家实收共88.80元，商家优惠共0.00元',
    '#退款合计：1笔，商家实收退款共-8.80元，商家优惠退款共0.00元',
    '#导出时间：[2026年06月16日 10:09:51]',
  ].join('\r\n');
  const summary = ['#支付宝业务汇总查询', '#账号：[20881021462251350156]', billSummaryColumns.join(','), ',合计,1,1,80.00,80.00,0.00,0.00,0.00,0.00,0.00,80.00', '#导出时间：[2026年06月16日 10:09:51]'].join('\r\n');
  const archive = (detailText: string): Buffer =>
    zipArchive(
      [
        { name: '20881021462251350156_20260615_业务明细.csv', data: encodeGbk(detailText) },
        { name: '20881021462251350156_20260615_业务明细(汇总).csv', data: encodeGbk(summary) },
      ],
      '2026-06-16 10:09:51',
    );

  it('GBK is GBK: the header’s first column is the bytes D6A7 B8B6 B1A6 BDBB D2D7 BAC5', () => {
    expect(encodeGbk('支付宝交易号,').toString('hex')).toBe('d6a7b8b6b1a6bdbbd2d7bac52c');
    expect(encodeGbk('（元）').toString('hex')).toBe('a3a8d4aaa3a9');
  });

  it('reads the rows of the detail file, not the summary, whatever the archive’s names are encoded in', () => {
    const zip = readZip(archive(detail), { entriesMax: 4, inflatedBytesMax: 1 << 20 });
    expect('entries' in zip && zip.entries.map((entry) => entry.name)).toEqual(['20881021462251350156_20260615_业务明细.csv', '20881021462251350156_20260615_业务明细(汇总).csv']);
    expect(readBillArchive(archive(detail))).toEqual({
      lines: [
        { orderNumber: 'ORDER0001', reference: '2026061522001400000000000001', kind: 'payment', refundNumber: null, amount: 8880n, occurredAt: new Date('2026-06-15T02:25:33Z') },
        { orderNumber: 'ORDER0001', reference: '2026061522001400000000000001', kind: 'refund', refundNumber: 'R0001', amount: 880n, occurredAt: new Date('2026-06-15T15:59:59Z') },
      ],
    });
  });

  it('reads a bill zipped by another tool (deflated and stored entries)', () => {
    const read = readBillArchive(Buffer.from(foreignBillBase64, 'base64'));
    expect(read).toEqual({
      lines: [
        { orderNumber: '20150320010101001', reference: '2015042821001004330000121536', kind: 'payment', refundNumber: null, amount: 8888n, occurredAt: new Date('2026-06-15T02:25:33Z') },
        { orderNumber: '20150320010101001', reference: '2015042821001004330000121536', kind: 'refund', refundNumber: 'HZ01RF001', amount: 888n, occurredAt: new Date('2026-06-15T03:00:00Z') },
      ],
    });
  });

  it('reads a subject holding a comma, quotes or a line break, quoted as CSV quotes it, without shifting a column', () => {
    const subject = '龙井茶,明前 "特级"\r\n礼盒';
    const quoted = detail.replaceAll(',龙井茶,', `,"${subject.replaceAll('"', '""')}",`);
    expect(quoted).not.toBe(detail);
    expect(readBillArchive(archive(quoted))).toEqual(readBillArchive(archive(detail)));
    expect(readBillArchive(archive(quoted))).toMatchObject({ lines: [{ kind: 'payment', amount: 8880n }, { kind: 'refund', amount: 880n, refundNumber: 'R0001' }] });
  });

  it('refuses, rather than skips, what it cannot read: a row with an unquoted comma in a cell, UTF-8 text, a corrupt or foreign archive', () => {
    const shifted = detail.replace('龙井茶', '龙井茶,明前');
    expect(readBillArchive(archive(shifted))).toMatchObject({ error: expect.stringContaining('cannot be read') });
    const utf8 = zipArchive([{ name: 'bill_业务明细.csv', data: Buffer.from(detail, 'utf8') }], '2026-06-16 10:09:51');
    expect(readBillArchive(utf8)).toMatchObject({ error: expect.stringMatching(/not GBK|detail files/) });
    const corrupt = archive(detail);
    // A byte of the first entry's deflated data (after its 30-byte local header and its name).
    const inData = 30 + corrupt.readUInt16LE(26) + 5;
    corrupt[inData] = (corrupt[inData] ?? 0) ^ 0xff;
    expect(readBillArchive(corrupt)).toHaveProperty('error');
    expect(readBillArchive(Buffer.from(detail))).toMatchObject({ error: expect.stringContaining('not a ZIP') });
    expect(readBillArchive(zipArchive([], '2026-06-16 10:09:51'))).toMatchObject({ error: expect.stringContaining('0 detail files') });
  });

  it('bounds what an archive may inflate to', () => {
    const big = zipArchive([{ name: 'a_业务明细.csv', data: Buffer.alloc(2_000_000, 0x20) }], '2026-06-16 10:09:51');
    expect(readZip(big, { entriesMax: 4, inflatedBytesMax: 1_000_000 })).toMatchObject({ error: expect.stringContaining('inflate to more than') });
    expect(readZip(archive(detail), { entriesMax: 1, inflatedBytesMax: 1 << 20 })).toMatchObject({ error: 'more than 1 entries' });
  });
});
