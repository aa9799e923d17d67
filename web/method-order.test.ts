import { describe, expect, it } from 'vitest';
import type { MethodType } from './checkout/api-types.ts';
import { listedMethods, orderMethods } from './checkout/method-order.ts';

const all: MethodType[] = ['card', 'alipay', 'wechat_pay', 'unionpay', 'wallet'];
const order = (fields: Partial<Parameters<typeof orderMethods>[0]>) => orderMethods({ offered: all, lastUsed: null, currency: 'CNY', phone: false, walletCovers: false, ...fields });

describe('the order of the methods', () => {
  it('CNY on a phone: WeChat Pay, Alipay, then UnionPay and cards; a wallet that cannot pay last', () => {
    expect(order({ phone: true })).toEqual(['wechat_pay', 'alipay', 'unionpay', 'card', 'wallet']);
  });

  it('CNY on a desktop: Alipay and WeChat Pay (by QR code) before UnionPay and cards', () => {
    expect(order({})).toEqual(['alipay', 'wechat_pay', 'unionpay', 'card', 'wallet']);
  });

  it('another currency: cards and UnionPay first, whatever the device', () => {
    expect(order({ currency: 'USD', phone: true })).toEqual(['card', 'unionpay', 'alipay', 'wechat_pay', 'wallet']);
  });

  it('the wallet comes first when its balance covers the amount', () => {
    expect(order({ phone: true, walletCovers: true })[0]).toBe('wallet');
  });

  it('the method used last comes first, even before a covering wallet', () => {
    expect(order({ phone: true, walletCovers: true, lastUsed: 'card' })).toEqual(['card', 'wallet', 'wechat_pay', 'alipay', 'unionpay']);
  });

  it('a last method that is not offered changes nothing; only offered methods are listed, once each', () => {
    expect(orderMethods({ offered: ['card', 'alipay', 'card'], lastUsed: 'wallet', currency: 'CNY', phone: true, walletCovers: true })).toEqual(['alipay', 'card']);
  });

  it('cards and UnionPay are listed as one bank-card choice, where the first of them stood', () => {
    expect(listedMethods(['wechat_pay', 'alipay', 'unionpay', 'card', 'wallet'])).toEqual(['wechat_pay', 'alipay', 'card', 'wallet']);
    expect(listedMethods(['unionpay', 'alipay'])).toEqual(['unionpay', 'alipay']);
    expect(listedMethods(['card', 'wallet'])).toEqual(['card', 'wallet']);
  });
});
