/**
 * The simulated Alipay as clients nobody here wrote would use it: the official
 * Node SDK's auto-submitting page.pay form (common parameters in the action's
 * query, biz_content and alipay_sdk in the body, total_amount as a JSON number
 * as in Alipay's examples), the SDK's GET link, and trades found by trade_no as
 * well as out_trade_no for query, close, refund and refund query. Values are
 * those of Alipay's documentation where it gives them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beijingDateTime, extractMemberText, requestSigningString, signRsa2, verifyRsa2 } from '../../connectors/alipay/signature.ts';
import { startAlipaySimulator } from './server.ts';
import type { AlipayMerchantCredentials, AlipaySimulator } from './server.ts';

let alipay: AlipaySimulator;
let merchant: AlipayMerchantCredentials;

beforeAll(async () => {
  alipay = await startAlipaySimulator({ notifyDelayScale: 0.0001 });
  merchant = alipay.registerMerchant();
});

afterAll(async () => {
  await alipay.close();
});

/** The common parameters the SDK puts in the URL of its form (alipay-sdk formatUrl). */
const urlParameters = ['app_id', 'method', 'format', 'charset', 'sign_type', 'sign', 'timestamp', 'version', 'notify_url', 'return_url', 'auth_token', 'app_auth_token'];

/**
 * Parameters signed as the SDK signs them: its own common set (no `format`),
 * alipay_sdk among them, biz_content as JSON.stringify of whatever the caller
 * gave (numbers stay numbers), one sign over all.
 */
function sdkSigned(method: string, bizContent: object, extra: Record<string, string> = {}, as: AlipayMerchantCredentials = merchant): Record<string, string> {
  const params: Record<string, string> = {
    method,
    app_id: as.app_id,
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    timestamp: beijingDateTime(Date.now()),
    alipay_sdk: 'alipay-sdk-nodejs-4.14.0',
    ...extra,
    biz_content: JSON.stringify(bizContent),
  };
  return { ...params, sign: signRsa2(requestSigningString(params), as.private_key) };
}

/** What the browser sends when the SDK's form submits itself: the action URL with its query, the hidden inputs as the body. */
async function submitSdkForm(params: Record<string, string>): Promise<Response> {
  const action = new URL(`${alipay.url}/gateway.do`);
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (urlParameters.includes(key)) action.searchParams.set(key, value);
    else body.set(key, value);
  }
  return fetch(action, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: body.toString(), redirect: 'manual' });
}

/** A signed gateway call and its verified answer, at this test's simulator or (`at`) another one. */
async function gateway(method: string, bizContent: object, at: { url: string; merchant: AlipayMerchantCredentials } = { url: alipay.url, merchant }): Promise<Record<string, string>> {
  const response = await fetch(`${at.url}/gateway.do?charset=utf-8`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=utf-8' },
    body: new URLSearchParams(sdkSigned(method, bizContent, {}, at.merchant)).toString(),
  });
  const text = await response.text();
  const member = `${method.replaceAll('.', '_')}_response`;
  const signed = extractMemberText(text, member);
  expect(verifyRsa2(signed ?? '', JSON.parse(text).sign, at.merchant.alipay_public_key)).toBe(true);
  return JSON.parse(signed ?? '{}') as Record<string, string>;
}

describe('page.pay from the official SDK', () => {
  it('takes the auto-submitting POST form with total_amount as a JSON number, and shows the cashier', async () => {
    // Alipay's example biz_content for alipay.trade.page.pay.
    const form = sdkSigned(
      'alipay.trade.page.pay',
      { out_trade_no: '20150320010101001', product_code: 'FAST_INSTANT_TRADE_PAY', total_amount: 88.88, subject: 'Iphone6 16G' },
      { return_url: 'https://m.alipay.com/Gk8NF23', notify_url: 'http://api.test.alipay.net/atinterface/receive_notify.htm' },
    );
    const answer = await submitSdkForm(form);
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe(`${alipay.url}/pay/20150320010101001`);
    const cashier = await fetch(answer.headers.get('location')!);
    expect(await cashier.text()).toContain('88.88');
    expect(await gateway('alipay.trade.query', { out_trade_no: '20150320010101001' })).toMatchObject({ code: '10000', total_amount: '88.88', trade_status: 'WAIT_BUYER_PAY' });
  });

  it('takes the SDK’s GET link too, and refuses a form whose biz_content was altered', async () => {
    const link = new URL(`${alipay.url}/gateway.do`);
    const params = sdkSigned('alipay.trade.page.pay', { out_trade_no: 'PAGEGET0001', product_code: 'FAST_INSTANT_TRADE_PAY', total_amount: '0.01', subject: 'abc' });
    for (const [key, value] of Object.entries(params)) link.searchParams.set(key, value);
    const opened = await fetch(link, { redirect: 'manual' });
    expect(opened.status).toBe(302);

    const tampered = sdkSigned('alipay.trade.page.pay', { out_trade_no: 'PAGEPOST0002', product_code: 'FAST_INSTANT_TRADE_PAY', total_amount: 88.88, subject: 'x' });
    tampered.biz_content = tampered.biz_content!.replace('88.88', '0.01');
    expect((await submitSdkForm(tampered)).status).toBe(400);
    expect(await gateway('alipay.trade.query', { out_trade_no: 'PAGEPOST0002' })).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_NOT_EXIST' });
  });

  it('refuses a product_code that is not the method’s, and amounts that are not yuan with two decimals', async () => {
    const wrongProduct = await submitSdkForm(sdkSigned('alipay.trade.page.pay', { out_trade_no: 'PAGEPROD0001', product_code: 'QUICK_WAP_WAY', total_amount: 1, subject: 'x' }));
    expect(wrongProduct.status).toBe(400);
    for (const total_amount of [0.001, -1, 1e21, '1,00']) {
      const answer = await gateway('alipay.trade.precreate', { out_trade_no: `PRECREATE${String(total_amount).length}${Math.random().toString(36).slice(2, 8)}`, total_amount, subject: 'x' });
      expect(answer, String(total_amount)).toMatchObject({ code: '40002' });
    }
    // Alipay's wap.pay example sends 9.00, which JSON carries as 9.
    expect(await gateway('alipay.trade.precreate', { out_trade_no: '70501111111S001111119', total_amount: 9.0, subject: '大乐透' })).toMatchObject({ code: '10000' });
  });
});

describe('trades found by trade_no', () => {
  it('query, refund and refund query take trade_no as well as out_trade_no; both given must agree', async () => {
    expect(await gateway('alipay.trade.precreate', { out_trade_no: 'TRADENO0001', total_amount: 88.88, subject: 'Iphone6 16G' })).toMatchObject({ code: '10000' });
    alipay.payer('TRADENO0001').pay();
    const byOurs = await gateway('alipay.trade.query', { out_trade_no: 'TRADENO0001' });
    const tradeNo = byOurs.trade_no!;
    expect(await gateway('alipay.trade.query', { trade_no: tradeNo })).toEqual(byOurs);
    expect(await gateway('alipay.trade.query', { trade_no: tradeNo, out_trade_no: 'TRADENO0001' })).toEqual(byOurs);
    expect(await gateway('alipay.trade.query', { trade_no: tradeNo, out_trade_no: 'SOMEOTHER01' })).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_NOT_EXIST' });
    expect(await gateway('alipay.trade.query', { trade_no: '2014112611001004680073956707' })).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_NOT_EXIST' });

    // Alipay's refund example: by trade_no, out_request_no HZ01RF001, the amount as a number.
    const refunded = await gateway('alipay.trade.refund', { trade_no: tradeNo, refund_amount: 8.88, out_request_no: 'HZ01RF001', refund_reason: '正常退款' });
    expect(refunded).toMatchObject({ code: '10000', trade_no: tradeNo, out_trade_no: 'TRADENO0001', fund_change: 'Y', refund_fee: '8.88' });
    const asked = await gateway('alipay.trade.fastpay.refund.query', { trade_no: tradeNo, out_request_no: 'HZ01RF001', query_options: ['gmt_refund_pay'] });
    expect(asked).toMatchObject({ code: '10000', out_trade_no: 'TRADENO0001', out_request_no: 'HZ01RF001', refund_amount: '8.88', refund_status: 'REFUND_SUCCESS' });
  });

  it('close takes trade_no', async () => {
    expect(await gateway('alipay.trade.precreate', { out_trade_no: 'TRADENO0002', total_amount: '1.00', subject: 'x' })).toMatchObject({ code: '10000' });
    alipay.payer('TRADENO0002').leave();
    const { trade_no: tradeNo } = await gateway('alipay.trade.query', { out_trade_no: 'TRADENO0002' });
    expect(await gateway('alipay.trade.close', { trade_no: tradeNo })).toMatchObject({ code: '10000', trade_no: tradeNo, out_trade_no: 'TRADENO0002' });
    expect(await gateway('alipay.trade.query', { trade_no: tradeNo })).toMatchObject({ trade_status: 'TRADE_CLOSED' });
  });
});

describe('trades kept across a restart', () => {
  it('are found by trade_no after the simulator restarts on its data directory, and can be refunded', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'alipay-sim-'));
    try {
      const first = await startAlipaySimulator({ dataDir });
      const kept = first.registerMerchant();
      let tradeNo: string;
      try {
        await gateway('alipay.trade.precreate', { out_trade_no: 'KEPT00000001', total_amount: '2.00', subject: 'x' }, { url: first.url, merchant: kept });
        first.payer('KEPT00000001').pay();
        tradeNo = (await gateway('alipay.trade.query', { out_trade_no: 'KEPT00000001' }, { url: first.url, merchant: kept })).trade_no!;
      } finally {
        await first.close();
      }
      const second = await startAlipaySimulator({ dataDir });
      try {
        const at = { url: second.url, merchant: kept };
        expect(await gateway('alipay.trade.query', { trade_no: tradeNo }, at)).toMatchObject({ code: '10000', out_trade_no: 'KEPT00000001', trade_status: 'TRADE_SUCCESS' });
        expect(await gateway('alipay.trade.refund', { trade_no: tradeNo, refund_amount: '2.00', out_request_no: 'R1' }, at)).toMatchObject({ code: '10000', fund_change: 'Y' });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a mini program’s trade kept across a restart', () => {
  it('is paid after the restart by its buyer only, as trade.create made it (buyer and mini program kept)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'alipay-sim-'));
    try {
      const first = await startAlipaySimulator({ dataDir });
      const kept = first.registerMerchant();
      let tradeNo: string;
      try {
        // The values of Alipay's documented trade.create example.
        const created = await gateway(
          'alipay.trade.create',
          { out_trade_no: '20150320010101001', total_amount: 88.88, subject: 'Iphone6 16G', product_code: 'JSAPI_PAY', buyer_open_id: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5', op_app_id: '2014072300007148' },
          { url: first.url, merchant: kept },
        );
        expect(created).toMatchObject({ code: '10000', out_trade_no: '20150320010101001' });
        tradeNo = created.trade_no!;
      } finally {
        await first.close();
      }
      const second = await startAlipaySimulator({ dataDir });
      try {
        const buyer = { buyerId: null, buyerOpenId: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5' };
        expect(second.payInMiniProgram({ tradeNo, miniProgramAppId: kept.app_id, buyer }).resultCode).toBe('4000');
        expect(second.payInMiniProgram({ tradeNo, miniProgramAppId: '2014072300007148', buyer })).toEqual({ resultCode: '9000', memo: '' });
        expect(await gateway('alipay.trade.query', { trade_no: tradeNo }, { url: second.url, merchant: kept })).toMatchObject({ trade_status: 'TRADE_SUCCESS', total_amount: '88.88' });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
