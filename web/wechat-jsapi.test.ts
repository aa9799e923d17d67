/**
 * The checkout's side of WeChat Pay JSAPI, without a browser: which step a
 * payment waiting on WeChat's cashier calls for, and when the page sends the
 * payer's openid (only inside WeChat, and only as the merchant gave it).
 */
import { describe, expect, it } from 'vitest';
import type { Payment } from './checkout/api-types.ts';
import { isPolledView, viewForPayment, wechatOpenid } from './checkout/flow.ts';

const now = Date.UTC(2026, 5, 15, 12);
const weChatAndroid = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN';
const safari = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

const parameters = {
  appId: 'wx8888888888888888', timeStamp: '1414561699', nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
  package: 'prepay_id=wx201410272009395522657a690389285100', signType: 'RSA' as const, paySign: 'c2lnbmVk',
};

function waiting(): Payment {
  return {
    id: 'pay_1', status: 'requires_action', amount: 888, currency: 'CNY', amount_refunded: 0, payment_method: { type: 'wechat_pay' }, order: null,
    description: null, next_action: { type: 'wechat_pay_jsapi', wechat_pay_jsapi: parameters }, last_error: null, cancellation_reason: null,
    expires_at: new Date(now + 60_000).toISOString(), created_at: new Date(now).toISOString(), updated_at: new Date(now).toISOString(),
  };
}

describe('a payment waiting on WeChat\'s cashier', () => {
  it('shows the JSAPI step with the signed parameters as they came, and keeps polling', () => {
    const view = viewForPayment(waiting(), now);
    expect(view).toEqual({ kind: 'wechat_jsapi', parameters });
    expect(isPolledView(view)).toBe(true);
  });
});

describe('the openid the page sends', () => {
  it('is the merchant\'s ?wechat_openid= inside WeChat only', () => {
    expect(wechatOpenid('?wechat_openid=oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', weChatAndroid)).toBe('oUpF8uMuAJO_M2pxb1Q9zNjWeS6o');
    expect(wechatOpenid('?wechat_openid=oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', safari)).toBeNull();
    expect(wechatOpenid('', weChatAndroid)).toBeNull();
    expect(wechatOpenid('?wechat_openid=%3Cscript%3E', weChatAndroid)).toBeNull();
  });
});
