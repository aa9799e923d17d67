/**
 * WeChat Pay JSAPI (inside WeChat, with the payer's openid): the order at
 * /v3/pay/transactions/jsapi, the parameters for getBrandWCPayRequest signed
 * for the page, and the simulated WeChat client checking them as WeChat's
 * client does before it shows its cashier.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../domain/clock.ts';
import type { ConnectorAccount, CreateOrderRequest, WechatPayJsapiParameters } from '../connector.ts';
import { createHttpExchange } from '../http-exchange.ts';
import { startWechatPaySimulator, type WechatPaySimulator } from '../../simulators/wechat-pay/server.ts';
import { jsapiSigningMessage, signMessage, verifyJsapiPaySign } from './signing.ts';
import { createWechatPayConnector } from './wechat-pay-connector.ts';

const clock = new ManualClock(Date.now());
const connector = createWechatPayConnector({ exchange: createHttpExchange({ policy: { allowPrivateInTest: true } }), timeoutMs: 2_000, clock });
let wechat: WechatPaySimulator;
let account: ConnectorAccount;
let merchantPublicKey: string;
const openid = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';

beforeAll(async () => {
  wechat = await startWechatPaySimulator({ clock, notifyDelayScale: 0.001 });
  const credentials = wechat.registerMerchant();
  account = { id: 'acct_jsapi_test', connector: 'wechat_pay', mode: 'test', baseUrl: wechat.url, credentials: { ...credentials } };
  const { createPublicKey } = await import('node:crypto');
  merchantPublicKey = createPublicKey(credentials.private_key).export({ type: 'spki', format: 'pem' }).toString();
});

afterAll(async () => {
  await wechat.close();
});

beforeEach(() => {
  wechat.reset();
  clock.setMs(Date.now());
});

let sequence = 0;
function orderRequest(overrides: Partial<CreateOrderRequest> = {}): CreateOrderRequest {
  sequence += 1;
  return {
    orderNumber: `JS${Date.now()}${String(sequence).padStart(4, '0')}`,
    amount: 888n,
    currency: 'CNY',
    subject: '公众号内购买',
    device: 'mobile',
    returnUrl: null,
    notifyUrl: 'http://127.0.0.1:9/notify',
    expiresAt: new Date(clock.nowMs() + 30 * 60_000),
    payerIp: null,
    payerOpenid: openid,
    ...overrides,
  };
}

async function jsapiParameters(request: CreateOrderRequest): Promise<WechatPayJsapiParameters> {
  const outcome = await connector.createOrder(account, request);
  if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'wechat_pay_jsapi') throw new Error(`not a JSAPI answer: ${JSON.stringify(outcome)}`);
  return outcome.nextAction.wechat_pay_jsapi;
}

describe('the paySign message', () => {
  it('is the four lines of WeChat\'s published example, each ending in \\n, signType not signed', () => {
    // 《JSAPI调起支付》: echo -n -e "wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n"
    const message = jsapiSigningMessage({
      appId: 'wx8888888888888888', timeStamp: '1414561699', nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS', package: 'prepay_id=wx201410272009395522657a690389285100',
    });
    expect(message).toBe('wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n');
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const example = {
      appId: 'wx8888888888888888', timeStamp: '1414561699', nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
      package: 'prepay_id=wx201410272009395522657a690389285100', signType: 'RSA',
    };
    const paySign = signMessage(message, key.privateKey);
    expect(verifyJsapiPaySign({ ...example, paySign }, key.publicKey)).toBe(true);
    expect(verifyJsapiPaySign({ ...example, paySign, nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VT' }, key.publicKey)).toBe(false);
    expect(verifyJsapiPaySign({ ...example, paySign, signType: 'MD5' }, key.publicKey)).toBe(false);
    expect(verifyJsapiPaySign({ ...example, paySign: 'not base64 at all' }, key.publicKey)).toBe(false);
  });
});

describe('a JSAPI order inside WeChat', () => {
  it('orders at /jsapi with payer.openid and answers parameters WeChat\'s client accepts; the payer pays and the order is paid by that openid', async () => {
    const request = orderRequest();
    const parameters = await jsapiParameters(request);
    expect(parameters).toMatchObject({ appId: account.credentials.appid, signType: 'RSA', timeStamp: String(Math.floor(clock.nowMs() / 1000)) });
    expect(parameters.package).toMatch(/^prepay_id=wx\d{14}[0-9a-f]{18}$/);
    expect(parameters.nonceStr).toMatch(/^[0-9A-F]{32}$/);
    expect(verifyJsapiPaySign(parameters, merchantPublicKey)).toBe(true);
    expect(await connector.queryOrder(account, { orderNumber: request.orderNumber })).toEqual({ kind: 'pending' });

    expect(wechat.wechatClient(openid).getBrandWCPayRequest({ ...parameters })).toEqual({ err_msg: 'get_brand_wcpay_request:ok' });
    expect(await connector.queryOrder(account, { orderNumber: request.orderNumber })).toMatchObject({ kind: 'paid', amountPaid: 888n });
    // A second tap of the same parameters pays nothing more.
    expect(wechat.wechatClient(openid).getBrandWCPayRequest({ ...parameters }).err_msg).toBe('get_brand_wcpay_request:fail');
  });

  it('answers the same prepay_id when the order is sent again (a retry), freshly signed', async () => {
    const request = orderRequest();
    const first = await jsapiParameters(request);
    clock.advanceMs(2_000);
    const again = await jsapiParameters(request);
    expect(again.package).toBe(first.package);
    expect(again.timeStamp).not.toBe(first.timeStamp);
    expect(verifyJsapiPaySign(again, merchantPublicKey)).toBe(true);
  });

  it('is refused by WeChat\'s client when any parameter was changed, signed with another key, for another user, or after 2 hours', async () => {
    const parameters = await jsapiParameters(orderRequest());
    const client = wechat.wechatClient(openid);
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = await jsapiParameters(orderRequest());
    const refusals = [
      { ...parameters, package: other.package },
      { ...parameters, timeStamp: String(Number(parameters.timeStamp) + 1) },
      { ...parameters, signType: 'MD5' },
      { ...parameters, paySign: signMessage(jsapiSigningMessage(parameters), otherKey.privateKey) },
      { ...parameters, appId: 'wx0000000000000000' },
    ];
    for (const changed of refusals) expect(client.getBrandWCPayRequest(changed).err_msg).toBe('get_brand_wcpay_request:fail');
    expect(wechat.wechatClient('oSomeoneElse000000000000000').getBrandWCPayRequest({ ...parameters })).toMatchObject({ err_msg: 'get_brand_wcpay_request:fail', reason: expect.stringContaining('another WeChat user') });
    clock.advanceMs(2 * 60 * 60 * 1000 + 1_000);
    expect(client.getBrandWCPayRequest({ ...parameters })).toMatchObject({ err_msg: 'get_brand_wcpay_request:fail' });
    expect(wechat.stats()).toMatchObject({ ordersCreated: 2 });
  });

  it('is a plain H5 order when no openid is known', async () => {
    const h5 = await connector.createOrder(account, orderRequest({ payerOpenid: null }));
    expect(h5).toMatchObject({ kind: 'requires_action', nextAction: { type: 'redirect_to_url' } });
  });

  it('takes the bridge call over HTTP too, as a page in a test browser would send it', async () => {
    const parameters = await jsapiParameters(orderRequest());
    const answer = await fetch(`${wechat.url}/jsapi/getBrandWCPayRequest`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ openid, ...parameters }),
    });
    expect(await answer.json()).toEqual({ err_msg: 'get_brand_wcpay_request:ok' });
  });
});
