/**
 * The Alipay connector against the simulated Alipay, over real sockets: orders
 * a payer's browser pays, a QR code to scan on a desktop (precreate) and a
 * redirect to the mobile cashier on a phone (wap.pay).
 */
import { describe, expect, it } from 'vitest';
import { account, alipay, clock, connector, notifyUrl, orderRequest, receivedFor, setUpAlipayConnectorTests, settle, waitFor } from '../../../test/support/alipay-connector.ts';
import { notificationSigningString, verifyRsa2 } from './signature.ts';

setUpAlipayConnectorTests();

describe('QR code orders (desktop, precreate)', () => {
  it('shows a QR code, and after the payer pays, a verified notification and the query both say paid', async () => {
    const request = orderRequest();
    const outcome = await connector.createOrder(account, request);
    expect(outcome).toEqual({
      kind: 'requires_action',
      reference: null,
      nextAction: { type: 'display_qr_code', display_qr_code: { data: `${alipay.url}/pay/${request.orderNumber}`, expires_at: request.expiresAt.toISOString() } },
    });
    // Not scanned yet: Alipay does not know the trade.
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'not_found' });

    const page = await fetch(`${alipay.url}/pay/${request.orderNumber}`);
    const html = await page.text();
    expect(html).toContain('100.00');
    expect(html).toContain('龙井茶 Longjing tea');
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'pending' });

    // The page's own "pay" button.
    const paid = await fetch(`${alipay.url}/pay/${request.orderNumber}/pay`, { method: 'POST' });
    expect(paid.status).toBe(200);
    await waitFor(() => receivedFor(request.orderNumber).length === 1, 'the notification');
    const [notification] = receivedFor(request.orderNumber);
    const verdict = notification!.verdict;
    expect(verdict.kind).toBe('verified');
    if (verdict.kind !== 'verified') return;
    expect(verdict.orderNumber).toBe(request.orderNumber);
    expect(verdict.amount).toBe(10_000n);
    expect(verdict.merchantIdentity).toEqual({ app_id: account.credentials.app_id, seller_id: account.credentials.seller_id });
    expect(verdict.ack).toEqual({ status: 200, contentType: 'text/plain', body: 'success' });
    expect(verdict.state).toMatchObject({ kind: 'paid', amountPaid: 10_000n, paidAt: new Date(clock.nowMs()) });

    const state = await connector.queryOrder(account, request);
    expect(state).toMatchObject({ kind: 'paid', amountPaid: 10_000n });
    expect(state.kind === 'paid' && verdict.state.kind === 'paid' && state.reference === verdict.state.reference).toBe(true);

    // Acknowledged with `success`: never sent again.
    await settle(150);
    expect(receivedFor(request.orderNumber)).toHaveLength(1);
    expect(alipay.stats().notificationsAcknowledged).toBe(1);
  });

  it('answers the same QR code for the same order number, and refuses the same number with another amount', async () => {
    const request = orderRequest();
    const first = await connector.createOrder(account, request);
    expect(await connector.createOrder(account, request)).toEqual(first);
    expect(await connector.createOrder(account, { ...request, amount: 1n })).toMatchObject({ kind: 'unknown' });
  });

  it('refuses a currency Alipay does not settle without calling it', async () => {
    const outcome = await connector.createOrder(account, orderRequest({ currency: 'USD' }));
    expect(outcome.kind).toBe('retriable');
    expect(alipay.stats().requests).toBe(0);
  });
});

describe('redirect orders (mobile, wap.pay)', () => {
  it('builds a signed wap.pay URL (QUICK_WAP_WAY) without calling Alipay; opening it opens the trade', async () => {
    const request = orderRequest({ device: 'mobile' });
    const outcome = await connector.createOrder(account, request);
    expect(alipay.stats().requests).toBe(0);
    if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'redirect_to_url') throw new Error('no redirect');
    const url = new URL(outcome.nextAction.redirect_to_url.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${alipay.url}/gateway.do`);
    expect(url.searchParams.get('method')).toBe('alipay.trade.wap.pay');
    expect(url.searchParams.get('notify_url')).toBe(notifyUrl);
    expect(url.searchParams.get('return_url')).toBe('https://shop.example/return');
    expect(JSON.parse(url.searchParams.get('biz_content')!)).toMatchObject({
      out_trade_no: request.orderNumber,
      total_amount: '100.00',
      product_code: 'QUICK_WAP_WAY',
      quit_url: 'https://shop.example/return',
    });
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'not_found' });

    // A payer who edits the amount in the URL breaks the signature.
    const tampered = new URL(url);
    tampered.searchParams.set('biz_content', url.searchParams.get('biz_content')!.replace('100.00', '0.01'));
    expect((await fetch(tampered)).status).toBe(400);
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'not_found' });

    const page = await fetch(url);
    expect(page.url).toBe(`${alipay.url}/pay/${request.orderNumber}`);
    expect(await page.text()).toContain('100.00');
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'pending' });
    alipay.payer(request.orderNumber).pay();
    expect(await connector.queryOrder(account, request)).toMatchObject({ kind: 'paid', amountPaid: 10_000n });
  });

  it('after paying in the cashier the payer is sent back to return_url, with return parameters signed by Alipay', async () => {
    const request = orderRequest({ device: 'mobile', returnUrl: 'https://shop.example/checkout/cs_1?lang=zh-CN' });
    const outcome = await connector.createOrder(account, request);
    if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'redirect_to_url') throw new Error('no redirect');
    const cashier = await fetch(outcome.nextAction.redirect_to_url.url);
    expect(await cashier.text()).toContain('返回商家');
    const paid = await fetch(`${alipay.url}/pay/${request.orderNumber}/pay`, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    const back = new URL(paid.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe('https://shop.example/checkout/cs_1');
    expect(back.searchParams.get('lang')).toBe('zh-CN');
    expect(back.searchParams.get('method')).toBe('alipay.trade.wap.pay.return');
    expect(back.searchParams.get('out_trade_no')).toBe(request.orderNumber);
    expect(back.searchParams.get('total_amount')).toBe('100.00');
    // Signed as a notification is (sign and sign_type left out), over the parameters Alipay adds: not the merchant's own lang.
    const fields = Object.fromEntries([...back.searchParams].filter(([key]) => !['sign', 'sign_type', 'lang'].includes(key)));
    expect(verifyRsa2(notificationSigningString(fields), back.searchParams.get('sign')!, account.credentials.alipay_public_key!)).toBe(true);
    expect(await connector.queryOrder(account, request)).toMatchObject({ kind: 'paid', amountPaid: 10_000n });
  });

  it('a payer who leaves the mobile cashier goes back to quit_url, and the order stays unpaid', async () => {
    const request = orderRequest({ device: 'mobile' });
    const outcome = await connector.createOrder(account, request);
    if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'redirect_to_url') throw new Error('no redirect');
    await fetch(outcome.nextAction.redirect_to_url.url);
    const left = await fetch(`${alipay.url}/pay/${request.orderNumber}/leave`, { method: 'POST', redirect: 'manual' });
    expect(left.status).toBe(303);
    expect(left.headers.get('location')).toBe('https://shop.example/return');
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'pending' });
  });
});
