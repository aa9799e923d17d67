/**
 * What the chaos run's merchant and payers do, drawn from the seed: cards
 * mostly (some captured by hand, some needing a one-time code, some
 * declined, some canceled after authorization), some Alipay, WeChat Pay and
 * UnionPay (the payer pays at the simulator's page, or leaves), some wallet
 * payments; then refunds of some that succeeded, a few in two parts.
 */
import type { ApiClient, Answer } from './client.ts';

/** mulberry32: small, seeded, good enough to pick scripts. */
export function seededFloats(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Kind = 'card' | 'card_manual' | 'card_otp' | 'card_declined' | 'card_cancel' | 'alipay' | 'wechat_pay' | 'unionpay' | 'wallet';

export interface Script {
  index: number;
  kind: Kind;
  amount: number;
  /** For QR payments: whether the payer pays. */
  payerPays: boolean;
  /** For manual captures: capture all, or a part. */
  capturePart: boolean;
  /** Refunds after success: none, one full, one partial, or two partials. */
  refunds: 'none' | 'full' | 'partial' | 'two_partials';
}

const kinds: [Kind, number][] = [
  ['card', 0.5],
  ['card_manual', 0.08],
  ['card_otp', 0.04],
  ['card_declined', 0.05],
  ['card_cancel', 0.05],
  ['alipay', 0.09],
  ['wechat_pay', 0.08],
  ['unionpay', 0.06],
  ['wallet', 0.05],
];

export function planScripts(count: number, seed: number): Script[] {
  const random = seededFloats(seed);
  return Array.from({ length: count }, (_, index) => {
    let pick = random();
    let kind: Kind = 'card';
    for (const [candidate, share] of kinds) {
      if (pick < share) {
        kind = candidate;
        break;
      }
      pick -= share;
    }
    const refundDraw = random();
    return {
      index,
      kind,
      amount: 100 + Math.floor(random() * 50_000),
      payerPays: random() < 0.85,
      capturePart: random() < 0.3,
      refunds: refundDraw < 0.12 ? 'full' : refundDraw < 0.22 ? 'partial' : refundDraw < 0.26 ? 'two_partials' : 'none',
    };
  });
}

export interface World {
  client: ApiClient;
  run: string;
  simulators: { alipay: string; wechat_pay: string; unionpay: string };
  unionpayMerId: string;
  wechatMchid: string;
  /** Customers with a topped-up wallet and this PIN. */
  walletCustomers: string[];
  walletPin: string;
}

export interface Played {
  /** Ids the API answered for payments created (what must never be lost). */
  paymentId: string | null;
  refundKeys: string[];
}

 
const card = (number: string) => ({ number, exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc: '123' });

/** One payment's script, through the API and the simulators' payer pages. */
export async function play(world: World, script: Script): Promise<Played> {
  const key = (step: string) => `${world.run}-${script.index}-${step}`;
  const { client } = world;
  const wallet = script.kind === 'wallet';
  const qr = script.kind === 'alipay' || script.kind === 'wechat_pay' || script.kind === 'unionpay';
  const customer = wallet ? world.walletCustomers[script.index % world.walletCustomers.length] : undefined;
  const created = await client.post(
    '/v1/payments',
    {
      amount: wallet ? Math.min(script.amount, 2_000) : script.amount,
      currency: 'CNY',
      ...(customer ? { customer } : {}),
      capture_method: script.kind === 'card_manual' || script.kind === 'card_cancel' ? 'manual' : 'automatic',
      metadata: { chaos_run: world.run, chaos_key: key('create') },
      ...(qr ? { expires_in_seconds: 120 } : {}),
    },
    key('create'),
  );
  const played: Played = { paymentId: created?.status === 200 ? (created.body.id as string) : null, refundKeys: [] };
  if (played.paymentId === null) return played;
  const id = played.paymentId;

  let confirmed: Answer | null;
  if (qr) {
    confirmed = await client.post(`/v1/payments/${id}/confirm`, { payment_method: { type: script.kind } }, key('confirm'));
    if (confirmed?.status === 200 && confirmed.body.status === 'requires_action') await payAtProvider(world, script, id, confirmed.body.next_action);
    return played; // a QR payment is refunded by nobody here: its success comes later, by notification or query
  }
  if (wallet) {
    confirmed = await client.post(`/v1/payments/${id}/confirm`, { payment_method: { type: 'wallet', wallet: { pin: world.walletPin } } }, key('confirm'));
  } else {
    const number = script.kind === 'card_declined' ? '4000000000009995' : script.kind === 'card_otp' ? '4000002760003184' : '4242424242424242';
    confirmed = await client.post(`/v1/payments/${id}/confirm`, { payment_method: { type: 'card', card: card(number) } }, key('confirm'));
    if (confirmed?.status === 200 && confirmed.body.next_action?.type === 'verify_otp') {
      confirmed = await client.post(`/v1/payments/${id}/confirm`, { otp: '000000' }, key('otp'));
    }
  }
  if (confirmed?.status !== 200) return played;
  let status = confirmed.body.status as string;
  if (status === 'requires_capture' && script.kind === 'card_cancel') {
    await client.post(`/v1/payments/${id}/cancel`, { cancellation_reason: 'requested_by_customer' }, key('cancel'));
    return played;
  }
  if (status === 'requires_capture') {
    const amount = script.capturePart ? Math.max(1, Math.floor(Number(confirmed.body.amount_capturable) / 2)) : undefined;
    const captured = await client.post(`/v1/payments/${id}/capture`, amount === undefined ? {} : { amount_to_capture: amount }, key('capture'));
    if (captured?.status !== 200) return played;
    status = captured.body.status as string;
  }
  if (status !== 'succeeded' || script.refunds === 'none') return played;
  const received = Number(confirmed.body.amount_received ?? 0) || Math.min(script.amount, wallet ? 2_000 : script.amount);
  const parts = script.refunds === 'full' ? [undefined] : script.refunds === 'partial' ? [Math.max(1, Math.floor(received / 3))] : [Math.max(1, Math.floor(received / 4)), Math.max(1, Math.floor(received / 4))];
  for (const [n, amount] of parts.entries()) {
    const refundKey = key(`refund${n}`);
    played.refundKeys.push(refundKey);
    await client.post('/v1/refunds', { payment: id, reason: 'requested_by_customer', ...(amount === undefined ? {} : { amount }) }, refundKey);
  }
  return played;
}

/** The payer at the provider's page: pays, or leaves. The order number is the attempt's id without its underscore. */
async function payAtProvider(world: World, script: Script, paymentId: string, nextAction: any): Promise<void> {
  // The payer's browser opens the provider's page (the QR code's address, or the redirect): that is what makes the order known there.
  const page = (nextAction?.redirect_to_url?.url ?? nextAction?.display_qr_code?.data) as string | undefined;
  if (page?.startsWith('http')) await fetch(page, { signal: AbortSignal.timeout(10_000) }).then((response) => response.arrayBuffer()).catch(() => undefined);
  const attempts = await world.client.get(`/v1/payments/${paymentId}/attempts?limit=1`);
  const attemptId = attempts?.body?.data?.[0]?.id as string | undefined;
  if (!attemptId || !script.payerPays) return;
  const orderNumber = attemptId.replace('_', '');
  const action = 'pay';
  const target =
    script.kind === 'alipay'
      ? { url: `${world.simulators.alipay}/pay/${orderNumber}/${action}`, body: '' }
      : script.kind === 'wechat_pay'
        ? { url: `${world.simulators.wechat_pay}/pay/${orderNumber}/${action}?mchid=${world.wechatMchid}`, body: '' }
        : { url: `${world.simulators.unionpay}/gateway/payer/${action}`, body: new URLSearchParams({ merId: world.unionpayMerId, orderId: orderNumber }).toString() };
  await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: target.body,
    signal: AbortSignal.timeout(10_000),
  })
    .then((response) => response.arrayBuffer())
    .catch(() => undefined);
}
