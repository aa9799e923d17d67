/**
 * The order of the methods on the checkout, most likely first, as a Chinese
 * cashier lists them. Pure, unit-tested (method-order.test.ts).
 */
import type { MethodType } from './api-types.ts';

export interface MethodOrderInput {
  /** The methods the payment offers, in the API's order. */
  offered: readonly MethodType[];
  /** The method this payer used last (the customer's last payment, else this browser's), if known. */
  lastUsed: MethodType | null;
  currency: string;
  phone: boolean;
  /** The wallet's balance covers the amount. */
  walletCovers: boolean;
}

/**
 * 1. the method used last; 2. the wallet when its balance covers the amount;
 * 3. for CNY on a phone WeChat Pay then Alipay (the apps every phone has),
 *    for CNY on a desktop Alipay then WeChat Pay (both by QR code), then
 *    UnionPay and cards; in any other currency cards and UnionPay first;
 * 4. a wallet that cannot pay, last. Ties keep the API's order.
 */
export function orderMethods(input: MethodOrderInput): MethodType[] {
  const cny = input.currency.toUpperCase() === 'CNY';
  const base: readonly MethodType[] = cny
    ? input.phone
      ? ['wechat_pay', 'alipay', 'unionpay', 'card']
      : ['alipay', 'wechat_pay', 'unionpay', 'card']
    : ['card', 'unionpay', 'alipay', 'wechat_pay'];
  const rank = (method: MethodType): number => {
    if (method === input.lastUsed) return -2;
    if (method === 'wallet') return input.walletCovers ? -1 : base.length;
    return base.indexOf(method);
  };
  return input.offered
    .filter((method, index) => input.offered.indexOf(method) === index)
    .map((method, index) => ({ method, index, rank: rank(method) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.method);
}

/**
 * Cards and UnionPay are one choice ("Bank card") when both are offered: the
 * list shows `card`, and the card step offers UnionPay's own page once the
 * typed number is a UnionPay card. Alone, UnionPay is listed by its name.
 */
export function listedMethods(ordered: readonly MethodType[]): MethodType[] {
  if (!ordered.includes('card') || !ordered.includes('unionpay')) return [...ordered];
  // Everything before the first of the two is neither, so that index is the same in the list without them.
  const position = Math.min(ordered.indexOf('card'), ordered.indexOf('unionpay'));
  const listed: MethodType[] = ordered.filter((method) => method !== 'card' && method !== 'unionpay');
  listed.splice(position, 0, 'card');
  return listed;
}
