/**
 * The Alipay connector against the simulated Alipay, over real sockets: orders
 * paid outside a browser, in the merchant's app (app.pay's order string for
 * Alipay's SDK) and in an Alipay mini program (trade.create's trade_no for
 * my.tradePay).
 */
import { describe, expect, it } from 'vitest';
import type { CreateOrderRequest } from '../connector.ts';
import { account, alipay, connector, orderRequest, receivedFor, setUpAlipayConnectorTests, waitFor } from '../../../test/support/alipay-connector.ts';
import { verifyRsa2 } from './signature.ts';

setUpAlipayConnectorTests();

describe('app orders (APP支付, app.pay): the merchant’s app hands the order string to Alipay’s SDK', () => {
  async function appOrder(overrides: Partial<CreateOrderRequest> = {}): Promise<{ request: CreateOrderRequest; orderString: string }> {
    const request = orderRequest({ device: 'mobile', alipayClient: { kind: 'app' }, ...overrides });
    const outcome = await connector.createOrder(account, request);
    if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'alipay_app') throw new Error('no order string');
    return { request, orderString: outcome.nextAction.alipay_app.order_string };
  }

  it('signs the order without calling Alipay; the SDK opens the trade, the payer pays, and the notification and the query say paid', async () => {
    const { request, orderString } = await appOrder();
    expect(alipay.stats().requests).toBe(0);
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'not_found' });

    const result = alipay.payInApp(orderString);
    expect(result.resultStatus).toBe('9000');
    // The SDK's synchronous result is signed by Alipay over the response member's text, as a gateway answer is.
    const synchronous = JSON.parse(result.result) as { alipay_trade_app_pay_response: Record<string, string>; sign: string; sign_type: string };
    expect(synchronous.alipay_trade_app_pay_response).toMatchObject({ code: '10000', out_trade_no: request.orderNumber, total_amount: '100.00', app_id: account.credentials.app_id });
    expect(synchronous.sign_type).toBe('RSA2');
    const member = result.result.slice(result.result.indexOf(':') + 1, result.result.indexOf(',"sign":'));
    expect(verifyRsa2(member, synchronous.sign, account.credentials.alipay_public_key!)).toBe(true);

    await waitFor(() => receivedFor(request.orderNumber).length > 0, 'the payment notification');
    expect(receivedFor(request.orderNumber)[0]!.verdict).toMatchObject({ kind: 'verified', state: { kind: 'paid', amountPaid: 10_000n }, amount: 10_000n });
    expect(await connector.queryOrder(account, request)).toMatchObject({ kind: 'paid', amountPaid: 10_000n });
    // The same order string again pays nothing more.
    expect(alipay.payInApp(orderString)).toMatchObject({ resultStatus: '4000', memo: expect.stringContaining('ACQ.TRADE_HAS_SUCCESS') });
  });

  it('a payer who cancels in Alipay leaves the trade open (6001); one whose payment fails closes it (4000)', async () => {
    const left = await appOrder();
    expect(alipay.payInApp(left.orderString, 'leave')).toMatchObject({ resultStatus: '6001', result: '' });
    expect(await connector.queryOrder(account, left.request)).toEqual({ kind: 'pending' });
    const failed = await appOrder();
    expect(alipay.payInApp(failed.orderString, 'decline')).toMatchObject({ resultStatus: '4000' });
    expect(await connector.queryOrder(account, failed.request)).toEqual({ kind: 'closed' });
  });

  it('an order string whose amount was edited, or signed with another key, is refused and makes no trade', async () => {
    const { request, orderString } = await appOrder();
    const tampered = orderString.replace(encodeURIComponent('"100.00"'), encodeURIComponent('"0.01"'));
    expect(tampered).not.toBe(orderString);
    expect(alipay.payInApp(tampered)).toMatchObject({ resultStatus: '4000', memo: expect.stringContaining('isv.invalid-signature') });
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'not_found' });
  });

  it('a full refund of an app trade is notified (TRADE_CLOSED), as for wap.pay', async () => {
    const { request, orderString } = await appOrder();
    alipay.payInApp(orderString);
    await waitFor(() => receivedFor(request.orderNumber).length === 1, 'the payment notification');
    expect(await connector.refund(account, { orderNumber: request.orderNumber, refundNumber: 'RA1', amount: 10_000n, totalAmount: 10_000n, currency: 'CNY', reason: null })).toEqual({ kind: 'succeeded', reference: 'RA1' });
    await waitFor(() => receivedFor(request.orderNumber).length === 2, 'the refund notification');
    expect(receivedFor(request.orderNumber)[1]!.verdict).toMatchObject({ refundNumber: 'RA1', refundedTotal: 10_000n, state: { kind: 'succeeded' } });
  });
});

describe('mini-program orders (小程序支付, trade.create with JSAPI_PAY): the mini program pays the trade_no with my.tradePay', () => {
  const buyerId = '2088000000000777';
  const miniProgramAppId = '2021000000000888';
  async function miniProgramOrder(overrides: Partial<CreateOrderRequest> = {}): Promise<{ request: CreateOrderRequest; tradeNo: string }> {
    const request = orderRequest({ device: 'mobile', alipayClient: { kind: 'mini_program', buyerId, buyerOpenId: null, opAppId: miniProgramAppId }, ...overrides });
    const outcome = await connector.createOrder(account, request);
    if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'alipay_mini_program') throw new Error(`no trade_no: ${JSON.stringify(outcome)}`);
    return { request, tradeNo: outcome.nextAction.alipay_mini_program.trade_no };
  }

  it('creates the trade at once (a query finds it waiting), and only its buyer, in its mini program, can pay it', async () => {
    const { request, tradeNo } = await miniProgramOrder();
    expect(tradeNo).toMatch(/^\d{28}$/);
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'pending' });
    // The same order again (a retry) finds the same trade.
    expect(await connector.createOrder(account, request)).toMatchObject({ nextAction: { alipay_mini_program: { trade_no: tradeNo } } });

    expect(alipay.payInMiniProgram({ tradeNo, miniProgramAppId, buyer: { buyerId: '2088000000000999', buyerOpenId: null } })).toMatchObject({ resultCode: '4000' });
    expect(alipay.payInMiniProgram({ tradeNo, miniProgramAppId: '2021000000000999', buyer: { buyerId, buyerOpenId: null } })).toMatchObject({ resultCode: '4000' });
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'pending' });

    expect(alipay.payInMiniProgram({ tradeNo, miniProgramAppId, buyer: { buyerId, buyerOpenId: null } })).toEqual({ resultCode: '9000', memo: '' });
    await waitFor(() => receivedFor(request.orderNumber).length > 0, 'the payment notification');
    expect(receivedFor(request.orderNumber)[0]!.verdict).toMatchObject({ kind: 'verified', state: { kind: 'paid', reference: tradeNo, amountPaid: 10_000n } });
    expect(await connector.queryOrder(account, request)).toMatchObject({ kind: 'paid', reference: tradeNo });
  });

  it('a trade nobody paid closes, and then cannot be paid; the same order number for another buyer is refused', async () => {
    const { request, tradeNo } = await miniProgramOrder();
    expect(await connector.closeOrder(account, request)).toEqual({ kind: 'closed' });
    expect(alipay.payInMiniProgram({ tradeNo, miniProgramAppId, buyer: { buyerId, buyerOpenId: null } })).toMatchObject({ resultCode: '4000', memo: '交易已经关闭' });
    const again = await connector.createOrder(account, { ...request, alipayClient: { kind: 'mini_program', buyerId: null, buyerOpenId: 'someone-else', opAppId: miniProgramAppId } });
    expect(again).toMatchObject({ kind: 'unknown' });
  });

  it('over HTTP, as a demo mini program would call it', async () => {
    const { request, tradeNo } = await miniProgramOrder({ alipayClient: { kind: 'mini_program', buyerId: null, buyerOpenId: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5', opAppId: null } });
    const answer = await fetch(`${alipay.url}/client/trade_pay`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      // Without op_app_id the mini program is the account's own app.
      body: JSON.stringify({ trade_no: tradeNo, mini_program_app_id: account.credentials.app_id, buyer_open_id: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5' }),
    });
    expect(await answer.json()).toEqual({ resultCode: '9000', memo: '' });
    expect(await connector.queryOrder(account, request)).toMatchObject({ kind: 'paid' });
  });
});
