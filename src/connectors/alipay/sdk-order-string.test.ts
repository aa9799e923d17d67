/**
 * app.pay's order string against the official Alipay Node SDK (`alipay-sdk`
 * 4.14.0, `sdkExecute`), with the SDK's own published test key pair
 * (test/fixtures/alipay-sdk, from alipay/alipay-sdk-nodejs-all's
 * test/fixtures, MIT). Alipay publishes its app.pay example order string
 * without the key that signed it, so the SDK's key is the public one there is.
 *
 * The vector below is what the SDK printed for Alipay's documented app.pay
 * example values (app_id 2014072300007148, out_trade_no
 * 70501111111S001111119, 9.00 yuan, 大乐透, notify_url
 * http://api.test.alipay.net/atinterface/receive_notify.htm, timestamp
 * 2014-07-24 03:07:50 Beijing time) plus the order's time_expire, with
 * `format: 'JSON'`. The SDK writes its parameters in insertion order and
 * encodes with encodeURIComponent (a space is %20); Paypilot sorts them and
 * form-encodes (a space is +). Alipay reads both alike: the signature is over
 * the sorted, decoded parameters, and RSA2 (PKCS#1 v1.5) is deterministic, so
 * both must carry the very same `sign`.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorAccount } from '../connector.ts';
import { createHttpExchange } from '../http-exchange.ts';
import { ManualClock } from '../../domain/clock.ts';
import { startAlipaySimulator, type AlipaySimulator } from '../../simulators/alipay/server.ts';
import { createAlipayConnector } from './alipay-connector.ts';
import { requestSigningString, verifyRsa2 } from './signature.ts';

const fixture = (name: string): string => readFileSync(new URL(`../../../test/fixtures/alipay-sdk/${name}`, import.meta.url), 'ascii');
const appPrivateKey = fixture('app-private-key.pem');
const appPublicKey = fixture('app-public-key.pem');

const sdkOrderString =
  'method=alipay.trade.app.pay&app_id=2014072300007148&charset=utf-8&version=1.0&sign_type=RSA2&timestamp=2014-07-24%2003%3A07%3A50' +
  '&notify_url=http%3A%2F%2Fapi.test.alipay.net%2Fatinterface%2Freceive_notify.htm&format=JSON' +
  '&biz_content=%7B%22out_trade_no%22%3A%2270501111111S001111119%22%2C%22total_amount%22%3A%229.00%22%2C%22subject%22%3A%22%E5%A4%A7%E4%B9%90%E9%80%8F%22%2C%22product_code%22%3A%22QUICK_MSECURITY_PAY%22%2C%22time_expire%22%3A%222014-07-24%2003%3A37%3A50%22%7D' +
  '&sign=EJhXUgjMBB48RqgV9beq84rXWJ40TmzG6owWsFavAMXkQPF2sFA72VQDclOVOA6cfku4I7iAgUse4KJuiSCOK%2FaVzuvgjehsPPEnq5m%2FwY%2B5DxgCkatJqENCtXXUCZuzwvCRhxG1RKO8usgdx2HvISHEAp8TMIYK%2FE%2BwDD3ngL0wsrEMkgw4Nft2MU5TOjxYyKJG4GPLbYLS69NDKXMFSyGY8V8FIdS%2FVwTV6eliRQY4raKYBfuYycXj%2Bri%2F1wVf3c4dOPAqgQqTQ%2BNfNoTiXMndAdy6w8th%2BT5EgRnof%2BGW9fVO90U6OTt9bsuAqupQLG9gTqjKetQJAHdxiTfQHw%3D%3D';

const clock = new ManualClock(Date.UTC(2014, 6, 23, 19, 7, 50)); // 2014-07-24 03:07:50 in Beijing
let alipay: AlipaySimulator;
let account: ConnectorAccount;

beforeAll(async () => {
  alipay = await startAlipaySimulator({ clock, notifyDelayScale: 0.0001 });
  // The merchant made the key pair and uploaded the public key, as with the SDK.
  const registered = alipay.registerApp({ appId: '2014072300007148', appPublicKey });
  account = { id: 'acct_alipay_sdk', connector: 'alipay', mode: 'test', baseUrl: alipay.url, credentials: { ...registered, private_key: appPrivateKey } };
});

afterAll(async () => {
  await alipay.close();
});

async function paypilotOrderString(): Promise<string> {
  const outcome = await createAlipayConnector({ clock }).createOrder(account, {
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
  if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'alipay_app') throw new Error('no order string');
  return outcome.nextAction.alipay_app.order_string;
}

describe('an app.pay order string, as the official Node SDK writes it', () => {
  it('is signed over the sorted, decoded parameters with the app key: the SDK’s signature verifies with the published public key', () => {
    const params = Object.fromEntries(new URLSearchParams(sdkOrderString));
    expect(requestSigningString(params)).toBe(
      'app_id=2014072300007148&biz_content={"out_trade_no":"70501111111S001111119","total_amount":"9.00","subject":"大乐透","product_code":"QUICK_MSECURITY_PAY","time_expire":"2014-07-24 03:37:50"}' +
        '&charset=utf-8&format=JSON&method=alipay.trade.app.pay&notify_url=http://api.test.alipay.net/atinterface/receive_notify.htm&sign_type=RSA2&timestamp=2014-07-24 03:07:50&version=1.0',
    );
    expect(verifyRsa2(requestSigningString(params), params.sign ?? '', appPublicKey)).toBe(true);
  });

  it('is what Paypilot hands the app for the same order: the same parameters and the very same sign, in sorted order', async () => {
    const ours = await paypilotOrderString();
    expect(Object.fromEntries(new URLSearchParams(ours))).toEqual(Object.fromEntries(new URLSearchParams(sdkOrderString)));
    expect(new URLSearchParams(ours).get('sign')).toBe(new URLSearchParams(sdkOrderString).get('sign'));
  });

  it('is taken by the simulated Alipay verbatim (its key order, %20 for a space), and refused with any parameter changed', async () => {
    expect(alipay.payInApp(sdkOrderString.replace('total_amount%22%3A%229.00', 'total_amount%22%3A%220.09'), 'pay')).toMatchObject({
      resultStatus: '4000',
      memo: expect.stringContaining('isv.invalid-signature'),
    });
    expect(alipay.payInApp(sdkOrderString.replace('format=JSON', 'format=json'), 'pay')).toMatchObject({ resultStatus: '4000' });
    expect(alipay.payInApp(sdkOrderString, 'pay')).toMatchObject({ resultStatus: '9000' });
    const connector = createAlipayConnector({ clock, exchange: createHttpExchange({ policy: { allowPrivateInTest: true } }) });
    expect(await connector.queryOrder(account, { orderNumber: '70501111111S001111119' })).toMatchObject({ kind: 'paid', amountPaid: 900n });
  });
});
